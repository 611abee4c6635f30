/* Batch and layer normalization (layer_norm.h): float passes over a batch, double R-images. */
#include "layer_norm.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

size_t layer_norm_n_work(int type, size_t m)
{
	size_t per = type == DNN_NORM_BATCH ? 6 : 4; /* 2 m doubles, then mean and rstd */

	return m > SIZE_MAX / per ? SIZE_MAX : per * m;
}

/* The scratch doubles come first, where the workspace is aligned for them;
 * that part of it is only ever accessed as double. */
void layer_norm_bind(struct dnn_layer_norm *nm, int type, size_t m, double momentum, double eps,
		     float *state, float *work)
{
	*nm = (struct dnn_layer_norm){
	    .type = type,
	    .m = m,
	    .eps = eps,
	    .momentum = momentum,
	    .ws = (double *)(void *)work,
	};
	if (type == DNN_NORM_BATCH) {
		nm->run_mean = state;
		nm->run_var = state + m;
		nm->mean = work + 4 * m;
		nm->rstd = work + 5 * m;
	}
}

/* sum_k x[k] over a contiguous row, in double with four partial sums (a
 * fixed order: the result does not depend on the thread count). */
static double row_sum(const float *x, size_t m)
{
	double s[4] = {0.0, 0.0, 0.0, 0.0};
	size_t k = 0;

	for (; k + 4 <= m; k += 4)
		for (int l = 0; l < 4; l++)
			s[l] += (double)x[k + l];
	for (; k < m; k++)
		s[0] += (double)x[k];
	return (s[0] + s[1]) + (s[2] + s[3]);
}

/* sum_k (x[k] - mu)^2 over a contiguous row, as row_sum. */
static double row_sq_dev(const float *x, size_t m, double mu)
{
	double s[4] = {0.0, 0.0, 0.0, 0.0};
	size_t k = 0;

	for (; k + 4 <= m; k += 4)
		for (int l = 0; l < 4; l++) {
			double c = (double)x[k + l] - mu;

			s[l] += c * c;
		}
	for (; k < m; k++) {
		double c = (double)x[k] - mu;

		s[0] += c * c;
	}
	return (s[0] + s[1]) + (s[2] + s[3]);
}

/* The mean and 1 / sqrt(var + eps) of one row of m units (biased variance,
 * two passes). */
static void row_moments(const float *x, size_t m, double eps, float *mu, float *rstd)
{
	double mean = row_sum(x, m) / (double)m;
	double var = row_sq_dev(x, m, mean) / (double)m;

	*mu = (float)mean;
	*rstd = (float)(1.0 / sqrt(var + eps));
}

/* Runs stmt for j = 0 .. m - 1: blocks of 8, which the compiler vectorizes
 * at -O2 (its very cheap cost model takes only loops of a known count),
 * then the rest. */
#define FOR_UNITS(j, m, stmt)                                                                      \
	do {                                                                                       \
		size_t j##_0 = 0;                                                                  \
		for (; j##_0 + 8 <= (m); j##_0 += 8)                                               \
			for (size_t j = j##_0; j < j##_0 + 8; j++)                                 \
				stmt;                                                              \
		for (size_t j = j##_0; j < (m); j++)                                               \
			stmt;                                                                      \
	} while (0)

/* out_j = (x_j - mean_j) rstd_j gamma_j + beta_j over one row, with relu:
 * max(0, out_j) as relu_fwd computes it. */
static void batch_apply_row(size_t m, const float *restrict gamma, const float *restrict beta,
			    const float *restrict mean, const float *restrict rstd, int relu,
			    const float *restrict x, float *restrict out)
{
	if (relu)
		FOR_UNITS(j, m, {
			float v = (x[j] - mean[j]) * (rstd[j] * gamma[j]) + beta[j];

			out[j] = v > 0.0f ? v : 0.0f;
		});
	else
		FOR_UNITS(j, m, out[j] = (x[j] - mean[j]) * (rstd[j] * gamma[j]) + beta[j]);
}

/* out_j = (x_j - mu) rstd gamma_j + beta_j over one row, and relu as above. */
static void layer_apply_row(size_t m, const float *restrict gamma, const float *restrict beta,
			    float mu, float rstd, int relu, const float *restrict x,
			    float *restrict out)
{
	if (relu)
		FOR_UNITS(j, m, {
			float v = (x[j] - mu) * rstd * gamma[j] + beta[j];

			out[j] = v > 0.0f ? v : 0.0f;
		});
	else
		FOR_UNITS(j, m, out[j] = (x[j] - mu) * rstd * gamma[j] + beta[j]);
}

/* s += x over one row. */
static void batch_sum_row(size_t m, const float *restrict x, double *restrict s)
{
	FOR_UNITS(j, m, s[j] += (double)x[j]);
}

/* q += (x - mu)^2 over one row. */
static void batch_sq_row(size_t m, const float *restrict x, const double *restrict mu,
			 double *restrict q)
{
	FOR_UNITS(j, m, q[j] += ((double)x[j] - mu[j]) * ((double)x[j] - mu[j]));
}

/* The column means and biased variances of the batch (two passes, double
 * sums in ws), into nm->mean and nm->rstd; then the running estimates. */
static void batch_stats(const struct dnn_layer_norm *nm, const float *x, size_t n)
{
	size_t m = nm->m;
	double *s = nm->ws, *q = nm->ws + m, mom = nm->momentum;

	memset(nm->ws, 0, 2 * m * sizeof *nm->ws);
	for (size_t i = 0; i < n; i++)
		batch_sum_row(m, x + i * m, s);
	for (size_t j = 0; j < m; j++)
		s[j] /= (double)n;
	for (size_t i = 0; i < n; i++)
		batch_sq_row(m, x + i * m, s, q);
	for (size_t j = 0; j < m; j++) {
		double var = q[j] / (double)n;

		nm->mean[j] = (float)s[j];
		nm->rstd[j] = (float)(1.0 / sqrt(var + nm->eps));
		nm->run_mean[j] = (float)((1.0 - mom) * (double)nm->run_mean[j] + mom * s[j]);
		if (n > 1)
			nm->run_var[j] = (float)((1.0 - mom) * (double)nm->run_var[j] +
						 mom * var * (double)n / (double)(n - 1));
	}
}

void layer_norm_forward(const struct dnn_layer_norm *nm, const float *gamma, const float *beta,
			const float *x, size_t n, int training, float *out)
{
	size_t m = nm->m;

	if (nm->type == DNN_NORM_LAYER) {
		for (size_t i = 0; i < n; i++) {
			const float *xi = x + i * m;
			float *oi = out + i * m, mu, r;

			row_moments(xi, m, nm->eps, &mu, &r);
			layer_apply_row(m, gamma, beta, mu, r, nm->relu, xi, oi);
		}
		return;
	}
	if (n == 0)
		return;
	if (training) {
		batch_stats(nm, x, n);
	} else {
		for (size_t j = 0; j < m; j++) {
			nm->mean[j] = nm->run_mean[j];
			nm->rstd[j] = (float)(1.0 / sqrt((double)nm->run_var[j] + nm->eps));
		}
	}
	for (size_t i = 0; i < n; i++)
		batch_apply_row(m, gamma, beta, nm->mean, nm->rstd, nm->relu, x + i * m,
				out + i * m);
}

/* sd += d, sx += d xhat over one row. */
static void batch_grad_row(size_t m, const float *restrict mean, const float *restrict rstd,
			   const float *restrict x, const float *restrict d, double *restrict sd,
			   double *restrict sx)
{
	FOR_UNITS(j, m, {
		sd[j] += (double)d[j];
		sx[j] += (double)(d[j] * ((x[j] - mean[j]) * rstd[j]));
	});
}

/* dx = gamma rstd (d - dbeta / n - xhat dgamma / n) over one row. */
static void batch_down_row(size_t m, const float *restrict mean, const float *restrict rstd,
			   const float *restrict gamma, const float *restrict dgamma,
			   const float *restrict dbeta, float inv_n, const float *restrict x,
			   const float *restrict d, float *restrict dx)
{
	FOR_UNITS(j, m,
		  dx[j] =
		      gamma[j] * rstd[j] *
		      (d[j] - dbeta[j] * inv_n - (x[j] - mean[j]) * rstd[j] * (dgamma[j] * inv_n)));
}

/*
 * Batch normalization backward, per unit j over the rows i, with
 * xhat = (x - mu) rstd and z = gamma xhat + beta:
 *   dL/dgamma = sum_i d xhat    dL/dbeta = sum_i d
 *   dL/dx_i   = gamma rstd (d_i - dL/dbeta / n - xhat_i dL/dgamma / n)
 * (the last two terms are the paths through mu and var; in inference, with
 * the running estimates, there are none).
 */
static void batch_backward(const struct dnn_layer_norm *nm, int training, const float *gamma,
			   const float *x, const float *d, size_t n, float *dgamma, float *dbeta,
			   float *dx)
{
	size_t m = nm->m;
	double *sx = nm->ws, *sd = nm->ws + m;
	float inv_n = training ? 1.0f / (float)n : 0.0f;

	memset(nm->ws, 0, 2 * m * sizeof *nm->ws);
	for (size_t i = 0; i < n; i++)
		batch_grad_row(m, nm->mean, nm->rstd, x + i * m, d + i * m, sd, sx);
	for (size_t j = 0; j < m; j++) {
		dgamma[j] = (float)sx[j];
		dbeta[j] = (float)sd[j];
	}
	if (!dx)
		return;
	for (size_t i = 0; i < n; i++)
		batch_down_row(m, nm->mean, nm->rstd, gamma, dgamma, dbeta, inv_n, x + i * m,
			       d + i * m, dx + i * m);
}

/* sd += d, sx += d xhat over one row. */
static void layer_grad_row(size_t m, float mu, float rstd, const float *restrict x,
			   const float *restrict d, double *restrict sd, double *restrict sx)
{
	FOR_UNITS(j, m, {
		sd[j] += (double)d[j];
		sx[j] += (double)(d[j] * ((x[j] - mu) * rstd));
	});
}

/* *se = sum_j e_j and *sex = sum_j e_j xhat_j with e = gamma d, over one
 * row, with four partial sums as row_sum. */
static void layer_row_dots(size_t m, const float *gamma, float mu, float rstd, const float *x,
			   const float *d, double *se, double *sex)
{
	double s[4] = {0.0, 0.0, 0.0, 0.0}, t[4] = {0.0, 0.0, 0.0, 0.0};
	size_t k = 0;

	for (; k + 4 <= m; k += 4)
		for (int l = 0; l < 4; l++) {
			float e = gamma[k + l] * d[k + l];

			s[l] += (double)e;
			t[l] += (double)(e * ((x[k + l] - mu) * rstd));
		}
	for (; k < m; k++) {
		float e = gamma[k] * d[k];

		s[0] += (double)e;
		t[0] += (double)(e * ((x[k] - mu) * rstd));
	}
	*se = (s[0] + s[1]) + (s[2] + s[3]);
	*sex = (t[0] + t[1]) + (t[2] + t[3]);
}

/* dx_j = rstd (gamma_j d_j - a - xhat_j b) over one row. */
static void layer_down_row(size_t m, const float *restrict gamma, float mu, float rstd, float a,
			   float b, const float *restrict x, const float *restrict d,
			   float *restrict dx)
{
	FOR_UNITS(j, m, dx[j] = rstd * (gamma[j] * d[j] - a - (x[j] - mu) * rstd * b));
}

/*
 * Layer normalization backward, per row over the units j, with
 * e_j = gamma_j d_j:
 *   dL/dgamma_j = sum_i d_ij xhat_ij    dL/dbeta_j = sum_i d_ij
 *   dL/dx_j     = rstd (e_j - mean_j e - xhat_j mean_j(e xhat))
 * The row's statistics are computed again from x.
 */
static void layer_backward(const struct dnn_layer_norm *nm, const float *gamma, const float *x,
			   const float *d, size_t n, float *dgamma, float *dbeta, float *dx)
{
	size_t m = nm->m;
	double *sx = nm->ws, *sd = nm->ws + m, inv_m = 1.0 / (double)m;

	memset(nm->ws, 0, 2 * m * sizeof *nm->ws);
	for (size_t i = 0; i < n; i++) {
		const float *xi = x + i * m, *di = d + i * m;
		double se, sex;
		float mu, r;

		row_moments(xi, m, nm->eps, &mu, &r);
		layer_grad_row(m, mu, r, xi, di, sd, sx);
		if (!dx)
			continue;
		layer_row_dots(m, gamma, mu, r, xi, di, &se, &sex);
		layer_down_row(m, gamma, mu, r, (float)(se * inv_m), (float)(sex * inv_m), xi, di,
			       dx + i * m);
	}
	for (size_t j = 0; j < m; j++) {
		dgamma[j] = (float)sx[j];
		dbeta[j] = (float)sd[j];
	}
}

void layer_norm_backward(const struct dnn_layer_norm *nm, int training, const float *gamma,
			 const float *x, const float *d, size_t n, float *dgamma, float *dbeta,
			 float *dx)
{
	if (n == 0) {
		memset(dgamma, 0, nm->m * sizeof *dgamma);
		memset(dbeta, 0, nm->m * sizeof *dbeta);
		return;
	}
	if (nm->type == DNN_NORM_LAYER)
		layer_backward(nm, gamma, x, d, n, dgamma, dbeta, dx);
	else
		batch_backward(nm, training, gamma, x, d, n, dgamma, dbeta, dx);
}

/*
 * The double passes see a normalization as groups of values normalized
 * together: batch, one group per unit (the n values of a column, m apart);
 * layer, one group per row (its m values, contiguous). Within a group of
 * c values x_k, with R{x_k} = r_k:
 *   mu = mean x                  R{mu} = mean r
 *   var = mean (x - mu)^2        R{var} = (2/c) sum (x - mu)(r - R{mu})
 *   s = (var + eps)^(-1/2)       R{s} = -s^3 R{var} / 2
 *   xhat = (x - mu) s            R{xhat} = (r - R{mu}) s + (x - mu) R{s}
 * Batch normalization in inference has fixed moments instead: mu and var
 * the running estimates, R{mu} = R{s} = 0.
 */
struct group {
	size_t n_groups, count, g_step, k_step;
	int per_row; /* layer: the unit is the element's index k */
	int fixed;   /* batch in inference: the running moments */
};

struct moments {
	double mu, s, rmu, rs;
};

static struct group group_of(const struct dnn_layer_norm *nm, size_t n, int training)
{
	if (nm->type == DNN_NORM_LAYER)
		return (struct group){n, nm->m, nm->m, 1, 1, 0};
	return (struct group){nm->m, n, 1, nm->m, 0, !training};
}

/* The moments of group g at x (and r, when not NULL) by the rules above. */
static struct moments moments_of(const struct dnn_layer_norm *nm, const struct group *gr, size_t g,
				 const double *x, const double *r)
{
	struct moments mo = {0.0, 0.0, 0.0, 0.0};
	double var = 0.0, rvar = 0.0, c = (double)gr->count;

	if (gr->fixed) {
		mo.mu = (double)nm->run_mean[g];
		mo.s = 1.0 / sqrt((double)nm->run_var[g] + nm->eps);
		return mo;
	}

	for (size_t k = 0; k < gr->count; k++) {
		mo.mu += x[k * gr->k_step];
		if (r)
			mo.rmu += r[k * gr->k_step];
	}
	mo.mu /= c;
	mo.rmu /= c;
	for (size_t k = 0; k < gr->count; k++) {
		double dx = x[k * gr->k_step] - mo.mu;

		var += dx * dx;
		if (r)
			rvar += 2.0 * dx * (r[k * gr->k_step] - mo.rmu);
	}
	mo.s = 1.0 / sqrt(var / c + nm->eps);
	mo.rs = -0.5 * mo.s * mo.s * mo.s * rvar / c;
	return mo;
}

/* xhat of element k and, when r is not NULL, R{xhat}. */
static double xhat_of(const struct moments *mo, const double *x, const double *r, size_t off,
		      double *rxh)
{
	double dx = x[off] - mo->mu;

	if (r)
		*rxh = (r[off] - mo->rmu) * mo->s + dx * mo->rs;
	return dx * mo->s;
}

/*   z = gamma xhat + beta    R{z} = v_gamma xhat + gamma R{xhat} + v_beta */
void layer_norm_hv_forward(const struct dnn_layer_norm *nm, int training, const double *gamma,
			   const double *beta, const double *vgamma, const double *vbeta,
			   const double *in, const double *rin, size_t n, double *z, double *rz)
{
	struct group gr = group_of(nm, n, training);
	const double *r = vgamma ? rin : NULL;

	for (size_t g = 0; g < gr.n_groups; g++) {
		size_t base = g * gr.g_step;
		struct moments mo = moments_of(nm, &gr, g, in + base, r ? r + base : NULL);

		for (size_t k = 0; k < gr.count; k++) {
			size_t off = base + k * gr.k_step, u = gr.per_row ? k : g;
			double rxh = 0.0, xh = xhat_of(&mo, in, r, off, &rxh);

			z[off] = gamma[u] * xh + beta[u];
			if (r)
				rz[off] = vgamma[u] * xh + gamma[u] * rxh + vbeta[u];
		}
	}
}

/*   dL/dgamma = sum D xhat   H v|gamma = sum R{D} xhat + D R{xhat}
 *   dL/dbeta  = sum D        H v|beta  = sum R{D} */
void layer_norm_hv_params(const struct dnn_layer_norm *nm, int training, const double *d,
			  const double *rd, const double *in, const double *rin, size_t n,
			  double *g, double *hv)
{
	struct group gr = group_of(nm, n, training);
	const double *r = hv ? rin : NULL;
	size_t m = nm->m;

	if (g)
		memset(g, 0, 2 * m * sizeof *g);
	if (hv)
		memset(hv, 0, 2 * m * sizeof *hv);
	for (size_t gi = 0; gi < gr.n_groups; gi++) {
		size_t base = gi * gr.g_step;
		struct moments mo = moments_of(nm, &gr, gi, in + base, r ? r + base : NULL);

		for (size_t k = 0; k < gr.count; k++) {
			size_t off = base + k * gr.k_step, u = gr.per_row ? k : gi;
			double rxh = 0.0, xh = xhat_of(&mo, in, r, off, &rxh);

			if (g) {
				g[u] += d[off] * xh;
				g[m + u] += d[off];
			}
			if (hv) {
				hv[u] += rd[off] * xh + d[off] * rxh;
				hv[m + u] += rd[off];
			}
		}
	}
}

/*
 * With e = gamma D, a = mean e and b = mean(e xhat) over a group:
 *   G = s (e - a - xhat b)
 *   R{G} = R{s} (e - a - xhat b) + s (R{e} - R{a} - R{xhat} b - xhat R{b})
 * where R{e} = v_gamma D + gamma R{D}, R{a} = mean R{e} and
 * R{b} = mean(R{e} xhat + e R{xhat}).
 */
/* The means over group gi of e, e xhat, R{e} and R{e} xhat + e R{xhat} (the
 * last two when r is not NULL) into ab[0..3]; zeros for fixed moments. */
static void group_means(const struct group *gr, const struct moments *mo, size_t gi,
			const double *gamma, const double *vgamma, const double *in,
			const double *r, const double *d, const double *rd, double ab[4])
{
	size_t base = gi * gr->g_step;
	double c = (double)gr->count;

	ab[0] = ab[1] = ab[2] = ab[3] = 0.0;
	if (gr->fixed)
		return;
	for (size_t k = 0; k < gr->count; k++) {
		size_t off = base + k * gr->k_step, u = gr->per_row ? k : gi;
		double rxh = 0.0, xh = xhat_of(mo, in, r, off, &rxh);
		double e = gamma[u] * d[off];

		ab[0] += e;
		ab[1] += e * xh;
		if (r) {
			double re = vgamma[u] * d[off] + gamma[u] * rd[off];

			ab[2] += re;
			ab[3] += re * xh + e * rxh;
		}
	}
	for (int q = 0; q < 4; q++)
		ab[q] /= c;
}

void layer_norm_hv_down(const struct dnn_layer_norm *nm, int training, const double *gamma,
			const double *vgamma, const double *in, const double *rin, const double *d,
			const double *rd, size_t n, double *g, double *rg)
{
	struct group gr = group_of(nm, n, training);
	const double *r = vgamma ? rin : NULL;

	for (size_t gi = 0; gi < gr.n_groups; gi++) {
		size_t base = gi * gr.g_step;
		struct moments mo = moments_of(nm, &gr, gi, in + base, r ? r + base : NULL);
		double ab[4];

		group_means(&gr, &mo, gi, gamma, vgamma, in, r, d, rd, ab);
		for (size_t k = 0; k < gr.count; k++) {
			size_t off = base + k * gr.k_step, u = gr.per_row ? k : gi;
			double rxh = 0.0, xh = xhat_of(&mo, in, r, off, &rxh);
			double e = gamma[u] * d[off], t = e - ab[0] - xh * ab[1];

			g[off] = mo.s * t;
			if (r) {
				double re = vgamma[u] * d[off] + gamma[u] * rd[off];

				rg[off] =
				    mo.rs * t + mo.s * (re - ab[2] - rxh * ab[1] - xh * ab[3]);
			}
		}
	}
}
