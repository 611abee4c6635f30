#include <math.h>
#include <string.h>

#include "eigutil.h"
#include "hvp.h"
#include "landscape.h"
#include "loss.h"
#include "metrics.h"
#include "net.h"
#include "pool.h"
#include "rng.h"
#include "testutil.h"

#define N_IN 4
#define N_ROWS 37

/* 4 -> dense 6 (linear) -> batch norm (relu) -> dense 3 (softmax), cross-entropy,
 * random weights and running statistics away from their initial ones. */
static struct dnn_net *bn_net(struct dnn_rng *rng)
{
	const struct dnn_layer_def rows[] = {
	    {DNN_LAYER_DENSE, 6, DNN_ACT_LINEAR, {0}},
	    {DNN_LAYER_BATCH_NORM, 6, DNN_ACT_RELU, {0.9, 1e-5}},
	    {DNN_LAYER_DENSE, 3, DNN_ACT_SOFTMAX, {0}},
	};
	struct dnn_error e = {0};
	struct dnn_net *net = net_new_rows(N_IN, 3, rows, DNN_LOSS_CROSS_ENTROPY, &e);

	ck_assert_ptr_nonnull(net);
	net_init(net, DNN_INIT_AUTO, rng);
	for (size_t j = 0; j < net->n_params; j++)
		net->params[j] += (float)(0.1 * rng_normal(rng));
	for (size_t j = 0; j < net->n_state; j++)
		net->state[j] = (float)(0.5 + rng_uniform(rng));
	return net;
}

/* Random rows and one-hot targets of 3 classes. */
static void make_rows(struct dnn_rng *rng, float *x, float *t)
{
	for (size_t i = 0; i < N_ROWS * N_IN; i++)
		x[i] = (float)rng_normal(rng);
	memset(t, 0, N_ROWS * 3 * sizeof *t);
	for (size_t i = 0; i < N_ROWS; i++)
		t[i * 3 + rng_below(rng, 3)] = 1.0f;
}

/* Each dense unit's incoming weights in a filter-normalized direction
 * have the norm of that unit's weights in the model; biases, batch
 * normalization's parameters and the kept state are 0. */
START_TEST(test_filter_normalized)
{
	struct dnn_rng rng;
	struct dnn_net *net;
	double *d;
	size_t n;

	rng_seed(&rng, 7);
	net = bn_net(&rng);
	n = net_n_saved(net);
	d = malloc(n * sizeof *d);
	landscape_random_direction(net, net->params, &rng, d);
	char *weight = calloc(n, 1);

	for (size_t l = 0; l < net->n_layers; l++) {
		const struct dnn_layer *ly = &net->layers[l];

		if (ly->kind->id != DNN_LAYER_DENSE)
			continue;
		for (size_t i = 0; i < ly->n_out; i++) {
			double nd = 0.0, nt = 0.0;

			for (size_t k = 0; k < ly->n_in; k++) {
				size_t o = ly->w_off + i * ly->n_in + k;

				nd += d[o] * d[o];
				nt += (double)net->params[o] * (double)net->params[o];
				weight[o] = 1;
			}
			ck_assert_double_gt(nt, 0.0);
			ck_assert_msg(fabs(sqrt(nd) - sqrt(nt)) <= 1e-12 * sqrt(nt),
				      "row %zu unit %zu: |d| %.17g, |w| %.17g", l, i, sqrt(nd),
				      sqrt(nt));
		}
	}
	for (size_t j = 0; j < n; j++)
		if (!weight[j])
			ck_assert_msg(d[j] == 0.0, "d[%zu] = %g is no dense weight", j, d[j]);
	/* Not a copy of the weights: a random direction. */
	ck_assert_double_ne(d[0], (double)net->params[0]);
	free(weight);
	free(d);
	net_free(net);
}
END_TEST

/* The grid's losses do not depend on the thread count, bit for bit, and
 * its centre is the loss metrics_measure gives the network itself. */
START_TEST(test_threads_same)
{
	struct dnn_rng rng;
	struct dnn_error e = {0};
	struct dnn_net *net;
	float x[N_ROWS * N_IN], t[N_ROWS * 3];
	double c[2 * 25], loss[3][25], acc[3][25];
	double *d;
	float *base;
	size_t n;

	rng_seed(&rng, 11);
	net = bn_net(&rng);
	make_rows(&rng, x, t);
	n = net_n_saved(net);
	d = malloc(2 * n * sizeof *d);
	base = malloc(n * sizeof *base);
	net_save(net, base);
	landscape_random_direction(net, net->params, &rng, d);
	landscape_random_direction(net, net->params, &rng, d + n);
	struct dnn_landscape ls = {net, base, {d, d + n}, {N_ROWS, x, t, NULL}, 1};

	for (size_t k = 0; k < 25; k++) {
		c[2 * k] = -1.0 + 0.5 * (double)(k % 5);
		c[2 * k + 1] = -1.0 + 0.5 * (double)(k / 5);
	}
	for (size_t r = 0; r < 3; r++) {
		ck_assert_int_eq(pool_set_threads(r + 1, &e), 0);
		ck_assert_int_eq(landscape_eval(&ls, c, 25, loss[r], acc[r], &e), 0);
	}
	pool_shutdown();
	ck_assert(memcmp(loss[0], loss[1], sizeof loss[0]) == 0);
	ck_assert(memcmp(loss[0], loss[2], sizeof loss[0]) == 0);
	ck_assert(memcmp(acc[0], acc[2], sizeof acc[0]) == 0);
	struct dnn_metrics m;
	const struct dnn_rows rows = {N_ROWS, x, t, NULL};

	ck_assert_int_eq(net_reserve(net, 256, &e), 0);
	ck_assert_int_eq(metrics_measure(net, &rows, 1, NULL, &m, &e), 0);
	ck_assert_double_eq(loss[0][12], m.loss);
	ck_assert_double_eq(acc[0][12], m.accuracy);
	ck_assert_double_ne(loss[0][0], m.loss);
	free(d);
	free(base);
	net_free(net);
}
END_TEST

/* A linear network with mse: the loss along a line is the quadratic
 * mean_i,j ((W0 + a D) x_i + b0 + a db - t_i)_j^2 / 2 outputs, computed here
 * in double from the formula; landscape_eval matches it to 1e-6. */
START_TEST(test_line_quadratic)
{
	const size_t units[] = {2};
	const int acts[] = {DNN_ACT_LINEAR};
	struct dnn_error e = {0};
	struct dnn_rng rng;
	struct dnn_net *net = net_new(N_IN, 1, units, acts, DNN_LOSS_MSE, &e);
	float x[N_ROWS * N_IN], t[N_ROWS * 2], base[N_IN * 2 + 2], end[N_IN * 2 + 2];
	double d[N_IN * 2 + 2], c[2 * 9], loss[9];

	ck_assert_ptr_nonnull(net);
	rng_seed(&rng, 5);
	for (size_t i = 0; i < N_ROWS * N_IN; i++)
		x[i] = (float)rng_normal(&rng);
	for (size_t i = 0; i < N_ROWS * 2; i++)
		t[i] = (float)rng_normal(&rng);
	for (size_t j = 0; j < net->n_params; j++) {
		base[j] = (float)rng_normal(&rng);
		end[j] = (float)rng_normal(&rng);
		d[j] = (double)end[j] - (double)base[j];
	}
	struct dnn_landscape ls = {net, base, {d, NULL}, {N_ROWS, x, t, NULL}, 0};

	for (size_t k = 0; k < 9; k++)
		c[2 * k] = -0.5 + 0.25 * (double)k;
	ck_assert_int_eq(landscape_eval(&ls, c, 9, loss, NULL, &e), 0);
	for (size_t k = 0; k < 9; k++) {
		double a = c[2 * k], sum = 0.0;

		for (size_t i = 0; i < N_ROWS; i++)
			for (size_t o = 0; o < 2; o++) {
				double z = (double)base[N_IN * 2 + o] + a * d[N_IN * 2 + o];

				for (size_t q = 0; q < N_IN; q++)
					z += ((double)base[o * N_IN + q] + a * d[o * N_IN + q]) *
					     (double)x[i * N_IN + q];
				z -= (double)t[i * 2 + o];
				sum += z * z / 2.0;
			}
		sum /= N_ROWS;
		ck_assert_msg(fabs(loss[k] - sum) <= 1e-6 * sum, "a = %g: %.10g, formula %.10g", a,
			      loss[k], sum);
	}
	net_free(net);
}
END_TEST

/* The Hessian directions are unit eigenvectors: H d = lambda d, with
 * lambda the two largest eigenvalues of the full Hessian (Jacobi). */
START_TEST(test_hessian_directions)
{
	struct dnn_rng rng;
	struct dnn_error e = {0};
	const size_t units[] = {3, 2};
	const int acts[] = {DNN_ACT_TANH, DNN_ACT_SOFTMAX};
	struct dnn_net *net = net_new(N_IN, 2, units, acts, DNN_LOSS_CROSS_ENTROPY, &e);
	float x[N_ROWS * N_IN], t[N_ROWS * 3];
	double lambda[2];

	ck_assert_ptr_nonnull(net);
	rng_seed(&rng, 3);
	net_init(net, DNN_INIT_AUTO, &rng);
	make_rows(&rng, x, t);
	for (size_t i = 0; i < N_ROWS; i++) /* two classes: fold the third in */
		t[i * 3 + 1] += t[i * 3 + 2];
	for (size_t i = 0; i < N_ROWS; i++)
		t[i * 2] = t[i * 3], t[i * 2 + 1] = t[i * 3 + 1];
	size_t P = net->n_params;
	double *d = calloc(2 * P, sizeof *d), *w = malloc(P * sizeof *w),
	       *hv = malloc(P * sizeof *hv);
	double *H = malloc(P * P * sizeof *H), *ev = malloc(P * sizeof *ev);
	const struct dnn_rows rows = {N_ROWS, x, t, NULL};

	ck_assert_int_eq(landscape_hessian_directions(net, &rows, P, &rng, d, d + P, lambda, &e),
			 0);
	struct dnn_hvp *h = hvp_new(net, x, t, N_ROWS, &e);

	ck_assert_ptr_nonnull(h);
	for (size_t j = 0; j < P; j++)
		w[j] = (double)net->params[j];
	for (size_t c = 0; c < P; c++) {
		double *u = calloc(P, sizeof *u);

		u[c] = 1.0;
		hvp_hv(h, w, u, NULL, hv);
		for (size_t r = 0; r < P; r++)
			H[r * P + c] = hv[r];
		free(u);
	}
	for (size_t r = 0; r < P; r++)
		for (size_t c = r + 1; c < P; c++)
			H[r * P + c] = H[c * P + r] = (H[r * P + c] + H[c * P + r]) / 2;
	eig_sym(H, P, ev, NULL);
	ck_assert_double_ge(lambda[0], lambda[1]);
	for (int k = 0; k < 2; k++) {
		double nv = 0.0, res = 0.0;

		ck_assert_msg(fabs(lambda[k] - ev[P - 1 - k]) <= 1e-6 * fabs(ev[P - 1]),
			      "lambda %d: %.10g, Jacobi %.10g", k, lambda[k], ev[P - 1 - k]);
		hvp_hv(h, w, d + k * P, NULL, hv);
		for (size_t j = 0; j < P; j++) {
			nv += d[k * P + j] * d[k * P + j];
			res +=
			    (hv[j] - lambda[k] * d[k * P + j]) * (hv[j] - lambda[k] * d[k * P + j]);
		}
		ck_assert_double_eq_tol(sqrt(nv), 1.0, 1e-9);
		ck_assert_msg(sqrt(res) <= 1e-6 * fabs(lambda[0]), "|H d - lambda d| = %g",
			      sqrt(res));
	}
	hvp_free(h);
	free(d);
	free(w);
	free(hv);
	free(H);
	free(ev);
	net_free(net);
}
END_TEST

static Suite *landscape_suite(void)
{
	Suite *s = suite_create("landscape");
	TCase *tc = tcase_create("landscape");

	tcase_add_test(tc, test_filter_normalized);
	tcase_add_test(tc, test_threads_same);
	tcase_add_test(tc, test_line_quadratic);
	tcase_add_test(tc, test_hessian_directions);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(landscape_suite)
