/* dnn gradcheck: backpropagation (float, as training runs it) against
 * central finite differences of the loss in double precision, per layer. */
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "hvp.h"
#include "net.h"
#include "opts.h"
#include "prepare.h"
#include "rng.h"
#include "util.h"

static const char gradcheck_usage[] =
	"Usage: dnn gradcheck [OPTIONS] SPEC DATA\n"
	"   or: dnn gradcheck [OPTIONS] --model MODEL DATA\n"
	"Check backpropagation: the gradient of the loss over a few rows of DATA as\n"
	"the network computes it for training, against central finite differences\n"
	"(L(w + eps) - L(w - eps)) / (2 eps) of the loss computed in double\n"
	"precision, parameter by parameter. Prints, per layer, the parameters checked\n"
	"and the largest absolute and relative errors; exits with status 1 when a\n"
	"relative error exceeds the tolerance.\n"
	"\n"
	"Options:\n";

struct gc_args {
	const char *model, *spec_path, *data_path, *seed;
	unsigned long samples, params;
	double epsilon, tolerance;
	struct dnn_csv_opts csv;
};

static int parse_args(int argc, char **argv, struct gc_args *a, struct dnn_error *e)
{
	const struct dnn_opt rows[] = {
		OPT_FILENAME(0, "model", &a->model, "MODEL", OPTC_MODEL,
			     "check at the weights of this checkpoint instead\n"
			     "of the initial weights of SPEC"),
		OPT_ULONG(0, "samples", &a->samples, "N", 1, 1 << 24,
			  "rows of DATA to use, drawn at random (default 16)"),
		OPT_ULONG(0, "params", &a->params, "N", 0, 1 << 30,
			  "parameters to check per layer at most, drawn at\n"
			  "random (default 500; 0: all)"),
		OPT_DOUBLE_ABOVE(0, "epsilon", &a->epsilon, "E", 0.0, 1.0,
				 "finite-difference step (default 1e-6)"),
		OPT_DOUBLE_ABOVE(0, "tolerance", &a->tolerance, "T", 0.0, 1e6,
				 "largest relative error accepted (default 1e-3)"),
		OPT__SEED(&a->seed, "seed of the rows and parameters drawn (default:\n"
				    "the spec's seed)"),
		OPT__CSV(&a->csv),
		OPT__HELP(),
		OPT_END(),
	};
	int rc = opts_parse(gradcheck_usage, rows, argc, argv, e);

	if (rc)
		return rc;
	if (cli_input_operands(argc, argv, "SPEC", a->model, "MODEL", "--model", &a->spec_path,
			       &a->data_path, e))
		return -1;
	if (a->model)
		a->spec_path = NULL;
	return 0;
}

/* Below this size, gradient components are compared absolutely. */
#define GRAD_FLOOR 1e-4

/* One layer's figures. */
struct layer_result {
	size_t checked, kinks;
	double max_abs, max_rel;
	size_t worst;		/* parameter index of max_rel */
	double worst_bp, worst_fd;
};

/* "W[j,k]" or "b[j]" for parameter p of layer ly. */
static void param_name(const struct dnn_layer *ly, size_t p, char *buf, size_t size)
{
	int dense = ly->kind->id == DNN_LAYER_DENSE;

	if (!dense) /* a normalization's scale and shift */
		snprintf(buf, size, "%s[%zu]", p < ly->b_off ? "gamma" : "beta",
			 p - (p < ly->b_off ? ly->w_off : ly->b_off));
	else if (p < ly->b_off)
		snprintf(buf, size, "W[%zu,%zu]", (p - ly->w_off) / ly->n_in,
			 (p - ly->w_off) % ly->n_in);
	else
		snprintf(buf, size, "b[%zu]", p - ly->b_off);
}

/* The parameters of row ly to check: all, or `limit` drawn by rng, in
 * order. */
static size_t pick_params(const struct dnn_layer *ly, size_t limit, struct dnn_rng *rng,
			  size_t *out)
{
	size_t total = layer_n_params(ly);

	for (size_t i = 0; i < total; i++)
		out[i] = ly->w_off + i;
	if (limit == 0 || limit >= total)
		return total;
	for (size_t i = 0; i < limit; i++) {
		size_t j = i + (size_t)rng_below(rng, total - i), tmp = out[i];

		out[i] = out[j];
		out[j] = tmp;
	}
	/* Sorted, so that the output reads in layout order. */
	for (size_t i = 1; i < limit; i++)
		for (size_t j = i; j > 0 && out[j - 1] > out[j]; j--) {
			size_t tmp = out[j];

			out[j] = out[j - 1];
			out[j - 1] = tmp;
		}
	return limit;
}

/* What a gradient check works with: the network and its double-precision
 * loss, the weights as doubles, the finite differences, the parameters
 * picked per layer, and per layer the figures. */
struct gc_work {
	struct dnn_net *net;
	struct dnn_hvp *h;
	double *w, *fd, gmax;
	size_t *idx, *pick_n, **picks;
	struct layer_result *res;
};

static int gc_alloc(struct gc_work *g, const struct dnn_prepared *p, struct dnn_error *e)
{
	size_t P = g->net->n_params, L = g->net->n_layers;

	g->w = util_malloc_array(P, sizeof *g->w);
	g->fd = util_malloc_array(P, sizeof *g->fd);
	g->idx = util_malloc_array(P, sizeof *g->idx);
	g->res = util_calloc_array(L, sizeof *g->res);
	g->pick_n = util_calloc_array(L, sizeof *g->pick_n);
	g->picks = util_calloc_array(L, sizeof *g->picks);
	if (!g->w || !g->fd || !g->idx || !g->res || !g->pick_n || !g->picks)
		return dnn_error_oom(e);
	if (net_reserve(g->net, p->n, e) || !(g->h = hvp_new(g->net, p->x, p->t, p->n, e)))
		return -1;
	return 0;
}

static void gc_free(struct gc_work *g)
{
	hvp_free(g->h);
	free(g->w);
	free(g->fd);
	free(g->idx);
	free(g->res);
	free(g->pick_n);
	free(g->picks);
}

/* Central differences of the double-precision loss for up to `limit`
 * parameters per layer drawn by rng. Across a relu or step kink they measure
 * nothing; such parameters are left out (fd NaN) and counted. */
static void finite_differences(struct gc_work *g, size_t limit, double epsilon,
			       struct dnn_rng *rng)
{
	struct dnn_net *net = g->net;

	for (size_t i = 0; i < net->n_params; i++)
		g->w[i] = (double)net->params[i];
	for (size_t l = 0, k = 0; l < net->n_layers; l++) {
		const struct dnn_layer *ly = &net->layers[l];

		g->picks[l] = g->idx + k;
		g->pick_n[l] = pick_params(ly, limit, rng, g->idx + k);
		for (size_t q = 0; q < g->pick_n[l]; q++) {
			size_t i = g->picks[l][q];
			double lp, lm;
			unsigned long long kp;

			g->w[i] = (double)net->params[i] + epsilon;
			lp = hvp_loss(g->h, g->w);
			kp = hvp_kink_pattern(g->h);
			g->w[i] = (double)net->params[i] - epsilon;
			lm = hvp_loss(g->h, g->w);
			g->w[i] = (double)net->params[i];
			if (kp != hvp_kink_pattern(g->h)) {
				g->fd[i] = (double)NAN;
				g->res[l].kinks++;
				continue;
			}
			g->fd[i] = (lp - lm) / (2.0 * epsilon);
			g->gmax = fmax(g->gmax, fmax(fabs(g->fd[i]), fabs((double)net->grads[i])));
		}
		k += layer_n_params(ly);
	}
}

/* Layer l's figures from the parameters checked. Relative error |bp - fd| /
 * max(|bp|, |fd|), the denominator at least floor_. */
static void layer_figures(struct gc_work *g, size_t l, double floor_)
{
	struct layer_result *r = &g->res[l];

	for (size_t q = 0; q < g->pick_n[l]; q++) {
		size_t i = g->picks[l][q];
		double bp = (double)g->net->grads[i], err, rel;

		if (isnan(g->fd[i]))
			continue;
		err = fabs(bp - g->fd[i]);
		rel = err / fmax(floor_, fmax(fabs(bp), fabs(g->fd[i])));
		r->checked++;
		r->max_abs = fmax(r->max_abs, err);
		if (r->checked == 1 || rel > r->max_rel || isnan(rel)) {
			r->max_rel = rel;
			r->worst = i;
			r->worst_bp = bp;
			r->worst_fd = g->fd[i];
		}
	}
}

/* The table, one line per row with parameters, numbered as dnn info numbers
 * layers (from 1: layer l + 1 is the spec's layers[l]);
 * the largest relative error (-1 when no parameter was checked) and its
 * row. */
static double print_layers(struct gc_work *g, size_t *worst_layer)
{
	/* The denominator at least 1e-4 and 1/1000 of the largest gradient
	 * component: a float gradient sums terms with errors of about 1e-7
	 * each, so it cannot resolve much smaller components relatively. */
	double floor_ = fmax(1e-3 * g->gmax, GRAD_FLOOR), worst_rel = -1.0;

	*worst_layer = 0;
	printf("layer  activation  params  checked  kinks  max_abs_error  max_rel_error  worst\n");
	for (size_t l = 0; l < g->net->n_layers; l++) {
		const struct dnn_layer *ly = &g->net->layers[l];
		const struct layer_result *r = &g->res[l];
		char name[64] = "-";

		if (!layer_n_params(ly))
			continue;
		layer_figures(g, l, floor_);
		if (r->checked)
			param_name(ly, r->worst, name, sizeof name);
		printf("%-5zu  %-10s  %6zu  %7zu  %5zu  %13.3e  %13.3e  %s\n", ly->spec_layer + 1,
		       ly->act->name, layer_n_params(ly), r->checked, r->kinks, r->max_abs, r->max_rel,
		       name);
		if (r->checked && (worst_rel < 0.0 || r->max_rel > worst_rel || isnan(r->max_rel))) {
			worst_rel = r->max_rel;
			*worst_layer = l;
		}
	}
	return worst_rel;
}

/* The verdict on the largest relative error: "ok: ..." or a failure (1). */
static int verdict(const struct gc_work *g, double worst_rel, size_t worst_layer,
		   double tolerance, size_t n, struct dnn_error *e)
{
	const struct layer_result *r = &g->res[worst_layer];
	char name[64];

	if (worst_rel < 0.0)
		return dnn_error_set(e, DNN_EX_FAIL, NULL, 0, 0,
				     "gradient check failed: every parameter drawn sits at a kink");
	param_name(&g->net->layers[worst_layer], r->worst, name, sizeof name);
	worst_layer = g->net->layers[worst_layer].spec_layer;
	if (!(worst_rel <= tolerance)) {
		fflush(stdout);
		return dnn_error_set(e, DNN_EX_FAIL, NULL, 0, 0,
				     "gradient check failed: relative error %.3e at layer %zu "
				     "(layers[%zu]) %s (backpropagation %.9g, finite differences "
				     "%.9g) exceeds the tolerance %g",
				     worst_rel, worst_layer + 1, worst_layer, name, r->worst_bp,
				     r->worst_fd, tolerance);
	}
	printf("ok: largest relative error %.3e at layer %zu (layers[%zu]) %s, tolerance %g, over "
	       "%zu row%s\n",
	       worst_rel, worst_layer + 1, worst_layer, name, tolerance, n, n == 1 ? "" : "s");
	return 0;
}

int cmd_gradcheck_tampered(int argc, char **argv, void (*tamper)(struct dnn_net *),
			   struct dnn_error *e)
{
	struct gc_args a = {.samples = 16,
			    .params = 500,
			    .epsilon = 1e-6,
			    .tolerance = 1e-3,
			    .csv = {.delimiter = '\0', .header = -1}};
	struct dnn_prepared p;
	struct gc_work g = {0};
	struct dnn_rng rng;
	size_t worst_layer;
	uint64_t seed;
	int rc;

	rc = parse_args(argc, argv, &a, e);
	if (rc)
		return rc > 0 ? 0 : -1;
	if (a.seed && cli_seed(a.seed, &seed, e))
		return -1;
	rc = a.model ? prepare_model(&p, a.model, a.data_path, &a.csv, e)
		     : prepare_spec(&p, a.spec_path, a.data_path, &a.csv, e);
	if (rc)
		return -1;
	rc = -1;
	g.net = p.model.net;
	if (tamper)
		tamper(g.net);
	rng_seed(&rng, a.seed ? seed : p.spec.seed);
	prepare_subsample(&p, a.samples, &rng);
	if (gc_alloc(&g, &p, e))
		goto out;
	/* Backpropagation, exactly as training computes it, in training mode:
	 * the finite differences hold its dropout masks fixed. */
	struct dnn_pass pass = {1, p.spec.seed, NULL, 0};

	net_loss_grad(g.net, p.x, p.t, p.n, &pass);
	hvp_hold_pass(g.h);
	finite_differences(&g, a.params, a.epsilon, &rng);
	double worst_rel = print_layers(&g, &worst_layer);

	rc = verdict(&g, worst_rel, worst_layer, a.tolerance, p.n, e);
out:
	gc_free(&g);
	prepare_free(&p);
	return rc;
}

int cmd_gradcheck(int argc, char **argv, struct dnn_error *e)
{
	return cmd_gradcheck_tampered(argc, argv, NULL, e);
}
