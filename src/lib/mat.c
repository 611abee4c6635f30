/* The gemm and its friends (mat.h): cache blocking, packing, the thread grid
 * over the pool, and the choice of micro-kernel (mat_kern.h). */
#include "mat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mat_blas.h"
#include "mat_kern.h"
#include "pool.h"
#include "util.h"

/*
 * A packed, cache-blocked gemm (the BLIS blocking). op(B) is cut into
 * KC x NC blocks and op(A) into MC x KC blocks; each block is copied
 * ("packed") into contiguous panels of NR columns (B) or MR rows (A),
 * zero-padded at the edges, so that the micro-kernel streams both operands
 * with unit stride whatever the transposition: an MR-panel of A stays in
 * L1 while the NR-panels of B stream from L2 (see tiles). The micro-kernel
 * keeps an MR x NR tile of C in registers and adds it to C once per KC
 * block; bias and activation are applied in the same store on the last
 * block. With AVX-512 the tiles are 2 MR x 2 NR (two panels of each), the
 * rows a block leaves below them MR x 2 NR.
 *
 * Threads split C into a grid of rectangles, one per thread, at tile
 * boundaries, and each runs the blocked product on its rectangle with its own
 * packing buffers. k is never split and the KC blocking depends only on k,
 * so every element of C is summed in the same order whatever the thread
 * count: results are bit-identical for 1 or N threads. The price is that
 * panels shared by two rectangles are packed twice, which costs O(mk + kn)
 * against O(mnk) of arithmetic.
 */

#define MR MAT_MR
#define NR MAT_NR
/* KC fixes the summation order (see k_block) and must not change. MC x KC
 * of A (264 KiB) and KC x NC of B (1.5 MiB) share a 2 MiB L2; MC is a
 * multiple of the wide kernel's 2 MR rows and NC of its 2 NR columns. */
#define KC 256
#define MC 264
#define NC 1536

/* Below this many multiply-adds a gemm runs on one thread: waking a worker
 * costs more than it saves. */
#define PAR_MIN_FMA ((size_t)1 << 18)

/* Packing buffers of each thread, allocated at their largest size the first
 * time a thread needs them, so that no later call allocates. */
struct workspace {
	float *a, *b;
};
static struct workspace ws[POOL_MAX_THREADS];

static mat_kernel_fn kernel;
static mat_kernel2_fn kernel2;	/* the wide kernel, or NULL */
static mat_kernel_rows_fn kernel_rows; /* its rows left over, or NULL */
static const char *kernel_label;
static const struct mat_packers *packers;	/* NULL: the loops below */

static size_t min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

static size_t round_up(size_t x, size_t to)
{
	return (x + to - 1) / to * to;
}

void mat_epilogue_scalar(const float *acc, size_t lda, float *C, size_t ldc, size_t mr,
			 size_t nr, const struct mat_kepi *ep, size_t i, size_t j)
{
	for (size_t r = 0; r < mr; r++) {
		float *c = C + r * ldc;

		for (size_t q = 0; q < nr; q++) {
			float v = acc[r * lda + q];

			if (ep->alpha != 1.0f)
				v = ep->alpha * v;
			if (!ep->first)
				v = c[q] + v;
			if (ep->last) {
				if (ep->bias)
					v = v + ep->bias[j + q];
				if (ep->act == MAT_ACT_RELU)
					v = v > 0.0f ? v : 0.0f;
				else if (ep->act == MAT_ACT_RELU_GRAD)
					v = ep->mask[(i + r) * ep->ldm + j + q] > 0.0f ? v : 0.0f;
			}
			c[q] = v;
		}
	}
}

/* Portable micro-kernel: acc = sum over p of a[p] (column) b[p] (row), each
 * product rounded before it is added (no fused multiply-add). */
static void kernel_portable(size_t kc, const float *a, const float *b, float *C, size_t ldc,
			    size_t mr, size_t nr, const struct mat_kepi *ep, size_t i, size_t j)
{
	float acc[MR * NR];

	memset(acc, 0, sizeof acc);
	for (size_t p = 0; p < kc; p++) {
		for (size_t r = 0; r < MR; r++) {
			float av = a[r];
			float *row = acc + r * NR;

			for (size_t q = 0; q < NR; q++)
				row[q] += av * b[q];
		}
		a += MR;
		b += NR;
	}
	mat_epilogue_scalar(acc, NR, C, ldc, mr, nr, ep, i, j);
}

static void select_kernel(void)
{
	if (kernel)
		return;
	kernel = mat_kernel_avx2();
	kernel2 = mat_kernel_avx512();
	kernel_rows = mat_kernel_avx512_rows();
	kernel_label = kernel2 ? "avx512" : "avx2";
	packers = mat_packers_avx2();
	if (!kernel) {
		kernel = kernel_portable;
		kernel_label = "portable";
	}
}

static int set_builtin_kernel(int which)
{
	mat_kernel_fn k;

	switch (which) {
	case MAT_KERNEL_AUTO:
		kernel = NULL;
		select_kernel();
		return 0;
	case MAT_KERNEL_PORTABLE:
		packers = NULL;
		kernel2 = NULL;
		kernel_rows = NULL;
		kernel = kernel_portable;
		kernel_label = "portable";
		return 0;
	case MAT_KERNEL_AVX2:
		k = mat_kernel_avx2();
		if (!k)
			return -1;
		kernel = k;
		kernel2 = NULL;
		kernel_rows = NULL;
		packers = mat_packers_avx2();
		kernel_label = "avx2";
		return 0;
	case MAT_KERNEL_AVX512:
		if (!mat_kernel_avx512())
			return -1;
		kernel = mat_kernel_avx2();
		kernel2 = mat_kernel_avx512();
		kernel_rows = mat_kernel_avx512_rows();
		packers = mat_packers_avx2();
		kernel_label = "avx512";
		return 0;
	default:
		return -1;
	}
}

const char *mat_builtin_kernel_name(void)
{
	select_kernel();
	return kernel_label;
}

/* ---- An external BLAS (mat_blas.c) ---------------------------------- */

/* Whether the products go to the BLAS (when there is one): the default. */
static int blas_on = 1;

int mat_set_kernel(int which)
{
	if (which == MAT_KERNEL_BLAS) {
		if (!mat_blas_name())
			return -1;
		blas_on = 1;
		return 0;
	}
	if (set_builtin_kernel(which == MAT_KERNEL_BUILTIN ? MAT_KERNEL_AUTO : which))
		return -1;
	blas_on = which == MAT_KERNEL_AUTO;
	return 0;
}

const char *mat_kernel_name(void)
{
	if (blas_on && mat_blas_name())
		return mat_blas_name();
	return mat_builtin_kernel_name();
}

/* ---- end of the external BLAS ---------------------------------------- */

/* Pack the mc x kc block of op(A) at (i0, p0) into MR-row panels: panel t
 * holds a[p][r] = op(A)[i0 + t MR + r][p0 + p] at dst[t MR kc + p MR + r]. */
static void pack_a(int ta, const float *A, size_t lda, size_t i0, size_t p0, size_t mc,
		   size_t kc, float *dst)
{
	if (ta) {
		/* Row p of the stored A feeds all panels: read it once, in order. */
		for (size_t p = 0; p < kc; p++) {
			const float *src = A + (p0 + p) * lda + i0;

			size_t ir = 0;

			for (; ir + MR <= mc; ir += MR)
				memcpy(dst + ir * kc + p * MR, src + ir, MR * sizeof *dst);
			if (ir < mc) {
				float *d = dst + ir * kc + p * MR;
				size_t r = 0;

				for (; r < mc - ir; r++)
					d[r] = src[ir + r];
				for (; r < MR; r++)
					d[r] = 0.0f;
			}
		}
		return;
	}
	for (size_t ir = 0; ir < mc; ir += MR) {
		size_t mr = min_sz(mc - ir, MR);

		if (mr == MR && packers) {
			packers->a(A + (i0 + ir) * lda + p0, lda, kc, dst);
			dst += MR * kc;
			continue;
		}
		for (size_t r = 0; r < MR; r++) {
			if (r < mr) {
				const float *src = A + (i0 + ir + r) * lda + p0;

				for (size_t p = 0; p < kc; p++)
					dst[p * MR + r] = src[p];
			} else {
				for (size_t p = 0; p < kc; p++)
					dst[p * MR + r] = 0.0f;
			}
		}
		dst += MR * kc;
	}
}

/* Pack the kc x nc block of op(B) at (p0, j0) into NR-column panels: panel t
 * holds b[p][q] = op(B)[p0 + p][j0 + t NR + q] at dst[t NR kc + p NR + q]. */
static void pack_b(int tb, const float *B, size_t ldb, size_t p0, size_t j0, size_t kc,
		   size_t nc, float *dst)
{
	size_t full = nc / NR * NR;

	if (!tb) {
		/* Row p of B feeds all panels: read it once, in order, with
		 * constant-size copies (vector moves, not calls). */
		for (size_t p = 0; p < kc; p++) {
			const float *src = B + (p0 + p) * ldb + j0;

			for (size_t jr = 0; jr < full; jr += NR)
				memcpy(dst + jr * kc + p * NR, src + jr, NR * sizeof *dst);
		}
		dst += full * kc;
		B += full;
		nc -= full;
	}
	for (size_t jr = 0; jr < nc; jr += NR) {
		size_t nr = min_sz(nc - jr, NR);

		if (!tb) {
			for (size_t p = 0; p < kc; p++) {
				const float *src = B + (p0 + p) * ldb + j0 + jr;
				size_t q = 0;

				for (; q < nr; q++)
					dst[p * NR + q] = src[q];
				for (; q < NR; q++)
					dst[p * NR + q] = 0.0f;
			}
		} else if (nr == NR && packers) {
			packers->bt(B + (j0 + jr) * ldb + p0, ldb, kc, dst);
		} else {
			for (size_t q = 0; q < NR; q++) {
				if (q < nr) {
					const float *src = B + (j0 + jr + q) * ldb + p0;

					for (size_t p = 0; p < kc; p++)
						dst[p * NR + q] = src[p];
				} else {
					for (size_t p = 0; p < kc; p++)
						dst[p * NR + q] = 0.0f;
				}
			}
		}
		dst += NR * kc;
	}
}

/* C = beta C, then the epilogue's bias and activation, without a product
 * (k == 0 or alpha == 0). */
static void scale_only(size_t m, size_t n, float beta, float *C, size_t ldc,
		       const struct mat_epilogue *ep)
{
	for (size_t i = 0; i < m; i++) {
		float *c = C + i * ldc;

		for (size_t j = 0; j < n; j++) {
			float v = beta == 0.0f ? 0.0f : beta * c[j];

			if (ep && ep->bias)
				v = v + ep->bias[j];
			if (ep && ep->act == MAT_ACT_RELU)
				v = v > 0.0f ? v : 0.0f;
			else if (ep && ep->act == MAT_ACT_RELU_GRAD)
				v = ep->mask[i * ep->ldm + j] > 0.0f ? v : 0.0f;
			c[j] = v;
		}
	}
}

/* The KC blocking of k: nb blocks of nearly equal length, so that no block
 * is a short remainder. Depends on k alone. */
static size_t k_block(size_t k)
{
	size_t nb = (k + KC - 1) / KC;

	return (k + nb - 1) / nb;
}

/*
 * The micro-tiles of an mc x nc block of C (at row i0, column j0 of the
 * rectangle) from the packed A (pa) and B (pb), row strip by row strip:
 * the MR-row panel of A stays in L1 while the panels of B stream from L2,
 * and C is written along its rows, which the hardware prefetcher follows,
 * rather than down its columns. With the wide kernel, its 2 MR x 2 NR
 * tiles first, then the rows below them with the rows kernel, then the
 * columns right of them panel by panel. Every tile is the same sum
 * whatever the order. (Against the order down the columns: a W3 training
 * step of scripts/bench-train 10% faster, where C and the relu mask come
 * from memory; the same products in a hot cache unchanged.)
 */
static void tiles(size_t kc, size_t mc, size_t nc, const float *pa, const float *pb, float *C,
		  size_t ldc, const struct mat_kepi *e, size_t i0, size_t j0)
{
	size_t mw = 0, nw = 0;

	if (kernel2) {
		mw = mc / (2 * MR) * (2 * MR);
		nw = nc / (2 * NR) * (2 * NR);
		for (size_t ir = 0; ir < mw; ir += 2 * MR)
			for (size_t jr = 0; jr < nw; jr += 2 * NR)
				kernel2(kc, pa + ir * kc, pb + jr * kc, C + ir * ldc + jr, ldc, e,
					i0 + ir, j0 + jr);
		for (size_t ir = mw; ir < mc; ir += MR) {
			size_t mr = min_sz(mc - ir, MR);

			for (size_t jr = 0; jr < nw; jr += 2 * NR) {
				if (kernel_rows) {
					kernel_rows(kc, pa + ir * kc, pb + jr * kc,
						    C + ir * ldc + jr, ldc, mr, e, i0 + ir,
						    j0 + jr);
					continue;
				}
				for (size_t h = 0; h < 2; h++)
					kernel(kc, pa + ir * kc, pb + (jr + h * NR) * kc,
					       C + ir * ldc + jr + h * NR, ldc, mr, NR, e, i0 + ir,
					       j0 + jr + h * NR);
			}
		}
	}
	/* All of it without the wide kernel; else the columns right of the
	 * wide tiles, fewer than 2 NR. */
	for (size_t ir = 0; ir < mc; ir += MR) {
		size_t mr = min_sz(mc - ir, MR);

		for (size_t jr = nw; jr < nc; jr += NR)
			kernel(kc, pa + ir * kc, pb + jr * kc, C + ir * ldc + jr, ldc, mr,
			       min_sz(nc - jr, NR), e, i0 + ir, j0 + jr);
	}
}

/* The MC blocking of m rows: blocks of nearly equal height in whole wide
 * tiles (2 MR) when there is a wide kernel, so that only the last block
 * can have rows left over. */
static size_t m_block(size_t m)
{
	size_t nb = (m + MC - 1) / MC;

	return min_sz(round_up((m + nb - 1) / nb, kernel2 ? 2 * MR : MR), MC);
}

/* Where the block of op(A) at rows i0, k offset p0 (kc deep) lies in op(A)
 * packed whole (see pack_all_a): the blocks of each KC step of k, all rows
 * of it in MR-row panels, one step after the other. */
static size_t packed_a_offset(size_t m, size_t i0, size_t p0, size_t kc)
{
	return p0 * round_up(m, MR) + i0 * kc;
}

/* The blocked product on one rectangle of C, on the calling thread, with
 * the packing buffers pa, pb; alpha != 0, k > 0, beta is 0 or 1. With
 * pa_all, op(A) of the rectangle comes packed whole, and pa is unused. */
static void gemm_blocked(int ta, int tb, size_t m, size_t n, size_t k, float alpha,
			 const float *A, size_t lda, const float *B, size_t ldb, float beta,
			 float *C, size_t ldc, const struct mat_epilogue *ep, const float *pa_all,
			 float *pa, float *pb)
{
	size_t kcb = k_block(k), mcb = m_block(m);
	size_t ncb = round_up((n + (n + NC - 1) / NC - 1) / ((n + NC - 1) / NC), 2 * NR);
	struct mat_kepi e = {
		.alpha = alpha,
		.bias = ep ? ep->bias : NULL,
		.act = ep ? ep->act : MAT_ACT_NONE,
		.mask = ep ? ep->mask : NULL,
		.ldm = ep ? ep->ldm : 0,
	};

	for (size_t j0 = 0; j0 < n; j0 += ncb) {
		size_t nc = min_sz(n - j0, ncb);

		for (size_t p0 = 0; p0 < k; p0 += kcb) {
			size_t kc = min_sz(k - p0, kcb);

			e.first = p0 == 0 && beta == 0.0f;
			e.last = p0 + kc == k;
			pack_b(tb, B, ldb, p0, j0, kc, nc, pb);
			for (size_t i0 = 0; i0 < m; i0 += mcb) {
				size_t mc = min_sz(m - i0, mcb);

				const float *pab = pa;

				if (pa_all)
					pab = pa_all + packed_a_offset(m, i0, p0, kc);
				else
					pack_a(ta, A, lda, i0, p0, mc, kc, pa);
				tiles(kc, mc, nc, pab, pb, C + i0 * ldc + j0, ldc, &e, i0, j0);
			}
		}
	}
}

/* One gemm call cut into a tm x tn grid of rectangles of C. */
struct job {
	int ta, tb;
	size_t m, n, k;
	float alpha, beta;
	const float *A, *B;
	size_t lda, ldb, ldc;
	float *C;
	const struct mat_epilogue *ep;
	size_t tm, tn;
	const float *pa_all;	/* op(A) packed whole, or NULL */
};

static int workspace_ready(size_t t)
{
	struct workspace *w = &ws[t];

	if (!w->a)
		w->a = aligned_alloc(64, (size_t)MC * KC * sizeof(float));
	if (!w->b)
		w->b = aligned_alloc(64, (size_t)NC * KC * sizeof(float));
	return w->a && w->b;
}

/* Start of part t of n over `tiles` tiles of `size` elements, for length len. */
static size_t split(size_t len, size_t size, size_t t, size_t n)
{
	size_t tiles = (len + size - 1) / size;

	return min_sz(tiles * t / n * size, len);
}

static void run_part(void *ctx, size_t part, size_t n_parts, size_t t)
{
	const struct job *jb = ctx;
	size_t a = part / jb->tn, b = part % jb->tn;
	size_t i0 = split(jb->m, MR, a, jb->tm), i1 = split(jb->m, MR, a + 1, jb->tm);
	size_t j0 = split(jb->n, NR, b, jb->tn), j1 = split(jb->n, NR, b + 1, jb->tn);
	const float *A = jb->ta ? jb->A + i0 : jb->A + i0 * jb->lda;
	const float *B = jb->tb ? jb->B + j0 * jb->ldb : jb->B + j0;
	float *C = jb->C + i0 * jb->ldc + j0;
	struct mat_epilogue sub, *ep = NULL;

	(void)n_parts; /* jb->tm * jb->tn */
	if (i0 == i1 || j0 == j1)
		return;
	if (jb->ep) {
		sub = *jb->ep;
		if (sub.bias)
			sub.bias += j0;
		if (sub.act == MAT_ACT_RELU_GRAD)
			sub.mask += i0 * sub.ldm + j0;
		ep = &sub;
	}
	if (!workspace_ready(t)) {
		/* Out of memory for the packing buffers: the unpacked reference
		 * product, which needs none, then the epilogue. */
		mat_gemm_ref(jb->ta, jb->tb, i1 - i0, j1 - j0, jb->k, jb->alpha, A, jb->lda, B,
			     jb->ldb, jb->beta, C, jb->ldc);
		if (ep)
			scale_only(i1 - i0, j1 - j0, 1.0f, C, jb->ldc, ep);
		return;
	}
	gemm_blocked(jb->ta, jb->tb, i1 - i0, j1 - j0, jb->k, jb->alpha, A, jb->lda, B, jb->ldb,
		     jb->beta, C, jb->ldc, ep, jb->pa_all, ws[t].a, ws[t].b);
}

/*
 * When the grid does not split m, every thread packs the same op(A): then
 * it is packed once, its blocks shared out between the threads, before the
 * product (only for an op(A) big enough that packing it costs more than
 * the extra hand-over, and at most SHARED_A_MAX floats). The same panels,
 * so the same bits. (On W3 of scripts/bench-train, where packing op(A)
 * took 3.7% of a step: epochs 2% faster.)
 */
#define SHARED_A_MIN ((size_t)1 << 18)
#define SHARED_A_MAX ((size_t)1 << 20)
static float *shared_a;
static size_t shared_a_cap;

struct pack_job {
	int ta;
	const float *A;
	size_t lda, m, k;
	float *dst;
};

/* Blocks part, part + n_parts, ... of op(A), in the order of k then m. */
static void pack_all_part(void *ctx, size_t part, size_t n_parts, size_t t)
{
	const struct pack_job *pj = ctx;
	size_t kcb = k_block(pj->k), mcb = m_block(pj->m), b = 0;

	(void)t;
	for (size_t p0 = 0; p0 < pj->k; p0 += kcb) {
		size_t kc = min_sz(pj->k - p0, kcb);

		for (size_t i0 = 0; i0 < pj->m; i0 += mcb, b++)
			if (b % n_parts == part)
				pack_a(pj->ta, pj->A, pj->lda, i0, p0, min_sz(pj->m - i0, mcb), kc,
				       pj->dst + packed_a_offset(pj->m, i0, p0, kc));
	}
}

/* op(A) packed whole into shared_a by the pool; NULL when it is too small
 * to be worth it, too large, or there is no memory for it. */
static const float *pack_all_a(int ta, const float *A, size_t lda, size_t m, size_t k)
{
	size_t size = round_up(m, MR) * k, blocks;
	struct pack_job pj = {ta, A, lda, m, k, NULL};

	if (m * k < SHARED_A_MIN || size > SHARED_A_MAX)
		return NULL;
	if (size > shared_a_cap) {
		float *p = util_malloc_array(size, sizeof *p);

		if (!p)
			return NULL;
		free(shared_a);
		shared_a = p;
		shared_a_cap = size;
	}
	pj.dst = shared_a;
	blocks = (k + k_block(k) - 1) / k_block(k) * ((m + m_block(m) - 1) / m_block(m));
	pool_run(pack_all_part, &pj, min_sz(pool_threads(), blocks));
	return shared_a;
}

/* The grid for p threads: tm x tn <= p rectangles, as many as the tiles
 * allow, then the one that packs the least twice ((tn - 1) m k + (tm - 1) k n). */
static void choose_grid(size_t m, size_t n, size_t p, size_t *tm, size_t *tn)
{
	size_t tiles_m = (m + MR - 1) / MR, tiles_n = (n + NR - 1) / NR;
	size_t best_parts = 0;
	double best_cost = 0.0;

	*tm = *tn = 1;
	for (size_t a = 1; a <= p && a <= tiles_m; a++)
		for (size_t b = 1; a * b <= p && b <= tiles_n; b++) {
			double cost = (double)(b - 1) * (double)m + (double)(a - 1) * (double)n;

			if (a * b > best_parts || (a * b == best_parts && cost < best_cost)) {
				best_parts = a * b;
				best_cost = cost;
				*tm = a;
				*tn = b;
			}
		}
}

void mat_gemm_ex(int ta, int tb, size_t m, size_t n, size_t k, float alpha, const float *A,
		 size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc,
		 const struct mat_epilogue *ep)
{
	struct job jb = {ta, tb, m, n, k, alpha, beta, A, B, lda, ldb, ldc, C, ep, 1, 1, NULL};
	size_t p = pool_available();

	if (m == 0 || n == 0)
		return;
	if (k == 0 || alpha == 0.0f) {
		scale_only(m, n, beta, C, ldc, ep);
		return;
	}
	if (mat_bf16_chosen(m, n, k)) {
		mat_gemm_bf16(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, ep);
		return;
	}
	if (blas_on && mat_blas_gemm(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, ep))
		return;
	select_kernel();
	if (beta != 0.0f && beta != 1.0f) {
		for (size_t i = 0; i < m; i++)
			for (size_t j = 0; j < n; j++)
				C[i * ldc + j] *= beta;
		jb.beta = 1.0f;
	}
	if (p > 1 && m * n * k >= PAR_MIN_FMA && m * n >= 2 * MR * NR) {
		/* No more threads than chunks of PAR_MIN_FMA / 2 work. */
		size_t cap = m * n * k / (PAR_MIN_FMA / 2);

		choose_grid(m, n, min_sz(p, cap), &jb.tm, &jb.tn);
		if (jb.tm == 1 && jb.tn > 1)
			jb.pa_all = pack_all_a(ta, A, lda, m, k);
	}
	pool_run(run_part, &jb, jb.tm * jb.tn);
}

void mat_gemm(int ta, int tb, size_t m, size_t n, size_t k, float alpha, const float *A,
	      size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
	mat_gemm_ex(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, NULL);
}

void mat_gemm_ref(int ta, int tb, size_t m, size_t n, size_t k, float alpha, const float *A,
		  size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
	for (size_t i = 0; i < m; i++)
		for (size_t j = 0; j < n; j++) {
			double s = 0.0;

			for (size_t p = 0; p < k; p++) {
				float a = ta ? A[p * lda + i] : A[i * lda + p];
				float b = tb ? B[j * ldb + p] : B[p * ldb + j];

				s += (double)a * (double)b;
			}
			s *= (double)alpha;
			if (beta != 0.0f)
				s += (double)beta * (double)C[i * ldc + j];
			C[i * ldc + j] = (float)s;
		}
}

int mat_set_threads(size_t n, struct dnn_error *e)
{
	if (n == 0) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);

		n = c < 1 ? 1 : (c > 64 ? 64 : (size_t)c);
	}
	if (pool_set_threads(n, e))
		return -1;
	mat_blas_set_threads(n);
	return 0;
}

size_t mat_threads(void)
{
	return pool_threads();
}

void mat_add_row(float *Y, size_t m, size_t n, const float *b)
{
	for (size_t i = 0; i < m; i++) {
		float *row = Y + i * n;

		for (size_t j = 0; j < n; j++)
			row[j] += b[j];
	}
}

/* Columns j0 .. j1 - 1 of mat_col_sums. */
static void col_sums(const float *X, size_t m, size_t n, float beta, float *s, size_t j0, size_t j1)
{
	for (size_t j = j0; j < j1; j++)
		s[j] *= beta;
	if (beta == 0.0f)
		memset(s + j0, 0, (j1 - j0) * sizeof *s);
	for (size_t i = 0; i < m; i++) {
		const float *row = X + i * n;

		for (size_t j = j0; j < j1; j++)
			s[j] += row[j];
	}
}

struct col_job {
	const float *X;
	size_t m, n;
	float beta;
	float *s;
};

static void col_part(void *ctx, size_t part, size_t n_parts, size_t t)
{
	const struct col_job *c = ctx;

	(void)t;
	/* Whole 64-byte lines of s per part. */
	col_sums(c->X, c->m, c->n, c->beta, c->s, split(c->n, 16, part, n_parts),
		 split(c->n, 16, part + 1, n_parts));
}

void mat_col_sums(const float *X, size_t m, size_t n, float beta, float *s)
{
	struct col_job c = {X, m, n, beta, s};
	size_t p = pool_available();

	/* Each column is summed by one thread, rows in order: the same bits
	 * for any split. */
	if (p > 1 && m * n >= PAR_MIN_FMA && n >= 32)
		pool_run(col_part, &c, min_sz(p, n / 16));
	else
		col_sums(X, m, n, beta, s, 0, n);
}
