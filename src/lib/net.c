/* The network: its layout, weights and workspace, and the passes over its layers. */
#include "net.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "loss.h"
#include "spec.h"
#include "util.h"

struct dnn_net *net_new(size_t n_in, size_t n_layers, const size_t *units, const int *acts,
			int loss, struct dnn_error *e)
{
	struct dnn_net *net;
	size_t off = 0, fan_in = n_in;

	if (n_in == 0 || n_layers == 0)
		return dnn_error_set(e, DNN_EX_SOFTWARE, NULL, 0, 0, "empty network"), NULL;
	net = calloc(1, sizeof *net);
	if (!net)
		return dnn_error_oom(e), NULL;
	net->n_in = n_in;
	net->n_layers = n_layers;
	net->loss = loss;
	net->layers = util_calloc_array(n_layers, sizeof *net->layers);
	if (!net->layers)
		goto oom;
	for (size_t l = 0; l < n_layers; l++) {
		struct dnn_layer *ly = &net->layers[l];
		size_t np, b_rel;

		ly->kind = layer_kind_by_id(DNN_LAYER_DENSE);
		ly->n_in = fan_in;
		ly->n_out = units[l];
		ly->act = act_by_id(acts[l]);
		if (!ly->act || units[l] == 0) {
			net_free(net);
			return dnn_error_set(e, DNN_EX_SOFTWARE, NULL, 0, 0,
					     "layer %zu: bad activation or width", l + 1),
			       NULL;
		}
		if (ly->kind->n_params(ly->n_in, ly->n_out, &np, &b_rel) ||
		    np > SIZE_MAX / sizeof(float) - off)
			goto oom;
		ly->w_off = off;
		ly->b_off = off + b_rel;
		off += np;
		fan_in = ly->n_out;
	}
	net->n_params = off;
	net->params = util_calloc_huge(off, sizeof *net->params);
	net->grads = util_calloc_huge(off + NET_GRADS_SPARE, sizeof *net->grads);
	net->out = util_calloc_array(n_layers, sizeof *net->out);
	if (!net->params || !net->grads || !net->out)
		goto oom;
	return net;
oom:
	net_free(net);
	dnn_error_oom(e);
	return NULL;
}

void net_free(struct dnn_net *net)
{
	if (!net)
		return;
	if (net->out)
		for (size_t l = 0; l < net->n_layers; l++)
			free(net->out[l]);
	free(net->out);
	free(net->d0);
	free(net->d1);
	free(net->params);
	free(net->grads);
	free(net->layers);
	free(net);
}

size_t net_n_out(const struct dnn_net *net)
{
	return net->layers[net->n_layers - 1].n_out;
}

/* Draw each layer's parameters by its own init in s, else by init. */
static void init_layers(struct dnn_net *net, int init, const struct dnn_spec *s,
			struct dnn_rng *rng)
{
	for (size_t l = 0; l < net->n_layers; l++) {
		const struct dnn_layer *ly = &net->layers[l];
		int kind = s && l < s->n_layers && s->layers[l].has_init ? s->layers[l].init : init;

		ly->kind->init(ly, net->params, kind, rng);
	}
}

void net_init(struct dnn_net *net, int init, struct dnn_rng *rng)
{
	init_layers(net, init, NULL, rng);
}

void net_init_spec(struct dnn_net *net, const struct dnn_spec *s, struct dnn_rng *rng)
{
	init_layers(net, s->init, s, rng);
}

int net_reserve(struct dnn_net *net, size_t n, struct dnn_error *e)
{
	size_t widest = net->n_in;

	if (n <= net->max_batch)
		return 0;
	for (size_t l = 0; l < net->n_layers; l++) {
		size_t cells;
		float *p;

		if (util_mul_overflow(n, net->layers[l].n_out, &cells))
			return dnn_error_oom(e);
		p = util_realloc_array(net->out[l], cells, sizeof(float));

		if (!p)
			return dnn_error_oom(e);
		net->out[l] = p;
		if (net->layers[l].n_out > widest)
			widest = net->layers[l].n_out;
	}
	for (int k = 0; k < 2; k++) {
		float **d = k ? &net->d1 : &net->d0;
		size_t cells;
		float *p;

		if (util_mul_overflow(n, widest, &cells))
			return dnn_error_oom(e);
		p = util_realloc_array(*d, cells, sizeof(float));
		if (!p)
			return dnn_error_oom(e);
		*d = p;
	}
	net->max_batch = n;
	return 0;
}

/* Layer l: A_l = f(layer_l(A_{l-1})) over the n rows at once, A_0 = x. */
const float *net_forward(struct dnn_net *net, const float *x, size_t n)
{
	const float *in = x;

	for (size_t l = 0; l < net->n_layers; l++) {
		const struct dnn_layer *ly = &net->layers[l];

		ly->kind->forward(ly, net->params, in, net->out[l], n);
		in = net->out[l];
	}
	return in;
}

/* Backpropagation: D_L = dL/dZ_L from the loss (fused with softmax and
 * sigmoid), then for l = L down to 1 layer l's kind gives its parameters'
 * gradient and D_{l-1} = dL/dZ_{l-1} (layer.c: for dense, three gemm
 * calls). */
double net_loss_grad(struct dnn_net *net, const float *x, const float *t, size_t n)
{
	return net_loss_grad_part(net, x, t, n, 1.0f / (float)n) / (double)n;
}

double net_loss_grad_part(struct dnn_net *net, const float *x, const float *t, size_t n,
			  float scale)
{
	return net_loss_grad_weighted(net, x, t, NULL, n, scale);
}

double net_loss_grad_weighted(struct dnn_net *net, const float *x, const float *t,
			      const float *w, size_t n, float scale)
{
	const struct dnn_layer *last = &net->layers[net->n_layers - 1];
	const float *a;
	float *d = net->d0, *dprev = net->d1;
	double loss;

	if (n == 0) {
		memset(net->grads, 0, net->n_params * sizeof *net->grads);
		return 0.0;
	}
	a = net_forward(net, x, n);
	loss = loss_eval_weighted(net->loss, last->act, a, t, w, n, last->n_out, scale, d);
	for (size_t l = net->n_layers; l-- > 0;) {
		const struct dnn_layer *ly = &net->layers[l];
		const float *in = l ? net->out[l - 1] : x;
		float *tmp = d;

		ly->kind->backward(ly, net->params, in, d, n, net->grads,
				   l ? net->layers[l - 1].act : NULL, dprev);
		d = dprev;
		dprev = tmp;
	}
	return loss;
}

void net_max_norm(struct dnn_net *net, size_t l, double c)
{
	const struct dnn_layer *ly = &net->layers[l];

	for (size_t j = 0; j < ly->n_out; j++) {
		float *row = net->params + ly->w_off + j * ly->n_in;
		double sq = 0.0;

		for (size_t k = 0; k < ly->n_in; k++)
			sq += (double)row[k] * (double)row[k];
		if (sq <= c * c)
			continue;
		float f = (float)(c / sqrt(sq));

		for (size_t k = 0; k < ly->n_in; k++)
			row[k] *= f;
	}
}
