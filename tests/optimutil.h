/* Shared by the unit tests of the optimizers: their configuration and a
 * badly conditioned quadratic to minimize. */
#ifndef DNN_OPTIMUTIL_H
#define DNN_OPTIMUTIL_H

#include <stddef.h>

#include "optim.h"

/* The spec of an optimizer of this kind and learning rate, other settings at
 * their defaults. */
struct dnn_optim_spec conf_of(int kind, double lr);
/* optim_new, which must succeed. */
struct dnn_optim *xnew(const struct dnn_optim_spec *c, size_t n);

#define QN 6

/* f(w) = 1/2 (w - c)' A (w - c) + 3, A symmetric positive definite with
 * eigenvalues from 0.01 to 100: a condition number of 10^4. */
struct quad {
	double a[QN][QN], c[QN];
	int evals;
};

void quad_make(struct quad *q);
/* A dnn_objective: f at w, its gradient into grad; counts the evaluations. */
double quad_f(void *ctx, const float *w, float *grad);

#endif
