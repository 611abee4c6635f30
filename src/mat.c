#include "mat.h"

#include <stdlib.h>
#include <string.h>

/*
 * A packed, cache-blocked gemm. op(A) is cut into MC x KC blocks and op(B)
 * into KC x NC blocks; each block is copied ("packed") into contiguous
 * panels of MR rows (A) or NR columns (B), zero-padded at the edges, so that
 * the micro-kernel streams both operands with unit stride whatever the
 * transposition. The micro-kernel keeps an MR x NR tile of C in local
 * accumulators; its innermost loop runs over independent columns, which the
 * compiler vectorizes without reassociating any sum. The order of additions
 * is fixed, so results do not depend on anything but the inputs.
 */

#define MR 4
#define NR 16
#define KC 256
#define MC 128
#define NC 2048

/* Packing buffers, grown once and reused, so that no call allocates in the
 * steady state. */
static _Thread_local float *pack_a, *pack_b;
static _Thread_local size_t pack_a_cap, pack_b_cap;

static float *grow(float **buf, size_t *cap, size_t n)
{
	if (n > *cap) {
		float *p = realloc(*buf, n * sizeof *p);

		if (!p)
			return NULL;
		*buf = p;
		*cap = n;
	}
	return *buf;
}

/* Pack the mc x kc block of op(A) at (i0, p0) into MR-row panels. */
static void pack_a_block(int ta, const float *A, size_t lda, size_t i0, size_t p0, size_t mc,
			 size_t kc, float *dst)
{
	for (size_t ir = 0; ir < mc; ir += MR) {
		size_t mr = mc - ir < MR ? mc - ir : MR;

		for (size_t p = 0; p < kc; p++) {
			for (size_t r = 0; r < mr; r++) {
				size_t i = i0 + ir + r, q = p0 + p;

				dst[r] = ta ? A[q * lda + i] : A[i * lda + q];
			}
			for (size_t r = mr; r < MR; r++)
				dst[r] = 0.0f;
			dst += MR;
		}
	}
}

/* Pack the kc x nc block of op(B) at (p0, j0) into NR-column panels. */
static void pack_b_block(int tb, const float *B, size_t ldb, size_t p0, size_t j0, size_t kc,
			 size_t nc, float *dst)
{
	for (size_t jr = 0; jr < nc; jr += NR) {
		size_t nr = nc - jr < NR ? nc - jr : NR;

		for (size_t p = 0; p < kc; p++) {
			size_t q = p0 + p;

			if (!tb) {
				const float *src = B + q * ldb + j0 + jr;

				memcpy(dst, src, nr * sizeof *dst);
			} else {
				for (size_t c = 0; c < nr; c++)
					dst[c] = B[(j0 + jr + c) * ldb + q];
			}
			for (size_t c = nr; c < NR; c++)
				dst[c] = 0.0f;
			dst += NR;
		}
	}
}

/* C[0..mr)[0..nr) += alpha * (MR-panel a) * (NR-panel b) over kc. */
static void micro_kernel(size_t kc, float alpha, const float *a, const float *b, float *C,
			 size_t ldc, size_t mr, size_t nr)
{
	float acc[MR][NR];

	memset(acc, 0, sizeof acc);
	for (size_t p = 0; p < kc; p++) {
		for (size_t r = 0; r < MR; r++) {
			float av = a[r];

			for (size_t c = 0; c < NR; c++)
				acc[r][c] += av * b[c];
		}
		a += MR;
		b += NR;
	}
	for (size_t r = 0; r < mr; r++)
		for (size_t c = 0; c < nr; c++)
			C[r * ldc + c] += alpha * acc[r][c];
}

static void scale_c(size_t m, size_t n, float beta, float *C, size_t ldc)
{
	if (beta == 1.0f)
		return;
	for (size_t i = 0; i < m; i++) {
		float *row = C + i * ldc;

		if (beta == 0.0f)
			memset(row, 0, n * sizeof *row);
		else
			for (size_t j = 0; j < n; j++)
				row[j] *= beta;
	}
}

void mat_gemm(int ta, int tb, size_t m, size_t n, size_t k, float alpha, const float *A,
	      size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
	float *pa, *pb;

	if (m == 0 || n == 0)
		return;
	scale_c(m, n, beta, C, ldc);
	if (k == 0 || alpha == 0.0f)
		return;
	pa = grow(&pack_a, &pack_a_cap, (size_t)(MC + MR) * KC);
	pb = grow(&pack_b, &pack_b_cap, (size_t)(NC + NR) * KC);
	if (!pa || !pb) {
		/* Out of memory for 1.2 MB of buffers: fall back to the
		 * unpacked reference, which needs none. */
		mat_gemm_ref(ta, tb, m, n, k, alpha, A, lda, B, ldb, 1.0f, C, ldc);
		return;
	}
	for (size_t j0 = 0; j0 < n; j0 += NC) {
		size_t nc = n - j0 < NC ? n - j0 : NC;

		for (size_t p0 = 0; p0 < k; p0 += KC) {
			size_t kc = k - p0 < KC ? k - p0 : KC;

			pack_b_block(tb, B, ldb, p0, j0, kc, nc, pb);
			for (size_t i0 = 0; i0 < m; i0 += MC) {
				size_t mc = m - i0 < MC ? m - i0 : MC;

				pack_a_block(ta, A, lda, i0, p0, mc, kc, pa);
				for (size_t jr = 0; jr < nc; jr += NR) {
					size_t nr = nc - jr < NR ? nc - jr : NR;
					const float *bp = pb + jr * kc;

					for (size_t ir = 0; ir < mc; ir += MR) {
						size_t mr = mc - ir < MR ? mc - ir : MR;

						micro_kernel(kc, alpha, pa + ir * kc, bp,
							     C + (i0 + ir) * ldc + j0 + jr, ldc,
							     mr, nr);
					}
				}
			}
		}
	}
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

void mat_add_row(float *Y, size_t m, size_t n, const float *b)
{
	for (size_t i = 0; i < m; i++) {
		float *row = Y + i * n;

		for (size_t j = 0; j < n; j++)
			row[j] += b[j];
	}
}

void mat_col_sums(const float *X, size_t m, size_t n, float beta, float *s)
{
	for (size_t j = 0; j < n; j++)
		s[j] *= beta;
	if (beta == 0.0f)
		memset(s, 0, n * sizeof *s);
	for (size_t i = 0; i < m; i++) {
		const float *row = X + i * n;

		for (size_t j = 0; j < n; j++)
			s[j] += row[j];
	}
}
