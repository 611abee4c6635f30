/* Loss functions. The numeric ids reach the checkpoint: never renumber them. */
#ifndef DNN_LOSS_H
#define DNN_LOSS_H

#include <stddef.h>

#include "act.h"

enum dnn_loss {
	DNN_LOSS_MSE = 1,		/* mean over outputs of (a - t)^2 */
	DNN_LOSS_CROSS_ENTROPY = 2,	/* -sum_j t_j log a_j, softmax outputs */
	DNN_LOSS_BINARY_CROSS_ENTROPY = 3 /* mean over outputs of BCE, sigmoid outputs */
};
#define DNN_LOSS_MAX 3

extern const char *const loss_names[DNN_LOSS_MAX];

/* 0 and the id, or -1 when the name is unknown. */
int loss_by_name(const char *name);
const char *loss_name(int id);

/* The loss of each of the n rows of the n x m outputs a against the targets
 * t, summed over the rows (the caller divides by n for the mean). If dz is not
 * NULL, it receives scale * dL/dz, the gradient with respect to the output
 * layer's pre-activations: fused for softmax + cross-entropy and sigmoid +
 * binary cross-entropy (a - t), chained through the activation otherwise.
 * Probabilities are clamped away from 0 and 1 so the loss stays finite. */
double loss_eval(int loss, const struct dnn_act_info *out_act, const float *a, const float *t,
		 size_t n, size_t m, float scale, float *dz);

/* The same with row i weighing w[i] (w NULL: loss_eval): sum_i w_i L_i, and
 * dz row i times w_i. */
double loss_eval_weighted(int loss, const struct dnn_act_info *out_act, const float *a,
			  const float *t, const float *w, size_t n, size_t m, float scale,
			  float *dz);

/* Label smoothing of the n rows of m targets t in place, as Keras and
 * PyTorch define it: cross-entropy t = (1 - eps) t + eps / m, binary
 * cross-entropy t = (1 - eps) t + eps / 2; other losses unchanged. */
void loss_smooth_targets(int loss, float *t, size_t n, size_t m, double eps);

#endif
