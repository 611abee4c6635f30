#include "act.h"

#include <math.h>
#include <string.h>

/* linear: a = z, da/dz = 1. */
static void linear_fwd(float *z, size_t n, size_t m)
{
	(void)z, (void)n, (void)m;
}

static void linear_bwd(const float *a, float *d, size_t n, size_t m)
{
	(void)a, (void)d, (void)n, (void)m;
}

/* step: a = (sign(z) + 1) / 2, so 0, 1/2 at z = 0, or 1. Its derivative is
 * zero wherever it exists, so no gradient flows back through a step layer:
 * the layers before it keep their initial weights (see dnn-spec(5)). */
static void step_fwd(float *z, size_t n, size_t m)
{
	for (size_t i = 0; i < n * m; i++)
		z[i] = z[i] > 0.0f ? 1.0f : (z[i] < 0.0f ? 0.0f : 0.5f);
}

static void step_bwd(const float *a, float *d, size_t n, size_t m)
{
	(void)a;
	memset(d, 0, n * m * sizeof *d);
}

/* sigmoid: a = 1 / (1 + e^-z), da/dz = a (1 - a). */
static void sigmoid_fwd(float *z, size_t n, size_t m)
{
	for (size_t i = 0; i < n * m; i++) {
		float x = z[i];

		if (x >= 0.0f) {
			z[i] = 1.0f / (1.0f + expf(-x));
		} else {
			float t = expf(x);

			z[i] = t / (1.0f + t);
		}
	}
}

static void sigmoid_bwd(const float *a, float *d, size_t n, size_t m)
{
	for (size_t i = 0; i < n * m; i++)
		d[i] *= a[i] * (1.0f - a[i]);
}

/* tanh: da/dz = 1 - a^2. */
static void tanh_fwd(float *z, size_t n, size_t m)
{
	for (size_t i = 0; i < n * m; i++)
		z[i] = tanhf(z[i]);
}

static void tanh_bwd(const float *a, float *d, size_t n, size_t m)
{
	for (size_t i = 0; i < n * m; i++)
		d[i] *= 1.0f - a[i] * a[i];
}

/* relu: a = max(0, z), da/dz = [z > 0] = [a > 0]. */
static void relu_fwd(float *z, size_t n, size_t m)
{
	for (size_t i = 0; i < n * m; i++)
		z[i] = z[i] > 0.0f ? z[i] : 0.0f;
}

static void relu_bwd(const float *a, float *d, size_t n, size_t m)
{
	for (size_t i = 0; i < n * m; i++)
		d[i] = a[i] > 0.0f ? d[i] : 0.0f;
}

/* softmax, per row: a_j = e^(z_j - max z) / sum_k e^(z_k - max z). */
static void softmax_fwd(float *z, size_t n, size_t m)
{
	for (size_t i = 0; i < n; i++) {
		float *row = z + i * m;
		float mx = row[0];
		double sum = 0.0;

		for (size_t j = 1; j < m; j++)
			if (row[j] > mx)
				mx = row[j];
		for (size_t j = 0; j < m; j++) {
			row[j] = expf(row[j] - mx);
			sum += (double)row[j];
		}
		float inv = (float)(1.0 / sum);

		for (size_t j = 0; j < m; j++)
			row[j] *= inv;
	}
}

/* Through the softmax Jacobian da_j/dz_k = a_j ([j = k] - a_k):
 * dz_k = a_k (d_k - sum_j d_j a_j). */
static void softmax_bwd(const float *a, float *d, size_t n, size_t m)
{
	for (size_t i = 0; i < n; i++) {
		const float *ar = a + i * m;
		float *dr = d + i * m;
		double dot = 0.0;

		for (size_t j = 0; j < m; j++)
			dot += (double)dr[j] * (double)ar[j];
		for (size_t j = 0; j < m; j++)
			dr[j] = ar[j] * (dr[j] - (float)dot);
	}
}

static const struct dnn_act_info table[DNN_ACT_MAX] = {
	{DNN_ACT_LINEAR, "linear", linear_fwd, linear_bwd},
	{DNN_ACT_STEP, "step", step_fwd, step_bwd},
	{DNN_ACT_SIGMOID, "sigmoid", sigmoid_fwd, sigmoid_bwd},
	{DNN_ACT_TANH, "tanh", tanh_fwd, tanh_bwd},
	{DNN_ACT_RELU, "relu", relu_fwd, relu_bwd},
	{DNN_ACT_SOFTMAX, "softmax", softmax_fwd, softmax_bwd},
};

const char *const act_names[DNN_ACT_MAX] = {"linear", "step", "sigmoid", "tanh", "relu",
					    "softmax"};

const struct dnn_act_info *act_by_name(const char *name)
{
	for (size_t i = 0; i < DNN_ACT_MAX; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

const struct dnn_act_info *act_by_id(int id)
{
	if (id < 1 || id > DNN_ACT_MAX)
		return NULL;
	return &table[id - 1];
}
