/* The training loop: shuffled minibatches, optimizer steps, per-epoch
 * loss and accuracy on the training and validation rows. It does not save
 * checkpoints; cmd_train does. */
#ifndef DNN_TRAIN_H
#define DNN_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "net.h"
#include "optim.h"
#include "rng.h"

/* One epoch's figures; NaN where a figure does not apply. */
struct dnn_epoch {
	unsigned long epoch;	/* 1-based */
	double loss, val_loss;
	double accuracy, val_accuracy;
	double learning_rate;
	double seconds;		/* wall time of the epoch (not saved) */
};

struct dnn_history {
	size_t n, cap;
	struct dnn_epoch *epochs;
};

/* A set of rows: inputs x (n x n_in) and targets t (n x n_out) in the form
 * the loss wants (one-hot, 0/1, or normalized values). */
struct dnn_rows {
	size_t n;
	const float *x;
	const float *t;
};

struct dnn_train_opts {
	unsigned long epochs;
	size_t batch_size;
	int classification;	/* report accuracy */
	/* Called after every epoch (may be NULL). */
	void (*on_epoch)(const struct dnn_epoch *ep, unsigned long n_epochs, void *ctx);
	void *ctx;
};

/* Train net on train rows (and report on val rows when val->n > 0),
 * appending each epoch to hist. Returns 0, or -1 with e set: a NaN or
 * infinite loss stops training (65, suggesting a lower learning rate) and
 * leaves the weights of the last finite epoch in net. */
int train_run(struct dnn_net *net, struct dnn_optim *opt, struct dnn_rng *rng,
	      const struct dnn_rows *train, const struct dnn_rows *val,
	      const struct dnn_train_opts *o, struct dnn_history *hist, struct dnn_error *e);

/* Mean loss and accuracy (NaN unless classification) of net on rows. */
int train_evaluate(struct dnn_net *net, const struct dnn_rows *rows, int classification,
		   double *loss, double *accuracy, struct dnn_error *e);

int history_append(struct dnn_history *h, const struct dnn_epoch *ep);
void history_free(struct dnn_history *h);

#endif
