/* The bf16 gemm: the rounding, each kernel against a double-precision
 * reference on the rounded operands, the kernels and thread counts against
 * each other bit for bit, and the precision switch of mat_gemm. */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mat.h"
#include "rng.h"
#include "testutil.h"

static float from_bits(uint32_t u)
{
	float x;

	memcpy(&x, &u, sizeof x);
	return x;
}

START_TEST(test_round)
{
	/* Exact values stay. */
	ck_assert_uint_eq(mat_bf16_round(1.0f), 0x3f80);
	ck_assert_uint_eq(mat_bf16_round(-2.0f), 0xc000);
	ck_assert_uint_eq(mat_bf16_round(0.0f), 0x0000);
	ck_assert_uint_eq(mat_bf16_round(-0.0f), 0x8000);
	/* Halfway: ties to the even neighbour, up or down. */
	ck_assert_uint_eq(mat_bf16_round(from_bits(0x3f808000)), 0x3f80);
	ck_assert_uint_eq(mat_bf16_round(from_bits(0x3f818000)), 0x3f82);
	/* Just off halfway: to the nearer. */
	ck_assert_uint_eq(mat_bf16_round(from_bits(0x3f808001)), 0x3f81);
	ck_assert_uint_eq(mat_bf16_round(from_bits(0x3f807fff)), 0x3f80);
	ck_assert_uint_eq(mat_bf16_round(from_bits(0xbf808001)), 0xbf81);
	/* Rounding up carries into the exponent; the largest floats overflow
	 * to infinity as round to nearest says. */
	ck_assert_uint_eq(mat_bf16_round(from_bits(0x3fffffff)), 0x4000);
	ck_assert_uint_eq(mat_bf16_round(FLT_MAX), 0x7f80);
	ck_assert_uint_eq(mat_bf16_round(-FLT_MAX), 0xff80);
	ck_assert_uint_eq(mat_bf16_round(from_bits(0x7f7f7fff)), 0x7f7f);
	/* Infinities stay; NaNs stay NaNs, quiet, even one whose payload sits
	 * in the low bits only (truncating it would give an infinity). */
	ck_assert_uint_eq(mat_bf16_round(INFINITY), 0x7f80);
	ck_assert_uint_eq(mat_bf16_round(-INFINITY), 0xff80);
	ck_assert(isnan(mat_bf16_float(mat_bf16_round(NAN))));
	ck_assert(isnan(mat_bf16_float(mat_bf16_round(from_bits(0x7f800001)))));
	ck_assert(isnan(mat_bf16_float(mat_bf16_round(from_bits(0xff800001)))));
	ck_assert(signbit(mat_bf16_float(mat_bf16_round(from_bits(0xffc00000)))));
	ck_assert_uint_eq(mat_bf16_round(from_bits(0x7fffffff)) & 0x7fc0, 0x7fc0);
	/* Subnormals become zeros of their sign; the smallest normal stays. */
	ck_assert_uint_eq(mat_bf16_round(from_bits(0x00000001)), 0x0000);
	ck_assert_uint_eq(mat_bf16_round(from_bits(0x007fffff)), 0x0000);
	ck_assert_uint_eq(mat_bf16_round(from_bits(0x807fffff)), 0x8000);
	ck_assert_uint_eq(mat_bf16_round(FLT_MIN), 0x0080);
	/* Back to float is exact. */
	ck_assert(mat_bf16_float(0x3f81) == 1.0f + 1.0f / 128.0f);
	ck_assert(mat_bf16_float(0xc000) == -2.0f);
}
END_TEST

/* Against a double-precision reference over all floats of a range: the
 * rounding is to the nearest bfloat16, ties to the one with an even last
 * bit. */
START_TEST(test_round_nearest)
{
	for (uint32_t u = 0x3f000000; u < 0x40800000; u += 97) {
		float x = from_bits(u);
		double y = (double)mat_bf16_float(mat_bf16_round(x));
		uint16_t h = mat_bf16_round(x);
		double lo = (double)mat_bf16_float((uint16_t)(u >> 16));
		double hi = (double)mat_bf16_float((uint16_t)((u >> 16) + 1));
		double d = fabs((double)x - y), other = fabs((double)x - (y == lo ? hi : lo));

		ck_assert(y == lo || y == hi);
		ck_assert_msg(d < other || (d == other && !(h & 1)), "%08x", (unsigned)u);
	}
}
END_TEST

static void fill(float *v, size_t n, struct dnn_rng *r)
{
	for (size_t i = 0; i < n; i++)
		v[i] = (float)(2.0 * rng_uniform(r) - 1.0);
}

/* op(X)[i][p] as it is multiplied: rounded to bfloat16. */
static double op_at(const float *X, size_t ld, int t, size_t i, size_t p)
{
	return (double)mat_bf16_float(mat_bf16_round(t ? X[p * ld + i] : X[i * ld + p]));
}

/* mat_gemm_bf16 (act 0: no epilogue, 1: bias and relu, 2: relu_grad by a
 * mask) against the product of the
 * rounded operands in double. A sum of k products in float with fused
 * multiply-adds is within k u sum |a b| of the exact one (u = 2^-24, to
 * first order), the alpha scaling and the add of C one rounding each, so
 * the bound is (k + 3) u (|alpha| sum |a b| + |beta C|). */
static void check_case(int ta, int tb, size_t m, size_t n, size_t k, float alpha, float beta,
		       int act)
{
	struct dnn_rng r;
	size_t pad = 3;
	size_t lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
	size_t ra = ta ? k : m, rb = tb ? n : k;
	float *A = malloc(ra * lda * sizeof *A), *B = malloc(rb * ldb * sizeof *B);
	float *C = malloc(m * ldc * sizeof *C), *C0 = malloc(m * ldc * sizeof *C0);
	float *bias = malloc(n * sizeof *bias), *M = malloc(m * n * sizeof *M);
	struct mat_epilogue ep = {act == 1 ? bias : NULL,
				  act == 1 ? MAT_ACT_RELU : MAT_ACT_RELU_GRAD, M, n};

	rng_seed(&r, m * 1000003 + n * 1009 + k + (size_t)ta * 7 + (size_t)tb * 3);
	fill(A, ra * lda, &r);
	fill(B, rb * ldb, &r);
	fill(C, m * ldc, &r);
	fill(bias, n, &r);
	fill(M, m * n, &r);
	memcpy(C0, C, m * ldc * sizeof *C0);
	mat_gemm_bf16(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, act ? &ep : NULL);
	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < ldc; j++) {
			double s = 0.0, sa = 0.0, ref, tol;

			if (j >= n) { /* padding must be untouched */
				ck_assert(C[i * ldc + j] == C0[i * ldc + j]);
				continue;
			}
			for (size_t p = 0; p < k; p++) {
				double v = op_at(A, lda, ta, i, p) * op_at(B, ldb, !tb, j, p);

				s += v;
				sa += fabs(v);
			}
			ref = (double)alpha * s +
			      (beta != 0.0f ? (double)beta * C0[i * ldc + j] : 0.0);
			tol = (double)(k + 3) * 0x1p-24 *
			      (fabs((double)alpha) * sa + fabs((double)beta * C0[i * ldc + j]));
			if (act == 1) {
				ref = ref + (double)bias[j];
				tol += 0x1p-24 * fabs(ref) + 0x1p-24 * fabs((double)bias[j]);
				ref = ref > 0.0 ? ref : 0.0;
			} else if (act == 2 && !(M[i * n + j] > 0.0f)) {
				ref = tol = 0.0;
			}
			ck_assert_msg(fabs((double)C[i * ldc + j] - ref) <= tol + 1e-30,
				      "ta=%d tb=%d m=%zu n=%zu k=%zu (%zu,%zu): %.9g vs %.9g", ta,
				      tb, m, n, k, i, j, (double)C[i * ldc + j], ref);
		}
	free(A);
	free(B);
	free(C);
	free(C0);
	free(bias);
	free(M);
}

static const int kernels[] = {MAT_BF16_EMULATED, MAT_BF16_AVX512, MAT_BF16_AMX};
static const char *const kernel_names[] = {"emulated", "avx512bf16", "amx"};

/* Whether the CPU has what kernel k needs. */
static int cpu_has(int k)
{
#if defined(__x86_64__) && defined(__GNUC__)
	__builtin_cpu_init();
	if (k == MAT_BF16_AVX512)
		return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
		       __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16");
	if (k == MAT_BF16_AMX) {
		unsigned a, b, c, d;

		/* CPUID leaf 7: AMX-BF16 (EDX bit 22), AMX-TILE (bit 24);
		 * DNN_NO_AMX stands for Linux's refusal. */
		__asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
		return (d >> 22 & 1) && (d >> 24 & 1) && !getenv("DNN_NO_AMX") &&
		       cpu_has(MAT_BF16_AVX512);
	}
	return 1;
#else
	return k == MAT_BF16_EMULATED;
#endif
}

/* Select kernel i; 0 (and a line saying so) when the CPU lacks it. */
static int use_kernel(size_t i)
{
	if (mat_set_bf16_kernel(kernels[i])) {
		ck_assert_msg(!cpu_has(kernels[i]), "the CPU has %s but it is unavailable",
			      kernel_names[i]);
		printf("check_bf16: skipping the %s kernel: this CPU lacks it\n", kernel_names[i]);
		return 0;
	}
	ck_assert_msg(cpu_has(kernels[i]), "%s available without what it needs", kernel_names[i]);
	ck_assert_str_eq(mat_bf16_kernel_name(), kernel_names[i]);
	return 1;
}

/* Odd shapes (m, n, k not multiples of the tile, k odd), several blocks of
 * k and of rows and columns, every transposition, alpha, beta, bias and
 * relu or relu_grad, on 1 and 2 threads (where the bias and the mask are
 * cut at the rectangles' edges): _i is kernel * 4 + transposition. */
START_TEST(test_kernel_vs_reference)
{
	static const size_t sizes[] = {1, 2, 3, 11, 13, 31, 33, 47, 65};
	size_t ns = sizeof sizes / sizeof sizes[0];
	int t = _i % 4;

	if (!use_kernel((size_t)_i / 4))
		return;
	for (size_t a = 0; a < ns; a++)
		for (size_t b = 0; b < ns; b += 2)
			for (size_t c = 0; c < ns; c += 2)
				check_case(t >> 1, t & 1, sizes[a], sizes[b], sizes[c], 1.0f, 0.0f,
					   (int)((a + b) % 3));
	ck_assert_int_eq(mat_set_threads(2, NULL), 0);
	check_case(t >> 1, t & 1, 250, 1100, 1031, 0.5f, 1.0f, 0);
	check_case(t >> 1, t & 1, 97, 270, 515, -2.0f, 0.25f, 1);
	check_case(t >> 1, t & 1, 301, 97, 333, 1.0f, 1.0f, 2);
	ck_assert_int_eq(mat_set_threads(1, NULL), 0);
	mat_set_bf16_kernel(MAT_BF16_AUTO);
}
END_TEST

/* C of mat_gemm_bf16 on A, B (with subnormals, NaN and infinities among
 * them when special), relu_grad epilogue, with the kernel and thread count
 * given. */
static float *product(int ta, int tb, size_t m, size_t n, size_t k, int kern, size_t threads,
		      int special)
{
	struct dnn_rng r;
	float *A = malloc(m * k * sizeof *A), *B = malloc(k * n * sizeof *B);
	float *C = malloc(m * n * sizeof *C), *M = malloc(m * n * sizeof *M);
	struct mat_epilogue ep = {NULL, MAT_ACT_RELU_GRAD, M, n};

	rng_seed(&r, 42);
	fill(A, m * k, &r);
	fill(B, k * n, &r);
	fill(M, m * n, &r);
	fill(C, m * n, &r);
	if (special) {
		/* Tiny values whose products underflow (flushed), subnormal
		 * inputs (zeros), and a NaN and an infinity in A. */
		for (size_t i = 0; i < m * k; i += 7)
			A[i] *= 0x1p-70f;
		for (size_t i = 0; i < k * n; i += 5)
			B[i] *= 0x1p-70f;
		for (size_t i = 3; i < m * k; i += 101)
			A[i] = from_bits(0x00012345u);
		A[m * k / 2] = NAN;
		A[m * k / 3] = INFINITY;
	}
	ck_assert_int_eq(mat_set_bf16_kernel(kern), 0);
	ck_assert_int_eq(mat_set_threads(threads, NULL), 0);
	mat_gemm_bf16(ta, tb, m, n, k, 1.0f, A, ta ? m : k, B, tb ? k : n, 1.0f, C, n, &ep);
	mat_set_threads(1, NULL);
	mat_set_bf16_kernel(MAT_BF16_AUTO);
	free(A);
	free(B);
	free(M);
	return C;
}

/* The same bits with 1 and 2 threads, with each kernel. */
START_TEST(test_threads_bit_identical)
{
	int t = _i % 4;
	int kern = kernels[_i / 4];

	if (!use_kernel((size_t)_i / 4))
		return;
	float *c1 = product(t >> 1, t & 1, 301, 257, 1033, kern, 1, 0);
	float *c2 = product(t >> 1, t & 1, 301, 257, 1033, kern, 2, 0);

	ck_assert(memcmp(c1, c2, 301 * 257 * sizeof *c1) == 0);
	free(c1);
	free(c2);
}
END_TEST

/* VDPBF16PS against its emulation: the same bits, subnormals and
 * underflowing products included (NaNs compared as NaNs). */
START_TEST(test_avx512_same_bits_as_emulation)
{
	int t = _i % 4;

	if (!use_kernel(1))
		return;
	for (int special = 0; special < 2; special++) {
		float *e = product(t >> 1, t & 1, 97, 131, 521, MAT_BF16_EMULATED, 1, special);
		float *h = product(t >> 1, t & 1, 97, 131, 521, MAT_BF16_AVX512, 1, special);

		for (size_t i = 0; i < 97 * 131; i++)
			ck_assert_msg((isnan(e[i]) && isnan(h[i])) ||
					  memcmp(e + i, h + i, sizeof *e) == 0,
				      "t=%d special=%d at %zu: %a vs %a", t, special, i,
				      (double)e[i], (double)h[i]);
		free(e);
		free(h);
	}
}
END_TEST

/* mat_gemm follows the precision: fp32 is the float gemm, bf16 the bf16
 * one, auto the bf16 one only for shapes its rule accepts. */
START_TEST(test_precision_switch)
{
	size_t m = 70, n = 90, k = 1001;
	struct dnn_rng r;
	float *A = malloc(m * k * sizeof *A), *B = malloc(k * n * sizeof *B);
	float *C = malloc(m * n * sizeof *C), *D = malloc(m * n * sizeof *D);

	rng_seed(&r, 7);
	fill(A, m * k, &r);
	fill(B, k * n, &r);
	mat_set_precision(MAT_PREC_BF16);
	ck_assert(mat_bf16_chosen(1, 1, 1));
	mat_gemm(0, 0, m, n, k, 1.0f, A, k, B, n, 0.0f, C, n);
	mat_gemm_bf16(0, 0, m, n, k, 1.0f, A, k, B, n, 0.0f, D, n, NULL);
	ck_assert(memcmp(C, D, m * n * sizeof *C) == 0);
	mat_set_precision(MAT_PREC_FP32);
	ck_assert(!mat_bf16_chosen(4096, 4096, 4096));
	mat_gemm(0, 0, m, n, k, 1.0f, A, k, B, n, 0.0f, C, n);
	ck_assert(memcmp(C, D, m * n * sizeof *C) != 0);
	/* auto's measured rule: neither VDPBF16PS nor the emulation beats
	 * fp32 at any shape; AMX does on products that are not small. */
	ck_assert_int_eq(mat_set_bf16_kernel(MAT_BF16_AVX512) == 0 || cpu_has(MAT_BF16_AVX512) == 0,
			 1);
	mat_set_precision(MAT_PREC_AUTO);
	ck_assert(!mat_bf16_auto_possible());
	ck_assert(!mat_bf16_chosen(8, 4096, 4096));
	ck_assert(!mat_bf16_chosen(2048, 2048, 2048));
	mat_gemm(0, 0, m, n, k, 1.0f, A, k, B, n, 0.0f, D, n);
	ck_assert(memcmp(C, D, m * n * sizeof *C) == 0);
	if (mat_set_bf16_kernel(MAT_BF16_AMX) == 0) {
		float *E = malloc(m * n * sizeof *E);

		ck_assert(mat_bf16_auto_possible());
		ck_assert(mat_bf16_chosen(2048, 2048, 2048));
		ck_assert(mat_bf16_chosen(64, 128, 256));
		ck_assert(!mat_bf16_chosen(64, 10, 128));  /* an output layer */
		ck_assert(!mat_bf16_chosen(32, 32, 32));   /* too small */
		ck_assert(!mat_bf16_chosen(8, 4096, 4096)); /* too few rows */
		mat_gemm(0, 0, m, n, k, 1.0f, A, k, B, n, 0.0f, D, n);
		mat_gemm_bf16(0, 0, m, n, k, 1.0f, A, k, B, n, 0.0f, E, n, NULL);
		ck_assert(memcmp(D, E, m * n * sizeof *D) == 0);
		free(E);
	}
	mat_set_bf16_kernel(MAT_BF16_AUTO);
	mat_set_precision(MAT_PREC_FP32);
	free(A);
	free(B);
	free(C);
	free(D);
}
END_TEST

static Suite *bf16_suite(void)
{
	Suite *s = suite_create("bf16");
	TCase *tc = tcase_create("bf16");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_round);
	tcase_add_test(tc, test_round_nearest);
	tcase_add_loop_test(tc, test_kernel_vs_reference, 0, 12);
	tcase_add_loop_test(tc, test_threads_bit_identical, 0, 12);
	tcase_add_loop_test(tc, test_avx512_same_bits_as_emulation, 0, 4);
	tcase_add_test(tc, test_precision_switch);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(bf16_suite)
