/* The AVX2/FMA micro-kernel: a 6 x 16 tile of C in twelve ymm registers,
 * one broadcast of A and two loads of B per step of k; and the AVX-512
 * ones, a 12 x 32 tile in 24 zmm registers and, for the rows left below
 * those, up to 6 x 32 in 12. Compiled for their targets by attribute,
 * selected at run time. */
#include "mat.h"
#include "mat_kern.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_AVX2_KERNEL 1
#include <immintrin.h>

#define TARGET __attribute__((target("avx2,fma")))
#define NR_HALVES (MAT_NR / 8)

/* One row of the tile into C with the epilogue of mat_kern.h. */
TARGET static inline void store_row(float *c, __m256 lo, __m256 hi, const struct mat_kepi *ep,
				    __m256 alpha, int scale, size_t i, size_t j)
{
	__m256 zero = _mm256_setzero_ps();

	if (scale) {
		lo = _mm256_mul_ps(alpha, lo);
		hi = _mm256_mul_ps(alpha, hi);
	}
	if (!ep->first) {
		lo = _mm256_add_ps(_mm256_loadu_ps(c), lo);
		hi = _mm256_add_ps(_mm256_loadu_ps(c + 8), hi);
	}
	if (ep->last) {
		if (ep->bias) {
			lo = _mm256_add_ps(lo, _mm256_loadu_ps(ep->bias + j));
			hi = _mm256_add_ps(hi, _mm256_loadu_ps(ep->bias + j + 8));
		}
		if (ep->act == MAT_ACT_RELU) {
			lo = _mm256_and_ps(lo, _mm256_cmp_ps(lo, zero, _CMP_GT_OQ));
			hi = _mm256_and_ps(hi, _mm256_cmp_ps(hi, zero, _CMP_GT_OQ));
		} else if (ep->act == MAT_ACT_RELU_GRAD) {
			const float *mk = ep->mask + i * ep->ldm + j;

			lo = _mm256_and_ps(lo,
					   _mm256_cmp_ps(_mm256_loadu_ps(mk), zero, _CMP_GT_OQ));
			hi = _mm256_and_ps(
				hi, _mm256_cmp_ps(_mm256_loadu_ps(mk + 8), zero, _CMP_GT_OQ));
		}
	}
	_mm256_storeu_ps(c, lo);
	_mm256_storeu_ps(c + 8, hi);
}

/* store_row for the first nr < 16 columns, through masked loads and
 * stores (lanes past nr are neither read nor written). */
TARGET static inline void store_row_part(float *c, __m256 lo, __m256 hi,
					 const struct mat_kepi *ep, __m256 alpha, int scale,
					 size_t i, size_t j, __m256i m0, __m256i m1)
{
	__m256 zero = _mm256_setzero_ps();

	if (scale) {
		lo = _mm256_mul_ps(alpha, lo);
		hi = _mm256_mul_ps(alpha, hi);
	}
	if (!ep->first) {
		lo = _mm256_add_ps(_mm256_maskload_ps(c, m0), lo);
		hi = _mm256_add_ps(_mm256_maskload_ps(c + 8, m1), hi);
	}
	if (ep->last) {
		if (ep->bias) {
			lo = _mm256_add_ps(lo, _mm256_maskload_ps(ep->bias + j, m0));
			hi = _mm256_add_ps(hi, _mm256_maskload_ps(ep->bias + j + 8, m1));
		}
		if (ep->act == MAT_ACT_RELU) {
			lo = _mm256_and_ps(lo, _mm256_cmp_ps(lo, zero, _CMP_GT_OQ));
			hi = _mm256_and_ps(hi, _mm256_cmp_ps(hi, zero, _CMP_GT_OQ));
		} else if (ep->act == MAT_ACT_RELU_GRAD) {
			const float *mk = ep->mask + i * ep->ldm + j;

			lo = _mm256_and_ps(lo, _mm256_cmp_ps(_mm256_maskload_ps(mk, m0), zero,
							     _CMP_GT_OQ));
			hi = _mm256_and_ps(hi, _mm256_cmp_ps(_mm256_maskload_ps(mk + 8, m1), zero,
							     _CMP_GT_OQ));
		}
	}
	_mm256_maskstore_ps(c, m0, lo);
	_mm256_maskstore_ps(c + 8, m1, hi);
}

#define STEP(a, b)                                                                         \
	do {                                                                               \
		__m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps((b) + 8), av;         \
		av = _mm256_broadcast_ss(a);                                               \
		c00 = _mm256_fmadd_ps(av, b0, c00);                                        \
		c01 = _mm256_fmadd_ps(av, b1, c01);                                        \
		av = _mm256_broadcast_ss((a) + 1);                                         \
		c10 = _mm256_fmadd_ps(av, b0, c10);                                        \
		c11 = _mm256_fmadd_ps(av, b1, c11);                                        \
		av = _mm256_broadcast_ss((a) + 2);                                         \
		c20 = _mm256_fmadd_ps(av, b0, c20);                                        \
		c21 = _mm256_fmadd_ps(av, b1, c21);                                        \
		av = _mm256_broadcast_ss((a) + 3);                                         \
		c30 = _mm256_fmadd_ps(av, b0, c30);                                        \
		c31 = _mm256_fmadd_ps(av, b1, c31);                                        \
		av = _mm256_broadcast_ss((a) + 4);                                         \
		c40 = _mm256_fmadd_ps(av, b0, c40);                                        \
		c41 = _mm256_fmadd_ps(av, b1, c41);                                        \
		av = _mm256_broadcast_ss((a) + 5);                                         \
		c50 = _mm256_fmadd_ps(av, b0, c50);                                        \
		c51 = _mm256_fmadd_ps(av, b1, c51);                                        \
	} while (0)

/* acc = sum over p of a[p] (column) b[p] (row), then the epilogue. */
TARGET static void kernel_avx2(size_t kc, const float *a, const float *b, float *C, size_t ldc,
			       size_t mr, size_t nr, const struct mat_kepi *ep, size_t i,
			       size_t j)
{
	__m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00,
	       c21 = c00, c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
	size_t p = 0;

	for (; p + 4 <= kc; p += 4) {
		_mm_prefetch((const char *)(b + 16 * 8), _MM_HINT_T0);
		STEP(a, b);
		STEP(a + 6, b + 16);
		STEP(a + 12, b + 32);
		STEP(a + 18, b + 48);
		a += 24;
		b += 64;
	}
	for (; p < kc; p++) {
		STEP(a, b);
		a += 6;
		b += 16;
	}
	__m256 alpha = _mm256_set1_ps(ep->alpha);
	int scale = ep->alpha != 1.0f;

	if (nr == MAT_NR) {
		store_row(C, c00, c01, ep, alpha, scale, i, j);
		if (mr > 1)
			store_row(C + ldc, c10, c11, ep, alpha, scale, i + 1, j);
		if (mr > 2)
			store_row(C + 2 * ldc, c20, c21, ep, alpha, scale, i + 2, j);
		if (mr > 3)
			store_row(C + 3 * ldc, c30, c31, ep, alpha, scale, i + 3, j);
		if (mr > 4)
			store_row(C + 4 * ldc, c40, c41, ep, alpha, scale, i + 4, j);
		if (mr > 5)
			store_row(C + 5 * ldc, c50, c51, ep, alpha, scale, i + 5, j);
	} else {
		/* Lane q of the low half is live when q < nr, of the high half
		 * when q + 8 < nr. */
		__m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
		__m256i m0 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)nr), lane);
		__m256i m1 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)nr - 8), lane);

		store_row_part(C, c00, c01, ep, alpha, scale, i, j, m0, m1);
		if (mr > 1)
			store_row_part(C + ldc, c10, c11, ep, alpha, scale, i + 1, j, m0, m1);
		if (mr > 2)
			store_row_part(C + 2 * ldc, c20, c21, ep, alpha, scale, i + 2, j, m0, m1);
		if (mr > 3)
			store_row_part(C + 3 * ldc, c30, c31, ep, alpha, scale, i + 3, j, m0, m1);
		if (mr > 4)
			store_row_part(C + 4 * ldc, c40, c41, ep, alpha, scale, i + 4, j, m0, m1);
		if (mr > 5)
			store_row_part(C + 5 * ldc, c50, c51, ep, alpha, scale, i + 5, j, m0, m1);
	}
}

/* The 8 x 8 block at r[0..7] transposed in place. */
TARGET static inline void transpose8(__m256 r[8])
{
	__m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
	__m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
	__m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
	__m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
	__m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xee);
	__m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xee);
	__m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xee);
	__m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xee);

	r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
	r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
	r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
	r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
	r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
	r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
	r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
	r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

/* A full NR-column panel of op(B) = B^T: dst[p NR + q] = src[q ldb + p],
 * 8 x 8 blocks at a time. */
TARGET static void pack_bt_panel(const float *src, size_t ldb, size_t kc, float *dst)
{
	size_t p = 0;

	for (; p + 8 <= kc; p += 8)
		for (size_t h = 0; h < NR_HALVES; h++) {
			__m256 r[8];

			for (size_t q = 0; q < 8; q++)
				r[q] = _mm256_loadu_ps(src + (8 * h + q) * ldb + p);
			transpose8(r);
			for (size_t q = 0; q < 8; q++)
				_mm256_storeu_ps(dst + (p + q) * MAT_NR + 8 * h, r[q]);
		}
	for (; p < kc; p++)
		for (size_t q = 0; q < MAT_NR; q++)
			dst[p * MAT_NR + q] = src[q * ldb + p];
}

/* A full MR-row panel of op(A) = A: dst[p MR + r] = src[r lda + p]. */
TARGET static void pack_a_panel(const float *src, size_t lda, size_t kc, float *dst)
{
	const __m256i six = _mm256_setr_epi32(-1, -1, -1, -1, -1, -1, 0, 0);
	size_t p = 0;

	for (; p + 8 <= kc; p += 8) {
		__m256 r[8];

		for (size_t q = 0; q < MAT_MR; q++)
			r[q] = _mm256_loadu_ps(src + q * lda + p);
		r[6] = r[7] = _mm256_setzero_ps();
		transpose8(r);
		/* Rows of 8 overlap by 2; the last keeps inside the panel. */
		for (size_t q = 0; q < 7; q++)
			_mm256_storeu_ps(dst + (p + q) * MAT_MR, r[q]);
		_mm256_maskstore_ps(dst + (p + 7) * MAT_MR, six, r[7]);
	}
	for (; p < kc; p++)
		for (size_t q = 0; q < MAT_MR; q++)
			dst[p * MAT_MR + q] = src[q * lda + p];
}

#define TARGET512 __attribute__((target("avx512f,avx2,fma")))

/* 16 elements of a row of C with the epilogue of mat_kern.h. */
TARGET512 static inline void store16(float *c, __m512 v, const struct mat_kepi *ep, __m512 alpha,
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

#define ROW512(r, ap)                                                                      \
	do {                                                                               \
		__m512 av = _mm512_set1_ps((ap)[r]);                                       \
		x##r##0 = _mm512_fmadd_ps(av, b0, x##r##0);                                \
		x##r##1 = _mm512_fmadd_ps(av, b1, x##r##1);                                \
	} while (0)
#define ROW512B(r, ap)                                                                     \
	do {                                                                               \
		__m512 av = _mm512_set1_ps((ap)[r]);                                       \
		y##r##0 = _mm512_fmadd_ps(av, b0, y##r##0);                                \
		y##r##1 = _mm512_fmadd_ps(av, b1, y##r##1);                                \
	} while (0)
#define STORE512(acc0, acc1, r)                                                            \
	do {                                                                               \
		store16(C + (r)*ldc, acc0, ep, alpha, scale, i + (r), j);                  \
		store16(C + (r)*ldc + 16, acc1, ep, alpha, scale, i + (r), j + 16);        \
	} while (0)

/* The rows x 32 tile of C that the epilogue adds to (when it reads C), on
 * its way while the products are summed. */
static inline void prefetch_tile(const float *C, size_t ldc, size_t rows,
				 const struct mat_kepi *ep)
{
	if (!ep->first)
		for (size_t r = 0; r < rows; r++) {
			_mm_prefetch((const char *)(C + r * ldc), _MM_HINT_T0);
			_mm_prefetch((const char *)(C + r * ldc + 16), _MM_HINT_T0);
		}
}

/* The 12 x 32 tile: 24 zmm accumulators, two loads of B and twelve
 * broadcasts of A per step of k. */
TARGET512 static void kernel_avx512(size_t kc, const float *a, const float *b, float *C,
				    size_t ldc, const struct mat_kepi *ep, size_t i, size_t j)
{
	const float *a2 = a + MAT_MR * kc, *bb = b + MAT_NR * kc;
	__m512 x00 = _mm512_setzero_ps(), x01 = x00, x10 = x00, x11 = x00, x20 = x00, x21 = x00,
	       x30 = x00, x31 = x00, x40 = x00, x41 = x00, x50 = x00, x51 = x00;
	__m512 y00 = x00, y01 = x00, y10 = x00, y11 = x00, y20 = x00, y21 = x00, y30 = x00,
	       y31 = x00, y40 = x00, y41 = x00, y50 = x00, y51 = x00;

	prefetch_tile(C, ldc, 2 * MAT_MR, ep);

	for (size_t p = 0; p < kc; p++) {
		__m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(bb);

		ROW512(0, a);
		ROW512(1, a);
		ROW512(2, a);
		ROW512(3, a);
		ROW512(4, a);
		ROW512(5, a);
		ROW512B(0, a2);
		ROW512B(1, a2);
		ROW512B(2, a2);
		ROW512B(3, a2);
		ROW512B(4, a2);
		ROW512B(5, a2);
		a += MAT_MR;
		a2 += MAT_MR;
		b += MAT_NR;
		bb += MAT_NR;
	}
	__m512 alpha = _mm512_set1_ps(ep->alpha);
	int scale = ep->alpha != 1.0f;

	STORE512(x00, x01, 0);
	STORE512(x10, x11, 1);
	STORE512(x20, x21, 2);
	STORE512(x30, x31, 3);
	STORE512(x40, x41, 4);
	STORE512(x50, x51, 5);
	STORE512(y00, y01, 6);
	STORE512(y10, y11, 7);
	STORE512(y20, y21, 8);
	STORE512(y30, y31, 9);
	STORE512(y40, y41, 10);
	STORE512(y50, y51, 11);
}

/* The first mr <= 6 rows of an MR x 2 NR tile from one A panel and two
 * consecutive B panels: for the rows a block leaves over below its wide
 * tiles. The same sums in the same order as the other kernels. */
TARGET512 static void kernel_avx512_rows(size_t kc, const float *a, const float *b, float *C,
					 size_t ldc, size_t mr, const struct mat_kepi *ep, size_t i,
					 size_t j)
{
	const float *bb = b + MAT_NR * kc;
	__m512 x00 = _mm512_setzero_ps(), x01 = x00, x10 = x00, x11 = x00, x20 = x00, x21 = x00,
	       x30 = x00, x31 = x00, x40 = x00, x41 = x00, x50 = x00, x51 = x00;

	prefetch_tile(C, ldc, mr, ep);

	for (size_t p = 0; p < kc; p++) {
		__m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(bb);

		ROW512(0, a);
		ROW512(1, a);
		ROW512(2, a);
		ROW512(3, a);
		ROW512(4, a);
		ROW512(5, a);
		a += MAT_MR;
		b += MAT_NR;
		bb += MAT_NR;
	}
	__m512 alpha = _mm512_set1_ps(ep->alpha);
	int scale = ep->alpha != 1.0f;

	STORE512(x00, x01, 0);
	if (mr > 1)
		STORE512(x10, x11, 1);
	if (mr > 2)
		STORE512(x20, x21, 2);
	if (mr > 3)
		STORE512(x30, x31, 3);
	if (mr > 4)
		STORE512(x40, x41, 4);
	if (mr > 5)
		STORE512(x50, x51, 5);
}

mat_kernel_rows_fn mat_kernel_avx512_rows(void)
{
	return mat_kernel_avx512() ? kernel_avx512_rows : NULL;
}

mat_kernel2_fn mat_kernel_avx512(void)
{
	__builtin_cpu_init();
	if (mat_kernel_avx2() && __builtin_cpu_supports("avx512f"))
		return kernel_avx512;
	return NULL;
}

static const struct mat_packers packers = {pack_a_panel, pack_bt_panel};

const struct mat_packers *mat_packers_avx2(void)
{
	return mat_kernel_avx2() ? &packers : NULL;
}

mat_kernel_fn mat_kernel_avx2(void)
{
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
		return kernel_avx2;
	return NULL;
}

#else

mat_kernel_fn mat_kernel_avx2(void)
{
	return NULL;
}

const struct mat_packers *mat_packers_avx2(void)
{
	return NULL;
}

mat_kernel2_fn mat_kernel_avx512(void)
{
	return NULL;
}

mat_kernel_rows_fn mat_kernel_avx512_rows(void)
{
	return NULL;
}

#endif
