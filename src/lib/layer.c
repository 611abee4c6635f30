/* The layer kinds (layer.h): the dense, dropout and normalization rows (the
 * last on layer_norm.h's math) in float and double, and the table. */
#include "layer.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "layer_norm.h"
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
static void dense_init(const struct dnn_layer *ly, float *params, float *state, int init,
		       struct dnn_rng *rng)
{
	float *w = params + ly->w_off;
	size_t nw = ly->n_out * ly->n_in;
	int kind = init == DNN_INIT_AUTO ? (int)ly->act->init : init;
	double var;

	(void)state;
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
			  float *out, size_t n, const struct dnn_layer_ctx *ctx)
{
	struct mat_epilogue ep = {
		.bias = params + ly->b_off,
		.act = ly->act->gemm_forward,
	};

	(void)ctx;
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
			   const float *d, size_t n, float *grads, const struct dnn_act_info *below,
			   float *dprev, const struct dnn_layer_ctx *ctx)
{
	(void)ctx;
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
			     const double *in, const double *rin, double *z, double *rz, size_t n,
			     const struct dnn_layer_ctx *ctx)
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

				if (ctx->rin_zero)
					for (size_t k = 0; k < ni; k++)
						r += Vj[k] * xi[k];
				else
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
			    const double *in, const double *rin, size_t n, double *g, double *hv,
			    const struct dnn_layer_ctx *ctx)
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
				if (ctx->rin_zero)
					for (size_t k = 0; k < ni; k++)
						hWj[k] += rdi[j] * xi[k];
				else
					for (size_t k = 0; k < ni; k++)
						hWj[k] += rdi[j] * xi[k] + di[j] * rxi[k];
			}
		}
	}
}

/*   G = D W        R{G} = R{D} W + D V */
static void dense_hv_down(const struct dnn_layer *ly, const double *w, const double *v,
			  const double *in, const double *rin, const double *d, const double *rd,
			  size_t n, double *g, double *rg, const struct dnn_layer_ctx *ctx)
{
	size_t ni = ly->n_in, no = ly->n_out;
	const double *W = w + ly->w_off;

	(void)in, (void)rin, (void)ctx;
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

static size_t no_state(size_t n_in, size_t n_out)
{
	(void)n_in;
	(void)n_out;
	return 0;
}

static size_t no_work(const struct dnn_layer *ly, size_t n)
{
	(void)ly;
	(void)n;
	return 0;
}

/* Dense rows take any activation and have no fields. */
static int dense_check(const struct dnn_layer *ly, char *why, size_t size)
{
	(void)ly;
	(void)why;
	(void)size;
	return 0;
}

/* ---- dropout (Srivastava et al. 2014), inverted ----
 * In training, unit j of row i is kept with probability 1 - p and then
 * scaled by 1 / (1 - p), so that its expected value is its input's:
 *   out_ij = in_ij m_ij,  m_ij = 1/(1 - p) with probability 1 - p, else 0;
 * in inference out = in. The mask of row i comes from the generator
 * (rng.h) seeded by the pass's seed, the row's key and the row's place in
 * the network, one 32-bit draw per unit (dropped when its top 24 bits are
 * below p 2^24): the same for any thread count, batch split or MPI rank
 * count. */

static int dropout_n_params(size_t n_in, size_t n_out, size_t *n, size_t *b_rel)
{
	(void)n_in;
	(void)n_out;
	*n = *b_rel = 0;
	return 0;
}

/* The mask of the n rows: n x n_out floats. */
static size_t dropout_n_work(const struct dnn_layer *ly, size_t n)
{
	size_t cells;

	return util_mul_overflow(n, ly->n_out, &cells) ? SIZE_MAX : cells;
}

static int dropout_check(const struct dnn_layer *ly, char *why, size_t size)
{
	double p = ly->field[0];

	if (!(p > 0.0 && p < 1.0)) {
		snprintf(why, size, "dropout p is %.17g, not above 0 and below 1", p);
		return -1;
	}
	if (ly->act->id != DNN_ACT_LINEAR) {
		snprintf(why, size, "a dropout row has activation %s, not linear", ly->act->name);
		return -1;
	}
	return 0;
}

static void dropout_init(const struct dnn_layer *ly, float *params, float *state, int init,
			 struct dnn_rng *rng)
{
	(void)ly;
	(void)params;
	(void)state;
	(void)init;
	(void)rng;
}

/* The generator of the mask of batch row i. */
static void dropout_rng(struct dnn_rng *r, const struct dnn_layer_ctx *ctx, size_t i)
{
	const struct dnn_pass *ps = ctx->pass;
	uint64_t row = ps->rows ? (uint64_t)ps->rows[i] : (uint64_t)(ps->first + i);

	rng_seed(r, rng_mix(rng_mix(ps->seed, row), (uint64_t)ctx->index));
}

/* The m raw 32-bit draws of one row into mk (as bits). */
static void dropout_draw(struct dnn_rng *r, float *mk, size_t m)
{
	size_t j = 0;

	for (; j + 1 < m; j += 2) {
		uint64_t u = rng_next(r);

		memcpy(mk + j, &u, sizeof u);
	}
	if (j < m) {
		uint32_t u = (uint32_t)rng_next(r);

		memcpy(mk + j, &u, sizeof u);
	}
}

/* The mask of draw w: dropped (0) when its top 24 bits are below cut =
 * p 2^24, else kept (keep = 1/(1 - p)). */
static inline float dropout_unit(uint32_t w, int32_t cut, float keep)
{
	return (int32_t)(w >> 8) < cut ? 0.0f : keep;
}

/* The draws in mk become the mask, and out = x mk, over m units; in blocks
 * of 8 that the compiler turns into vector code. */
static void dropout_apply(const float *restrict x, float *restrict mk, float *restrict out,
			  size_t m, int32_t cut, float keep)
{
	size_t j = 0;

	for (; j + 8 <= m; j += 8) {
		uint32_t w[8];

		memcpy(w, mk + j, sizeof w);
		for (size_t k = 0; k < 8; k++) {
			mk[j + k] = dropout_unit(w[k], cut, keep);
			out[j + k] = x[j + k] * mk[j + k];
		}
	}
	for (; j < m; j++) {
		uint32_t w;

		memcpy(&w, mk + j, sizeof w);
		mk[j] = dropout_unit(w, cut, keep);
		out[j] = x[j] * mk[j];
	}
}

/* Training: draw the mask into ctx->work and apply it; inference: copy. */
static void dropout_forward(const struct dnn_layer *ly, const float *params, const float *in,
			    float *out, size_t n, const struct dnn_layer_ctx *ctx)
{
	size_t m = ly->n_out;
	double p = ly->field[0];
	int32_t cut = (int32_t)(p * 16777216.0);
	float keep = (float)(1.0 / (1.0 - p));

	(void)params;
	if (!ctx->pass->training) {
		memcpy(out, in, n * m * sizeof *out);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct dnn_rng r;

		dropout_rng(&r, ctx, i);
		dropout_draw(&r, ctx->work + i * m, m);
		dropout_apply(in + i * m, ctx->work + i * m, out + i * m, m, cut, keep);
	}
}

/* d = a b over n values, in blocks of 8 for vector code. */
static void mul_into(const float *restrict a, const float *restrict b, float *restrict d,
		     size_t n)
{
	size_t i = 0;

	for (; i + 8 <= n; i += 8)
		for (size_t k = 0; k < 8; k++)
			d[i + k] = a[i + k] * b[i + k];
	for (; i < n; i++)
		d[i] = a[i] * b[i];
}

/* dL/dA_{l-1} = D m (inference: D), then D_{l-1} through the activation
 * below. */
static void dropout_backward(const struct dnn_layer *ly, const float *params, const float *in,
			     const float *d, size_t n, float *grads,
			     const struct dnn_act_info *below, float *dprev,
			     const struct dnn_layer_ctx *ctx)
{
	size_t cells = n * ly->n_out;

	(void)params;
	(void)grads;
	if (!below)
		return;
	if (ctx->pass->training)
		mul_into(d, ctx->work, dprev, cells);
	else
		memcpy(dprev, d, cells * sizeof *dprev);
	below->backward(in, dprev, n, ly->n_in);
}

/* y = m x and, when ry is not NULL, ry = m rx over cells values; m is the
 * mask of the last training pass (ctx->work), 1 in inference. */
static void dropout_hv_mask(const struct dnn_layer_ctx *ctx, const double *x, const double *rx,
			    double *y, double *ry, size_t cells)
{
	const float *mk = ctx->pass->training ? ctx->work : NULL;

	for (size_t c = 0; c < cells; c++) {
		double m = mk ? (double)mk[c] : 1.0;

		y[c] = m * x[c];
		if (ry)
			ry[c] = m * rx[c];
	}
}

/* Z = m A_{l-1}, R{Z} = m R{A_{l-1}}. */
static void dropout_hv_forward(const struct dnn_layer *ly, const double *w, const double *v,
			       const double *in, const double *rin, double *z, double *rz, size_t n,
			       const struct dnn_layer_ctx *ctx)
{
	(void)w;
	dropout_hv_mask(ctx, in, rin, z, v ? rz : NULL, n * ly->n_out);
}

/* No parameters. */
static void dropout_hv_params(const struct dnn_layer *ly, const double *d, const double *rd,
			      const double *in, const double *rin, size_t n, double *g, double *hv,
			      const struct dnn_layer_ctx *ctx)
{
	(void)ly, (void)d, (void)rd, (void)in, (void)rin, (void)n, (void)g, (void)hv, (void)ctx;
}

/* G = m D, R{G} = m R{D}. */
static void dropout_hv_down(const struct dnn_layer *ly, const double *w, const double *v,
			    const double *in, const double *rin, const double *d, const double *rd,
			    size_t n, double *g, double *rg, const struct dnn_layer_ctx *ctx)
{
	(void)w, (void)in, (void)rin;
	dropout_hv_mask(ctx, d, rd, g, v ? rg : NULL, n * ly->n_out);
}

static const char *const dropout_fields[] = {"p"};

/* ---- batch and layer normalization (layer_norm.h) ----
 * A row of as many units as inputs after its spec layer's dense row (whose
 * activation is then linear): z = gamma xhat + beta, a = f(z) with the
 * layer's activation. gamma (w_off) and beta (b_off) are its parameters;
 * batch normalization keeps the running mean and variance as its state.
 * Fields: batch, momentum and epsilon; layer, epsilon. */

static int norm_n_params(size_t n_in, size_t n_out, size_t *n, size_t *b_rel)
{
	(void)n_in;
	if (n_out > SIZE_MAX / 2)
		return -1;
	*n = 2 * n_out;
	*b_rel = n_out;
	return 0;
}

static size_t batch_norm_n_state(size_t n_in, size_t n_out)
{
	(void)n_in;
	return 2 * n_out;
}

static int norm_type(const struct dnn_layer *ly)
{
	return ly->kind->id == DNN_LAYER_BATCH_NORM ? DNN_NORM_BATCH : DNN_NORM_LAYER;
}

static size_t norm_n_work(const struct dnn_layer *ly, size_t n)
{
	(void)n;
	return layer_norm_n_work(norm_type(ly), ly->n_out);
}

/* The momentum (batch) and epsilon of row ly. */
static double norm_momentum(const struct dnn_layer *ly)
{
	return ly->kind->id == DNN_LAYER_BATCH_NORM ? ly->field[0] : 0.0;
}

static double norm_epsilon(const struct dnn_layer *ly)
{
	return ly->field[ly->kind->id == DNN_LAYER_BATCH_NORM ? 1 : 0];
}

static int norm_check(const struct dnn_layer *ly, char *why, size_t size)
{
	double mom = norm_momentum(ly), eps = norm_epsilon(ly);

	if (!(mom >= 0.0 && mom <= 1.0)) {
		snprintf(why, size, "momentum is %.17g, not in [0, 1]", mom);
		return -1;
	}
	if (!(eps > 0.0 && isfinite(eps))) {
		snprintf(why, size, "epsilon is %.17g, not a number above 0", eps);
		return -1;
	}
	return 0;
}

/* gamma 1, beta 0; the running mean 0 and variance 1. */
static void norm_init(const struct dnn_layer *ly, float *params, float *state, int init,
		      struct dnn_rng *rng)
{
	size_t m = ly->n_out;

	(void)init;
	(void)rng;
	for (size_t j = 0; j < m; j++) {
		params[ly->w_off + j] = 1.0f;
		params[ly->b_off + j] = 0.0f;
	}
	if (ly->kind->id == DNN_LAYER_BATCH_NORM)
		for (size_t j = 0; j < m; j++) {
			state[j] = 0.0f;
			state[m + j] = 1.0f;
		}
}

/* The normalization of row ly over its state and workspace in ctx. */
static struct dnn_layer_norm norm_of(const struct dnn_layer *ly, const struct dnn_layer_ctx *ctx)
{
	struct dnn_layer_norm nm;

	layer_norm_bind(&nm, norm_type(ly), ly->n_out, norm_momentum(ly), norm_epsilon(ly),
			ctx->state, ctx->work);
	nm.relu = ly->act->gemm_forward == MAT_ACT_RELU;
	return nm;
}

static void norm_forward(const struct dnn_layer *ly, const float *params, const float *in,
			 float *out, size_t n, const struct dnn_layer_ctx *ctx)
{
	struct dnn_layer_norm nm = norm_of(ly, ctx);

	layer_norm_forward(&nm, params + ly->w_off, params + ly->b_off, in, n,
			   ctx->pass->training, out);
	if (!nm.relu)
		ly->act->forward(out, n, ly->n_out);
}

/* dL/dgamma, dL/dbeta and dL/dA_{l-1} (layer_norm_backward), then D_{l-1}
 * through the activation below. */
static void norm_backward(const struct dnn_layer *ly, const float *params, const float *in,
			  const float *d, size_t n, float *grads, const struct dnn_act_info *below,
			  float *dprev, const struct dnn_layer_ctx *ctx)
{
	struct dnn_layer_norm nm = norm_of(ly, ctx);

	layer_norm_backward(&nm, ctx->pass->training, params + ly->w_off, in, d, n,
			    grads + ly->w_off, grads + ly->b_off, below ? dprev : NULL);
	if (below)
		below->backward(in, dprev, n, ly->n_in);
}

static void norm_hv_forward(const struct dnn_layer *ly, const double *w, const double *v,
			    const double *in, const double *rin, double *z, double *rz, size_t n,
			    const struct dnn_layer_ctx *ctx)
{
	struct dnn_layer_norm nm = norm_of(ly, ctx);

	layer_norm_hv_forward(&nm, ctx->pass->training, w + ly->w_off, w + ly->b_off,
			      v ? v + ly->w_off : NULL, v ? v + ly->b_off : NULL, in, rin, n, z,
			      rz);
}

static void norm_hv_params(const struct dnn_layer *ly, const double *d, const double *rd,
			   const double *in, const double *rin, size_t n, double *g, double *hv,
			   const struct dnn_layer_ctx *ctx)
{
	struct dnn_layer_norm nm = norm_of(ly, ctx);

	layer_norm_hv_params(&nm, ctx->pass->training, d, rd, in, rin, n,
			     g ? g + ly->w_off : NULL, hv ? hv + ly->w_off : NULL);
}

static void norm_hv_down(const struct dnn_layer *ly, const double *w, const double *v,
			 const double *in, const double *rin, const double *d, const double *rd,
			 size_t n, double *g, double *rg, const struct dnn_layer_ctx *ctx)
{
	struct dnn_layer_norm nm = norm_of(ly, ctx);

	layer_norm_hv_down(&nm, ctx->pass->training, w + ly->w_off, v ? v + ly->w_off : NULL,
			   in, rin, d, rd, n, g, rg);
}

static const char *const batch_norm_fields[] = {"momentum", "epsilon"};
static const char *const layer_norm_fields[] = {"epsilon"};

/* One row per kind, in id order (layer_kind_by_id indexes it). */
static const struct dnn_layer_kind kinds[DNN_LAYER_MAX] = {
	{.id = DNN_LAYER_DENSE,
	 .name = "dense",
	 .flags = LAYER_OPENS,
	 .n_params = dense_n_params,
	 .n_state = no_state,
	 .n_work = no_work,
	 .check = dense_check,
	 .init = dense_init,
	 .forward = dense_forward,
	 .backward = dense_backward,
	 .hv_forward = dense_hv_forward,
	 .hv_params = dense_hv_params,
	 .hv_down = dense_hv_down},
	{.id = DNN_LAYER_DROPOUT,
	 .name = "dropout",
	 .flags = LAYER_SAME_WIDTH | LAYER_HIDDEN,
	 .n_fields = 1,
	 .field_names = dropout_fields,
	 .n_params = dropout_n_params,
	 .n_state = no_state,
	 .n_work = dropout_n_work,
	 .check = dropout_check,
	 .init = dropout_init,
	 .forward = dropout_forward,
	 .backward = dropout_backward,
	 .hv_forward = dropout_hv_forward,
	 .hv_params = dropout_hv_params,
	 .hv_down = dropout_hv_down},
	{.id = DNN_LAYER_BATCH_NORM,
	 .name = "batch_norm",
	 .flags = LAYER_SAME_WIDTH,
	 .n_fields = 2,
	 .field_names = batch_norm_fields,
	 .n_params = norm_n_params,
	 .n_state = batch_norm_n_state,
	 .n_work = norm_n_work,
	 .check = norm_check,
	 .init = norm_init,
	 .forward = norm_forward,
	 .backward = norm_backward,
	 .hv_forward = norm_hv_forward,
	 .hv_params = norm_hv_params,
	 .hv_down = norm_hv_down},
	{.id = DNN_LAYER_LAYER_NORM,
	 .name = "layer_norm",
	 .flags = LAYER_SAME_WIDTH,
	 .n_fields = 1,
	 .field_names = layer_norm_fields,
	 .n_params = norm_n_params,
	 .n_state = no_state,
	 .n_work = norm_n_work,
	 .check = norm_check,
	 .init = norm_init,
	 .forward = norm_forward,
	 .backward = norm_backward,
	 .hv_forward = norm_hv_forward,
	 .hv_params = norm_hv_params,
	 .hv_down = norm_hv_down},
};

const struct dnn_layer_kind *layer_kind_by_id(int id)
{
	if (id < 1 || id > DNN_LAYER_MAX)
		return NULL;
	return &kinds[id - 1];
}

size_t layer_n_params(const struct dnn_layer *ly)
{
	size_t n, b_rel;

	return ly->kind->n_params(ly->n_in, ly->n_out, &n, &b_rel) ? 0 : n;
}

int layer_check(const struct dnn_layer *ly, int last, char *why, size_t size)
{
	const struct dnn_layer_kind *k = ly->kind;

	if ((k->flags & LAYER_SAME_WIDTH) && ly->n_out != ly->n_in) {
		snprintf(why, size, "a %s row of %zu units after %zu", k->name, ly->n_out,
			 ly->n_in);
		return -1;
	}
	if (last && (k->flags & LAYER_HIDDEN)) {
		snprintf(why, size, "a %s row cannot be the output row", k->name);
		return -1;
	}
	return k->check(ly, why, size);
}
