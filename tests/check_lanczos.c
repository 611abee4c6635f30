/* lanczos.c against operators of a known spectrum: the basis it keeps is
 * orthonormal with Q^T A Q = T, T's eigenpairs from the QL iteration, the
 * quadrature weights against the start vector's projections, a split T with
 * a repeated eigenvalue after a restart, and a run on an operator that is
 * not finite. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eigutil.h"
#include "lanczos.h"
#include "rng.h"
#include "testutil.h"

enum { N = 6 };

static const double indefinite[N] = {-3.0, -0.5, 0.2, 1.0, 2.0, 4.0};
static const double start[N] = {0.3, -1.0, 0.7, 0.2, -0.4, 1.1};

/* (T y)_r for column j of l->y, T of l->alpha and l->beta. */
static double t_times_y(const struct dnn_lanczos *l, size_t r, size_t j)
{
	size_t k = l->k;
	double s = l->alpha[r] * l->y[r * k + j];

	if (r > 0)
		s += l->beta[r - 1] * l->y[(r - 1) * k + j];
	if (r + 1 < k)
		s += l->beta[r] * l->y[(r + 1) * k + j];
	return s;
}

/* The basis is orthonormal, Q^T A Q is the tridiagonal of alpha and beta,
 * q_0 is the start vector normalized, one product a step; no start vector
 * without rng is an error. */
START_TEST(test_basis)
{
	double u[N * N], a[N * N], nrm = 0.0;
	struct dense_op op = {N, a, 0};
	struct dnn_error e;
	struct dnn_lanczos *l = lanczos_new(N, N, &e);

	sym_of_spectrum(N, u, indefinite, a, 5);
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(lanczos_run(l, dense_op_apply, &op, start, 0, NULL, &e), 0);
	ck_assert_uint_eq(l->k, N);
	ck_assert_uint_eq(op.calls, N);
	for (size_t p = 0; p < N; p++) {
		double av[N];

		dense_op_apply(&op, l->q + p * N, av);
		for (size_t q = 0; q < N; q++) {
			double vv = 0.0, vav = 0.0, t = 0.0;

			for (size_t i = 0; i < N; i++) {
				vv += l->q[p * N + i] * l->q[q * N + i];
				vav += l->q[q * N + i] * av[i];
			}
			ck_assert_double_eq_tol(vv, p == q ? 1.0 : 0.0, 1e-12);
			if (p == q)
				t = l->alpha[p];
			else if (q == p + 1)
				t = l->beta[p];
			else if (p == q + 1)
				t = l->beta[q];
			ck_assert_double_eq_tol(vav, t, 1e-10);
		}
	}
	for (size_t i = 0; i < N; i++)
		nrm += start[i] * start[i];
	for (size_t i = 0; i < N; i++)
		ck_assert_double_eq_tol(l->q[i], start[i] / sqrt(nrm), 1e-15);
	ck_assert_int_eq(lanczos_run(l, dense_op_apply, &op, (double[N]){0}, 0, NULL, &e), -1);
	ck_assert_int_eq(e.code, DNN_EX_SOFTWARE);
	ck_assert_str_eq(e.msg, "Lanczos: no start vector");
	ck_assert_uint_eq(l->k, 0);
	lanczos_free(l);
	lanczos_free(NULL);
	/* m is cut to n; no steps is refused. */
	l = lanczos_new(3, 10, &e);
	ck_assert_uint_eq(l->m, 3);
	lanczos_free(l);
	ck_assert_ptr_null(lanczos_new(3, 0, &e));
	ck_assert_int_eq(e.code, DNN_EX_SOFTWARE);
}
END_TEST

/* T y_j = ritz_j y_j, ascending, y orthonormal; at full dimension the Ritz
 * values are the spectrum A was built with, the weights the squared
 * projections of the unit start vector on A's eigenvectors, and the Ritz
 * vectors those eigenvectors (up to sign). */
START_TEST(test_eigenpairs)
{
	double u[N * N], a[N * N], x[N], nrm = 0.0;
	struct dense_op op = {N, a, 0};
	struct dnn_error e;
	struct dnn_lanczos *l = lanczos_new(N, N, &e);

	sym_of_spectrum(N, u, indefinite, a, 7);
	for (size_t i = 0; i < N; i++)
		nrm += start[i] * start[i];
	ck_assert_int_eq(lanczos_run(l, dense_op_apply, &op, start, 0, NULL, &e), 0);
	ck_assert_uint_eq(l->k, N);
	for (size_t j = 0; j < N; j++) {
		double proj = 0.0, dir = 0.0;

		ck_assert_double_eq_tol(l->ritz[j], indefinite[j], 1e-10);
		for (size_t r = 0; r < N; r++)
			ck_assert_double_eq_tol(t_times_y(l, r, j), l->ritz[j] * l->y[r * N + j],
						1e-10);
		for (size_t j2 = 0; j2 < N; j2++) {
			double s = 0.0;

			for (size_t r = 0; r < N; r++)
				s += l->y[r * N + j] * l->y[r * N + j2];
			ck_assert_double_eq_tol(s, j == j2 ? 1.0 : 0.0, 1e-12);
		}
		for (size_t i = 0; i < N; i++)
			proj += u[i * N + j] * start[i];
		ck_assert_double_eq_tol(l->weight[j], proj * proj / nrm, 1e-12);
		ck_assert_double_eq(l->weight[j], l->y[j] * l->y[j]);
		lanczos_ritz_vector(l, j, x);
		for (size_t i = 0; i < N; i++)
			dir += x[i] * u[i * N + j];
		ck_assert_double_eq_tol(fabs(dir), 1.0, 1e-10);
	}
	lanczos_free(l);
}
END_TEST

/* A = the tridiagonal of diagonal 2 and off-diagonal 0, 1, 0 (eigenvalues
 * 1, 2, 2, 3) from e_0, an eigenvector: the space is invariant after one
 * step. Without restart the run stops there; with it, T splits into a 1 x 1
 * and a 3 x 3 block, the Ritz values are 1, 2, 2, 3, every Ritz pair is an
 * eigenpair of A, and all the weight is on e_0's eigenvalue 2. */
START_TEST(test_split_restart)
{
	const double a[16] = {2, 0, 0, 0, 0, 2, 1, 0, 0, 1, 2, 0, 0, 0, 0, 2};
	const double want[4] = {1.0, 2.0, 2.0, 3.0}, e0[4] = {1.0, 0.0, 0.0, 0.0};
	struct dense_op op = {4, a, 0};
	struct dnn_error e;
	struct dnn_lanczos *l = lanczos_new(4, 4, &e);
	struct dnn_rng r;
	double x[4], ax[4], w2 = 0.0;

	rng_seed(&r, 3);
	ck_assert_int_eq(lanczos_run(l, dense_op_apply, &op, e0, 0, &r, &e), 0);
	ck_assert_uint_eq(l->k, 1);
	ck_assert_double_eq_tol(l->ritz[0], 2.0, 1e-15);
	ck_assert_double_eq(l->weight[0], 1.0);
	ck_assert_int_eq(lanczos_run(l, dense_op_apply, &op, e0, 1, &r, &e), 0);
	ck_assert_uint_eq(l->k, 4);
	ck_assert_double_eq(l->beta[0], 0.0);
	for (size_t j = 0; j < 4; j++) {
		ck_assert_double_eq_tol(l->ritz[j], want[j], 1e-14);
		for (size_t p = 0; p < 4; p++)
			ck_assert_double_eq_tol(t_times_y(l, p, j), l->ritz[j] * l->y[p * 4 + j],
						1e-14);
		lanczos_ritz_vector(l, j, x);
		dense_op_apply(&op, x, ax);
		for (size_t p = 0; p < 4; p++)
			ck_assert_double_eq_tol(ax[p], l->ritz[j] * x[p], 1e-13);
		if (want[j] == 2.0)
			w2 += l->weight[j];
		else
			ck_assert_double_eq_tol(l->weight[j], 0.0, 1e-28);
	}
	ck_assert_double_eq_tol(w2, 1.0, 1e-14);
	lanczos_free(l);
}
END_TEST

static void nan_apply(void *ctx, const double *v, double *y)
{
	unsigned long *calls = ctx;

	++*calls;
	for (size_t i = 0; i < N; i++)
		y[i] = i == 2 ? (double)NAN : v[i];
}

/* A value of A that is not finite ends the run, restart or not, and leaves
 * the Ritz values and weights NaN. */
START_TEST(test_not_finite)
{
	struct dnn_error e;
	struct dnn_lanczos *l = lanczos_new(N, N, &e);
	struct dnn_rng r;
	unsigned long calls = 0;

	rng_seed(&r, 1);
	for (int restart = 0; restart < 2; restart++) {
		calls = 0;
		ck_assert_int_eq(lanczos_run(l, nan_apply, &calls, start, restart, &r, &e), 0);
		ck_assert_uint_eq(calls, 1);
		ck_assert_uint_eq(l->k, 1);
		ck_assert(isnan(l->ritz[0]));
		ck_assert(isnan(l->weight[0]));
	}
	lanczos_free(l);
}
END_TEST

static Suite *lanczos_suite(void)
{
	Suite *s = suite_create("lanczos");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_basis);
	tcase_add_test(tc, test_eigenpairs);
	tcase_add_test(tc, test_split_restart);
	tcase_add_test(tc, test_not_finite);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(lanczos_suite)
