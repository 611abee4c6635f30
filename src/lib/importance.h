/* The importance of a model's input columns on labelled rows held in
 * memory: permutation importance (how much the score drops when a column's
 * values are shuffled across the rows, as scikit-learn's
 * permutation_importance) and the input-times-gradient saliency. */
#ifndef DNN_IMPORTANCE_H
#define DNN_IMPORTANCE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "model.h"

/* What a score is. */
enum dnn_imp_scoring {
	DNN_IMP_ACCURACY = 1, /* the (weighted) share of rows classified right */
	DNN_IMP_R2 = 2,	      /* R^2 of each target, averaged over the targets */
	DNN_IMP_LOSS = 3      /* minus the (weighted) mean loss */
};

/* Rows read for a model and prepared as the network takes them. */
struct dnn_imp_rows {
	size_t n;
	const float *x;	       /* n x n_in, filled and normalized */
	const float *t;	       /* n x n_out, the targets in the form the loss wants */
	const uint32_t *label; /* classification: each row's class */
	const float *y;	       /* regression: n x n_out, in the targets' units */
	const float *w;	       /* each row's weight, or NULL for 1 */
};

/* An input column of the model and the network inputs it becomes: first ..
 * first + n - 1 (n > 1 for a categorical column's one-hot inputs). */
struct dnn_imp_group {
	size_t col; /* the column among m->col_names */
	size_t first, n;
};

/* The model's input columns in file order, into *g (malloc'd, *n_groups of
 * them). -1 when out of memory (e set). */
int importance_groups(const struct dnn_model *m, struct dnn_imp_group **g, size_t *n_groups,
		      struct dnn_error *e);

/* The score of the model on the rows r with inputs x (n x n_in; r->x or a
 * permuted copy), batch rows per forward pass, a (n x n_out floats) as
 * workspace: accuracy = sum_i w_i [class(a_i) = label_i] / sum_i w_i;
 * R^2 = mean_j (1 - sum_i w_i (y_ij - p_ij)^2 / sum_i w_i (y_ij - ybar_j)^2)
 * with ybar_j the weighted mean (a target of no variance scores 1 when
 * predicted exactly, else 0, as scikit-learn); loss = -sum_i w_i L_i /
 * sum_i w_i. The net must hold batches of `batch` rows (net_reserve). */
double importance_score(struct dnn_model *m, const struct dnn_imp_rows *r, const float *x,
			int scoring, size_t batch, float *a);

/* Permutation importance of each of the n_groups columns: the baseline
 * score s on r, then for each group and each of `repeats` shuffles of
 * the rows of its inputs (all its one-hot inputs moved together; the
 * shuffles drawn from a generator seeded by rng_mix(seed, k) for group
 * k), the drop d_r = s - s_r; mean[k] = mean_r d_r and sd[k] the
 * population standard deviation sqrt(mean_r (d_r - mean)^2). -1 when out
 * of memory (e set). */
int importance_permutation(struct dnn_model *m, const struct dnn_imp_rows *r,
			   const struct dnn_imp_group *g, size_t n_groups, int scoring,
			   size_t repeats, uint64_t seed, size_t batch, double *baseline,
			   double *mean, double *sd, struct dnn_error *e);

/* Input-times-gradient saliency of each group: score[k] = sum over the
 * group's inputs j of sum_i |x_ij * dL_i/dx_ij| / n (with weights: of
 * w_i L_i, over sum_i w_i), L_i the loss of row i in inference mode, in the
 * prepared (normalized) inputs. *mean_loss gets the mean loss. -1 when out
 * of memory (e set). */
int importance_gradient(struct dnn_model *m, const struct dnn_imp_rows *r,
			const struct dnn_imp_group *g, size_t n_groups, size_t batch, double *score,
			double *mean_loss, struct dnn_error *e);

#endif
