#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "loss.h"
#include "net.h"
#include "rng.h"
#include "spec.h"
#include "testutil.h"

START_TEST(test_layout)
{
	size_t units[2] = {5, 3};
	int acts[2] = {DNN_ACT_RELU, DNN_ACT_SOFTMAX};
	struct dnn_error e;
	struct dnn_net *net = net_new(4, 2, units, acts, DNN_LOSS_CROSS_ENTROPY, &e);

	ck_assert_ptr_nonnull(net);
	ck_assert_uint_eq(net->n_params, 5 * 4 + 5 + 3 * 5 + 3);
	ck_assert_uint_eq(net->layers[0].b_off, 20);
	ck_assert_uint_eq(net->layers[1].w_off, 25);
	ck_assert_uint_eq(net->layers[1].b_off, 40);
	ck_assert_uint_eq(net_n_out(net), 3);
	ck_assert_ptr_eq(net->layers[0].kind, layer_kind_by_id(DNN_LAYER_DENSE));
	ck_assert_ptr_eq(net->layers[1].kind, layer_kind_by_id(DNN_LAYER_DENSE));
	net_free(net);
	net_free(NULL);
}
END_TEST

/* The table of layer kinds: every row complete, ids in order; a dense size
 * that overflows is refused. */
START_TEST(test_layer_kinds)
{
	size_t n, b_rel;

	for (int id = 1; id <= DNN_LAYER_MAX; id++) {
		const struct dnn_layer_kind *k = layer_kind_by_id(id);

		ck_assert_ptr_nonnull(k);
		ck_assert_int_eq((int)k->id, id);
		ck_assert(k->n_params && k->init && k->forward && k->backward);
		ck_assert(k->hv_forward && k->hv_params && k->hv_down);
		ck_assert(k->n_state && k->n_work && k->check && k->name);
		ck_assert(k->n_fields <= DNN_LAYER_FIELDS && (!k->n_fields || k->field_names));
	}
	ck_assert_int_eq(layer_kind_by_id(DNN_LAYER_DENSE)->n_params((size_t)-1, 2, &n, &b_rel),
			 -1);
	ck_assert_ptr_null(layer_kind_by_id(0));
	ck_assert_ptr_null(layer_kind_by_id(DNN_LAYER_MAX + 1));
	ck_assert_int_eq(layer_kind_by_id(DNN_LAYER_DENSE)->n_params(4, 5, &n, &b_rel), 0);
	ck_assert_uint_eq(n, 25);
	ck_assert_uint_eq(b_rel, 20);
}
END_TEST

START_TEST(test_forward_by_hand)
{
	/* 2 -> 2 (relu) -> 1 (linear), weights chosen by hand. */
	size_t units[2] = {2, 1};
	int acts[2] = {DNN_ACT_RELU, DNN_ACT_LINEAR};
	struct dnn_error e;
	struct dnn_net *net = net_new(2, 2, units, acts, DNN_LOSS_MSE, &e);
	const float p[9] = {1, 2, -1, 1, 0.5f, -3, /* layer 1: W (2x2), b */
			    2, -1, 0.25f};	      /* layer 2: W (1x2), b */
	const float x[4] = {1, 1, 2, -1};

	memcpy(net->params, p, sizeof p);
	ck_assert_int_eq(net_reserve(net, 2, &e), 0);
	const float *y = net_forward(net, x, 2);
	/* Row 1: h = relu(3.5, -3) = (3.5, 0); y = 7.25.
	 * Row 2: h = relu(0.5, -6) = (0.5, 0); y = 1.25. */
	ck_assert_float_eq_tol(y[0], 7.25f, 1e-6f);
	ck_assert_float_eq_tol(y[1], 1.25f, 1e-6f);
	net_free(net);
}
END_TEST

START_TEST(test_init_scale)
{
	size_t units[1] = {400};
	int acts[1] = {DNN_ACT_RELU};
	struct dnn_error e;
	struct dnn_net *net = net_new(200, 1, units, acts, DNN_LOSS_MSE, &e);
	struct dnn_rng r;
	static const struct {
		int init;
		double var;
	} cases[] = {
		{DNN_INIT_HE_NORMAL, 2.0 / 200},
		{DNN_INIT_HE_UNIFORM, 2.0 / 200},
		{DNN_INIT_GLOROT_NORMAL, 2.0 / 600},
		{DNN_INIT_GLOROT_UNIFORM, 2.0 / 600},
		{DNN_INIT_AUTO, 2.0 / 200}, /* relu: he */
	};

	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		double s = 0, s2 = 0;
		size_t nw = 80000;

		rng_seed(&r, 5);
		net_init(net, cases[c].init, &r);
		for (size_t i = 0; i < nw; i++) {
			s += (double)net->params[i];
			s2 += (double)net->params[i] * (double)net->params[i];
		}
		ck_assert_double_lt(fabs(s / (double)nw), 0.01 * sqrt(cases[c].var) * 10);
		ck_assert_double_lt(fabs(s2 / (double)nw / cases[c].var - 1.0), 0.03);
		for (size_t i = nw; i < net->n_params; i++)
			ck_assert_float_eq(net->params[i], 0.0f);
	}
	net_free(net);
}
END_TEST

/* A layer's own init (layers[i].init) overrides the spec's: that layer is
 * drawn as net_init draws it with that scheme, the others with the spec's. */
START_TEST(test_init_per_layer)
{
	size_t units[2] = {300, 200};
	int acts[2] = {DNN_ACT_TANH, DNN_ACT_LINEAR};
	struct dnn_layer_spec ls[2] = {
	    {.units = 300, .activation = DNN_ACT_TANH, .has_init = 1, .init = DNN_INIT_HE_UNIFORM},
	    {.units = 200, .activation = DNN_ACT_LINEAR}};
	struct dnn_spec spec = {.n_layers = 2, .layers = ls, .init = DNN_INIT_GLOROT_NORMAL};
	struct dnn_error e;
	struct dnn_net *a = net_new(100, 2, units, acts, DNN_LOSS_MSE, &e);
	struct dnn_net *b = net_new(100, 2, units, acts, DNN_LOSS_MSE, &e);
	struct dnn_rng r;
	size_t n0 = 300 * 100, n1 = 200 * 300;
	double bound = sqrt(6.0 / 100.0), s2 = 0.0;

	ck_assert(a && b);
	rng_seed(&r, 9);
	net_init_spec(a, &spec, &r);
	rng_seed(&r, 9);
	net_init(b, DNN_INIT_HE_UNIFORM, &r);
	ck_assert_int_eq(memcmp(a->params + a->layers[0].w_off, b->params + b->layers[0].w_off,
				n0 * sizeof(float)),
			 0);
	for (size_t i = 0; i < n0; i++)
		ck_assert_double_le(fabs((double)a->params[a->layers[0].w_off + i]), bound);
	/* Layer 2: glorot_normal, variance 2 / (300 + 200), unbounded. */
	for (size_t i = 0; i < n1; i++) {
		double v = (double)a->params[a->layers[1].w_off + i];

		s2 += v * v;
	}
	ck_assert_double_lt(fabs(s2 / (double)n1 / (2.0 / 500.0) - 1.0), 0.03);
	net_free(a);
	net_free(b);
}
END_TEST

/* The whole network's gradient against central finite differences of its
 * loss, for a 3-5-4-K network with both hidden layers of activation
 * `hidden` and the given output activation and loss. */
static void gradcheck(int hidden, int out_act, int loss)
{
	const size_t n = 6, n_in = 3, k = 3;
	size_t units[3] = {5, 4, k};
	int acts[3] = {hidden, hidden, out_act};
	struct dnn_error e;
	struct dnn_net *net = net_new(n_in, 3, units, acts, loss, &e);
	struct dnn_rng r;
	float x[18], t[18], *g;
	const float h = 4e-3f;

	ck_assert_ptr_nonnull(net);
	ck_assert_int_eq(net_reserve(net, n, &e), 0);
	rng_seed(&r, 11);
	net_init(net, DNN_INIT_GLOROT_NORMAL, &r);
	for (size_t i = 0; i < net->n_params; i++)
		net->params[i] += 0.1f * (float)rng_normal(&r); /* biases too */
	for (size_t i = 0; i < n * n_in; i++)
		x[i] = (float)rng_normal(&r);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < k; j++) {
			if (loss == DNN_LOSS_CROSS_ENTROPY)
				t[i * k + j] = (float)(j == i % k);
			else if (loss == DNN_LOSS_BINARY_CROSS_ENTROPY)
				t[i * k + j] = (float)((i + j) % 2);
			else
				t[i * k + j] = (float)rng_normal(&r);
		}
	net_loss_grad(net, x, t, n, NULL);
	g = malloc(net->n_params * sizeof *g);
	memcpy(g, net->grads, net->n_params * sizeof *g);
	/* Layers before the last step layer get no gradient: their loss is
	 * piecewise constant. */
	size_t frozen = act_by_id(hidden)->flags & ACT_ZERO_GRAD ? net->layers[2].w_off : 0;
	size_t skipped = 0, zero_fd = 0;

	for (size_t i = 0; i < net->n_params; i++) {
		float w = net->params[i];
		double lp, lm, l0, num;

		l0 = net_loss_grad(net, x, t, n, NULL);
		net->params[i] = w + h;
		lp = net_loss_grad(net, x, t, n, NULL);
		net->params[i] = w - h;
		lm = net_loss_grad(net, x, t, n, NULL);
		net->params[i] = w;
		num = (lp - lm) / (2.0 * (double)h);
		if (i < frozen) {
			ck_assert_float_eq(g[i], 0.0f);
			zero_fd += lp == lm;
			continue;
		}
		/* A kink (relu) inside [w - h, w + h] makes the two one-sided
		 * slopes disagree; such a parameter says nothing. */
		if ((act_by_id(hidden)->flags & ACT_KINK) &&
		    fabs((lp - l0) - (l0 - lm)) > 0.05 * (fabs(lp - l0) + fabs(l0 - lm)) + 1e-7) {
			skipped++;
			continue;
		}
		ck_assert_msg(fabs((double)g[i] - num) <= 2e-3 + 2e-2 * fabs(num),
			      "%s hidden, %s/%s: parameter %zu: backprop %.6g, numeric %.6g",
			      act_by_id(hidden)->name, act_by_id(out_act)->name, loss_name(loss),
			      i, (double)g[i], num);
	}
	/* Most frozen parameters cross no step, so their loss does not move. */
	ck_assert_uint_ge(zero_fd * 10, frozen * 8);
	ck_assert_uint_le(skipped * 10, net->n_params);
	free(g);
	net_free(net);
}

/* Every output the table allows with mse (all but row-wise, output-only
 * and zero-gradient rows), and the two fused ones; output-only rows are not
 * hidden activations. */
START_TEST(test_gradcheck)
{
	int hidden = _i;

	if (act_by_id(hidden)->flags & ACT_OUTPUT_ONLY)
		return;
	for (int id = 1; id <= DNN_ACT_MAX; id++)
		if (!(act_by_id(id)->flags & (ACT_ROWWISE | ACT_OUTPUT_ONLY | ACT_ZERO_GRAD)))
			gradcheck(hidden, id, DNN_LOSS_MSE);
	gradcheck(hidden, DNN_ACT_SOFTMAX, DNN_LOSS_CROSS_ENTROPY);
	gradcheck(hidden, DNN_ACT_SIGMOID, DNN_LOSS_BINARY_CROSS_ENTROPY);
}
END_TEST

/* net_max_norm: a row above c is rescaled to norm c, a row below it and the
 * biases are left as they are. */
START_TEST(test_max_norm)
{
	size_t units[1] = {2};
	int acts[1] = {DNN_ACT_LINEAR};
	struct dnn_error e;
	struct dnn_net *net = net_new(2, 1, units, acts, DNN_LOSS_MSE, &e);
	float before[6] = {3, 4, 0.3f, 0.4f, 7, -7};

	memcpy(net->params, before, sizeof before);
	net_max_norm(net, 0, 1.0);
	ck_assert_float_eq_tol(net->params[0], 0.6f, 1e-7f);
	ck_assert_float_eq_tol(net->params[1], 0.8f, 1e-7f);
	ck_assert(memcmp(net->params + 2, before + 2, 4 * sizeof *before) == 0);
	net_free(net);
}
END_TEST

/* net_input_grad against central differences of the summed loss in x, in
 * inference mode, for the rows of rows[0..n_rows) (dropout and the
 * normalizations included: inference dropout is the identity, batch
 * normalization uses its kept statistics, perturbed here). */
static void input_gradcheck(const struct dnn_layer_def *rows, size_t n_rows, int loss,
			    const float *w)
{
	const size_t n = 5, n_in = 4;
	struct dnn_error e;
	struct dnn_net *net = net_new_rows(n_in, n_rows, rows, loss, &e);
	struct dnn_rng r;
	size_t k;
	float x[20], t[20], dx[20];
	const float h = 2e-3f;

	ck_assert_msg(net != NULL, "%s", e.msg);
	k = net_n_out(net);
	ck_assert_int_eq(net_reserve(net, n, &e), 0);
	rng_seed(&r, 7);
	net_init(net, DNN_INIT_GLOROT_NORMAL, &r);
	for (size_t i = 0; i < net->n_params; i++)
		net->params[i] += 0.1f * (float)rng_normal(&r);
	for (size_t i = 0; i < net->n_state; i++)
		net->state[i] += 0.3f * (float)rng_uniform(&r);
	for (size_t i = 0; i < n * n_in; i++)
		x[i] = (float)rng_normal(&r);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < k; j++)
			t[i * k + j] = loss == DNN_LOSS_MSE ? (float)rng_normal(&r)
							    : (float)(j == i % k);
	double l0 = net_input_grad(net, x, t, w, n, dx);
	double lw = loss_eval_weighted(loss, net->layers[n_rows - 1].act, net_forward(net, x, n), t,
				       w, n, k, 0.0f, NULL);

	ck_assert_double_eq_tol(l0, lw, 1e-9 + 1e-9 * fabs(lw));
	for (size_t i = 0; i < n * n_in; i++) {
		float v = x[i];
		double lp, lm, num;

		x[i] = v + h;
		lp = loss_eval_weighted(loss, net->layers[n_rows - 1].act, net_forward(net, x, n),
					t, w, n, k, 0.0f, NULL);
		x[i] = v - h;
		lm = loss_eval_weighted(loss, net->layers[n_rows - 1].act, net_forward(net, x, n),
					t, w, n, k, 0.0f, NULL);
		x[i] = v;
		num = (lp - lm) / (2.0 * (double)h);
		ck_assert_msg(fabs((double)dx[i] - num) <= 2e-3 + 1e-2 * fabs(num),
			      "input %zu: backprop %.6g, numeric %.6g", i, (double)dx[i], num);
	}
	net_free(net);
}

/* Dense rows; then with the inputs' dropout, batch normalization and
 * dropout; then layer normalization and row weights. */
START_TEST(test_input_grad)
{
	const struct dnn_layer_def dense[] = {
		{DNN_LAYER_DENSE, 6, DNN_ACT_TANH, {0}},
		{DNN_LAYER_DENSE, 3, DNN_ACT_SOFTMAX, {0}},
	};
	const struct dnn_layer_def bn[] = {
		{DNN_LAYER_DROPOUT, 4, DNN_ACT_LINEAR, {0.2}},
		{DNN_LAYER_DENSE, 6, DNN_ACT_LINEAR, {0}},
		{DNN_LAYER_BATCH_NORM, 6, DNN_ACT_TANH, {0.9, 1e-3}},
		{DNN_LAYER_DROPOUT, 6, DNN_ACT_LINEAR, {0.3}},
		{DNN_LAYER_DENSE, 2, DNN_ACT_LINEAR, {0}},
	};
	const struct dnn_layer_def ln[] = {
		{DNN_LAYER_DENSE, 5, DNN_ACT_LINEAR, {0}},
		{DNN_LAYER_LAYER_NORM, 5, DNN_ACT_SIGMOID, {1e-3}},
		{DNN_LAYER_DENSE, 1, DNN_ACT_SIGMOID, {0}},
	};
	const float w[5] = {1.0f, 0.5f, 2.0f, 0.0f, 1.5f};

	input_gradcheck(dense, 2, DNN_LOSS_CROSS_ENTROPY, NULL);
	input_gradcheck(bn, 5, DNN_LOSS_MSE, NULL);
	input_gradcheck(ln, 3, DNN_LOSS_BINARY_CROSS_ENTROPY, w);
}
END_TEST


static Suite *net_suite(void)
{
	Suite *s = suite_create("net");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_layout);
	tcase_add_test(tc, test_layer_kinds);
	tcase_add_test(tc, test_forward_by_hand);
	tcase_add_test(tc, test_init_scale);
	tcase_add_test(tc, test_init_per_layer);
	tcase_add_test(tc, test_max_norm);
	tcase_add_test(tc, test_input_grad);
	/* Every row of the activation table as the hidden activation. */
	tcase_add_loop_test(tc, test_gradcheck, 1, DNN_ACT_MAX + 1);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(net_suite)
