/* Normalization: x' = (x - mean) / scale per column, fitted on the rows of
 * one process or of all MPI ranks. */
#ifndef DNN_NORM_H
#define DNN_NORM_H

#include <stddef.h>

#include "err.h"

struct dnn_norm {
	size_t n;
	float *mean;
	float *scale;		/* standard deviation, or 1 for a constant column */
};

/* Fit mean and standard deviation (population, in double) of the cols-wide
 * rows of x listed in rows[0..n_rows) (rows == NULL: rows 0..n_rows). */
int norm_fit(struct dnn_norm *nm, const float *x, size_t cols, const size_t *rows,
	     size_t n_rows, struct dnn_error *e);
/* norm_fit over the first n_rows rows of x on every MPI rank (dist.h):
 * collective; the same statistics on all ranks, equal to norm_fit's over
 * all those rows but for the order of the sums (in double). Out of memory
 * on one rank fails every rank alike. */
int norm_fit_shared(struct dnn_norm *nm, const float *x, size_t cols, size_t n_rows,
		    struct dnn_error *e);
/* The identity transform on n columns. */
int norm_identity(struct dnn_norm *nm, size_t n, struct dnn_error *e);
void norm_apply(const struct dnn_norm *nm, float *x, size_t n_rows);
void norm_invert(const struct dnn_norm *nm, float *x, size_t n_rows);
void norm_free(struct dnn_norm *nm);

#endif
