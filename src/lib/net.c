/* The network's layout, weights and workspace, and its float forward and backward passes. */
#include "net.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "loss.h"
#include "mat.h"
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
		size_t w, wb;

		ly->n_in = fan_in;
		ly->n_out = units[l];
		ly->act = act_by_id(acts[l]);
		if (!ly->act || units[l] == 0) {
			net_free(net);
			return dnn_error_set(e, DNN_EX_SOFTWARE, NULL, 0, 0,
					     "layer %zu: bad activation or width", l + 1),
			       NULL;
		}
		if (util_mul_overflow(ly->n_out, ly->n_in, &w) || w > SIZE_MAX - ly->n_out ||
		    (wb = w + ly->n_out) > SIZE_MAX / sizeof(float) - off)
			goto oom;
		ly->w_off = off;
		ly->b_off = off + w;
		off += wb;
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

/* Glorot: Var(w) = 2 / (fan_in + fan_out); He: Var(w) = 2 / fan_in.
 * A uniform draw on [-r, r] has variance r^2 / 3. */
/* Draw each layer's weights by its own init in s, else by init. */
static void init_layers(struct dnn_net *net, int init, const struct dnn_spec *s,
			struct dnn_rng *rng)
{
	for (size_t l = 0; l < net->n_layers; l++) {
		struct dnn_layer *ly = &net->layers[l];
		float *w = net->params + ly->w_off;
		size_t nw = ly->n_out * ly->n_in;
		int kind = s && l < s->n_layers && s->layers[l].has_init ? s->layers[l].init : init;
		double var;

		if (kind == DNN_INIT_AUTO)
			kind = (int)ly->act->init;
		if (kind == DNN_INIT_HE_UNIFORM || kind == DNN_INIT_HE_NORMAL)
			var = 2.0 / (double)ly->n_in;
		else
			var = 2.0 / (double)(ly->n_in + ly->n_out);
		if (kind == DNN_INIT_GLOROT_UNIFORM || kind == DNN_INIT_HE_UNIFORM) {
			double r = sqrt(3.0 * var);

			for (size_t i = 0; i < nw; i++)
				w[i] = (float)((2.0 * rng_uniform(rng) - 1.0) * r);
		} else {
			double sd = sqrt(var);

			for (size_t i = 0; i < nw; i++)
				w[i] = (float)(rng_normal(rng) * sd);
		}
		memset(net->params + ly->b_off, 0, ly->n_out * sizeof(float));
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

/* Layer l: A_l = f(A_{l-1} W_l^T + b_l), over the n rows at once. The bias,
 * and f where the activation has a gemm epilogue (relu), are applied by the
 * gemm as it stores each tile; other activations run over the output
 * afterwards. */
const float *net_forward(struct dnn_net *net, const float *x, size_t n)
{
	const float *in = x;

	for (size_t l = 0; l < net->n_layers; l++) {
		const struct dnn_layer *ly = &net->layers[l];
		float *out = net->out[l];
		struct mat_epilogue ep = {
			.bias = net->params + ly->b_off,
			.act = ly->act->gemm_forward,
		};

		mat_gemm_ex(MAT_NOTRANS, MAT_TRANS, n, ly->n_out, ly->n_in, 1.0f, in, ly->n_in,
			    net->params + ly->w_off, ly->n_in, 0.0f, out, ly->n_out, &ep);
		if (ep.act == MAT_ACT_NONE)
			ly->act->forward(out, n, ly->n_out);
		in = out;
	}
	return in;
}

/*
 * Backpropagation, the chain rule as matrix products. With D_l = dL/dZ_l
 * (n x units, one row per sample), for l = L down to 1:
 *   dL/dW_l = D_l^T A_{l-1}          (units x inputs)
 *   dL/db_l = column sums of D_l
 *   dL/dA_{l-1} = D_l W_l            (n x inputs)
 *   D_{l-1} = dL/dA_{l-1} * f'_{l-1}  (elementwise, or the softmax Jacobian)
 * where A_0 = X and D_L comes from the loss (fused with softmax/sigmoid).
 */
double net_loss_grad(struct dnn_net *net, const float *x, const float *t, size_t n)
{
	return net_loss_grad_part(net, x, t, n, 1.0f / (float)n) / (double)n;
}

double net_loss_grad_part(struct dnn_net *net, const float *x, const float *t, size_t n,
			  float scale)
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
	loss = loss_eval(net->loss, last->act, a, t, n, last->n_out, scale, d);
	for (size_t l = net->n_layers; l-- > 0;) {
		const struct dnn_layer *ly = &net->layers[l];
		const float *in = l ? net->out[l - 1] : x;

		mat_gemm(MAT_TRANS, MAT_NOTRANS, ly->n_out, ly->n_in, n, 1.0f, d, ly->n_out, in,
			 ly->n_in, 0.0f, net->grads + ly->w_off, ly->n_in);
		mat_col_sums(d, n, ly->n_out, 0.0f, net->grads + ly->b_off);
		if (l == 0)
			break;
		/* f' is applied by the gemm as it stores each tile where the
		 * activation has an epilogue for it (relu). */
		const struct dnn_act_info *below = net->layers[l - 1].act;
		struct mat_epilogue ep = {
			.act = below->gemm_backward,
			.mask = net->out[l - 1],
			.ldm = ly->n_in,
		};

		mat_gemm_ex(MAT_NOTRANS, MAT_NOTRANS, n, ly->n_in, ly->n_out, 1.0f, d, ly->n_out,
			    net->params + ly->w_off, ly->n_in, 0.0f, dprev, ly->n_in, &ep);
		if (ep.act == MAT_ACT_NONE)
			below->backward(net->out[l - 1], dprev, n, ly->n_in);
		float *tmp = d;

		d = dprev;
		dprev = tmp;
	}
	return loss;
}
