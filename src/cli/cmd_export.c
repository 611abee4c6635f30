/* dnn export: a checkpoint as code that runs without dnn (a C99 header). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "afile.h"
#include "ckpt.h"
#include "cli.h"
#include "cmds.h"
#include "export_c.h"
#include "opts.h"

static const char export_usage[] =
    "Usage: dnn export [OPTIONS] -o FILE MODEL\n"
    "Write the checkpoint MODEL ('-' for standard input) as code that needs no\n"
    "dnn: with --format c, one C99 header holding the weights, NAME_predict()\n"
    "on raw input values in the model's column order (normalization inside),\n"
    "golden test vectors and NAME_selftest().\n"
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

int cmd_export(int argc, char **argv, struct dnn_error *e)
{
	const char *format = "c", *out = NULL, *prefix = NULL;
	char made[80];
	struct dnn_model m = {0};
	int rc;
	const struct dnn_opt rows[] = {
		OPT_CHOICE(0, "format", &format, "FMT", "c", "what to write: 'c' (the default)"),
		OPT_FILENAME('o', "output", &out, "FILE", OPTC_FILE,
			     "the file to write ('-' for standard output); required"),
		OPT_STRING(0, "prefix", &prefix, "NAME",
			   "the C names' prefix (default: FILE's name up to its\n"
			   "first '.', other bytes than letters and digits as '_')"),
		OPT__HELP(),
		OPT_END(),
	};

	rc = opts_parse(export_usage, rows, argc, argv, e);
	if (rc)
		return rc > 0 ? 0 : -1;
	if (argc - optind != 1)
		return cli_operands("MODEL", e);
	if (strcmp(format, "c"))
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "unknown format '%s' for option '--format' (expected 'c')",
				     format);
	if (!out)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0, "option '-o' is required");
	if (prefix && !export_c_prefix_ok(prefix))
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--prefix': '%s' is not a C identifier of at most "
				     "64 bytes", prefix);
	if (!prefix) {
		prefix_of(out, made, sizeof made);
		prefix = made;
	}

	const struct dnn_afile_name o_name[] = {{out, "-o"}};
	const struct dnn_afile_name i_name[] = {{argv[optind], "MODEL"}};

	if (afile_check_inputs(o_name, 1, i_name, 1, e) || afile_probe(out, e))
		return -1;
	if (ckpt_load(&m, argv[optind], e))
		return -1;
	struct dnn_export_c o = {prefix, strcmp(argv[optind], "-") ? argv[optind] : NULL};

	rc = write_c(&m, &o, out, e);
	model_free(&m);
	return rc;
}
