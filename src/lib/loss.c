/* The losses (loss.h): the loss over a batch and its gradient at the outputs. */
#include "loss.h"

#include <math.h>
#include <string.h>

const char *const loss_names[DNN_LOSS_MAX] = {"mse", "cross_entropy", "binary_cross_entropy"};

int loss_by_name(const char *name)
{
	for (int i = 0; i < DNN_LOSS_MAX; i++)
		if (strcmp(loss_names[i], name) == 0)
			return i + 1;
	return -1;
}

const char *loss_name(int id)
{
	if (id < 1 || id > DNN_LOSS_MAX)
		return NULL;
	return loss_names[id - 1];
}

/* Probabilities are kept in [P_MIN, 1 - P_MIN] inside logarithms. */
#define P_MIN 1e-12

static double clamp_p(float a)
{
	double p = (double)a;

	return p < P_MIN ? P_MIN : (p > 1.0 - P_MIN ? 1.0 - P_MIN : p);
}

/* MSE per row: (1/m) sum_j (a_j - t_j)^2; dL/da_j = 2 (a_j - t_j) / m. */
static double mse(const float *a, const float *t, size_t n, size_t m, float scale, float *d)
{
	double sum = 0.0;
	float g = 2.0f * scale / (float)m;

	for (size_t i = 0; i < n * m; i++) {
		float diff = a[i] - t[i];

		sum += (double)diff * (double)diff;
		if (d)
			d[i] = g * diff;
	}
	return sum / (double)m;
}

/* Cross-entropy per row: -sum_j t_j log a_j. With softmax outputs,
 * dL/dz = a - t. */
static double cross_entropy(const float *a, const float *t, size_t n, size_t m, float scale,
			    float *d)
{
	double sum = 0.0;

	for (size_t i = 0; i < n * m; i++) {
		if (t[i] != 0.0f)
			sum -= (double)t[i] * log(clamp_p(a[i]));
		if (d)
			d[i] = scale * (a[i] - t[i]);
	}
	return sum;
}

/* Binary cross-entropy per row: -(1/m) sum_j [t_j log a_j + (1 - t_j)
 * log(1 - a_j)]. With sigmoid outputs, dL/dz_j = (a_j - t_j) / m. */
static double binary_cross_entropy(const float *a, const float *t, size_t n, size_t m,
				   float scale, float *d)
{
	double sum = 0.0;
	float g = scale / (float)m;

	for (size_t i = 0; i < n * m; i++) {
		double p = clamp_p(a[i]), y = (double)t[i];

		sum -= y * log(p) + (1.0 - y) * log(1.0 - p);
		if (d)
			d[i] = g * (a[i] - t[i]);
	}
	return sum / (double)m;
}

double loss_eval(int loss, const struct dnn_act_info *out_act, const float *a, const float *t,
		 size_t n, size_t m, float scale, float *dz)
{
	switch (loss) {
	case DNN_LOSS_CROSS_ENTROPY:
		/* The spec guarantees softmax outputs: the gradient is fused. */
		return cross_entropy(a, t, n, m, scale, dz);
	case DNN_LOSS_BINARY_CROSS_ENTROPY:
		/* The spec guarantees sigmoid outputs: fused as well. */
		return binary_cross_entropy(a, t, n, m, scale, dz);
	default: {
		double v = mse(a, t, n, m, scale, dz);

		if (dz)
			out_act->backward(a, dz, n, m);
		return v;
	}
	}
}

double loss_eval_weighted(int loss, const struct dnn_act_info *out_act, const float *a,
			  const float *t, const float *w, size_t n, size_t m, float scale,
			  float *dz)
{
	double sum = 0.0;

	if (!w)
		return loss_eval(loss, out_act, a, t, n, m, scale, dz);
	for (size_t i = 0; i < n; i++)
		sum += (double)w[i] * loss_eval(loss, out_act, a + i * m, t + i * m, 1, m,
						scale * w[i], dz ? dz + i * m : NULL);
	return sum;
}

void loss_smooth_targets(int loss, float *t, size_t n, size_t m, double eps)
{
	double k = loss == DNN_LOSS_CROSS_ENTROPY ? (double)m : 2.0;

	if (eps <= 0.0 || (loss != DNN_LOSS_CROSS_ENTROPY && loss != DNN_LOSS_BINARY_CROSS_ENTROPY))
		return;
	for (size_t i = 0; i < n * m; i++)
		t[i] = (float)((1.0 - eps) * (double)t[i] + eps / k);
}
