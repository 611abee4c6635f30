/* dnn info: what a checkpoint holds, for people (tables) or programs (JSON). */
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytes.h"
#include "ckpt.h"
#include "cli.h"
#include "cmds.h"
#include "data.h"
#include "env.h"
#include "eval_summary.h"
#include "history.h"
#include "loss.h"
#include "net.h"
#include "opts.h"

static const char info_usage[] =
    "Usage: dnn info [OPTIONS] MODEL\n"
    "Describe the checkpoint MODEL ('-' for standard input): its file (format\n"
    "version, size, CRC-32), the layers and their parameters, the input columns\n"
    "and their normalization, the target, the classes, and the training history.\n"
    "\n"
    "Options:\n";

/* The time of writing as "YYYY-MM-DDTHH:MM:SSZ", or "" when unknown. */
static void iso_time(uint64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	buf[0] = '\0';
	if (t == 0 || (uint64_t)tt != t || !gmtime_r(&tt, &tm))
		return;
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Whether the inputs are standardized: any mean but 0 or scale but 1. */
static int standardized(const struct dnn_norm *nm)
{
	for (size_t j = 0; j < nm->n; j++)
		if (nm->mean[j] != 0.0f || nm->scale[j] != 1.0f)
			return 1;
	return 0;
}

/* The columns of role, comma-separated, on f. Here and in every line of
 * the text, names are shown with their control characters escaped
 * (cli_write_shown), so that each item stays on its line. */
static size_t list_columns(FILE *f, const struct dnn_model *m, int role)
{
	size_t n = 0;

	for (size_t c = 0; c < m->n_cols; c++) {
		if (m->col_role[c] != role)
			continue;
		if (n)
			fputs(", ", f);
		cli_write_shown(f, m->col_names[c], 0);
		n++;
	}
	return n;
}

/* n names, comma-separated, on standard output. */
static void list_names(char *const *names, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (k)
			fputs(", ", stdout);
		cli_write_shown(stdout, names[k], 0);
	}
}

/* The inputs, categories, targets, classes, ignored columns and the
 * handling of missing inputs, a line each. */
static void text_columns(const struct dnn_model *m)
{
	const struct dnn_net *net = m->net;
	size_t n;

	printf("inputs       %zu network input%s, %s: ", net->n_in, net->n_in == 1 ? "" : "s",
	       standardized(&m->in_norm) ? "standardized" : "not normalized");
	list_columns(stdout, m, DNN_COL_INPUT);
	putchar('\n');
	for (size_t k = 0; k < m->n_cats; k++) {
		const struct dnn_catcol *cc = &m->cats[k];

		fputs("categorical  ", stdout);
		cli_write_shown(stdout, m->col_names[cc->col], 0);
		printf(" (%zu inputs, one-hot): ", cc->n);
		list_names(cc->names, cc->n);
		putchar('\n');
	}
	printf("target%s      ",
	       m->task == DNN_TASK_CLASSIFICATION || net_n_out(net) == 1 ? " " : "s");
	list_columns(stdout, m, DNN_COL_TARGET);
	if (m->task == DNN_TASK_REGRESSION && standardized(&m->out_norm))
		fputs(" (standardized; predictions in its own units)", stdout);
	putchar('\n');
	if (m->n_classes) {
		printf("classes      %zu: ", m->n_classes);
		list_names(m->class_names, m->n_classes);
		putchar('\n');
	}
	n = 0;
	for (size_t c = 0; c < m->n_cols; c++)
		n += m->col_role[c] == DNN_COL_IGNORED;
	if (n) {
		fputs("ignored      ", stdout);
		list_columns(stdout, m, DNN_COL_IGNORED);
		putchar('\n');
	}
	printf("missing      %s\n",
	       m->fill ? "filled with the training means" : "an error (no fill values)");
	/* The training data's format, when not the default, as predict and
	 * eval take it. */
	if (m->csv_no_header || m->csv_delimiter) {
		char d = m->csv_delimiter ? m->csv_delimiter : ',';

		printf("data format  %s, delimiter ",
		       m->csv_no_header ? "no header row" : "a header row");
		if (d == '\t')
			fputs("tab\n", stdout);
		else
			printf("'%c'\n", d);
	}
}

/* The history line: epochs, loss from first to last, the best epochs and
 * the final accuracies. */
static void text_history(const struct dnn_history *h)
{
	printf("\nhistory      %zu epoch%s", h->n, h->n == 1 ? "" : "s");
	if (h->n) {
		const struct dnn_epoch *last = &h->epochs[h->n - 1];
		size_t b = history_best(h, offsetof(struct dnn_epoch, loss));

		printf("; loss %.4g -> %.4g", h->epochs[0].loss, last->loss);
		if (b)
			printf(" (best %.4g, epoch %zu)", h->epochs[b - 1].loss, b);
		if (isfinite(last->val_loss)) {
			b = history_best(h, offsetof(struct dnn_epoch, val_loss));
			printf("; val_loss %.4g (best %.4g, epoch %zu)", last->val_loss,
			       h->epochs[b - 1].val_loss, b);
		}
		if (isfinite(last->accuracy))
			printf("; acc %.4f", last->accuracy);
		if (isfinite(last->val_accuracy))
			printf("; val_acc %.4f", last->val_accuracy);
	}
	putchar('\n');
}

/* v with the fewest digits that read back as v. */
static const char *shortest(double v, char *buf, size_t size)
{
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return buf;
}

/* What the layer table shows of row ly: a dense row's activation, another
 * row's kind and fields ("dropout 0.2"), and its activation unless linear
 * ("batch_norm 0.1 1e-05, relu"). */
static void row_label(const struct dnn_layer *ly, char *buf, size_t size)
{
	size_t len;

	if (ly->kind->id == DNN_LAYER_DENSE) {
		snprintf(buf, size, "%s", ly->act->name);
		return;
	}
	snprintf(buf, size, "%s", ly->kind->name);
	for (size_t f = 0; f < ly->kind->n_fields; f++) {
		len = strlen(buf);
		snprintf(buf + len, size - len, " %g", ly->field[f]);
	}
	/* A normalization row carries its spec layer's activation. */
	len = strlen(buf);
	if (ly->act->id != DNN_ACT_LINEAR)
		snprintf(buf + len, size - len, ", %s", ly->act->name);
}

static void print_text(const struct dnn_model *m, const char *name)
{
	const struct dnn_net *net = m->net;
	char when[64];
	size_t total = 0;

	printf("checkpoint   %s: format %u, %zu bytes, CRC-32 %08x (verified)\n", name,
	       (unsigned)m->format_version, m->file_size, (unsigned)m->crc);
	if (m->writer) {
		iso_time(m->written, when, sizeof when);
		fputs("written by   ", stdout);
		cli_write_shown(stdout, m->writer, 0);
		printf("%s%s\n", *when ? " on " : "", when);
	}
	printf("task         %s, loss %s\n",
	       m->task == DNN_TASK_CLASSIFICATION ? "classification" : "regression",
	       loss_name(net->loss));
	printf("\nlayer  inputs   units  activation  parameters\n");
	for (size_t l = 0; l < net->n_layers; l++) {
		const struct dnn_layer *ly = &net->layers[l];
		size_t p = layer_n_params(ly);
		char what[64];

		/* A dense row is its layer; the rows after it, the kind and its
		 * fields. */
		row_label(ly, what, sizeof what);
		if (ly->kind->id == DNN_LAYER_DENSE)
			printf("%5zu  %6zu  %6zu  %-10s  %10zu\n", ly->spec_layer + 1, ly->n_in,
			       ly->n_out, what, p);
		else
			printf("%5s  %6zu  %6zu  %-10s  %10zu\n", "", ly->n_in, ly->n_out, what, p);
		total += p;
	}
	printf("total%40zu\n\n", total);

	text_columns(m);
	text_history(&m->history);
	fputs("spec         ", stdout);
	cli_write_shown(stdout, m->spec_json, 0);
	putchar('\n');
}

/* "a=b" as a JSON string, whatever the lengths of a and b. */
static void json_pair(FILE *f, const char *a, const char *b)
{
	putc('"', f);
	cli_write_json_chars(f, a);
	putc('=', f);
	cli_write_json_chars(f, b);
	putc('"', f);
}

/* The name of network input j: its column, or column=category. */
static void input_name(FILE *f, const struct dnn_model *m, size_t j)
{
	for (size_t c = 0, k = 0; c < m->n_cols; c++) {
		size_t first = data_input_of(m->col_role, c, m->cats, m->n_cats);

		if (m->col_role[c] == DNN_COL_CATEGORICAL) {
			const struct dnn_catcol *cc = &m->cats[k++];

			if (j >= first && j < first + cc->n) {
				json_pair(f, m->col_names[c], cc->names[j - first]);
				return;
			}
		} else if (m->col_role[c] == DNN_COL_INPUT && first == j) {
			cli_write_json_string(f, m->col_names[c]);
			return;
		}
	}
	fputs("null", f);
}

static void json_columns(const struct dnn_model *m, int role)
{
	int first = 1;

	putchar('[');
	for (size_t c = 0; c < m->n_cols; c++) {
		if (m->col_role[c] != role)
			continue;
		if (!first)
			putchar(',');
		cli_write_json_string(stdout, m->col_names[c]);
		first = 0;
	}
	putchar(']');
}

/* A JSON string, or null for NULL. */
static void json_string_or_null(const char *str)
{
	if (str)
		cli_write_json_string(stdout, str);
	else
		fputs("null", stdout);
}

/* "file" to "layers" and "parameters": the file and the network. */
static void json_file_and_net(const struct dnn_model *m, const char *name)
{
	const struct dnn_net *net = m->net;
	char when[64];
	size_t total = 0;

	fputs("{\"file\":", stdout);
	cli_write_json_string(stdout, name);
	printf(",\"format_version\":%u,\"size\":%zu,\"crc32\":\"%08x\",\"crc_ok\":true",
	       (unsigned)m->format_version, m->file_size, (unsigned)m->crc);
	fputs(",\"writer\":", stdout);
	json_string_or_null(m->writer);
	iso_time(m->writer ? m->written : 0, when, sizeof when);
	fputs(",\"written\":", stdout);
	json_string_or_null(*when ? when : NULL);
	printf(",\"task\":\"%s\",\"loss\":\"%s\",\"layers\":[",
	       m->task == DNN_TASK_CLASSIFICATION ? "classification" : "regression",
	       loss_name(net->loss));
	for (size_t l = 0; l < net->n_layers; l++) {
		const struct dnn_layer *ly = &net->layers[l];
		size_t p = layer_n_params(ly);
		char num[40];

		fputs(l ? ",{" : "{", stdout);
		/* Rows of other kinds than dense name it, and their fields. */
		if (ly->kind->id != DNN_LAYER_DENSE) {
			printf("\"kind\":\"%s\",", ly->kind->name);
			for (size_t f = 0; f < ly->kind->n_fields; f++)
				printf("\"%s\":%s,", ly->kind->field_names[f],
				       shortest(ly->field[f], num, sizeof num));
		}
		printf("\"inputs\":%zu,\"units\":%zu,\"activation\":\"%s\",\"parameters\":%zu}",
		       ly->n_in, ly->n_out, ly->act->name, p);
		total += p;
	}
	printf("],\"parameters\":%zu", total);
}

/* "inputs" to "ignored": the columns, their transforms and the classes. */
static void json_columns_and_classes(const struct dnn_model *m)
{
	fputs(",\"inputs\":[", stdout);
	for (size_t j = 0; j < m->net->n_in; j++) {
		fputs(j ? ",{\"name\":" : "{\"name\":", stdout);
		input_name(stdout, m, j);
		fputs(",\"mean\":", stdout);
		cli_write_json_number(stdout, (double)m->in_norm.mean[j]);
		fputs(",\"scale\":", stdout);
		cli_write_json_number(stdout, (double)m->in_norm.scale[j]);
		fputs(",\"fill\":", stdout);
		cli_write_json_number(stdout, m->fill ? (double)m->fill[j] : (double)NAN);
		putchar('}');
	}
	fputs("],\"categorical\":[", stdout);
	for (size_t k = 0; k < m->n_cats; k++) {
		fputs(k ? ",{\"name\":" : "{\"name\":", stdout);
		cli_write_json_string(stdout, m->col_names[m->cats[k].col]);
		fputs(",\"categories\":[", stdout);
		for (size_t q = 0; q < m->cats[k].n; q++) {
			if (q)
				putchar(',');
			cli_write_json_string(stdout, m->cats[k].names[q]);
		}
		fputs("]}", stdout);
	}
	fputs("],\"targets\":", stdout);
	json_columns(m, DNN_COL_TARGET);
	fputs(",\"target_norm\":[", stdout);
	for (size_t j = 0; j < m->out_norm.n; j++) {
		printf("%s{\"mean\":", j ? "," : "");
		cli_write_json_number(stdout, (double)m->out_norm.mean[j]);
		fputs(",\"scale\":", stdout);
		cli_write_json_number(stdout, (double)m->out_norm.scale[j]);
		putchar('}');
	}
	fputs("],\"classes\":[", stdout);
	for (size_t k = 0; k < m->n_classes; k++) {
		if (k)
			putchar(',');
		cli_write_json_string(stdout, m->class_names[k]);
	}
	fputs("],\"ignored\":", stdout);
	json_columns(m, DNN_COL_IGNORED);
}

/* The JSON text s without the blanks between its tokens: the canonical
 * spec of dnn as it is, one written by another program on one line. */
static void json_compact(const char *s)
{
	int in_string = 0;

	for (; *s; s++) {
		if (in_string) {
			putchar(*s);
			if (*s == '\\' && s[1])
				putchar(*++s);
			else if (*s == '"')
				in_string = 0;
		} else if (!strchr(" \t\r\n", *s)) {
			putchar(*s);
			in_string = *s == '"';
		}
	}
}

/* "data_format": the training data's format, as predict and eval take it. */
static void json_data_format(const struct dnn_model *m)
{
	char d[2] = {m->csv_delimiter ? m->csv_delimiter : ',', '\0'};

	printf(",\"data_format\":{\"header\":%s,\"delimiter\":",
	       m->csv_no_header ? "false" : "true");
	cli_write_json_string(stdout, d);
	putchar('}');
}

/* The model as one JSON object on one line (dnn-info(1), --json); the
 * history (history_json) made first, so that running out of memory prints
 * nothing. */
static int print_json(const struct dnn_model *m, const char *name, struct dnn_error *e)
{
	struct dnn_wbuf hist = {0};

	history_json(&hist, &m->history);
	if (hist.oom) {
		free(hist.p);
		return dnn_error_oom(e);
	}
	json_file_and_net(m, name);
	json_columns_and_classes(m);
	fputs(",\"history\":", stdout);
	fwrite(hist.p, 1, hist.n, stdout);
	free(hist.p);
	json_data_format(m);
	/* The spec is JSON (ckpt_load checks it): embedded, on one line. */
	fputs(",\"spec\":", stdout);
	json_compact(m->spec_json);
	fputs("}\n", stdout);
	return 0;
}

/* ---- --card: a model card in Markdown ---- */

/* s as Markdown text: the characters Markdown gives a meaning escaped with
 * a backslash, control bytes as \xNN (a table cell stays one cell). */
static void md_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02X", c);
		else if (strchr("\\`*_[]<>|#", c))
			fprintf(f, "\\%c", c);
		else
			fputc(c, f);
	}
}

/* The column names of role, in file order, as Markdown, comma separated. */
static void md_columns(FILE *f, const struct dnn_model *m, int role)
{
	int first = 1;

	for (size_t c = 0; c < m->n_cols; c++) {
		if (m->col_role[c] != role)
			continue;
		fputs(first ? "" : ", ", f);
		md_text(f, m->col_names[c]);
		first = 0;
	}
}

/* A figure to 4 decimals (fixed) or 4 significant digits, or a dash where
 * there is none. */
static void md_number(FILE *f, int fixed, double v)
{
	if (!isfinite(v))
		fputs("\u2013", f);
	else if (fixed)
		fprintf(f, "%.4f", v);
	else
		fprintf(f, "%.4g", v);
}

static void card_task_inputs(FILE *f, const struct dnn_model *m)
{
	int cls = m->task == DNN_TASK_CLASSIFICATION;

	fprintf(f, "\n## Task\n\n%s, loss `%s`; target: ", cls ? "Classification" : "Regression",
		loss_name(m->net->loss));
	md_columns(f, m, DNN_COL_TARGET);
	if (m->n_classes) {
		fprintf(f, "; %zu classes: ", m->n_classes);
		for (size_t k = 0; k < m->n_classes; k++) {
			fputs(k ? ", " : "", f);
			md_text(f, m->class_names[k]);
		}
	}
	fprintf(f, ".\n\n## Inputs\n\n%zu network inputs (%s) from the columns ", m->net->n_in,
		standardized(&m->in_norm) ? "standardized" : "not normalized");
	md_columns(f, m, DNN_COL_INPUT);
	fputs(".\n", f);
	for (size_t k = 0; k < m->n_cats; k++) {
		fputs("Categorical, one-hot: ", f);
		md_text(f, m->col_names[m->cats[k].col]);
		fprintf(f, " (%zu categories).\n", m->cats[k].n);
	}
	fprintf(f, "Missing inputs: %s.\n",
		m->fill ? "filled with the training means" : "an error");
}

static void card_network(FILE *f, const struct dnn_model *m)
{
	const struct dnn_net *net = m->net;
	size_t total = 0;

	fputs("\n## Network\n\n| layer | inputs | units | activation | parameters |\n"
	      "|---:|---:|---:|---|---:|\n", f);
	for (size_t l = 0; l < net->n_layers; l++) {
		const struct dnn_layer *ly = &net->layers[l];
		char what[64];

		row_label(ly, what, sizeof what);
		if (ly->kind->id == DNN_LAYER_DENSE)
			fprintf(f, "| %zu ", ly->spec_layer + 1);
		else
			fputs("| ", f);
		fprintf(f, "| %zu | %zu | %s | %zu |\n", ly->n_in, ly->n_out, what,
			layer_n_params(ly));
		total += layer_n_params(ly);
	}
	fprintf(f, "| total | | | | %zu |\n", total);
}

static void card_history(FILE *f, const struct dnn_history *h)
{
	const struct dnn_epoch *last = h->n ? &h->epochs[h->n - 1] : NULL;
	size_t b = history_best(h, offsetof(struct dnn_epoch, loss));
	size_t bv = history_best(h, offsetof(struct dnn_epoch, val_loss));

	fprintf(f, "\n## Training\n\n%zu epochs.\n", h->n);
	if (!last)
		return;
	fputs("\n| figure | first | final | best (epoch) |\n|---|---:|---:|---:|\n| loss | ", f);
	md_number(f, 0, h->epochs[0].loss);
	fputs(" | ", f);
	md_number(f, 0, last->loss);
	fputs(" | ", f);
	md_number(f, 0, b ? h->epochs[b - 1].loss : (double)NAN);
	if (b)
		fprintf(f, " (%zu)", b);
	fputs(" |\n", f);
	if (bv) {
		fputs("| validation loss | ", f);
		md_number(f, 0, h->epochs[0].val_loss);
		fputs(" | ", f);
		md_number(f, 0, last->val_loss);
		fprintf(f, " | %.4g (%zu) |\n", h->epochs[bv - 1].val_loss, bv);
	}
	if (isfinite(last->accuracy)) {
		fprintf(f, "| accuracy | %.4f | %.4f | |\n", h->epochs[0].accuracy, last->accuracy);
		if (isfinite(last->val_accuracy))
			fprintf(f, "| validation accuracy | %.4f | %.4f | |\n",
				h->epochs[0].val_accuracy, last->val_accuracy);
	}
}

static void card_heldout(FILE *f, const struct dnn_model *m, const char *data,
			 const struct eval_summary *s)
{
	fputs("\n## Held-out evaluation\n\nOn ", f);
	md_text(f, data);
	fprintf(f, ", %zu rows%s, as `dnn eval` measures them:\n\n", s->rows,
		s->weighted ? " (weighted by its weight column)" : "");
	if (m->task == DNN_TASK_CLASSIFICATION) {
		fprintf(f, "| loss | accuracy | macro F1 |\n|---:|---:|---:|\n| %.4g | %.4f | ",
			s->loss, s->accuracy);
		md_number(f, 1, s->macro_f1);
		fputs(" |\n", f);
		return;
	}
	fputs("| target | MSE | MAE | R\u00b2 |\n|---|---:|---:|---:|\n", f);
	for (size_t c = 0, j = 0; c < m->n_cols && j < s->n_targets; c++) {
		if (m->col_role[c] != DNN_COL_TARGET)
			continue;
		fputs("| ", f);
		md_text(f, m->col_names[c]);
		fprintf(f, " | %.6g | %.6g | %.4f |\n", s->mse[j], s->mae[j], s->r2[j]);
		j++;
	}
}

/* The card of m (from name), with held-out figures on data when not NULL,
 * built in memory and printed whole (an error prints nothing). */
static int print_card(struct dnn_model *m, const char *name, const char *data,
		      struct dnn_error *e)
{
	struct eval_summary s = {0};
	char *buf = NULL, when[64];
	size_t len = 0;
	FILE *f;

	if (data && eval_summarize(m, data, &s, e))
		return -1;
	if (!(f = open_memstream(&buf, &len))) {
		eval_summary_free(&s);
		return dnn_error_oom(e);
	}
	fputs("# Model card: ", f);
	md_text(f, name);
	fputs("\n\n", f);
	if (m->writer) {
		iso_time(m->written, when, sizeof when);
		fputs("Written by ", f);
		md_text(f, m->writer);
		fprintf(f, "%s%s; ", *when ? " on " : "", when);
	}
	fprintf(f, "checkpoint format %u, %zu bytes, CRC-32 `%08x`.\n",
		(unsigned)m->format_version, m->file_size, (unsigned)m->crc);
	card_task_inputs(f, m);
	card_network(f, m);
	card_history(f, &m->history);
	if (data)
		card_heldout(f, m, strcmp(data, "-") ? data : "<stdin>", &s);
	fprintf(f, "\n## Spec\n\n```json\n%s\n```\n", m->spec_json);
	eval_summary_free(&s);
	if (fclose(f) != 0) {
		free(buf);
		return dnn_error_oom(e);
	}
	fwrite(buf, 1, len, stdout);
	free(buf);
	return 0;
}

int cmd_info(int argc, char **argv, struct dnn_error *e)
{
	struct dnn_model m = {0};
	int json = 0, card = 0, rc;
	const char *name, *data = NULL;
	const struct dnn_opt rows[] = {
		OPT_FLAG(0, "json", &json, "one JSON object instead of text"),
		OPT_FLAG(0, "card", &card, "a model card in Markdown"),
		OPT_FILENAME(0, "data", &data, "DATA", OPTC_DATA,
			 "with --card: held-out figures on DATA, as dnn\n"
			 "eval measures them"),
		OPT__HELP(),
		OPT_END(),
	};

	rc = opts_parse(info_usage, rows, argc, argv, e);
	if (rc)
		return rc > 0 ? 0 : -1;
	if (argc - optind != 1)
		return cli_operands("MODEL", e);
	if (json && card)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "options '--json' and '--card' exclude each other");
	if (data && !card)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--data' needs '--card'");
	if (data && strcmp(argv[optind], "-") == 0 && strcmp(data, "-") == 0)
		return cli_one_stdin("MODEL", argv[optind], "DATA", data, e);
	if (ckpt_load(&m, argv[optind], e))
		return -1;
	name = strcmp(argv[optind], "-") ? argv[optind] : "<stdin>";
	rc = 0;
	if (card) {
		if (env_set_threads(0, e))
			rc = -1;
		else
			rc = print_card(&m, name, data, e);
	} else if (json) {
		rc = print_json(&m, name, e);
	} else {
		print_text(&m, name);
	}
	model_free(&m);
	return rc;
}
