/* Saddle-free Newton's direction (Dauphin et al., "Identifying and attacking
 * the saddle point problem in high-dimensional non-convex optimization",
 * NeurIPS 2014): -|H|^-1 g within the Krylov space that Lanczos builds from
 * the gradient, where |H| takes the absolute values of H's eigenvalues, so
 * that the step goes down along negative curvature where Newton's goes up to
 * the saddle. The buffers are made once; a direction allocates nothing. */
#ifndef DNN_SFN_H
#define DNN_SFN_H

#include <stddef.h>

#include "err.h"
#include "lanczos.h"

struct dnn_sfn {
	struct dnn_lanczos *l; /* V = l->q, T = Q L Q^T: Q = l->y, L = l->ritz */
	size_t n, m;	       /* vector length, Krylov dimension */
	double *u;	       /* m: Q^T V^T g */
	double *cq, *c;	       /* m each: the step's coordinates in Q and in V */
	/* Of the last direction: the dimension built and the extreme Ritz
	 * values (NaN when none). */
	size_t k;
	double lam_min, lam_max;
};

/* Buffers for Krylov spaces of up to m (1 <= m <= n) vectors of n. Errors:
 * 70 when out of memory. */
struct dnn_sfn *sfn_new(size_t n, size_t m, struct dnn_error *e);
void sfn_free(struct dnn_sfn *s);

/*
 * The Krylov space of gradient g and Hessian operator a, and its
 * eigendecomposition:
 *   V, T = Lanczos(a, g, m)   (lanczos_run from g without restart: V n x k
 *                              orthonormal, k <= m, V^T a V = T)
 *   T = Q L Q^T               (the k x k eigendecomposition)
 * and the coordinates u = Q^T V^T g. g lies in the Krylov space (it is its
 * first vector), so nothing of g is left outside it. Returns k, the
 * dimension built: fewer than m when the Krylov space is invariant, 0 when
 * g is 0 or the curvature is not finite.
 */
size_t sfn_build(struct dnn_sfn *s, dnn_linop a, void *ctx, const double *g);

/*
 * The direction of the last sfn_build for a damping (any number of times,
 * without another Hessian-vector product):
 *   d = -V Q (|L| + damping I)^-1 Q^T V^T g,
 * leaving out each eigendirection with |lambda| + damping = 0; d = 0 when
 * k is 0. *gd gets g.d and *dad d^T A d (from the eigenvalues), the terms of
 * the quadratic model g.d + d^T A d / 2.
 */
void sfn_solve(struct dnn_sfn *s, double damping, double *d, double *gd, double *dad);

/* sfn_build, then sfn_solve; returns k. */
size_t sfn_direction(struct dnn_sfn *s, dnn_linop a, void *ctx, const double *g, double damping,
		     double *d);

#endif
