/* Normalization: per-column mean and standard deviation, fitted in double
 * on one process or summed over the MPI ranks. */
#include "norm.h"

#include <math.h>
#include <stdlib.h>

#include "dist.h"
#include "util.h"

static int norm_alloc(struct dnn_norm *nm, size_t n, struct dnn_error *e)
{
	nm->n = 0;
	nm->mean = util_malloc_array(n, sizeof *nm->mean);
	nm->scale = util_malloc_array(n, sizeof *nm->scale);
	if (!nm->mean || !nm->scale) {
		free(nm->mean);
		free(nm->scale);
		nm->mean = nm->scale = NULL;
		return dnn_error_oom(e);
	}
	nm->n = n;
	return 0;
}

int norm_identity(struct dnn_norm *nm, size_t n, struct dnn_error *e)
{
	if (norm_alloc(nm, n, e))
		return -1;
	for (size_t j = 0; j < n; j++) {
		nm->mean[j] = 0.0f;
		nm->scale[j] = 1.0f;
	}
	return 0;
}

/* mean_j = sum_i x_ij / n, scale_j = sqrt(sum_i (x_ij - mean_j)^2 / n), or 1
 * when that is 0 or negligible next to the mean. */
static int fit(struct dnn_norm *nm, const float *x, size_t cols, const size_t *rows, size_t n_rows,
	       int shared, struct dnn_error *e)
{
	double *sum = util_calloc_array(cols, sizeof *sum);
	double *sq = util_calloc_array(cols, sizeof *sq);
	uint64_t n_all = n_rows;
	int failed = !sum || !sq || norm_alloc(nm, cols, e);

	if (failed)
		dnn_error_oom(e);
	/* Sharing ranks leave together, before the sums below. */
	if (shared ? dist_agree(failed, e) : failed) {
		free(sum);
		free(sq);
		if (!failed)
			norm_free(nm);
		return -1;
	}
	if (shared)
		dist_sum_u64(&n_all, 1);
	for (size_t i = 0; i < n_rows; i++) {
		const float *xi = x + (rows ? rows[i] : i) * cols;

		for (size_t j = 0; j < cols; j++)
			sum[j] += (double)xi[j];
	}
	if (shared)
		dist_sum_f64(sum, cols);
	for (size_t j = 0; j < cols; j++)
		sum[j] = n_all ? sum[j] / (double)n_all : 0.0;
	for (size_t i = 0; i < n_rows; i++) {
		const float *xi = x + (rows ? rows[i] : i) * cols;

		for (size_t j = 0; j < cols; j++) {
			double dv = (double)xi[j] - sum[j];

			sq[j] += dv * dv;
		}
	}
	if (shared)
		dist_sum_f64(sq, cols);
	for (size_t j = 0; j < cols; j++) {
		double sd = n_all ? sqrt(sq[j] / (double)n_all) : 0.0;

		nm->mean[j] = (float)sum[j];
		if (sd == 0.0 || sd < 1e-12 * fabs(sum[j]) || !isfinite((float)sd))
			nm->scale[j] = 1.0f;
		else
			nm->scale[j] = (float)sd;
	}
	free(sum);
	free(sq);
	return 0;
}

int norm_fit(struct dnn_norm *nm, const float *x, size_t cols, const size_t *rows, size_t n_rows,
	     struct dnn_error *e)
{
	return fit(nm, x, cols, rows, n_rows, 0, e);
}

int norm_fit_shared(struct dnn_norm *nm, const float *x, size_t cols, size_t n_rows,
		    struct dnn_error *e)
{
	return fit(nm, x, cols, NULL, n_rows, dist_active(), e);
}

void norm_apply(const struct dnn_norm *nm, float *x, size_t n_rows)
{
	for (size_t i = 0; i < n_rows; i++, x += nm->n)
		for (size_t j = 0; j < nm->n; j++)
			x[j] = (x[j] - nm->mean[j]) / nm->scale[j];
}

void norm_invert(const struct dnn_norm *nm, float *x, size_t n_rows)
{
	for (size_t i = 0; i < n_rows; i++, x += nm->n)
		for (size_t j = 0; j < nm->n; j++)
			x[j] = x[j] * nm->scale[j] + nm->mean[j];
}

void norm_free(struct dnn_norm *nm)
{
	if (!nm)
		return;
	free(nm->mean);
	free(nm->scale);
	nm->mean = nm->scale = NULL;
	nm->n = 0;
}
