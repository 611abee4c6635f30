/* dnn eval: a checkpoint's loss and metrics on labelled rows. */
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "cli.h"
#include "cmds.h"
#include "data.h"
#include "env.h"
#include "loss.h"
#include "mat.h"
#include "metrics.h"
#include "net.h"
#include "opts.h"
#include "prepare.h"
#include "util.h"

static const char eval_usage[] =
    "Usage: dnn eval [OPTIONS] MODEL DATA\n"
    "Print the loss and metrics of the checkpoint MODEL on the labelled rows of\n"
    "DATA (CSV, plain or gzip-compressed; '-' for standard input): for a\n"
    "classification the accuracy, each class's precision, recall and F1 and the\n"
    "confusion matrix; for a regression each target's MSE, MAE and R^2 in its own\n"
    "units. Columns are matched by name when DATA has a header.\n"
    "\n"
    "Options:\n";

/* Running sums of the metrics. */
struct tally {
	size_t n;
	double loss;	      /* summed over rows, as in training */
	size_t *confusion;    /* k x k: row = true class, column = predicted */
	double *sq, *abs_err; /* per target, in the target's units */
	double *mean, *m2;    /* per target: Welford's mean and sum of squares */
};

/* Add a batch of n rows: the outputs a (n x m), their targets in the form
 * the loss wants (t), and the truth (label or y). */
static void tally_batch(struct tally *ty, const struct dnn_model *m, const float *a, const float *t,
			const uint32_t *label, const float *y, float *pred, size_t n)
{
	const struct dnn_net *net = m->net;
	size_t n_out = net_n_out(net);

	ty->loss +=
	    loss_eval(net->loss, net->layers[net->n_layers - 1].act, a, t, n, n_out, 0.0f, NULL);
	if (m->task == DNN_TASK_CLASSIFICATION) {
		for (size_t i = 0; i < n; i++) {
			size_t p = metrics_class(a + i * n_out, n_out);

			ty->confusion[label[i] * m->n_classes + p]++;
		}
	} else {
		memcpy(pred, a, n * n_out * sizeof *pred);
		norm_invert(&m->out_norm, pred, n);
		for (size_t i = 0; i < n; i++) {
			for (size_t j = 0; j < n_out; j++) {
				double v = (double)y[i * n_out + j];
				double d = (double)pred[i * n_out + j] - v;
				double k = (double)(ty->n + i + 1), delta = v - ty->mean[j];

				ty->sq[j] += d * d;
				ty->abs_err[j] += fabs(d);
				ty->mean[j] += delta / k;
				ty->m2[j] += delta * (v - ty->mean[j]);
			}
		}
	}
	ty->n += n;
}

static double ratio(double a, double b)
{
	return b > 0.0 ? a / b : (double)NAN;
}

/* Per class: precision, recall, F1 and support from the confusion matrix. */
static void class_stats(const struct tally *ty, size_t k, size_t c, double *prec, double *rec,
			double *f1, size_t *support)
{
	size_t tp = ty->confusion[c * k + c], pred = 0, truth = 0;

	for (size_t j = 0; j < k; j++) {
		pred += ty->confusion[j * k + c];
		truth += ty->confusion[c * k + j];
	}
	*prec = ratio((double)tp, (double)pred);
	*rec = ratio((double)tp, (double)truth);
	*f1 = isnan(*prec) || isnan(*rec) || *prec + *rec == 0.0
		  ? (pred + truth ? 0.0 : (double)NAN)
		  : 2.0 * *prec * *rec / (*prec + *rec);
	*support = truth;
}

static double accuracy(const struct tally *ty, size_t k)
{
	size_t right = 0;

	for (size_t c = 0; c < k; c++)
		right += ty->confusion[c * k + c];
	return ratio((double)right, (double)ty->n);
}

static void print_text(const struct tally *ty, const struct dnn_model *m)
{
	size_t k = m->n_classes, w = 5;

	printf("rows      %zu\n", ty->n);
	printf("loss      %.6g\n", ty->loss / (double)ty->n);
	if (m->task != DNN_TASK_CLASSIFICATION) {
		size_t n_out = net_n_out(m->net);

		for (size_t c = 0; c < m->n_cols; c++)
			if (m->col_role[c] == DNN_COL_TARGET && strlen(m->col_names[c]) > w)
				w = strlen(m->col_names[c]);
		printf("\n%-*s  %12s  %12s  %9s\n", (int)w, "target", "mse", "mae", "r2");
		for (size_t c = 0, j = 0; c < m->n_cols && j < n_out; c++) {
			if (m->col_role[c] != DNN_COL_TARGET)
				continue;
			printf("%-*s  %12.6g  %12.6g  %9.4f\n", (int)w, m->col_names[c],
			       ty->sq[j] / (double)ty->n, ty->abs_err[j] / (double)ty->n,
			       1.0 - ratio(ty->sq[j], ty->m2[j]));
			j++;
		}
		return;
	}
	printf("accuracy  %.4f\n", accuracy(ty, k));
	for (size_t c = 0; c < k; c++)
		if (strlen(m->class_names[c]) > w)
			w = strlen(m->class_names[c]);
	printf("\n%-*s  %9s  %9s  %9s  %7s\n", (int)w, "class", "precision", "recall", "f1",
	       "support");
	for (size_t c = 0; c < k; c++) {
		double p, r, f;
		size_t s;

		class_stats(ty, k, c, &p, &r, &f, &s);
		printf("%-*s  %9.4f  %9.4f  %9.4f  %7zu\n", (int)w, m->class_names[c], p, r, f, s);
	}
	printf("\nconfusion (rows: true class, columns: predicted)\n%-*s", (int)w, "");
	for (size_t c = 0; c < k; c++)
		printf("  %*s",
		       (int)(strlen(m->class_names[c]) > 7 ? strlen(m->class_names[c]) : 7),
		       m->class_names[c]);
	putchar('\n');
	for (size_t r = 0; r < k; r++) {
		printf("%-*s", (int)w, m->class_names[r]);
		for (size_t c = 0; c < k; c++)
			printf("  %*zu",
			       (int)(strlen(m->class_names[c]) > 7 ? strlen(m->class_names[c]) : 7),
			       ty->confusion[r * k + c]);
		putchar('\n');
	}
}

static void print_json(const struct tally *ty, const struct dnn_model *m)
{
	size_t k = m->n_classes;

	printf("{\"rows\":%zu,\"loss\":", ty->n);
	cli_write_json_number(stdout, ty->loss / (double)ty->n);
	if (m->task != DNN_TASK_CLASSIFICATION) {
		size_t n_out = net_n_out(m->net);

		fputs(",\"targets\":[", stdout);
		for (size_t c = 0, j = 0; c < m->n_cols && j < n_out; c++) {
			if (m->col_role[c] != DNN_COL_TARGET)
				continue;
			fputs(j ? ",{\"name\":" : "{\"name\":", stdout);
			cli_write_json_string(stdout, m->col_names[c]);
			fputs(",\"mse\":", stdout);
			cli_write_json_number(stdout, ty->sq[j] / (double)ty->n);
			fputs(",\"mae\":", stdout);
			cli_write_json_number(stdout, ty->abs_err[j] / (double)ty->n);
			fputs(",\"r2\":", stdout);
			cli_write_json_number(stdout, 1.0 - ratio(ty->sq[j], ty->m2[j]));
			putchar('}');
			j++;
		}
		fputs("]}\n", stdout);
		return;
	}
	fputs(",\"accuracy\":", stdout);
	cli_write_json_number(stdout, accuracy(ty, k));
	fputs(",\"classes\":[", stdout);
	for (size_t c = 0; c < k; c++) {
		double p, r, f;
		size_t s;

		class_stats(ty, k, c, &p, &r, &f, &s);
		fputs(c ? ",{\"name\":" : "{\"name\":", stdout);
		cli_write_json_string(stdout, m->class_names[c]);
		fputs(",\"precision\":", stdout);
		cli_write_json_number(stdout, p);
		fputs(",\"recall\":", stdout);
		cli_write_json_number(stdout, r);
		fputs(",\"f1\":", stdout);
		cli_write_json_number(stdout, f);
		printf(",\"support\":%zu}", s);
	}
	fputs("],\"confusion\":[", stdout);
	for (size_t r = 0; r < k; r++) {
		putchar(r ? ',' : '[');
		if (r)
			putchar('[');
		for (size_t c = 0; c < k; c++)
			printf(c ? ",%zu" : "%zu", ty->confusion[r * k + c]);
		putchar(']');
	}
	fputs("]}\n", stdout);
}

/* One batch's buffers: inputs, truth (values or classes), targets in the
 * form the loss wants, and predictions in the targets' units. */
struct batch {
	float *x, *y, *t, *pred;
	uint32_t *label;
};

static void batch_free(struct batch *b)
{
	free(b->x);
	free(b->y);
	free(b->t);
	free(b->pred);
	free(b->label);
}

static void tally_free(struct tally *ty)
{
	free(ty->confusion);
	free(ty->sq);
	free(ty->abs_err);
	free(ty->mean);
	free(ty->m2);
}

/* Room for batches of `batch` rows of m, and zeroed sums. */
static int eval_alloc(struct batch *b, struct tally *ty, struct dnn_model *m, size_t batch,
		      struct dnn_error *e)
{
	size_t n_in = m->net->n_in, n_out = net_n_out(m->net), k = m->n_classes;
	size_t n_tgt = m->task == DNN_TASK_CLASSIFICATION ? 1 : n_out;

	b->x = util_malloc_array(batch * n_in, sizeof *b->x);
	b->y = util_malloc_array(batch * n_tgt, sizeof *b->y);
	b->t = util_malloc_array(batch * n_out, sizeof *b->t);
	b->pred = util_malloc_array(batch * n_out, sizeof *b->pred);
	b->label = util_malloc_array(batch, sizeof *b->label);
	ty->confusion = util_calloc_array(k ? k * k : 1, sizeof *ty->confusion);
	ty->sq = util_calloc_array(n_out, sizeof *ty->sq);
	ty->abs_err = util_calloc_array(n_out, sizeof *ty->abs_err);
	ty->mean = util_calloc_array(n_out, sizeof *ty->mean);
	ty->m2 = util_calloc_array(n_out, sizeof *ty->m2);
	if (!b->x || !b->y || !b->t || !b->pred || !b->label || !ty->confusion || !ty->sq ||
	    !ty->abs_err || !ty->mean || !ty->m2 || net_reserve(m->net, batch, e)) {
		if (!e->code)
			dnn_error_oom(e);
		return -1;
	}
	return 0;
}

/* Every row of data_path read for model m, batch rows at a time, prepared
 * as in training and added to ty. */
static int eval_rows(struct dnn_model *m, const char *data_path, struct dnn_csv_opts *csv,
		     int unknown_ignore, size_t batch, struct tally *ty, struct dnn_error *e)
{
	struct dnn_reader *r = NULL;
	struct batch b = {0};
	size_t n_out = net_n_out(m->net), n;
	int rc = -1;

	if (eval_alloc(&b, ty, m, batch, e))
		goto out;
	csv->missing_ok = m->fill != NULL;
	struct dnn_reader_opts ro = {.cats = m->cats,
				     .n_cats = m->n_cats,
				     .unknown_ignore = unknown_ignore,
				     .with_targets = 1,
				     .class_names = m->class_names,
				     .n_classes = m->n_classes};

	r = reader_open_model(data_path, csv, m->col_names, m->col_role, m->n_cols, &ro, e);
	if (!r)
		goto out;
	for (;;) {
		if (reader_next_labelled(r, b.x, b.y, b.label, batch, &n, e))
			goto out;
		if (n == 0)
			break;
		prepare_inputs(m, b.x, n);
		/* Targets in the form the loss wants, as in training. */
		prepare_targets(m, b.label, b.y, n, n_out, b.t);
		tally_batch(ty, m, net_forward(m->net, b.x, n), b.t, b.label, b.y, b.pred, n);
	}
	if (ty->n == 0) {
		dnn_error_set(e, DNN_EX_DATA, strcmp(data_path, "-") ? data_path : "<stdin>", 0, 0,
			      "no data rows");
		goto out;
	}
	rc = 0;
out:
	reader_close(r);
	batch_free(&b);
	return rc;
}

/* Evaluate model m (loaded from model_path) on data_path and report; 1
 * when the accuracy is below min_acc (when that is 0 or above). */
static int eval_model(struct dnn_model *m, const char *model_path, const char *data_path,
		      struct dnn_csv_opts *csv, int unknown_ignore, size_t batch, int json,
		      double min_acc, struct dnn_error *e)
{
	struct tally ty = {0};
	int rc = -1;

	if (min_acc >= 0.0 && m->task != DNN_TASK_CLASSIFICATION) {
		dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
			      "option '--min-accuracy' needs a classification model; %s is a "
			      "regression model",
			      model_path);
		goto out;
	}
	if (eval_rows(m, data_path, csv, unknown_ignore, batch, &ty, e))
		goto out;
	if (json)
		print_json(&ty, m);
	else
		print_text(&ty, m);
	if (min_acc >= 0.0 && accuracy(&ty, m->n_classes) < min_acc) {
		dnn_error_set(e, DNN_EX_FAIL, NULL, 0, 0,
			      "accuracy %.4f is below --min-accuracy %g",
			      accuracy(&ty, m->n_classes), min_acc);
		goto out;
	}
	rc = 0;
out:
	tally_free(&ty);
	return rc;
}

int cmd_eval(int argc, char **argv, struct dnn_error *e)
{
	struct dnn_csv_opts csv = {.delimiter = ',', .header = 1};
	struct dnn_model m = {0};
	unsigned long batch = 256;
	double min_acc = -1.0;
	int json = 0, unknown_ignore = 0, rc;
	const char *model_path, *data_path;
	const struct dnn_opt rows[] = {
		OPT_FLAG(0, "json", &json, "one JSON object instead of tables"),
		OPT_DOUBLE(0, "min-accuracy", &min_acc, "X", 0.0, 1.0,
			   "exit with status 1 when the accuracy is below X\n"
			   "(classification)"),
		OPT__BATCH(&batch),
		OPT__NO_HEADER(&csv, "DATA has no header row: its columns are those of\n"
				     "the training file, in order"),
		OPT__DELIMITER(&csv, "field separator of DATA (default ','; 'tab')"),
		OPT__UNKNOWN(&unknown_ignore, "a category that training did not see: 'error'\n"
					      "(the default) or 'ignore'"),
		OPT__HELP(),
		OPT_END(),
	};

	rc = opts_parse(eval_usage, rows, argc, argv, e);
	if (rc)
		return rc > 0 ? 0 : -1;
	rc = -1;
	if (cli_input_operands(argc, argv, "MODEL", NULL, NULL, NULL, &model_path, &data_path, e))
		return -1;
	/* The gemm on DNN_THREADS threads, else one per CPU. */
	if (env_set_threads(0, e))
		return -1;
	if (ckpt_load(&m, model_path, e))
		return -1;
	rc = eval_model(&m, model_path, data_path, &csv, unknown_ignore, batch, json, min_acc, e);
	model_free(&m);
	return rc;
}
