/* The layer kinds (layer.h): the dense layer's math in float and double, and the table. */
#include "layer.h"

#include <math.h>
#include <string.h>

#include "mat.h"
#include "util.h"

/* n_out x n_in weights, then n_out biases. */
static int dense_n_params(size_t n_in, size_t n_out, size_t *n, size_t *b_rel)
{
	if (util_mul_overflow(n_out, n_in, b_rel) || *b_rel > SIZE_MAX - n_out)
		return -1;
	*n = *b_rel + n_out;
	return 0;
}

/* Glorot: Var(w) = 2 / (fan_in + fan_out); He: Var(w) = 2 / fan_in.
 * A uniform draw on [-r, r] has variance r^2 / 3. Biases zero. */
static void dense_init(const struct dnn_layer *ly, float *params, int init, struct dnn_rng *rng)
{
	float *w = params + ly->w_off;
	size_t nw = ly->n_out * ly->n_in;
	int kind = init == DNN_INIT_AUTO ? (int)ly->act->init : init;
	double var;

	if (kind == DNN_INIT_HE_UNIFORM || kind == DNN_INIT_HE_NORMAL)
		var = 2.0 / (double)ly->n_in;
	else
		var = 2.0 / (double)(ly->n_in + ly->n_out);
	if (kind == DNN_INIT_GLOROT_UNIFORM || kind == DNN_INIT_HE_UNIFORM) {
		double r = sqrt(3.0 * var);

		for (size_t i = 0; i < nw; i++)
			w[i] = (float)((2.0 * rng_uniform(rng) - 1.0) * r);
	} else {
		double sd = sqrt(var);

		for (size_t i = 0; i < nw; i++)
			w[i] = (float)(rng_normal(rng) * sd);
	}
	memset(params + ly->b_off, 0, ly->n_out * sizeof(float));
}

/* A = f(in W^T + b), over the n rows at once. The bias, and f where the
 * activation has a gemm epilogue (relu), are applied by the gemm as it
 * stores each tile; other activations run over the output afterwards. */
static void dense_forward(const struct dnn_layer *ly, const float *params, const float *in,
			  float *out, size_t n)
{
	struct mat_epilogue ep = {
		.bias = params + ly->b_off,
		.act = ly->act->gemm_forward,
	};

	mat_gemm_ex(MAT_NOTRANS, MAT_TRANS, n, ly->n_out, ly->n_in, 1.0f, in, ly->n_in,
		    params + ly->w_off, ly->n_in, 0.0f, out, ly->n_out, &ep);
	if (ep.act == MAT_ACT_NONE)
		ly->act->forward(out, n, ly->n_out);
}

/*
 * Backpropagation through a dense layer, the chain rule as matrix products.
 * With D = dL/dZ (n x units, one row per sample) and A_{l-1} = in:
 *   dL/dW = D^T A_{l-1}           (units x inputs)
 *   dL/db = column sums of D
 *   dL/dA_{l-1} = D W              (n x inputs)
 *   D_{l-1} = dL/dA_{l-1} * f'_{l-1}  (elementwise, through the outputs A_{l-1})
 * f'_{l-1} is applied by the gemm as it stores each tile where the activation
 * below has an epilogue for it (relu).
 */
static void dense_backward(const struct dnn_layer *ly, const float *params, const float *in,
			   const float *d, size_t n, float *grads,
			   const struct dnn_act_info *below, float *dprev)
{
	mat_gemm(MAT_TRANS, MAT_NOTRANS, ly->n_out, ly->n_in, n, 1.0f, d, ly->n_out, in, ly->n_in,
		 0.0f, grads + ly->w_off, ly->n_in);
	mat_col_sums(d, n, ly->n_out, 0.0f, grads + ly->b_off);
	if (!below)
		return;
	struct mat_epilogue ep = {
		.act = below->gemm_backward,
		.mask = in,
		.ldm = ly->n_in,
	};

	mat_gemm_ex(MAT_NOTRANS, MAT_NOTRANS, n, ly->n_in, ly->n_out, 1.0f, d, ly->n_out,
		    params + ly->w_off, ly->n_in, 0.0f, dprev, ly->n_in, &ep);
	if (ep.act == MAT_ACT_NONE)
		below->backward(in, dprev, n, ly->n_in);
}

/* Z = A_{l-1} W^T + b over the n rows of in; with v, also
 * R{Z} = R{A_{l-1}} W^T + A_{l-1} V^T + v_b from rin. */
static void dense_hv_forward(const struct dnn_layer *ly, const double *w, const double *v,
			     const double *in, const double *rin, double *z, double *rz,
			     size_t n)
{
	const double *W = w + ly->w_off, *b = w + ly->b_off;
	size_t ni = ly->n_in, no = ly->n_out;

	for (size_t i = 0; i < n; i++) {
		const double *xi = in + i * ni, *rxi = rin + i * ni;
		double *zi = z + i * no, *rzi = rz + i * no;

		for (size_t j = 0; j < no; j++) {
			const double *Wj = W + j * ni;
			double s = b[j];

			for (size_t k = 0; k < ni; k++)
				s += Wj[k] * xi[k];
			zi[j] = s;
			if (v) {
				const double *Vj = v + ly->w_off + j * ni;
				double r = v[ly->b_off + j];

				for (size_t k = 0; k < ni; k++)
					r += Vj[k] * xi[k] + Wj[k] * rxi[k];
				rzi[j] = r;
			}
		}
	}
}

/*   dL/dW = D^T A_{l-1}   H v |W = R{D}^T A_{l-1} + D^T R{A_{l-1}}
 *   dL/db = sum_i D       H v |b = sum_i R{D} */
static void dense_hv_params(const struct dnn_layer *ly, const double *d, const double *rd,
			    const double *in, const double *rin, size_t n, double *g,
			    double *hv)
{
	size_t ni = ly->n_in, no = ly->n_out;
	double *gW = g ? g + ly->w_off : NULL, *gb = g ? g + ly->b_off : NULL;
	double *hW = hv ? hv + ly->w_off : NULL, *hb = hv ? hv + ly->b_off : NULL;

	if (g)
		memset(g + ly->w_off, 0, (no * ni + no) * sizeof *g);
	if (hv)
		memset(hv + ly->w_off, 0, (no * ni + no) * sizeof *hv);
	for (size_t i = 0; i < n; i++) {
		const double *xi = in + i * ni, *rxi = rin + i * ni;
		const double *di = d + i * no, *rdi = rd + i * no;

		for (size_t j = 0; j < no; j++) {
			if (g) {
				double *gWj = gW + j * ni;

				gb[j] += di[j];
				for (size_t k = 0; k < ni; k++)
					gWj[k] += di[j] * xi[k];
			}
			if (hv) {
				double *hWj = hW + j * ni;

				hb[j] += rdi[j];
				for (size_t k = 0; k < ni; k++)
					hWj[k] += rdi[j] * xi[k] + di[j] * rxi[k];
			}
		}
	}
}

/*   G = D W        R{G} = R{D} W + D V */
static void dense_hv_down(const struct dnn_layer *ly, const double *w, const double *v,
			  const double *d, const double *rd, size_t n, double *g, double *rg)
{
	size_t ni = ly->n_in, no = ly->n_out;
	const double *W = w + ly->w_off;

	for (size_t i = 0; i < n; i++) {
		const double *di = d + i * no, *rdi = rd + i * no;
		double *gi = g + i * ni, *rgi = rg + i * ni;

		memset(gi, 0, ni * sizeof *gi);
		if (v)
			memset(rgi, 0, ni * sizeof *rgi);
		for (size_t j = 0; j < no; j++) {
			const double *Wj = W + j * ni;

			for (size_t k = 0; k < ni; k++)
				gi[k] += di[j] * Wj[k];
			if (v) {
				const double *Vj = v + ly->w_off + j * ni;

				for (size_t k = 0; k < ni; k++)
					rgi[k] += rdi[j] * Wj[k] + di[j] * Vj[k];
			}
		}
	}
}

/* One row per kind, in id order (layer_kind_by_id indexes it). */
static const struct dnn_layer_kind kinds[DNN_LAYER_MAX] = {
	{.id = DNN_LAYER_DENSE,
	 .name = "dense",
	 .n_params = dense_n_params,
	 .init = dense_init,
	 .forward = dense_forward,
	 .backward = dense_backward,
	 .hv_forward = dense_hv_forward,
	 .hv_params = dense_hv_params,
	 .hv_down = dense_hv_down},
};

const struct dnn_layer_kind *layer_kind_by_id(int id)
{
	if (id < 1 || id > DNN_LAYER_MAX)
		return NULL;
	return &kinds[id - 1];
}
