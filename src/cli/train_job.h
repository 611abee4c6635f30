/* dnn train as named stages over one job: load the spec (or the checkpoint
 * resumed) with the overrides, load the data, prepare the rows, build the
 * network and the optimizer, run, save. Each stage returns 0, or -1 with e
 * set; after a failure the later stages are not run, and train_job_free
 * releases whatever the stages took, leaving no new file behind.
 *
 * Under mpirun every rank runs every stage and rank 0 alone speaks and
 * writes files (dist.h). A step that can fail on one rank alone is followed
 * by dist_agree, so that all ranks fail together with one message before
 * the next collective. */
#ifndef DNN_TRAIN_JOB_H
#define DNN_TRAIN_JOB_H

#include <signal.h>
#include <stddef.h>

#include "afile.h"
#include "data.h"
#include "err.h"
#include "model.h"
#include "optim.h"
#include "report.h"
#include "rng.h"
#include "schedule.h"
#include "spec.h"
#include "train.h"
#include "train_sharp.h"

/* Options that override the spec, kept as text until the spec is read. */
struct train_overrides {
	const char *epochs, *batch_size, *learning_rate, *momentum, *optimizer, *seed, *validation,
	    *target, *ignore, *categorical, *missing;
	int precision; /* --precision: 1 + DNN_PREC_*, 0 when not given */
	const char *beta1, *beta2, *rho, *epsilon, *history_size, *krylov_dim, *damping,
	    *weight_decay, *l1,
	    *clip_norm, *patience;
	const char *label_smoothing, *max_norm, *class_weight, *weight;
	const char *dropout, *input_dropout, *norm;
	const char *more_epochs; /* --resume: epochs to train after the checkpoint's */
	int nesterov;
};

/* What the command line asked for. */
struct train_args {
	const char *output;
	const char *val_path;
	const char *spec_path, *data_path; /* with --resume, spec_path is the model */
	const char *spec_text; /* when not NULL: the spec itself, spec_path its name */
	const char *log_path, *plot_path;
	const char *resume_path;
	const char *init_path; /* --save-init: the initial weights' checkpoint */
	const char *cache_path; /* --cache: the dataset cache of DATA */
	int quiet;
	int dry_run; /* --dry-run: build, measure, report; train nothing */
	int verbose;
	unsigned long threads; /* 0: the default of mat_set_threads */
	unsigned long sharpness, sharpness_samples; /* --sharpness N (0: off) */
	struct dnn_csv_opts csv;
	struct train_overrides ov;
};

/* What flows from one stage to the next. */
struct train_job {
	const struct train_args *a;
	char *output;			   /* the checkpoint to write (owned) */
	int shared, root;		   /* several MPI ranks; this is rank 0 */
	int auto_lr;			   /* --learning-rate auto */
	const char *spec_name, *data_name; /* for messages ("<stdin>" for '-') */
	struct report rep;
	struct dnn_csv_opts csv; /* the data's format, the checkpoint's by default */
	/* load */
	struct dnn_spec spec;
	struct dnn_model prev; /* --resume: the checkpoint */
	/* data */
	struct dnn_dataset d; /* training rows, then validation rows */
	size_t n_out, n_train, n_val;
	/* prepare */
	float *t;	      /* classification targets, or NULL */
	float *w;	      /* each row's weight in the loss (weights.h), or NULL */
	double *max_norm;     /* per layer, from the spec (0: none) */
	const float *targets; /* t, or d.y */
	/* build */
	struct dnn_model model; /* the network, normalization, history */
	struct dnn_rng rng;
	struct dnn_optim *opt;
	struct dnn_sched sched;
	struct dnn_train_early early;
	unsigned long done; /* epochs trained before (--resume) */
	/* run */
	struct dnn_afile logf, plotf;
	struct sigaction old_sig[2];
	int caught; /* signals caught until train_job_free */
	struct dnn_train_stop stop;
	int trained;		    /* train_run succeeded */
	struct dnn_error train_err; /* else why it stopped */
	struct train_sharp sharp;   /* --sharpness */
};

/* An empty job for a (the job keeps the pointer) writing the checkpoint
 * output (malloc'd; the job owns it from here). */
void train_job_init(struct train_job *j, const struct train_args *a, char *output);

/* 1. The spec, or the checkpoint to resume and its spec, with a's
 * overrides applied. */
int train_job_load(struct train_job *j, struct dnn_error *e);
/* 2. The data, and the validation rows: --validation-data (read with the
 * data's column roles, matched by name) appended, or a split. */
int train_job_data(struct train_job *j, struct dnn_error *e);
/* 3. The rows made into inputs and targets: fill, normalization (fitted,
 * or the checkpoint's), target encoding. */
int train_job_prepare(struct train_job *j, struct dnn_error *e);
/* 4. The network (new, or the checkpoint's), its learning rate for
 * --learning-rate auto, the optimizer, early stopping's buffers, the
 * schedule, and with --resume the state training left off in. */
int train_job_build(struct train_job *j, struct dnn_error *e);
/* 4b. With --save-init, the initial weights (built, not yet stepped) as a
 * checkpoint of their own, written atomically like the trained one, with
 * no history and no resume state. */
int train_job_save_init(struct train_job *j, struct dnn_error *e);
/* 4c. With --dry-run, instead of 5 and 6: what the run would cost, on
 * standard output (the network, the arithmetic and memory it needs, and a
 * time per epoch measured by training on a share of the rows); nothing is
 * written. */
int train_job_dry_run(struct train_job *j, struct dnn_error *e);
/* The memory estimate that refuses a network too big (exit 71), in bytes
 * (the same for the job built); -1 when it overflows a size_t. */
int train_job_memory(const struct train_job *j, size_t *bytes);
/* 5. Training, with SIGINT and SIGTERM caught, the epochs reported and
 * logged. A diverged or interrupted run goes on to be saved, and so does
 * one whose log failed (logging stops there). */
int train_job_run(struct train_job *j, struct dnn_error *e);
/* 6. The plot, the checkpoint (with what --resume needs), the log kept;
 * fails (after saving) when training diverged or was interrupted (1, 130),
 * or a write to the log failed (74; the log is removed, unless it is
 * standard output or a device). */
int train_job_save(struct train_job *j, struct dnn_error *e);

/* Release all the job holds: outputs not committed are removed, signals
 * restored. */
void train_job_free(struct train_job *j);

#endif
