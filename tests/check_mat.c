#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mat.h"
#include "rng.h"
#include "testutil.h"

static void fill(float *v, size_t n, struct dnn_rng *r)
{
	for (size_t i = 0; i < n; i++)
		v[i] = (float)(2.0 * rng_uniform(r) - 1.0);
}

/* gemm against the double-precision reference for sizes around the blocking
 * edges, every transposition, several alpha/beta, padded leading
 * dimensions. */
static void check_case(int ta, int tb, size_t m, size_t n, size_t k, float alpha, float beta)
{
	struct dnn_rng r;
	size_t pad = 3;
	size_t lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
	size_t ra = ta ? k : m, rb = tb ? n : k;
	float *A = malloc(ra * lda * sizeof *A), *B = malloc(rb * ldb * sizeof *B);
	float *C = malloc(m * ldc * sizeof *C), *R = malloc(m * ldc * sizeof *R);

	rng_seed(&r, m * 1000003 + n * 1009 + k);
	fill(A, ra * lda, &r);
	fill(B, rb * ldb, &r);
	fill(C, m * ldc, &r);
	memcpy(R, C, m * ldc * sizeof *R);
	mat_gemm(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
	mat_gemm_ref(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, R, ldc);
	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < ldc; j++) {
			float c = C[i * ldc + j], ref = R[i * ldc + j];

			if (j >= n) /* padding must be untouched */
				ck_assert(c == ref);
			else
				ck_assert_msg(fabsf(c - ref) <= 1e-4f * (1.0f + sqrtf((float)k)),
					      "ta=%d tb=%d m=%zu n=%zu k=%zu (%zu,%zu): %g vs %g",
					      ta, tb, m, n, k, i, j, (double)c, (double)ref);
		}
	free(A);
	free(B);
	free(C);
	free(R);
}

START_TEST(test_gemm_sizes)
{
	static const size_t sizes[] = {1, 2, 3, 4, 5, 7, 15, 16, 17, 33, 129, 255, 257};
	size_t ns = sizeof sizes / sizeof sizes[0];
	int t = _i; /* the loop test index is the transposition case */

	for (size_t a = 0; a < ns; a++)
		for (size_t b = 0; b < ns; b += 2)
			for (size_t c = 0; c < ns; c += 3)
				check_case(t >> 1, t & 1, sizes[a], sizes[b], sizes[c], 1.0f,
					   0.0f);
}
END_TEST

START_TEST(test_gemm_alpha_beta)
{
	for (int t = 0; t < 4; t++) {
		check_case(t >> 1, t & 1, 37, 41, 300, 0.5f, 1.0f);
		check_case(t >> 1, t & 1, 130, 19, 5, -2.0f, 0.25f);
		check_case(t >> 1, t & 1, 9, 2100, 3, 1.0f, 1.0f);
	}
}
END_TEST

START_TEST(test_gemm_beta_zero_ignores_nan)
{
	float A[4] = {1, 2, 3, 4}, B[4] = {1, 0, 0, 1}, C[4];

	for (int i = 0; i < 4; i++)
		C[i] = NAN;
	mat_gemm(MAT_NOTRANS, MAT_NOTRANS, 2, 2, 2, 1.0f, A, 2, B, 2, 0.0f, C, 2);
	ck_assert_float_eq(C[0], 1);
	ck_assert_float_eq(C[1], 2);
	ck_assert_float_eq(C[2], 3);
	ck_assert_float_eq(C[3], 4);
}
END_TEST

START_TEST(test_row_and_col_sums)
{
	float Y[6] = {1, 2, 3, 4, 5, 6}, b[3] = {10, 20, 30}, s[3] = {1, 1, 1};

	mat_add_row(Y, 2, 3, b);
	ck_assert_float_eq(Y[0], 11);
	ck_assert_float_eq(Y[5], 36);
	mat_col_sums(Y, 2, 3, 0.0f, s);
	ck_assert_float_eq(s[0], 25);
	ck_assert_float_eq(s[1], 47);
	ck_assert_float_eq(s[2], 69);
	mat_col_sums(Y, 2, 3, 1.0f, s);
	ck_assert_float_eq(s[0], 50);
}
END_TEST

static Suite *mat_suite(void)
{
	Suite *s = suite_create("mat");
	TCase *tc = tcase_create("gemm");

	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_gemm_sizes, 0, 4);
	tcase_add_test(tc, test_gemm_alpha_beta);
	tcase_add_test(tc, test_gemm_beta_zero_ignores_nan);
	tcase_add_test(tc, test_row_and_col_sums);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(mat_suite)
