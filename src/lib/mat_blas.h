/* Internal to mat.c: the gemm through the cblas_sgemm of an external BLAS
 * (configure --with-blas). In a build without one, mat_blas_name() (mat.h)
 * is NULL and mat_blas_gemm() always declines. */
#ifndef DNN_MAT_BLAS_H
#define DNN_MAT_BLAS_H

#include <stddef.h>

#include "mat.h"

/* Give the BLAS n threads of its own, when it has a call for that. */
void mat_blas_set_threads(size_t n);

/* The mat_gemm_ex contract through cblas_sgemm, then the epilogue in one
 * pass over C. Returns 0 (and does nothing) when there is no BLAS or a size
 * does not fit its int arguments. */
int mat_blas_gemm(int ta, int tb, size_t m, size_t n, size_t k, float alpha, const float *A,
		  size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc,
		  const struct mat_epilogue *ep);

#endif
