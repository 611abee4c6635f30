/* Internal to mat.c and its micro-kernels: the register tile and the
 * epilogue that writes a tile of C. */
#ifndef DNN_MAT_KERN_H
#define DNN_MAT_KERN_H

#include <stddef.h>

/* The micro-tile: MR rows of op(A) by NR columns of op(B). */
#define MAT_MR 6
#define MAT_NR 16

/* How a tile of accumulators acc (MR x NR, row-major) reaches C:
 *   v = alpha acc            when first (C is not read), else
 *   v = C + alpha acc,
 * and on the last pass over k, in this order,
 *   v = v + bias[j]          when bias is set,
 *   v = v > 0 ? v : 0        for MAT_ACT_RELU,
 *   v = M[i][j] > 0 ? v : 0  for MAT_ACT_RELU_GRAD.
 * Every kernel evaluates exactly these float operations, so results do not
 * depend on where a tile falls. */
struct mat_kepi {
	float alpha;
	int first, last;
	const float *bias;	/* at column 0 of the block, or NULL */
	int act;
	const float *mask;	/* at (0, 0) of the block */
	size_t ldm;
};

/* C (the tile at row i, column j of the block) from the packed panels: a
 * is kc x MR, b is kc x NR; only mr x nr of the tile exists. */
typedef void (*mat_kernel_fn)(size_t kc, const float *a, const float *b, float *C, size_t ldc,
			      size_t mr, size_t nr, const struct mat_kepi *ep, size_t i,
			      size_t j);

/* The epilogue above, one element at a time, on the mr x nr corner of acc,
 * whose rows are lda floats apart (NR for the fp32 kernels' tiles, the
 * bf16 kernels' BC for theirs). */
void mat_epilogue_scalar(const float *acc, size_t lda, float *C, size_t ldc, size_t mr,
			 size_t nr, const struct mat_kepi *ep, size_t i, size_t j);

/* Packing of one full panel: MR rows of a row-major A (a), NR rows of a
 * row-major B read as columns of B^T (bt); exact copies, so any version
 * gives the same panel. */
struct mat_packers {
	void (*a)(const float *src, size_t lda, size_t kc, float *dst);
	void (*bt)(const float *src, size_t ldb, size_t kc, float *dst);
};

/* The AVX2 packers, or NULL as for mat_kernel_avx2. */
const struct mat_packers *mat_packers_avx2(void);

/* A wide kernel: the full 2 MR x 2 NR tile at row i, column j from two
 * consecutive A panels (a, a + MR kc) and two consecutive B panels (b,
 * b + NR kc), with the same epilogue. It sums each element with fused
 * multiply-adds in the same order as the AVX2 kernel, so the two can share
 * a product tile by tile and give the same bits. */
typedef void (*mat_kernel2_fn)(size_t kc, const float *a, const float *b, float *C, size_t ldc,
			       const struct mat_kepi *ep, size_t i, size_t j);

/* The AVX-512 wide kernel, or NULL when not compiled in or the CPU lacks
 * AVX-512F. */
mat_kernel2_fn mat_kernel_avx512(void);

/* The first mr <= MR rows of an MR x 2 NR tile, from one A panel (a) and
 * two consecutive B panels (b, b + NR kc), with the same sums as the wide
 * kernel: for the rows below a block's wide tiles. */
typedef void (*mat_kernel_rows_fn)(size_t kc, const float *a, const float *b, float *C, size_t ldc,
				   size_t mr, const struct mat_kepi *ep, size_t i, size_t j);

/* Its AVX-512 version, or NULL as for mat_kernel_avx512. */
mat_kernel_rows_fn mat_kernel_avx512_rows(void);

/* The AVX2/FMA kernel, or NULL when it is not compiled in or the CPU lacks
 * AVX2 or FMA. */
mat_kernel_fn mat_kernel_avx2(void);

#endif
