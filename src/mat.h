/* Dense matrix kernels on row-major float arrays. */
#ifndef DNN_MAT_H
#define DNN_MAT_H

#include <stddef.h>

enum { MAT_NOTRANS = 0, MAT_TRANS = 1 };

/* C = alpha * op(A) * op(B) + beta * C, row-major, BLAS shape:
 * op(A) is m x k, op(B) is k x n, C is m x n; op(X) = X or X^T as ta/tb say.
 * lda, ldb, ldc are row strides of the stored (untransposed) arrays.
 * beta == 0 overwrites C without reading it (NaNs in C do not propagate). */
void mat_gemm(int ta, int tb, size_t m, size_t n, size_t k, float alpha, const float *A,
	      size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc);

/* Reference product with the same contract, naive triple loop in double. */
void mat_gemm_ref(int ta, int tb, size_t m, size_t n, size_t k, float alpha, const float *A,
		  size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc);

/* Y[i][j] += b[j] for each of the m rows of the m x n matrix Y. */
void mat_add_row(float *Y, size_t m, size_t n, const float *b);

/* s[j] = beta * s[j] + sum_i X[i][j] over the m rows of the m x n matrix X. */
void mat_col_sums(const float *X, size_t m, size_t n, float beta, float *s);

#endif
