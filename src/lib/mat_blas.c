/* The gemm through an external CBLAS (configure --with-blas); see
 * mat_blas.h. */
#include "config.h"

#include "mat_blas.h"

#ifdef HAVE_CBLAS

#include <limits.h>

#include <cblas.h>

#include "pool.h"

#if defined(HAVE_BLI_THREAD_SET_NUM_THREADS) && !defined(HAVE_OPENBLAS_SET_NUM_THREADS)
/* BLIS declares it in blis.h, which drags in the whole library's headers;
 * its dim_t is a 64-bit integer. */
#include <stdint.h>
void bli_thread_set_num_threads(int64_t n_threads);
#endif

const char *mat_blas_name(void)
{
	return DNN_BLAS_NAME;
}

/* Whether mat_blas_set_threads has run: until it does, the BLAS gets the
 * pool's count, so that it never runs on more threads than the rest. */
static int threads_set;

void mat_blas_set_threads(size_t n)
{
	threads_set = 1;
#if defined(HAVE_OPENBLAS_SET_NUM_THREADS)
	openblas_set_num_threads((int)n);
#elif defined(HAVE_BLI_THREAD_SET_NUM_THREADS)
	bli_thread_set_num_threads((int64_t)n);
#else
	/* No call for it: the library's own setting (its environment
	 * variables, such as OMP_NUM_THREADS) decides. */
	(void)n;
#endif
}

/* The epilogue of mat_kern.h after the last pass over k, with the same float
 * operations in the same order: v = v + bias[j], then the activation. */
static void epilogue(size_t m, size_t n, float *C, size_t ldc, const struct mat_epilogue *ep)
{
	for (size_t i = 0; i < m; i++) {
		float *c = C + i * ldc;
		const float *mk = ep->act == MAT_ACT_RELU_GRAD ? ep->mask + i * ep->ldm : NULL;

		for (size_t j = 0; j < n; j++) {
			float v = c[j];

			if (ep->bias)
				v = v + ep->bias[j];
			if (ep->act == MAT_ACT_RELU)
				v = v > 0.0f ? v : 0.0f;
			else if (mk)
				v = mk[j] > 0.0f ? v : 0.0f;
			c[j] = v;
		}
	}
}

static int fits(size_t v)
{
	return v <= INT_MAX;
}

int mat_blas_gemm(int ta, int tb, size_t m, size_t n, size_t k, float alpha, const float *A,
		  size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc,
		  const struct mat_epilogue *ep)
{
	if (!fits(m) || !fits(n) || !fits(k) || !fits(lda) || !fits(ldb) || !fits(ldc))
		return 0;
	if (!threads_set)
		mat_blas_set_threads(pool_threads());
	cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
		    (int)m, (int)n, (int)k, alpha, A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
	if (ep && (ep->bias || ep->act != MAT_ACT_NONE))
		epilogue(m, n, C, ldc, ep);
	return 1;
}

#else /* no BLAS */

const char *mat_blas_name(void)
{
	return NULL;
}

void mat_blas_set_threads(size_t n)
{
	(void)n;
}

int mat_blas_gemm(int ta, int tb, size_t m, size_t n, size_t k, float alpha, const float *A,
		  size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc,
		  const struct mat_epilogue *ep)
{
	(void)ta, (void)tb, (void)m, (void)n, (void)k, (void)alpha, (void)A, (void)lda;
	(void)B, (void)ldb, (void)beta, (void)C, (void)ldc, (void)ep;
	return 0;
}

#endif
