/* The training loop: shuffled minibatches (or full-batch L-BFGS iterations),
 * optimizer steps, a learning-rate schedule, early stopping, and per-epoch
 * figures (metrics.h) on the training and validation rows. It does not save
 * checkpoints; cmd_train does. */
#ifndef DNN_TRAIN_H
#define DNN_TRAIN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "history.h"
#include "metrics.h"
#include "net.h"
#include "optim.h"
#include "rng.h"
#include "schedule.h"

/* An epoch's regression figures (not saved): mean absolute error in the
 * target's units and R^2, averaged over the outputs; NaN without
 * validation rows. */
struct dnn_epoch_reg {
	double mae, val_mae;
	double r2, val_r2;
};

/* How training ended, beyond the history. */
struct dnn_train_stop {
	unsigned long best_epoch;	/* early stopping: the epoch whose weights
					 * were kept; 0 without patience */
	int early;			/* stopped for want of improvement */
	int converged;			/* lbfgs: no further progress possible */
	int monitor_val;		/* early stopping watched val_loss (else loss) */
	unsigned long interrupted;	/* the epoch *interrupt cut short, or 0 */
	int restored;			/* the best epoch's weights were put back */
	/* Shared training (dnn_train_opts.gid): the gradient sums over the
	 * MPI ranks, their count and the time spent in them (waiting for the
	 * slowest rank included). */
	unsigned long reductions;
	double reduce_seconds;
};

/* Early stopping's memory, kept by the caller to carry it across runs
 * (--resume): the lowest loss watched so far, its epoch (0: none yet) and
 * the weights of that epoch (n_params floats, allocated by the caller). */
struct dnn_train_early {
	double best_loss;
	unsigned long best_epoch;
	float *best;	/* net_n_saved floats: the weights, then the rows' kept
			 * state (net_save) */
	float *last;	/* when not NULL: gets the same of the last epoch before
			 * the best ones are put back */
};

struct dnn_train_opts {
	unsigned long first_epoch;	/* 1, or the epoch a resumed run starts at
					 * (0 means 1) */
	unsigned long epochs;		/* the last epoch */
	size_t batch_size;		/* ignored by full-batch optimizers */
	int classification;		/* report accuracy; else MAE and R^2 */
	const float *target_scale;	/* regression: the unit of each output for
					 * MAE (NULL: 1) */
	struct dnn_sched *sched;	/* learning rate per epoch (NULL: constant) */
	unsigned long patience;		/* stop after this many epochs without a
					 * lower val_loss (loss without validation
					 * rows) and keep the best weights; 0: off */
	struct dnn_train_stop *stop;	/* filled when not NULL */
	struct dnn_train_early *early;	/* with patience: in and out (may be NULL) */
	/* When not NULL: training stops after the minibatch (lbfgs: the
	 * iteration) during which *interrupt became non-zero, keeping its
	 * weights; train_run then fails with code 130. */
	const volatile sig_atomic_t *interrupt;
	/* Called after every epoch (may be NULL); reg is NULL for
	 * classification. */
	void (*on_epoch)(const struct dnn_epoch *ep, const struct dnn_epoch_reg *reg,
			 unsigned long n_epochs, void *ctx);
	/* Called after every minibatch step with the rows of the epoch done so
	 * far (may be NULL; not for full-batch optimizers). */
	void (*on_batch)(unsigned long epoch, size_t rows_done, size_t n_rows, void *ctx);
	void *ctx;
	/* Data-parallel training over MPI (dist.h), when not NULL: the training
	 * rows here are rows gid[0] < gid[1] < ... of the n_total training rows
	 * of all ranks. Every rank then runs train_run with the same network,
	 * optimizer and generator; the epoch's order is drawn over all rows,
	 * each rank computes the gradient of its rows of a minibatch, and the
	 * sum over the ranks (in rank order) makes every rank's step. Figures
	 * (and the callbacks' row counts) are those of all ranks. */
	const size_t *gid;
	size_t n_total;
	/* Max-norm (NULL: none): after every minibatch step, each unit's
	 * incoming weights in net row l rescaled to a norm of at most
	 * max_norm[l] (0: not that row; one per row of the net). Not for full-batch optimizers. */
	const double *max_norm;
	/* The key of training's random draws (dropout masks): those of row g
	 * (its place among all training rows) in epoch ep come from seed, ep
	 * and g alone, whatever the threads, ranks or batches (the spec's
	 * seed); for full-batch L-BFGS, which minimizes one fixed loss, from
	 * seed and g alone, the same in every iteration. */
	uint64_t seed;
};

/* Train net on train rows (and report on val rows when val->n > 0),
 * appending each epoch to hist. Returns 0, or -1 with e set: a NaN or
 * infinite loss stops training (65, suggesting a lower learning rate) and
 * leaves the weights of the last finite epoch in net; an interrupt stops it
 * with code 130 (the interrupted epoch is not in hist). While it runs,
 * the calling thread and the pool's workers flush subnormals to zero
 * (fpmode.h), which keeps them out of the optimizer's state and the
 * gradients (where they would slow every operation on them); the caller's
 * floating-point mode is restored before it returns. */
int train_run(struct dnn_net *net, struct dnn_optim *opt, struct dnn_rng *rng,
	      const struct dnn_rows *train, const struct dnn_rows *val,
	      const struct dnn_train_opts *o, struct dnn_history *hist, struct dnn_error *e);

/* The state a run needs to continue as if it had not stopped: the epochs
 * done, the generator, the current weights and the rows' n_state floats of
 * kept state (which differ from the saved ones when early stopping kept an
 * earlier epoch's), the optimizer's buffers, the schedule and early
 * stopping (early may be NULL), in a portable little-endian encoding (see
 * dnn-checkpoint(5), section trst). Returns a malloc'd buffer, or NULL when
 * out of memory. */
unsigned char *train_state_encode(unsigned long epochs_done, const struct dnn_rng *rng,
				  const float *params, const float *state, size_t n_state,
				  const struct dnn_optim *opt, const struct dnn_sched *sched,
				  const struct dnn_train_early *early, size_t *len);
/* Restore what train_state_encode wrote into rng, params, state (n_state
 * floats), opt (made with the same optimizer and parameter count), sched
 * and early (whose best holds n_params + n_state floats, or is NULL).
 * Errors (65, naming file): a malformed encoding, or another optimizer or
 * network than opt. */
int train_state_decode(const unsigned char *p, size_t len, const char *file,
		       unsigned long *epochs_done, struct dnn_rng *rng, float *params, float *state,
		       size_t n_state, struct dnn_optim *opt, struct dnn_sched *sched,
		       struct dnn_train_early *early, struct dnn_error *e);

#endif
