/* Second-order analysis of a network's loss on a fixed set of rows, in double
 * precision: the loss, its gradient, exact Hessian-vector products by
 * Pearlmutter's R-operator, the same by finite differences of gradients, and
 * the extreme eigenvalues of the Hessian by Lanczos iteration (lanczos.h) on
 * them.
 * Parameters are double arrays laid out like dnn_net's params. */
#ifndef DNN_HVP_H
#define DNN_HVP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "net.h"
#include "rng.h"

struct dnn_hvp;

/* Borrow net's layout, activations and loss, and the n rows x (n x n_in) with
 * targets t (n x n_out, as the loss wants them); x is copied. Errors: 70 for
 * out of memory or an activation the analysis does not know (softmax
 * anywhere but on a cross-entropy output). */
struct dnn_hvp *hvp_new(const struct dnn_net *net, const float *x, const float *t, size_t n,
			struct dnn_error *e);
void hvp_free(struct dnn_hvp *h);
/* Analyse the loss in training mode, with the random draws (dropout masks)
 * of net's last training pass held fixed: that pass must have run over the
 * same rows in the same order (net_loss_grad with a training pass; gradcheck
 * does this). Without it the analysis is of inference mode: dropout passes
 * its inputs on (dnn hessian, --learning-rate auto). */
void hvp_hold_pass(struct dnn_hvp *h);
size_t hvp_n_params(const struct dnn_hvp *h);

/* The mean loss L(w) over the rows. */
double hvp_loss(struct dnn_hvp *h, const double *w);

/* A fingerprint of which side of their kink (z < 0, z = 0, z > 0) the
 * pre-activations of the relu and step units were in the last pass: two
 * passes with the same fingerprint crossed no kink between them. */
unsigned long long hvp_kink_pattern(const struct dnn_hvp *h);

/* L(w), with g = dL/dw. */
double hvp_grad(struct dnn_hvp *h, const double *w, double *g);

/* L(w), with hv = H(w) v, where H = d2L/dw2, by the R-operator
 * R{f(w)} = d/dr f(w + r v) at r = 0 pushed through the forward and the
 * backward pass; g (may be NULL) gets the gradient. */
double hvp_hv(struct dnn_hvp *h, const double *w, const double *v, double *g, double *hv);

/* hv = (g(w + eps v) - g(w - eps v)) / (2 eps), the finite-difference
 * estimate of H v. */
int hvp_hv_fd(struct dnn_hvp *h, const double *w, const double *v, double eps, double *hv,
	      struct dnn_error *e);

/* The operator v -> H(w) v, for lanczos_run: ctx is a struct dnn_hvp_op. */
struct dnn_hvp_op {
	struct dnn_hvp *h;
	const double *w;
};
void hvp_op_apply(void *ctx, const double *v, double *y);

/* Up to m steps of the Lanczos iteration (with full reorthogonalization and a
 * fresh random start when a Krylov space is exhausted) on H(w) from a random
 * vector of rng: ritz[0..*n_ritz) get the eigenvalues of the tridiagonal
 * matrix, in ascending order. With m >= the number of parameters they are
 * all the eigenvalues of H; otherwise the extreme ones converge first. */
int hvp_lanczos(struct dnn_hvp *h, const double *w, size_t m, struct dnn_rng *rng,
		double *ritz, size_t *n_ritz, struct dnn_error *e);

/* The curvature of net's loss on the n rows x, t at net's weights: the loss,
 * the gradient's norm, Ritz values of up to m Lanczos steps (ascending, in
 * ritz[0..*n_ritz)), and, if check is not NULL, |H v - fd| / |H v| for a
 * random unit v: the R-operator against finite differences of gradients. */
int hvp_analyse(const struct dnn_net *net, const float *x, const float *t, size_t n, size_t m,
		struct dnn_rng *rng, double *ritz, size_t *n_ritz, double *loss,
		double *grad_norm, double *check, struct dnn_error *e);

/* A learning rate from the curvature of the loss at net's weights on the n
 * rows x, t (at most 2048 of them, evenly spaced): lr = (1 - momentum) /
 * lambda_max. With momentum, a steady gradient moves the weights by lr / (1 -
 * momentum) per step, so this is Newton's step 1/lambda_max along the
 * sharpest direction, well inside the stability limit 2 (1 + momentum) /
 * lambda_max of gradient descent with momentum. *lmax gets lambda_max.
 * Error 65 when the loss has no positive curvature there. */
int hvp_auto_learning_rate(const struct dnn_net *net, const float *x, const float *t, size_t n,
			   double momentum, uint64_t seed, double *lr, double *lmax,
			   struct dnn_error *e);

#endif
