#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* The built-in kernels, then the BLAS of a build configured --with-blas. */
static const int kernels[] = {MAT_KERNEL_PORTABLE, MAT_KERNEL_AVX2, MAT_KERNEL_AVX512,
			      MAT_KERNEL_BLAS};
#ifdef HAVE_CBLAS
static const char *const kernel_names[] = {"portable", "avx2", "avx512", DNN_BLAS_NAME};
#else
static const char *const kernel_names[] = {"portable", "avx2", "avx512", "none"};
#endif

/* Whether the CPU (or the build) has what kernel k needs (it must then be
 * available). */
static int cpu_has(int k)
{
	if (k == MAT_KERNEL_BLAS) {
#ifdef HAVE_CBLAS
		return 1;
#else
		return 0;
#endif
	}
#if defined(__x86_64__) && defined(__GNUC__)
	__builtin_cpu_init();
	if (k == MAT_KERNEL_AVX2 || k == MAT_KERNEL_AVX512)
		if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
			return 0;
	if (k == MAT_KERNEL_AVX512)
		return __builtin_cpu_supports("avx512f");
	return 1;
#else
	return k == MAT_KERNEL_PORTABLE;
#endif
}

/* The loop test index: kernel (0 portable, 1 AVX2, 2 AVX-512, 3 the BLAS)
 * * 4 + transposition case. 0 when the CPU or the build lacks the kernel. */
static int use_kernel(int i)
{
	int k = kernels[i / 4];

	if (mat_set_kernel(k)) {
		ck_assert_msg(!cpu_has(k), "the CPU has %s but the kernel is unavailable",
			      kernel_names[i / 4]);
		return 0;
	}
	ck_assert_msg(cpu_has(k), "kernel %s available without what it needs", kernel_names[i / 4]);
	ck_assert_str_eq(mat_kernel_name(), kernel_names[i / 4]);
	return 1;
}

START_TEST(test_gemm_sizes)
{
	static const size_t sizes[] = {1, 2, 3, 4, 5, 6, 7, 15, 16, 17, 33, 129, 255, 257};
	size_t ns = sizeof sizes / sizeof sizes[0];
	int t = _i % 4;

	if (!use_kernel(_i))
		return;
	for (size_t a = 0; a < ns; a++)
		for (size_t b = 0; b < ns; b += 2)
			for (size_t c = 0; c < ns; c += 3)
				check_case(t >> 1, t & 1, sizes[a], sizes[b], sizes[c], 1.0f,
					   0.0f);
}
END_TEST

/* Several blocks each way (more rows than MC and k than KC in mat.c, then
 * more rows than MC and columns than NC), with rows and columns left over
 * from the wide tiles in each block: every kind of tile the blocked loop
 * hands to a kernel. */
START_TEST(test_gemm_blocks)
{
	int t = _i % 4;

	if (!use_kernel(_i))
		return;
	check_case(t >> 1, t & 1, 301, 100, 300, 1.0f, 0.0f);
	check_case(t >> 1, t & 1, 557, 1601, 13, 1.0f, 1.0f);
	/* On 3 threads, with op(A) packed once for all of them (in 8 blocks
	 * over 3 parts). */
	ck_assert_int_eq(mat_set_threads(3, NULL), 0);
	check_case(t >> 1, t & 1, 301, 600, 1000, 1.0f, 0.0f);
	ck_assert_int_eq(mat_set_threads(1, NULL), 0);
}
END_TEST

START_TEST(test_gemm_alpha_beta)
{
	if (!use_kernel(_i * 4))
		return;
	for (int t = 0; t < 4; t++) {
		check_case(t >> 1, t & 1, 37, 41, 300, 0.5f, 1.0f);
		check_case(t >> 1, t & 1, 130, 19, 5, -2.0f, 0.25f);
		check_case(t >> 1, t & 1, 9, 2100, 3, 1.0f, 1.0f);
		/* Wider than one NC block, deeper than one KC block. */
		check_case(t >> 1, t & 1, 7, 4100, 300, 1.0f, 0.0f);
		/* k == 0 and alpha == 0: C = beta C. */
		check_case(t >> 1, t & 1, 7, 9, 0, 1.0f, 0.5f);
		check_case(t >> 1, t & 1, 7, 9, 5, 0.0f, 2.0f);
	}
}
END_TEST

/* C of an m x n x k product with op shapes t, for the given thread count,
 * kernel and epilogue; the caller frees it. */
static float *product(int t, size_t m, size_t n, size_t k, size_t threads,
		      const struct mat_epilogue *ep)
{
	struct dnn_rng r;
	struct dnn_error e = {0};
	size_t ra = t >> 1 ? k : m, ca = t >> 1 ? m : k, rb = t & 1 ? n : k, cb = t & 1 ? k : n;
	float *A = malloc(ra * ca * sizeof *A), *B = malloc(rb * cb * sizeof *B);
	float *C = malloc(m * n * sizeof *C);

	ck_assert(A && B && C);
	rng_seed(&r, 7);
	fill(A, ra * ca, &r);
	fill(B, rb * cb, &r);
	ck_assert_int_eq(mat_set_threads(threads, &e), 0);
	ck_assert_int_eq(mat_threads(), threads);
	mat_gemm_ex(t >> 1, t & 1, m, n, k, 1.0f, A, ca, B, cb, 0.0f, C, n, ep);
	free(A);
	free(B);
	return C;
}

/* Any thread count gives the same bits as one thread, for every shape a
 * dense layer uses, on both kernels. */
START_TEST(test_gemm_threads_bit_identical)
{
	static const size_t shapes[][3] = {
		{64, 256, 784}, {256, 784, 64}, {64, 784, 256}, {1, 1000, 300},
		{1000, 1, 300}, {97, 131, 257}, {255, 33, 129}, {7, 4099, 70},
		/* op(A) packed once for all threads (more than 2^18 floats) */
		{301, 600, 1000},
	};
	int t = _i % 4;

	if (!use_kernel(_i))
		return;
	for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
		size_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
		float *one = product(t, m, n, k, 1, NULL);

		for (size_t th = 2; th <= 5; th++) {
			float *many = product(t, m, n, k, th, NULL);

			ck_assert_msg(memcmp(one, many, m * n * sizeof *one) == 0,
				      "t=%d %zux%zux%zu: %zu threads differ from 1", t, m, n, k,
				      th);
			free(many);
		}
		free(one);
	}
	mat_set_threads(1, NULL);
}
END_TEST

/* The BLAS promises no independence from the thread count, but the same
 * product on the same number of threads gives the same bits, run after run,
 * and the built-in kernels stay selectable next to it. */
START_TEST(test_gemm_blas_repeatable)
{
	static const size_t shapes[][3] = {
	    {64, 256, 784}, {256, 784, 64}, {97, 131, 257}, {7, 4099, 70}, {13, 37, 5},
	};
	int t = _i;

	if (!use_kernel(12 + t))
		return;
	for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
		size_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];

		for (size_t th = 1; th <= 3; th++) {
			float *a = product(t, m, n, k, th, NULL),
			      *b = product(t, m, n, k, th, NULL);

			ck_assert_msg(memcmp(a, b, m * n * sizeof *a) == 0,
				      "t=%d %zux%zux%zu: two runs on %zu threads differ", t, m, n,
				      k, th);
			free(a);
			free(b);
		}
	}
	ck_assert_int_eq(mat_set_kernel(MAT_KERNEL_BUILTIN), 0);
	ck_assert_str_ne(mat_kernel_name(), kernel_names[3]);
	ck_assert_int_eq(mat_set_kernel(MAT_KERNEL_AUTO), 0);
	ck_assert_str_eq(mat_kernel_name(), kernel_names[3]);
	mat_set_threads(1, NULL);
}
END_TEST

/* The AVX2 and AVX-512 kernels give the same bits (fused multiply-adds in
 * the same order), so a product may mix their tiles. */
START_TEST(test_gemm_avx2_avx512_same_bits)
{
	static const size_t shapes[][3] = {
		{64, 256, 784}, {256, 784, 64}, {97, 131, 257}, {12, 32, 1}, {13, 33, 300},
		{256, 96, 300}, {16, 64, 513},
	};
	int t = _i;

	if (mat_set_kernel(MAT_KERNEL_AVX512)) {
		ck_assert(!cpu_has(MAT_KERNEL_AVX512));
		return;
	}
	for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
		size_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
		struct mat_epilogue relu = {.act = MAT_ACT_RELU};
		float *wide, *narrow;

		ck_assert_int_eq(mat_set_kernel(MAT_KERNEL_AVX512), 0);
		wide = product(t, m, n, k, 2, &relu);
		ck_assert_int_eq(mat_set_kernel(MAT_KERNEL_AVX2), 0);
		narrow = product(t, m, n, k, 1, &relu);
		ck_assert_msg(memcmp(wide, narrow, m * n * sizeof *wide) == 0,
			      "t=%d %zux%zux%zu: AVX-512 and AVX2 differ", t, m, n, k);
		free(wide);
		free(narrow);
	}
	mat_set_threads(1, NULL);
}
END_TEST

/* The fused bias and relu (and relu') equal gemm + the separate loops, bit
 * for bit, with NaN and negative zero handled as act.c does. */
START_TEST(test_gemm_epilogue)
{
	static const size_t shapes[][3] = {{64, 256, 784}, {13, 37, 5}, {6, 16, 1}, {200, 21, 300}};
	struct dnn_rng r;
	int t = _i % 4;

	if (!use_kernel(_i))
		return;
	rng_seed(&r, 11);
	for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
		size_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
		float *bias = malloc(n * sizeof *bias), *mask = malloc(m * n * sizeof *mask);
		struct mat_epilogue relu = {.bias = bias, .act = MAT_ACT_RELU};
		struct mat_epilogue grad = {.act = MAT_ACT_RELU_GRAD, .mask = mask, .ldm = n};
		float *plain, *fused;

		fill(bias, n, &r);
		fill(mask, m * n, &r);
		mask[0] = NAN;
		for (size_t th = 1; th <= 2; th++) {
			plain = product(t, m, n, k, th, NULL);
			fused = product(t, m, n, k, th, &relu);
			for (size_t i = 0; i < m * n; i++) {
				float v = plain[i] + bias[i % n];

				v = v > 0.0f ? v : 0.0f;
				ck_assert_msg(memcmp(&v, &fused[i], sizeof v) == 0,
					      "relu %zu: %a vs %a", i, (double)v, (double)fused[i]);
			}
			free(fused);
			fused = product(t, m, n, k, th, &grad);
			for (size_t i = 0; i < m * n; i++) {
				float v = mask[i] > 0.0f ? plain[i] : 0.0f;

				ck_assert_msg(memcmp(&v, &fused[i], sizeof v) == 0,
					      "relu' %zu: %a vs %a", i, (double)v, (double)fused[i]);
			}
			free(fused);
			free(plain);
		}
		free(bias);
		free(mask);
	}
	mat_set_threads(1, NULL);
}
END_TEST

/* The library reads no environment: DNN_THREADS is the program's
 * (src/cli/env.c); 0 threads means the machine's CPUs. */
START_TEST(test_threads_env)
{
	struct dnn_error e = {0};
	long c = sysconf(_SC_NPROCESSORS_ONLN);

	setenv("DNN_THREADS", "3", 1);
	ck_assert_int_eq(mat_set_threads(0, &e), 0);
	ck_assert_uint_eq(mat_threads(), c < 1 ? 1 : (c > 64 ? 64 : (size_t)c));
	unsetenv("DNN_THREADS");
	ck_assert_int_eq(mat_set_threads(1, &e), 0);
	ck_assert_int_eq(mat_threads(), 1);
}
END_TEST

/* The built-in gemm (0) and the BLAS (1). */
START_TEST(test_gemm_beta_zero_ignores_nan)
{
	float A[4] = {1, 2, 3, 4}, B[4] = {1, 0, 0, 1}, C[4];

	if (_i == 0)
		ck_assert_int_eq(mat_set_kernel(MAT_KERNEL_BUILTIN), 0);
	else if (!use_kernel(12))
		return;
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
	tcase_add_loop_test(tc, test_gemm_sizes, 0, 16);
	tcase_add_loop_test(tc, test_gemm_blocks, 0, 16);
	tcase_add_loop_test(tc, test_gemm_alpha_beta, 0, 4);
	/* The built-in kernels only: the BLAS's bits may depend on the thread
	 * count (test_gemm_blas_repeatable tests what it does promise). */
	tcase_add_loop_test(tc, test_gemm_threads_bit_identical, 0, 12);
	tcase_add_loop_test(tc, test_gemm_blas_repeatable, 0, 4);
	tcase_add_loop_test(tc, test_gemm_epilogue, 0, 16);
	tcase_add_loop_test(tc, test_gemm_avx2_avx512_same_bits, 0, 4);
	tcase_add_test(tc, test_threads_env);
	tcase_add_loop_test(tc, test_gemm_beta_zero_ignores_nan, 0, 2);
	tcase_add_test(tc, test_row_and_col_sums);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(mat_suite)
