#include "optim.h"

#include <stdlib.h>

#include "util.h"

struct dnn_optim *optim_new(int kind, size_t n_params, double learning_rate, double momentum,
			    struct dnn_error *e)
{
	struct dnn_optim *o = calloc(1, sizeof *o);

	if (!o)
		return dnn_error_oom(e), NULL;
	o->kind = kind;
	o->learning_rate = learning_rate;
	o->momentum = momentum;
	o->n = n_params;
	o->velocity = util_calloc_array(n_params, sizeof *o->velocity);
	if (!o->velocity) {
		free(o);
		return dnn_error_oom(e), NULL;
	}
	return o;
}

void optim_free(struct dnn_optim *o)
{
	if (!o)
		return;
	free(o->velocity);
	free(o);
}

/* SGD with momentum: v := mu v - lr g; w := w + v. */
void optim_step(struct dnn_optim *o, float *params, const float *grads)
{
	float mu = (float)o->momentum, lr = (float)o->learning_rate;
	float *v = o->velocity;

	for (size_t i = 0; i < o->n; i++) {
		v[i] = mu * v[i] - lr * grads[i];
		params[i] += v[i];
	}
}
