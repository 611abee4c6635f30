/* The bf16 gemm (mat.h): rounding to bfloat16, packing in pairs of k, the
 * cache blocking and thread grid, and its two kernels, VDPBF16PS (AVX512-BF16,
 * compiled by attribute and chosen at run time) and a portable emulation of
 * that instruction's arithmetic. */
#include "mat.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mat_bf16_kern.h"
#include "mat_kern.h"
#include "pool.h"

/*
 * The layout. op(A) and op(B) are rounded to bfloat16 while they are packed,
 * two consecutive values of k in one 32-bit word (the lower half holds the
 * even k), which is what VDPBF16PS multiplies: word q of a row pairs k = 2q
 * and 2q + 1, an odd k ending in a zero. A panel holds BR rows of op(A) as
 * a[q BR + r]; a panel of op(B) BC columns as b[q BC + c]. The micro-tile is
 * BR x BC of C in 24 zmm accumulators.
 *
 * The arithmetic, that of VDPBF16PS (Intel SDM): for each pair,
 *   t = t + a[2q+1] b[2q+1];  t = t + a[2q] b[2q]
 * each a fused multiply-add rounded to nearest even, subnormal results
 * flushed to zero (inputs cannot be subnormal: the rounding flushes them).
 * A tile's sum starts from zero at each KC block of k and reaches C through
 * the epilogue of mat_kern.h, as in the fp32 gemm. The KC blocking depends
 * on k alone and each element of C is summed by one thread, so the results
 * are the same bits for any thread count, and the emulation gives the same
 * bits as the instruction.
 */
/* BR, BC: mat_bf16_kern.h. */
#define KC MAT_BF16_KC
#define MC 240
#define NC 1024

/* Below this many multiply-adds a product runs on one thread. */
#define PAR_MIN_FMA ((size_t)1 << 18)

static int precision = MAT_PREC_FP32;
static struct bf16_tier tier; /* kernel NULL: not chosen yet */

/* Packing buffers of each thread, allocated once at their largest size. */
static uint32_t *ws_a[POOL_MAX_THREADS], *ws_b[POOL_MAX_THREADS];

uint16_t mat_bf16_round(float x)
{
	uint32_t u;

	memcpy(&u, &x, sizeof u);
	if ((u & 0x7f800000u) == 0x7f800000u && (u & 0x007fffffu))
		return (uint16_t)((u >> 16) | 0x40u); /* NaN: quiet, sign kept */
	if ((u & 0x7f800000u) == 0)
		return (uint16_t)((u >> 16) & 0x8000u); /* zero, subnormal: signed zero */
	u += 0x7fffu + ((u >> 16) & 1u);
	return (uint16_t)(u >> 16);
}

float mat_bf16_float(uint16_t h)
{
	uint32_t u = (uint32_t)h << 16;
	float x;

	memcpy(&x, &u, sizeof x);
	return x;
}

static size_t round_up(size_t x, size_t to)
{
	return (x + to - 1) / to * to;
}

static size_t min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* The pair of op(X) at row i, k = p and p + 1, as one word; k >= kc is 0. */
static uint32_t pair_at(const float *X, size_t rs, size_t cs, size_t i, size_t p, size_t kc)
{
	uint32_t lo = mat_bf16_round(X[i * rs + p * cs]);
	uint32_t hi = p + 1 < kc ? mat_bf16_round(X[i * rs + (p + 1) * cs]) : 0;

	return lo | hi << 16;
}

/* The portable packer (bf16_pack_fn): one value at a time. */
static void pack_portable(const float *X, size_t rs, size_t cs, size_t i0, size_t p0, size_t rows,
			  size_t kc, size_t w, uint32_t *dst)
{
	size_t kp = (kc + 1) / 2;

	for (size_t t = 0; t < rows; t += w, dst += w * kp)
		for (size_t q = 0; q < kp; q++)
			for (size_t r = 0; r < w; r++)
				dst[q * w + r] = t + r < rows ? pair_at(X + p0 * cs, rs, cs,
									i0 + t + r, 2 * q, kc)
							      : 0;
}

/* t + x y rounded once, a subnormal result flushed to (signed) zero. */
static float fma_ftz(float x, float y, float t)
{
	float v = fmaf(x, y, t);

	return fabsf(v) < 0x1p-126f ? copysignf(0.0f, v) : v;
}

/* The emulation of VDPBF16PS (bf16_kernel_fn). */
static void kernel_portable(size_t kp, const uint32_t *a, const uint32_t *b, float *C, size_t ldc,
			    size_t mr, size_t nr, const struct mat_kepi *ep, size_t i, size_t j)
{
	float acc[BR * BC];

	memset(acc, 0, sizeof acc);
	for (size_t q = 0; q < kp; q++, a += BR, b += BC)
		for (size_t r = 0; r < BR; r++) {
			float alo = mat_bf16_float((uint16_t)a[r]);
			float ahi = mat_bf16_float((uint16_t)(a[r] >> 16));

			for (size_t c = 0; c < BC; c++) {
				float *t = acc + r * BC + c;

				*t = fma_ftz(ahi, mat_bf16_float((uint16_t)(b[c] >> 16)), *t);
				*t = fma_ftz(alo, mat_bf16_float((uint16_t)b[c]), *t);
			}
		}
	mat_epilogue_scalar(acc, BC, C, ldc, mr, nr, ep, i, j);
}

/* The tier of one kernel whose packers are the usual ones. */
static int usual(bf16_kernel_fn kernel, bf16_pack_fn packer, const char *label)
{
	if (!kernel || !packer)
		return -1;
	tier = (struct bf16_tier){kernel, packer, packer, 1, label};
	return 0;
}

/* The kernel and packers of MAT_BF16_AUTO, unless one is chosen: AMX, then
 * AVX512-BF16, then the emulation. */
static void select_kernel(void)
{
	if (tier.kernel)
		return;
	if (mat_bf16_amx(&tier) == 0 ||
	    usual(mat_bf16_kernel_avx512(), mat_bf16_packer_avx512(), "avx512bf16") == 0)
		return;
	usual(kernel_portable, pack_portable, "emulated");
}

int mat_set_bf16_kernel(int which)
{
	switch (which) {
	case MAT_BF16_AUTO:
		tier.kernel = NULL;
		select_kernel();
		return 0;
	case MAT_BF16_EMULATED:
		return usual(kernel_portable, pack_portable, "emulated");
	case MAT_BF16_AVX512:
		return usual(mat_bf16_kernel_avx512(), mat_bf16_packer_avx512(), "avx512bf16");
	case MAT_BF16_AMX:
		return mat_bf16_amx(&tier);
	default:
		return -1;
	}
}

const char *mat_bf16_kernel_name(void)
{
	select_kernel();
	return tier.label;
}

void mat_set_precision(int prec)
{
	precision = prec;
	if (prec != MAT_PREC_FP32)
		select_kernel(); /* here, before any thread asks mat_bf16_chosen */
}

int mat_precision(void)
{
	return precision;
}

int mat_bf16_auto_possible(void)
{
	select_kernel();
	return tier.kpad == AMX_KP;
}

int mat_bf16_chosen(size_t m, size_t n, size_t k)
{
	if (precision == MAT_PREC_BF16)
		return 1;
	if (precision != MAT_PREC_AUTO)
		return 0;
	/* MAT_PREC_AUTO (mat.h): only the AMX kernel beats fp32, and only on
	 * products that are not small. */
	return mat_bf16_auto_possible() && m >= MAT_BF16_AUTO_M && n >= MAT_BF16_AUTO_N &&
	       k >= MAT_BF16_AUTO_K && (double)m * (double)n * (double)k >= MAT_BF16_AUTO_FMA;
}

/* The KC blocking of k: blocks of nearly equal, even length; k alone fixes it. */
static size_t k_block(size_t k)
{
	size_t nb = (k + KC - 1) / KC, len = (k + nb - 1) / nb;

	return (len + 1) / 2 * 2;
}

/* The MC blocking of m: nearly equal heights in whole tiles. */
static size_t m_block(size_t m)
{
	size_t nb = (m + MC - 1) / MC, len = (m + nb - 1) / nb;

	return min_sz((len + BR - 1) / BR * BR, MC);
}

/* The tiles of an mc x nc block of C (at row i0, column j0 of the rectangle). */
static void tiles(size_t kp, size_t mc, size_t nc, const uint32_t *pa, const uint32_t *pb, float *C,
		  size_t ldc, const struct mat_kepi *e, size_t i0, size_t j0)
{
	for (size_t ir = 0; ir < mc; ir += BR)
		for (size_t jr = 0; jr < nc; jr += BC)
			tier.kernel(kp, pa + ir * kp, pb + jr * kp, C + ir * ldc + jr, ldc,
			       min_sz(mc - ir, BR), min_sz(nc - jr, BC), e, i0 + ir, j0 + jr);
}

/* One product cut into a tm x tn grid of rectangles of C. */
struct job {
	int ta, tb;
	size_t m, n, k;
	float alpha, beta;
	const float *A, *B;
	size_t lda, ldb, ldc;
	float *C;
	const struct mat_epilogue *ep;
	size_t tm, tn;
};

/* The blocked product on the rectangle rows i0 .. i1, columns j0 .. j1, with
 * the packing buffers pa, pb. */
static void blocked(const struct job *jb, size_t i0, size_t i1, size_t j0, size_t j1, uint32_t *pa,
		    uint32_t *pb)
{
	size_t kcb = k_block(jb->k), mcb = m_block(i1 - i0);
	/* op(X)[i][p] = X[i rs + p cs] */
	size_t ars = jb->ta ? 1 : jb->lda, acs = jb->ta ? jb->lda : 1;
	size_t brs = jb->tb ? jb->ldb : 1, bcs = jb->tb ? 1 : jb->ldb;
	struct mat_kepi e = {
	    .alpha = jb->alpha,
	    .bias = jb->ep && jb->ep->bias ? jb->ep->bias + j0 : NULL,
	    .act = jb->ep ? jb->ep->act : MAT_ACT_NONE,
	    .mask = jb->ep && jb->ep->act == MAT_ACT_RELU_GRAD
			? jb->ep->mask + i0 * jb->ep->ldm + j0
			: NULL,
	    .ldm = jb->ep ? jb->ep->ldm : 0,
	};
	float *C = jb->C + i0 * jb->ldc + j0;

	for (size_t jc = 0; jc < j1 - j0; jc += NC) {
		size_t nc = min_sz(j1 - j0 - jc, NC);

		for (size_t p0 = 0; p0 < jb->k; p0 += kcb) {
			size_t kc = min_sz(jb->k - p0, kcb);
			size_t kp = round_up((kc + 1) / 2, tier.kpad);

			e.first = p0 == 0 && jb->beta == 0.0f;
			e.last = p0 + kc == jb->k;
			tier.pack_b(jb->B, brs, bcs, j0 + jc, p0, nc, kc, BC, pb);
			for (size_t ic = 0; ic < i1 - i0; ic += mcb) {
				size_t mc = min_sz(i1 - i0 - ic, mcb);

				tier.pack_a(jb->A, ars, acs, i0 + ic, p0, mc, kc, BR, pa);
				tiles(kp, mc, nc, pa, pb, C + ic * jb->ldc + jc, jb->ldc, &e, ic,
				      jc);
			}
		}
	}
}

/* Start of part t of n over len split at multiples of size. */
static size_t split(size_t len, size_t size, size_t t, size_t n)
{
	size_t tiles_n = (len + size - 1) / size;

	return min_sz(tiles_n * t / n * size, len);
}

/* Part part of the job's grid (a pool_fn), with thread t's buffers. */
static void run_part(void *ctx, size_t part, size_t n_parts, size_t t)
{
	const struct job *jb = ctx;
	size_t a = part / jb->tn, b = part % jb->tn;
	size_t i0 = split(jb->m, BR, a, jb->tm), i1 = split(jb->m, BR, a + 1, jb->tm);
	size_t j0 = split(jb->n, BC, b, jb->tn), j1 = split(jb->n, BC, b + 1, jb->tn);

	(void)n_parts;
	if (i0 == i1 || j0 == j1)
		return;
	if (!ws_a[t])
		ws_a[t] = aligned_alloc(64, (size_t)MC * (KC / 2 + AMX_KP) * sizeof(uint32_t));
	if (!ws_b[t])
		ws_b[t] = aligned_alloc(64, (size_t)NC * (KC / 2 + AMX_KP) * sizeof(uint32_t));
	if (!ws_a[t] || !ws_b[t]) {
		/* Out of memory for the packing buffers: tile by tile with
		 * buffers of a tile's size, the same sums. */
		uint32_t pa[BR * (KC / 2 + AMX_KP)], pb[BC * (KC / 2 + AMX_KP)];

		for (size_t i = i0; i < i1; i += BR)
			for (size_t j = j0; j < j1; j += BC)
				blocked(jb, i, min_sz(i + BR, i1), j, min_sz(j + BC, j1), pa, pb);
		return;
	}
	blocked(jb, i0, i1, j0, j1, ws_a[t], ws_b[t]);
}

/* The grid for p threads: as many rectangles as the tiles allow, then the
 * one that packs the least twice. */
static void choose_grid(size_t m, size_t n, size_t p, size_t *tm, size_t *tn)
{
	size_t tiles_m = (m + BR - 1) / BR, tiles_n = (n + BC - 1) / BC, best = 0;
	double best_cost = 0.0;

	*tm = *tn = 1;
	for (size_t a = 1; a <= p && a <= tiles_m; a++)
		for (size_t b = 1; a * b <= p && b <= tiles_n; b++) {
			double cost = (double)(b - 1) * (double)m + (double)(a - 1) * (double)n;

			if (a * b > best || (a * b == best && cost < best_cost)) {
				best = a * b;
				best_cost = cost;
				*tm = a;
				*tn = b;
			}
		}
}

void mat_gemm_bf16(int ta, int tb, size_t m, size_t n, size_t k, float alpha, const float *A,
		   size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc,
		   const struct mat_epilogue *ep)
{
	struct job jb = {ta, tb, m, n, k, alpha, beta, A, B, lda, ldb, ldc, C, ep, 1, 1};
	size_t p = pool_threads();

	if (m == 0 || n == 0)
		return;
	if (k == 0 || alpha == 0.0f) {
		/* No product: the fp32 gemm's bits. */
		mat_gemm_ex(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, ep);
		return;
	}
	select_kernel();
	if (beta != 0.0f && beta != 1.0f) {
		for (size_t i = 0; i < m; i++)
			for (size_t j = 0; j < n; j++)
				C[i * ldc + j] *= beta;
		jb.beta = 1.0f;
	}
	if (p > 1 && m * n * k >= PAR_MIN_FMA && m * n >= 2 * BR * BC)
		choose_grid(m, n, min_sz(p, m * n * k / (PAR_MIN_FMA / 2)), &jb.tm, &jb.tn);
	pool_run(run_part, &jb, jb.tm * jb.tn);
}
