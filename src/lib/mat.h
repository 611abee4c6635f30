/* Dense matrix kernels on row-major float arrays. */
#ifndef DNN_MAT_H
#define DNN_MAT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum { MAT_NOTRANS = 0, MAT_TRANS = 1 };

/* What the gemm does to each element of C after the product (see
 * mat_gemm_ex). */
enum { MAT_ACT_NONE = 0, MAT_ACT_RELU = 1, MAT_ACT_RELU_GRAD = 2 };

struct mat_epilogue {
	const float *bias;	/* n values added to every row, or NULL */
	int act;		/* MAT_ACT_* */
	const float *mask;	/* m x n, row stride ldm, for MAT_ACT_RELU_GRAD */
	size_t ldm;
};

/* C = alpha * op(A) * op(B) + beta * C, row-major, BLAS shape:
 * op(A) is m x k, op(B) is k x n, C is m x n; op(X) = X or X^T as ta/tb say.
 * lda, ldb, ldc are row strides of the stored (untransposed) arrays.
 * beta == 0 overwrites C without reading it (NaNs in C do not propagate).
 * Runs on mat_threads() threads; with the built-in gemm the result does not
 * depend on their number (each element is summed by one thread in a fixed
 * order); see MAT_KERNEL_BLAS for an external BLAS. */
void mat_gemm(int ta, int tb, size_t m, size_t n, size_t k, float alpha, const float *A,
	      size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc);

/* mat_gemm, then in the same pass over C (ep may be NULL):
 *   C[i][j] += bias[j];  then for MAT_ACT_RELU  C[i][j] = C[i][j] > 0 ? C[i][j] : 0,
 *                        or for MAT_ACT_RELU_GRAD C[i][j] = M[i][j] > 0 ? C[i][j] : 0.
 * Bit for bit the same as mat_gemm followed by those loops. */
void mat_gemm_ex(int ta, int tb, size_t m, size_t n, size_t k, float alpha, const float *A,
		 size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc,
		 const struct mat_epilogue *ep);

/* Reference product with the same contract, naive triple loop in double. */
void mat_gemm_ref(int ta, int tb, size_t m, size_t n, size_t k, float alpha, const float *A,
		  size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc);

/* The micro-kernel: MAT_KERNEL_AUTO picks AVX-512 (with AVX2 for edge
 * tiles) or AVX2/FMA when the CPU has them, else the portable C one. AVX2
 * and AVX-512 give the same bits; the portable kernel rounds differently
 * (no fused multiply-add). Each is deterministic. Returns -1 (and changes
 * nothing) when the kernel asked for is not available. */
enum { MAT_KERNEL_AUTO = 0, MAT_KERNEL_PORTABLE = 1, MAT_KERNEL_AVX2 = 2, MAT_KERNEL_AVX512 = 3 };
int mat_set_kernel(int kernel);
/* "avx512", "avx2" or "portable": the built-in kernel in use. */
const char *mat_builtin_kernel_name(void);

/* An external BLAS (configure --with-blas). MAT_KERNEL_AUTO and
 * MAT_KERNEL_BLAS then hand every product to its cblas_sgemm (measured
 * faster than the built-in kernel for small products and not for all larger
 * ones, so there is no size threshold); MAT_KERNEL_BUILTIN (and the three
 * kernels above) never call it. cblas_sgemm computes C = alpha op(A) op(B)
 * + beta C, and the epilogue follows in one pass over C with the float
 * operations above. The BLAS runs on mat_threads() threads of its own
 * (when it has a call to set them), and its results depend on the library,
 * the machine and possibly the thread count, but not on anything else.
 * In a build without a BLAS, MAT_KERNEL_BLAS is not available and
 * MAT_KERNEL_BUILTIN is MAT_KERNEL_AUTO. */
enum { MAT_KERNEL_BUILTIN = 4, MAT_KERNEL_BLAS = 5 };
/* The BLAS linked in ("openblas", "blis", ...), or NULL. */
const char *mat_blas_name(void);
/* The gemm in use: mat_blas_name() when the BLAS computes the products,
 * else mat_builtin_kernel_name(). */
const char *mat_kernel_name(void);

/* Use n threads in the gemm (at most POOL_MAX_THREADS); n == 0 means the
 * number of online CPUs (at most 64). The program reads DNN_THREADS and
 * DNN_GEMM (src/cli/env.h). */
int mat_set_threads(size_t n, struct dnn_error *e);
size_t mat_threads(void);

/* ---- bf16 mixed precision (mat_bf16.c) ----
 * The products' precision: MAT_PREC_FP32 (the default) multiplies floats;
 * MAT_PREC_BF16 sends every mat_gemm / mat_gemm_ex to mat_gemm_bf16;
 * MAT_PREC_AUTO those whose shape mat_bf16_chosen accepts. */
enum { MAT_PREC_FP32 = 0, MAT_PREC_BF16 = 1, MAT_PREC_AUTO = 2 };
void mat_set_precision(int prec);
int mat_precision(void);

/* Whether a product of this shape runs in bf16 at the current precision.
 * MAT_PREC_AUTO's rule, from measurements (dnn-train(1), --precision): bf16 only
 * with a bf16 kernel faster than the fp32 gemm at that shape. The AMX kernel
 * is, for products of at least MAT_BF16_AUTO_M rows, _N columns, _K deep and
 * _FMA multiply-adds (2 to 4 times the fp32 gemm's speed from 64 x 128 x 256
 * up; slower on tiny ones such as 32^3 or an output layer of 10). Neither
 * the emulation nor VDPBF16PS is, at any shape measured (VDPBF16PS sums 32
 * products per instruction but issues at a quarter of the rate of the
 * 16-product FMAs of the fp32 kernel: half the flops), so without AMX auto
 * is fp32. */
#define MAT_BF16_AUTO_M 16
#define MAT_BF16_AUTO_N 16
#define MAT_BF16_AUTO_K 64
#define MAT_BF16_AUTO_FMA (1 << 20)
int mat_bf16_chosen(size_t m, size_t n, size_t k);
/* Whether MAT_PREC_AUTO takes bf16 for any shape here (the AMX kernel). */
int mat_bf16_auto_possible(void);

/* mat_gemm_ex with op(A) and op(B) rounded to bfloat16 (mat_bf16_round) and
 * the products summed in float, whatever the precision: each pair of
 * consecutive k is multiplied and added as VDPBF16PS does (two fused
 * multiply-adds rounded to nearest even, the higher k first, subnormal sums
 * flushed to zero), the pairs in order within KC blocks that depend on k
 * alone, each block's sum reaching C through the same epilogue as
 * mat_gemm_ex. The result does not depend on the thread count; the
 * AVX512-BF16 kernel and the emulation give the same bits, the AMX kernel
 * (TDPBF16PS sums 32 products a step in its own order) the same to within
 * fp32 rounding of the sums. */
void mat_gemm_bf16(int ta, int tb, size_t m, size_t n, size_t k, float alpha, const float *A,
		   size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc,
		   const struct mat_epilogue *ep);

/* The bf16 kernel: MAT_BF16_AUTO picks AMX (TDPBF16PS) when the CPU has it
 * and Linux grants the tile state, else AVX512-BF16 (VDPBF16PS) when the
 * CPU has it, else the portable emulation of VDPBF16PS's arithmetic. Returns -1 (and
 * changes nothing) when the kernel asked for is not available. */
enum { MAT_BF16_AUTO = 0, MAT_BF16_EMULATED = 1, MAT_BF16_AVX512 = 2, MAT_BF16_AMX = 3 };
int mat_set_bf16_kernel(int kernel);
/* "amx", "avx512bf16" or "emulated": the bf16 kernel in use. */
const char *mat_bf16_kernel_name(void);

/* x rounded to bfloat16, to nearest with ties to even; a NaN stays a NaN
 * (made quiet, its sign and top payload bits kept), infinities stay, and
 * subnormals become a zero of their sign (as VDPBF16PS treats them). */
uint16_t mat_bf16_round(float x);
/* The float of a bfloat16 (exact). */
float mat_bf16_float(uint16_t h);

/* Y[i][j] += b[j] for each of the m rows of the m x n matrix Y. */
void mat_add_row(float *Y, size_t m, size_t n, const float *b);

/* s[j] = beta * s[j] + sum_i X[i][j] over the m rows of the m x n matrix X. */
void mat_col_sums(const float *X, size_t m, size_t n, float beta, float *s);

#endif
