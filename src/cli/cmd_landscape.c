/* dnn landscape: the loss of a model along a line from another model, or on
 * a plane around it, as a table, JSON and an SVG picture. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "afile.h"
#include "ckpt.h"
#include "cli.h"
#include "cmds.h"
#include "env.h"
#include "landscape.h"
#include "mat.h"
#include "opts.h"
#include "plot.h"
#include "prepare.h"
#include "rng.h"
#include "util.h"

static const char landscape_usage[] =
    "Usage: dnn landscape [OPTIONS] MODEL DATA\n"
    "   or: dnn landscape --from MODEL0 [OPTIONS] MODEL DATA\n"
    "The loss of the checkpoint MODEL on the rows of DATA (the mean loss of\n"
    "training, without weight decay, in inference mode) at points of weight\n"
    "space: with --from, along the line (1 - a) MODEL0 + a MODEL (--line);\n"
    "otherwise on the plane MODEL + x d1 + y d2 (--plane), where d1 and d2 are\n"
    "random directions, filter-normalized (each unit's incoming weights scaled\n"
    "to that unit's norm in MODEL; biases and normalization parameters 0), or\n"
    "the top two eigenvectors of the Hessian (--directions hessian). Prints a\n"
    "table (a loss accuracy, or x y loss), or JSON; --plot draws it.\n"
    "\n"
    "Options:\n";

struct ls_args {
	const char *model, *data_path, *from, *range, *directions, *seed, *plot;
	unsigned long steps, samples, iterations, threads;
	int line, plane, json;
	struct dnn_csv_opts csv;
};

/* What was asked, checked: the mode, the range, the directions. */
struct ls_plan {
	int line, hessian;
	double lo, hi; /* line: a from lo to hi; plane: x, y from lo to hi */
	size_t steps;
};

static int parse_args(int argc, char **argv, struct ls_args *a, struct dnn_error *e)
{
	const struct dnn_opt rows[] = {
	    OPT_FILENAME(0, "from", &a->from, "MODEL0", OPTC_MODEL,
			 "the line's start, a checkpoint of the same\n"
			 "network (dnn train --save-init writes one)"),
	    OPT_FLAG(0, "line", &a->line,
		     "the loss along the line from MODEL0 to MODEL and\n"
		     "beyond (the default with --from)"),
	    OPT_FLAG(0, "plane", &a->plane,
		     "the loss on a plane around MODEL (the default\n"
		     "without --from)"),
	    OPT_CHOICE(0, "directions", &a->directions, "KIND", "random hessian",
		       "the plane's directions: 'random' (filter-\n"
		       "normalized, the default) or 'hessian' (the top\n"
		       "two eigenvectors, unit length)"),
	    OPT_STRING(0, "range", &a->range, "RANGE",
		       "line: A:B, the values of a (default -0.5:1.5);\n"
		       "plane: R, x and y in [-R, R] (default 1)"),
	    OPT_ULONG(0, "steps", &a->steps, "N", 2, 4001,
		      "points on the line (default 41), or per axis of\n"
		      "the plane (default 21)"),
	    OPT_ULONG(0, "samples", &a->samples, "N", 1, 1 << 30,
		      "rows of DATA to use, drawn at random (default:\n"
		      "all)"),
	    OPT_ULONG(0, "iterations", &a->iterations, "N", 2, 100000,
		      "Lanczos steps for --directions hessian (default\n"
		      "40, at most the number of parameters)"),
	    OPT__SEED(&a->seed, "seed of the directions, the rows drawn and the\n"
				"Lanczos start (default: the spec's seed)"),
	    OPT_FLAG(0, "json", &a->json, "print one JSON object"),
	    OPT_FILENAME(0, "plot", &a->plot, "FILE", OPTC_FILE,
			 "draw a line chart, or a contour plot, as SVG\n"
			 "('-': on standard output, instead of the table)"),
	    OPT__THREADS(&a->threads),
	    OPT__CSV(&a->csv),
	    OPT__HELP(),
	    OPT_END(),
	};
	int rc = opts_parse(landscape_usage, rows, argc, argv, e);

	if (rc)
		return rc;
	if (argc - optind != 2)
		return cli_operands("MODEL and DATA", e);
	a->model = argv[optind];
	a->data_path = argv[optind + 1];
	return 0;
}

/* A finite number, all of s. */
static int whole_number(const char *s, size_t len, double *out)
{
	char buf[64], *end;

	if (len == 0 || len >= sizeof buf)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	*out = strtod(buf, &end);
	return *end || errno || !isfinite(*out) ? -1 : 0;
}

/* --range: A:B with A < B for a line, R > 0 for a plane. */
static int parse_range(const char *arg, struct ls_plan *pl, struct dnn_error *e)
{
	const char *colon = strchr(arg, ':');
	double r;

	if (pl->line) {
		if (!colon || whole_number(arg, (size_t)(colon - arg), &pl->lo) ||
		    whole_number(colon + 1, strlen(colon + 1), &pl->hi) || !(pl->lo < pl->hi))
			return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
					     "option '--range' of a line is A:B with A < B, such "
					     "as -0.5:1.5, not '%s'",
					     arg);
		return 0;
	}
	if (colon || whole_number(arg, strlen(arg), &r) || !(r > 0.0))
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--range' of a plane is a number R > 0 (x and y in "
				     "[-R, R]), not '%s'",
				     arg);
	pl->lo = -r;
	pl->hi = r;
	return 0;
}

/* The options that exclude or need each other, and the plan they make. */
static int make_plan(const struct ls_args *a, struct ls_plan *pl, struct dnn_error *e)
{
	if (a->line && a->plane)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "options '--line' and '--plane' exclude each other");
	pl->line = a->line || (a->from && !a->plane);
	if (pl->line && !a->from)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--line' needs the line's start: give it with "
				     "'--from MODEL0'");
	if (!pl->line && a->from)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--from' makes a line, not a plane: leave out "
				     "'--plane' or '--from'");
	if (a->directions && strcmp(a->directions, "random") && strcmp(a->directions, "hessian"))
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--directions' is 'random' or 'hessian', not '%s'",
				     a->directions);
	if (a->directions && pl->line)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--directions' is for a plane; a line's direction "
				     "is MODEL - MODEL0");
	pl->hessian = a->directions && strcmp(a->directions, "hessian") == 0;
	pl->lo = pl->line ? -0.5 : -1.0;
	pl->hi = pl->line ? 1.5 : 1.0;
	pl->steps = a->steps ? a->steps : pl->line ? 41 : 21;
	if (a->range && parse_range(a->range, pl, e))
		return -1;
	if (!pl->line && pl->steps > 1001)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--steps' of a plane is at most 1001 per axis, not "
				     "%zu",
				     pl->steps);
	return cli_one_stdin("MODEL", a->model, "DATA", a->data_path, e) ||
	       (a->from && (cli_one_stdin("MODEL0", a->from, "DATA", a->data_path, e) ||
			    cli_one_stdin("MODEL0", a->from, "MODEL", a->model, e)));
}

/* Point i of steps from lo to hi, with lo, hi and any whole multiple of the
 * step between them exact: (lo (steps - 1 - i) + hi i) / (steps - 1). */
static double grid_value(const struct ls_plan *pl, size_t i)
{
	double k = (double)(pl->steps - 1);

	return (pl->lo * (k - (double)i) + pl->hi * (double)i) / k;
}

/* What was computed, for printing and plotting. */
struct ls_result {
	size_t rows, params, steps;
	int line, hessian, classification;
	double *axis; /* steps values of a, or of x and y */
	double *loss; /* line: steps; plane: steps x steps, y major */
	double *acc;  /* line, classification: steps; else NULL */
	double lambda[2];
};

/* The line's table or JSON. */
static void print_line(const struct ls_result *r, int json)
{
	if (json) {
		printf("{\"mode\":\"line\",\"rows\":%zu,\"parameters\":%zu,\"a\":[", r->rows,
		       r->params);
		for (size_t i = 0; i < r->steps; i++) {
			fputs(i ? "," : "", stdout);
			cli_write_json_number(stdout, r->axis[i]);
		}
		fputs("],\"loss\":[", stdout);
		for (size_t i = 0; i < r->steps; i++) {
			fputs(i ? "," : "", stdout);
			cli_write_json_number(stdout, r->loss[i]);
		}
		fputs("]", stdout);
		if (r->acc) {
			fputs(",\"accuracy\":[", stdout);
			for (size_t i = 0; i < r->steps; i++) {
				fputs(i ? "," : "", stdout);
				cli_write_json_number(stdout, r->acc[i]);
			}
			fputs("]", stdout);
		}
		fputs("}\n", stdout);
		return;
	}
	printf(r->acc ? "%-10s %-14s %s\n" : "%-10s %s\n", "a", "loss", "accuracy");
	for (size_t i = 0; i < r->steps; i++) {
		printf("%-10.6g %-14.8g", r->axis[i], r->loss[i]);
		if (r->acc)
			printf(" %.4f", r->acc[i]);
		putchar('\n');
	}
}

/* The plane's table or JSON (loss[j][i] at x[i], y[j]). */
static void print_plane(const struct ls_result *r, int json)
{
	size_t n = r->steps;

	if (!json) {
		printf("%-10s %-10s %s\n", "x", "y", "loss");
		for (size_t j = 0; j < n; j++)
			for (size_t i = 0; i < n; i++)
				printf("%-10.6g %-10.6g %.8g\n", r->axis[i], r->axis[j],
				       r->loss[j * n + i]);
		return;
	}
	printf("{\"mode\":\"plane\",\"directions\":\"%s\",\"rows\":%zu,\"parameters\":%zu,",
	       r->hessian ? "hessian" : "random", r->rows, r->params);
	if (r->hessian) {
		fputs("\"eigenvalues\":[", stdout);
		cli_write_json_number(stdout, r->lambda[0]);
		putchar(',');
		cli_write_json_number(stdout, r->lambda[1]);
		fputs("],", stdout);
	}
	fputs("\"x\":[", stdout);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? "," : "", stdout);
		cli_write_json_number(stdout, r->axis[i]);
	}
	fputs("],\"y\":[", stdout);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? "," : "", stdout);
		cli_write_json_number(stdout, r->axis[i]);
	}
	fputs("],\"loss\":[", stdout);
	for (size_t j = 0; j < n; j++) {
		fputs(j ? ",[" : "[", stdout);
		for (size_t i = 0; i < n; i++) {
			fputs(i ? "," : "", stdout);
			cli_write_json_number(stdout, r->loss[j * n + i]);
		}
		putchar(']');
	}
	fputs("]}\n", stdout);
}

/* The picture of r into af. Errors: 74 on a write error. */
static int draw(struct dnn_afile *af, const struct ls_result *r, struct dnn_error *e)
{
	int bad;

	if (r->line) {
		const struct plot_path c = {r->axis, r->loss, r->acc, r->steps, "MODEL0", "MODEL"};

		bad = plot_path_svg(af->f, &c);
	} else {
		const struct plot_contour c = {
		    r->axis,
		    r->axis,
		    r->loss,
		    r->steps,
		    r->steps,
		    r->hessian ? "x (top eigenvector of the Hessian)" : "x (random direction 1)",
		    r->hessian ? "y (second eigenvector)" : "y (random direction 2)",
		    r->hessian ? "loss around MODEL, along the Hessian's top eigenvectors"
			       : "loss around MODEL, filter-normalized random directions"};

		bad = plot_contour_svg(af->f, &c);
	}
	if (bad)
		return dnn_error_set(e, DNN_EX_IO, NULL, 0, 0, "write error on '%s': %s", af->path,
				     strerror(errno));
	return 0;
}

/* MODEL0, checked against MODEL's layout; 65 naming both when it differs. */
static int load_start(const char *path, const char *model_path, const struct dnn_model *m,
		      struct dnn_model *m0, struct dnn_error *e)
{
	char why[256];

	if (ckpt_load(m0, path, e))
		return -1;
	if (model_compare(m0, m, why, sizeof why) == 0)
		return 0;
	return dnn_error_set(e, DNN_EX_DATA, NULL, 0, 0,
			     "MODEL0 '%s' and MODEL '%s' are not the same network over the "
			     "same data: %s",
			     path, model_path, why);
}

/* The directions and base point of the slice (weights, then kept state),
 * into ls: the line MODEL0 -> MODEL, or a plane's two directions. */
static int make_slice(const struct ls_args *a, const struct ls_plan *pl, struct dnn_prepared *p,
		      struct dnn_rng *rng, struct ls_result *r, struct dnn_landscape *ls,
		      float *base, double *dir, struct dnn_error *e)
{
	const struct dnn_net *net = p->model.net;
	size_t n = net_n_saved(net);

	ls->net = net;
	ls->base = base;
	ls->rows = (struct dnn_rows){p->n, p->x, p->t, NULL};
	ls->classification = p->classification;
	ls->dir[0] = dir;
	ls->dir[1] = pl->line ? NULL : dir + n;
	if (pl->line) {
		struct dnn_model m0 = {0};
		float *end = util_malloc_array(n, sizeof *end);

		if (!end || load_start(a->from, a->model, &p->model, &m0, e)) {
			if (!end)
				dnn_error_oom(e);
			free(end);
			model_free(&m0);
			return -1;
		}
		net_save(m0.net, base);
		net_save(net, end);
		for (size_t j = 0; j < n; j++)
			dir[j] = (double)end[j] - (double)base[j];
		free(end);
		model_free(&m0);
		return 0;
	}
	net_save(net, base);
	if (!pl->hessian) {
		landscape_random_direction(net, net->params, rng, dir);
		landscape_random_direction(net, net->params, rng, dir + n);
		return 0;
	}
	return landscape_hessian_directions(net, &ls->rows, a->iterations ? a->iterations : 40, rng,
					    dir, dir + n, r->lambda, e);
}

/* The points of the plan, evaluated, into r. */
static int evaluate(const struct ls_plan *pl, const struct dnn_landscape *ls, struct ls_result *r,
		    struct dnn_error *e)
{
	size_t n = pl->steps, pts = pl->line ? n : n * n;
	double *c = util_malloc_array(pts, 2 * sizeof *c);
	int rc;

	r->axis = util_malloc_array(n, sizeof *r->axis);
	r->loss = util_malloc_array(pts, sizeof *r->loss);
	if (pl->line && ls->classification)
		r->acc = util_malloc_array(pts, sizeof *r->acc);
	if (!c || !r->axis || !r->loss || (pl->line && ls->classification && !r->acc)) {
		free(c);
		return dnn_error_oom(e);
	}
	for (size_t i = 0; i < n; i++)
		r->axis[i] = grid_value(pl, i);
	for (size_t k = 0; k < pts; k++) {
		c[2 * k] = r->axis[k % n];
		c[2 * k + 1] = pl->line ? 0.0 : r->axis[k / n];
	}
	rc = landscape_eval(ls, c, pts, r->loss, r->acc, e);
	free(c);
	return rc;
}

/* Everything after the options: read, slice, evaluate, write. */
static int run(const struct ls_args *a, const struct ls_plan *pl, struct ls_result *r,
	       struct dnn_afile *af, struct dnn_error *e)
{
	struct dnn_prepared p;
	struct dnn_landscape ls;
	struct dnn_rng rng;
	uint64_t seed = 0;
	float *base = NULL;
	double *dir = NULL;
	int rc = -1;

	if (a->seed && cli_seed(a->seed, &seed, e))
		return -1;
	if (prepare_model(&p, a->model, a->data_path, &a->csv, e))
		return -1;
	rng_seed(&rng, a->seed ? seed : p.spec.seed);
	if (a->samples && a->samples < p.n)
		prepare_subsample(&p, a->samples, &rng);
	base = util_malloc_array(net_n_saved(p.model.net), sizeof *base);
	dir = util_calloc_array(net_n_saved(p.model.net), 2 * sizeof *dir);
	if (!base || !dir) {
		dnn_error_oom(e);
		goto out;
	}
	r->rows = p.n;
	r->params = p.model.net->n_params;
	r->steps = pl->steps;
	r->line = pl->line;
	r->hessian = pl->hessian;
	r->classification = p.classification;
	if (make_slice(a, pl, &p, &rng, r, &ls, base, dir, e) || evaluate(pl, &ls, r, e))
		goto out;
	if (a->plot && (afile_open(af, a->plot, 0, e) || draw(af, r, e) || afile_commit(af, e)))
		goto out;
	/* --plot -: the picture is standard output, instead of the table. */
	if (a->plot && strcmp(a->plot, "-") == 0)
		;
	else if (pl->line)
		print_line(r, a->json);
	else
		print_plane(r, a->json);
	rc = 0;
out:
	free(base);
	free(dir);
	prepare_free(&p);
	return rc;
}

int cmd_landscape(int argc, char **argv, struct dnn_error *e)
{
	struct ls_args a = {.csv = {.delimiter = ',', .header = 1}};
	struct ls_plan pl = {0};
	struct ls_result r = {0};
	struct dnn_afile af = {0};
	int rc = parse_args(argc, argv, &a, e);

	if (rc)
		return rc > 0 ? 0 : -1;
	const struct dnn_afile_name out[] = {{a.plot, "--plot"}};
	const struct dnn_afile_name in[] = {
	    {a.model, "MODEL"}, {a.data_path, "DATA"}, {a.from, "--from"}};

	if (make_plan(&a, &pl, e) || afile_check_inputs(out, 1, in, 3, e) ||
	    afile_probe(a.plot, e) || mat_set_threads(a.threads ? a.threads : env_threads(), e))
		return -1;
	rc = run(&a, &pl, &r, &af, e);
	afile_abort(&af);
	free(r.axis);
	free(r.loss);
	free(r.acc);
	return rc ? -1 : 0;
}
