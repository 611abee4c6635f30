/* Unit tests for optim.c: first-order steps by hand, L-BFGS against Newton and linear solves. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "loss.h"
#include "net.h"
#include "optim.h"
#include "optimutil.h"
#include "rng.h"
#include "testutil.h"

/* --- first-order steps by hand -------------------------------------------- */

START_TEST(test_sgd_plain_and_momentum)
{
	struct dnn_optim_spec c = conf_of(DNN_OPT_SGD, 0.1);
	struct dnn_optim *o;
	float w[2] = {1.0f, -1.0f}, g[2] = {2.0f, 0.5f};

	c.momentum = 0.0;
	o = xnew(&c, 2);
	optim_step(o, w, g); /* w -= 0.1 g */
	ck_assert_float_eq_tol(w[0], 0.8f, 1e-7f);
	ck_assert_float_eq_tol(w[1], -1.05f, 1e-7f);
	optim_free(o);

	c.momentum = 0.5;
	o = xnew(&c, 2);
	w[0] = 1.0f;
	optim_step(o, w, g); /* v = -0.2; w = 0.8 */
	optim_step(o, w, g); /* v = 0.5 (-0.2) - 0.2 = -0.3; w = 0.5 */
	ck_assert_float_eq_tol(w[0], 0.5f, 1e-6f);
	optim_free(o);
}
END_TEST

START_TEST(test_nesterov_by_hand)
{
	struct dnn_optim_spec c = conf_of(DNN_OPT_SGD, 0.1);
	struct dnn_optim *o;
	float w[1] = {1.0f}, g1[1] = {2.0f}, g2[1] = {-1.0f};

	c.momentum = 0.9;
	c.nesterov = 1;
	o = xnew(&c, 1);
	/* v1 = -0.2; w = 1 + 0.9 (-0.2) - 0.2 = 0.62 */
	optim_step(o, w, g1);
	ck_assert_float_eq_tol(w[0], 0.62f, 1e-6f);
	/* v2 = 0.9 (-0.2) + 0.1 = -0.08; w = 0.62 + 0.9 (-0.08) + 0.1 = 0.648 */
	optim_step(o, w, g2);
	ck_assert_float_eq_tol(w[0], 0.648f, 1e-6f);
	optim_free(o);
}
END_TEST

/* Adam as published (Kingma & Ba 2015, algorithm 1), in double. */
START_TEST(test_adam_matches_published_rule)
{
	const double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
	struct dnn_optim_spec c = conf_of(DNN_OPT_ADAM, lr);
	struct dnn_optim *o = xnew(&c, 3);
	const float grads[3][3] = {{0.5f, -1.0f, 0.0f}, {0.1f, 2.0f, 1e-3f}, {-0.3f, 0.2f, 5.0f}};
	float w[3] = {1.0f, -2.0f, 0.5f};
	double rw[3] = {1.0, -2.0, 0.5}, m[3] = {0}, v[3] = {0};

	for (int t = 1; t <= 3; t++) {
		optim_step(o, w, grads[t - 1]);
		for (int i = 0; i < 3; i++) {
			double g = (double)grads[t - 1][i], mh, vh;

			m[i] = b1 * m[i] + (1 - b1) * g;
			v[i] = b2 * v[i] + (1 - b2) * g * g;
			mh = m[i] / (1 - pow(b1, t));
			vh = v[i] / (1 - pow(b2, t));
			rw[i] -= lr * mh / (sqrt(vh) + eps);
			ck_assert_double_eq_tol((double)w[i], rw[i], 1e-6);
		}
	}
	optim_free(o);
}
END_TEST

START_TEST(test_adam_first_step_is_lr_sign)
{
	struct dnn_optim_spec c = conf_of(DNN_OPT_ADAM, 0.01);
	struct dnn_optim *o = xnew(&c, 2);
	float w[2] = {0.0f, 0.0f}, g[2] = {3.0f, -0.25f};

	optim_step(o, w, g); /* mhat = g, vhat = g^2: step = lr g / |g| */
	ck_assert_float_eq_tol(w[0], -0.01f, 1e-7f);
	ck_assert_float_eq_tol(w[1], 0.01f, 1e-7f);
	optim_free(o);
}
END_TEST

START_TEST(test_rmsprop_by_hand)
{
	struct dnn_optim_spec c = conf_of(DNN_OPT_RMSPROP, 0.01);
	struct dnn_optim *o;
	float w[1] = {1.0f}, g[1] = {2.0f};

	c.rho = 0.9;
	c.epsilon = 1e-8;
	o = xnew(&c, 1);
	optim_step(o, w, g); /* v = 0.1 * 4 = 0.4; w = 1 - 0.01 * 2 / sqrt(0.4) */
	ck_assert_double_eq_tol((double)w[0], 1.0 - 0.02 / sqrt(0.4), 1e-6);
	optim_step(o, w, g); /* v = 0.9 * 0.4 + 0.4 = 0.76 */
	ck_assert_double_eq_tol((double)w[0], 1.0 - 0.02 / sqrt(0.4) - 0.02 / sqrt(0.76), 1e-6);
	optim_free(o);
}
END_TEST

START_TEST(test_weight_decay)
{
	struct dnn_optim_spec c = conf_of(DNN_OPT_SGD, 0.1);
	struct dnn_optim *o;
	float w[2] = {2.0f, -4.0f}, g[2] = {1.0f, 0.0f};

	c.weight_decay = 0.5;
	o = xnew(&c, 2);
	optim_step(o, w, g); /* g + 0.5 w = (2, -2); w -= 0.1 of it */
	ck_assert_float_eq_tol(w[0], 1.8f, 1e-6f);
	ck_assert_float_eq_tol(w[1], -3.8f, 1e-6f);
	optim_free(o);
	/* Adam sees the decayed gradient: a zero loss gradient still moves
	 * a weight towards 0. */
	c = conf_of(DNN_OPT_ADAM, 0.01);
	c.weight_decay = 0.1;
	o = xnew(&c, 2);
	g[0] = 0.0f;
	w[0] = 2.0f;
	w[1] = -4.0f;
	optim_step(o, w, g);
	ck_assert_float_eq_tol(w[0], 1.99f, 1e-6f);
	ck_assert_float_eq_tol(w[1], -3.99f, 1e-6f);
	optim_free(o);
}
END_TEST

/* L1: the step's gradient adds l1 sign(w): with a zero loss gradient, lr 1
 * and no momentum, an sgd step is minus the penalty's gradient, which equals
 * the central difference of l1 |w| away from 0 and is exactly 0 at 0. */
START_TEST(test_l1)
{
	const double l1 = 0.25, h = 1e-3;
	struct dnn_optim_spec c = conf_of(DNN_OPT_SGD, 1.0);
	struct dnn_optim *o;
	float w[3] = {2.0f, -4.0f, 0.0f}, w0[3], g[3] = {0.0f, 0.0f, 0.0f};

	c.l1 = l1;
	o = xnew(&c, 3);
	memcpy(w0, w, sizeof w);
	optim_step(o, w, g);
	for (int i = 0; i < 2; i++) {
		double x = (double)w0[i];
		double fd = (l1 * fabs(x + h) - l1 * fabs(x - h)) / (2.0 * h);

		ck_assert_double_eq_tol((double)(w0[i] - w[i]), fd, 1e-6);
	}
	ck_assert(w[2] == 0.0f);
	optim_free(o);
	/* Every minibatch optimizer leaves a zero weight at zero and moves
	 * the others towards it. */
	for (int kind = DNN_OPT_SGD; kind <= DNN_OPT_RMSPROP; kind++) {
		c = conf_of(kind, 0.01);
		c.l1 = l1;
		o = xnew(&c, 3);
		w[0] = 2.0f;
		w[1] = -4.0f;
		w[2] = 0.0f;
		optim_step(o, w, g);
		ck_assert_float_lt(w[0], 2.0f);
		ck_assert_float_gt(w[1], -4.0f);
		ck_assert(w[2] == 0.0f);
		optim_free(o);
	}
}
END_TEST

START_TEST(test_clip_norm)
{
	struct dnn_optim_spec c = conf_of(DNN_OPT_SGD, 1.0);
	struct dnn_optim *o;
	float w[2] = {0.0f, 0.0f}, g[2] = {3.0f, 4.0f}, small[2] = {0.3f, 0.4f};

	c.clip_norm = 1.0;
	o = xnew(&c, 2);
	optim_step(o, w, g); /* |g| = 5 > 1: g becomes (0.6, 0.8) */
	ck_assert_double_eq_tol(o->grad_norm, 5.0, 1e-12);
	ck_assert_float_eq_tol(w[0], -0.6f, 1e-6f);
	ck_assert_float_eq_tol(w[1], -0.8f, 1e-6f);
	optim_step(o, w, small); /* |g| = 0.5 <= 1: unchanged */
	ck_assert_float_eq_tol(w[0], -0.9f, 1e-6f);
	ck_assert_float_eq_tol(w[1], -1.2f, 1e-6f);
	optim_free(o);
}
END_TEST

/* The memory estimate asks each optimizer for its floats per parameter; the
 * counts are those the check before training has always used, and a huge
 * history saturates rather than wraps. */
START_TEST(test_memory_floats)
{
	struct dnn_optim_spec c = conf_of(DNN_OPT_SGD, 0.1);

	ck_assert_uint_eq(optim_memory_floats(&c), 2);
	c.kind = DNN_OPT_RMSPROP;
	ck_assert_uint_eq(optim_memory_floats(&c), 2);
	c.kind = DNN_OPT_ADAM;
	ck_assert_uint_eq(optim_memory_floats(&c), 3);
	c.kind = DNN_OPT_LBFGS;
	c.history_size = 10;
	ck_assert_uint_eq(optim_memory_floats(&c), 14 + 40);
	c.history_size = SIZE_MAX / 4;
	ck_assert_uint_eq(optim_memory_floats(&c), SIZE_MAX / 2);
}
END_TEST

/* --- L-BFGS ----------------------------------------------------------------- */

/* Solve M x = r by Gaussian elimination with partial pivoting (M is
 * overwritten). */
static void solve(int n, double *m, double *r, double *x)
{
	for (int k = 0; k < n; k++) {
		int p = k;

		for (int i = k + 1; i < n; i++)
			if (fabs(m[i * n + k]) > fabs(m[p * n + k]))
				p = i;
		for (int j = 0; j < n; j++) {
			double t = m[k * n + j];

			m[k * n + j] = m[p * n + j];
			m[p * n + j] = t;
		}
		double t = r[k];

		r[k] = r[p];
		r[p] = t;
		for (int i = k + 1; i < n; i++) {
			double f = m[i * n + k] / m[k * n + k];

			for (int j = k; j < n; j++)
				m[i * n + j] -= f * m[k * n + j];
			r[i] -= f * r[k];
		}
	}
	for (int i = n - 1; i >= 0; i--) {
		double s = r[i];

		for (int j = i + 1; j < n; j++)
			s -= m[i * n + j] * x[j];
		x[i] = s / m[i * n + i];
	}
}

/* Iterate until L-BFGS reports convergence; the number of iterations. */
static int lbfgs_run(struct dnn_optim *o, float *w, dnn_objective f, void *ctx, int max_iter,
		     double *fx)
{
	int it, r = 0;

	for (it = 1; it <= max_iter; it++) {
		r = optim_lbfgs_iter(o, w, f, ctx, fx);
		ck_assert_int_ge(r, 0);
		if (r == 1)
			break;
	}
	ck_assert_msg(r == 1, "no convergence in %d iterations", max_iter);
	return it;
}

START_TEST(test_lbfgs_quadratic)
{
	struct dnn_optim_spec c = conf_of(DNN_OPT_LBFGS, 1.0);
	struct dnn_optim *o = xnew(&c, QN);
	struct quad q;
	float w[QN] = {0};
	double fx;
	int iters;

	quad_make(&q);
	iters = lbfgs_run(o, w, quad_f, &q, 500, &fx);
	for (int i = 0; i < QN; i++)
		ck_assert_double_eq_tol((double)w[i], q.c[i], 1e-5);
	ck_assert_double_eq_tol(fx, 3.0, 1e-9);
	/* Quasi-Newton: far fewer iterations than gradient descent's
	 * condition number, and few evaluations per iteration. */
	ck_assert_int_lt(iters, 200);
	ck_assert_int_lt(q.evals, 4 * iters + 10);
	optim_free(o);
}
END_TEST

/* With weight decay the optimum of f + wd/2 |w|^2 is (A + wd I)^-1 A c. */
START_TEST(test_lbfgs_quadratic_weight_decay)
{
	struct dnn_optim_spec c = conf_of(DNN_OPT_LBFGS, 1.0);
	struct dnn_optim *o;
	struct quad q;
	float w[QN] = {0};
	double m[QN * QN], r[QN], want[QN], fx;

	c.weight_decay = 0.5;
	o = xnew(&c, QN);
	quad_make(&q);
	for (int i = 0; i < QN; i++) {
		r[i] = 0.0;
		for (int j = 0; j < QN; j++) {
			m[i * QN + j] = q.a[i][j] + (i == j ? 0.5 : 0.0);
			r[i] += q.a[i][j] * q.c[j];
		}
	}
	solve(QN, m, r, want);
	lbfgs_run(o, w, quad_f, &q, 500, &fx);
	for (int i = 0; i < QN; i++)
		ck_assert_double_eq_tol((double)w[i], want[i], 1e-5);
	optim_free(o);
}
END_TEST

/* f(w) = 1/2 |w - c|^2 without the L1 term: its value and gradient. */
static double half_sq(void *ctx, const float *w, float *g)
{
	const double *cv = ctx;
	double f = 0.0;

	for (int i = 0; i < 2; i++) {
		double d = (double)w[i] - cv[i];

		g[i] = (float)d;
		f += 0.5 * d * d;
	}
	return f;
}

/* L-BFGS takes l1 |w|_1 into its objective: the minimum of 1/2 |w - c|^2 +
 * l1 |w|_1 is c soft-thresholded, c_i - l1 sign(c_i) when |c_i| > l1, and
 * the objective it reports is the penalized one. */
START_TEST(test_lbfgs_l1)
{
	struct dnn_optim_spec c = conf_of(DNN_OPT_LBFGS, 1.0);
	struct dnn_optim *o;
	double cv[2] = {2.0, -3.0}, fx;
	float w[2] = {0.5f, -0.5f};

	c.l1 = 0.5;
	o = xnew(&c, 2);
	lbfgs_run(o, w, half_sq, cv, 100, &fx);
	ck_assert_double_eq_tol((double)w[0], 1.5, 1e-5);
	ck_assert_double_eq_tol((double)w[1], -2.5, 1e-5);
	/* 1/2 (0.25 + 0.25) + 0.5 (1.5 + 2.5) */
	ck_assert_double_eq_tol(fx, 2.25, 1e-6);
	optim_free(o);
}
END_TEST

/* Rosenbrock's function, whose curved valley needs a good line search. */
static double rosen(void *ctx, const float *w, float *g)
{
	double x = (double)w[0], y = (double)w[1];

	(void)ctx;
	g[0] = (float)(-2.0 * (1.0 - x) - 400.0 * x * (y - x * x));
	g[1] = (float)(200.0 * (y - x * x));
	return (1.0 - x) * (1.0 - x) + 100.0 * (y - x * x) * (y - x * x);
}

START_TEST(test_lbfgs_rosenbrock)
{
	struct dnn_optim_spec c = conf_of(DNN_OPT_LBFGS, 1.0);
	struct dnn_optim *o = xnew(&c, 2);
	float w[2] = {-1.2f, 1.0f};
	double fx;

	lbfgs_run(o, w, rosen, NULL, 200, &fx);
	ck_assert_double_eq_tol((double)w[0], 1.0, 1e-3);
	ck_assert_double_eq_tol((double)w[1], 1.0, 2e-3);
	ck_assert_double_lt(fx, 1e-6);
	optim_free(o);
}
END_TEST

/* Each accepted step s = w' - w satisfies the strong Wolfe conditions
 *   F(w') <= F(w) + c1 g.s   and   |g'.s| <= c2 |g.s|
 * (c1 = 1e-4, c2 = 0.9), checked from outside the optimizer on
 * Rosenbrock's function while the decrease is well above rounding. */
START_TEST(test_lbfgs_steps_satisfy_strong_wolfe)
{
	struct dnn_optim_spec c = conf_of(DNN_OPT_LBFGS, 1.0);
	struct dnn_optim *o = xnew(&c, 2);
	float w[2] = {-1.2f, 1.0f}, g[2], g2[2];
	double f = rosen(NULL, w, g), fx;
	int checked = 0;

	for (int it = 0; it < 100; it++) {
		float old[2] = {w[0], w[1]};
		double gs, g2s, f2;
		int r = optim_lbfgs_iter(o, w, rosen, NULL, &fx);

		f2 = rosen(NULL, w, g2);
		if (r != 0 || f - f2 < 1e-8)
			break;
		gs =
		    (double)g[0] * ((double)w[0] - old[0]) + (double)g[1] * ((double)w[1] - old[1]);
		g2s = (double)g2[0] * ((double)w[0] - old[0]) +
		      (double)g2[1] * ((double)w[1] - old[1]);
		ck_assert_msg(gs < 0, "iteration %d: not a descent step", it);
		ck_assert_msg(f2 <= f + 1e-4 * gs, "iteration %d: no sufficient decrease", it);
		ck_assert_msg(fabs(g2s) <= 0.9 * fabs(gs) * (1 + 1e-6),
			      "iteration %d: curvature condition fails: %g > 0.9 * %g", it,
			      fabs(g2s), fabs(gs));
		f = f2;
		g[0] = g2[0];
		g[1] = g2[1];
		checked++;
	}
	ck_assert_int_gt(checked, 15);
	optim_free(o);
}
END_TEST

/* Logistic regression through the network (one sigmoid unit, binary
 * cross-entropy) on overlapping classes, against Newton's method. */
#define LR_N 60

struct logreg {
	struct dnn_net *net;
	float x[LR_N * 2], t[LR_N];
};

static double logreg_f(void *ctx, const float *w, float *grad)
{
	struct logreg *lr = ctx;

	memcpy(lr->net->params, w, 3 * sizeof *w);
	double f = net_loss_grad(lr->net, lr->x, lr->t, LR_N, NULL);

	memcpy(grad, lr->net->grads, 3 * sizeof *grad);
	return f;
}

START_TEST(test_lbfgs_logistic_regression)
{
	size_t units[1] = {1};
	int acts[1] = {DNN_ACT_SIGMOID};
	struct dnn_error e;
	struct logreg lr;
	struct dnn_rng r;
	struct dnn_optim_spec c = conf_of(DNN_OPT_LBFGS, 1.0);
	struct dnn_optim *o = xnew(&c, 3);
	double beta[3] = {0, 0, 0}, fx;
	float w[3] = {0, 0, 0};

	lr.net = net_new(2, 1, units, acts, DNN_LOSS_BINARY_CROSS_ENTROPY, &e);
	ck_assert_ptr_nonnull(lr.net);
	ck_assert_uint_eq(lr.net->n_params, 3); /* w1, w2, bias */
	ck_assert_int_eq(net_reserve(lr.net, LR_N, &e), 0);
	rng_seed(&r, 7);
	for (int i = 0; i < LR_N; i++) {
		double x1 = rng_normal(&r), x2 = rng_normal(&r);
		double p = 1.0 / (1.0 + exp(-(1.5 * x1 - 0.8 * x2 + 0.3)));

		lr.x[2 * i] = (float)x1;
		lr.x[2 * i + 1] = (float)x2;
		lr.t[i] = rng_uniform(&r) < p ? 1.0f : 0.0f;
	}
	/* Newton's method on the mean cross-entropy, in double. */
	for (int it = 0; it < 50; it++) {
		double g[3] = {0}, h[9] = {0}, step[3];

		for (int i = 0; i < LR_N; i++) {
			double z[3] = {(double)lr.x[2 * i], (double)lr.x[2 * i + 1], 1.0};
			double p = 1.0 / (1.0 + exp(-(beta[0] * z[0] + beta[1] * z[1] + beta[2])));

			for (int a = 0; a < 3; a++) {
				g[a] += (p - (double)lr.t[i]) * z[a] / LR_N;
				for (int b = 0; b < 3; b++)
					h[a * 3 + b] += p * (1 - p) * z[a] * z[b] / LR_N;
			}
		}
		solve(3, h, g, step);
		for (int a = 0; a < 3; a++)
			beta[a] -= step[a];
	}
	lbfgs_run(o, w, logreg_f, &lr, 200, &fx);
	for (int a = 0; a < 3; a++)
		ck_assert_double_eq_tol((double)w[a], beta[a], 1e-5);
	optim_free(o);
	net_free(lr.net);
}
END_TEST

static double nan_f(void *ctx, const float *w, float *g)
{
	(void)ctx;
	(void)w;
	g[0] = 0.0f;
	return (double)NAN;
}

START_TEST(test_lbfgs_nan_is_an_error)
{
	struct dnn_optim_spec c = conf_of(DNN_OPT_LBFGS, 1.0);
	struct dnn_optim *o = xnew(&c, 1);
	float w[1] = {1.0f};
	double fx;

	ck_assert_int_eq(optim_lbfgs_iter(o, w, nan_f, NULL, &fx), -1);
	ck_assert_int_eq(optim_full_batch(o), 1);
	optim_free(o);
}
END_TEST

static Suite *optim_suite(void)
{
	Suite *s = suite_create("optim");
	TCase *tc = tcase_create("steps");
	TCase *lb = tcase_create("lbfgs");

	tcase_add_test(tc, test_sgd_plain_and_momentum);
	tcase_add_test(tc, test_nesterov_by_hand);
	tcase_add_test(tc, test_adam_matches_published_rule);
	tcase_add_test(tc, test_adam_first_step_is_lr_sign);
	tcase_add_test(tc, test_rmsprop_by_hand);
	tcase_add_test(tc, test_weight_decay);
	tcase_add_test(tc, test_l1);
	tcase_add_test(tc, test_clip_norm);
	tcase_add_test(tc, test_memory_floats);
	suite_add_tcase(s, tc);
	tcase_add_test(lb, test_lbfgs_quadratic);
	tcase_add_test(lb, test_lbfgs_quadratic_weight_decay);
	tcase_add_test(lb, test_lbfgs_l1);
	tcase_add_test(lb, test_lbfgs_rosenbrock);
	tcase_add_test(lb, test_lbfgs_steps_satisfy_strong_wolfe);
	tcase_add_test(lb, test_lbfgs_logistic_regression);
	tcase_add_test(lb, test_lbfgs_nan_is_an_error);
	suite_add_tcase(s, lb);
	return s;
}

DNN_CHECK_MAIN(optim_suite)
