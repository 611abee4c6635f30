/* Dropout rows (layer.c) and the rows a spec expands into (net.c): off in
 * inference, the mask and its fraction in training, masks keyed by seed and
 * row alone, the gradient through a held mask, and the spec keys. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "hvp.h"
#include "loss.h"
#include "net.h"
#include "rng.h"
#include "spec.h"
#include "testutil.h"

#define NAME "net.json"

/* 3 inputs, dropout 0.25 of them, 6 units of act, dropout 0.5, 2 linear
 * outputs; and the same network without its dropout rows, with the same
 * weights drawn from seed 5. */
static void make_pair(int act, struct dnn_net **drop, struct dnn_net **dense, size_t batch)
{
	const struct dnn_layer_def rows[] = {
	    {DNN_LAYER_DROPOUT, 3, DNN_ACT_LINEAR, {0.25}},
	    {DNN_LAYER_DENSE, 6, act, {0}},
	    {DNN_LAYER_DROPOUT, 6, DNN_ACT_LINEAR, {0.5}},
	    {DNN_LAYER_DENSE, 2, DNN_ACT_LINEAR, {0}},
	};
	size_t units[2] = {6, 2};
	int acts[2] = {act, DNN_ACT_LINEAR};
	struct dnn_error e;
	struct dnn_rng r;

	*drop = net_new_rows(3, 4, rows, DNN_LOSS_MSE, &e);
	ck_assert_msg(*drop != NULL, "%s", e.msg);
	*dense = net_new(3, 2, units, acts, DNN_LOSS_MSE, &e);
	ck_assert_ptr_nonnull(*dense);
	ck_assert_uint_eq((*drop)->n_params, (*dense)->n_params);
	ck_assert_uint_eq((*drop)->first_params, 1);
	ck_assert_uint_eq((*drop)->layers[2].spec_layer, 0);
	ck_assert_uint_eq((*drop)->layers[0].spec_layer, SIZE_MAX);
	rng_seed(&r, 5);
	net_init(*drop, DNN_INIT_GLOROT_NORMAL, &r);
	memcpy((*dense)->params, (*drop)->params, (*drop)->n_params * sizeof(float));
	ck_assert_int_eq(net_reserve(*drop, batch, &e), 0);
	ck_assert_int_eq(net_reserve(*dense, batch, &e), 0);
}

static void fill_normal(float *x, size_t n, uint64_t seed)
{
	struct dnn_rng r;

	rng_seed(&r, seed);
	for (size_t i = 0; i < n; i++)
		x[i] = (float)rng_normal(&r);
}

/* Predicting twice gives the same bits, those of the network without its
 * dropout rows (inverted dropout needs no scaling at inference); a training
 * pass does not. */
START_TEST(test_inference_is_identity)
{
	struct dnn_net *a, *b;
	float x[8 * 3], first[8 * 2];
	struct dnn_pass train = {1, 42, NULL, 0};

	make_pair(DNN_ACT_RELU, &a, &b, 8);
	fill_normal(x, 24, 1);
	memcpy(first, net_forward(a, x, 8), sizeof first);
	ck_assert_mem_eq(first, net_forward(a, x, 8), sizeof first);
	ck_assert_mem_eq(first, net_forward(b, x, 8), sizeof first);
	ck_assert_mem_ne(first, net_forward_pass(a, x, 8, &train), sizeof first);
	ck_assert_mem_eq(first, net_forward_pass(a, x, 8, NULL), sizeof first);
	net_free(a);
	net_free(b);
}
END_TEST

/* A training pass multiplies each input by 0 or 1/(1 - p), the zeros a
 * fraction p of them within 4 standard deviations, and keeps the mean. */
START_TEST(test_mask_fraction)
{
	const double p = 0.3;
	const size_t m = 1000, n = 20;
	const struct dnn_layer_def rows[] = {{DNN_LAYER_DROPOUT, m, DNN_ACT_LINEAR, {p}},
					     {DNN_LAYER_DENSE, 1, DNN_ACT_LINEAR, {0}}};
	struct dnn_error e;
	struct dnn_net *net = net_new_rows(m, 2, rows, DNN_LOSS_MSE, &e);
	struct dnn_pass pass = {1, 7, NULL, 0};
	float *x = malloc(n * m * sizeof *x), keep = (float)(1.0 / (1.0 - p));
	size_t zeros = 0;
	double sum = 0.0, sd = sqrt(p * (1 - p) / (double)(n * m));

	ck_assert_ptr_nonnull(net);
	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(net_reserve(net, n, &e), 0);
	for (size_t c = 0; c < n * m; c++)
		x[c] = 1.0f + (float)(c % 7);
	net_forward_pass(net, x, n, &pass);
	for (size_t c = 0; c < n * m; c++) {
		float mk = net->work[0][c], out = net->out[0][c];

		ck_assert_msg(mk == 0.0f || mk == keep, "mask %zu is %g", c, (double)mk);
		ck_assert(out == x[c] * mk);
		zeros += mk == 0.0f;
		sum += (double)mk;
	}
	ck_assert_msg(fabs((double)zeros / (double)(n * m) - p) < 4 * sd, "%zu zeros", zeros);
	ck_assert_msg(fabs(sum / (double)(n * m) - 1.0) < 4 * sd * (double)keep, "mean %g",
		      sum / (double)(n * m));
	free(x);
	net_free(net);
}
END_TEST

/* The mask of a row depends on the pass's seed and the row's key alone:
 * the same pass again gives the same mask, another seed another; a batch
 * cut in two (as threads or MPI ranks would) gives the masks of the
 * whole, keyed by rows[] or by first. */
START_TEST(test_mask_keys)
{
	struct dnn_net *a, *b;
	const size_t keys[8] = {10, 11, 12, 13, 14, 15, 16, 17};
	struct dnn_pass whole = {1, 99, keys, 0}, other = {1, 98, keys, 0};
	struct dnn_pass lo = {1, 99, keys, 0}, hi = {1, 99, keys + 4, 0};
	struct dnn_pass by_first = {1, 99, NULL, 10};
	float x[8 * 3], m0[8 * 6], m2[8 * 6];

	make_pair(DNN_ACT_TANH, &a, &b, 8);
	fill_normal(x, 24, 2);
	net_forward_pass(a, x, 8, &whole);
	memcpy(m0, a->work[0], 8 * 3 * sizeof(float));
	memcpy(m2, a->work[2], 8 * 6 * sizeof(float));
	net_forward_pass(a, x, 8, &whole);
	ck_assert_mem_eq(m2, a->work[2], sizeof m2);
	net_forward_pass(a, x, 8, &by_first);
	ck_assert_mem_eq(m2, a->work[2], sizeof m2);
	net_forward_pass(a, x, 8, &other);
	ck_assert_mem_ne(m2, a->work[2], sizeof m2);
	net_forward_pass(a, x, 4, &lo);
	ck_assert_mem_eq(m0, a->work[0], 4 * 3 * sizeof(float));
	ck_assert_mem_eq(m2, a->work[2], 4 * 6 * sizeof(float));
	net_forward_pass(a, x + 4 * 3, 4, &hi);
	ck_assert_mem_eq(m0 + 4 * 3, a->work[0], 4 * 3 * sizeof(float));
	ck_assert_mem_eq(m2 + 4 * 6, a->work[2], 4 * 6 * sizeof(float));
	/* The two rows draw apart. */
	ck_assert_mem_ne(m2, m2 + 6, 6 * sizeof(float));
	net_free(a);
	net_free(b);
}
END_TEST

/* With the pass held, the loss is a smooth function of the weights: the
 * gradient matches central differences of it, and differs from the
 * gradient of inference mode. The double-precision analysis with the same
 * masks held (hvp_hold_pass) agrees. */
START_TEST(test_gradient_held_mask)
{
	const size_t n = 8;
	struct dnn_net *a, *b;
	struct dnn_pass pass = {1, 3, NULL, 0};
	struct dnn_error e;
	float x[8 * 3], t[8 * 2], *g;
	const float h = 4e-3f;
	double *w, *gd, diff = 0.0;
	struct dnn_hvp *hv;

	make_pair(DNN_ACT_TANH, &a, &b, n);
	fill_normal(x, n * 3, 3);
	fill_normal(t, n * 2, 4);
	net_loss_grad(a, x, t, n, &pass);
	g = malloc(a->n_params * sizeof *g);
	ck_assert_ptr_nonnull(g);
	memcpy(g, a->grads, a->n_params * sizeof *g);
	for (size_t i = 0; i < a->n_params; i++) {
		float wi = a->params[i];
		double lp, lm, num;

		a->params[i] = wi + h;
		lp = net_loss_grad(a, x, t, n, &pass);
		a->params[i] = wi - h;
		lm = net_loss_grad(a, x, t, n, &pass);
		a->params[i] = wi;
		num = (lp - lm) / (2.0 * (double)h);
		ck_assert_msg(fabs((double)g[i] - num) <= 2e-3 + 2e-2 * fabs(num),
			      "parameter %zu: backprop %.6g, numeric %.6g", i, (double)g[i], num);
	}
	net_loss_grad(b, x, t, n, NULL);
	for (size_t i = 0; i < a->n_params; i++)
		diff = fmax(diff, fabs((double)(g[i] - b->grads[i])));
	ck_assert_msg(diff > 1e-3, "the mask changed no gradient (%g)", diff);
	/* The double-precision gradient with the masks of the last pass. */
	net_loss_grad(a, x, t, n, &pass);
	hv = hvp_new(a, x, t, n, &e);
	ck_assert_ptr_nonnull(hv);
	hvp_hold_pass(hv);
	w = malloc(a->n_params * sizeof *w);
	gd = malloc(a->n_params * sizeof *gd);
	ck_assert(w && gd);
	for (size_t i = 0; i < a->n_params; i++)
		w[i] = (double)a->params[i];
	hvp_grad(hv, w, gd);
	for (size_t i = 0; i < a->n_params; i++)
		ck_assert_msg(fabs(gd[i] - (double)g[i]) <= 1e-5 + 1e-4 * fabs(gd[i]),
			      "parameter %zu: float %.8g, double %.8g", i, (double)g[i], gd[i]);
	hvp_free(hv);
	free(w);
	free(gd);
	free(g);
	net_free(a);
	net_free(b);
}
END_TEST

/* The spec's keys become rows: input_dropout first, a layer's dropout after
 * its dense row, none for 0; the canonical JSON keeps them; the output
 * layer takes none. */
START_TEST(test_spec_rows)
{
	const char *json = "{\"layers\":[{\"units\":5,\"dropout\":0.5},{\"units\":4,\"dropout\":0},"
			   "{\"units\":2}],\"input_dropout\":0.125}";
	const char *bad = "{\"layers\":[{\"units\":5},{\"units\":2,\"dropout\":0.5}]}";
	const char *big = "{\"layers\":[{\"units\":5,\"dropout\":1},{}]}";
	struct dnn_spec s, back;
	struct dnn_error e;
	struct dnn_layer_def *rows;
	size_t n;
	char *text;

	ck_assert_msg(spec_parse(&s, json, strlen(json), NAME, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(net_spec_rows(&s, 7, &rows, &n), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(rows[0].kind, DNN_LAYER_DROPOUT);
	ck_assert_uint_eq(rows[0].units, 7);
	ck_assert(rows[0].field[0] == 0.125);
	ck_assert_int_eq(rows[1].kind, DNN_LAYER_DENSE);
	ck_assert_int_eq(rows[2].kind, DNN_LAYER_DROPOUT);
	ck_assert_uint_eq(rows[2].units, 5);
	ck_assert(rows[2].field[0] == 0.5);
	ck_assert_int_eq(rows[3].kind, DNN_LAYER_DENSE);
	ck_assert_int_eq(rows[4].kind, DNN_LAYER_DENSE);
	free(rows);
	text = spec_to_json(&s);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "\"dropout\":0.5"));
	ck_assert_ptr_nonnull(strstr(text, "\"input_dropout\":0.125"));
	ck_assert_int_eq(spec_parse(&back, text, strlen(text), NAME, &e), 0);
	ck_assert(back.layers[0].dropout == 0.5 && back.input_dropout == 0.125);
	spec_free(&back);
	free(text);
	spec_free(&s);
	ck_assert_int_eq(spec_parse(&s, bad, strlen(bad), NAME, &e), -1);
	ck_assert_str_eq(e.msg, "layers[1].dropout: the output layer takes no dropout");
	ck_assert_int_eq(spec_parse(&s, big, strlen(big), NAME, &e), -1);
	ck_assert_str_eq(e.msg, "layers[0].dropout: must be in [0, 1), got 1");
}
END_TEST

static Suite *dropout_suite(void)
{
	Suite *s = suite_create("dropout");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_inference_is_identity);
	tcase_add_test(tc, test_mask_fraction);
	tcase_add_test(tc, test_mask_keys);
	tcase_add_test(tc, test_gradient_held_mask);
	tcase_add_test(tc, test_spec_rows);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(dropout_suite)
