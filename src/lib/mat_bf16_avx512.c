/* The AVX512-BF16 kernel of the bf16 gemm: a 12 x 32 tile of C in 24 zmm
 * registers summed by VDPBF16PS, one broadcast pair of A per row and two
 * loads of B per pair of k; and its packer (rounding and interleaving with
 * AVX-512 integer operations). Compiled for its target by attribute,
 * selected at run time. */
#include "mat.h"
#include "mat_bf16_kern.h"

#include <string.h>

#if defined(__x86_64__) && ((defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 10) ||        \
			    (defined(__clang__) && __clang_major__ >= 9))
#include <immintrin.h>

#define TARGET __attribute__((target("avx512bf16,avx512f,avx512bw,avx512vl")))

/* mat_bf16_round of each lane of x, in the low 16 bits of its word. */
TARGET static inline __m512i round16(__m512 x)
{
	const __m512i one = _mm512_set1_epi32(1), half = _mm512_set1_epi32(0x7fff);
	const __m512i expo = _mm512_set1_epi32(0x7f800000);
	__m512i u = _mm512_castps_si512(x), top = _mm512_srli_epi32(u, 16);
	__m512i r = _mm512_add_epi32(u, _mm512_add_epi32(half, _mm512_and_si512(top, one)));
	__mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
	__mmask16 tiny = _mm512_testn_epi32_mask(u, expo);

	r = _mm512_srli_epi32(r, 16);
	r = _mm512_mask_or_epi32(r, nan, top, _mm512_set1_epi32(0x40));
	return _mm512_mask_and_epi32(r, tiny, top, _mm512_set1_epi32(0x8000));
}

/* Words of pairs from 32 consecutive values (lo: the first 16). */
TARGET static inline __m512i pairs32(__m512 lo, __m512 hi)
{
	__m512i a = round16(lo), b = round16(hi);

	a = _mm512_or_si512(a, _mm512_srli_epi64(a, 16));
	b = _mm512_or_si512(b, _mm512_srli_epi64(b, 16));
	return _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi64_epi32(a)),
				  _mm512_cvtepi64_epi32(b), 1);
}

/* The 16 x 16 block of words at r[0..15] transposed in place. */
TARGET static inline void transpose16(__m512i r[16])
{
	__m512i t[16], u[16];

	for (int i = 0; i < 16; i += 2) {
		t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
		t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
	}
	for (int i = 0; i < 16; i += 4) {
		u[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
		u[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
		u[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
		u[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
	}
	/* u[4 g + c], 128-bit lane l: column 4 l + c of rows 4 g .. 4 g + 3. */
	for (int c = 0; c < 4; c++) {
		__m512i v0 = _mm512_shuffle_i32x4(u[c], u[4 + c], 0x44);
		__m512i v1 = _mm512_shuffle_i32x4(u[c], u[4 + c], 0xee);
		__m512i w0 = _mm512_shuffle_i32x4(u[8 + c], u[12 + c], 0x44);
		__m512i w1 = _mm512_shuffle_i32x4(u[8 + c], u[12 + c], 0xee);

		r[c] = _mm512_shuffle_i32x4(v0, w0, 0x88);
		r[4 + c] = _mm512_shuffle_i32x4(v0, w0, 0xdd);
		r[8 + c] = _mm512_shuffle_i32x4(v1, w1, 0x88);
		r[12 + c] = _mm512_shuffle_i32x4(v1, w1, 0xdd);
	}
}

/* Up to 16 rows (n) of a panel, k contiguous in each (src: the first row,
 * rs apart), into the words of columns 0 .. n - 1 of a panel w wide. */
TARGET static void pack_rows_k(const float *src, size_t rs, size_t n, size_t kc, size_t w,
			       uint32_t *dst)
{
	__mmask16 keep = (__mmask16)((1u << n) - 1);

	for (size_t p = 0; p < kc; p += 32) {
		size_t left = kc - p, np = ((left < 32 ? left : 32) + 1) / 2;
		__mmask16 m0 = left >= 16 ? 0xffff : (__mmask16)((1u << left) - 1);
		__mmask16 m1 = left >= 32  ? 0xffff
			       : left > 16 ? (__mmask16)((1u << (left - 16)) - 1)
					   : 0;
		__m512i r[16];

		for (size_t q = 0; q < 16; q++)
			r[q] = q < n ? pairs32(_mm512_maskz_loadu_ps(m0, src + q * rs + p),
					       _mm512_maskz_loadu_ps(m1, src + q * rs + p + 16))
				     : _mm512_setzero_si512();
		transpose16(r);
		for (size_t q = 0; q < np; q++)
			_mm512_mask_storeu_epi32(dst + (p / 2 + q) * w, keep, r[q]);
	}
}

/* Up to 16 rows (n) of a panel, contiguous across the rows (src: row 0 at
 * k = 0, k steps cs apart), into the words of columns 0 .. n - 1 of a panel
 * w wide. */
TARGET static void pack_rows_i(const float *src, size_t cs, size_t n, size_t kc, size_t w,
			       uint32_t *dst)
{
	__mmask16 keep = (__mmask16)((1u << n) - 1);

	for (size_t p = 0; p < kc; p += 2) {
		__m512i lo = round16(_mm512_maskz_loadu_ps(keep, src + p * cs));
		__m512i hi = p + 1 < kc ? round16(_mm512_maskz_loadu_ps(keep, src + (p + 1) * cs))
					: _mm512_setzero_si512();

		_mm512_mask_storeu_epi32(dst + p / 2 * w, keep,
					 _mm512_or_si512(lo, _mm512_slli_epi32(hi, 16)));
	}
}

/* The packer (bf16_pack_fn): 16 rows of a panel at a time. */
TARGET static void pack_avx512(const float *X, size_t rs, size_t cs, size_t i0, size_t p0,
			       size_t rows, size_t kc, size_t w, uint32_t *dst)
{
	size_t kp = (kc + 1) / 2;

	for (size_t t = 0; t < rows; t += w, dst += w * kp) {
		/* Rows past the block: zero words. */
		if (rows - t < w)
			memset(dst, 0, w * kp * sizeof *dst);
		for (size_t g = 0; g < w && t + g < rows; g += 16) {
			size_t n = rows - t - g;
			const float *src = X + (i0 + t + g) * rs + p0 * cs;

			n = n < 16 ? n : 16;
			n = n < w - g ? n : w - g;
			if (cs == 1)
				pack_rows_k(src, rs, n, kc, w, dst + g);
			else
				pack_rows_i(src, cs, n, kc, w, dst + g);
		}
	}
}

/* 16 elements of a row of C with the epilogue of mat_kern.h. */
TARGET static inline void store16(float *c, __m512 v, const struct mat_kepi *ep, __m512 alpha,
				  int scale, size_t i, size_t j)
{
	__m512 zero = _mm512_setzero_ps();

	if (scale)
		v = _mm512_mul_ps(alpha, v);
	if (!ep->first)
		v = _mm512_add_ps(_mm512_loadu_ps(c), v);
	if (ep->last) {
		if (ep->bias)
			v = _mm512_add_ps(v, _mm512_loadu_ps(ep->bias + j));
		if (ep->act == MAT_ACT_RELU)
			v = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, zero, _CMP_GT_OQ), v);
		else if (ep->act == MAT_ACT_RELU_GRAD)
			v = _mm512_maskz_mov_ps(
			    _mm512_cmp_ps_mask(_mm512_loadu_ps(ep->mask + i * ep->ldm + j), zero,
					       _CMP_GT_OQ),
			    v);
	}
	_mm512_storeu_ps(c, v);
}

#define DP(r, n)                                                                                   \
	do {                                                                                       \
		__m512bh av = (__m512bh)_mm512_set1_epi32((int)a[n]);                              \
		x##r##0 = _mm512_dpbf16_ps(x##r##0, av, b0);                                       \
		x##r##1 = _mm512_dpbf16_ps(x##r##1, av, b1);                                       \
	} while (0)
#define OUT(r, n)                                                                                  \
	do {                                                                                       \
		if (full) {                                                                        \
			store16(C + (n)*ldc, x##r##0, ep, alpha, scale, i + (n), j);               \
			store16(C + (n)*ldc + 16, x##r##1, ep, alpha, scale, i + (n), j + 16);     \
		} else {                                                                           \
			_mm512_storeu_ps(acc + (n)*BC, x##r##0);                                   \
			_mm512_storeu_ps(acc + (n)*BC + 16, x##r##1);                              \
		}                                                                                  \
	} while (0)

/* The epilogue of a whole tile from acc (row stride BC). */
TARGET static void store_full(const float *acc, float *C, size_t ldc, const struct mat_kepi *ep,
			      size_t i, size_t j)
{
	__m512 alpha = _mm512_set1_ps(ep->alpha);
	int scale = ep->alpha != 1.0f;

	for (size_t r = 0; r < BR; r++) {
		store16(C + r * ldc, _mm512_loadu_ps(acc + r * BC), ep, alpha, scale, i + r, j);
		store16(C + r * ldc + 16, _mm512_loadu_ps(acc + r * BC + 16), ep, alpha, scale,
			i + r, j + 16);
	}
}

/* The kernel (bf16_kernel_fn). */
TARGET static void kernel_avx512bf16(size_t kp, const uint32_t *a, const uint32_t *b, float *C,
				     size_t ldc, size_t mr, size_t nr, const struct mat_kepi *ep,
				     size_t i, size_t j)
{
	__m512 x00 = _mm512_setzero_ps(), x01 = x00, x10 = x00, x11 = x00, x20 = x00, x21 = x00,
	       x30 = x00, x31 = x00, x40 = x00, x41 = x00, x50 = x00, x51 = x00, x60 = x00,
	       x61 = x00, x70 = x00, x71 = x00, x80 = x00, x81 = x00, x90 = x00, x91 = x00;
	__m512 xa0 = x00, xa1 = x00, xb0 = x00, xb1 = x00;
	float acc[BR * BC];
	int full = mr == BR && nr == BC;

	for (size_t q = 0; q < kp; q++, a += BR, b += BC) {
		__m512bh b0 = (__m512bh)_mm512_loadu_si512(b);
		__m512bh b1 = (__m512bh)_mm512_loadu_si512(b + 16);

		DP(0, 0);
		DP(1, 1);
		DP(2, 2);
		DP(3, 3);
		DP(4, 4);
		DP(5, 5);
		DP(6, 6);
		DP(7, 7);
		DP(8, 8);
		DP(9, 9);
		DP(a, 10);
		DP(b, 11);
	}
	__m512 alpha = _mm512_set1_ps(ep->alpha);
	int scale = ep->alpha != 1.0f;

	OUT(0, 0);
	OUT(1, 1);
	OUT(2, 2);
	OUT(3, 3);
	OUT(4, 4);
	OUT(5, 5);
	OUT(6, 6);
	OUT(7, 7);
	OUT(8, 8);
	OUT(9, 9);
	OUT(a, 10);
	OUT(b, 11);
	if (!full)
		mat_epilogue_scalar(acc, BC, C, ldc, mr, nr, ep, i, j);
}

void mat_bf16_store_tile(const float *acc, float *C, size_t ldc, size_t mr, size_t nr,
			 const struct mat_kepi *ep, size_t i, size_t j)
{
	if (mr == BR && nr == BC)
		store_full(acc, C, ldc, ep, i, j);
	else
		mat_epilogue_scalar(acc, BC, C, ldc, mr, nr, ep, i, j);
}

/* Whether the CPU runs the kernel. */
static int supported(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
	       __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16");
}

bf16_kernel_fn mat_bf16_kernel_avx512(void)
{
	return supported() ? kernel_avx512bf16 : NULL;
}

bf16_pack_fn mat_bf16_packer_avx512(void)
{
	return supported() ? pack_avx512 : NULL;
}

#else

void mat_bf16_store_tile(const float *acc, float *C, size_t ldc, size_t mr, size_t nr,
			 const struct mat_kepi *ep, size_t i, size_t j)
{
	mat_epilogue_scalar(acc, BC, C, ldc, mr, nr, ep, i, j);
}

bf16_kernel_fn mat_bf16_kernel_avx512(void)
{
	return NULL;
}

bf16_pack_fn mat_bf16_packer_avx512(void)
{
	return NULL;
}

#endif
