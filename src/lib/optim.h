/* Optimizers over the flat parameter and gradient arrays: minibatch SGD
 * (momentum, Nesterov), Adam and RMSprop, which take one gradient per step,
 * saddle-free Newton, which takes a gradient and the minibatch's Hessian as
 * an operator, and full-batch L-BFGS, which evaluates the objective itself
 * inside a line search. All of them take an L2 weight decay and an L1 penalty; the
 * minibatch ones can clip the gradient by its global norm. */
#ifndef DNN_OPTIM_H
#define DNN_OPTIM_H

#include <stddef.h>

#include "err.h"
#include "lanczos.h"
#include "spec.h"

struct dnn_wbuf;
struct dnn_rbuf;
struct dnn_sfn;

struct dnn_optim {
	struct dnn_optim_spec conf;
	double learning_rate;	/* the current rate; the schedule sets it per epoch */
	size_t n;
	unsigned long t;	/* steps taken */
	double grad_norm;	/* global norm of the last gradient, before clipping */
	float *m;		/* sgd: velocity; adam: first moment */
	float *v;		/* adam: second moment; rmsprop: mean square */
	/* L-BFGS, all in double: the iterate, its objective and gradient, the
	 * direction, and the last history_size pairs s = x' - x, y = g' - g
	 * in a ring. */
	struct {
		int started;
		double f;
		double *x, *gx, *d;
		double *gb[3];	/* gradients at the bracket ends and the trial */
		float *wt, *gf;	/* the trial point and its gradient, as floats */
		double *s, *y, *rho, *alpha;
		size_t head, count;
		unsigned long n_evals;
	} lb;
	/* saddle-free Newton: the Krylov space's buffers, the effective
	 * gradient and the direction (n doubles each) */
	struct dnn_sfn *sfn;
	double *sg, *sd, *sw;	/* and the trial weights */
	double damping;		/* the current damping lambda */
};

/* The objective of a full-batch optimizer: f(w), with grad set to its
 * gradient (n floats). Returns a non-finite value when f cannot be
 * evaluated. */
typedef double (*dnn_objective)(void *ctx, const float *w, float *grad);

/* Errors: 70 when out of memory; 65 for a saddle_free_newton krylov_dim
 * above n_params. */
struct dnn_optim *optim_new(const struct dnn_optim_spec *conf, size_t n_params,
			    struct dnn_error *e);
void optim_free(struct dnn_optim *o);

/* The memory an optimizer made from conf takes while training, in floats
 * per parameter (a double counts two), as the check before training
 * estimates it: sgd and rmsprop 2, adam 3 (one more than the buffers they
 * touch, for the trainer's copy of the weights at an epoch's start), lbfgs
 * 14 plus 4 per pair of its history, saddle_free_newton 9 plus 2 per
 * Krylov vector (its k + 1 basis vectors, gradient, direction and the
 * trainer's weights in double). SIZE_MAX / 2 for a history_size so
 * large that any network's estimate overflows. */
size_t optim_memory_floats(const struct dnn_optim_spec *conf);

/* Whether the optimizer evaluates the objective itself (lbfgs). */
int optim_full_batch(const struct dnn_optim *o);

/* One minibatch step with gradient grads (n): g = clip(grads) + wd w
 * + l1 sign(w) (sign(0) = 0), then
 *   sgd:      v = mu v - lr g;  w += v  (Nesterov: w += mu v - lr g)
 *   adam:     m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
 *             w -= lr m/(1-b1^t) / (sqrt(v/(1-b2^t)) + eps)
 *   rmsprop:  v = rho v + (1-rho) g^2;  w -= lr g / (sqrt(v) + eps)
 * where clip(g) = g * min(1, clip_norm / |g|). */
void optim_step(struct dnn_optim *o, float *params, const float *grads);

/* Whether the optimizer needs the minibatch's Hessian (saddle_free_newton):
 * the trainer steps it with optim_sfn_step instead of optim_step. */
int optim_second_order(const struct dnn_optim *o);

/* The minibatch's curvature, for saddle-free Newton: hv sets y = H v, H
 * the Hessian of the minibatch's loss at the current weights (penalties
 * left out), and loss gives that loss at weights w (n doubles), NaN when
 * it is not finite; loss NULL: every step taken at the fixed damping. */
struct dnn_curvature {
	dnn_linop hv;
	double (*loss)(void *ctx, const double *w);
	void *ctx;
};

/*
 * One saddle-free Newton step with gradient grads (n). With the penalties,
 *   F = f + wd/2 |w|^2 + l1 |w|_1,  g = grads + wd w + l1 sign(w),
 *   A v = H v + wd v  (|w|_1 has no curvature off 0),
 * the Lanczos basis V of k <= krylov_dim vectors from g and V^T A V =
 * Q L Q^T (sfn.h), the step is
 *   w += lr d,  d = -V Q (|L| + lambda I)^-1 Q^T V^T g,
 * lambda the damping, adapted as Levenberg-Marquardt's from the spec's
 * damping (its least value): while F(w + lr d) is not below F(w), lambda is
 * multiplied by 4 and d solved again (at most 10 times, then no step);
 * after a step, with rho = (F(w + lr d) - F(w)) / (lr g.d + lr^2 d^T A d / 2)
 * the actual decrease over the quadratic model's, lambda *= 3/2 when rho <
 * 1/4, lambda *= 2/3 (not below the spec's damping) when rho > 3/4. No
 * clipping. Returns k (0: no step, g is 0 or the curvature not finite).
 * Allocates nothing.
 */
size_t optim_sfn_step(struct dnn_optim *o, float *params, const float *grads,
		      const struct dnn_curvature *c);

/* One L-BFGS iteration on F(w) = f(w) + wd/2 |w|^2 + l1 |w|_1 (the L1 term
 * taken as smooth, its gradient l1 sign(w)): the direction from the
 * two-loop recursion, then a line search for a step satisfying the strong
 * Wolfe conditions, starting from the learning rate. params is read on the
 * first call and updated in place. *fx gets F at the new params. Returns 0
 * after a step, 1 when no further progress is possible (the gradient
 * vanishes or no step decreases F: converged), -1 when f is not finite. */
int optim_lbfgs_iter(struct dnn_optim *o, float *params, dnn_objective f, void *ctx, double *fx);

/* The optimizer's part of a run's resume state (dnn-checkpoint(5), section
 * trst), in two pieces because the format puts the weights and the rest of
 * the run between them. The head: the kind (u32), the steps taken t (u64)
 * and the parameter count n (u64). */
void optim_state_encode_head(const struct dnn_optim *o, struct dnn_wbuf *b);
/* Read a head into o->t. Errors (65, no file): truncated, another kind of
 * optimizer than o's, another parameter count. */
int optim_state_decode_head(struct dnn_optim *o, struct dnn_rbuf *d, struct dnn_error *e);
/* The rest, after the weights: sgd, adam and rmsprop their two f32[n]
 * buffers m and v; lbfgs started, history_size, head, count (u32 each), f
 * (f64), x and gx (f64[n]), s and y (f64[history_size n]) and rho
 * (f64[history_size]); saddle_free_newton its current damping (f64). */
void optim_state_encode(const struct dnn_optim *o, struct dnn_wbuf *b);
/* Read what optim_state_encode wrote into o (made from the same spec and
 * parameter count). Errors (65, no file): a history_size other than the
 * spec's, a damping below the spec's, a ring position outside it, truncated (d->overrun, which may have
 * been set by what came before). */
int optim_state_decode(struct dnn_optim *o, struct dnn_rbuf *d, struct dnn_error *e);

#endif
