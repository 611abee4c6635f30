/* The network: its layout, weights and workspace, and the passes over its layers. */
#include "net.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "layer_norm.h"
#include "loss.h"
#include "spec.h"
#include "util.h"

/* Lay out row l of net from def: its kind, widths, activation, fields and
 * offsets in params and state. -1 with e set (70) when it cannot stand
 * there, or when the sizes overflow. */
static int lay_row(struct dnn_net *net, size_t l, const struct dnn_layer_def *def,
		   size_t *off, size_t *s_off, struct dnn_error *e)
{
	struct dnn_layer *ly = &net->layers[l];
	size_t np, b_rel, ns;
	char why[160];

	ly->kind = layer_kind_by_id(def->kind);
	ly->n_in = l ? net->layers[l - 1].n_out : net->n_in;
	ly->n_out = def->units;
	ly->act = act_by_id(def->act);
	memcpy(ly->field, def->field, sizeof ly->field);
	if (!ly->kind || !ly->act || ly->n_out == 0)
		return dnn_error_set(e, DNN_EX_SOFTWARE, NULL, 0, 0,
				     "layer %zu: bad kind, activation or width", l + 1);
	if (layer_check(ly, l + 1 == net->n_layers, why, sizeof why))
		return dnn_error_set(e, DNN_EX_SOFTWARE, NULL, 0, 0, "layer %zu: %s", l + 1, why);
	ns = ly->kind->n_state(ly->n_in, ly->n_out);
	if (ly->kind->n_params(ly->n_in, ly->n_out, &np, &b_rel) ||
	    np > SIZE_MAX / sizeof(float) - *off || ns > SIZE_MAX / sizeof(float) - *s_off)
		return dnn_error_oom(e);
	if (np && net->first_params == SIZE_MAX)
		net->first_params = l;
	ly->w_off = *off;
	ly->b_off = *off + b_rel;
	ly->s_off = *s_off;
	*off += np;
	*s_off += ns;
	/* The spec layer: one more at each row that opens one. */
	ly->spec_layer = l ? net->layers[l - 1].spec_layer : SIZE_MAX;
	if (ly->kind->flags & LAYER_OPENS)
		ly->spec_layer = ly->spec_layer == SIZE_MAX ? 0 : ly->spec_layer + 1;
	return 0;
}

struct dnn_net *net_new_rows(size_t n_in, size_t n_rows, const struct dnn_layer_def *rows,
			     int loss, struct dnn_error *e)
{
	struct dnn_net *net;
	size_t off = 0, s_off = 0;

	if (n_in == 0 || n_rows == 0)
		return dnn_error_set(e, DNN_EX_SOFTWARE, NULL, 0, 0, "empty network"), NULL;
	net = calloc(1, sizeof *net);
	if (!net)
		return dnn_error_oom(e), NULL;
	net->n_in = n_in;
	net->n_layers = n_rows;
	net->loss = loss;
	net->first_params = SIZE_MAX;
	net->layers = util_calloc_array(n_rows, sizeof *net->layers);
	if (!net->layers) {
		dnn_error_oom(e);
		goto fail;
	}
	for (size_t l = 0; l < n_rows; l++)
		if (lay_row(net, l, &rows[l], &off, &s_off, e))
			goto fail;
	net->n_params = off;
	net->n_state = s_off;
	net->params = util_calloc_huge(off, sizeof *net->params);
	net->grads = util_calloc_huge(off + NET_GRADS_SPARE, sizeof *net->grads);
	net->state = s_off ? util_calloc_huge(s_off, sizeof *net->state) : NULL;
	net->out = util_calloc_array(n_rows, sizeof *net->out);
	net->work = util_calloc_array(n_rows, sizeof *net->work);
	if (!net->params || !net->grads || (s_off && !net->state) || !net->out || !net->work) {
		dnn_error_oom(e);
		goto fail;
	}
	return net;
fail:
	net_free(net);
	return NULL;
}

struct dnn_net *net_new(size_t n_in, size_t n_layers, const size_t *units, const int *acts,
			int loss, struct dnn_error *e)
{
	struct dnn_layer_def *rows = util_calloc_array(n_layers ? n_layers : 1, sizeof *rows);
	struct dnn_net *net;

	if (!rows)
		return dnn_error_oom(e), NULL;
	for (size_t l = 0; l < n_layers; l++)
		rows[l] = (struct dnn_layer_def){.kind = DNN_LAYER_DENSE, .units = units[l],
						 .act = acts[l]};
	net = net_new_rows(n_in, n_layers, rows, loss, e);
	free(rows);
	return net;
}

int net_spec_rows(const struct dnn_spec *s, size_t n_in, struct dnn_layer_def **rows,
		  size_t *n_rows)
{
	struct dnn_layer_def *r = util_calloc_array(s->n_layers * NET_ROWS_PER_LAYER + 1, sizeof *r);
	size_t n = 0;

	if (!r)
		return -1;
	if (s->input_dropout > 0.0)
		r[n++] = (struct dnn_layer_def){.kind = DNN_LAYER_DROPOUT, .units = n_in,
						.act = DNN_ACT_LINEAR, .field = {s->input_dropout}};
	for (size_t i = 0; i < s->n_layers; i++) {
		const struct dnn_layer_spec *ls = &s->layers[i];

		r[n++] = (struct dnn_layer_def){.kind = DNN_LAYER_DENSE, .units = ls->units,
						.act = ls->norm ? DNN_ACT_LINEAR : ls->activation};
		if (ls->norm == DNN_NORM_BATCH)
			r[n++] = (struct dnn_layer_def){DNN_LAYER_BATCH_NORM, ls->units, ls->activation,
							{ls->norm_momentum, ls->norm_epsilon}};
		else if (ls->norm == DNN_NORM_LAYER)
			r[n++] = (struct dnn_layer_def){DNN_LAYER_LAYER_NORM, ls->units, ls->activation,
							{ls->norm_epsilon}};
		if (ls->dropout > 0.0)
			r[n++] = (struct dnn_layer_def){.kind = DNN_LAYER_DROPOUT, .units = ls->units,
							.act = DNN_ACT_LINEAR,
							.field = {ls->dropout}};
	}
	*rows = r;
	*n_rows = n;
	return 0;
}

struct dnn_net *net_new_spec(size_t n_in, const struct dnn_spec *s, struct dnn_error *e)
{
	struct dnn_layer_def *rows;
	struct dnn_net *net;
	size_t n;

	if (net_spec_rows(s, n_in, &rows, &n))
		return dnn_error_oom(e), NULL;
	net = net_new_rows(n_in, n, rows, s->loss, e);
	free(rows);
	return net;
}

int net_is_dense(const struct dnn_net *net)
{
	for (size_t l = 0; l < net->n_layers; l++)
		if (net->layers[l].kind->id != DNN_LAYER_DENSE)
			return 0;
	return 1;
}

void net_free(struct dnn_net *net)
{
	if (!net)
		return;
	for (size_t l = 0; l < net->n_layers; l++) {
		if (net->out)
			free(net->out[l]);
		if (net->work)
			free(net->work[l]);
	}
	free(net->out);
	free(net->work);
	free(net->state);
	free(net->d0);
	free(net->d1);
	free(net->params);
	free(net->grads);
	free(net->layers);
	free(net);
}

struct dnn_net *net_copy(const struct dnn_net *net, struct dnn_error *e)
{
	struct dnn_layer_def *rows = util_calloc_array(net->n_layers, sizeof *rows);
	struct dnn_net *c;

	if (!rows)
		return dnn_error_oom(e), NULL;
	for (size_t l = 0; l < net->n_layers; l++) {
		const struct dnn_layer *ly = &net->layers[l];

		rows[l].kind = (int)ly->kind->id;
		rows[l].units = ly->n_out;
		rows[l].act = (int)ly->act->id;
		memcpy(rows[l].field, ly->field, sizeof rows[l].field);
	}
	c = net_new_rows(net->n_in, net->n_layers, rows, net->loss, e);
	free(rows);
	if (!c)
		return NULL;
	memcpy(c->params, net->params, net->n_params * sizeof *c->params);
	if (net->n_state)
		memcpy(c->state, net->state, net->n_state * sizeof *c->state);
	return c;
}

size_t net_n_saved(const struct dnn_net *net)
{
	return net->n_params + net->n_state;
}

void net_save(const struct dnn_net *net, float *buf)
{
	memcpy(buf, net->params, net->n_params * sizeof *buf);
	if (net->n_state)
		memcpy(buf + net->n_params, net->state, net->n_state * sizeof *buf);
}

void net_restore(struct dnn_net *net, const float *buf)
{
	memcpy(net->params, buf, net->n_params * sizeof *buf);
	if (net->n_state)
		memcpy(net->state, buf + net->n_params, net->n_state * sizeof *buf);
}

size_t net_n_out(const struct dnn_net *net)
{
	return net->layers[net->n_layers - 1].n_out;
}

/* Draw each row's parameters by its spec layer's own init in s, else by
 * init. */
static void init_layers(struct dnn_net *net, int init, const struct dnn_spec *s,
			struct dnn_rng *rng)
{
	for (size_t l = 0; l < net->n_layers; l++) {
		const struct dnn_layer *ly = &net->layers[l];
		size_t i = ly->spec_layer;
		int kind = s && i < s->n_layers && s->layers[i].has_init ? s->layers[i].init : init;

		ly->kind->init(ly, net->params, net->state ? net->state + ly->s_off : NULL, kind,
			       rng);
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
		cells = net->layers[l].kind->n_work(&net->layers[l], n);
		if (cells == SIZE_MAX)
			return dnn_error_oom(e);
		if (cells) {
			p = util_realloc_array(net->work[l], cells, sizeof(float));
			if (!p)
				return dnn_error_oom(e);
			net->work[l] = p;
		}
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

static const struct dnn_pass inference = {0};

/* What row l of net gets in a pass. */
static struct dnn_layer_ctx row_ctx(const struct dnn_net *net, size_t l,
				    const struct dnn_pass *pass)
{
	const struct dnn_layer *ly = &net->layers[l];
	struct dnn_layer_ctx c = {pass ? pass : &inference, l,
				  net->state ? net->state + ly->s_off : NULL, net->work[l], 0};

	return c;
}

const float *net_forward(struct dnn_net *net, const float *x, size_t n)
{
	return net_forward_pass(net, x, n, NULL);
}

/* Row l: A_l = f(layer_l(A_{l-1})) over the n rows at once, A_0 = x. */
const float *net_forward_pass(struct dnn_net *net, const float *x, size_t n,
			      const struct dnn_pass *pass)
{
	const float *in = x;

	for (size_t l = 0; l < net->n_layers; l++) {
		const struct dnn_layer *ly = &net->layers[l];
		struct dnn_layer_ctx c = row_ctx(net, l, pass);

		ly->kind->forward(ly, net->params, in, net->out[l], n, &c);
		in = net->out[l];
	}
	return in;
}

/* The backward half of backpropagation, from D_L = dL/dZ_L in net->d0
 * down: row l's kind gives its parameters' gradient and D_{l-1} =
 * dL/dZ_{l-1}, for l = L down to the first row with parameters, or with
 * to_inputs down to row 0, whose input is x itself (a linear "activation"
 * below it), so that D_0 = dL/dx (for a dense first row, D_1 W_1: one
 * gemm). Returns the buffer (d0 or d1) holding the last D computed. */
static float *backprop(struct dnn_net *net, const float *x, size_t n,
		       const struct dnn_pass *pass, int to_inputs)
{
	const struct dnn_act_info *inputs = to_inputs ? act_by_id(DNN_ACT_LINEAR) : NULL;
	size_t lowest = to_inputs ? 0 : net->first_params;
	float *d = net->d0, *dprev = net->d1;

	for (size_t l = net->n_layers; l-- > 0 && l + 1 > lowest;) {
		const struct dnn_layer *ly = &net->layers[l];
		const float *in = l ? net->out[l - 1] : x;
		struct dnn_layer_ctx c = row_ctx(net, l, pass);
		float *tmp = d;

		ly->kind->backward(ly, net->params, in, d, n, net->grads,
				   l > lowest ? net->layers[l - 1].act : inputs, dprev, &c);
		d = dprev;
		dprev = tmp;
	}
	return d;
}

/* Backpropagation: D_L = dL/dZ_L from the loss (fused with softmax and
 * sigmoid), then for l = L down to the first row with parameters, row l's
 * kind gives its parameters' gradient and, above that row, D_{l-1} =
 * dL/dZ_{l-1} (layer.c: for dense, three gemm calls). */
double net_loss_grad(struct dnn_net *net, const float *x, const float *t, size_t n,
		     const struct dnn_pass *pass)
{
	return net_loss_grad_part(net, x, t, n, 1.0f / (float)n, pass) / (double)n;
}

double net_loss_grad_part(struct dnn_net *net, const float *x, const float *t, size_t n,
			  float scale, const struct dnn_pass *pass)
{
	return net_loss_grad_weighted(net, x, t, NULL, n, scale, pass);
}

double net_loss_grad_weighted(struct dnn_net *net, const float *x, const float *t,
			      const float *w, size_t n, float scale, const struct dnn_pass *pass)
{
	const struct dnn_layer *last = &net->layers[net->n_layers - 1];
	const float *a;
	double loss;

	if (n == 0) {
		memset(net->grads, 0, net->n_params * sizeof *net->grads);
		return 0.0;
	}
	a = net_forward_pass(net, x, n, pass);
	loss = loss_eval_weighted(net->loss, last->act, a, t, w, n, last->n_out, scale, net->d0);
	backprop(net, x, n, pass, 0);
	return loss;
}

double net_input_grad(struct dnn_net *net, const float *x, const float *t, const float *w,
		      size_t n, float *dx)
{
	const struct dnn_layer *last = &net->layers[net->n_layers - 1];
	const float *a;
	double loss;

	if (n == 0)
		return 0.0;
	a = net_forward_pass(net, x, n, NULL);
	loss = loss_eval_weighted(net->loss, last->act, a, t, w, n, last->n_out, 1.0f, net->d0);
	memcpy(dx, backprop(net, x, n, NULL, 1), n * net->n_in * sizeof *dx);
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
