/* Unit tests of the normalization layers' math (layer_norm.h): hand-computed
 * cases, the running statistics against numpy, the float and double passes
 * against finite differences, the R-images against differences of gradients. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hvp.h"
#include "layer_norm.h"
#include "loss.h"
#include "net.h"
#include "rng.h"
#include "spec.h"
#include "testutil.h"

#define MAX_N 8
#define MAX_M 6

/* A normalization of m units with its arrays, running estimates at their
 * initial values (mean 0, variance 1). */
struct fixture {
	struct dnn_layer_norm nm;
	float run_mean[MAX_M], run_var[MAX_M], mean[MAX_M], rstd[MAX_M];
	double ws[2 * MAX_M];
};

static void fixture_make(struct fixture *f, int type, size_t m, double eps)
{
	memset(f, 0, sizeof *f);
	f->nm = (struct dnn_layer_norm){
	    .type = type,
	    .m = m,
	    .eps = eps,
	    .momentum = LAYER_NORM_MOMENTUM,
	    .run_mean = f->run_mean,
	    .run_var = f->run_var,
	    .mean = f->mean,
	    .rstd = f->rstd,
	    .ws = f->ws,
	};
	for (size_t j = 0; j < m; j++)
		f->run_var[j] = 1.0f;
}

static void assert_near(const float *got, const double *want, size_t n, double tol)
{
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(fabs((double)got[i] - want[i]) <= tol, "[%zu]: %.9g, want %.9g", i,
			      (double)got[i], want[i]);
}

/* x = [1 2; 3 6; 5 10], eps 0: both columns have xhat = (-r, 0, r) with
 * r = sqrt(3/2), their variances 8/3 and 32/3 (unbiased 4 and 16). */
START_TEST(batch_hand)
{
	const float x[6] = {1, 2, 3, 6, 5, 10}, gamma[2] = {2.0f, 0.5f}, beta[2] = {0.1f, -1.0f};
	const float d[6] = {1, 0, 0, 0, 0, 1};
	const double r = sqrt(1.5), s0 = 1.0 / sqrt(8.0 / 3.0), s1 = 1.0 / sqrt(32.0 / 3.0);
	const double z[6] = {-2 * r + 0.1, -0.5 * r - 1, 0.1, -1, 2 * r + 0.1, 0.5 * r - 1};
	/* dgamma = sum d xhat, dbeta = sum d, and per row
	 * dx = gamma s (d - dbeta/3 - xhat dgamma/3). */
	const double dg[2] = {-r, r}, db[2] = {1, 1};
	const double dx[6] = {2 * s0 / 6,    0.5 * s1 / 6, -2 * s0 / 3,
			      -0.5 * s1 / 3, 2 * s0 / 6,   0.5 * s1 / 6};
	const double rm[2] = {0.3, 0.6}, rv[2] = {0.9 + 0.4, 0.9 + 1.6};
	struct fixture f;
	float out[6], g[2], b[2], gx[6];

	fixture_make(&f, DNN_NORM_BATCH, 2, 0.0);
	layer_norm_forward(&f.nm, gamma, beta, x, 3, 1, out);
	assert_near(out, z, 6, 1e-6);
	assert_near(f.run_mean, rm, 2, 1e-7);
	assert_near(f.run_var, rv, 2, 1e-6);
	layer_norm_backward(&f.nm, 1, gamma, x, d, 3, g, b, gx);
	assert_near(g, dg, 2, 1e-6);
	assert_near(b, db, 2, 1e-7);
	assert_near(gx, dx, 6, 1e-6);
	/* Without dx, the same parameter gradients. */
	layer_norm_backward(&f.nm, 1, gamma, x, d, 3, g, b, NULL);
	assert_near(g, dg, 2, 1e-6);
}
END_TEST

/* Inference: the running estimates, not the batch's; they stay. */
START_TEST(batch_inference)
{
	const float x[4] = {1, 2, 3, 4}, gamma[2] = {2, 1}, beta[2] = {0, 1};
	struct fixture f;
	float out[4];

	fixture_make(&f, DNN_NORM_BATCH, 2, 0.0);
	f.run_mean[0] = 1.0f;
	f.run_mean[1] = -1.0f;
	f.run_var[0] = 4.0f;
	f.run_var[1] = 0.25f;
	layer_norm_forward(&f.nm, gamma, beta, x, 2, 0, out);
	const double want[4] = {0, 1 + 6, 2, 1 + 10}, rm[2] = {1, -1}, rv[2] = {4, 0.25};

	assert_near(out, want, 4, 1e-6);
	assert_near(f.run_mean, rm, 2, 0);
	assert_near(f.run_var, rv, 2, 0);
}
END_TEST

/* x_ij of step t, exact in float and in the reference below. */
static float ref_x(size_t i, size_t j, size_t t)
{
	return (float)((double)((i * 7 + j * 3 + t * 5) % 11) / 4.0 - 1.0 + 0.25 * (double)(t * j));
}

/*
 * Five training steps of 4 rows x 3 units from running mean 0, variance 1,
 * momentum 0.1, against numpy (torch.nn.BatchNorm1d agrees):
 *   rm = np.zeros(3); rv = np.ones(3)
 *   for t in range(5):
 *       x = np.array([[((i*7 + j*3 + t*5) % 11) / 4 - 1 + 0.25*t*j
 *                      for j in range(3)] for i in range(4)])
 *       rm = 0.9 * rm + 0.1 * x.mean(0); rv = 0.9 * rv + 0.1 * x.var(0, ddof=1)
 */
START_TEST(batch_running)
{
	const double rm[3] = {0.1137025, 0.302959375, 0.55477875};
	const double rv[3] = {0.900732292, 0.89530276, 0.879676458};
	const float gamma[3] = {1, 1, 1}, beta[3] = {0, 0, 0};
	struct fixture f;
	float x[12], out[12];

	fixture_make(&f, DNN_NORM_BATCH, 3, LAYER_NORM_EPS);
	for (size_t t = 0; t < 5; t++) {
		for (size_t i = 0; i < 4; i++)
			for (size_t j = 0; j < 3; j++)
				x[i * 3 + j] = ref_x(i, j, t);
		layer_norm_forward(&f.nm, gamma, beta, x, 4, 1, out);
	}
	assert_near(f.run_mean, rm, 3, 1e-7);
	assert_near(f.run_var, rv, 3, 1e-6);
}
END_TEST

/* One row: the mean moves, the variance (unbiased: undefined) stays. */
START_TEST(batch_one_row)
{
	const float x[2] = {3, -2}, gamma[2] = {1, 1}, beta[2] = {0.5f, 0};
	struct fixture f;
	float out[2];

	fixture_make(&f, DNN_NORM_BATCH, 2, LAYER_NORM_EPS);
	layer_norm_forward(&f.nm, gamma, beta, x, 1, 1, out);
	const double want[2] = {0.5, 0}, rm[2] = {0.3, -0.2}, rv[2] = {1, 1};

	assert_near(out, want, 2, 0);
	assert_near(f.run_mean, rm, 2, 1e-7);
	assert_near(f.run_var, rv, 2, 0);
}
END_TEST

/* x = [1 2 6; 0 4 -4], eps 0: row 1 has mean 3, variance 14/3; row 2 mean
 * 0, variance 32/3. The same in training and inference. */
START_TEST(layer_hand)
{
	const float x[6] = {1, 2, 6, 0, 4, -4}, gamma[3] = {1, 2, -1}, beta[3] = {0, 1, 0.5f};
	const float d[6] = {1, 0, 0, 0, 1, 1};
	const double s0 = sqrt(3.0 / 14.0), s1 = sqrt(3.0 / 32.0);
	const double xh[6] = {-2 * s0, -1 * s0, 3 * s0, 0, 4 * s1, -4 * s1};
	double z[6], dx[6], dg[3] = {0, 0, 0}, db[3] = {0, 0, 0};
	struct fixture f;
	float out[6], g[3], b[3], gx[6];

	for (size_t i = 0; i < 2; i++) {
		double e[3], a = 0, c = 0, s = i ? s1 : s0;

		for (size_t j = 0; j < 3; j++) {
			size_t k = i * 3 + j;

			z[k] = (double)gamma[j] * xh[k] + (double)beta[j];
			dg[j] += (double)d[k] * xh[k];
			db[j] += (double)d[k];
			e[j] = (double)gamma[j] * (double)d[k];
			a += e[j] / 3;
			c += e[j] * xh[k] / 3;
		}
		for (size_t j = 0; j < 3; j++)
			dx[i * 3 + j] = s * (e[j] - a - xh[i * 3 + j] * c);
	}
	fixture_make(&f, DNN_NORM_LAYER, 3, 0.0);
	for (int training = 0; training < 2; training++) {
		memset(out, 0, sizeof out);
		layer_norm_forward(&f.nm, gamma, beta, x, 2, training, out);
		assert_near(out, z, 6, 1e-6);
	}
	layer_norm_backward(&f.nm, 1, gamma, x, d, 2, g, b, gx);
	assert_near(g, dg, 3, 1e-6);
	assert_near(b, db, 3, 0);
	assert_near(gx, dx, 6, 1e-6);
	/* The sum of a row's dL/dx is zero: its mean is subtracted. */
	ck_assert(fabs(dx[3] + dx[4] + dx[5]) < 1e-12);
}
END_TEST

/* Random rows, parameters and loss weights. */
struct problem {
	size_t n, m;
	int training; /* the double passes' mode */
	double x[MAX_N * MAX_M], gamma[MAX_M], beta[MAX_M], w[MAX_N * MAX_M];
};

static void problem_make(struct problem *p, size_t n, size_t m, uint64_t seed)
{
	struct dnn_rng r;

	rng_seed(&r, seed);
	p->n = n;
	p->m = m;
	p->training = 1;
	for (size_t k = 0; k < n * m; k++) {
		p->x[k] = 1.5 * rng_normal(&r) + 0.5;
		p->w[k] = rng_normal(&r);
	}
	for (size_t j = 0; j < m; j++) {
		p->gamma[j] = 1.0 + 0.5 * rng_normal(&r);
		p->beta[j] = 0.3 * rng_normal(&r);
	}
}

/* L = sum w z + sum z^2 / 2 of the float forward pass in the problem's
 * mode (running estimates moved on a copy). */
static double float_loss(const struct fixture *f0, const struct problem *p, const float *x,
			 const float *gamma, const float *beta)
{
	struct fixture f = *f0;
	float z[MAX_N * MAX_M];
	double l = 0.0;

	f.nm.run_mean = f.run_mean;
	f.nm.run_var = f.run_var;
	f.nm.mean = f.mean;
	f.nm.rstd = f.rstd;
	f.nm.ws = f.ws;
	layer_norm_forward(&f.nm, gamma, beta, x, p->n, p->training, z);
	for (size_t k = 0; k < p->n * p->m; k++)
		l += p->w[k] * (double)z[k] + 0.5 * (double)z[k] * (double)z[k];
	return l;
}

/* Central difference of float_loss along one float v[k]. */
static double float_fd(const struct fixture *f, const struct problem *p, float *x, float *gamma,
		       float *beta, float *v, size_t k)
{
	const float h = 1e-2f;
	float keep = v[k];
	double lp, lm;

	v[k] = keep + h;
	lp = float_loss(f, p, x, gamma, beta);
	v[k] = keep - h;
	lm = float_loss(f, p, x, gamma, beta);
	v[k] = keep;
	return (lp - lm) / (2.0 * (double)h);
}

/* The float backward pass against central differences of the float loss. */
static void check_float_grad(int type, size_t n, size_t m, uint64_t seed, int training)
{
	struct problem p;
	struct fixture f;
	float x[MAX_N * MAX_M], gamma[MAX_M], beta[MAX_M], z[MAX_N * MAX_M], d[MAX_N * MAX_M];
	float g[MAX_M], b[MAX_M], dx[MAX_N * MAX_M];

	problem_make(&p, n, m, seed);
	p.training = training;
	fixture_make(&f, type, m, LAYER_NORM_EPS);
	f.run_mean[0] = 0.5f;
	f.run_var[m - 1] = 2.0f;
	for (size_t k = 0; k < n * m; k++)
		x[k] = (float)p.x[k];
	for (size_t j = 0; j < m; j++) {
		gamma[j] = (float)p.gamma[j];
		beta[j] = (float)p.beta[j];
	}
	layer_norm_forward(&f.nm, gamma, beta, x, n, training, z);
	for (size_t k = 0; k < n * m; k++)
		d[k] = (float)p.w[k] + z[k];
	layer_norm_backward(&f.nm, training, gamma, x, d, n, g, b, dx);
	for (size_t k = 0; k < n * m; k++) {
		double fd = float_fd(&f, &p, x, gamma, beta, x, k);

		ck_assert_msg(fabs(fd - (double)dx[k]) < 2e-3 * (1.0 + fabs(fd)),
			      "n %zu dx[%zu] %g, fd %g", n, k, (double)dx[k], fd);
	}
	for (size_t j = 0; j < m; j++) {
		double fg = float_fd(&f, &p, x, gamma, beta, gamma, j);
		double fb = float_fd(&f, &p, x, gamma, beta, beta, j);

		ck_assert_msg(fabs(fg - (double)g[j]) < 2e-3 * (1.0 + fabs(fg)), "dgamma[%zu]", j);
		ck_assert_msg(fabs(fb - (double)b[j]) < 2e-3 * (1.0 + fabs(fb)), "dbeta[%zu]", j);
	}
}

START_TEST(batch_float_grad)
{
	check_float_grad(DNN_NORM_BATCH, 6, 4, 11, 1);
	check_float_grad(DNN_NORM_BATCH, 2, 3, 15, 1);
	check_float_grad(DNN_NORM_BATCH, 3, 4, 16, 0);
}
END_TEST

START_TEST(layer_float_grad)
{
	check_float_grad(DNN_NORM_LAYER, 5, 4, 13, 1);
	check_float_grad(DNN_NORM_LAYER, 3, 6, 14, 0);
}
END_TEST

/* theta = (x, gamma, beta) in one array: n m + 2 m doubles. */
static size_t theta_len(const struct problem *p)
{
	return p->n * p->m + 2 * p->m;
}

/* L(theta) = sum w z + sum z^2 / 2 and its gradient grad (theta_len), by the
 * double passes; with v, R{grad} into rgrad. */
static double double_grad(const struct dnn_layer_norm *nm, const struct problem *p,
			  const double *th, const double *v, double *grad, double *rgrad)
{
	size_t n = p->n, m = p->m, nx = n * m;
	const double *gamma = th + nx, *beta = th + nx + m;
	double z[MAX_N * MAX_M], rz[MAX_N * MAX_M], d[MAX_N * MAX_M], rd[MAX_N * MAX_M];
	double l = 0.0;

	layer_norm_hv_forward(nm, p->training, gamma, beta, v ? v + nx : NULL,
			      v ? v + nx + m : NULL, th, v, n, z, rz);
	for (size_t k = 0; k < nx; k++) {
		l += p->w[k] * z[k] + 0.5 * z[k] * z[k];
		d[k] = p->w[k] + z[k];
		rd[k] = v ? rz[k] : 0.0;
	}
	layer_norm_hv_params(nm, p->training, d, rd, th, v, n, grad + nx, v ? rgrad + nx : NULL);
	layer_norm_hv_down(nm, p->training, gamma, v ? v + nx : NULL, th, v, d, rd, n, grad,
			   v ? rgrad : NULL);
	return l;
}

/* The double gradient against central differences of the double loss; the
 * double forward against the float one; H v against differences of
 * gradients along a random v. */
static void check_double(int type, size_t n, size_t m, uint64_t seed, int training)
{
	enum { T = MAX_N * MAX_M + 2 * MAX_M };
	struct problem p;
	struct fixture f;
	double th[T], v[T], g[T], hv[T], gp[T], gm[T], tp[T], z[MAX_N * MAX_M];
	float xf[MAX_N * MAX_M], gf[MAX_M], bf[MAX_M], zf[MAX_N * MAX_M];
	size_t P;
	struct dnn_rng r;

	problem_make(&p, n, m, seed);
	p.training = training;
	fixture_make(&f, type, m, LAYER_NORM_EPS);
	for (size_t j = 0; j < m; j++) {
		f.run_mean[j] = 0.3f * (float)j - 0.2f;
		f.run_var[j] = 0.5f + 0.4f * (float)j;
	}
	P = theta_len(&p);
	memcpy(th, p.x, n * m * sizeof *th);
	memcpy(th + n * m, p.gamma, m * sizeof *th);
	memcpy(th + n * m + m, p.beta, m * sizeof *th);
	double_grad(&f.nm, &p, th, NULL, g, NULL);
	for (size_t k = 0; k < P; k++) {
		const double h = 1e-5;

		memcpy(tp, th, P * sizeof *tp);
		tp[k] = th[k] + h;
		double lp = double_grad(&f.nm, &p, tp, NULL, gp, NULL);

		tp[k] = th[k] - h;
		double lm = double_grad(&f.nm, &p, tp, NULL, gm, NULL);
		double fd = (lp - lm) / (2 * h);

		ck_assert_msg(fabs(fd - g[k]) < 1e-7 * (1.0 + fabs(fd)), "g[%zu] %.12g, fd %.12g",
			      k, g[k], fd);
	}
	/* The double forward is the float one's. */
	for (size_t k = 0; k < n * m; k++)
		xf[k] = (float)p.x[k];
	for (size_t j = 0; j < m; j++) {
		gf[j] = (float)p.gamma[j];
		bf[j] = (float)p.beta[j];
	}
	layer_norm_forward(&f.nm, gf, bf, xf, n, training, zf);
	layer_norm_hv_forward(&f.nm, training, p.gamma, p.beta, NULL, NULL, p.x, NULL, n, z, NULL);
	for (size_t k = 0; k < n * m; k++)
		ck_assert_msg(fabs((double)zf[k] - z[k]) < 1e-5 * (1.0 + fabs(z[k])), "z[%zu]", k);
	/* H v by the R-operator against (grad(th + h v) - grad(th - h v)) / 2h. */
	rng_seed(&r, seed ^ 99);
	for (size_t k = 0; k < P; k++)
		v[k] = rng_normal(&r);
	double_grad(&f.nm, &p, th, v, g, hv);
	for (size_t k = 0; k < P; k++)
		tp[k] = th[k] + 1e-5 * v[k];
	double_grad(&f.nm, &p, tp, NULL, gp, NULL);
	for (size_t k = 0; k < P; k++)
		tp[k] = th[k] - 1e-5 * v[k];
	double_grad(&f.nm, &p, tp, NULL, gm, NULL);
	for (size_t k = 0; k < P; k++) {
		double fd = (gp[k] - gm[k]) / 2e-5;

		ck_assert_msg(fabs(fd - hv[k]) < 1e-6 * (1.0 + fabs(fd)), "hv[%zu] %.12g, fd %.12g",
			      k, hv[k], fd);
	}
}

START_TEST(batch_double)
{
	check_double(DNN_NORM_BATCH, 6, 4, 21, 1);
	check_double(DNN_NORM_BATCH, 3, 5, 22, 1);
	/* Inference: the running moments, an affine map of each unit. */
	check_double(DNN_NORM_BATCH, 4, 3, 25, 0);
}
END_TEST

START_TEST(layer_double)
{
	check_double(DNN_NORM_LAYER, 5, 4, 23, 1);
	check_double(DNN_NORM_LAYER, 4, 6, 24, 0);
}
END_TEST

/* The gradient's R-image without a parameter direction: R{z} is then only
 * the input's, and hv_params with hv NULL leaves only g. */
START_TEST(hv_null_paths)
{
	struct problem p;
	struct fixture f;
	double d[MAX_N * MAX_M], g1[2 * MAX_M], g2[2 * MAX_M], hv[2 * MAX_M];

	problem_make(&p, 4, 3, 31);
	fixture_make(&f, DNN_NORM_BATCH, 3, LAYER_NORM_EPS);
	for (size_t k = 0; k < 12; k++)
		d[k] = p.w[k];
	layer_norm_hv_params(&f.nm, 1, d, NULL, p.x, NULL, 4, g1, NULL);
	layer_norm_hv_params(&f.nm, 1, d, d, p.x, p.x, 4, g2, hv);
	for (size_t k = 0; k < 6; k++)
		ck_assert(g1[k] == g2[k]);
	/* sum_i dL/dbeta = sum D; with R{D} = D, H v|beta is the same. */
	for (size_t j = 0; j < 3; j++)
		ck_assert(fabs(hv[3 + j] - g1[3 + j]) < 1e-12);
}
END_TEST

/* A row's state and workspace as the network holds them: the running
 * estimates land in the state, mean then variance. */
START_TEST(bind_layout)
{
	const float x[6] = {1, 2, 3, 6, 5, 10}, gamma[2] = {1, 1}, beta[2] = {0, 0};
	float state[4] = {0, 0, 1, 1}, out[6];
	size_t nw = layer_norm_n_work(DNN_NORM_BATCH, 2);
	float *work = malloc(nw * sizeof *work);
	struct dnn_layer_norm nm;

	ck_assert_uint_eq(nw, 12);
	ck_assert_uint_eq(layer_norm_n_work(DNN_NORM_LAYER, 2), 8);
	ck_assert_uint_eq(layer_norm_n_work(DNN_NORM_BATCH, SIZE_MAX / 4), SIZE_MAX);
	layer_norm_bind(&nm, DNN_NORM_BATCH, 2, 0.5, 0.0, state, work);
	layer_norm_forward(&nm, gamma, beta, x, 3, 1, out);
	const double want[4] = {1.5, 3, 0.5 + 2, 0.5 + 8};

	assert_near(state, want, 4, 1e-6);
	ck_assert(fabs((double)out[4] - sqrt(1.5)) < 1e-6);
	free(work);
}
END_TEST

/* relu fused into the forward pass: max(0, z) of the pass without it, in
 * both types and modes. */
START_TEST(relu_fused)
{
	struct problem p;
	struct fixture f;
	float x[MAX_N * MAX_M], gamma[MAX_M], beta[MAX_M], z[MAX_N * MAX_M], zr[MAX_N * MAX_M];

	problem_make(&p, 5, 4, 51);
	for (size_t k = 0; k < 20; k++)
		x[k] = (float)p.x[k];
	for (size_t j = 0; j < 4; j++) {
		gamma[j] = (float)p.gamma[j];
		beta[j] = (float)p.beta[j];
	}
	for (int type = DNN_NORM_BATCH; type <= DNN_NORM_LAYER; type++)
		for (int training = 0; training < 2; training++) {
			size_t neg = 0;

			fixture_make(&f, type, 4, LAYER_NORM_EPS);
			f.nm.momentum = 0.0;
			layer_norm_forward(&f.nm, gamma, beta, x, 5, training, z);
			f.nm.relu = 1;
			layer_norm_forward(&f.nm, gamma, beta, x, 5, training, zr);
			for (size_t k = 0; k < 20; k++) {
				ck_assert(zr[k] == (z[k] > 0.0f ? z[k] : 0.0f));
				neg += z[k] < 0.0f;
			}
			ck_assert_uint_gt(neg, 0);
		}
}
END_TEST

/* ---- the normalization rows in a network (layer.c, net.c, hvp.c) ---- */

/* A spec layer with a norm is its dense row (linear), then the norm row
 * with the layer's activation, then its dropout; gamma 1, beta 0, the
 * running mean 0 and variance 1. */
START_TEST(spec_rows)
{
	struct dnn_layer_spec ls[3] = {
	    {.units = 5,
	     .activation = DNN_ACT_TANH,
	     .dropout = 0.5,
	     .norm = DNN_NORM_BATCH,
	     .norm_momentum = 0.2,
	     .norm_epsilon = 1e-3},
	    {.units = 4, .activation = DNN_ACT_RELU, .norm = DNN_NORM_LAYER, .norm_epsilon = 1e-4},
	    {.units = 3, .activation = DNN_ACT_SOFTMAX}};
	struct dnn_spec spec = {.n_layers = 3, .layers = ls, .loss = DNN_LOSS_CROSS_ENTROPY};
	const int kind[6] = {DNN_LAYER_DENSE, DNN_LAYER_BATCH_NORM, DNN_LAYER_DROPOUT,
			     DNN_LAYER_DENSE, DNN_LAYER_LAYER_NORM, DNN_LAYER_DENSE};
	const int act[6] = {DNN_ACT_LINEAR, DNN_ACT_TANH, DNN_ACT_LINEAR,
			    DNN_ACT_LINEAR, DNN_ACT_RELU, DNN_ACT_SOFTMAX};
	struct dnn_error e;
	struct dnn_rng r;
	struct dnn_net *net = net_new_spec(2, &spec, &e);

	ck_assert_ptr_nonnull(net);
	ck_assert_uint_eq(net->n_layers, 6);
	for (size_t l = 0; l < 6; l++) {
		ck_assert_int_eq((int)net->layers[l].kind->id, kind[l]);
		ck_assert_int_eq((int)net->layers[l].act->id, act[l]);
	}
	ck_assert(net->layers[1].field[0] == 0.2 && net->layers[1].field[1] == 1e-3);
	ck_assert(net->layers[4].field[0] == 1e-4);
	ck_assert_uint_eq(net->n_params, (2 * 5 + 5) + 2 * 5 + (5 * 4 + 4) + 2 * 4 + (4 * 3 + 3));
	ck_assert_uint_eq(net->n_state, 2 * 5);
	ck_assert_uint_eq(net->layers[1].b_off, net->layers[1].w_off + 5);
	rng_seed(&r, 1);
	net_init(net, DNN_INIT_AUTO, &r);
	for (size_t j = 0; j < 5; j++) {
		ck_assert(net->params[net->layers[1].w_off + j] == 1.0f);
		ck_assert(net->params[net->layers[1].b_off + j] == 0.0f);
		ck_assert(net->state[j] == 0.0f && net->state[5 + j] == 1.0f);
	}
	ck_assert_uint_eq(net_n_saved(net), net->n_params + 10);
	net_free(net);
}
END_TEST

/* A 3-5-4-3 network: batch norm and tanh, layer norm and sigmoid, then
 * the output layer (with a batch norm when out_norm), random parameters,
 * rows and targets, and running estimates moved off their start. */
struct netfix {
	struct dnn_net *net;
	float x[8 * 3], t[8 * 3];
	size_t n;
};

static void netfix_make(struct netfix *f, int loss, int out_act, int out_norm, uint64_t seed)
{
	struct dnn_layer_def rows[6] = {
	    {DNN_LAYER_DENSE, 5, DNN_ACT_LINEAR, {0}},
	    {DNN_LAYER_BATCH_NORM, 5, DNN_ACT_TANH, {0.5, LAYER_NORM_EPS}},
	    {DNN_LAYER_DENSE, 4, DNN_ACT_LINEAR, {0}},
	    {DNN_LAYER_LAYER_NORM, 4, DNN_ACT_SIGMOID, {LAYER_NORM_EPS}},
	    {DNN_LAYER_DENSE, 3, out_norm ? DNN_ACT_LINEAR : out_act, {0}},
	    {DNN_LAYER_BATCH_NORM, 3, out_act, {0.5, LAYER_NORM_EPS}}};
	struct dnn_pass warm = {1, 5, NULL, 0};
	struct dnn_error e;
	struct dnn_rng r;

	f->n = 8;
	f->net = net_new_rows(3, out_norm ? 6 : 5, rows, loss, &e);
	ck_assert_ptr_nonnull(f->net);
	ck_assert_int_eq(net_reserve(f->net, f->n, &e), 0);
	rng_seed(&r, seed);
	net_init(f->net, DNN_INIT_GLOROT_NORMAL, &r);
	for (size_t i = 0; i < f->net->n_params; i++)
		f->net->params[i] += 0.2f * (float)rng_normal(&r);
	for (size_t i = 0; i < f->n * 3; i++) {
		f->x[i] = (float)rng_normal(&r);
		f->t[i] =
		    loss == DNN_LOSS_MSE ? (float)rng_normal(&r) : (float)(i % 3 == i / 3 % 3);
	}
	/* One training pass moves the running estimates. */
	net_forward_pass(f->net, f->x, f->n, &warm);
}

/* The float gradient of the network, in training (batch statistics) or
 * inference mode (running ones), against central differences of its loss
 * in the same mode. */
static void check_net_grad(int loss, int out_act, int out_norm, int training)
{
	struct netfix f;
	struct dnn_pass pass = {1, 3, NULL, 0};
	const struct dnn_pass *ps = training ? &pass : NULL;
	const float h = 4e-3f;
	float *g;

	netfix_make(&f, loss, out_act, out_norm, 17);
	net_loss_grad(f.net, f.x, f.t, f.n, ps);
	g = malloc(f.net->n_params * sizeof *g);
	memcpy(g, f.net->grads, f.net->n_params * sizeof *g);
	for (size_t i = 0; i < f.net->n_params; i++) {
		float w = f.net->params[i];
		double lp, lm, num;

		f.net->params[i] = w + h;
		lp = net_loss_grad(f.net, f.x, f.t, f.n, ps);
		f.net->params[i] = w - h;
		lm = net_loss_grad(f.net, f.x, f.t, f.n, ps);
		f.net->params[i] = w;
		num = (lp - lm) / (2.0 * (double)h);
		ck_assert_msg(fabs((double)g[i] - num) <= 1e-3 + 2e-2 * fabs(num),
			      "%s, training %d: parameter %zu: backprop %.6g, numeric %.6g",
			      loss_name(loss), training, i, (double)g[i], num);
	}
	free(g);
	net_free(f.net);
}

START_TEST(net_grad)
{
	for (int training = 0; training < 2; training++) {
		check_net_grad(DNN_LOSS_CROSS_ENTROPY, DNN_ACT_SOFTMAX, 0, training);
		check_net_grad(DNN_LOSS_CROSS_ENTROPY, DNN_ACT_SOFTMAX, 1, training);
		check_net_grad(DNN_LOSS_MSE, DNN_ACT_LINEAR, 1, training);
		check_net_grad(DNN_LOSS_BINARY_CROSS_ENTROPY, DNN_ACT_SIGMOID, 0, training);
	}
}
END_TEST

/* hvp.c over the same networks: the double loss and gradient are the float
 * ones, the gradient matches central differences of the double loss, and
 * H v by the R-operator matches differences of gradients. */
static void check_net_hv(int loss, int out_act, int out_norm, int training)
{
	struct netfix f;
	struct dnn_pass pass = {1, 3, NULL, 0};
	struct dnn_error e;
	struct dnn_rng r;
	struct dnn_hvp *h;
	size_t P;
	double *w, *g, *v, *hv, *fd, lf, l0, scale = 0.0;

	netfix_make(&f, loss, out_act, out_norm, 29);
	P = f.net->n_params;
	lf = net_loss_grad(f.net, f.x, f.t, f.n, training ? &pass : NULL);
	h = hvp_new(f.net, f.x, f.t, f.n, &e);
	ck_assert_ptr_nonnull(h);
	if (training)
		hvp_hold_pass(h);
	w = malloc(P * sizeof *w);
	g = malloc(P * sizeof *g);
	v = malloc(P * sizeof *v);
	hv = malloc(P * sizeof *hv);
	fd = malloc(P * sizeof *fd);
	for (size_t i = 0; i < P; i++)
		w[i] = (double)f.net->params[i];
	l0 = hvp_grad(h, w, g);
	ck_assert_double_le(fabs(lf - l0), 1e-5 * fabs(l0) + 1e-6);
	for (size_t i = 0; i < P; i++)
		scale = fmax(scale, fabs(g[i]));
	for (size_t i = 0; i < P; i++) {
		ck_assert_double_le(fabs((double)f.net->grads[i] - g[i]),
				    1e-5 * scale + 1e-4 * fabs(g[i]));
		double keep = w[i], lp, lm;

		w[i] = keep + 1e-6;
		lp = hvp_loss(h, w);
		w[i] = keep - 1e-6;
		lm = hvp_loss(h, w);
		w[i] = keep;
		ck_assert_msg(fabs((lp - lm) / 2e-6 - g[i]) <= 1e-7 * scale + 1e-6 * fabs(g[i]),
			      "training %d: gradient %zu %.10g, numeric %.10g", training, i, g[i],
			      (lp - lm) / 2e-6);
	}
	rng_seed(&r, 41);
	for (size_t i = 0; i < P; i++)
		v[i] = rng_normal(&r);
	hvp_hv(h, w, v, NULL, hv);
	ck_assert_int_eq(hvp_hv_fd(h, w, v, 1e-5, fd, &e), 0);
	scale = 0.0;
	for (size_t i = 0; i < P; i++)
		scale = fmax(scale, fabs(hv[i]));
	for (size_t i = 0; i < P; i++)
		ck_assert_msg(fabs(hv[i] - fd[i]) <= 1e-6 * scale,
			      "training %d: Hv[%zu] %.10g, fd %.10g", training, i, hv[i], fd[i]);
	free(w);
	free(g);
	free(v);
	free(hv);
	free(fd);
	hvp_free(h);
	net_free(f.net);
}

START_TEST(net_hv)
{
	for (int training = 0; training < 2; training++) {
		check_net_hv(DNN_LOSS_CROSS_ENTROPY, DNN_ACT_SOFTMAX, 0, training);
		check_net_hv(DNN_LOSS_CROSS_ENTROPY, DNN_ACT_SOFTMAX, 1, training);
		check_net_hv(DNN_LOSS_MSE, DNN_ACT_LINEAR, 1, training);
	}
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("layer_norm");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, batch_hand);
	tcase_add_test(tc, batch_inference);
	tcase_add_test(tc, batch_running);
	tcase_add_test(tc, batch_one_row);
	tcase_add_test(tc, layer_hand);
	tcase_add_test(tc, batch_float_grad);
	tcase_add_test(tc, layer_float_grad);
	tcase_add_test(tc, batch_double);
	tcase_add_test(tc, layer_double);
	tcase_add_test(tc, hv_null_paths);
	tcase_add_test(tc, bind_layout);
	tcase_add_test(tc, relu_fused);
	suite_add_tcase(s, tc);
	tc = tcase_create("rows");
	tcase_add_test(tc, spec_rows);
	tcase_add_test(tc, net_grad);
	tcase_add_test(tc, net_hv);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(make_suite)
