/* dnn export: a checkpoint as something that runs without dnn: a C99
 * header, or an ONNX model. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "afile.h"
#include "ckpt.h"
#include "cli.h"
#include "cmds.h"
#include "export_c.h"
#include "export_onnx.h"
#include "opts.h"
#include "prepare.h"
#include "quant.h"

static const char export_usage[] =
    "Usage: dnn export [OPTIONS] -o FILE MODEL\n"
    "Write the checkpoint MODEL ('-' for standard input) as something that\n"
    "needs no dnn: with --format c, one C99 header holding the weights,\n"
    "NAME_predict() on raw input values in the model's column order\n"
    "(normalization inside), golden test vectors and NAME_selftest(). With\n"
    "--quantize int8 the dense rows hold int8 weights; --check DATA prints\n"
    "the accuracy (or R^2) of the int8 and the float model on DATA and the\n"
    "weights' sizes. With --format onnx, an ONNX model (opset 13, or 17 with\n"
    "layer normalization) of the same inputs and outputs.\n"
    "\n"
    "Options:\n";

/* The prefix made from output path: its file name up to the first '.',
 * every other byte than a letter, digit or '_' as '_', '_' before a digit;
 * "model" for standard output. */
static void prefix_of(const char *path, char *buf, size_t size)
{
	const char *s = strrchr(path, '/');
	size_t n = 0;

	s = s ? s + 1 : path;
	if (!strcmp(path, "-") || !*s || *s == '.') {
		snprintf(buf, size, "model");
		return;
	}
	if (*s >= '0' && *s <= '9')
		buf[n++] = '_';
	for (; *s && *s != '.' && n + 1 < size && n < 64; s++) {
		char c = *s;
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

		buf[n++] = ok ? c : '_';
	}
	buf[n] = '\0';
}

/* Export m as o says to the file out, written whole or not at all. */
static int write_c(struct dnn_model *m, const struct dnn_export_c *o, const char *out,
		   struct dnn_error *e)
{
	char *text;
	size_t len;
	int rc;

	if (export_c_write(m, o, &text, &len, e))
		return -1;
	rc = afile_write(out, text, len, e);
	free(text);
	return rc;
}

/* m as an ONNX model to the file out, written whole or not at all. */
static int write_onnx(const struct dnn_model *m, const char *source, const char *out,
		      struct dnn_error *e)
{
	const struct dnn_export_onnx o = {PACKAGE_VERSION, source};
	unsigned char *bytes;
	size_t len;
	int rc;

	if (export_onnx_write(m, &o, &bytes, &len, e))
		return -1;
	rc = afile_write(out, bytes, len, e);
	free(bytes);
	return rc;
}

/* --check: the figures of the float and the int8 network on the rows of
 * data, and the weights' bytes, on f. */
static int report_check(const char *model, const char *data, const struct dnn_csv_opts *csv,
			const struct dnn_quant *qn, FILE *f, struct dnn_error *e)
{
	struct dnn_prepared p = {0};
	double ff, fq;
	size_t bf, bq;

	if (prepare_model(&p, model, data, csv, e) || quant_check(&p, qn, &ff, &fq, e)) {
		prepare_free(&p);
		return -1;
	}
	quant_sizes(qn, p.model.net, &bf, &bq);
	fprintf(f, "check: %s, %zu rows\n", strcmp(data, "-") ? data : "<stdin>", p.n);
	fprintf(f, "        %-9s  weights (bytes)\n", p.classification ? "accuracy" : "r2");
	fprintf(f, "float   %-9.4f  %zu\n", ff, bf);
	fprintf(f, "int8    %-9.4f  %zu (%.1f%% of float; scales included)\n", fq, bq,
		bf ? 100.0 * (double)bq / (double)bf : 0.0);
	fprintf(f, "change  %+.4f\n", fq - ff);
	prepare_free(&p);
	return 0;
}

/* The options' values, and MODEL: 0, or -1 with a usage error (64). */
static int check_options(const char *format, const char *out, const char *quantize,
			 const char *check, const char *prefix, const char *model,
			 struct dnn_error *e)
{
	int onnx = !strcmp(format, "onnx");

	if (strcmp(format, "c") && !onnx)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "unknown format '%s' for option '--format' (expected 'c' "
				     "or 'onnx')",
				     format);
	if (!out)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0, "option '-o' is required");
	if (onnx && quantize)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--quantize' needs '--format c' (an ONNX model "
				     "holds float weights)");
	if (onnx && prefix)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--prefix' needs '--format c' (an ONNX model has "
				     "no C names)");
	if (quantize && strcmp(quantize, "int8"))
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "unknown kind '%s' for option '--quantize' (expected 'int8')",
				     quantize);
	if (check && !quantize)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--check' needs '--quantize int8'");
	if (check && cli_one_stdin("MODEL", model, "--check", check, e))
		return -1;
	if (prefix && !export_c_prefix_ok(prefix))
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--prefix': '%s' is not a C identifier of at most "
				     "64 bytes", prefix);
	return 0;
}

int cmd_export(int argc, char **argv, struct dnn_error *e)
{
	const char *format = "c", *out = NULL, *prefix = NULL, *quantize = NULL, *check = NULL;
	struct dnn_csv_opts csv = {',', 1, 0};
	struct dnn_quant qn = {0};
	char made[80];
	struct dnn_model m = {0};
	int rc;
	const struct dnn_opt rows[] = {
		OPT_CHOICE(0, "format", &format, "FMT", "c onnx",
			   "what to write: 'c' (a C99 header, the default) or\n"
			   "'onnx' (an ONNX model)"),
		OPT_FILENAME('o', "output", &out, "FILE", OPTC_FILE,
			     "the file to write ('-' for standard output); required"),
		OPT_STRING(0, "prefix", &prefix, "NAME",
			   "the C names' prefix (default: FILE's name up to its\n"
			   "first '.', other bytes than letters and digits as '_')"),
		OPT_CHOICE(0, "quantize", &quantize, "KIND", "int8",
			   "int8: per-output-channel int8 weights of the dense\n"
			   "rows, int32 sums, float between rows"),
		OPT_FILENAME(0, "check", &check, "DATA", OPTC_DATA,
			     "with --quantize: print the accuracy (or R^2) of the\n"
			     "quantized and the float model on DATA, and the sizes"),
		OPT__CSV(&csv),
		OPT__HELP(),
		OPT_END(),
	};

	rc = opts_parse(export_usage, rows, argc, argv, e);
	if (rc)
		return rc > 0 ? 0 : -1;
	if (argc - optind != 1)
		return cli_operands("MODEL", e);
	if (check_options(format, out, quantize, check, prefix, argv[optind], e))
		return -1;
	if (!prefix) {
		prefix_of(out, made, sizeof made);
		prefix = made;
	}

	const struct dnn_afile_name o_name[] = {{out, "-o"}};
	const struct dnn_afile_name i_name[] = {{argv[optind], "MODEL"}, {check, "--check"}};

	if (afile_check_inputs(o_name, 1, i_name, 2, e) || afile_probe(out, e))
		return -1;
	if (ckpt_load(&m, argv[optind], e))
		return -1;
	if (!strcmp(format, "onnx")) {
		rc = write_onnx(&m, strcmp(argv[optind], "-") ? argv[optind] : NULL, out, e);
		model_free(&m);
		return rc;
	}
	struct dnn_export_c o = {prefix, strcmp(argv[optind], "-") ? argv[optind] : NULL, NULL};

	rc = -1;
	if (quantize && quant_int8(&qn, m.net, e))
		goto out;
	o.quant = quantize ? &qn : NULL;
	if (write_c(&m, &o, out, e))
		goto out;
	/* The report goes to standard error when the header went to standard
	 * output. */
	if (check && report_check(argv[optind], check, &csv, &qn, strcmp(out, "-") ? stdout : stderr,
				  e))
		goto out;
	rc = 0;
out:
	quant_free(&qn);
	model_free(&m);
	return rc;
}
