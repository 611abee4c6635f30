/* The Lanczos iteration on a symmetric linear operator given as a function
 * (y = A v), with full reorthogonalization: the tridiagonal matrix T = Q^T A Q
 * of a Krylov basis Q, its eigenvalues (Ritz values), the squared first
 * components of its eigenvectors (the weights of Gauss quadrature for the
 * start vector) and the Ritz vectors; and the symmetric eigensolver it uses.
 * All in double precision; the workspace is allocated once. */
#ifndef DNN_LANCZOS_H
#define DNN_LANCZOS_H

#include <stddef.h>

#include "err.h"
#include "rng.h"

/* y = A v for an n-vector v; A symmetric. */
typedef void (*dnn_linop)(void *ctx, const double *v, double *y);

struct dnn_lanczos {
	size_t n, m;	/* the dimension; the most steps a run takes (<= n) */
	size_t k;	/* the steps the last run took (the size of T) */
	double *ritz;	/* k eigenvalues of T, ascending */
	double *weight; /* k: the squared first component of each eigenvector
			 * of T (they sum to 1) */
	/* workspace */
	double *q, *r, *alpha, *beta, *t, *y;
};

/* A workspace for up to m steps in dimension n (m is cut to n). NULL with e
 * set (70) when out of memory or m or n is 0. */
struct dnn_lanczos *lanczos_new(size_t n, size_t m, struct dnn_error *e);
void lanczos_free(struct dnn_lanczos *l);

/* Up to l->m steps from start (normalized here; NULL, or zero: a Gaussian
 * random vector of rng). When the Krylov space becomes invariant (its Ritz
 * values are then exact), restart continues from a random vector of rng
 * orthogonal to the basis, to find the rest of the spectrum and the
 * multiplicities (T becomes block diagonal, so the weights of the start
 * vector are unchanged); without restart the run stops there, with fewer
 * than m steps. Fills l->k, l->ritz and l->weight. Errors: 70 when no start
 * vector can be made (rng is NULL and start is). */
int lanczos_run(struct dnn_lanczos *l, dnn_linop op, void *ctx, const double *start, int restart,
		struct dnn_rng *rng, struct dnn_error *e);

/* The unit Ritz vector Q y_i of l->ritz[i] (i < l->k), into out (n). */
void lanczos_ritz_vector(const struct dnn_lanczos *l, size_t i, double *out);

/* The eigenvalues of the symmetric n x n matrix a (row-major; destroyed), in
 * ascending order, by cyclic Jacobi rotations; when evec is not NULL, the
 * matching unit eigenvectors as its columns (n x n, row-major: evec[r * n +
 * i] is component r of the eigenvector of eval[i]). */
void lanczos_eig_sym(double *a, size_t n, double *eval, double *evec);

#endif
