/* dnn hessian: the curvature of the loss at a model's weights: the extreme
 * eigenvalues of the Hessian by Lanczos on exact Hessian-vector products,
 * and the step sizes they imply; or (--density) its whole spectrum
 * (hessian_density.c). */
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "afile.h"
#include "cli.h"
#include "cmds.h"
#include "density.h"
#include "hessian_density.h"
#include "hvp.h"
#include "net.h"
#include "opts.h"
#include "prepare.h"
#include "rng.h"
#include "util.h"

static const char hessian_usage[] =
	"Usage: dnn hessian [OPTIONS] MODEL DATA\n"
	"   or: dnn hessian [OPTIONS] --spec SPEC DATA\n"
	"The curvature of the mean loss over the rows of DATA at the weights of the\n"
	"checkpoint MODEL (or the initial weights of SPEC): the largest eigenvalues\n"
	"of the Hessian, by Lanczos iteration on exact Hessian-vector products (the\n"
	"R-operator), the most negative one (negative curvature: a saddle, not a\n"
	"minimum), and the steps they imply: 1/lambda_max, Newton's step along the\n"
	"sharpest direction, and 2/lambda_max, the largest learning rate at which\n"
	"gradient descent is stable. With --density, the spectral density of the\n"
	"Hessian by stochastic Lanczos quadrature, its trace (Hutchinson) and the\n"
	"share of negative eigenvalues.\n"
	"\n"
	"Options:\n";

/* The options of one mode only: --density's without it, the extremes'
 * with it. */
static int check_density_args(const struct hs_args *a, struct dnn_error *e)
{
	const char *name = NULL;

	if (a->density)
		name = a->top		     ? "--top"
		       : a->iterations	     ? "--iterations"
		       : a->tolerance >= 0.0 ? "--tolerance"
					     : NULL;
	if (name)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '%s' does not go with '--density'", name);
	if (!a->density)
		name = a->probes	  ? "--probes"
		       : a->probe	  ? "--probe"
		       : a->steps	  ? "--steps"
		       : !isnan(a->sigma) ? "--sigma"
		       : a->grid	  ? "--grid"
		       : a->plot	  ? "--plot"
					  : NULL;
	if (name)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0, "option '%s' needs '--density'",
				     name);
	enum dnn_probe kind;

	if (a->probe && density_probe_parse(a->probe, &kind))
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--probe' needs 'rademacher', 'gaussian' or 'basis', "
				     "not '%s'",
				     a->probe);
	/* The picture may not replace an input. */
	const struct dnn_afile_name out[] = {{a->plot, "--plot"}};
	const struct dnn_afile_name in[] = {
	    {a->spec ? a->spec : a->model, a->spec ? "--spec" : "MODEL"}, {a->data_path, "DATA"}};

	return afile_check_inputs(out, 1, in, 2, e);
}

static int parse_args(int argc, char **argv, struct hs_args *a, struct dnn_error *e)
{
	const struct dnn_opt rows[] = {
		OPT_FILENAME(0, "spec", &a->spec, "SPEC", OPTC_SPEC,
			     "at the initial weights of SPEC instead of a\n"
			     "checkpoint; the only operand is then DATA"),
		OPT_ULONG('k', "top", &a->top, "K", 1, 100000, "eigenvalues to print (default 5)"),
		OPT_ULONG(0, "samples", &a->samples, "N", 1, 1 << 30,
			  "rows of DATA to use, drawn at random (default:\n"
			  "all)"),
		OPT_ULONG(0, "iterations", &a->iterations, "N", 1, 100000,
			  "Lanczos steps (default: the number of parameters,\n"
			  "at most max(60, 3K + 20))"),
		OPT_DOUBLE(0, "tolerance", &a->tolerance, "T", 0.0, 1e6,
			   "an eigenvalue below -T * lambda_max is negative\n"
			   "curvature (default 1e-3)"),
		OPT_FLAG(0, "density", &a->density,
			 "the spectral density instead, by stochastic\n"
			 "Lanczos quadrature"),
		OPT_ULONG(0, "probes", &a->probes, "P", 1, 100000,
			  "--density: probe vectors averaged (default 10)"),
		OPT_CHOICE(0, "probe", &a->probe, "KIND", "rademacher gaussian basis",
			   "--density: 'rademacher' (default), 'gaussian',\n"
			   "or 'basis' (unit vectors: exact with P = n)"),
		OPT_ULONG(0, "steps", &a->steps, "M", 1, 100000,
			  "--density: Lanczos steps per probe (default 40)"),
		OPT_DOUBLE_ABOVE(0, "sigma", &a->sigma, "S", 0.0, 1e30,
				 "--density: width of the Gaussian broadening\n"
				 "(default: 1/100 of the spectrum's range)"),
		OPT_ULONG(0, "grid", &a->grid, "N", 2, 1000000,
			  "--density: points of the density printed\n"
			  "(default 101)"),
		OPT_FILENAME(0, "plot", &a->plot, "FILE", OPTC_FILE,
			     "--density: draw the density on a log scale as\n"
			     "SVG"),
		OPT__SEED(&a->seed, "seed of the rows drawn and the Lanczos start\n"
				    "(default: the spec's seed)"),
		OPT_FLAG(0, "json", &a->json, "print one JSON object"),
		OPT__CSV(&a->csv),
		OPT__HELP(),
		OPT_END(),
	};
	int rc = opts_parse(hessian_usage, rows, argc, argv, e);

	if (rc)
		return rc;
	if (cli_input_operands(argc, argv, "MODEL", a->spec, "SPEC", "--spec", &a->model,
			       &a->data_path, e))
		return -1;
	if (a->spec)
		a->model = NULL;
	return check_density_args(a, e);
}

/* The curvature figures, for printing. */
struct curvature {
	size_t rows, params, steps, n_top;
	double loss, grad_norm;
	const double *top;	/* n_top, descending */
	double lmax, lmin, hvp_check, tolerance;
	int negative;
};

/* A double as JSON: null when not finite. */
static void json_num(double v)
{
	if (isfinite(v))
		printf("%.10g", v);
	else
		fputs("null", stdout);
}

static void print_json(const struct curvature *c)
{
	printf("{\"rows\":%zu,\"parameters\":%zu,\"iterations\":%zu,\"loss\":", c->rows,
	       c->params, c->steps);
	json_num(c->loss);
	fputs(",\"gradient_norm\":", stdout);
	json_num(c->grad_norm);
	fputs(",\"eigenvalues\":[", stdout);
	for (size_t i = 0; i < c->n_top; i++) {
		if (i)
			putchar(',');
		json_num(c->top[i]);
	}
	fputs("],\"lambda_max\":", stdout);
	json_num(c->lmax);
	fputs(",\"lambda_min\":", stdout);
	json_num(c->lmin);
	printf(",\"negative_curvature\":%s,\"tolerance\":", c->negative ? "true" : "false");
	json_num(c->tolerance);
	fputs(",\"newton_step\":", stdout);
	json_num(c->lmax > 0.0 ? 1.0 / c->lmax : (double)NAN);
	fputs(",\"max_stable_learning_rate\":", stdout);
	json_num(c->lmax > 0.0 ? 2.0 / c->lmax : (double)NAN);
	fputs(",\"hvp_fd_relative_difference\":", stdout);
	json_num(c->hvp_check);
	fputs("}\n", stdout);
}

static void print_text(const struct curvature *c)
{
	printf("rows %zu  parameters %zu  lanczos steps %zu  loss %.6g  gradient norm %.3g\n",
	       c->rows, c->params, c->steps, c->loss, c->grad_norm);
	printf("top eigenvalues of the Hessian:\n");
	for (size_t i = 0; i < c->n_top; i++)
		printf("  %2zu  %.8g\n", i + 1, c->top[i]);
	printf("most negative eigenvalue: %.8g", c->lmin);
	if (c->negative)
		printf(" (negative curvature: a saddle or a maximum, not a minimum)\n");
	else
		printf(" (no negative curvature beyond %g * lambda_max)\n", c->tolerance);
	if (c->lmax > 0.0) {
		printf("newton step along the sharpest direction: 1/lambda_max = %.6g\n",
		       1.0 / c->lmax);
		printf("largest stable gradient-descent rate:     2/lambda_max = %.6g\n",
		       2.0 / c->lmax);
	} else {
		printf("no positive curvature: the Hessian bounds no step size\n");
	}
	printf("cross-check: |Hv - finite differences| / |Hv| = %.3g\n", c->hvp_check);
}

int cmd_hessian(int argc, char **argv, struct dnn_error *e)
{
	struct hs_args a = {
		.tolerance = -1.0, .sigma = (double)NAN, .csv = {.delimiter = ',', .header = 1}};
	struct dnn_prepared p;
	struct dnn_rng rng;
	struct curvature c = {0};
	double *ritz = NULL, *top = NULL;
	size_t m, n_ritz;
	uint64_t seed;
	int rc;

	rc = parse_args(argc, argv, &a, e);
	if (rc)
		return rc > 0 ? 0 : -1;
	if (a.seed && cli_seed(a.seed, &seed, e))
		return -1;
	rc = a.spec ? prepare_spec(&p, a.spec, a.data_path, &a.csv, e)
		    : prepare_model(&p, a.model, a.data_path, &a.csv, e);
	if (rc)
		return -1;
	rc = -1;
	rng_seed(&rng, a.seed ? seed : p.spec.seed);
	if (a.samples)
		prepare_subsample(&p, a.samples, &rng);
	if (a.density) {
		rc = hessian_density(&a, &p, &rng, e);
		prepare_free(&p);
		return rc;
	}
	if (!a.top)
		a.top = 5;
	if (a.tolerance < 0.0)
		a.tolerance = 1e-3;
	size_t P = p.model.net->n_params;

	m = a.iterations ? a.iterations : (3 * a.top + 20 > 60 ? 3 * a.top + 20 : 60);
	if (m > P)
		m = P;
	ritz = util_malloc_array(m, sizeof *ritz);
	top = util_malloc_array(m, sizeof *top);
	if (!ritz || !top) {
		dnn_error_oom(e);
		goto out;
	}
	if (hvp_analyse(p.model.net, p.x, p.t, p.n, m, &rng, ritz, &n_ritz, &c.loss,
			    &c.grad_norm, &c.hvp_check, e))
		goto out;
	c.rows = p.n;
	c.params = P;
	c.steps = n_ritz;
	c.n_top = a.top < n_ritz ? a.top : n_ritz;
	for (size_t i = 0; i < c.n_top; i++)
		top[i] = ritz[n_ritz - 1 - i];
	c.top = top;
	c.lmax = ritz[n_ritz - 1];
	c.lmin = ritz[0];
	c.tolerance = a.tolerance;
	c.negative = c.lmin < -a.tolerance * fabs(c.lmax);
	if (a.json)
		print_json(&c);
	else
		print_text(&c);
	rc = 0;
out:
	free(ritz);
	free(top);
	prepare_free(&p);
	return rc;
}
