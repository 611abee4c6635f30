/* density.c and sharpness.c against explicit matrices: the eigenvectors of
 * the Jacobi reference (eigutil.c), the exact trace, Frobenius norm and
 * inertia of a matrix and of a network's full Hessian (built column by
 * column from Hessian-vector products), and lambda_max. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "density.h"
#include "eigutil.h"
#include "hvp.h"
#include "loss.h"
#include "net.h"
#include "rng.h"
#include "sharpness.h"
#include "testutil.h"

/* y = A v for a dense symmetric n x n matrix. */
struct dense {
	const double *a;
	size_t n;
};

static void dense_apply(void *ctx, const double *v, double *y)
{
	const struct dense *d = ctx;

	for (size_t i = 0; i < d->n; i++) {
		double s = 0.0;

		for (size_t j = 0; j < d->n; j++)
			s += d->a[i * d->n + j] * v[j];
		y[i] = s;
	}
}

/* A random symmetric n x n matrix with entries N(0, 1) plus shift on the
 * diagonal. */
static double *random_sym(size_t n, double shift, uint64_t seed)
{
	double *a = malloc(n * n * sizeof *a);
	struct dnn_rng r;

	rng_seed(&r, seed);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i; j < n; j++)
			a[i * n + j] = a[j * n + i] = rng_normal(&r) + (i == j ? shift : 0.0);
	return a;
}

/* The trace, ||A||_F^2 and the count of negative eigenvalues of a. */
static void exact(const double *a, size_t n, double *tr, double *fro2, size_t *neg)
{
	double *c = malloc(n * n * sizeof *c), *ev = malloc(n * sizeof *ev);

	*tr = *fro2 = 0.0;
	for (size_t i = 0; i < n * n; i++)
		*fro2 += a[i] * a[i];
	for (size_t i = 0; i < n; i++)
		*tr += a[i * n + i];
	memcpy(c, a, n * n * sizeof *c);
	eig_sym(c, n, ev, NULL);
	*neg = 0;
	for (size_t i = 0; i < n; i++)
		*neg += ev[i] < 0.0;
	free(c);
	free(ev);
}

/* A v_i = lambda_i v_i for Jacobi's eigenpairs, |v_i| = 1, ascending. */
START_TEST(test_eig_vectors)
{
	const size_t n = 7;
	double *a = random_sym(n, 0.0, 5), c[49], ev[7], V[49];

	memcpy(c, a, sizeof c);
	eig_sym(c, n, ev, V);
	for (size_t i = 0; i < n; i++) {
		double nrm = 0.0;

		if (i)
			ck_assert(ev[i - 1] <= ev[i]);
		for (size_t r = 0; r < n; r++) {
			double s = 0.0;

			for (size_t k = 0; k < n; k++)
				s += a[r * n + k] * V[k * n + i];
			ck_assert_double_eq_tol(s, ev[i] * V[r * n + i], 1e-10);
			nrm += V[r * n + i] * V[r * n + i];
		}
		ck_assert_double_eq_tol(nrm, 1.0, 1e-12);
	}
	free(a);
}
END_TEST

/* n basis probes: the trace, the moments and the negative mass are exact
 * (any steps >= 2 integrate t and t^2 exactly; n steps give the inertia). */
START_TEST(test_basis_exact)
{
	const size_t n = 40;
	double *a = random_sym(n, 0.5, 9), tr, fro2;
	struct dense op = {a, n};
	struct dnn_density d;
	struct dnn_error e;
	struct dnn_rng r;
	size_t neg;

	exact(a, n, &tr, &fro2, &neg);
	rng_seed(&r, 1);
	ck_assert_int_eq(density_slq(dense_apply, &op, n, n, 3, DNN_PROBE_BASIS, &r, &d, &e), 0);
	ck_assert_double_eq_tol(d.trace, tr, 1e-9 * sqrt(fro2));
	ck_assert_double_eq_tol(d.mean * (double)n, tr, 1e-9 * sqrt(fro2));
	ck_assert_double_eq_tol(d.moment2 * (double)n, fro2, 1e-9 * fro2);
	ck_assert_double_eq_tol(d.trace_se, 0.0, 1e-12);
	ck_assert_double_eq_tol(d.moment2_se, 0.0, 1e-12);
	density_free(&d);
	ck_assert_int_eq(density_slq(dense_apply, &op, n, n, n, DNN_PROBE_BASIS, &r, &d, &e), 0);
	ck_assert_double_eq_tol(d.negative, (double)neg / (double)n, 1e-9);
	ck_assert(neg > 0 && neg < n);
	density_free(&d);
	ck_assert_int_eq(density_slq(dense_apply, &op, n, n + 1, 3, DNN_PROBE_BASIS, &r, &d, &e),
			 -1);
	ck_assert_int_eq(e.code, DNN_EX_USAGE);
	free(a);
}
END_TEST

/* Random probes: each probe's quadrature has total weight 1 and first
 * moment q^T A q, so the mean is trace / n; the trace is within 4 standard
 * errors of the exact one, and the second moment within 15% (200 probes). */
START_TEST(test_random_probes)
{
	const size_t n = 40;
	double *a = random_sym(n, 2.0, 4), tr, fro2, total = 0.0;
	struct dense op = {a, n};
	struct dnn_density d;
	struct dnn_error e;
	struct dnn_rng r;
	size_t neg;
	enum dnn_probe kind = _i ? DNN_PROBE_GAUSSIAN : DNN_PROBE_RADEMACHER;

	exact(a, n, &tr, &fro2, &neg);
	rng_seed(&r, 7);
	ck_assert_int_eq(density_slq(dense_apply, &op, n, 200, 10, kind, &r, &d, &e), 0);
	for (size_t j = 0; j < d.n_nodes; j++)
		total += d.weight[j];
	ck_assert_double_eq_tol(total, 1.0, 1e-12);
	ck_assert_double_eq_tol(d.mean * (double)n, d.trace, 1e-9 * fabs(d.trace));
	ck_assert(d.trace_se > 0.0);
	ck_assert_msg(fabs(d.trace - tr) < 4.0 * d.trace_se, "trace %g, exact %g, se %g", d.trace,
		      tr, d.trace_se);
	ck_assert_msg(fabs(d.moment2 * (double)n - fro2) < 0.15 * fro2, "moment2 %g, exact %g",
		      d.moment2 * (double)n, fro2);
	density_free(&d);
	free(a);
}
END_TEST

/* A 2-4-3-1 tanh network on 12 rows (MSE) and its full Hessian H e_i. */
struct netfix {
	struct dnn_net *net;
	float x[12 * 2], t[12];
	double *w, *H;
	struct dnn_hvp *h;
	size_t P;
};

static void netfix_make(struct netfix *f)
{
	size_t units[3] = {4, 3, 1};
	int acts[3] = {DNN_ACT_TANH, DNN_ACT_TANH, DNN_ACT_LINEAR};
	struct dnn_error e;
	struct dnn_rng r;

	f->net = net_new(2, 3, units, acts, DNN_LOSS_MSE, &e);
	ck_assert_ptr_nonnull(f->net);
	rng_seed(&r, 3);
	net_init(f->net, DNN_INIT_GLOROT_NORMAL, &r);
	for (size_t i = 0; i < 24; i++)
		f->x[i] = (float)rng_normal(&r);
	for (size_t i = 0; i < 12; i++)
		f->t[i] = (float)rng_normal(&r);
	f->P = f->net->n_params;
	f->w = malloc(f->P * sizeof *f->w);
	f->H = malloc(f->P * f->P * sizeof *f->H);
	for (size_t i = 0; i < f->P; i++)
		f->w[i] = (double)f->net->params[i];
	f->h = hvp_new(f->net, f->x, f->t, 12, &e);
	ck_assert_ptr_nonnull(f->h);
	double *v = calloc(f->P, sizeof *v);

	for (size_t i = 0; i < f->P; i++) {
		v[i] = 1.0;
		hvp_hv(f->h, f->w, v, NULL, f->H + i * f->P);
		v[i] = 0.0;
	}
	/* Symmetrize the rounding away. */
	for (size_t i = 0; i < f->P; i++)
		for (size_t j = 0; j < i; j++)
			f->H[i * f->P + j] = f->H[j * f->P + i] =
			    0.5 * (f->H[i * f->P + j] + f->H[j * f->P + i]);
	free(v);
}

static void netfix_free(struct netfix *f)
{
	hvp_free(f->h);
	free(f->w);
	free(f->H);
	net_free(f->net);
}

/* On the network's Hessian: basis probes (n of them) give the exact trace
 * and ||H||_F^2 to 1e-6; 30 Rademacher probes the trace within 4 standard
 * errors. */
START_TEST(test_network)
{
	struct netfix f;
	struct dnn_density d;
	struct dnn_error e;
	struct dnn_rng r;
	double tr, fro2;
	size_t neg;

	netfix_make(&f);
	struct dnn_hvp_op op = {f.h, f.w};

	exact(f.H, f.P, &tr, &fro2, &neg);
	rng_seed(&r, 2);
	ck_assert_int_eq(density_slq(hvp_op_apply, &op, f.P, f.P, 4, DNN_PROBE_BASIS, &r, &d, &e),
			 0);
	ck_assert_double_eq_tol(d.mean, tr / (double)f.P, 1e-6 * sqrt(fro2 / (double)f.P));
	ck_assert_double_eq_tol(d.moment2, fro2 / (double)f.P, 1e-6 * fro2 / (double)f.P);
	density_free(&d);
	ck_assert_int_eq(
	    density_slq(hvp_op_apply, &op, f.P, 30, 20, DNN_PROBE_RADEMACHER, &r, &d, &e), 0);
	ck_assert_msg(fabs(d.trace - tr) < 4.0 * d.trace_se, "trace %g, exact %g, se %g", d.trace,
		      tr, d.trace_se);
	density_free(&d);
	netfix_free(&f);
}
END_TEST

/* lambda_max of the sampled rows (all 12) against the full Hessian's, and
 * again warm-started; fewer samples give another sample's Hessian. */
START_TEST(test_sharpness)
{
	struct netfix f;
	struct dnn_error e;
	double ev[64], lmax, lmax2;

	netfix_make(&f);
	ck_assert(f.P <= 64);
	double *c = malloc(f.P * f.P * sizeof *c);

	memcpy(c, f.H, f.P * f.P * sizeof *c);
	eig_sym(c, f.P, ev, NULL);
	struct dnn_sharpness *s = sharpness_new(f.net, f.x, f.t, 12, 1000, 10, 1, &e);

	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(sharpness_rows(s), 12);
	ck_assert_int_eq(sharpness_measure(s, &lmax, &e), 0);
	ck_assert_double_eq_tol(lmax, ev[f.P - 1], 1e-6 * ev[f.P - 1]);
	ck_assert_int_eq(sharpness_measure(s, &lmax2, &e), 0);
	ck_assert_double_eq_tol(lmax2, ev[f.P - 1], 1e-9 * ev[f.P - 1]);
	sharpness_free(s);
	s = sharpness_new(f.net, f.x, f.t, 12, 5, 10, 1, &e);
	ck_assert_uint_eq(sharpness_rows(s), 5);
	ck_assert_int_eq(sharpness_measure(s, &lmax, &e), 0);
	ck_assert(fabs(lmax - ev[f.P - 1]) > 1e-6 * ev[f.P - 1]);
	sharpness_free(s);
	free(c);
	netfix_free(&f);
}
END_TEST

/* |w| after 2000 steps of the optimizer's own update (optim.h's
 * formulas) on f(w) = lambda w^2 / 2 from w = 1, at rate lr. */
static double run_quadratic(int nesterov, double mu, double lr, double lambda)
{
	double w = 1, v = 0;

	for (int i = 0; i < 2000; i++) {
		double g = lambda * w;

		v = mu * v - lr * g;
		w += nesterov ? mu * v - lr * g : v;
	}
	return fabs(w);
}

/* The stability line: the iteration converges just below it and diverges
 * just above, for plain gradient descent, heavy ball and Nesterov; none
 * for the adaptive optimizers. */
START_TEST(test_stability_limit)
{
	static const struct {
		int nesterov;
		double mu;
		const char *label;
	} c[] = {{0, 0, "2/lr"}, {0, 0.9, "(2+2m)/lr"}, {1, 0.9, "(2+2m)/((1+2m)lr)"},
		 {0, 0.5, "(2+2m)/lr"}, {1, 0.3, "(2+2m)/((1+2m)lr)"}};
	struct dnn_optim_spec o = {0};
	const char *label;
	double lr = 0.05;

	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		double lim;

		o.kind = DNN_OPT_SGD;
		o.momentum = c[i].mu;
		o.nesterov = c[i].nesterov;
		lim = sharpness_limit(&o, lr, &label);
		ck_assert_str_eq(label, c[i].label);
		ck_assert_double_lt(run_quadratic(c[i].nesterov, c[i].mu, lr, lim * 0.99), 1e-3);
		ck_assert_double_gt(run_quadratic(c[i].nesterov, c[i].mu, lr, lim * 1.01), 1e3);
	}
	o.kind = DNN_OPT_ADAM;
	ck_assert(isnan(sharpness_limit(&o, lr, &label)));
	ck_assert_ptr_null(label);
}
END_TEST

static Suite *density_suite(void)
{
	Suite *s = suite_create("density");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_eig_vectors);
	tcase_add_test(tc, test_basis_exact);
	tcase_add_loop_test(tc, test_random_probes, 0, 2);
	tcase_add_test(tc, test_network);
	tcase_add_test(tc, test_sharpness);
	tcase_add_test(tc, test_stability_limit);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(density_suite)
