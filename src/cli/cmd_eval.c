/* dnn eval: a checkpoint's loss and metrics on labelled rows. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "afile.h"
#include "ckpt.h"
#include "cli.h"
#include "cmds.h"
#include "confusion.h"
#include "curves.h"
#include "eval_curves.h"
#include "data.h"
#include "env.h"
#include "eval_summary.h"
#include "loss.h"
#include "mat.h"
#include "metrics.h"
#include "model_weight.h"
#include "net.h"
#include "opts.h"
#include "plot_report.h"
#include "prepare.h"
#include "util.h"

static const char eval_usage[] =
    "Usage: dnn eval [OPTIONS] MODEL DATA\n"
    "Print the loss and metrics of the checkpoint MODEL on the labelled rows of\n"
    "DATA (CSV, plain or gzip-compressed; '-' for standard input): for a\n"
    "classification the accuracy, each class's precision, recall and F1 and the\n"
    "confusion matrix; for a regression each target's MSE, MAE and R^2 in its own\n"
    "units. Columns are matched by name when DATA has a header. When the model\n"
    "was trained with a weight column (data.weight) and DATA has it, the\n"
    "metrics are weighted by it, and eval says so.\n"
    "\n"
    "Options:\n";

/* Past this many classes, --json's curve figures are null (n x k floats
 * would be kept), unless --plot keeps the rows anyway. */
#define EVAL_JSON_MAX_CLASSES 100

/* Past CONFUSION_MAX_MATRIX classes, the confusions shown. */
#define EVAL_TOP_CONFUSIONS 20

/* Running sums of the metrics. */
struct tally {
	size_t n;
	double wsum;	      /* the rows' weights (n without a weight column) */
	const char *weight;   /* the weight column, when DATA has it */
	double loss;	      /* summed over rows (times their weights), as in training */
	struct dnn_confusion confusion; /* true class against predicted (weighted) */
	struct dnn_confusion_cell *top; /* the confusions, largest first (print_*) */
	size_t top_n;
	double *sq, *abs_err; /* per target, in the target's units */
	double *mean, *m2;    /* per target: Welford's mean and sum of squares */
	float threshold;      /* --threshold (a binary model), else NaN */
	int keep;	      /* keep the rows (kept) */
	struct kept kept;
};

/* The regression sums of a batch whose rows weigh w (West's weighted
 * update of the mean and the sum of squares). */
static void tally_weighted_reg(struct tally *ty, size_t n_out, const float *y, const float *pred,
			       const float *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		double wi = (double)w[i];

		ty->wsum += wi;
		for (size_t j = 0; j < n_out && wi > 0.0; j++) {
			double v = (double)y[i * n_out + j];
			double d = (double)pred[i * n_out + j] - v, delta = v - ty->mean[j];

			ty->sq[j] += wi * d * d;
			ty->abs_err[j] += wi * fabs(d);
			ty->mean[j] += wi / ty->wsum * delta;
			ty->m2[j] += wi * delta * (v - ty->mean[j]);
		}
	}
}

/* Add a batch of n rows: the outputs a (n x m), their targets in the form
 * the loss wants (t), the truth (label or y) and the rows' weights (w, or
 * NULL for 1). */
static void tally_batch(struct tally *ty, const struct dnn_model *m, const float *a, const float *t,
			const uint32_t *label, const float *y, const float *w, float *pred,
			size_t n)
{
	const struct dnn_net *net = m->net;
	size_t n_out = net_n_out(net);

	ty->loss += loss_eval_weighted(net->loss, net->layers[net->n_layers - 1].act, a, t, w, n,
				       n_out, 0.0f, NULL);
	if (m->task == DNN_TASK_CLASSIFICATION) {
		for (size_t i = 0; i < n; i++) {
			size_t p = metrics_class_at(a + i * n_out, n_out, ty->threshold);

			confusion_add(&ty->confusion, label[i], (uint32_t)p,
				      w ? (double)w[i] : 1.0);
			ty->wsum += w ? (double)w[i] : 1.0;
		}
	} else if (w) {
		memcpy(pred, a, n * n_out * sizeof *pred);
		norm_invert(&m->out_norm, pred, n);
		tally_weighted_reg(ty, n_out, y, pred, w, n);
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
		ty->wsum += (double)n;
	}
	if (ty->keep)
		kept_add(&ty->kept, m, a, label, y, pred, w, n);
	ty->n += n;
}

static double ratio(double a, double b)
{
	return b > 0.0 ? a / b : (double)NAN;
}

/* Per class: precision, recall, F1 and support from the confusion counts. */
static void class_stats(const struct tally *ty, size_t c, double *prec, double *rec, double *f1,
			double *support)
{
	double tp = ty->confusion.right[c], pred = ty->confusion.predicted[c];
	double truth = ty->confusion.truth[c];

	*prec = ratio(tp, pred);
	*rec = ratio(tp, truth);
	*f1 = isnan(*prec) || isnan(*rec) || *prec + *rec == 0.0
		  ? (pred + truth > 0.0 ? 0.0 : (double)NAN)
		  : 2.0 * *prec * *rec / (*prec + *rec);
	*support = truth;
}

static double accuracy(const struct tally *ty, size_t k)
{
	double right = 0.0;

	for (size_t c = 0; c < k; c++)
		right += ty->confusion.right[c];
	return ratio(right, ty->wsum);
}

/* A count, or a sum of weights, w wide: the same text as %zu for a whole
 * number without weights. */
static void print_count(const struct tally *ty, int w, double v)
{
	if (ty->weight)
		printf("%*.6g", w, v);
	else
		printf("%*.0f", w, v);
}

/* The width of a class's column in the confusion matrix: its name as
 * shown, 7 at least. */
static size_t column_width(const char *name)
{
	size_t n = cli_shown_len(name);

	return n > 7 ? n : 7;
}

/* The confusion matrix, its rows' names w wide. */
static void print_matrix(const struct tally *ty, const struct dnn_model *m, size_t w)
{
	size_t k = m->n_classes;

	printf("\nconfusion (rows: true class, columns: predicted)\n%-*s", (int)w, "");
	for (size_t c = 0; c < k; c++) {
		fputs("  ", stdout);
		cli_write_shown(stdout, m->class_names[c], -(int)column_width(m->class_names[c]));
	}
	putchar('\n');
	for (size_t r = 0; r < k; r++) {
		cli_write_shown(stdout, m->class_names[r], (int)w);
		for (size_t c = 0; c < k; c++) {
			fputs("  ", stdout);
			print_count(ty, (int)column_width(m->class_names[c]),
				    ty->confusion.matrix[r * k + c]);
		}
		putchar('\n');
	}
}

/* Past CONFUSION_MAX_MATRIX classes: the EVAL_TOP_CONFUSIONS largest
 * off-diagonal cells, one line each (true class, predicted, count). */
static void print_top(const struct tally *ty, const struct dnn_model *m)
{
	size_t n = ty->top_n < EVAL_TOP_CONFUSIONS ? ty->top_n : EVAL_TOP_CONFUSIONS;
	size_t wt = 4, wp = 9;

	for (size_t i = 0; i < n; i++) {
		size_t a = cli_shown_len(m->class_names[ty->top[i].truth]);
		size_t b = cli_shown_len(m->class_names[ty->top[i].pred]);

		wt = a > wt ? a : wt;
		wp = b > wp ? b : wp;
	}
	printf("\nconfusion: %zu classes, more than %d: the %zu largest of %zu confusions\n",
	       m->n_classes, CONFUSION_MAX_MATRIX, n, ty->top_n);
	if (!n)
		return;
	printf("%-*s  %-*s  %7s\n", (int)wt, "true", (int)wp, "predicted", "count");
	for (size_t i = 0; i < n; i++) {
		cli_write_shown(stdout, m->class_names[ty->top[i].truth], (int)wt);
		fputs("  ", stdout);
		cli_write_shown(stdout, m->class_names[ty->top[i].pred], (int)wp);
		fputs("  ", stdout);
		print_count(ty, 7, ty->top[i].count);
		putchar('\n');
	}
}

/* The tables of dnn eval; names shown with their control characters
 * escaped (cli_write_shown). */
static void print_text(const struct tally *ty, const struct dnn_model *m)
{
	size_t k = m->n_classes, w = 5;

	printf("rows      %zu\n", ty->n);
	if (ty->weight)
		printf("weights   column '%s': the figures below are weighted by it\n", ty->weight);
	printf("loss      %.6g\n", ty->loss / ty->wsum);
	if (m->task != DNN_TASK_CLASSIFICATION) {
		size_t n_out = net_n_out(m->net);

		for (size_t c = 0; c < m->n_cols; c++)
			if (m->col_role[c] == DNN_COL_TARGET && cli_shown_len(m->col_names[c]) > w)
				w = cli_shown_len(m->col_names[c]);
		printf("\n%-*s  %12s  %12s  %9s\n", (int)w, "target", "mse", "mae", "r2");
		for (size_t c = 0, j = 0; c < m->n_cols && j < n_out; c++) {
			if (m->col_role[c] != DNN_COL_TARGET)
				continue;
			cli_write_shown(stdout, m->col_names[c], (int)w);
			printf("  %12.6g  %12.6g  %9.4f\n", ty->sq[j] / ty->wsum, ty->abs_err[j] / ty->wsum,
			       1.0 - ratio(ty->sq[j], ty->m2[j]));
			j++;
		}
		return;
	}
	printf("accuracy  %.4f\n", accuracy(ty, k));
	for (size_t c = 0; c < k; c++)
		if (cli_shown_len(m->class_names[c]) > w)
			w = cli_shown_len(m->class_names[c]);
	printf("\n%-*s  %9s  %9s  %9s  %7s\n", (int)w, "class", "precision", "recall", "f1",
	       "support");
	for (size_t c = 0; c < k; c++) {
		double p, r, f, s;

		class_stats(ty, c, &p, &r, &f, &s);
		cli_write_shown(stdout, m->class_names[c], (int)w);
		printf("  %9.4f  %9.4f  %9.4f  ", p, r, f);
		print_count(ty, 7, s);
		putchar('\n');
	}
	if (ty->confusion.matrix)
		print_matrix(ty, m, w);
	else
		print_top(ty, m);
}

/* A count in JSON: a whole number without weights, else a number. */
static void json_count(const struct tally *ty, double v)
{
	if (ty->weight)
		cli_write_json_number(stdout, v);
	else
		printf("%.0f", v);
}

/* ,"confusion":[[...],...]: the k x k matrix. */
static void json_matrix(const struct tally *ty, size_t k)
{
	fputs(",\"confusion\":[", stdout);
	for (size_t r = 0; r < k; r++) {
		putchar(r ? ',' : '[');
		if (r)
			putchar('[');
		for (size_t c = 0; c < k; c++) {
			if (c)
				putchar(',');
			json_count(ty, ty->confusion.matrix[r * k + c]);
		}
		putchar(']');
	}
	putchar(']');
}

/* Past CONFUSION_MAX_MATRIX classes: "confusion" null, how many cells are
 * off the diagonal, and the largest of them. */
static void json_top(const struct tally *ty, const struct dnn_model *m)
{
	size_t n = ty->top_n < EVAL_TOP_CONFUSIONS ? ty->top_n : EVAL_TOP_CONFUSIONS;

	printf(",\"confusion\":null,\"n_confusions\":%zu,\"top_confusions\":[", ty->top_n);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ",{\"true\":" : "{\"true\":", stdout);
		cli_write_json_string(stdout, m->class_names[ty->top[i].truth]);
		fputs(",\"predicted\":", stdout);
		cli_write_json_string(stdout, m->class_names[ty->top[i].pred]);
		fputs(",\"count\":", stdout);
		json_count(ty, ty->top[i].count);
		putchar('}');
	}
	putchar(']');
}

/* eval's JSON object; fg holds a classification's curve figures. */
static void print_json(const struct tally *ty, const struct dnn_model *m,
		       const struct figures *fg)
{
	size_t k = m->n_classes;

	printf("{\"rows\":%zu,", ty->n);
	if (ty->weight) {
		fputs("\"weight\":", stdout);
		cli_write_json_string(stdout, ty->weight);
		putchar(',');
	}
	fputs("\"loss\":", stdout);
	cli_write_json_number(stdout, ty->loss / ty->wsum);
	if (m->task != DNN_TASK_CLASSIFICATION) {
		size_t n_out = net_n_out(m->net);

		fputs(",\"targets\":[", stdout);
		for (size_t c = 0, j = 0; c < m->n_cols && j < n_out; c++) {
			if (m->col_role[c] != DNN_COL_TARGET)
				continue;
			fputs(j ? ",{\"name\":" : "{\"name\":", stdout);
			cli_write_json_string(stdout, m->col_names[c]);
			fputs(",\"mse\":", stdout);
			cli_write_json_number(stdout, ty->sq[j] / ty->wsum);
			fputs(",\"mae\":", stdout);
			cli_write_json_number(stdout, ty->abs_err[j] / ty->wsum);
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
		double p, r, f, s;

		class_stats(ty, c, &p, &r, &f, &s);
		fputs(c ? ",{\"name\":" : "{\"name\":", stdout);
		cli_write_json_string(stdout, m->class_names[c]);
		fputs(",\"precision\":", stdout);
		cli_write_json_number(stdout, p);
		fputs(",\"recall\":", stdout);
		cli_write_json_number(stdout, r);
		fputs(",\"f1\":", stdout);
		cli_write_json_number(stdout, f);
		fputs(",\"support\":", stdout);
		json_count(ty, s);
		fputs(",\"auc\":", stdout);
		cli_write_json_number(stdout, fg->auc ? fg->auc[c] : (double)NAN);
		fputs(",\"average_precision\":", stdout);
		cli_write_json_number(stdout, fg->auc ? fg->ap[c] : (double)NAN);
		putchar('}');
	}
	putchar(']');
	if (ty->confusion.matrix)
		json_matrix(ty, k);
	else
		json_top(ty, m);
	if (k > 2) {
		fputs(",\"micro_auc\":", stdout);
		cli_write_json_number(stdout, fg->auc ? fg->micro_auc : (double)NAN);
		fputs(",\"micro_average_precision\":", stdout);
		cli_write_json_number(stdout, fg->auc ? fg->micro_ap : (double)NAN);
	}
	fputs(",\"ece\":", stdout);
	cli_write_json_number(stdout, fg->auc ? fg->ece : (double)NAN);
	fputs("}\n", stdout);
}

/* One batch's buffers: inputs, truth (values or classes), targets in the
 * form the loss wants, and predictions in the targets' units. */
struct batch {
	float *x, *y, *t, *pred, *w;
	uint32_t *label;
};

static void batch_free(struct batch *b)
{
	free(b->x);
	free(b->y);
	free(b->t);
	free(b->pred);
	free(b->w);
	free(b->label);
}

static void tally_free(struct tally *ty)
{
	confusion_free(&ty->confusion);
	free(ty->top);
	free(ty->sq);
	free(ty->abs_err);
	free(ty->mean);
	free(ty->m2);
	kept_free(&ty->kept);
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
	b->w = util_malloc_array(batch, sizeof *b->w);
	ty->sq = util_calloc_array(n_out, sizeof *ty->sq);
	ty->abs_err = util_calloc_array(n_out, sizeof *ty->abs_err);
	ty->mean = util_calloc_array(n_out, sizeof *ty->mean);
	ty->m2 = util_calloc_array(n_out, sizeof *ty->m2);
	if (confusion_init(&ty->confusion, k) || !b->x || !b->y || !b->t || !b->pred || !b->w ||
	    !b->label || !ty->sq || !ty->abs_err || !ty->mean || !ty->m2 ||
	    net_reserve(m->net, batch, e)) {
		if (!e->code)
			dnn_error_oom(e);
		return -1;
	}
	return 0;
}

/* Every row of data_path read for model m, batch rows at a time, prepared
 * as in training and added to ty (weighted when the file has m's weight
 * column). */
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
				     .n_classes = m->n_classes,
				     .weight_col = model_weight_column(m)};

	ro.has_weight = ro.weight_col != SIZE_MAX;

	r = reader_open_model(data_path, csv, m->col_names, m->col_role, m->n_cols, &ro, e);
	if (!r)
		goto out;
	for (;;) {
		if (reader_next_weighted(r, b.x, b.y, b.label, b.w, batch, &n, e))
			goto out;
		if (n == 0)
			break;
		if (reader_has_weight(r))
			ty->weight = m->col_names[ro.weight_col];
		prepare_inputs(m, b.x, n);
		/* Targets in the form the loss wants, as in training. */
		prepare_targets(m, b.label, b.y, n, n_out, b.t);
		if ((m->task == DNN_TASK_CLASSIFICATION && confusion_reserve(&ty->confusion, n)) ||
		    (ty->keep && kept_reserve(&ty->kept, n))) {
			dnn_error_oom(e);
			goto out;
		}
		tally_batch(ty, m, net_forward(m->net, b.x, n), b.t, b.label, b.y,
			    ty->weight ? b.w : NULL, b.pred, n);
	}
	if (ty->n > 0 && !(ty->wsum > 0.0)) {
		dnn_error_set(e, DNN_EX_DATA, strcmp(data_path, "-") ? data_path : "<stdin>", 0, 0,
			      "every weight in column '%s' is 0", ty->weight);
		goto out;
	}
	if (ty->n == 0) {
		dnn_error_set(e, DNN_EX_DATA, strcmp(data_path, "-") ? data_path : "<stdin>", 0, 0,
			      "no data rows");
		goto out;
	}
	if (m->task == DNN_TASK_CLASSIFICATION && !ty->confusion.matrix &&
	    (ty->top_n = confusion_top(&ty->confusion, &ty->top)) == SIZE_MAX) {
		dnn_error_oom(e);
		goto out;
	}
	rc = 0;
out:
	reader_close(r);
	batch_free(&b);
	return rc;
}

/* The pass marks of --min-accuracy, --max-mse and --min-r2 (negative or
 * -HUGE_VAL: not asked for). */
struct marks {
	double min_acc, max_mse, min_r2;
};

/* Whether each mark suits m's task: 64 naming the option otherwise. */
static int marks_fit(const struct marks *k, const struct dnn_model *m, const char *model_path,
		     struct dnn_error *e)
{
	int cls = m->task == DNN_TASK_CLASSIFICATION;
	const char *opt = NULL;

	if (k->min_acc >= 0.0 && !cls)
		opt = "min-accuracy";
	else if (k->max_mse >= 0.0 && cls)
		opt = "max-mse";
	else if (k->min_r2 > -HUGE_VAL && cls)
		opt = "min-r2";
	if (!opt)
		return 0;
	return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
			     "option '--%s' needs a %s model; %s is a %s model", opt,
			     cls ? "regression" : "classification", model_path,
			     cls ? "classification" : "regression");
}

/* The marks against the figures: 1 (exit status 1) naming the first one
 * missed; a regression's marks hold for each target. */
static int marks_check(const struct marks *k, const struct tally *ty, const struct dnn_model *m,
		       struct dnn_error *e)
{
	if (m->task == DNN_TASK_CLASSIFICATION) {
		if (k->min_acc >= 0.0 && accuracy(ty, m->n_classes) < k->min_acc)
			return dnn_error_set(e, DNN_EX_FAIL, NULL, 0, 0,
					     "accuracy %.4f is below --min-accuracy %g",
					     accuracy(ty, m->n_classes), k->min_acc);
		return 0;
	}
	for (size_t c = 0, j = 0, n_out = net_n_out(m->net); c < m->n_cols && j < n_out; c++) {
		double mse, r2;

		if (m->col_role[c] != DNN_COL_TARGET)
			continue;
		mse = ty->sq[j] / ty->wsum;
		r2 = 1.0 - ratio(ty->sq[j], ty->m2[j]);
		j++;
		if (k->max_mse >= 0.0 && !(mse <= k->max_mse))
			return dnn_error_set(e, DNN_EX_FAIL, NULL, 0, 0,
					     "mse %.6g of target '%s' is above --max-mse %g", mse,
					     m->col_names[c], k->max_mse);
		if (k->min_r2 > -HUGE_VAL && !(r2 >= k->min_r2))
			return dnn_error_set(e, DNN_EX_FAIL, NULL, 0, 0,
					     "r2 %.4f of target '%s' is below --min-r2 %g", r2,
					     m->col_names[c], k->min_r2);
	}
	return 0;
}

/* The report page of ty (fg: a classification's figures) for model m to
 * af, committed; af is closed in every case. Errors: 74 on a write error,
 * afile_commit's. */
static int write_report(struct dnn_afile *af, const struct tally *ty, const struct dnn_model *m,
			const struct figures *fg, const char *title, struct dnn_error *e)
{
	char note[96];
	int rc;

	if (m->task == DNN_TASK_CLASSIFICATION) {
		size_t k = m->n_classes;
		struct plot_report_class r = {
		    title, k, m->class_names, ty->confusion.matrix, ty->weight != NULL,
		    fg->n_curves, fg->c_name, fg->roc, fg->pr, fg->c_auc, fg->c_ap, NULL,
		    fg->bins, EVAL_BINS, fg->ece,
		    k == 2 ? "predicted probability of the second class"
			   : "predicted probability of the predicted class"};

		if (k == 2)
			snprintf(note, sizeof note, "positive class: the second, %.40s",
				 m->class_names[1]);
		else if (k > EVAL_MAX_CURVES)
			snprintf(note, sizeof note,
				 "%zu classes, more than %d: the micro-average alone", k,
				 EVAL_MAX_CURVES);
		else
			snprintf(note, sizeof note, "each class against the rest");
		r.curve_note = note;
		rc = plot_report_class_svg(af->f, &r);
	} else {
		size_t n_out = net_n_out(m->net), n_t = ty->kept.width / 2;
		const char *names[EVAL_MAX_TARGETS];
		double mse[EVAL_MAX_TARGETS], r2[EVAL_MAX_TARGETS];
		struct plot_report_reg r = {title, n_t, names, ty->kept.p, ty->kept.n, mse, r2, NULL};

		for (size_t c = 0, j = 0; c < m->n_cols && j < n_t; c++)
			if (m->col_role[c] == DNN_COL_TARGET)
				names[j++] = m->col_names[c];
		for (size_t j = 0; j < n_t; j++) {
			mse[j] = ty->sq[j] / ty->wsum;
			r2[j] = 1.0 - ratio(ty->sq[j], ty->m2[j]);
		}
		if (n_out > n_t) {
			snprintf(note, sizeof note, "the first %zu of %zu targets", n_t, n_out);
			r.note = note;
		}
		rc = plot_report_reg_svg(af->f, &r);
	}
	if (rc) {
		af->err = errno;
		afile_abort(af);
		return dnn_error_set(e, DNN_EX_IO, af->path, 0, 0, "write error: %s",
				     strerror(af->err ? af->err : EIO));
	}
	return afile_commit(af, e);
}

/* Evaluate model m (loaded from model_path) on data_path and report, and
 * with plot draw the report page there (opened before the rows are read;
 * "-": the page alone on standard output); 1 when a mark is missed. */
static int eval_model(struct dnn_model *m, const char *model_path, const char *data_path,
		      struct dnn_csv_opts *csv, int unknown_ignore, size_t batch, int json,
		      const struct marks *k, float threshold, const char *plot,
		      struct dnn_error *e)
{
	struct tally ty = {0};
	struct figures fg = {0};
	struct dnn_afile af = {0};
	int cls = m->task == DNN_TASK_CLASSIFICATION, rc = -1;

	ty.threshold = threshold;
	/* The rows are kept for the curves of --json (up to
	 * EVAL_JSON_MAX_CLASSES classes) and for --plot; the tables alone
	 * stream. */
	ty.keep = plot || (cls && json && m->n_classes <= EVAL_JSON_MAX_CLASSES);
	ty.kept.width = cls ? m->n_classes
			    : 2 * (net_n_out(m->net) < EVAL_MAX_TARGETS ? net_n_out(m->net)
									 : EVAL_MAX_TARGETS);
	if (marks_fit(k, m, model_path, e) || cli_threshold_fits(threshold, m, model_path, e))
		goto out;
	if (plot && afile_open(&af, plot, 0, e))
		goto out;
	if (eval_rows(m, data_path, csv, unknown_ignore, batch, &ty, e))
		goto out;
	if (cls && ty.keep && class_figures(&ty.kept, m, plot != NULL, &fg, e))
		goto out;
	if (plot && write_report(&af, &ty, m, &fg, model_path, e))
		goto out;
	if (plot && strcmp(plot, "-") == 0)
		/* the page alone */;
	else if (json)
		print_json(&ty, m, &fg);
	else
		print_text(&ty, m);
	if (marks_check(k, &ty, m, e))
		goto out;
	rc = 0;
out:
	afile_abort(&af);
	figures_free(&fg);
	tally_free(&ty);
	return rc;
}

int eval_summarize(struct dnn_model *m, const char *data_path, struct eval_summary *s,
		   struct dnn_error *e)
{
	struct dnn_csv_opts csv = {.delimiter = '\0', .header = -1};
	struct tally ty = {0};
	size_t n_out = net_n_out(m->net);

	memset(s, 0, sizeof *s);
	ty.threshold = (float)NAN;
	model_csv_defaults(m, &csv);
	if (eval_rows(m, data_path, &csv, 0, 256, &ty, e)) {
		tally_free(&ty);
		return -1;
	}
	s->rows = ty.n;
	s->weighted = ty.weight != NULL;
	s->loss = ty.loss / ty.wsum;
	s->accuracy = s->macro_f1 = (double)NAN;
	if (m->task == DNN_TASK_CLASSIFICATION) {
		double sum = 0.0, n = 0.0;

		s->accuracy = accuracy(&ty, m->n_classes);
		for (size_t c = 0; c < m->n_classes; c++) {
			double p, r, f, sup;

			class_stats(&ty, c, &p, &r, &f, &sup);
			if (!isnan(f)) {
				sum += f;
				n += 1.0;
			}
		}
		s->macro_f1 = ratio(sum, n);
	} else {
		s->mse = util_malloc_array(n_out, 3 * sizeof *s->mse);
		if (!s->mse) {
			tally_free(&ty);
			return dnn_error_oom(e);
		}
		s->mae = s->mse + n_out;
		s->r2 = s->mae + n_out;
		s->n_targets = n_out;
		for (size_t j = 0; j < n_out; j++) {
			s->mse[j] = ty.sq[j] / ty.wsum;
			s->mae[j] = ty.abs_err[j] / ty.wsum;
			s->r2[j] = 1.0 - ratio(ty.sq[j], ty.m2[j]);
		}
	}
	tally_free(&ty);
	return 0;
}

void eval_summary_free(struct eval_summary *s)
{
	free(s->mse);
	memset(s, 0, sizeof *s);
}

int cmd_eval(int argc, char **argv, struct dnn_error *e)
{
	/* Unset: the format the model was trained on (model_csv_defaults). */
	struct dnn_csv_opts csv = {.delimiter = '\0', .header = -1};
	struct dnn_model m = {0};
	unsigned long batch = 256;
	struct marks k = {-1.0, -1.0, -HUGE_VAL};
	double threshold = (double)NAN;
	int json = 0, unknown_ignore = 0, precision = 0, rc;
	const char *model_path, *data_path, *plot = NULL;
	const struct dnn_opt rows[] = {
		OPT_FLAG(0, "json", &json, "one JSON object instead of tables"),
		OPT_FILENAME(0, "plot", &plot, "FILE", OPTC_FILE,
			     "also draw a report page as SVG ('-': on standard\n"
			     "output, instead of the tables)"),
		OPT_DOUBLE(0, "min-accuracy", &k.min_acc, "X", 0.0, 1.0,
			   "exit with status 1 when the accuracy is below X\n"
			   "(classification)"),
		OPT_DOUBLE(0, "threshold", &threshold, "T", 0.0, 1.0,
			   "a binary model predicts its second class when\n"
			   "that class's probability is at least T (default:\n"
			   "the likelier class)"),
		OPT_DOUBLE(0, "max-mse", &k.max_mse, "X", 0.0, 1e300,
			   "exit with status 1 when a target's MSE is above X\n"
			   "(regression)"),
		OPT_DOUBLE(0, "min-r2", &k.min_r2, "X", -1e300, 1.0,
			   "exit with status 1 when a target's R^2 is below X\n"
			   "(regression)"),
		OPT__BATCH(&batch),
		OPT_SET_INT(0, "header", &csv.header, 1,
			    "DATA has a header row (the default, unless the\n"
			    "model was trained on data without one)"),
		OPT__PRECISION(&precision),
		OPT__NO_HEADER(&csv, "DATA has no header row: its columns are those of\n"
				     "the training file, in order"),
		OPT__DELIMITER(&csv, "field separator of DATA (default: the training\n"
				     "data's, else ','; 'tab')"),
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
	const struct dnn_afile_name out[] = {{plot, "--plot"}};
	const struct dnn_afile_name in[] = {{model_path, "MODEL"}, {data_path, "DATA"}};

	if (afile_check_inputs(out, 1, in, 2, e))
		return -1;
	mat_set_precision(precision ? precision - 1 : MAT_PREC_FP32);
	/* The gemm on DNN_THREADS threads, else one per CPU. */
	if (env_set_threads(0, e))
		return -1;
	if (ckpt_load(&m, model_path, e))
		return -1;
	model_csv_defaults(&m, &csv);
	rc = eval_model(&m, model_path, data_path, &csv, unknown_ignore, batch, json, &k,
			(float)threshold, plot, e);
	model_free(&m);
	return rc;
}
