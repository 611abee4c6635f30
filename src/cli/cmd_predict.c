/* dnn predict: checkpoint + rows in -> predictions out, streaming. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "cli.h"
#include "cmds.h"
#include "data.h"
#include "env.h"
#include "fmt.h"
#include "mat.h"
#include "metrics.h"
#include "net.h"
#include "opts.h"
#include "prepare.h"
#include "util.h"

static const char predict_usage[] =
	"Usage: dnn predict [OPTIONS] MODEL [DATA]\n"
	"Print the predictions of the checkpoint MODEL for each row of DATA (CSV,\n"
	"plain or gzip-compressed; default or '-': standard input) as CSV on standard\n"
	"output, with a header row, in the order the rows came in. Input columns are\n"
	"matched by name when DATA has a header; a target column, if present, is\n"
	"ignored.\n"
	"\n"
	"Options:\n";

/* How to print: probabilities (with the label in front: with_label), the
 * input row before the prediction, the digits, the delimiter. */
struct out_opts {
	int proba, with_label, with_input, digits;
	char delim;
	float threshold; /* --threshold, else NaN */
};

/* The target names, delimited. */
static void print_targets(const struct dnn_model *m, char delim)
{
	int first = 1;

	for (size_t c = 0; c < m->n_cols; c++) {
		if (m->col_role[c] != DNN_COL_TARGET)
			continue;
		if (!first)
			putchar(delim);
		cli_write_field(stdout, m->col_names[c], delim);
		first = 0;
	}
}

/* The header row: the target names, or the class names with --proba (after
 * the target's name with --with-label), after the echoed input names
 * (prefix, or NULL). */
static void print_header(const struct dnn_model *m, const struct out_opts *o, const char *prefix)
{
	char delim = o->delim;

	if (prefix) {
		fputs(prefix, stdout);
		putchar(delim);
	}
	if (m->task == DNN_TASK_CLASSIFICATION && o->proba) {
		if (o->with_label) {
			print_targets(m, delim);
			putchar(delim);
		}
		for (size_t k = 0; k < m->n_classes; k++) {
			if (k)
				putchar(delim);
			cli_write_field(stdout, m->class_names[k], delim);
		}
	} else {
		print_targets(m, delim);
	}
	putchar('\n');
}

/* One value as the shortest decimal that reads back to it, or rounded to
 * digits significant digits. */
static void put_float(float v, int digits)
{
	char b[FMT_FLOAT_MAX];

	fwrite(b, 1, (size_t)fmt_float(b, v, digits), stdout);
}

/* One row of output from the network's outputs a (n_out wide). */
static void print_row(const struct dnn_model *m, const float *a, size_t n_out,
		      const struct out_opts *o)
{
	char delim = o->delim;
	int digits = o->digits;

	if (m->task == DNN_TASK_CLASSIFICATION && (!o->proba || o->with_label)) {
		cli_write_field(stdout, m->class_names[metrics_class_at(a, n_out, o->threshold)],
				delim);
		if (o->proba)
			putchar(delim);
	}
	if (m->task == DNN_TASK_CLASSIFICATION && !o->proba) {
		/* the label alone */
	} else if (m->task == DNN_TASK_CLASSIFICATION && n_out == 1) {
		/* A single sigmoid unit: the probability of the second class. */
		put_float(1.0f - a[0], digits);
		putchar(delim);
		put_float(a[0], digits);
	} else {
		for (size_t j = 0; j < n_out; j++) {
			if (j)
				putchar(delim);
			put_float(a[j], digits);
		}
	}
	putchar('\n');
}

/* Predict n rows read into x (by r) and print them, flushed. */
static int predict_batch(const struct dnn_model *m, struct dnn_reader *r, float *x, float *y,
			 size_t n, const struct out_opts *o, struct dnn_error *e)
{
	size_t n_out = net_n_out(m->net);

	prepare_inputs(m, x, n);
	const float *a = net_forward(m->net, x, n);

	memcpy(y, a, n * n_out * sizeof *y);
	if (m->task == DNN_TASK_REGRESSION)
		norm_invert(&m->out_norm, y, n);
	for (size_t i = 0; i < n; i++) {
		if (o->with_input) {
			fputs(reader_echo(r, i), stdout);
			putchar(o->delim);
		}
		print_row(m, y + i * n_out, n_out, o);
	}
	/* Rows go out as they are predicted, also into a pipe. */
	if (fflush(stdout) == EOF)
		return cli_stdout_error(errno, e);
	return 0;
}

/* Predict every row of data_path with model m, batch rows at a time. */
static int predict_rows(struct dnn_model *m, const char *data_path, struct dnn_csv_opts *csv,
			int unknown_ignore, size_t batch, const struct out_opts *o,
			struct dnn_error *e)
{
	struct dnn_reader *r = NULL;
	size_t n_in = m->net->n_in, n_out = net_n_out(m->net), cells_in, cells_out, n;
	float *x = NULL, *y = NULL;
	char *echo_header = NULL;
	int rc = -1;

	if (!util_mul_overflow(batch, n_in, &cells_in) &&
	    !util_mul_overflow(batch, n_out, &cells_out)) {
		x = util_malloc_array(cells_in, sizeof *x);
		y = util_malloc_array(cells_out, sizeof *y);
	}
	if (!x || !y || net_reserve(m->net, batch, e)) {
		if (!e->code)
			dnn_error_oom(e);
		goto out;
	}
	csv->missing_ok = m->fill != NULL;
	struct dnn_reader_opts ro = {.cats = m->cats, .n_cats = m->n_cats,
				     .unknown_ignore = unknown_ignore,
				     .echo_delim = o->with_input ? o->delim : '\0'};

	r = reader_open_model(data_path, csv, m->col_names, m->col_role, m->n_cols, &ro, e);
	if (!r || (o->with_input && reader_echo_header(r, &echo_header, e)))
		goto out;
	for (int first = 1;; first = 0) {
		if (reader_next(r, x, batch, &n, e))
			goto out;
		/* The header goes out once the first rows have been read, so
		 * that an error there leaves standard output empty. */
		if (first)
			print_header(m, o, echo_header);
		if (n == 0)
			break;
		if (predict_batch(m, r, x, y, n, o, e))
			goto out;
	}
	rc = 0;
out:
	free(echo_header);
	reader_close(r);
	free(x);
	free(y);
	return rc;
}

int cmd_predict(int argc, char **argv, struct dnn_error *e)
{
	/* Unset: the format the model was trained on (model_csv_defaults). */
	struct dnn_csv_opts csv = {.delimiter = '\0', .header = -1};
	struct dnn_model m = {0};
	unsigned long batch = 256, threads = 0, digits = 0;
	const char *data_path = "-";
	char out_delim = '\0';
	double threshold = (double)NAN;
	int proba = 0, with_label = 0, unknown_ignore = 0, with_input = 0, precision = 0, rc = -1;
	const struct dnn_opt rows[] = {
		OPT_FLAG(0, "proba", &proba,
			 "one probability column per class instead of\n"
			 "the predicted label (classification)"),
		OPT_FLAG(0, "with-label", &with_label,
			 "with --proba: the predicted label first, then\n"
			 "the probabilities"),
		OPT_FLAG(0, "with-input", &with_input,
			 "print each row's input cells before its\n"
			 "predictions"),
		OPT_DOUBLE(0, "threshold", &threshold, "T", 0.0, 1.0,
			   "a binary model's label is its second class when\n"
			   "that class's probability is at least T (default:\n"
			   "the likelier class)"),
		OPT_ULONG(0, "digits", &digits, "N", 1, 9,
			  "round printed values to N significant digits\n"
			  "(default: the shortest that reads back exactly)"),
		OPT__BATCH(&batch),
		OPT__THREADS(&threads),
		OPT_SET_INT(0, "header", &csv.header, 1,
			    "DATA has a header row (the default, unless the\n"
			    "model was trained on data without one)"),
		OPT__PRECISION(&precision),
		OPT__NO_HEADER(&csv, "DATA has no header row: its columns are the\n"
				     "inputs in training order, or all the columns of\n"
				     "the training file"),
		OPT__DELIMITER(&csv, "field separator of DATA, and of the output unless\n"
				     "--output-delimiter (default: the training data's,\n"
				     "else ','; 'tab' for tabs)"),
		OPT_CALLBACK(0, "output-delimiter", &out_delim, "C", opts_delimiter,
			     ", ; tab |", "field separator of the output (default: DATA's)"),
		OPT__UNKNOWN(&unknown_ignore, "a category that training did not see is an\n"
					      "'error' (the default) or 'ignore'd: all its\n"
					      "one-hot inputs 0"),
		OPT__HELP(),
		OPT_END(),
	};

	rc = opts_parse(predict_usage, rows, argc, argv, e);
	if (rc)
		return rc > 0 ? 0 : -1;
	rc = -1;
	if (argc - optind < 1 || argc - optind > 2)
		return cli_operands("MODEL and optionally DATA", e);
	mat_set_precision(precision ? precision - 1 : MAT_PREC_FP32);
	if (env_set_threads(threads, e))
		return -1;
	if (argc - optind == 2)
		data_path = argv[optind + 1];
	if (cli_one_stdin("MODEL", argv[optind], "DATA", data_path, e))
		return -1;
	if (ckpt_load(&m, argv[optind], e))
		return -1;
	model_csv_defaults(&m, &csv);
	if (proba && m.task != DNN_TASK_CLASSIFICATION) {
		dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
			      "option '--proba' needs a classification model; %s is a "
			      "regression model",
			      argv[optind]);
		goto out;
	}
	if (cli_threshold_fits((float)threshold, &m, argv[optind], e))
		goto out;
	if (with_label && !proba) {
		dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
			      "option '--with-label' needs '--proba' (without it the label is "
			      "what predict prints)");
		goto out;
	}
	struct out_opts o = {proba, with_label, with_input, (int)digits,
			     out_delim ? out_delim : csv.delimiter, (float)threshold};

	rc = predict_rows(&m, data_path, &csv, unknown_ignore, batch, &o, e);
out:
	model_free(&m);
	return rc;
}
