/* The importance of a model's input columns: permutation importance and
 * input-times-gradient saliency (importance.h). */
#include "importance.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "loss.h"
#include "metrics.h"
#include "net.h"
#include "norm.h"
#include "rng.h"
#include "util.h"

int importance_groups(const struct dnn_model *m, struct dnn_imp_group **g, size_t *n_groups,
		      struct dnn_error *e)
{
	size_t k = 0;

	*g = util_malloc_array(m->n_cols ? m->n_cols : 1, sizeof **g);
	if (!*g)
		return dnn_error_oom(e);
	for (size_t c = 0; c < m->n_cols; c++) {
		size_t first = data_input_of(m->col_role, c, m->cats, m->n_cats);
		const struct dnn_catcol *cat;

		if (first == SIZE_MAX)
			continue;
		cat = m->col_role[c] == DNN_COL_CATEGORICAL ? data_cat_of(m->cats, m->n_cats, c)
							    : NULL;
		(*g)[k++] = (struct dnn_imp_group){c, first, cat ? cat->n : 1};
	}
	*n_groups = k;
	return 0;
}

/* The outputs of the n rows of x into a (n x n_out), batch rows a pass. */
static void forward_all(struct dnn_net *net, const float *x, size_t n, size_t batch, float *a)
{
	size_t n_in = net->n_in, n_out = net_n_out(net);

	for (size_t i = 0; i < n; i += batch) {
		size_t b = n - i < batch ? n - i : batch;

		memcpy(a + i * n_out, net_forward(net, x + i * n_in, b), b * n_out * sizeof *a);
	}
}

/* R^2 of target j: 1 - sum_i w_i (y_ij - p_ij)^2 / sum_i w_i (y_ij - ybar_j)^2,
 * p the outputs a in the targets' units; 1 or 0 for a constant target. */
static double r2_of(const struct dnn_imp_rows *r, const float *p, size_t n_out, size_t j)
{
	double sw = 0.0, sy = 0.0, res = 0.0, tot = 0.0, ybar;

	for (size_t i = 0; i < r->n; i++) {
		double wi = r->w ? (double)r->w[i] : 1.0;

		sw += wi;
		sy += wi * (double)r->y[i * n_out + j];
	}
	ybar = sw > 0.0 ? sy / sw : 0.0;
	for (size_t i = 0; i < r->n; i++) {
		double wi = r->w ? (double)r->w[i] : 1.0;
		double v = (double)r->y[i * n_out + j], d = v - (double)p[i * n_out + j];

		res += wi * d * d;
		tot += wi * (v - ybar) * (v - ybar);
	}
	if (tot > 0.0)
		return 1.0 - res / tot;
	return res > 0.0 ? 0.0 : 1.0;
}

double importance_score(struct dnn_model *m, const struct dnn_imp_rows *r, const float *x,
			int scoring, size_t batch, float *a)
{
	struct dnn_net *net = m->net;
	size_t n_out = net_n_out(net);
	double sw = 0.0, right = 0.0, sum = 0.0;

	forward_all(net, x, r->n, batch, a);
	for (size_t i = 0; i < r->n; i++)
		sw += r->w ? (double)r->w[i] : 1.0;
	if (scoring == DNN_IMP_LOSS)
		return -loss_eval_weighted(net->loss, net->layers[net->n_layers - 1].act, a, r->t,
					   r->w, r->n, n_out, 0.0f, NULL) /
		       sw;
	if (scoring == DNN_IMP_ACCURACY) {
		for (size_t i = 0; i < r->n; i++)
			if (metrics_class_at(a + i * n_out, n_out, (float)NAN) == r->label[i])
				right += r->w ? (double)r->w[i] : 1.0;
		return right / sw;
	}
	norm_invert(&m->out_norm, a, r->n);
	for (size_t j = 0; j < n_out; j++)
		sum += r2_of(r, a, n_out, j);
	return sum / (double)n_out;
}

/* Columns first .. first + w - 1 of the n rows of dst (n_in wide) from the
 * rows idx[i] of src. */
static void copy_columns(float *dst, const float *src, const size_t *idx, size_t n, size_t n_in,
			 size_t first, size_t w)
{
	for (size_t i = 0; i < n; i++)
		memcpy(dst + i * n_in + first, src + (idx ? idx[i] : i) * n_in + first,
		       w * sizeof *dst);
}

/* The mean and population standard deviation of the n values v. */
static void mean_sd(const double *v, size_t n, double *mean, double *sd)
{
	double s = 0.0, q = 0.0;

	for (size_t i = 0; i < n; i++)
		s += v[i];
	s /= (double)n;
	for (size_t i = 0; i < n; i++)
		q += (v[i] - s) * (v[i] - s);
	*mean = s;
	*sd = sqrt(q / (double)n);
}

int importance_permutation(struct dnn_model *m, const struct dnn_imp_rows *r,
			   const struct dnn_imp_group *g, size_t n_groups, int scoring,
			   size_t repeats, uint64_t seed, size_t batch, double *baseline,
			   double *mean, double *sd, struct dnn_error *e)
{
	size_t n = r->n, n_in = m->net->n_in;
	float *xp = util_malloc_array(n, n_in * sizeof *xp);
	float *a = util_malloc_array(n, net_n_out(m->net) * sizeof *a);
	size_t *idx = util_malloc_array(n, sizeof *idx);
	double *drop = util_malloc_array(repeats, sizeof *drop);
	int rc = -1;

	if (!xp || !a || !idx || !drop || net_reserve(m->net, batch, e)) {
		if (!e->code)
			dnn_error_oom(e);
		goto out;
	}
	memcpy(xp, r->x, n * n_in * sizeof *xp);
	*baseline = importance_score(m, r, r->x, scoring, batch, a);
	for (size_t k = 0; k < n_groups; k++) {
		struct dnn_rng rng;

		rng_seed(&rng, rng_mix(seed, (uint64_t)k));
		for (size_t i = 0; i < n; i++)
			idx[i] = i;
		for (size_t t = 0; t < repeats; t++) {
			rng_shuffle(&rng, idx, n);
			copy_columns(xp, r->x, idx, n, n_in, g[k].first, g[k].n);
			drop[t] = *baseline - importance_score(m, r, xp, scoring, batch, a);
		}
		copy_columns(xp, r->x, NULL, n, n_in, g[k].first, g[k].n);
		mean_sd(drop, repeats, &mean[k], &sd[k]);
	}
	rc = 0;
out:
	free(xp);
	free(a);
	free(idx);
	free(drop);
	return rc;
}

int importance_gradient(struct dnn_model *m, const struct dnn_imp_rows *r,
			const struct dnn_imp_group *g, size_t n_groups, size_t batch, double *score,
			double *mean_loss, struct dnn_error *e)
{
	struct dnn_net *net = m->net;
	size_t n_in = net->n_in, n_out = net_n_out(net);
	float *dx = util_malloc_array(batch, n_in * sizeof *dx);
	double *sal = util_calloc_array(n_in, sizeof *sal), sw = 0.0, loss = 0.0;

	if (!dx || !sal || net_reserve(net, batch, e)) {
		free(dx);
		free(sal);
		return e->code ? -1 : dnn_error_oom(e);
	}
	for (size_t i = 0; i < r->n; i += batch) {
		size_t b = r->n - i < batch ? r->n - i : batch;
		const float *x = r->x + i * n_in;

		loss += net_input_grad(net, x, r->t + i * n_out, r->w ? r->w + i : NULL, b, dx);
		for (size_t q = 0; q < b * n_in; q++)
			sal[q % n_in] += fabs((double)x[q] * (double)dx[q]);
		for (size_t q = 0; q < b; q++)
			sw += r->w ? (double)r->w[i + q] : 1.0;
	}
	for (size_t k = 0; k < n_groups; k++) {
		score[k] = 0.0;
		for (size_t j = g[k].first; j < g[k].first + g[k].n; j++)
			score[k] += sal[j] / sw;
	}
	*mean_loss = loss / sw;
	free(dx);
	free(sal);
	return 0;
}
