/* Sharpness during training: lambda_max, the largest eigenvalue of the
 * Hessian of the loss on a fixed sample of the training rows, measured again
 * and again as the weights move, by a few Lanczos steps (lanczos.h) each
 * warm-started from the previous top Ritz vector. Gradient descent at a
 * learning rate lr is stable along the sharpest direction of a quadratic only
 * while lambda_max < 2 / lr; full-batch training drives lambda_max up to that
 * line and holds it there (the edge of stability, Cohen et al. 2021). */
#ifndef DNN_SHARPNESS_H
#define DNN_SHARPNESS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "net.h"
#include "spec.h"

struct dnn_sharpness;

/* Measure net's loss (as it is when measured: net is borrowed, its weights
 * read at each sharpness_measure) on min(n_samples, n) of the n rows x, t
 * (targets as the loss wants them), drawn once without replacement from
 * seed (all of them when n_samples >= n, in order), with `steps` Lanczos
 * steps a measure. The analysis is of inference mode (hvp.h). NULL with e
 * set: 70 out of memory or an activation hvp.h does not analyse; 65 no
 * rows. */
struct dnn_sharpness *sharpness_new(const struct dnn_net *net, const float *x, const float *t,
				    size_t n, size_t n_samples, size_t steps, uint64_t seed,
				    struct dnn_error *e);
void sharpness_free(struct dnn_sharpness *s);
/* The rows sampled. */
size_t sharpness_rows(const struct dnn_sharpness *s);

/* lambda_max at net's current weights into *lmax; the top Ritz vector is
 * kept to start the next measure from. Allocates nothing. */
int sharpness_measure(struct dnn_sharpness *s, double *lmax, struct dnn_error *e);

/* The largest lambda_max at which the optimizer conf at learning rate lr is
 * stable on a quadratic, the edge of stability's line, with its formula in
 * *label: plain gradient descent 2 / lr (each step multiplies the error
 * along the eigenvector by 1 - lr lambda); heavy-ball momentum mu
 * (2 + 2 mu) / lr (the roots of z^2 - (1 + mu - lr lambda) z + mu stay
 * inside the unit circle); Nesterov (2 + 2 mu) / ((1 + 2 mu) lr). NaN with
 * *label NULL for the others (Adam and RMSprop precondition the Hessian,
 * L-BFGS and saddle-free Newton are not fixed-step). */
double sharpness_limit(const struct dnn_optim_spec *conf, double lr, const char **label);

#endif
