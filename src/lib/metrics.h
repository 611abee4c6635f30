/* Figures of a network's outputs over a set of rows: the class an output
 * row predicts, and the sums behind the mean loss, the accuracy, the MAE and
 * R^2, kept apart from the figures so that a caller can add them up over
 * several processes first (train.c does, over MPI ranks). */
#ifndef DNN_METRICS_H
#define DNN_METRICS_H

#include <stddef.h>

#include "err.h"
#include "net.h"

/* A set of rows: inputs x (n x n_in) and targets t (n x n_out) in the form
 * the loss wants (one-hot, 0/1, or normalized values). */
struct dnn_rows {
	size_t n;
	const float *x;
	const float *t;
	const float *w;	/* each row's weight in the loss (weights.h); NULL: 1 */
};

/* Figures of a network on a set of rows; NaN where they do not apply. */
struct dnn_metrics {
	double loss, accuracy, mae, r2;
};

/* The index of the largest of v[0..m-1], the first of equals. */
size_t metrics_argmax(const float *v, size_t m);

/* The class an output row a of m units predicts: its largest unit, or for a
 * single unit 1 when a[0] >= 1/2, else 0. */
size_t metrics_class(const float *a, size_t m);
/* The same at a decision threshold for two classes: 1 when the second
 * class's probability (a[0] of a single unit, a[1] of two) is at least
 * threshold, else 0; metrics_class for more units, or when threshold is
 * NaN. */
size_t metrics_class_at(const float *a, size_t m, float threshold);

/* Rows of outputs a (n x m) whose predicted class is that of targets t. */
size_t metrics_count_correct(const float *a, const float *t, size_t n, size_t m);

/* Sums for MAE and R^2 over rows with m outputs: absolute errors (times
 * the output's scale), and per output the squared residuals and the sums of
 * the targets and their squares. */
struct dnn_regsum {
	size_t m, n;
	double abs_err;
	double *res2, *tsum, *tsq; /* m each, one allocation: res2 .. tsq */
};

/* Empty sums for m outputs. Returns 0, or -1 when out of memory. */
int metrics_regsum_init(struct dnn_regsum *r, size_t m);
void metrics_regsum_reset(struct dnn_regsum *r);
/* Add n rows of outputs a against targets t; scale (m, may be NULL for 1)
 * is the unit of each output for the MAE. */
void metrics_regsum_add(struct dnn_regsum *r, const float *a, const float *t, size_t n,
			const float *scale);
/* MAE over rows and outputs; R^2 = 1 - SS_res / SS_tot per output, averaged
 * (an output with constant targets counts 1 when predicted exactly, else 0,
 * as scikit-learn's r2_score). NaN for both without rows. */
void metrics_regsum_finish(const struct dnn_regsum *r, double *mae, double *r2);
void metrics_regsum_free(struct dnn_regsum *r);

/* The sums of a network's figures over rows: the summed loss, the row
 * count, and the rows classified right (classification) or the regression
 * sums. */
struct dnn_tally {
	int classification;
	size_t m;
	double loss;
	size_t n, correct;
	struct dnn_regsum reg; /* regression only */
};

/* Empty sums for m outputs. Returns 0, or -1 when out of memory. */
int metrics_tally_init(struct dnn_tally *t, int classification, size_t m);
void metrics_tally_reset(struct dnn_tally *t);
/* Add n rows of outputs a against targets (not their loss, which the
 * caller adds to t->loss); scale as in metrics_regsum_add. */
void metrics_tally_add(struct dnn_tally *t, const float *a, const float *targets, size_t n,
		       const float *scale);
/* Add the loss (weighted by rows->w) and outputs of net on rows, forwarded
 * in chunks of the workspace net_reserve made. */
void metrics_tally_rows(struct dnn_tally *t, struct dnn_net *net, const struct dnn_rows *rows,
			const float *scale);
/* The figures: mean loss, accuracy (classification) or MAE and R^2. */
void metrics_tally_finish(const struct dnn_tally *t, struct dnn_metrics *out);
void metrics_tally_free(struct dnn_tally *t);

/* Loss, and accuracy (classification) or MAE and R^2 (regression, with
 * scale as in metrics_regsum_add) of net on rows. Errors: out of memory. */
int metrics_measure(struct dnn_net *net, const struct dnn_rows *rows, int classification,
		    const float *scale, struct dnn_metrics *out, struct dnn_error *e);

#endif
