/* dnn hessian --density: stochastic Lanczos quadrature of the Hessian, its
 * report and its picture. */
#include "hessian_density.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "afile.h"
#include "density.h"
#include "hvp.h"
#include "plot.h"
#include "util.h"

/* The density's report: d, and the broadened density y on the grid x. */
struct dens_report {
	size_t rows, steps;
	double loss, sigma;
	const char *probe;
	const struct dnn_density *d;
	const double *x, *y;
	size_t n_grid;
};

/* A double as JSON: null when not finite. */
static void json_num(double v)
{
	if (isfinite(v))
		printf("%.10g", v);
	else
		fputs("null", stdout);
}

/* A JSON field ,"name":v. */
static void json_field(const char *name, double v)
{
	printf(",\"%s\":", name);
	json_num(v);
}

static void print_json(const struct dens_report *r)
{
	const struct dnn_density *d = r->d;

	printf("{\"rows\":%zu,\"parameters\":%zu,\"probes\":%zu,\"probe\":\"%s\",\"steps\":%zu",
	       r->rows, d->n, d->n_probes, r->probe, r->steps);
	json_field("loss", r->loss);
	json_field("sigma", r->sigma);
	json_field("trace", d->trace);
	json_field("trace_standard_error", d->trace_se);
	json_field("mean", d->mean);
	json_field("second_moment", d->moment2);
	json_field("second_moment_standard_error", d->moment2_se);
	json_field("negative_mass", d->negative);
	json_field("lambda_min", d->lmin);
	json_field("lambda_max", d->lmax);
	fputs(",\"nodes\":[", stdout);
	for (size_t j = 0; j < d->n_nodes; j++) {
		fputs(j ? ",[" : "[", stdout);
		json_num(d->node[j]);
		putchar(',');
		json_num(d->weight[j]);
		putchar(']');
	}
	fputs("],\"density\":[", stdout);
	for (size_t k = 0; k < r->n_grid; k++) {
		fputs(k ? ",[" : "[", stdout);
		json_num(r->x[k]);
		putchar(',');
		json_num(r->y[k]);
		putchar(']');
	}
	fputs("]}\n", stdout);
}

static void print_text(const struct dens_report *r)
{
	const struct dnn_density *d = r->d;

	printf("rows %zu  parameters %zu  probes %zu (%s)  lanczos steps %zu  loss %.6g\n", r->rows,
	       d->n, d->n_probes, r->probe, r->steps, r->loss);
	printf("trace (hutchinson): %.8g +- %.3g (standard error over %zu probes)\n", d->trace,
	       d->trace_se, d->n_probes);
	printf("moments of the density: mean %.8g (trace / n)  second %.8g +- %.3g "
	       "(|H|_F^2 / n)\n",
	       d->mean, d->moment2, d->moment2_se);
	printf("negative mass: %.6g (the weight of the negative Ritz values)\n", d->negative);
	printf("Ritz values in [%.8g, %.8g]; broadening sigma %.4g\n", d->lmin, d->lmax, r->sigma);
	printf("%14s  %s\n", "eigenvalue", "density");
	for (size_t k = 0; k < r->n_grid; k++)
		printf("%14.6g  %.6g\n", r->x[k], r->y[k]);
}

/* sigma (the option, or 1/100 of the nodes' range), and the density on n
 * points from lambda_min - 3 sigma to lambda_max + 3 sigma. */
static void broaden(struct dens_report *r, double sigma, double *x, double *y, size_t n)
{
	const struct dnn_density *d = r->d;
	double range = d->lmax - d->lmin, lo, hi;

	if (!(range > 0.0))
		range = fabs(d->lmax) > 0.0 ? fabs(d->lmax) : 1.0;
	r->sigma = isnan(sigma) ? range / 100.0 : sigma;
	lo = d->lmin - 3.0 * r->sigma;
	hi = d->lmax + 3.0 * r->sigma;
	for (size_t k = 0; k < n; k++) {
		x[k] = lo + (hi - lo) * (double)k / (double)(n - 1);
		y[k] = density_at(d, x[k], r->sigma);
	}
	r->x = x;
	r->y = y;
	r->n_grid = n;
}

/* The picture of r into af (opened by the caller), committed, with the
 * trace and negative mass under the title. */
static int draw(struct dnn_afile *af, const struct dens_report *r, struct dnn_error *e)
{
	const struct dnn_density *d = r->d;
	char note[160];
	const struct plot_density c = {
	    r->x, r->y, r->n_grid, 8, "spectral density of the Hessian", "eigenvalue", note};

	snprintf(note, sizeof note,
		 "trace %.4g +- %.2g, negative mass %.3g; %zu %s probes x %zu steps, sigma %.3g",
		 d->trace, d->trace_se, d->negative, d->n_probes, r->probe, r->steps, r->sigma);
	if (plot_density_svg(af->f, &c) != 0)
		return dnn_error_set(e, DNN_EX_IO, NULL, 0, 0, "write error on '%s'", af->path);
	return afile_commit(af, e);
}

/* The quadrature of the Hessian at p's weights into d, and the loss. */
static int run_slq(const struct hs_args *a, const struct dnn_prepared *p, struct dnn_rng *rng,
		   struct dnn_density *d, double *loss, struct dnn_error *e)
{
	const struct dnn_net *net = p->model.net;
	size_t P = net->n_params;
	enum dnn_probe kind = DNN_PROBE_RADEMACHER;
	double *w = util_malloc_array(P, sizeof *w);
	struct dnn_hvp *h = NULL;
	int rc = -1;

	if (!w)
		return dnn_error_oom(e);
	if (a->probe)
		density_probe_parse(a->probe, &kind);
	if (!(h = hvp_new(net, p->x, p->t, p->n, e)))
		goto out;
	for (size_t i = 0; i < P; i++)
		w[i] = (double)net->params[i];
	*loss = hvp_loss(h, w);
	struct dnn_hvp_op op = {h, w};

	rc = density_slq(hvp_op_apply, &op, P, a->probes ? a->probes : 10, a->steps ? a->steps : 40,
			 kind, rng, d, e);
out:
	hvp_free(h);
	free(w);
	return rc;
}

int hessian_density(const struct hs_args *a, const struct dnn_prepared *p, struct dnn_rng *rng,
		    struct dnn_error *e)
{
	struct dnn_density d = {0};
	struct dens_report r = {.rows = p->n, .probe = a->probe ? a->probe : "rademacher", .d = &d};
	struct dnn_afile plot = {0};
	size_t n = a->grid ? a->grid : 101;
	double *x = util_malloc_array(n, sizeof *x), *y = util_malloc_array(n, sizeof *y);
	int rc = -1;

	if (!x || !y) {
		dnn_error_oom(e);
		goto out;
	}
	if (a->probe && strcmp(a->probe, "basis") == 0 && a->probes > p->model.net->n_params) {
		dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
			      "option '--probes' with '--probe basis' needs at most %zu, the "
			      "parameters, not %lu",
			      p->model.net->n_params, a->probes);
		goto out;
	}
	/* Opened first: a plot that cannot be created costs no run. */
	if (a->plot && afile_open(&plot, a->plot, 0, e))
		goto out;
	if (run_slq(a, p, rng, &d, &r.loss, e))
		goto out;
	r.steps = a->steps ? a->steps : 40;
	if (r.steps > d.n)
		r.steps = d.n;
	broaden(&r, a->sigma, x, y, n);
	if (a->plot && draw(&plot, &r, e))
		goto out;
	if (a->json)
		print_json(&r);
	else
		print_text(&r);
	rc = 0;
out:
	afile_abort(&plot);
	density_free(&d);
	free(x);
	free(y);
	return rc;
}
