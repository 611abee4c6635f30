/* Krylov subspaces of a symmetric linear operator: Lanczos iteration from a
 * given start vector with full reorthogonalization, keeping the basis, and
 * the eigendecomposition of the tridiagonal matrix it makes. All buffers are
 * made once (krylov_new); the iteration itself allocates nothing. */
#ifndef DNN_KRYLOV_H
#define DNN_KRYLOV_H

#include <stddef.h>

#include "err.h"

/* y = A v for a symmetric operator A on vectors of n doubles (the n of the
 * dnn_krylov it is used with). */
typedef void (*dnn_linop)(void *ctx, const double *v, double *y);

struct dnn_krylov {
	size_t n, m;   /* vector length, largest dimension */
	double *basis; /* (m + 1) x n: q_0 .. q_{k-1}, then the residual */
	double *alpha; /* m: the diagonal of T */
	double *beta;  /* m: beta[i] = T[i][i+1] = T[i+1][i] */
	double *jac;   /* m x m: work of krylov_tridiag_eig */
};

/* Buffers for up to m steps on vectors of n (m <= n). Errors: 70 when out
 * of memory or m is 0. */
struct dnn_krylov *krylov_new(size_t n, size_t m, struct dnn_error *e);
void krylov_free(struct dnn_krylov *kr);

/*
 * Up to m (<= kr->m) steps of Lanczos on A from b: the orthonormal basis
 * q_0 = b / |b|, q_1, ... of the Krylov space span{b, A b, A^2 b, ...} in
 * the first rows of kr->basis, and T = Q^T A Q, tridiagonal, in kr->alpha
 * and kr->beta:
 *   A q_j = beta_{j-1} q_{j-1} + alpha_j q_j + beta_j q_{j+1},
 * each new vector orthogonalized against all earlier ones (twice). Returns
 * the dimension k built: m, or fewer when the space is invariant (then T's
 * eigenpairs are exact eigenpairs of A restricted to it), 0 when b is 0 or
 * not finite.
 */
size_t krylov_lanczos(struct dnn_krylov *kr, dnn_linop a, void *ctx, const double *b, size_t m);

/* The eigenvalues lam[0..k) (ascending) and the orthonormal eigenvectors of
 * the k x k tridiagonal T of alpha and beta: column j of the row-major k x k
 * q is the eigenvector of lam[j], so T = q diag(lam) q^T. By the implicit
 * QL iteration, its work in kr->jac (k <= kr->m). */
void krylov_tridiag_eig(struct dnn_krylov *kr, size_t k, double *lam, double *q);

#endif
