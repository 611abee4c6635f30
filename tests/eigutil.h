/* Shared by the unit tests of Lanczos and its users: dense symmetric
 * operators of a known spectrum, and the eigendecomposition of a dense
 * symmetric matrix by cyclic Jacobi rotations, a reference that shares no
 * code with the library's tridiagonal QL. */
#ifndef DNN_EIGUTIL_H
#define DNN_EIGUTIL_H

#include <stddef.h>
#include <stdint.h>

/* A dense symmetric n x n operator (row-major a) for lanczos_run and sfn,
 * counting its products. */
struct dense_op {
	size_t n;
	const double *a;
	unsigned long calls;
};

/* y = a v; ctx is a struct dense_op. */
void dense_op_apply(void *ctx, const double *v, double *y);

/* u: a random orthogonal n x n matrix (columns by Gram-Schmidt of normal
 * draws of seed); a = u diag(lam) u^T. */
void sym_of_spectrum(size_t n, double *u, const double *lam, double *a, uint64_t seed);

/* The eigenvalues of the symmetric n x n matrix a (row-major; destroyed), in
 * ascending order; when evec is not NULL, the matching unit eigenvectors as
 * its columns (n x n, row-major: evec[r * n + i] is component r of the
 * eigenvector of eval[i]). */
void eig_sym(double *a, size_t n, double *eval, double *evec);

#endif
