/* Int8 quantization of the dense rows and its reference forward pass. */
#include "quant.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "layer.h"
#include "metrics.h"
#include "util.h"

int quant_int8(struct dnn_quant *qn, const struct dnn_net *net, struct dnn_error *e)
{
	memset(qn, 0, sizeof *qn);
	qn->n_layers = net->n_layers;
	qn->width = net->n_in;
	qn->q = util_calloc_array(net->n_layers, sizeof *qn->q);
	qn->scale = util_calloc_array(net->n_layers, sizeof *qn->scale);
	if (!qn->q || !qn->scale)
		goto oom;
	for (size_t l = 0; l < net->n_layers; l++) {
		const struct dnn_layer *ly = &net->layers[l];
		const float *w = net->params + ly->w_off;

		if (ly->n_out > qn->width)
			qn->width = ly->n_out;
		if (ly->kind->id != DNN_LAYER_DENSE)
			continue;
		qn->q[l] = util_malloc_array(ly->n_out * ly->n_in, sizeof **qn->q);
		qn->scale[l] = util_malloc_array(ly->n_out, sizeof **qn->scale);
		if (!qn->q[l] || !qn->scale[l])
			goto oom;
		for (size_t j = 0; j < ly->n_out; j++) {
			const float *wj = w + j * ly->n_in;
			float mx = 0.0f, s;

			for (size_t k = 0; k < ly->n_in; k++)
				mx = fabsf(wj[k]) > mx ? fabsf(wj[k]) : mx;
			s = mx > 0.0f ? mx / 127.0f : 1.0f;
			qn->scale[l][j] = s;
			for (size_t k = 0; k < ly->n_in; k++)
				qn->q[l][j * ly->n_in + k] = (int8_t)quant_code(wj[k], s);
		}
	}
	return 0;
oom:
	quant_free(qn);
	return dnn_error_oom(e);
}

void quant_free(struct dnn_quant *qn)
{
	if (!qn)
		return;
	for (size_t l = 0; qn->q && l < qn->n_layers; l++)
		free(qn->q[l]);
	for (size_t l = 0; qn->scale && l < qn->n_layers; l++)
		free(qn->scale[l]);
	free(qn->q);
	free(qn->scale);
	memset(qn, 0, sizeof *qn);
}

int quant_code(float x, float s)
{
	float v = x / s;
	int q = (int)(v < 0.0f ? v - 0.5f : v + 0.5f);

	return q > 127 ? 127 : (q < -127 ? -127 : q);
}

/* y = W x + b with W = scale q and x quantized per vector (quant.h). */
static void dense_q8(const int8_t *q, const float *scale, const float *b, size_t n_in, size_t n_out,
		     const float *x, float *y, float *xq)
{
	float mx = 0.0f, sx;

	for (size_t k = 0; k < n_in; k++)
		mx = fabsf(x[k]) > mx ? fabsf(x[k]) : mx;
	sx = mx > 0.0f ? mx / 127.0f : 1.0f;
	for (size_t k = 0; k < n_in; k++)
		xq[k] = (float)quant_code(x[k], sx);
	for (size_t i = 0; i < n_out; i++) {
		int32_t acc = 0;

		for (size_t k = 0; k < n_in; k++)
			acc += (int32_t)q[i * n_in + k] * (int32_t)xq[k];
		y[i] = (float)acc * (scale[i] * sx) + b[i];
	}
}

/* A normalization row over one vector, as the exported header computes it. */
static void norm_row(const struct dnn_net *net, const struct dnn_layer *ly, const float *x,
		     float *y)
{
	const float *g = net->params + ly->w_off, *b = net->params + ly->b_off;
	size_t n = ly->n_out;

	if (ly->kind->id == DNN_LAYER_BATCH_NORM) {
		const float *mean = net->state + ly->s_off, *var = mean + n;

		for (size_t j = 0; j < n; j++) {
			float s = (float)(1.0 / sqrt((double)var[j] + ly->field[1])) * g[j];

			y[j] = (x[j] - mean[j]) * s + b[j];
		}
		return;
	}
	double mu = 0.0, var = 0.0;

	for (size_t j = 0; j < n; j++)
		mu += (double)x[j];
	mu /= (double)n;
	for (size_t j = 0; j < n; j++)
		var += ((double)x[j] - mu) * ((double)x[j] - mu);
	var /= (double)n;
	float m = (float)mu, r = (float)(1.0 / sqrt(var + ly->field[0]));

	for (size_t j = 0; j < n; j++)
		y[j] = (x[j] - m) * r * g[j] + b[j];
}

void quant_forward(const struct dnn_quant *qn, const struct dnn_net *net, const float *x,
		   float *out, float *work)
{
	float *a = work, *b = work + qn->width, *xq = work + 2 * qn->width, *t;
	const struct dnn_layer *last = NULL;

	memcpy(a, x, net->n_in * sizeof *a);
	for (size_t l = 0; l < net->n_layers; l++) {
		const struct dnn_layer *ly = &net->layers[l];

		if (ly->kind->id == DNN_LAYER_DROPOUT)
			continue;
		if (ly->kind->id == DNN_LAYER_DENSE)
			dense_q8(qn->q[l], qn->scale[l], net->params + ly->b_off, ly->n_in,
				 ly->n_out, a, b, xq);
		else
			norm_row(net, ly, a, b);
		ly->act->forward(b, 1, ly->n_out);
		t = a, a = b, b = t;
		last = ly;
	}
	memcpy(out, a, (last ? last->n_out : net->n_in) * sizeof *out);
}

void quant_sizes(const struct dnn_quant *qn, const struct dnn_net *net, size_t *float_bytes,
		 size_t *int8_bytes)
{
	*float_bytes = *int8_bytes = 0;
	for (size_t l = 0; l < qn->n_layers; l++) {
		const struct dnn_layer *ly = &net->layers[l];

		if (ly->kind->id != DNN_LAYER_DENSE)
			continue;
		*float_bytes += 4 * ly->n_out * ly->n_in;
		*int8_bytes += ly->n_out * ly->n_in + 4 * ly->n_out;
	}
}

/* The figure of outputs a (n x m) against p's targets. */
static int figure(const struct dnn_prepared *p, const float *a, size_t m, double *out,
		  struct dnn_error *e)
{
	struct dnn_regsum r;
	double mae;

	if (p->classification) {
		*out = p->n ? (double)metrics_count_correct(a, p->t, p->n, m) / (double)p->n
			    : (double)NAN;
		return 0;
	}
	if (metrics_regsum_init(&r, m))
		return dnn_error_oom(e);
	metrics_regsum_add(&r, a, p->t, p->n, NULL);
	metrics_regsum_finish(&r, &mae, out);
	metrics_regsum_free(&r);
	return 0;
}

int quant_check(struct dnn_prepared *p, const struct dnn_quant *qn, double *figure_float,
		double *figure_int8, struct dnn_error *e)
{
	struct dnn_net *net = p->model.net;
	size_t m = net_n_out(net), batch = 256;
	float *af = util_malloc_array(p->n ? p->n * m : 1, sizeof *af);
	float *aq = util_malloc_array(p->n ? p->n * m : 1, sizeof *aq);
	float *work = util_malloc_array(3 * qn->width, sizeof *work);
	int rc = -1;

	if (!af || !aq || !work) {
		dnn_error_oom(e);
		goto out;
	}
	if (net_reserve(net, batch, e))
		goto out;
	for (size_t i = 0; i < p->n; i += batch) {
		size_t k = p->n - i < batch ? p->n - i : batch;

		memcpy(af + i * m, net_forward(net, p->x + i * net->n_in, k), k * m * sizeof *af);
	}
	for (size_t i = 0; i < p->n; i++)
		quant_forward(qn, net, p->x + i * net->n_in, aq + i * m, work);
	rc = figure(p, af, m, figure_float, e) || figure(p, aq, m, figure_int8, e) ? -1 : 0;
out:
	free(af);
	free(aq);
	free(work);
	return rc;
}
