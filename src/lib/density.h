/* The spectral density of a symmetric operator (the Hessian of a loss) by
 * stochastic Lanczos quadrature, and the trace by Hutchinson's estimator from
 * the same probe vectors.
 *
 * For a unit probe q and m Lanczos steps from it, the eigenvalues theta_j of
 * the tridiagonal T and the squared first components w_j of its eigenvectors
 * are the nodes and weights of the m-point Gauss quadrature of the measure
 * sum_i (q . u_i)^2 delta(t - lambda_i) (u_i, lambda_i the eigenpairs of H):
 * sum_j w_j f(theta_j) = q^T f(H) q, exactly for polynomials f of degree up
 * to 2m - 1. With q uniform on the sphere (a normalized Gaussian) or a
 * normalized Rademacher vector, E[q^T f(H) q] = tr f(H) / n, so the average
 * over probes of these quadratures estimates the density
 * phi(t) = (1/n) sum_i delta(t - lambda_i); it is drawn broadened by a
 * Gaussian of width sigma. Its first moment times n is Hutchinson's trace
 * estimate n q^T H q = v^T H v (v = sqrt(n) q Rademacher), its second moment
 * estimates ||H||_F^2 / n. */
#ifndef DNN_DENSITY_H
#define DNN_DENSITY_H

#include <stddef.h>

#include "err.h"
#include "lanczos.h"
#include "rng.h"

enum dnn_probe {
	DNN_PROBE_RADEMACHER = 1, /* entries +-1, equally likely */
	DNN_PROBE_GAUSSIAN = 2,	  /* entries N(0, 1) */
	DNN_PROBE_BASIS = 3,	  /* unit vectors e_i, i without repetition in a
				   * random order: with n of them the trace and
				   * the moments are exact */
};

/* The name of kind ("rademacher", "gaussian", "basis"); 0 and *kind set, or
 * -1 for another name. */
int density_probe_parse(const char *name, enum dnn_probe *kind);
const char *density_probe_name(enum dnn_probe kind);

struct dnn_density {
	size_t n;	   /* the dimension */
	size_t n_probes;   /* the probes averaged */
	size_t n_nodes;	   /* the nodes of all probes */
	double *node;	   /* n_nodes Ritz values, probe after probe */
	double *weight;	   /* their weights, each probe's summing to 1 / n_probes */
	double trace;	   /* Hutchinson: the mean over probes of n q^T H q */
	double trace_se;   /* its standard error (NaN with one probe; basis
			    * probes: with the finite-population correction,
			    * 0 with n probes) */
	double mean;	   /* sum of weight * node: trace / n */
	double moment2;	   /* sum of weight * node^2: ||H||_F^2 / n */
	double moment2_se; /* its standard error (as trace_se) */
	double negative;   /* the weight of the negative nodes */
	double lmin, lmax; /* the extreme nodes */
};

/* Stochastic Lanczos quadrature of op (dimension n) with n_probes probes of
 * kind (basis: at most n), each of min(steps, n) Lanczos steps with full
 * reorthogonalization (fewer when the Krylov space of a probe becomes
 * invariant: its quadrature is then exact). Fills d (free with
 * density_free). Errors: 70 out of memory; 64 for basis probes beyond n. */
int density_slq(dnn_linop op, void *ctx, size_t n, size_t n_probes, size_t steps,
		enum dnn_probe kind, struct dnn_rng *rng, struct dnn_density *d,
		struct dnn_error *e);
void density_free(struct dnn_density *d);

/* The density broadened by a Gaussian of width sigma > 0 at t:
 * sum_j w_j exp(-(t - theta_j)^2 / (2 sigma^2)) / (sigma sqrt(2 pi)). */
double density_at(const struct dnn_density *d, double t, double sigma);

#endif
