/* Optimizers over the flat parameter and gradient arrays. */
#ifndef DNN_OPTIM_H
#define DNN_OPTIM_H

#include <stddef.h>

#include "err.h"

struct dnn_optim {
	int kind;		/* enum dnn_optim_kind */
	double learning_rate;
	double momentum;
	size_t n;
	float *velocity;	/* n, momentum buffer */
};

struct dnn_optim *optim_new(int kind, size_t n_params, double learning_rate, double momentum,
			    struct dnn_error *e);
void optim_free(struct dnn_optim *o);
/* One step: v = momentum * v - lr * g; w += v. */
void optim_step(struct dnn_optim *o, float *params, const float *grads);

#endif
