/* The activations: each one's math, in float and double, and the table of them. */
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

static void linear_f(const double *z, double *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		a[i] = z[i];
}

/* f' = 1, f'' = 0. */
static void linear_df(const double *z, const double *a, double *d1, double *d2, size_t n)
{
	(void)z, (void)a;
	for (size_t i = 0; i < n; i++)
		d1[i] = 1.0, d2[i] = 0.0;
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

static void step_f(const double *z, double *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		a[i] = z[i] > 0.0 ? 1.0 : (z[i] < 0.0 ? 0.0 : 0.5);
}

/* f' = 0, f'' = 0 (almost everywhere). */
static void step_df(const double *z, const double *a, double *d1, double *d2, size_t n)
{
	(void)z, (void)a;
	for (size_t i = 0; i < n; i++)
		d1[i] = 0.0, d2[i] = 0.0;
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

static void sigmoid_f(const double *z, double *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		a[i] = z[i] >= 0.0 ? 1.0 / (1.0 + exp(-z[i])) : exp(z[i]) / (1.0 + exp(z[i]));
}

/* f' = a (1 - a), f'' = a (1 - a) (1 - 2a). */
static void sigmoid_df(const double *z, const double *a, double *d1, double *d2, size_t n)
{
	(void)z;
	for (size_t i = 0; i < n; i++)
		d1[i] = a[i] * (1.0 - a[i]), d2[i] = a[i] * (1.0 - a[i]) * (1.0 - 2.0 * a[i]);
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

static void tanh_f(const double *z, double *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		a[i] = tanh(z[i]);
}

/* f' = 1 - a^2, f'' = -2a (1 - a^2). */
static void tanh_df(const double *z, const double *a, double *d1, double *d2, size_t n)
{
	(void)z;
	for (size_t i = 0; i < n; i++)
		d1[i] = 1.0 - a[i] * a[i], d2[i] = -2.0 * a[i] * (1.0 - a[i] * a[i]);
}

/* relu: a = max(0, z), da/dz = [z > 0] = [a > 0]. */
static void relu_fwd(float *z, size_t n, size_t m)
{
	for (size_t i = 0; i < n * m; i++)
		z[i] = z[i] > 0.0f ? z[i] : 0.0f;
}

/* d = d where a > 0, else +0, in blocks of 8 that the compiler turns into
 * vector code (a branch per unit mispredicts on relu's half-random
 * pattern; dropout's rows call this). */
static void relu_bwd(const float *restrict a, float *restrict d, size_t n, size_t m)
{
	size_t i = 0, cells = n * m;

	for (; i + 8 <= cells; i += 8)
		for (size_t k = 0; k < 8; k++)
			d[i + k] = a[i + k] > 0.0f ? d[i + k] : 0.0f;
	for (; i < cells; i++)
		d[i] = a[i] > 0.0f ? d[i] : 0.0f;
}

static void relu_f(const double *z, double *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		a[i] = z[i] > 0.0 ? z[i] : 0.0;
}

/* f' = [z > 0], f'' = 0 (almost everywhere). */
static void relu_df(const double *z, const double *a, double *d1, double *d2, size_t n)
{
	(void)a;
	for (size_t i = 0; i < n; i++)
		d1[i] = z[i] > 0.0 ? 1.0 : 0.0, d2[i] = 0.0;
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

/* The same in double, and R{a}_j = a_j (R{z}_j - sum_k a_k R{z}_k). */
static void softmax_rows(const double *z, double *a, const double *rz, double *ra, size_t n,
			 size_t m)
{
	for (size_t i = 0; i < n; i++) {
		const double *zi = z + i * m;
		double *ai = a + i * m;
		double mx = zi[0], sum = 0.0, dot = 0.0;

		for (size_t j = 1; j < m; j++)
			mx = zi[j] > mx ? zi[j] : mx;
		for (size_t j = 0; j < m; j++)
			sum += ai[j] = exp(zi[j] - mx);
		for (size_t j = 0; j < m; j++)
			ai[j] /= sum;
		if (!rz)
			continue;
		for (size_t j = 0; j < m; j++)
			dot += ai[j] * rz[i * m + j];
		for (size_t j = 0; j < m; j++)
			ra[i * m + j] = ai[j] * (rz[i * m + j] - dot);
	}
}

/* The float and double hooks of an elementwise activation x. */
#define ELEMENTWISE(x) .forward = x##_fwd, .backward = x##_bwd, .f = x##_f, .df = x##_df

/* One row per activation, in id order (act_by_id indexes it). Rows leave
 * out what they lack: no flags, no gemm epilogue (MAT_ACT_NONE is 0). */
static const struct dnn_act_info table[DNN_ACT_MAX] = {
	{.id = DNN_ACT_LINEAR, .name = "linear", .init = DNN_INIT_GLOROT_UNIFORM,
	 ELEMENTWISE(linear)},
	{.id = DNN_ACT_STEP, .name = "step", .flags = ACT_ZERO_GRAD | ACT_KINK,
	 .init = DNN_INIT_GLOROT_UNIFORM, ELEMENTWISE(step)},
	{.id = DNN_ACT_SIGMOID, .name = "sigmoid", .init = DNN_INIT_GLOROT_UNIFORM,
	 ELEMENTWISE(sigmoid)},
	{.id = DNN_ACT_TANH, .name = "tanh", .init = DNN_INIT_GLOROT_UNIFORM, ELEMENTWISE(tanh)},
	{.id = DNN_ACT_RELU, .name = "relu", .flags = ACT_KINK, .init = DNN_INIT_HE_NORMAL,
	 .gemm_forward = MAT_ACT_RELU, .gemm_backward = MAT_ACT_RELU_GRAD, ELEMENTWISE(relu)},
	{.id = DNN_ACT_SOFTMAX, .name = "softmax", .flags = ACT_ROWWISE | ACT_OUTPUT_ONLY,
	 .init = DNN_INIT_GLOROT_UNIFORM, .forward = softmax_fwd, .backward = softmax_bwd,
	 .f_rows = softmax_rows},
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
