/* dnn cv: k-fold cross-validation of a spec: each fold trained in this
 * process (or a child, or another MPI rank) and scored on its held-out rows;
 * the folds and their mean and standard deviation reported. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "data.h"
#include "dist.h"
#include "fit.h"
#include "folds.h"
#include "jobs.h"
#include "loss.h"
#include "mat.h"
#include "opts.h"
#include "prepare.h"
#include "spec.h"
#include "util.h"

static const char cv_usage[] =
	"Usage: dnn cv [OPTIONS] SPEC DATA\n"
	"Cross-validate the network SPEC describes on DATA (CSV, plain or\n"
	"gzip-compressed; '-' for standard input): the rows are dealt into K folds\n"
	"(stratified by class for a classification); each fold is held out in turn\n"
	"while the others train as dnn train would (with the spec's validation\n"
	"fraction and early stopping), then scored. Prints each fold and the mean\n"
	"and standard deviation of its figures.\n"
	"\n"
	"Options:\n";

struct cv_args {
	unsigned long folds, repeats, threads;
	const char *seed, *parallel;
	int json;
	double min_acc, max_mse;
	struct dnn_csv_opts csv;
	const char *spec_path, *data_path;
};

/* What every fold's job reads. */
struct cv_ctx {
	const struct dnn_spec *spec;
	const struct dnn_dataset *d;
	const uint32_t *fold; /* repeats x n: each row's fold */
	size_t k, n;
	const char *spec_name, *data_name;
};

/* Fold i % k of repeat i / k: train on the other folds, score this one. */
static int cv_job(size_t i, void *ctx, void *out, struct dnn_error *e)
{
	const struct cv_ctx *c = ctx;
	const uint32_t *fold = c->fold + (i / c->k) * c->n;
	const struct dnn_fit_opts o = {c->spec_name, c->data_name, NULL};
	size_t *rows = util_malloc_array(c->n, sizeof *rows), n_train = 0;
	int rc;

	if (!rows)
		return dnn_error_oom(e);
	folds_rows(fold, c->n, i % c->k, rows, &n_train);
	rc = fit_score(c->spec, c->d, rows, n_train, rows + n_train, c->n - n_train, &o, out, e);
	free(rows);
	return rc;
}

/* How many folds run side by side (then each on one thread), or 1 with the
 * gemm on the cores: --parallel, else by the work of a training step. */
static int cv_procs(const struct cv_args *a, const struct dnn_spec *s,
		    const struct dnn_dataset *d, size_t n_out, unsigned *procs, struct dnn_error *e)
{
	unsigned long cores = jobs_cores(a->threads);
	int side;

	if (!a->parallel || strcmp(a->parallel, "auto") == 0)
		side = jobs_side_by_side(s, d, n_out);
	else if (strcmp(a->parallel, "folds") == 0)
		side = 1;
	else if (strcmp(a->parallel, "threads") == 0)
		side = 0;
	else
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--parallel' needs 'auto', 'folds' or 'threads', not "
				     "'%s'",
				     a->parallel);
	if (dist_active()) {
		/* One fold per rank at a time, on the rank's share of the cores. */
		*procs = 1;
		return mat_set_threads(cores, e);
	}
	*procs = side ? (unsigned)cores : 1;
	return side ? 0 : mat_set_threads(cores, e);
}

/* ---- the report ---- */

/* The figures a fold row shows, by task. */
enum { F_LOSS, F_ACC, F_F1, F_MSE, F_MAE, F_R2, F_EPOCHS, F_SECONDS, N_FIG };
static const char *const fig_name[N_FIG] = {"loss", "accuracy", "f1",	  "mse",
					    "mae",  "r2",	"epochs", "seconds"};

static double fig(const struct dnn_fit_score *s, int f)
{
	const double v[N_FIG] = {s->loss, s->accuracy, s->f1,		     s->mse,
				 s->mae,  s->r2,       (double)s->epochs, s->seconds};

	return v[f];
}

/* Whether figure f applies to the task. */
static int shown(int f, int cls)
{
	return f == F_LOSS || f >= F_EPOCHS || (cls ? f == F_ACC || f == F_F1 : f >= F_MSE);
}

/* The mean and the sample standard deviation (n - 1) of figure f over n
 * scores. */
static void mean_sd(const struct dnn_fit_score *s, size_t n, int f, double *mean, double *sd)
{
	double m = 0.0, ss = 0.0;

	for (size_t i = 0; i < n; i++)
		m += fig(&s[i], f);
	m /= (double)n;
	for (size_t i = 0; i < n; i++)
		ss += (fig(&s[i], f) - m) * (fig(&s[i], f) - m);
	*mean = m;
	*sd = n > 1 ? sqrt(ss / (double)(n - 1)) : (double)NAN;
}

static void print_value(int f, double v)
{
	if (f == F_EPOCHS)
		printf("  %8.1f", v);
	else if (f == F_SECONDS)
		printf("  %8.3f", v);
	else
		printf("  %10.4f", v);
}

static void print_text(const struct dnn_fit_score *s, size_t k, unsigned long repeats, int cls)
{
	size_t n = k * repeats;

	printf("%-6s  %4s  %5s", "repeat", "fold", "rows");
	for (int f = 0; f < N_FIG; f++)
		if (shown(f, cls))
			printf(f >= F_EPOCHS ? "  %8s" : "  %10s", fig_name[f]);
	putchar('\n');
	for (size_t i = 0; i < n; i++) {
		printf("%-6zu  %4zu  %5zu", i / k + 1, i % k + 1, s[i].n);
		for (int f = 0; f < N_FIG; f++)
			if (shown(f, cls)) {
				if (f == F_EPOCHS)
					printf("  %8lu", s[i].epochs);
				else
					print_value(f, fig(&s[i], f));
			}
		putchar('\n');
	}
	for (int row = 0; row < 2; row++) {
		printf("%-6s  %4s  %5s", row ? "sd" : "mean", "", "");
		for (int f = 0; f < N_FIG; f++) {
			double m, sd;

			if (!shown(f, cls))
				continue;
			mean_sd(s, n, f, &m, &sd);
			print_value(f, row ? sd : m);
		}
		putchar('\n');
	}
}

static void json_figs(const struct dnn_fit_score *s, size_t n, int cls, int which)
{
	int first = 1;

	putchar('{');
	for (int f = 0; f < N_FIG; f++) {
		double m, sd;

		if (!shown(f, cls))
			continue;
		printf(first ? "\"%s\":" : ",\"%s\":", fig_name[f]);
		first = 0;
		mean_sd(s, n, f, &m, &sd);
		cli_write_json_number(stdout, which == 0 ? m : which == 1 ? sd : fig(s, f));
	}
	putchar('}');
}

static void print_json(const struct dnn_fit_score *s, const struct cv_ctx *c,
		       unsigned long repeats, uint64_t seed, int cls)
{
	size_t n = c->k * repeats;

	printf("{\"task\":\"%s\",\"rows\":%zu,\"folds\":%zu,\"repeats\":%lu,\"seed\":%llu,"
	       "\"results\":[",
	       cls ? "classification" : "regression", c->n, c->k, repeats,
	       (unsigned long long)seed);
	for (size_t i = 0; i < n; i++) {
		printf("%s{\"repeat\":%zu,\"fold\":%zu,\"rows\":%zu,\"best_epoch\":%lu,\"figures\":",
		       i ? "," : "", i / c->k, i % c->k, s[i].n, s[i].best_epoch);
		json_figs(&s[i], 1, cls, 2);
		putchar('}');
	}
	fputs("],\"mean\":", stdout);
	json_figs(s, n, cls, 0);
	fputs(",\"sd\":", stdout);
	json_figs(s, n, cls, 1);
	fputs(",\"assignment\":[", stdout);
	for (unsigned long r = 0; r < repeats; r++) {
		putchar(r ? ',' : '[');
		if (r)
			putchar('[');
		for (size_t i = 0; i < c->n; i++)
			printf(i ? ",%u" : "%u", (unsigned)c->fold[r * c->n + i]);
		putchar(']');
	}
	fputs("]}\n", stdout);
}

/* --min-accuracy and --max-mse against the means: 1 (exit status 1) when
 * one is not met. */
static int check_thresholds(const struct cv_args *a, const struct dnn_fit_score *s, size_t n,
			    struct dnn_error *e)
{
	double m, sd;

	if (a->min_acc >= 0.0) {
		mean_sd(s, n, F_ACC, &m, &sd);
		if (m < a->min_acc)
			return dnn_error_set(e, DNN_EX_FAIL, NULL, 0, 0,
					     "mean accuracy %.4f is below --min-accuracy %g", m,
					     a->min_acc);
	}
	if (a->max_mse >= 0.0) {
		mean_sd(s, n, F_MSE, &m, &sd);
		if (!(m <= a->max_mse))
			return dnn_error_set(e, DNN_EX_FAIL, NULL, 0, 0,
					     "mean mse %.6g is above --max-mse %g", m, a->max_mse);
	}
	return 0;
}

/* ---- the run ---- */

/* The spec with --seed, the data loaded whole on every rank. */
static int cv_load(const struct cv_args *a, struct dnn_spec *s, struct dnn_dataset *d,
		   struct dnn_error *e)
{
	struct dnn_data_opts o = {.csv = a->csv};

	if (dist_active() && (strcmp(a->spec_path, "-") == 0 || strcmp(a->data_path, "-") == 0))
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "standard input reaches only the first MPI rank; give the %s "
				     "as a file",
				     strcmp(a->spec_path, "-") == 0 ? "spec" : "data");
	if (dist_agree(spec_load(s, a->spec_path, e), e))
		return -1;
	if (a->seed && cli_seed(a->seed, &s->seed, e))
		return -1;
	/* Every fold trains and scores with the spec's precision. */
	mat_set_precision(s->precision);
	o.targets = s->data.targets;
	o.n_targets = s->data.n_targets;
	o.ignore = s->data.ignore;
	o.n_ignore = s->data.n_ignore;
	o.categorical = s->data.categorical;
	o.n_categorical = s->data.n_categorical;
	o.weight = s->data.weight;
	o.task = s->loss == DNN_LOSS_MSE ? DNN_TASK_REGRESSION : DNN_TASK_CLASSIFICATION;
	o.csv.missing_ok = s->data.missing == DNN_MISSING_MEAN;
	return dist_agree(data_load(d, a->data_path, &o, e), e);
}

/* Checks that need the task, the folds of every repeat, the folds run. */
static int cv_run(const struct cv_args *a, const struct dnn_spec *s, const struct dnn_dataset *d,
		  struct dnn_error *e)
{
	int cls = d->task == DNN_TASK_CLASSIFICATION;
	struct cv_ctx c = {s,
			   d,
			   NULL,
			   a->folds,
			   d->n_rows,
			   strcmp(a->spec_path, "-") ? a->spec_path : "<stdin>",
			   strcmp(a->data_path, "-") ? a->data_path : "<stdin>"};
	struct dnn_fit_score *scores = NULL;
	uint32_t *fold = NULL;
	size_t n_out, n_jobs;
	unsigned procs;
	int rc = -1;

	if (a->min_acc >= 0.0 && !cls)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--min-accuracy' needs a classification; %s trains a "
				     "regression",
				     a->spec_path);
	if (a->max_mse >= 0.0 && cls)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--max-mse' needs a regression; %s trains a "
				     "classification",
				     a->spec_path);
	n_jobs = a->folds * a->repeats;
	fold = util_malloc_array(d->n_rows, a->repeats * sizeof *fold);
	scores = util_calloc_array(n_jobs, sizeof *scores);
	if (!fold || !scores) {
		dnn_error_oom(e);
		goto out;
	}
	for (unsigned long r = 0; r < a->repeats; r++)
		if (folds_assign(cls ? d->label : NULL, d->n_classes, d->class_names, d->n_rows,
				 a->folds, s->seed, r, fold + r * d->n_rows, c.data_name, e))
			goto out;
	c.fold = fold;
	if (prepare_output_width(s, d, c.spec_name, c.data_name, &n_out, e) ||
	    cv_procs(a, s, d, n_out, &procs, e) ||
	    jobs_run(n_jobs, sizeof *scores, cv_job, &c, scores, procs, e))
		goto out;
	if (dist_rank() == 0) {
		if (a->json)
			print_json(scores, &c, a->repeats, s->seed, cls);
		else
			print_text(scores, a->folds, a->repeats, cls);
	}
	rc = check_thresholds(a, scores, n_jobs, e);
out:
	free(fold);
	free(scores);
	return rc;
}

int cmd_cv(int argc, char **argv, struct dnn_error *e)
{
	struct cv_args a = {.folds = 5, .repeats = 1, .min_acc = -1.0, .max_mse = -1.0,
			    .csv = {.delimiter = ',', .header = 1}};
	struct dnn_spec s = {0};
	struct dnn_dataset d = {0};
	const struct dnn_opt rows[] = {
		OPT_ULONG('k', "folds", &a.folds, "K", 2, 1000, "folds (default 5)"),
		OPT_ULONG('r', "repeats", &a.repeats, "R", 1, 1000,
			  "repeat with R fresh draws of the folds (default 1)"),
		OPT__SEED(&a.seed, "seed of the folds, and of the spec's weights,\n"
				   "shuffles and validation split (default: the\n"
				   "spec's seed)"),
		OPT_FLAG(0, "json", &a.json, "one JSON object, with each row's fold"),
		OPT_DOUBLE(0, "min-accuracy", &a.min_acc, "X", 0.0, 1.0,
			   "exit with status 1 when the mean accuracy is\n"
			   "below X (classification)"),
		OPT_DOUBLE(0, "max-mse", &a.max_mse, "X", 0.0, 1e300,
			   "exit with status 1 when the mean MSE is above X\n"
			   "(regression)"),
		OPT_CHOICE(0, "parallel", &a.parallel, "HOW", "auto folds threads",
			   "'folds': folds side by side, one per core;\n"
			   "'threads': one at a time on all cores; 'auto'\n"
			   "(the default) chooses by the network's size"),
		OPT__CSV(&a.csv),
		OPT__THREADS(&a.threads),
		OPT__HELP(),
		OPT_END(),
	};
	int rc = opts_parse(cv_usage, rows, argc, argv, e);

	if (rc)
		return rc > 0 ? 0 : -1;
	if (cli_input_operands(argc, argv, "SPEC", NULL, NULL, NULL, &a.spec_path, &a.data_path,
			       e))
		return -1;
	rc = cv_load(&a, &s, &d, e) || cv_run(&a, &s, &d, e) ? -1 : 0;
	data_free(&d);
	spec_free(&s);
	return rc;
}
