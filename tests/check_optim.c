/* Optimizers, schedules and their spec keys, against answers computed by
 * hand or by an independent method (Newton's method, a linear solve). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "bytes.h"
#include "loss.h"
#include "net.h"
#include "optim.h"
#include "rng.h"
#include "schedule.h"
#include "spec.h"
#include "testutil.h"

static struct dnn_optim_spec conf_of(int kind, double lr)
{
	struct dnn_optim_spec c = {
	    .kind = kind,
	    .learning_rate = lr,
	    .beta1 = DNN_DEFAULT_BETA1,
	    .beta2 = DNN_DEFAULT_BETA2,
	    .rho = DNN_DEFAULT_RHO,
	    .epsilon = DNN_DEFAULT_EPSILON,
	    .history_size = DNN_DEFAULT_HISTORY_SIZE,
	};
	return c;
}

static struct dnn_optim *xnew(const struct dnn_optim_spec *c, size_t n)
{
	struct dnn_error e;
	struct dnn_optim *o = optim_new(c, n, &e);

	ck_assert_ptr_nonnull(o);
	return o;
}

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

#define QN 6

/* f(w) = 1/2 (w - c)' A (w - c) + 3, A symmetric positive definite with
 * eigenvalues from 0.01 to 100: a condition number of 10^4. */
struct quad {
	double a[QN][QN], c[QN];
	int evals;
};

static void quad_make(struct quad *q)
{
	/* A = B' D B, B upper-triangular with unit diagonal. */
	double b[QN][QN] = {{0}}, d[QN] = {100, 10, 1, 0.1, 0.01, 3};

	for (int i = 0; i < QN; i++) {
		b[i][i] = 1.0;
		for (int j = i + 1; j < QN; j++)
			b[i][j] = 0.1 * (double)(i + j) - 0.3;
		q->c[i] = 0.5 * (double)i - 1.0;
	}
	for (int i = 0; i < QN; i++)
		for (int j = 0; j < QN; j++) {
			q->a[i][j] = 0.0;
			for (int k = 0; k < QN; k++)
				q->a[i][j] += b[k][i] * d[k] * b[k][j];
		}
	q->evals = 0;
}

static double quad_f(void *ctx, const float *w, float *grad)
{
	struct quad *q = ctx;
	double f = 3.0;

	q->evals++;
	for (int i = 0; i < QN; i++) {
		double gi = 0.0;

		for (int j = 0; j < QN; j++)
			gi += q->a[i][j] * ((double)w[j] - q->c[j]);
		grad[i] = (float)gi;
		f += 0.5 * ((double)w[i] - q->c[i]) * gi;
	}
	return f;
}

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

/* --- schedules ------------------------------------------------------------ */

static struct dnn_sched_spec sched_of(int kind)
{
	struct dnn_sched_spec s = {
	    .kind = kind, .gamma = 0.1, .factor = 0.1, .patience = 10, .threshold = 1e-4};
	return s;
}

START_TEST(test_sched_constant_and_warmup)
{
	struct dnn_sched_spec c = sched_of(DNN_SCHED_CONSTANT);
	struct dnn_sched s;

	sched_init(&s, &c, 0.5, 100);
	ck_assert_double_eq(sched_lr(&s, 1), 0.5);
	ck_assert_double_eq(sched_lr(&s, 100), 0.5);
	c.warmup = 4;
	sched_init(&s, &c, 0.4, 100);
	ck_assert_double_eq_tol(sched_lr(&s, 1), 0.1, 1e-15);
	ck_assert_double_eq_tol(sched_lr(&s, 3), 0.3, 1e-15);
	ck_assert_double_eq_tol(sched_lr(&s, 4), 0.4, 1e-15);
	ck_assert_double_eq(sched_lr(&s, 5), 0.4);
}
END_TEST

START_TEST(test_sched_step)
{
	struct dnn_sched_spec c = sched_of(DNN_SCHED_STEP);
	struct dnn_sched s;

	c.step_size = 30;
	c.gamma = 0.1;
	sched_init(&s, &c, 1.0, 100);
	ck_assert_double_eq(sched_lr(&s, 1), 1.0);
	ck_assert_double_eq(sched_lr(&s, 30), 1.0);
	ck_assert_double_eq_tol(sched_lr(&s, 31), 0.1, 1e-15);
	ck_assert_double_eq_tol(sched_lr(&s, 60), 0.1, 1e-15);
	ck_assert_double_eq_tol(sched_lr(&s, 61), 0.01, 1e-15);
}
END_TEST

START_TEST(test_sched_exponential)
{
	struct dnn_sched_spec c = sched_of(DNN_SCHED_EXPONENTIAL);
	struct dnn_sched s;

	c.gamma = 0.5;
	sched_init(&s, &c, 0.8, 10);
	ck_assert_double_eq(sched_lr(&s, 1), 0.8);
	ck_assert_double_eq_tol(sched_lr(&s, 2), 0.4, 1e-15);
	ck_assert_double_eq_tol(sched_lr(&s, 4), 0.1, 1e-15);
}
END_TEST

START_TEST(test_sched_cosine)
{
	struct dnn_sched_spec c = sched_of(DNN_SCHED_COSINE);
	struct dnn_sched s;

	/* 10 epochs after 2 of warm-up: k = epoch - 3 runs 0..9 of T = 10. */
	c.warmup = 2;
	c.min_lr = 0.1;
	sched_init(&s, &c, 1.1, 12);
	ck_assert_double_eq_tol(sched_lr(&s, 1), 0.55, 1e-15);
	ck_assert_double_eq_tol(sched_lr(&s, 2), 1.1, 1e-15);
	ck_assert_double_eq_tol(sched_lr(&s, 3), 1.1, 1e-15);
	ck_assert_double_eq_tol(sched_lr(&s, 8), 0.6, 1e-12); /* half way */
	ck_assert_double_eq_tol(sched_lr(&s, 13), 0.1, 1e-12);
	ck_assert_double_eq_tol(sched_lr(&s, 50), 0.1, 1e-12); /* stays at min */
	/* t_max sets the period. */
	c.warmup = 0;
	c.t_max = 4;
	c.min_lr = 0.0;
	sched_init(&s, &c, 1.0, 100);
	ck_assert_double_eq_tol(sched_lr(&s, 3), 0.5, 1e-12);
	ck_assert_double_eq_tol(sched_lr(&s, 5), 0.0, 1e-12);
}
END_TEST

START_TEST(test_sched_plateau)
{
	struct dnn_sched_spec c = sched_of(DNN_SCHED_PLATEAU);
	struct dnn_sched s;
	const double losses[] = {1.0, 0.9, 0.9, 0.95, 0.9, 0.89999, 0.5, 0.6, 0.6, 0.6};
	const double want[] = {1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5};

	c.patience = 2;
	c.factor = 0.5;
	c.min_lr = 0.2;
	sched_init(&s, &c, 1.0, 100);
	/* Epoch 2 improves; 3, 4 and 5 do not: more than 2 bad epochs halve
	 * the rate for epoch 6. Epoch 6 improves by less than the threshold,
	 * 7 improves; 8, 9, 10 do not. */
	for (unsigned long ep = 1; ep <= 10; ep++) {
		ck_assert_msg(fabs(sched_lr(&s, ep) - want[ep - 1]) < 1e-15, "epoch %lu: lr %g", ep,
			      sched_lr(&s, ep));
		sched_observe(&s, ep, losses[ep - 1]);
	}
	ck_assert_double_eq(sched_lr(&s, 11), 0.25);
	/* min_lr bounds it: 0.25 -> 0.2, not 0.125. */
	for (unsigned long ep = 11; ep <= 20; ep++)
		sched_observe(&s, ep, 0.7);
	ck_assert_double_eq(sched_lr(&s, 21), 0.2);
}
END_TEST

/* --- spec keys ------------------------------------------------------------ */

static void parse_ok(struct dnn_spec *s, const char *json)
{
	struct dnn_error e;

	dnn_error_clear(&e);
	ck_assert_msg(spec_parse(s, json, strlen(json), "s.json", &e) == 0, "%s: %s", json, e.msg);
}

START_TEST(test_spec_optimizers)
{
	struct dnn_spec s;
	char *json;

	parse_ok(&s, "{\"layers\":[{}],\"optimizer\":\"adam\"}");
	ck_assert_int_eq(s.optim.kind, DNN_OPT_ADAM);
	ck_assert_double_eq(s.optim.learning_rate, 0.001);
	ck_assert_double_eq(s.optim.beta1, 0.9);
	ck_assert_double_eq(s.optim.beta2, 0.999);
	ck_assert_double_eq(s.optim.epsilon, 1e-8);
	spec_free(&s);
	parse_ok(&s, "{\"layers\":[{}],\"optimizer\":{\"name\":\"adam\",\"beta1\":0.8,"
		     "\"beta2\":0.99,\"epsilon\":1e-6,\"weight_decay\":0.01,\"l1\":0.002,"
		     "\"clip_norm\":5}}");
	ck_assert_double_eq(s.optim.beta1, 0.8);
	ck_assert_double_eq(s.optim.beta2, 0.99);
	ck_assert_double_eq(s.optim.epsilon, 1e-6);
	ck_assert_double_eq(s.optim.weight_decay, 0.01);
	ck_assert_double_eq(s.optim.clip_norm, 5.0);
	json = spec_to_json(&s);
	ck_assert_ptr_nonnull(strstr(json, "\"optimizer\":{\"name\":\"adam\",\"learning_rate\":"
					   "0.001,\"beta1\":0.8,\"beta2\":0.99,\"epsilon\":1e-06,"
					   "\"weight_decay\":0.01,\"l1\":0.002,\"clip_norm\":5}"));
	spec_free(&s);
	parse_ok(&s, json);
	ck_assert_double_eq(s.optim.beta1, 0.8);
	ck_assert_double_eq(s.optim.l1, 0.002);
	ck_assert_double_eq(s.optim.clip_norm, 5.0);
	free(json);
	spec_free(&s);
	parse_ok(&s, "{\"layers\":[{}],\"optimizer\":{\"name\":\"lbfgs\",\"history_size\":5}}");
	ck_assert_int_eq(s.optim.kind, DNN_OPT_LBFGS);
	ck_assert_double_eq(s.optim.learning_rate, 1.0);
	ck_assert_uint_eq(s.optim.history_size, 5);
	spec_free(&s);
	parse_ok(&s, "{\"layers\":[{}],\"optimizer\":{\"name\":\"sgd\",\"nesterov\":true}}");
	ck_assert_int_eq(s.optim.nesterov, 1);
	json = spec_to_json(&s);
	ck_assert_ptr_nonnull(strstr(json, "\"momentum\":0.9,\"nesterov\":true}"));
	free(json);
	spec_free(&s);
	parse_ok(&s, "{\"layers\":[{}],\"optimizer\":{\"name\":\"rmsprop\",\"rho\":0.95}}");
	ck_assert_int_eq(s.optim.kind, DNN_OPT_RMSPROP);
	ck_assert_double_eq(s.optim.rho, 0.95);
	spec_free(&s);
}
END_TEST

START_TEST(test_spec_set_optimizer)
{
	struct dnn_spec s;
	struct dnn_error e;

	parse_ok(&s, "{\"layers\":[{}]}");
	ck_assert_int_eq(spec_set_optimizer(&s, "adam", &e), 0);
	ck_assert_double_eq(s.optim.learning_rate, 0.001); /* adam's default */
	ck_assert_int_eq(spec_set_optimizer(&s, "lbfgs", &e), 0);
	ck_assert_double_eq(s.optim.learning_rate, 1.0);
	ck_assert_int_eq(spec_set_optimizer(&s, "adamm", &e), -1);
	ck_assert_int_eq(e.code, DNN_EX_USAGE);
	ck_assert_str_eq(e.msg, "option '--optimizer': unknown optimizer 'adamm'; did you mean "
				"'adam'?");
	spec_free(&s);
	/* A learning rate the spec gives stays. */
	parse_ok(&s, "{\"layers\":[{}],\"optimizer\":{\"learning_rate\":0.05}}");
	ck_assert_int_eq(spec_set_optimizer(&s, "adam", &e), 0);
	ck_assert_double_eq(s.optim.learning_rate, 0.05);
	spec_free(&s);
}
END_TEST

START_TEST(test_spec_schedule)
{
	struct dnn_spec s;
	char *json;

	parse_ok(&s, "{\"layers\":[{}]}");
	ck_assert_int_eq(s.schedule.kind, DNN_SCHED_CONSTANT);
	ck_assert_uint_eq(s.patience, 0);
	json = spec_to_json(&s);
	ck_assert_ptr_null(strstr(json, "schedule"));
	ck_assert_ptr_null(strstr(json, "patience"));
	free(json);
	spec_free(&s);
	parse_ok(&s, "{\"layers\":[{}],\"schedule\":{\"name\":\"step\",\"step_size\":30,"
		     "\"gamma\":0.5},\"patience\":7}");
	ck_assert_int_eq(s.schedule.kind, DNN_SCHED_STEP);
	ck_assert_uint_eq(s.schedule.step_size, 30);
	ck_assert_double_eq(s.schedule.gamma, 0.5);
	ck_assert_uint_eq(s.patience, 7);
	json = spec_to_json(&s);
	ck_assert_ptr_nonnull(strstr(json, "\"schedule\":{\"name\":\"step\",\"warmup\":0,"
					   "\"step_size\":30,\"gamma\":0.5},\"patience\":7"));
	spec_free(&s);
	parse_ok(&s, json);
	ck_assert_uint_eq(s.schedule.step_size, 30);
	ck_assert_uint_eq(s.patience, 7);
	free(json);
	spec_free(&s);
	parse_ok(&s, "{\"layers\":[{}],\"schedule\":\"cosine\"}");
	ck_assert_int_eq(s.schedule.kind, DNN_SCHED_COSINE);
	spec_free(&s);
	parse_ok(&s, "{\"layers\":[{}],\"schedule\":{\"name\":\"plateau\",\"factor\":0.5,"
		     "\"patience\":3,\"threshold\":0,\"min_lr\":1e-5,\"warmup\":2}}");
	ck_assert_int_eq(s.schedule.kind, DNN_SCHED_PLATEAU);
	ck_assert_double_eq(s.schedule.factor, 0.5);
	ck_assert_uint_eq(s.schedule.patience, 3);
	ck_assert_uint_eq(s.schedule.warmup, 2);
	spec_free(&s);
}
END_TEST

static const struct {
	const char *json, *msg;
} bad[] = {
    {"{\"layers\":[{}],\"optimizer\":\"adma\"}",
     "optimizer: unknown optimizer 'adma'; did you mean 'adam'?"},
    {"{\"layers\":[{}],\"optimizer\":{\"name\":\"adam\",\"momentum\":0.9}}",
     "optimizer.momentum: not used by adam"},
    {"{\"layers\":[{}],\"optimizer\":{\"beta1\":0.9}}", "optimizer.beta1: not used by sgd"},
    {"{\"layers\":[{}],\"optimizer\":{\"name\":\"lbfgs\",\"clip_norm\":1}}",
     "optimizer.clip_norm: not used by lbfgs"},
    {"{\"layers\":[{}],\"optimizer\":{\"name\":\"adam\",\"beta1\":1}}",
     "optimizer.beta1: must be from 0 to below 1, got 1"},
    {"{\"layers\":[{}],\"optimizer\":{\"name\":\"adam\",\"beta2\":-0.1}}",
     "optimizer.beta2: must be from 0 to below 1, got -0.1"},
    {"{\"layers\":[{}],\"optimizer\":{\"name\":\"adam\",\"epsilon\":0}}",
     "optimizer.epsilon: must be above 0, got 0"},
    {"{\"layers\":[{}],\"optimizer\":{\"name\":\"adam\",\"betta1\":0.9}}",
     "optimizer.betta1: unknown key; did you mean 'beta1'?"},
    {"{\"layers\":[{}],\"optimizer\":{\"nesterov\":1}}",
     "optimizer.nesterov: expected true or false, got a number"},
    {"{\"layers\":[{}],\"optimizer\":{\"weight_decay\":-1}}",
     "optimizer.weight_decay: must be at least 0, got -1"},
    {"{\"layers\":[{}],\"optimizer\":{\"l1\":-0.5}}",
     "optimizer.l1: must be at least 0, got -0.5"},
    {"{\"layers\":[{}],\"optimizer\":{\"clip_norm\":0}}",
     "optimizer.clip_norm: must be above 0, got 0"},
    {"{\"layers\":[{}],\"optimizer\":{\"name\":\"lbfgs\",\"history_size\":0}}",
     "optimizer.history_size: expected a whole number from 1 to 1000, got 0"},
    {"{\"layers\":[{}],\"optimizer\":{\"name\":\"rmsprop\",\"rho\":\"x\"}}",
     "optimizer.rho: expected a number, got a string"},
    {"{\"layers\":[{}],\"schedule\":\"stepp\"}",
     "schedule: unknown schedule 'stepp'; did you mean 'step'?"},
    {"{\"layers\":[{}],\"schedule\":\"step\"}", "schedule.step_size: missing: the step "
						"schedule needs it"},
    {"{\"layers\":[{}],\"schedule\":{\"name\":\"exponential\"}}",
     "schedule.gamma: missing: the exponential schedule needs it"},
    {"{\"layers\":[{}],\"schedule\":{\"step_size\":3}}",
     "schedule.name: missing: name the schedule (one of: constant, step, exponential, "
     "cosine, plateau)"},
    {"{\"layers\":[{}],\"schedule\":{\"name\":\"cosine\",\"gamma\":0.5}}",
     "schedule.gamma: not used by the cosine schedule"},
    {"{\"layers\":[{}],\"schedule\":{\"name\":\"step\",\"step_size\":0}}",
     "schedule.step_size: expected a whole number from 1 to 1000000000, got 0"},
    {"{\"layers\":[{}],\"schedule\":{\"name\":\"exponential\",\"gamma\":1}}",
     "schedule.gamma: must be above 0 to below 1, got 1"},
    {"{\"layers\":[{}],\"schedule\":{\"name\":\"plateau\",\"factor\":0}}",
     "schedule.factor: must be above 0 to below 1, got 0"},
    {"{\"layers\":[{}],\"schedule\":{\"name\":\"plateau\",\"patienc\":3}}",
     "schedule.patienc: unknown key; did you mean 'patience'?"},
    {"{\"layers\":[{}],\"schedule\":4}", "schedule: expected a name or an object, got a number"},
    {"{\"layers\":[{}],\"patience\":-1}",
     "patience: expected a whole number from 0 to 1000000000, got -1"},
    {"{\"layers\":[{}],\"patience\":1.5}", "patience: expected a whole number, got 1.5"},
};

START_TEST(test_spec_bad)
{
	struct dnn_spec s;
	struct dnn_error e;
	const char *json = bad[_i].json;

	dnn_error_clear(&e);
	ck_assert_msg(spec_parse(&s, json, strlen(json), "s.json", &e) == -1, "accepted: %s", json);
	ck_assert_int_eq(e.code, DNN_EX_DATA);
	ck_assert_str_eq(e.file, "s.json");
	ck_assert_str_eq(e.msg, bad[_i].msg);
}
END_TEST

/* --- resume state ---------------------------------------------------------- */

static const int state_kinds[] = {DNN_OPT_SGD, DNN_OPT_ADAM, DNN_OPT_RMSPROP, DNN_OPT_LBFGS};

/* An optimizer of kind that has taken three steps on the quadratic from w. */
static struct dnn_optim *stepped(int kind, float *w, struct quad *q)
{
	struct dnn_optim_spec c = conf_of(kind, kind == DNN_OPT_LBFGS ? 1.0 : 0.01);
	struct dnn_optim *o;
	float g[QN];
	double fx;

	c.momentum = 0.9;
	c.nesterov = 1;
	o = xnew(&c, QN);
	for (int k = 0; k < 3; k++) {
		if (kind == DNN_OPT_LBFGS) {
			ck_assert_int_eq(optim_lbfgs_iter(o, w, quad_f, q, &fx), 0);
		} else {
			quad_f(q, w, g);
			optim_step(o, w, g);
		}
	}
	return o;
}

/* The optimizer's state, head then rest, as train_state_encode puts them
 * (without what lies between). */
static unsigned char *state_of(const struct dnn_optim *o, size_t *len)
{
	struct dnn_wbuf b = {0};

	optim_state_encode_head(o, &b);
	optim_state_encode(o, &b);
	ck_assert(!b.oom);
	*len = b.n;
	return b.p;
}

static int state_read(struct dnn_optim *o, const unsigned char *p, size_t len, struct dnn_error *e)
{
	struct dnn_rbuf d = {p, len, 0, 0};

	dnn_error_clear(e);
	if (optim_state_decode_head(o, &d, e) || optim_state_decode(o, &d, e))
		return -1;
	ck_assert_uint_eq(d.pos, len);
	return 0;
}

/* A new L-BFGS holds no old heap bytes: its training state, unused history
 * slots included, is zero but for its history size, however dirty the
 * memory malloc hands out (the checkpoint of "dnn train --optimizer lbfgs"
 * carried bytes of the CSV file read before). */
START_TEST(test_lbfgs_state_zeroed)
{
	struct dnn_optim_spec c = conf_of(DNN_OPT_LBFGS, 1.0);
	const size_t n = 100, sizes[] = {n * sizeof(double), 10 * n * sizeof(double)};
	void *dirty[8];
	struct dnn_wbuf b = {0};
	unsigned char *p;
	struct dnn_optim *o;
	size_t len, nonzero = 0;

	for (size_t k = 0; k < 8; k++) {
		dirty[k] = malloc(sizes[k % 2]);
		ck_assert_ptr_nonnull(dirty[k]);
		memset(dirty[k], 0xa5, sizes[k % 2]);
	}
	for (size_t k = 0; k < 8; k++)
		free(dirty[k]);
	o = xnew(&c, n);
	optim_state_encode(o, &b);
	ck_assert(!b.oom);
	p = b.p;
	len = b.n;
	ck_assert_uint_eq(len, 4 * 4 + 8 * (1 + 2 * n + 2 * 10 * n + 10));
	for (size_t i = 0; i < len; i++)
		nonzero += p[i] != 0 && !(i == 4 && p[i] == DNN_DEFAULT_HISTORY_SIZE);
	ck_assert_uint_eq(nonzero, 0);
	free(p);
	optim_free(o);
}
END_TEST

/* Encode, decode into a fresh optimizer, encode again: the same bytes; and
 * the next step of both is the same, bit for bit. */
START_TEST(test_state_round_trip)
{
	int kind = state_kinds[_i];
	struct dnn_optim_spec c;
	struct dnn_optim *a, *b;
	struct dnn_error e;
	struct quad q;
	float wa[QN] = {0}, wb[QN], g[QN];
	unsigned char *p, *p2;
	size_t len, len2;
	double fa, fb;

	quad_make(&q);
	a = stepped(kind, wa, &q);
	c = a->conf;
	b = xnew(&c, QN);
	p = state_of(a, &len);
	ck_assert_int_eq(state_read(b, p, len, &e), 0);
	ck_assert_uint_eq(b->t, a->t);
	p2 = state_of(b, &len2);
	ck_assert_uint_eq(len2, len);
	ck_assert_int_eq(memcmp(p, p2, len), 0);
	free(p2);
	memcpy(wb, wa, sizeof wa);
	if (kind == DNN_OPT_LBFGS) {
		ck_assert_int_eq(optim_lbfgs_iter(a, wa, quad_f, &q, &fa), 0);
		ck_assert_int_eq(optim_lbfgs_iter(b, wb, quad_f, &q, &fb), 0);
		ck_assert_int_eq(memcmp(&fa, &fb, sizeof fa), 0);
	} else {
		quad_f(&q, wa, g);
		optim_step(a, wa, g);
		optim_step(b, wb, g);
	}
	ck_assert_int_eq(memcmp(wa, wb, sizeof wa), 0);
	free(p);
	p = state_of(a, &len);
	p2 = state_of(b, &len2);
	ck_assert_int_eq(memcmp(p, p2, len), 0);
	free(p);
	free(p2);
	optim_free(a);
	optim_free(b);
}
END_TEST

/* Every cut of the state is refused with an error (65), never read past its
 * end. */
START_TEST(test_state_truncated)
{
	int kind = state_kinds[_i];
	struct dnn_optim_spec c;
	struct dnn_optim *a, *b;
	struct dnn_error e;
	struct quad q;
	float w[QN] = {0};
	unsigned char *p, *cut;
	size_t len;

	quad_make(&q);
	a = stepped(kind, w, &q);
	c = a->conf;
	b = xnew(&c, QN);
	p = state_of(a, &len);
	for (size_t k = 0; k < len; k++) {
		/* A copy of exactly k bytes, so that a read past them is seen
		 * by AddressSanitizer. */
		cut = malloc(k ? k : 1);
		ck_assert_ptr_nonnull(cut);
		memcpy(cut, p, k);
		ck_assert_int_eq(state_read(b, cut, k, &e), -1);
		ck_assert_int_eq(e.code, DNN_EX_DATA);
		/* lbfgs reads its history_size (bytes 24 to 27) as 0 when
		 * cut before its end. */
		if (kind != DNN_OPT_LBFGS || k < 20 || k >= 28)
			ck_assert_str_eq(e.msg, "truncated");
		else
			ck_assert_str_eq(e.msg, "a history_size other than the spec's 10");
		free(cut);
	}
	free(p);
	optim_free(a);
	optim_free(b);
}
END_TEST

/* Another optimizer, another parameter count, another history_size, a ring
 * position outside the history: refused with what is wrong. */
START_TEST(test_state_mismatch)
{
	struct dnn_optim_spec c = conf_of(DNN_OPT_LBFGS, 1.0);
	struct dnn_optim *a, *b;
	struct dnn_error e;
	struct quad q;
	float w[QN] = {0};
	unsigned char *p;
	size_t len;

	quad_make(&q);
	a = stepped(DNN_OPT_LBFGS, w, &q);
	p = state_of(a, &len);
	c.kind = DNN_OPT_ADAM;
	b = xnew(&c, QN);
	ck_assert_int_eq(state_read(b, p, len, &e), -1);
	ck_assert_str_eq(e.msg, "the checkpoint was trained with lbfgs, not adam; a resumed run "
				"keeps its optimizer");
	optim_free(b);
	c.kind = DNN_OPT_LBFGS;
	b = xnew(&c, QN + 1);
	ck_assert_int_eq(state_read(b, p, len, &e), -1);
	ck_assert_str_eq(e.msg, "6 parameters for a network of 7");
	optim_free(b);
	c.history_size = 4;
	b = xnew(&c, QN);
	ck_assert_int_eq(state_read(b, p, len, &e), -1);
	ck_assert_str_eq(e.msg, "a history_size other than the spec's 4");
	optim_free(b);
	c.history_size = DNN_DEFAULT_HISTORY_SIZE;
	b = xnew(&c, QN);
	bytes_put_le32(p + 28, DNN_DEFAULT_HISTORY_SIZE); /* head == m */
	ck_assert_int_eq(state_read(b, p, len, &e), -1);
	ck_assert_str_eq(e.msg, "inconsistent lbfgs memory");
	bytes_put_le32(p + 28, 0);
	bytes_put_le32(p + 32, DNN_DEFAULT_HISTORY_SIZE + 1); /* count > m */
	ck_assert_int_eq(state_read(b, p, len, &e), -1);
	ck_assert_str_eq(e.msg, "inconsistent lbfgs memory");
	free(p);
	optim_free(a);
	optim_free(b);
}
END_TEST

/* The plateau schedule's memory round-trips: the same bytes again and the
 * same rates after. */
START_TEST(test_sched_state_round_trip)
{
	struct dnn_sched_spec sc = {.kind = DNN_SCHED_PLATEAU, .factor = 0.5, .patience = 1};
	struct dnn_sched a, b;
	struct dnn_wbuf w = {0}, w2 = {0};
	struct dnn_rbuf d;

	sched_init(&a, &sc, 0.1, 10);
	sched_observe(&a, 1, 1.0);
	sched_observe(&a, 2, 2.0);
	sched_observe(&a, 3, 2.0); /* halves the rate */
	sched_observe(&a, 4, 2.0);
	sched_state_encode(&a, &w);
	ck_assert_uint_eq(w.n, 24);
	sched_init(&b, &sc, 0.1, 10);
	d = (struct dnn_rbuf){w.p, w.n, 0, 0};
	sched_state_decode(&b, &d);
	ck_assert(!d.overrun);
	sched_state_encode(&b, &w2);
	ck_assert_int_eq(memcmp(w.p, w2.p, w.n), 0);
	ck_assert_double_eq(sched_lr(&b, 5), 0.05);
	sched_observe(&a, 5, 2.0);
	sched_observe(&b, 5, 2.0);
	ck_assert_double_eq(sched_lr(&b, 6), sched_lr(&a, 6));
	ck_assert_double_eq(sched_lr(&b, 6), 0.025);
	/* Cut short: the reader sees it, nothing is read past the end. */
	d = (struct dnn_rbuf){w.p, w.n - 1, 0, 0};
	sched_state_decode(&b, &d);
	ck_assert(d.overrun);
	free(w.p);
	free(w2.p);
}
END_TEST

static Suite *optim_suite(void)
{
	Suite *s = suite_create("optim");
	TCase *tc = tcase_create("steps");
	TCase *lb = tcase_create("lbfgs");
	TCase *sc = tcase_create("schedules");
	TCase *sp = tcase_create("spec");
	TCase *st = tcase_create("state");

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
	tcase_add_test(sc, test_sched_constant_and_warmup);
	tcase_add_test(sc, test_sched_step);
	tcase_add_test(sc, test_sched_exponential);
	tcase_add_test(sc, test_sched_cosine);
	tcase_add_test(sc, test_sched_plateau);
	suite_add_tcase(s, sc);
	tcase_add_test(sp, test_spec_optimizers);
	tcase_add_test(sp, test_spec_set_optimizer);
	tcase_add_test(sp, test_spec_schedule);
	tcase_add_loop_test(sp, test_spec_bad, 0, sizeof bad / sizeof bad[0]);
	suite_add_tcase(s, sp);
	tcase_add_loop_test(st, test_state_round_trip, 0, 4);
	tcase_add_loop_test(st, test_state_truncated, 0, 4);
	tcase_add_test(st, test_state_mismatch);
	tcase_add_test(st, test_sched_state_round_trip);
	tcase_add_test(st, test_lbfgs_state_zeroed);
	suite_add_tcase(s, st);
	return s;
}

DNN_CHECK_MAIN(optim_suite)
