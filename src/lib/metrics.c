/* The figures of metrics.h: predicted classes, and the loss, accuracy, MAE
 * and R^2 sums over rows and what they come to. */
#include "metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "loss.h"
#include "util.h"

size_t metrics_argmax(const float *v, size_t m)
{
	size_t best = 0;

	for (size_t j = 1; j < m; j++)
		if (v[j] > v[best])
			best = j;
	return best;
}

size_t metrics_class(const float *a, size_t m)
{
	return m == 1 ? a[0] >= 0.5f : metrics_argmax(a, m);
}

size_t metrics_class_at(const float *a, size_t m, float threshold)
{
	if (threshold != threshold || m > 2)
		return metrics_class(a, m);
	return a[m - 1] >= threshold;
}

size_t metrics_count_correct(const float *a, const float *t, size_t n, size_t m)
{
	size_t ok = 0;

	for (size_t i = 0; i < n; i++)
		ok += metrics_class(a + i * m, m) == metrics_class(t + i * m, m);
	return ok;
}

int metrics_regsum_init(struct dnn_regsum *r, size_t m)
{
	r->m = m;
	r->n = 0;
	r->abs_err = 0.0;
	r->res2 = util_calloc_array(m, 3 * sizeof(double));
	r->tsum = r->res2 ? r->res2 + m : NULL;
	r->tsq = r->res2 ? r->res2 + 2 * m : NULL;
	return r->res2 ? 0 : -1;
}

void metrics_regsum_reset(struct dnn_regsum *r)
{
	r->n = 0;
	r->abs_err = 0.0;
	memset(r->res2, 0, 3 * r->m * sizeof(double));
}

void metrics_regsum_add(struct dnn_regsum *r, const float *a, const float *t, size_t n,
			const float *scale)
{
	size_t m = r->m;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < m; j++) {
			double d = (double)a[i * m + j] - (double)t[i * m + j];
			double tv = (double)t[i * m + j];

			r->abs_err += fabs(d) * (scale ? (double)scale[j] : 1.0);
			r->res2[j] += d * d;
			r->tsum[j] += tv;
			r->tsq[j] += tv * tv;
		}
	r->n += n;
}

void metrics_regsum_finish(const struct dnn_regsum *r, double *mae, double *r2)
{
	double sum = 0.0;

	if (r->n == 0 || r->m == 0) {
		*mae = *r2 = (double)NAN;
		return;
	}
	*mae = r->abs_err / ((double)r->n * (double)r->m);
	for (size_t j = 0; j < r->m; j++) {
		double tot = r->tsq[j] - r->tsum[j] * r->tsum[j] / (double)r->n;

		if (tot > 1e-12 * r->tsq[j])
			sum += 1.0 - r->res2[j] / tot;
		else
			sum += r->res2[j] == 0.0 ? 1.0 : 0.0;
	}
	*r2 = sum / (double)r->m;
}

void metrics_regsum_free(struct dnn_regsum *r)
{
	free(r->res2);
	r->res2 = r->tsum = r->tsq = NULL;
}

int metrics_tally_init(struct dnn_tally *t, int classification, size_t m)
{
	memset(t, 0, sizeof *t);
	t->classification = classification;
	t->m = m;
	return classification ? 0 : metrics_regsum_init(&t->reg, m);
}

void metrics_tally_reset(struct dnn_tally *t)
{
	t->loss = 0.0;
	t->n = t->correct = 0;
	if (!t->classification)
		metrics_regsum_reset(&t->reg);
}

void metrics_tally_add(struct dnn_tally *t, const float *a, const float *targets, size_t n,
		       const float *scale)
{
	if (t->classification)
		t->correct += metrics_count_correct(a, targets, n, t->m);
	else
		metrics_regsum_add(&t->reg, a, targets, n, scale);
	t->n += n;
}

void metrics_tally_rows(struct dnn_tally *t, struct dnn_net *net, const struct dnn_rows *rows,
			const float *scale)
{
	size_t n_in = net->n_in, m = t->m, chunk = net->max_batch;
	const struct dnn_layer *last = &net->layers[net->n_layers - 1];

	for (size_t i = 0; i < rows->n; i += chunk) {
		size_t nb = rows->n - i < chunk ? rows->n - i : chunk;
		const float *a = net_forward(net, rows->x + i * n_in, nb);

		t->loss += loss_eval_weighted(net->loss, last->act, a, rows->t + i * m,
					      rows->w ? rows->w + i : NULL, nb, m, 0.0f, NULL);
		metrics_tally_add(t, a, rows->t + i * m, nb, scale);
	}
}

void metrics_tally_finish(const struct dnn_tally *t, struct dnn_metrics *out)
{
	out->loss = t->n ? t->loss / (double)t->n : (double)NAN;
	out->accuracy = t->classification && t->n ? (double)t->correct / (double)t->n : (double)NAN;
	out->mae = out->r2 = (double)NAN;
	if (!t->classification)
		metrics_regsum_finish(&t->reg, &out->mae, &out->r2);
}

void metrics_tally_free(struct dnn_tally *t)
{
	metrics_regsum_free(&t->reg);
}

int metrics_measure(struct dnn_net *net, const struct dnn_rows *rows, int classification,
		    const float *scale, struct dnn_metrics *out, struct dnn_error *e)
{
	struct dnn_tally t;

	if (net_reserve(net, 1, e))
		return -1;
	if (metrics_tally_init(&t, classification, net_n_out(net)))
		return dnn_error_oom(e);
	metrics_tally_rows(&t, net, rows, scale);
	metrics_tally_finish(&t, out);
	metrics_tally_free(&t);
	return 0;
}
