/* Internal to the bf16 gemm (mat_bf16.c) and its AVX512-BF16 kernel: the
 * tile, the packed layout's functions and the epilogue. */
#ifndef DNN_MAT_BF16_KERN_H
#define DNN_MAT_BF16_KERN_H

#include <stddef.h>
#include <stdint.h>

#include "mat_kern.h"

/* The micro-tile: BR rows of op(A) by BC columns of op(B). */
#define BR 12
#define BC 32

/* A tile: acc = the sums over kp pairs of k of the panels a (BR rows, word
 * a[q BR + r]) and b (BC columns, word b[q BC + c]), into C (the tile at
 * row i, column j of the block) with the epilogue of mat_kern.h; only
 * mr x nr of it exists. */
typedef void (*bf16_kernel_fn)(size_t kp, const uint32_t *a, const uint32_t *b, float *C,
			       size_t ldc, size_t mr, size_t nr, const struct mat_kepi *ep,
			       size_t i, size_t j);

/* Packing of a block of op(X) into panels of w rows (w is BR for op(A), BC
 * for op(B)), where op(X)[i][p] = X[i rs + p cs]: rows i0 .. i0 + rows - 1,
 * k from p0, kc deep; word q of row r of panel t is op(X) at row
 * i0 + t w + r, k = p0 + 2q (lower half) and p0 + 2q + 1 (upper half), each
 * rounded by mat_bf16_round, zero past the rows and past kc. Every packer
 * gives the same words. */
typedef void (*bf16_pack_fn)(const float *X, size_t rs, size_t cs, size_t i0, size_t p0,
			     size_t rows, size_t kc, size_t w, uint32_t *dst);

/* The AVX512-BF16 kernel and packer, or NULL when not compiled in or the
 * CPU lacks AVX512-BF16 (with AVX512F, BW and VL). */
bf16_kernel_fn mat_bf16_kernel_avx512(void);
bf16_pack_fn mat_bf16_packer_avx512(void);

/* The epilogue of mat_kern.h from the BR x BC tile acc (row stride BC) into
 * C, with AVX-512 for a whole tile; the AVX512-BF16 kernel's (needs it). */
void mat_bf16_store_tile(const float *acc, float *C, size_t ldc, size_t mr, size_t nr,
			 const struct mat_kepi *ep, size_t i, size_t j);

/* The depth of a k block (KC) in values. */
#define MAT_BF16_KC 512
/* The AMX kernel's step: pairs of k per TDPBF16PS. */
#define AMX_KP 16

/* A kernel with its packers: op(A)'s and op(B)'s panels (pack_a, pack_b)
 * are kpad-rounded kp = (kc + 1) / 2 words deep, panel t at t w kp words,
 * and the kernel is called with that kp. */
struct bf16_tier {
	bf16_kernel_fn kernel;
	bf16_pack_fn pack_a, pack_b;
	size_t kpad;
	const char *label;
};

/* The AMX tier (TDPBF16PS): 0 with *t set, or -1 when not compiled in, the
 * CPU lacks AMX-BF16 or AVX512-BF16, the OS keeps no tile state, Linux
 * refuses the permission (arch_prctl ARCH_REQ_XCOMP_PERM), or DNN_NO_AMX is
 * set in the environment. */
int mat_bf16_amx(struct bf16_tier *t);

#endif
