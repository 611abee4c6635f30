/* The Lanczos iteration on a symmetric linear operator given as a function
 * (y = A v), with full reorthogonalization: the Krylov basis Q it keeps, the
 * tridiagonal matrix T = Q^T A Q, T's eigendecomposition (implicit QL): its
 * eigenvalues (Ritz values) and eigenvectors, the squared first components
 * of these (the weights of Gauss quadrature for the start vector), and the
 * Ritz vectors. All in double precision; the workspace is allocated once, a
 * run allocates nothing. */
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
	double *q;	/* k x n: the orthonormal basis, q_0 the start vector */
	double *alpha;	/* k: T's diagonal */
	double *beta;	/* k: beta[i] = T[i][i+1] = T[i+1][i] (i + 1 < k) */
	double *y;	/* k x k, row-major: column i is the unit eigenvector of
			 * T for ritz[i], so T = y diag(ritz) y^T */
	/* workspace */
	double *r, *e;
};

/* A workspace for up to m steps in dimension n (m is cut to n). NULL with e
 * set (70) when out of memory or m or n is 0. */
struct dnn_lanczos *lanczos_new(size_t n, size_t m, struct dnn_error *e);
void lanczos_free(struct dnn_lanczos *l);

/*
 * Up to l->m steps from start (normalized here; NULL, or zero: a Gaussian
 * random vector of rng):
 *   A q_j = beta_{j-1} q_{j-1} + alpha_j q_j + beta_j q_{j+1},
 * each new vector orthogonalized against all of Q (twice). When the Krylov
 * space becomes invariant (its Ritz values are then exact), restart
 * continues from a random vector of rng orthogonal to the basis, to find
 * the rest of the spectrum and the multiplicities (T becomes block
 * diagonal, so the weights of the start vector are unchanged); without
 * restart the run stops there, with fewer than m steps. A value of A that
 * is not finite ends the run, restart or not, with l->ritz, l->weight and
 * l->y all NaN. Fills l->k, l->q, T, l->ritz, l->y and l->weight. Errors:
 * 70 when no start vector can be made (rng is NULL and start is).
 */
int lanczos_run(struct dnn_lanczos *l, dnn_linop op, void *ctx, const double *start, int restart,
		struct dnn_rng *rng, struct dnn_error *e);

/* The unit Ritz vector Q y_i of l->ritz[i] (i < l->k), into out (n). */
void lanczos_ritz_vector(const struct dnn_lanczos *l, size_t i, double *out);

#endif
