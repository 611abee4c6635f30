#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "eigutil.h"
#include "hvp.h"
#include "loss.h"
#include "net.h"
#include "rng.h"
#include "spec.h"
#include "testutil.h"

/* A 3-5-4-K network with hidden activation `hidden`, random weights (biases
 * too) and rows, and targets that suit the loss. */
struct fixture {
	struct dnn_net *net;
	float x[8 * 3], t[8 * 3];
	size_t n;
	double *w;
};

static void fixture_make(struct fixture *f, int hidden, int out_act, int loss, uint64_t seed)
{
	const size_t n_in = 3, k = 3;
	size_t units[3] = {5, 4, k};
	int acts[3] = {hidden, hidden, out_act};
	struct dnn_error e;
	struct dnn_rng r;

	f->n = 8;
	f->net = net_new(n_in, 3, units, acts, loss, &e);
	ck_assert_ptr_nonnull(f->net);
	rng_seed(&r, seed);
	net_init(f->net, DNN_INIT_GLOROT_NORMAL, &r);
	f->w = malloc(f->net->n_params * sizeof *f->w);
	for (size_t i = 0; i < f->net->n_params; i++)
		f->w[i] = (double)f->net->params[i] + 0.3 * rng_normal(&r);
	for (size_t i = 0; i < f->n * n_in; i++)
		f->x[i] = (float)rng_normal(&r);
	for (size_t i = 0; i < f->n; i++)
		for (size_t j = 0; j < k; j++) {
			if (loss == DNN_LOSS_CROSS_ENTROPY)
				f->t[i * k + j] = (float)(j == i % k);
			else if (loss == DNN_LOSS_BINARY_CROSS_ENTROPY)
				f->t[i * k + j] = (float)((i + j) % 2);
			else
				f->t[i * k + j] = (float)rng_normal(&r);
		}
}

static void fixture_free(struct fixture *f)
{
	free(f->w);
	net_free(f->net);
}

static double max_abs(const double *v, size_t n)
{
	double m = 0.0;

	for (size_t i = 0; i < n; i++)
		m = fmax(m, fabs(v[i]));
	return m;
}

/* The double gradient against central differences of the double loss, and
 * against the float backpropagation of net.c. */
static void check_grad(int hidden, int out_act, int loss)
{
	struct fixture f;
	struct dnn_error e;
	struct dnn_hvp *h;
	double *g, *w2;
	size_t P;

	fixture_make(&f, hidden, out_act, loss, 3);
	P = f.net->n_params;
	h = hvp_new(f.net, f.x, f.t, f.n, &e);
	ck_assert_ptr_nonnull(h);
	g = malloc(P * sizeof *g);
	w2 = malloc(P * sizeof *w2);
	memcpy(w2, f.w, P * sizeof *w2);
	double l0 = hvp_grad(h, f.w, g);
	double scale = max_abs(g, P);

	for (size_t i = 0; i < P; i++) {
		const double eps = 1e-6;
		double lp, lm, num;

		w2[i] = f.w[i] + eps;
		lp = hvp_loss(h, w2);
		w2[i] = f.w[i] - eps;
		lm = hvp_loss(h, w2);
		w2[i] = f.w[i];
		num = (lp - lm) / (2 * eps);
		if ((act_by_id(hidden)->flags & ACT_KINK) && fabs(lp + lm - 2 * l0) > 1e-9)
			continue; /* a kink within eps */
		ck_assert_msg(fabs(g[i] - num) <= 1e-7 * scale + 1e-6 * fabs(num),
			      "%s/%s/%s: parameter %zu: gradient %.10g, numeric %.10g",
			      act_by_id(hidden)->name, act_by_id(out_act)->name, loss_name(loss), i,
			      g[i], num);
	}
	/* The same loss and gradient as the float network. */
	struct dnn_error e2;

	ck_assert_int_eq(net_reserve(f.net, f.n, &e2), 0);
	for (size_t i = 0; i < P; i++)
		f.net->params[i] = (float)f.w[i];
	for (size_t i = 0; i < P; i++)
		w2[i] = (double)f.net->params[i];
	l0 = hvp_grad(h, w2, g);
	double lf = net_loss_grad(f.net, f.x, f.t, f.n, NULL);

	ck_assert_double_le(fabs(lf - l0), 1e-5 * fabs(l0) + 1e-6);
	for (size_t i = 0; i < P; i++)
		ck_assert_double_le(fabs((double)f.net->grads[i] - g[i]), 1e-5 * scale + 1e-5 * fabs(g[i]));
	free(g);
	free(w2);
	hvp_free(h);
	fixture_free(&f);
}

/* R-operator Hessian-vector products against finite differences of the
 * gradient, for random directions. */
static void check_hv(int hidden, int out_act, int loss)
{
	struct fixture f;
	struct dnn_error e;
	struct dnn_hvp *h;
	struct dnn_rng r;
	double *v, *hv, *fd;
	size_t P;

	fixture_make(&f, hidden, out_act, loss, 7);
	P = f.net->n_params;
	h = hvp_new(f.net, f.x, f.t, f.n, &e);
	ck_assert_ptr_nonnull(h);
	v = malloc(P * sizeof *v);
	hv = malloc(P * sizeof *hv);
	fd = malloc(P * sizeof *fd);
	rng_seed(&r, 99);
	for (int trial = 0; trial < 3; trial++) {
		for (size_t i = 0; i < P; i++)
			v[i] = rng_normal(&r);
		hvp_hv(h, f.w, v, NULL, hv);
		ck_assert_int_eq(hvp_hv_fd(h, f.w, v, 1e-5, fd, &e), 0);
		double scale = max_abs(fd, P), worst = 0.0;

		ck_assert_double_gt(scale, 1e-6);
		for (size_t i = 0; i < P; i++)
			worst = fmax(worst, fabs(hv[i] - fd[i]));
		/* Kinks (relu): a few rows may cross one within eps. */
		double tol = act_by_id(hidden)->flags & ACT_KINK ? 1e-3 : 1e-6;

		ck_assert_msg(worst <= tol * scale,
			      "%s/%s/%s: |Hv - fd| = %.3g, |fd| = %.3g", act_by_id(hidden)->name,
			      act_by_id(out_act)->name, loss_name(loss), worst, scale);
	}
	free(v);
	free(hv);
	free(fd);
	hvp_free(h);
	fixture_free(&f);
}

/* check(hidden, output activation, loss) for every output the table
 * allows with mse (all but row-wise, output-only and zero-gradient rows),
 * and the two fused outputs, softmax with cross-entropy and sigmoid with binary
 * cross-entropy. Output-only and row-wise rows (which the analysis takes
 * only on the output) are not hidden activations here: skipped. */
static void each_output(int hidden, void (*check)(int, int, int))
{
	if (act_by_id(hidden)->flags & (ACT_ROWWISE | ACT_OUTPUT_ONLY))
		return;
	for (int id = 1; id <= DNN_ACT_MAX; id++)
		if (!(act_by_id(id)->flags & (ACT_ROWWISE | ACT_OUTPUT_ONLY | ACT_ZERO_GRAD)))
			check(hidden, id, DNN_LOSS_MSE);
	check(hidden, DNN_ACT_SOFTMAX, DNN_LOSS_CROSS_ENTROPY);
	check(hidden, DNN_ACT_SIGMOID, DNN_LOSS_BINARY_CROSS_ENTROPY);
}

START_TEST(test_grad)
{
	each_output(_i, check_grad);
}
END_TEST

START_TEST(test_hv)
{
	each_output(_i, check_hv);
}
END_TEST

/* A row-wise activation is analysed only on a cross-entropy output. */
START_TEST(test_rowwise_refused)
{
	size_t units[2] = {3, 2};
	int hidden[2] = {DNN_ACT_SOFTMAX, DNN_ACT_LINEAR}, mse[2] = {DNN_ACT_TANH, DNN_ACT_SOFTMAX};
	const float x[2] = {0.5f, -1}, t[2] = {1, 0};
	struct dnn_error e;
	struct dnn_net *a = net_new(1, 2, units, hidden, DNN_LOSS_MSE, &e);
	struct dnn_net *b = net_new(1, 2, units, mse, DNN_LOSS_MSE, &e);

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_null(hvp_new(a, x, t, 1, &e));
	ck_assert_int_eq(e.code, DNN_EX_SOFTWARE);
	ck_assert_str_eq(e.msg, "softmax is only analysed on a cross-entropy output");
	ck_assert_ptr_null(hvp_new(b, x, t, 1, &e));
	ck_assert_int_eq(e.code, DNN_EX_SOFTWARE);
	net_free(a);
	net_free(b);
}
END_TEST

/* H is symmetric: u . (H v) = v . (H u). */
START_TEST(test_symmetric)
{
	struct fixture f;
	struct dnn_error e;
	struct dnn_rng r;

	fixture_make(&f, DNN_ACT_TANH, DNN_ACT_SOFTMAX, DNN_LOSS_CROSS_ENTROPY, 5);
	size_t P = f.net->n_params;
	struct dnn_hvp *h = hvp_new(f.net, f.x, f.t, f.n, &e);
	double *u = malloc(P * sizeof *u), *v = malloc(P * sizeof *v);
	double *hu = malloc(P * sizeof *hu), *hv = malloc(P * sizeof *hv), a = 0, b = 0;

	rng_seed(&r, 1);
	for (size_t i = 0; i < P; i++) {
		u[i] = rng_normal(&r);
		v[i] = rng_normal(&r);
	}
	hvp_hv(h, f.w, u, NULL, hu);
	hvp_hv(h, f.w, v, NULL, hv);
	for (size_t i = 0; i < P; i++) {
		a += u[i] * hv[i];
		b += v[i] * hu[i];
	}
	ck_assert_double_le(fabs(a - b), 1e-10 * (fabs(a) + fabs(b)));
	free(u);
	free(v);
	free(hu);
	free(hv);
	hvp_free(h);
	fixture_free(&f);
}
END_TEST

START_TEST(test_eig_sym)
{
	/* The lecture's f = 5x^2 + 3y^2 + 4xy: H = [10 4; 4 6], eigenvalues
	 * 8 -+ sqrt(20). */
	double a[4] = {10, 4, 4, 6}, ev[2];
	double b[9] = {2, -1, 0, -1, 2, -1, 0, -1, 2}, eb[3];

	eig_sym(a, 2, ev, NULL);
	ck_assert_double_eq_tol(ev[0], 8 - sqrt(20), 1e-12);
	ck_assert_double_eq_tol(ev[1], 8 + sqrt(20), 1e-12);
	/* The second-difference matrix: 2 - 2 cos(k pi / 4). */
	eig_sym(b, 3, eb, NULL);
	for (int k = 1; k <= 3; k++)
		ck_assert_double_eq_tol(eb[k - 1], 2 - 2 * cos(k * acos(-1.0) / 4), 1e-12);
}
END_TEST

/* One linear layer with MSE: L = (1/nm) sum_ij (w_j . x_i + b_j - t_ij)^2 is
 * quadratic, and its Hessian is block diagonal with m copies of
 * (2/nm) X~^T X~, X~ = [X 1]. Every column H e_p must match, and Lanczos
 * over all P parameters must give the spectrum of that matrix, each
 * eigenvalue m times. */
START_TEST(test_quadratic)
{
	enum { N = 20, NI = 4, M = 3, Q = NI + 1, P = M * Q };
	size_t units[1] = {M};
	int acts[1] = {DNN_ACT_LINEAR};
	struct dnn_error e;
	struct dnn_net *net = net_new(NI, 1, units, acts, DNN_LOSS_MSE, &e);
	float x[N * NI], t[N * M];
	double w[P], v[P], hv[P], A[Q * Q], Acopy[Q * Q], evA[Q], ritz[P];
	struct dnn_rng r;
	size_t n_ritz;

	rng_seed(&r, 42);
	for (size_t i = 0; i < N * NI; i++)
		x[i] = (float)(rng_normal(&r) * (1.0 + (double)(i % NI)));
	for (size_t i = 0; i < N * M; i++)
		t[i] = (float)rng_normal(&r);
	for (size_t i = 0; i < P; i++)
		w[i] = rng_normal(&r);
	/* A = (2/nm) X~^T X~ */
	for (size_t p = 0; p < Q; p++)
		for (size_t q = 0; q < Q; q++) {
			double s = 0;

			for (size_t i = 0; i < N; i++)
				s += (p < NI ? (double)x[i * NI + p] : 1.0) *
				     (q < NI ? (double)x[i * NI + q] : 1.0);
			A[p * Q + q] = 2.0 * s / (N * M);
		}
	struct dnn_hvp *h = hvp_new(net, x, t, N, &e);

	ck_assert_ptr_nonnull(h);
	/* Parameter of output j, input p (p == NI: the bias). */
#define IDX(j, p) ((p) < NI ? net->layers[0].w_off + (j) * NI + (p) : net->layers[0].b_off + (j))
	for (size_t j = 0; j < M; j++)
		for (size_t p = 0; p < Q; p++) {
			memset(v, 0, sizeof v);
			v[IDX(j, p)] = 1.0;
			hvp_hv(h, w, v, NULL, hv);
			for (size_t j2 = 0; j2 < M; j2++)
				for (size_t q = 0; q < Q; q++) {
					double want = j2 == j ? A[p * Q + q] : 0.0;

					ck_assert_double_eq_tol(hv[IDX(j2, q)], want,
								1e-12 * (1 + fabs(want)));
				}
		}
#undef IDX
	memcpy(Acopy, A, sizeof A);
	eig_sym(Acopy, Q, evA, NULL);
	ck_assert_int_eq(hvp_lanczos(h, w, P, &r, ritz, &n_ritz, &e), 0);
	ck_assert_uint_eq(n_ritz, P);
	for (size_t i = 0; i < P; i++)
		ck_assert_double_eq_tol(ritz[i], evA[i / M], 1e-9 * evA[Q - 1]);
	hvp_free(h);
	net_free(net);
}
END_TEST

/* XOR on a 2-2-1 tanh network (tanh or linear output, which agree to second
 * order at 0; MSE, targets 0/1) at all-zero weights. Per hidden unit j, only (W2_j, W1_j0, W1_j1, b1_j) couple:
 * d2L/dW2_j dW1_jk = -(1/2) sum_i t_i x_ik = -1/2, d2L/dW2_j db1_j =
 * -(1/2) sum_i t_i = -1, the rest zero, so that block has eigenvalues
 * -+sqrt(1/4 + 1/4 + 1) and 0, 0; b2 has curvature 2. A saddle direction:
 * the most negative eigenvalue is -sqrt(1.5). */
START_TEST(test_xor_saddle)
{
	size_t units[2] = {2, 1};
	int acts[2] = {DNN_ACT_TANH, _i};
	struct dnn_error e;
	struct dnn_net *net = net_new(2, 2, units, acts, DNN_LOSS_MSE, &e);
	const float x[8] = {0, 0, 0, 1, 1, 0, 1, 1}, t[4] = {0, 1, 1, 0};
	double w[9] = {0}, ritz[9];
	struct dnn_rng r;
	size_t n_ritz;
	struct dnn_hvp *h = hvp_new(net, x, t, 4, &e);

	ck_assert_uint_eq(net->n_params, 9);
	rng_seed(&r, 3);
	ck_assert_int_eq(hvp_lanczos(h, w, 9, &r, ritz, &n_ritz, &e), 0);
	ck_assert_uint_eq(n_ritz, 9);
	ck_assert_double_eq_tol(ritz[0], -sqrt(1.5), 1e-10);
	ck_assert_double_eq_tol(ritz[1], -sqrt(1.5), 1e-10);
	ck_assert_double_eq_tol(ritz[8], 2.0, 1e-10);
	hvp_free(h);
	net_free(net);
}
END_TEST

/* Few Lanczos steps still find the extreme eigenvalues of a larger net. */
START_TEST(test_lanczos_extremes)
{
	struct fixture f;
	struct dnn_error e;
	struct dnn_rng r;

	fixture_make(&f, DNN_ACT_TANH, DNN_ACT_SIGMOID, DNN_LOSS_BINARY_CROSS_ENTROPY, 11);
	size_t P = f.net->n_params, n_all, n_few;
	struct dnn_hvp *h = hvp_new(f.net, f.x, f.t, f.n, &e);
	double *all = malloc(P * sizeof *all), *few = malloc(P * sizeof *few);

	rng_seed(&r, 1);
	ck_assert_int_eq(hvp_lanczos(h, f.w, P, &r, all, &n_all, &e), 0);
	ck_assert_int_eq(hvp_lanczos(h, f.w, 30, &r, few, &n_few, &e), 0);
	ck_assert_uint_eq(n_all, P);
	ck_assert_uint_eq(n_few, 30);
	ck_assert_double_eq_tol(few[n_few - 1], all[P - 1], 1e-6 * fabs(all[P - 1]));
	ck_assert_double_eq_tol(few[0], all[0], 1e-3 * fabs(all[P - 1]));
	free(all);
	free(few);
	hvp_free(h);
	fixture_free(&f);
}
END_TEST

/* Row weights: the loss, gradient and H v with row 0 weighing 2 are those
 * of the rows with row 0 twice, times (n + 1) / n; and hvp_new_rows with
 * room for more rows analyses the rows it was given. */
START_TEST(test_row_weights)
{
	struct fixture f;
	struct dnn_error e;
	float x2[9 * 3], t2[9 * 3], rw[8];
	struct dnn_hvp *hw, *hd;
	double *g1, *g2, *v, *hv1, *hv2, l1, l2;
	struct dnn_rng r;
	size_t P;

	fixture_make(&f, DNN_ACT_TANH, DNN_ACT_SOFTMAX, DNN_LOSS_CROSS_ENTROPY, 5);
	P = f.net->n_params;
	memcpy(x2, f.x, sizeof f.x[0] * 8 * 3);
	memcpy(t2, f.t, sizeof f.t[0] * 8 * 3);
	memcpy(x2 + 8 * 3, f.x, 3 * sizeof f.x[0]);
	memcpy(t2 + 8 * 3, f.t, 3 * sizeof f.t[0]);
	for (size_t i = 0; i < 8; i++)
		rw[i] = i == 0 ? 2.0f : 1.0f;
	hw = hvp_new_rows(f.net, 20, &e);
	ck_assert_ptr_nonnull(hw);
	hvp_set_rows(hw, f.x, f.t, 8);
	hvp_set_row_weights(hw, rw);
	hd = hvp_new(f.net, x2, t2, 9, &e);
	g1 = malloc(P * sizeof *g1);
	g2 = malloc(P * sizeof *g2);
	v = malloc(P * sizeof *v);
	hv1 = malloc(P * sizeof *hv1);
	hv2 = malloc(P * sizeof *hv2);
	rng_seed(&r, 2);
	for (size_t i = 0; i < P; i++)
		v[i] = rng_normal(&r);
	l1 = hvp_hv(hw, f.w, v, g1, hv1);
	l2 = hvp_hv(hd, f.w, v, g2, hv2) * 9.0 / 8.0;
	ck_assert_double_eq_tol(l1, l2, 1e-12 * fabs(l2));
	for (size_t i = 0; i < P; i++) {
		ck_assert_double_eq_tol(g1[i], g2[i] * 9.0 / 8.0, 1e-12 * (1 + fabs(g1[i])));
		ck_assert_double_eq_tol(hv1[i], hv2[i] * 9.0 / 8.0, 1e-12 * (1 + fabs(hv1[i])));
	}
	free(g1);
	free(g2);
	free(v);
	free(hv1);
	free(hv2);
	hvp_free(hw);
	hvp_free(hd);
	fixture_free(&f);
}
END_TEST

static Suite *hvp_suite(void)
{
	Suite *s = suite_create("hvp");
	TCase *tc = tcase_create("core");

	/* Every row of the activation table as the hidden activation. */
	tcase_add_loop_test(tc, test_grad, 1, DNN_ACT_MAX + 1);
	tcase_add_loop_test(tc, test_hv, 1, DNN_ACT_MAX + 1);
	tcase_add_test(tc, test_rowwise_refused);
	tcase_add_test(tc, test_symmetric);
	tcase_add_test(tc, test_eig_sym);
	tcase_add_test(tc, test_quadratic);
	tcase_add_loop_test(tc, test_xor_saddle, DNN_ACT_LINEAR, DNN_ACT_LINEAR + 1);
	tcase_add_loop_test(tc, test_xor_saddle, DNN_ACT_TANH, DNN_ACT_TANH + 1);
	tcase_add_test(tc, test_lanczos_extremes);
	tcase_add_test(tc, test_row_weights);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(hvp_suite)
