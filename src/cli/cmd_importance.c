/* dnn importance: how much each input column of a checkpoint matters on
 * labelled rows, by permutation importance or input x gradient. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "afile.h"
#include "ckpt.h"
#include "cli.h"
#include "cmds.h"
#include "data.h"
#include "env.h"
#include "importance.h"
#include "mat.h"
#include "model_weight.h"
#include "net.h"
#include "opts.h"
#include "plot_bars.h"
#include "prepare.h"
#include "util.h"

static const char importance_usage[] =
    "Usage: dnn importance [OPTIONS] MODEL DATA\n"
    "Rank the input columns of the checkpoint MODEL by how much they matter on\n"
    "the labelled rows of DATA (CSV, plain or gzip-compressed; '-' for standard\n"
    "input). Permutation importance (the default): the score (accuracy for a\n"
    "classification, R^2 for a regression) on DATA, minus the score once a\n"
    "column's values are shuffled across the rows, averaged over --repeats\n"
    "shuffles; a categorical column is shuffled as a whole. --method gradient:\n"
    "the mean over rows of |x * dL/dx| in the normalized inputs.\n"
    "\n"
    "Options:\n";

/* The command's arguments. */
struct imp_args {
	const char *method, *scoring, *seed, *plot;
	unsigned long repeats, batch;
	int json, unknown_ignore, precision;
	struct dnn_csv_opts csv;
	const char *model_path, *data_path;
};

/* Every row of DATA, prepared for the model (importance.h's rows) and the
 * buffers behind them. */
struct imp_data {
	struct dnn_imp_rows r;
	float *x, *y, *t, *w;
	uint32_t *label;
	size_t cap;
	const char *weight; /* the weight column, when DATA has it */
};

static void imp_data_free(struct imp_data *d)
{
	free(d->x);
	free(d->y);
	free(d->t);
	free(d->w);
	free(d->label);
}

/* Room for at least `need` rows of model m in d. */
static int imp_data_grow(struct imp_data *d, const struct dnn_model *m, size_t need,
			 struct dnn_error *e)
{
	size_t n_in = m->net->n_in, n_out = net_n_out(m->net);
	size_t n_tgt = m->task == DNN_TASK_CLASSIFICATION ? 1 : n_out, cap = d->cap ? d->cap : 256;
	float *p;
	uint32_t *q;

	if (need <= d->cap)
		return 0;
	while (cap < need)
		if (util_mul_overflow(cap, 2, &cap))
			return dnn_error_oom(e);
	if (!(p = util_realloc_array(d->x, cap, n_in * sizeof *p)))
		return dnn_error_oom(e);
	d->x = p;
	if (!(p = util_realloc_array(d->y, cap, n_tgt * sizeof *p)))
		return dnn_error_oom(e);
	d->y = p;
	if (!(p = util_realloc_array(d->t, cap, n_out * sizeof *p)))
		return dnn_error_oom(e);
	d->t = p;
	if (!(p = util_realloc_array(d->w, cap, sizeof *p)))
		return dnn_error_oom(e);
	d->w = p;
	if (!(q = util_realloc_array(d->label, cap, sizeof *q)))
		return dnn_error_oom(e);
	d->label = q;
	d->cap = cap;
	return 0;
}

/* DATA's name in messages. */
static const char *data_name(const char *path)
{
	return strcmp(path, "-") ? path : "<stdin>";
}

/* Every row of a->data_path read for m as eval reads them (columns by
 * name, m's weight column when DATA has it), filled and normalized, with
 * the targets in the form the loss wants. */
static int read_rows(struct dnn_model *m, struct imp_args *a, struct imp_data *d,
		     struct dnn_error *e)
{
	size_t n_in = m->net->n_in, n_out = net_n_out(m->net), n = 0, got;
	size_t n_tgt = m->task == DNN_TASK_CLASSIFICATION ? 1 : n_out;
	struct dnn_reader *r = NULL;
	int rc = -1;

	a->csv.missing_ok = m->fill != NULL;
	struct dnn_reader_opts ro = {.cats = m->cats,
				     .n_cats = m->n_cats,
				     .unknown_ignore = a->unknown_ignore,
				     .with_targets = 1,
				     .class_names = m->class_names,
				     .n_classes = m->n_classes,
				     .weight_col = model_weight_column(m)};

	ro.has_weight = ro.weight_col != SIZE_MAX;
	r = reader_open_model(a->data_path, &a->csv, m->col_names, m->col_role, m->n_cols, &ro, e);
	if (!r)
		return -1;
	for (;;) {
		if (imp_data_grow(d, m, n + a->batch, e) ||
		    reader_next_weighted(r, d->x + n * n_in, d->y + n * n_tgt, d->label + n,
					 d->w + n, a->batch, &got, e))
			goto out;
		if (got == 0)
			break;
		if (reader_has_weight(r))
			d->weight = m->col_names[ro.weight_col];
		prepare_inputs(m, d->x + n * n_in, got);
		prepare_targets(m, d->label + n, d->y + n * n_tgt, got, n_out, d->t + n * n_out);
		n += got;
	}
	if (n == 0) {
		dnn_error_set(e, DNN_EX_DATA, data_name(a->data_path), 0, 0, "no data rows");
		goto out;
	}
	double sw = 0.0;

	for (size_t i = 0; d->weight && i < n; i++)
		sw += (double)d->w[i];
	if (d->weight && !(sw > 0.0)) {
		dnn_error_set(e, DNN_EX_DATA, data_name(a->data_path), 0, 0,
			      "every weight in column '%s' is 0", d->weight);
		goto out;
	}
	d->r = (struct dnn_imp_rows){n, d->x, d->t, d->label, d->y, d->weight ? d->w : NULL};
	rc = 0;
out:
	reader_close(r);
	return rc;
}

/* --method (*gradient: 0 permutation, 1 gradient) and --scoring (*s; 0
 * for auto), before the model is read. */
static int check_words(const struct imp_args *a, int *gradient, int *s, struct dnn_error *e)
{
	if (strcmp(a->method, "permutation") && strcmp(a->method, "gradient"))
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "unknown method '%s' (not permutation or gradient)",
				     a->method);
	*gradient = strcmp(a->method, "gradient") == 0;
	if (!strcmp(a->scoring, "auto"))
		*s = 0;
	else if (!strcmp(a->scoring, "accuracy"))
		*s = DNN_IMP_ACCURACY;
	else if (!strcmp(a->scoring, "r2"))
		*s = DNN_IMP_R2;
	else if (!strcmp(a->scoring, "loss"))
		*s = DNN_IMP_LOSS;
	else
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "unknown scoring '%s' (not auto, accuracy, r2 or loss)",
				     a->scoring);
	return 0;
}

/* The scoring s for m's task: auto (0) made accuracy or R^2; a scoring
 * that does not suit m is a usage error. */
static int check_scoring(const struct imp_args *a, const struct dnn_model *m, int *s,
			 struct dnn_error *e)
{
	int cls = m->task == DNN_TASK_CLASSIFICATION;

	if (!*s)
		*s = cls ? DNN_IMP_ACCURACY : DNN_IMP_R2;
	if ((*s == DNN_IMP_ACCURACY && !cls) || (*s == DNN_IMP_R2 && cls))
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "scoring '%s' needs a %s model; %s is a %s model", a->scoring,
				     cls ? "regression" : "classification", a->model_path,
				     cls ? "classification" : "regression");
	return 0;
}

/* The name of scoring s. */
static const char *scoring_name(int s)
{
	return s == DNN_IMP_ACCURACY ? "accuracy" : s == DNN_IMP_R2 ? "r2" : "loss";
}

/* The results: per group its mean (or score) and sd, and the order in
 * which they are shown (largest mean first). */
struct imp_result {
	struct dnn_imp_group *g;
	size_t n_groups;
	double *mean, *sd;
	size_t *order;
	double baseline; /* the score on DATA; gradient: the mean loss */
	int gradient, scoring;
};

/* order[0..n) sorted by key, larger first, ties in column order (an
 * insertion sort: a model has few columns); NaN last. */
static void sort_order(size_t *order, size_t n, const double *key)
{
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	for (size_t i = 1; i < n; i++) {
		size_t k = order[i], j = i;

		while (j > 0 &&
		       (key[k] > key[order[j - 1]] || (isnan(key[order[j - 1]]) && !isnan(key[k]))))
			j--;
		memmove(order + j + 1, order + j, (i - j) * sizeof *order);
		order[j] = k;
	}
}

/* The table, largest first; names shown with control characters escaped. */
static void print_text(const struct imp_result *res, const struct dnn_model *m,
		       const struct imp_args *a, const struct imp_data *d)
{
	size_t w = 6;

	printf("method    %s\n", res->gradient ? "gradient" : "permutation");
	printf("rows      %zu\n", d->r.n);
	if (d->weight)
		printf("weights   column '%s': the figures below are weighted by it\n", d->weight);
	if (res->gradient) {
		printf("loss      %.6g\n", res->baseline);
	} else {
		printf("scoring   %s\n", scoring_name(res->scoring));
		printf("baseline  %.6g\n", res->baseline);
		printf("repeats   %lu\n", a->repeats);
	}
	for (size_t k = 0; k < res->n_groups; k++)
		if (cli_shown_len(m->col_names[res->g[k].col]) > w)
			w = cli_shown_len(m->col_names[res->g[k].col]);
	if (res->gradient)
		printf("\n%-*s  %12s\n", (int)w, "column", "score");
	else
		printf("\n%-*s  %12s  %12s\n", (int)w, "column", "mean", "sd");
	for (size_t i = 0; i < res->n_groups; i++) {
		size_t k = res->order[i];

		cli_write_shown(stdout, m->col_names[res->g[k].col], (int)w);
		if (res->gradient)
			printf("  %12.6g\n", res->mean[k]);
		else
			printf("  %12.6g  %12.6g\n", res->mean[k], res->sd[k]);
	}
}

/* One JSON object: method, scoring, baseline, rows, the columns largest
 * first. */
static void print_json(const struct imp_result *res, const struct dnn_model *m,
		       const struct imp_args *a, const struct imp_data *d)
{
	printf("{\"method\":\"%s\",\"scoring\":\"%s\",\"baseline\":",
	       res->gradient ? "gradient" : "permutation",
	       res->gradient ? "input_x_gradient" : scoring_name(res->scoring));
	cli_write_json_number(stdout, res->baseline);
	printf(",\"rows\":%zu", d->r.n);
	if (d->weight) {
		fputs(",\"weight\":", stdout);
		cli_write_json_string(stdout, d->weight);
	}
	if (!res->gradient)
		printf(",\"repeats\":%lu", a->repeats);
	fputs(",\"columns\":[", stdout);
	for (size_t i = 0; i < res->n_groups; i++) {
		size_t k = res->order[i];

		fputs(i ? ",{\"name\":" : "{\"name\":", stdout);
		cli_write_json_string(stdout, m->col_names[res->g[k].col]);
		fputs(res->gradient ? ",\"score\":" : ",\"mean\":", stdout);
		cli_write_json_number(stdout, res->mean[k]);
		if (!res->gradient) {
			fputs(",\"sd\":", stdout);
			cli_write_json_number(stdout, res->sd[k]);
		}
		putchar('}');
	}
	fputs("]}\n", stdout);
}

/* The bar chart of the result, largest at the top, into af (opened before
 * the run) and committed; af is closed in every case. */
static int write_plot(struct dnn_afile *af, const struct imp_result *res, const struct dnn_model *m,
		      struct dnn_error *e)
{
	size_t n = res->n_groups;
	char **label = util_malloc_array(n ? n : 1, sizeof *label);
	double *v = util_malloc_array(n ? n : 1, 2 * sizeof *v);
	const char *x_label = res->gradient			 ? "mean |x * dL/dx|"
			      : res->scoring == DNN_IMP_ACCURACY ? "drop in accuracy"
			      : res->scoring == DNN_IMP_R2	 ? "drop in R^2"
								 : "rise in the loss";
	struct plot_bars c = {.title =
				  res->gradient ? "input x gradient" : "permutation importance",
			      .x_label = x_label,
			      .label = label,
			      .value = v,
			      .err = res->gradient ? NULL : v + n,
			      .n = n};
	int rc = -1;

	if (!label || !v) {
		dnn_error_oom(e);
		afile_abort(af);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		label[i] = m->col_names[res->g[res->order[i]].col];
		v[i] = res->mean[res->order[i]];
		v[n + i] = res->gradient ? 0.0 : res->sd[res->order[i]];
	}
	if (plot_bars_svg(af->f, &c)) {
		af->err = errno;
		dnn_error_set(e, DNN_EX_IO, af->path, 0, 0, "write error: %s",
			      strerror(errno ? errno : EIO));
		afile_abort(af);
		goto out;
	}
	rc = afile_commit(af, e);
out:
	free(label);
	free(v);
	return rc;
}

/* Run the method on d for m into res. */
static int imp_run(struct dnn_model *m, const struct imp_args *a, const struct imp_data *d,
		   uint64_t seed, struct imp_result *res, struct dnn_error *e)
{
	if (importance_groups(m, &res->g, &res->n_groups, e))
		return -1;
	res->mean = util_malloc_array(res->n_groups ? res->n_groups : 1, 2 * sizeof *res->mean);
	res->order = util_malloc_array(res->n_groups ? res->n_groups : 1, sizeof *res->order);
	if (!res->mean || !res->order)
		return dnn_error_oom(e);
	res->sd = res->mean + res->n_groups;
	if (res->gradient
		? importance_gradient(m, &d->r, res->g, res->n_groups, a->batch, res->mean,
				      &res->baseline, e)
		: importance_permutation(m, &d->r, res->g, res->n_groups, res->scoring, a->repeats,
					 seed, a->batch, &res->baseline, res->mean, res->sd, e))
		return -1;
	sort_order(res->order, res->n_groups, res->mean);
	return 0;
}

/* Load, read, run, report. */
static int imp_model(struct imp_args *a, uint64_t seed, struct dnn_afile *plot, struct dnn_error *e)
{
	struct dnn_model m = {0};
	struct imp_data d = {0};
	struct imp_result res = {0};
	int rc = -1;

	if (check_words(a, &res.gradient, &res.scoring, e) || ckpt_load(&m, a->model_path, e))
		return -1;
	model_csv_defaults(&m, &a->csv);
	if (check_scoring(a, &m, &res.scoring, e) || read_rows(&m, a, &d, e) ||
	    imp_run(&m, a, &d, seed, &res, e))
		goto out;
	/* The plot first: a plot that cannot be written leaves no table. */
	if (a->plot && write_plot(plot, &res, &m, e))
		goto out;
	if (a->json)
		print_json(&res, &m, a, &d);
	else
		print_text(&res, &m, a, &d);
	rc = 0;
out:
	free(res.g);
	free(res.mean);
	free(res.order);
	imp_data_free(&d);
	model_free(&m);
	return rc;
}

int cmd_importance(int argc, char **argv, struct dnn_error *e)
{
	/* Unset: the format the model was trained on (model_csv_defaults). */
	struct imp_args a = {.method = "permutation",
			     .scoring = "auto",
			     .repeats = 5,
			     .batch = 256,
			     .csv = {.delimiter = '\0', .header = -1}};
	struct dnn_afile plot = {0};
	uint64_t seed = 0;
	int rc;
	const struct dnn_opt rows[] = {
	    OPT_CHOICE(0, "method", &a.method, "M", "permutation gradient",
		       "'permutation' (the default): the drop in the\n"
		       "score when a column is shuffled; 'gradient': the\n"
		       "mean of |x * dL/dx| over the rows"),
	    OPT_CHOICE(0, "scoring", &a.scoring, "S", "auto accuracy r2 loss",
		       "the score of --method permutation: 'auto' (the\n"
		       "default: accuracy for a classification, R^2 for a\n"
		       "regression), 'accuracy', 'r2' or 'loss' (minus\n"
		       "the mean loss)"),
	    OPT_ULONG('r', "repeats", &a.repeats, "R", 1, 1000000,
		      "shuffles of each column (default 5)"),
	    OPT__SEED(&a.seed, "seed of the shuffles (default 0)"),
	    OPT_FLAG(0, "json", &a.json, "one JSON object instead of a table"),
	    OPT_FILENAME(0, "plot", &a.plot, "FILE", OPTC_FILE,
			 "also write a bar chart of the columns to FILE\n"
			 "(SVG)"),
	    OPT__BATCH(&a.batch),
	    OPT_SET_INT(0, "header", &a.csv.header, 1,
			"DATA has a header row (the default, unless the\n"
			"model was trained on data without one)"),
	    OPT__PRECISION(&a.precision),
	    OPT__NO_HEADER(&a.csv, "DATA has no header row: its columns are those of\n"
				   "the training file, in order"),
	    OPT__DELIMITER(&a.csv, "field separator of DATA (default: the training\n"
				   "data's, else ','; 'tab')"),
	    OPT__UNKNOWN(&a.unknown_ignore, "a category that training did not see: 'error'\n"
					    "(the default) or 'ignore'"),
	    OPT__HELP(),
	    OPT_END(),
	};

	rc = opts_parse(importance_usage, rows, argc, argv, e);
	if (rc)
		return rc > 0 ? 0 : -1;
	if (cli_input_operands(argc, argv, "MODEL", NULL, NULL, NULL, &a.model_path, &a.data_path,
			       e))
		return -1;
	if (a.seed && cli_seed(a.seed, &seed, e))
		return -1;
	const struct dnn_afile_name out[] = {{a.plot, "--plot"}};
	const struct dnn_afile_name in[] = {{a.model_path, "MODEL"}, {a.data_path, "DATA"}};

	if (a.plot && afile_check_inputs(out, 1, in, 2, e))
		return -1;
	mat_set_precision(a.precision ? a.precision - 1 : MAT_PREC_FP32);
	/* The gemm on DNN_THREADS threads, else one per CPU. */
	if (env_set_threads(0, e))
		return -1;
	/* The plot is opened first, so that a plot that cannot be created
	 * does not cost the run. */
	if (a.plot && afile_open(&plot, a.plot, 0, e))
		return -1;
	rc = imp_model(&a, seed, &plot, e);
	afile_abort(&plot);
	return rc;
}
