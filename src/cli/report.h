/* What dnn train tells its user: the epoch line, the progress bar, the
 * --log line, the notes and -v timing lines on standard error, and the one
 * warning format. Errors are not reported here: commands return them and
 * main prints them (dnn_error_print). */
#ifndef DNN_REPORT_H
#define DNN_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "data.h"
#include "err.h"
#include "history.h"
#include "train.h"

/* Where a run's messages go. Zero-initialized, then quiet and verbose set;
 * report_start before training. */
struct report {
	int quiet;	/* nothing but errors (and no warnings) */
	int verbose;	/* -v: the time of each stage */
	FILE *log;	/* --log, or NULL */
	int log_failed; /* a write to it failed */
	int log_errno;	/* errno of that write */
	unsigned long log_epoch; /* the epoch whose line it failed to write */
	/* The progress bar (standard error a terminal, not quiet). */
	int progress;
	unsigned long n_epochs, bar_epoch;
	double epoch_start, last_draw;
	int drawn; /* a bar is on the line */
	/* --sharpness: called first by report_epoch when not NULL, to set
	 * sharpness (NaN: not measured in this epoch) and its seconds, which
	 * the epoch's line and log then show. */
	void (*before_epoch)(struct report *r, const struct dnn_epoch *ep);
	void *before_ctx;
	double sharpness, sharpness_secs;
	/* the optimizer's stability line at this epoch's rate and its formula
	 * (sharpness_limit; NaN and NULL when it has none) */
	double sharpness_limit;
	const char *sharpness_label;
};

/* Seconds on a monotonic clock, for the -v timings. */
double report_now(void);

/* bytes in binary units, "1.5 GiB", into buf. */
void report_human_size(double bytes, char *buf, size_t size);

/* "dnn: warning: " and the formatted message, one line on standard error.
 * The caller leaves it out under --quiet. */
void report_warn(const char *fmt, ...) DNN_PRINTF(1, 2);

/* Before training: a run of n_epochs epochs in all, the log (may be NULL);
 * the bar shows when standard error is a terminal and r is not quiet. */
void report_start(struct report *r, unsigned long n_epochs, FILE *log);

/* dnn_train_opts.on_epoch, ctx a struct report: the epoch's line on
 * standard error (unless quiet) and on the log (a failed write is noted in
 * log_failed and the log left alone from then on). */
void report_epoch(const struct dnn_epoch *ep, const struct dnn_epoch_reg *reg,
		  unsigned long n_epochs, void *ctx);
/* dnn_train_opts.on_batch, ctx a struct report: within an epoch, one line
 * that redraws itself with the share of the rows done, rows/s and the
 * epoch's time left. */
void report_progress(unsigned long epoch, size_t done, size_t total, void *ctx);
/* Clear the bar's line, if one is drawn. */
void report_progress_clear(struct report *r);

/* The notes of a run, each left out when quiet: */
/* -v: the data read, in secs (shared: split among the MPI ranks). */
/* -v: the products' precision (DNN_PREC_*) and the kernel that runs them. */
void report_precision(const struct report *r, int precision);
void report_read(const struct report *r, const struct dnn_dataset *d, const char *data_name,
		 double secs, int shared);
/* n missing input cells filled with the training means (none: nothing). */
void report_filled(const struct report *r, double n);
/* --learning-rate auto: the rate chosen, from momentum and lambda_max. */
void report_auto_lr(const struct report *r, double rate, double momentum, double lmax);
/* -v: epochs trained on rows rows in secs; shared: the gradient sums of
 * n_params + 2 floats over the MPI ranks that st counted. */
void report_trained(const struct report *r, size_t epochs, size_t rows, double secs,
		    const struct dnn_train_stop *st, int shared, size_t n_params);
/* How training ended, when it ended early or kept other weights than the
 * last (patience: the spec's). */
void report_stop(const struct report *r, const struct dnn_train_stop *st,
		 const struct dnn_history *h, unsigned long patience);
/* -v: the checkpoint written in secs. */
void report_wrote(const struct report *r, const char *path, double secs);
/* The checkpoint saved: the run's last line. */
void report_saved(const struct report *r, const char *path);

#endif
