/* Saddle-free Newton: the direction of sfn.c against -(|A| + damping I)^-1 g
 * built from a known eigendecomposition, no direction from a gradient of 0
 * or a curvature that is not finite, the step moving off a saddle, the
 * penalties, and a trainer's step on a network against |H| from a
 * Newton-Schulz iteration on the dense Hessian. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "bytes.h"
#include "eigutil.h"
#include "hvp.h"
#include "loss.h"
#include "net.h"
#include "optim.h"
#include "rng.h"
#include "sfn.h"
#include "spec.h"
#include "testutil.h"
#include "train.h"

enum { N = 6 };

/* want = -u diag(1 / (|lam| + damping)) u^T g. */
static void reference_step(const double *u, const double *lam, double damping, const double *g,
			   double *want)
{
	double c[N];

	for (size_t p = 0; p < N; p++) {
		c[p] = 0.0;
		for (size_t i = 0; i < N; i++)
			c[p] += u[i * N + p] * g[i];
		c[p] /= fabs(lam[p]) + damping;
	}
	for (size_t i = 0; i < N; i++) {
		want[i] = 0.0;
		for (size_t p = 0; p < N; p++)
			want[i] -= u[i * N + p] * c[p];
	}
}

static double rel_err(const double *x, const double *y, size_t n)
{
	double d = 0.0, s = 0.0;

	for (size_t i = 0; i < n; i++) {
		d += (x[i] - y[i]) * (x[i] - y[i]);
		s += y[i] * y[i];
	}
	return sqrt(d / s);
}

static const double indefinite[N] = {-3.0, -0.5, 0.2, 1.0, 2.0, 4.0};
static const double start[N] = {0.3, -1.0, 0.7, 0.2, -0.4, 1.1};

/* With k = n the direction is -(|A| + damping I)^-1 g exactly (to 1e-6,
 * relative), for several dampings, 0 among them. */
START_TEST(test_direction_full_space)
{
	const double damping[] = {0.0, 1e-3, 0.5};
	double u[N * N], a[N * N], d[N], want[N];
	struct dense_op op = {N, a, 0};
	struct dnn_error e;
	struct dnn_sfn *s = sfn_new(N, N, &e);

	ck_assert_ptr_nonnull(s);
	sym_of_spectrum(N, u, indefinite, a, 9);
	for (size_t i = 0; i < sizeof damping / sizeof damping[0]; i++) {
		ck_assert_uint_eq(sfn_direction(s, dense_op_apply, &op, start, damping[i], d), N);
		reference_step(u, indefinite, damping[i], start, want);
		ck_assert_double_lt(rel_err(d, want, N), 1e-6);
		ck_assert_double_eq_tol(s->lam_min, -3.0, 1e-10);
		ck_assert_double_eq_tol(s->lam_max, 4.0, 1e-10);
	}
	sfn_free(s);
	sfn_free(NULL);
}
END_TEST

/* g in the span of two eigenvectors: the Krylov space stops at 2, and the
 * direction is still exact. */
START_TEST(test_direction_invariant_space)
{
	double u[N * N], a[N * N], g[N], d[N], want[N];
	struct dense_op op = {N, a, 0};
	struct dnn_error e;
	struct dnn_sfn *s = sfn_new(N, 4, &e);

	sym_of_spectrum(N, u, indefinite, a, 11);
	for (size_t i = 0; i < N; i++)
		g[i] = 2.0 * u[i * N + 0] - 0.5 * u[i * N + 4];
	ck_assert_uint_eq(sfn_direction(s, dense_op_apply, &op, g, 1e-3, d), 2);
	reference_step(u, indefinite, 1e-3, g, want);
	ck_assert_double_lt(rel_err(d, want, N), 1e-6);
	sfn_free(s);
}
END_TEST

static void nan_hv(void *ctx, const double *v, double *y)
{
	(void)ctx;
	for (size_t i = 0; i < N; i++)
		y[i] = i == 2 ? (double)NAN : v[i];
}

/* No Krylov space from a gradient of 0 or not finite, nor from a curvature
 * that is not finite: k = 0, no Ritz values, and the direction is 0. */
START_TEST(test_direction_none)
{
	double u[N * N], a[N * N], g[N], d[N];
	struct dense_op op = {N, a, 0};
	struct dnn_error e;
	struct dnn_sfn *s = sfn_new(N, 4, &e);

	sym_of_spectrum(N, u, indefinite, a, 3);
	for (size_t i = 0; i < N; i++)
		g[i] = 0.0;
	ck_assert_uint_eq(sfn_direction(s, dense_op_apply, &op, g, 0.1, d), 0);
	ck_assert_uint_eq(op.calls, 0);
	for (size_t i = 0; i < N; i++)
		ck_assert_double_eq(d[i], 0.0);
	g[1] = (double)INFINITY;
	ck_assert_uint_eq(sfn_direction(s, dense_op_apply, &op, g, 0.1, d), 0);
	g[1] = (double)NAN;
	ck_assert_uint_eq(sfn_direction(s, dense_op_apply, &op, g, 0.1, d), 0);
	ck_assert_uint_eq(op.calls, 0);
	ck_assert_uint_eq(sfn_direction(s, dense_op_apply, &op, start, 0.1, d), 4);
	ck_assert_uint_eq(sfn_direction(s, nan_hv, NULL, start, 0.1, d), 0);
	ck_assert(isnan(s->lam_min) && isnan(s->lam_max));
	for (size_t i = 0; i < N; i++)
		ck_assert_double_eq(d[i], 0.0);
	sfn_free(s);
}
END_TEST

struct diag2 {
	double h[2];
};

static void diag2_hv(void *ctx, const double *v, double *y)
{
	const struct diag2 *q = ctx;

	y[0] = q->h[0] * v[0];
	y[1] = q->h[1] * v[1];
}

/* f(w) = (w0^2 - w1^2) / 2 has a saddle at 0. From w = (0.5, 0.1),
 * Newton's step w - H^-1 g lands on the saddle (f = 0); saddle-free
 * Newton's w - |H|^-1 g = (0, 2 w1) goes down the negative curvature: f
 * falls below the saddle's value and |w1| grows. */
START_TEST(test_step_leaves_saddle)
{
	struct dnn_optim_spec c = {.kind = DNN_OPT_SFN, .learning_rate = 1.0, .krylov_dim = 2};
	struct diag2 q = {{1.0, -1.0}};
	struct dnn_error e;
	struct dnn_optim *o = optim_new(&c, 2, &e);
	float w[2] = {0.5f, 0.1f}, g[2];
	double f0 = 0.5 * (0.25 - 0.01), newton[2], f_newton, f1;

	ck_assert_ptr_nonnull(o);
	ck_assert(optim_second_order(o));
	g[0] = w[0];
	g[1] = -w[1];
	newton[0] = w[0] - g[0] / q.h[0];
	newton[1] = w[1] - g[1] / q.h[1];
	f_newton = 0.5 * (newton[0] * newton[0] - newton[1] * newton[1]);
	ck_assert_double_eq_tol(f_newton, 0.0, 1e-12);
	struct dnn_curvature cv = {diag2_hv, NULL, &q};

	ck_assert_uint_eq(optim_sfn_step(o, w, g, &cv), 2);
	f1 = 0.5 * ((double)w[0] * (double)w[0] - (double)w[1] * (double)w[1]);
	ck_assert_float_eq_tol(w[0], 0.0f, 1e-7f);
	ck_assert_float_eq_tol(w[1], 0.2f, 1e-7f);
	ck_assert_double_lt(f1, f_newton);
	ck_assert_double_lt(f1, f0);
	ck_assert_uint_eq(o->t, 1);
	optim_free(o);
}
END_TEST

/* Weight decay adds wd to every eigenvalue and wd w to g; L1 adds l1
 * sign(w) to g; the learning rate scales the step. */
START_TEST(test_step_penalties)
{
	struct dnn_optim_spec c = {.kind = DNN_OPT_SFN,
				   .learning_rate = 0.5,
				   .krylov_dim = N,
				   .damping = 0.01,
				   .weight_decay = 0.1,
				   .l1 = 0.05};
	double u[N * N], a[N * N], lam[N], geff[N], want[N];
	float w[N], g[N];
	struct dense_op op = {N, a, 0};
	struct dnn_error e;
	struct dnn_optim *o = optim_new(&c, N, &e);

	ck_assert_ptr_nonnull(o);
	sym_of_spectrum(N, u, indefinite, a, 13);
	for (size_t i = 0; i < N; i++) {
		lam[i] = indefinite[i] + c.weight_decay;
		w[i] = (float)(0.25 * (double)i - 0.6);
		g[i] = (float)start[i];
		geff[i] = (double)g[i] + c.weight_decay * (double)w[i] +
			  c.l1 * (double)((w[i] > 0.0f) - (w[i] < 0.0f));
	}
	reference_step(u, lam, c.damping, geff, want);
	double w0[N], got[N];

	for (size_t i = 0; i < N; i++)
		w0[i] = (double)w[i];
	struct dnn_curvature cv = {dense_op_apply, NULL, &op};

	optim_sfn_step(o, w, g, &cv);
	for (size_t i = 0; i < N; i++)
		got[i] = ((double)w[i] - w0[i]) / c.learning_rate;
	ck_assert_double_lt(rel_err(got, want, N), 1e-6);
	optim_free(o);
}
END_TEST

/* A one-weight loss f(w) = w^4 whose operator understates the curvature
 * (H v = 0.01 v): from w = 1 the steps of damping 0.01, 0.04, 0.16 and 0.64
 * overshoot and raise f, and are rejected; 2.56 lowers it, with rho about
 * 0.15 < 1/4, so the damping goes on at 3.84. The damping is the training
 * state: it comes back from it, and one below the spec's is refused. */
static void flat_hv(void *ctx, const double *v, double *y)
{
	(void)ctx;
	y[0] = 0.01 * v[0];
}

static double quartic(void *ctx, const double *w)
{
	(void)ctx;
	return w[0] * w[0] * w[0] * w[0];
}

START_TEST(test_step_damping_adapts)
{
	struct dnn_optim_spec c = {
	    .kind = DNN_OPT_SFN, .learning_rate = 1.0, .krylov_dim = 1, .damping = 0.01};
	struct dnn_curvature cv = {flat_hv, quartic, NULL};
	struct dnn_error e;
	struct dnn_optim *o = optim_new(&c, 1, &e), *o2 = optim_new(&c, 1, &e);
	float w[1] = {1.0f}, g[1] = {4.0f};
	struct dnn_wbuf b = {0};

	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(optim_sfn_step(o, w, g, &cv), 1);
	ck_assert_float_eq_tol(w[0], (float)(1.0 - 4.0 / (0.01 + 2.56)), 1e-6f);
	ck_assert_double_eq_tol(o->damping, 3.84, 1e-12);
	ck_assert_double_lt(quartic(NULL, (double[]){(double)w[0]}), 1.0);
	optim_state_encode(o, &b);
	ck_assert_uint_eq(b.n, 8);
	struct dnn_rbuf d = {b.p, b.n, 0, 0};

	ck_assert_int_eq(optim_state_decode(o2, &d, &e), 0);
	ck_assert_double_eq(o2->damping, o->damping);
	o->damping = 0.001;
	b.n = 0;
	optim_state_encode(o, &b);
	d = (struct dnn_rbuf){b.p, b.n, 0, 0};
	ck_assert_int_eq(optim_state_decode(o2, &d, &e), -1);
	ck_assert_str_eq(e.msg, "a damping of 0.001, outside 0.01 to 1e+10");
	free(b.p);
	optim_free(o);
	optim_free(o2);
}
END_TEST

/* krylov_dim above the parameter count is refused. */
START_TEST(test_krylov_dim_too_large)
{
	struct dnn_optim_spec c = {.kind = DNN_OPT_SFN, .learning_rate = 1.0, .krylov_dim = 10};
	struct dnn_error e;

	ck_assert_ptr_null(optim_new(&c, 9, &e));
	ck_assert_int_eq(e.code, DNN_EX_DATA);
	ck_assert_str_eq(e.msg, "optimizer.krylov_dim: 10 is more than the network's 9 parameters");
}
END_TEST

/* x = (a + damping I)^-1 b for the n x n a (destroyed) by Gaussian
 * elimination with partial pivoting. */
static void solve(double *a, double *b, size_t n)
{
	for (size_t c = 0; c < n; c++) {
		size_t p = c;

		for (size_t r = c + 1; r < n; r++)
			if (fabs(a[r * n + c]) > fabs(a[p * n + c]))
				p = r;
		for (size_t j = 0; j < n; j++) {
			double t = a[c * n + j];

			a[c * n + j] = a[p * n + j];
			a[p * n + j] = t;
		}
		double t = b[c];

		b[c] = b[p];
		b[p] = t;
		for (size_t r = c + 1; r < n; r++) {
			double f = a[r * n + c] / a[c * n + c];

			for (size_t j = c; j < n; j++)
				a[r * n + j] -= f * a[c * n + j];
			b[r] -= f * b[c];
		}
	}
	for (size_t c = n; c-- > 0;) {
		for (size_t j = c + 1; j < n; j++)
			b[c] -= a[c * n + j] * b[j];
		b[c] /= a[c * n + c];
	}
}

static void matmul(const double *a, const double *b, double *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			double s = 0.0;

			for (size_t p = 0; p < n; p++)
				s += a[i * n + p] * b[p * n + j];
			c[i * n + j] = s;
		}
}

/* |h| = h sign(h), sign(h) the limit of the Newton-Schulz iteration
 * S <- S (3 I - S^2) / 2 from h / |h|_F (no eigendecomposition). Returns
 * |S^2 - I|_max at the end. */
static double abs_matrix(const double *h, double *out, size_t n)
{
	double *s = malloc(n * n * sizeof *s), *s2 = malloc(n * n * sizeof *s2);
	double *t = malloc(n * n * sizeof *t), fro = 0.0, err = 0.0;

	for (size_t i = 0; i < n * n; i++)
		fro += h[i] * h[i];
	for (size_t i = 0; i < n * n; i++)
		s[i] = h[i] / sqrt(fro);
	for (int it = 0; it < 500; it++) {
		matmul(s, s, s2, n);
		for (size_t i = 0; i < n * n; i++)
			s2[i] = (i % (n + 1) == 0 ? 3.0 : 0.0) - s2[i];
		matmul(s, s2, t, n);
		for (size_t i = 0; i < n * n; i++)
			s[i] = 0.5 * t[i];
	}
	matmul(s, s, s2, n);
	for (size_t i = 0; i < n * n; i++)
		err = fmax(err, fabs(s2[i] - (i % (n + 1) == 0 ? 1.0 : 0.0)));
	matmul(h, s, out, n);
	free(s);
	free(s2);
	free(t);
	return err;
}

/* One epoch of the trainer on a 2-3-1 tanh network, the batch all rows,
 * k = the parameter count: the weights move by -(|H| + damping I)^-1 g,
 * with H the dense Hessian from Hessian-vector products on unit vectors
 * and |H| from Newton-Schulz; g the double gradient. The float gradient
 * the trainer uses bounds the agreement (1e-4 relative). */
START_TEST(test_trainer_step_on_a_network)
{
	size_t units[2] = {3, 1};
	int acts[2] = {DNN_ACT_TANH, DNN_ACT_LINEAR};
	struct dnn_error e;
	struct dnn_net *net = net_new(2, 2, units, acts, DNN_LOSS_MSE, &e);
	float x[12] = {0, 0, 0, 1, 1, 0, 1, 1, 0.5f, -0.5f, -1, 0.3f};
	float t[6] = {0, 1, 1, 0, 0.4f, -0.2f};
	struct dnn_rows rows = {6, x, t, NULL};
	struct dnn_rng r;
	struct dnn_history hist = {0};
	size_t P = net->n_params;
	struct dnn_optim_spec c = {
	    .kind = DNN_OPT_SFN, .learning_rate = 1.0, .krylov_dim = P, .damping = 0.1};
	struct dnn_optim *o = optim_new(&c, P, &e);
	struct dnn_train_opts opts = {.epochs = 1, .batch_size = 6};
	double *w = malloc(P * sizeof *w), *g = malloc(P * sizeof *g), *v = calloc(P, sizeof *v);
	double *H = malloc(P * P * sizeof *H), *A = malloc(P * P * sizeof *A),
	       *got = malloc(P * sizeof *got);
	struct dnn_hvp *h = hvp_new(net, x, t, 6, &e);

	ck_assert_ptr_nonnull(o);
	ck_assert_ptr_nonnull(h);
	rng_seed(&r, 4);
	net_init(net, DNN_INIT_GLOROT_NORMAL, &r);
	for (size_t i = 0; i < P; i++)
		w[i] = (double)net->params[i];
	hvp_grad(h, w, g);
	for (size_t j = 0; j < P; j++) {
		v[j] = 1.0;
		hvp_hv(h, w, v, NULL, got);
		v[j] = 0.0;
		for (size_t i = 0; i < P; i++)
			H[i * P + j] = got[i];
	}
	/* Indefinite, or the test would not be about saddles. */
	double *Hc = malloc(P * P * sizeof *Hc), *ev = malloc(P * sizeof *ev);

	memcpy(Hc, H, P * P * sizeof *H);
	eig_sym(Hc, P, ev, NULL);
	ck_assert_double_lt(ev[0], 0.0);
	ck_assert_double_gt(ev[P - 1], 0.0);
	ck_assert_double_lt(abs_matrix(H, A, P), 1e-10);
	for (size_t i = 0; i < P; i++)
		A[i * P + i] += c.damping;
	solve(A, g, P); /* g = (|H| + damping I)^-1 g */
	ck_assert_int_eq(train_run(net, o, &r, &rows, NULL, &opts, &hist, &e), 0);
	for (size_t i = 0; i < P; i++) {
		got[i] = (double)net->params[i] - w[i];
		g[i] = -g[i];
	}
	ck_assert_double_lt(rel_err(got, g, P), 1e-4);
	free(Hc);
	free(ev);
	free(w);
	free(g);
	free(v);
	free(H);
	free(A);
	free(got);
	hvp_free(h);
	history_free(&hist);
	optim_free(o);
	net_free(net);
}
END_TEST

static Suite *sfn_suite(void)
{
	Suite *s = suite_create("sfn");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_direction_full_space);
	tcase_add_test(tc, test_direction_invariant_space);
	tcase_add_test(tc, test_direction_none);
	tcase_add_test(tc, test_step_leaves_saddle);
	tcase_add_test(tc, test_step_penalties);
	tcase_add_test(tc, test_step_damping_adapts);
	tcase_add_test(tc, test_krylov_dim_too_large);
	tcase_add_test(tc, test_trainer_step_on_a_network);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(sfn_suite)
