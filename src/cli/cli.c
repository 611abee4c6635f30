/* Helpers shared by the commands: option values, usage errors, CSV and JSON
 * output, names shown in tables. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "hparams.h"
#include "model.h"
#include "util.h"

int cli_ulong(const char *opt, const char *arg, unsigned long min, unsigned long max,
	      unsigned long *out, struct dnn_error *e)
{
	uint64_t v;

	if (util_parse_u64(arg, &v) || v < min || v > max)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '%s' needs a whole number from %lu to %lu, not '%s'",
				     opt, min, max, arg);
	*out = (unsigned long)v;
	return 0;
}

int cli_double(const char *opt, const char *arg, double min, int min_open, double max, double *out,
	       struct dnn_error *e)
{
	char iv[64];
	double v;

	if (util_parse_double(arg, &v) || v > max || v < min || (min_open && v == min))
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '%s' needs a number in %s, not '%s'", opt,
				     util_interval(iv, sizeof iv, min, min_open, max, 0), arg);
	*out = v;
	return 0;
}

int cli_delimiter(const char *arg, char *out, struct dnn_error *e)
{
	if (strcmp(arg, "tab") == 0 || strcmp(arg, "\\t") == 0)
		*out = '\t';
	else if (strlen(arg) == 1 && arg[0] != '"' && arg[0] != '\n' && arg[0] != '\r')
		*out = arg[0];
	else
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--delimiter' needs one character (or 'tab'), not "
				     "'%s'",
				     arg);
	return 0;
}

int cli_unknown(const char *arg, int *ignore, struct dnn_error *e)
{
	if (strcmp(arg, "ignore") == 0 || strcmp(arg, "error") == 0) {
		*ignore = arg[0] == 'i';
		return 0;
	}
	return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
			     "option '--unknown' takes 'error' or 'ignore', not '%s'", arg);
}

int cli_one_stdin(const char *what_a, const char *a, const char *what_b, const char *b,
		  struct dnn_error *e)
{
	if (strcmp(a, "-") == 0 && strcmp(b, "-") == 0)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "%s and %s cannot both be standard input", what_a, what_b);
	return 0;
}

int cli_stdout_error(int err, struct dnn_error *e)
{
	if (err == EPIPE)
		return dnn_error_set(e, CLI_EX_PIPE, NULL, 0, 0, "standard output closed");
	return dnn_error_set(e, DNN_EX_IO, NULL, 0, 0, "write error on standard output: %s",
			     strerror(err ? err : EIO));
}

int cli_operands(const char *expected, struct dnn_error *e)
{
	return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0, "expected %s", expected);
}

int cli_input_operands(int argc, char **argv, const char *what, const char *given,
		       const char *given_what, const char *opt, const char **first,
		       const char **data, struct dnn_error *e)
{
	int want = given ? 1 : 2;

	if (argc - optind != want && given)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0, "expected DATA (with %s)", opt);
	if (argc - optind != want)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0, "expected %s and DATA", what);
	*first = given ? given : argv[optind];
	*data = argv[optind + want - 1];
	return cli_one_stdin(given ? given_what : what, *first, "DATA", *data, e);
}

void cli_write_field(FILE *f, const char *s, char delim)
{
	if (!strchr(s, delim) && !strpbrk(s, "\"\r\n")) {
		fputs(s, f);
		return;
	}
	putc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			putc('"', f);
		putc(*s, f);
	}
	putc('"', f);
}

/* The escape of byte ch in a shown name ("" when it is shown as it is). */
static const char *shown_escape(unsigned char ch, char buf[8])
{
	if (ch == '\n' || ch == '\r' || ch == '\t') {
		buf[0] = '\\';
		buf[1] = ch == '\n' ? 'n' : ch == '\r' ? 'r' : 't';
		buf[2] = '\0';
	} else if (ch < 0x20 || ch == 0x7f) {
		snprintf(buf, 8, "\\x%02x", ch);
	} else {
		buf[0] = '\0';
	}
	return buf;
}

size_t cli_shown_len(const char *s)
{
	char buf[8];
	size_t n = 0;

	for (; *s; s++) {
		size_t k = strlen(shown_escape((unsigned char)*s, buf));

		n += k ? k : 1;
	}
	return n;
}

void cli_write_shown(FILE *f, const char *s, int width)
{
	size_t len = cli_shown_len(s), pad = 0;
	char buf[8];

	if (width < 0 && (size_t) - (long)width > len)
		pad = (size_t) - (long)width - len;
	for (; pad > 0; pad--)
		putc(' ', f);
	for (; *s; s++) {
		if (*shown_escape((unsigned char)*s, buf))
			fputs(buf, f);
		else
			putc(*s, f);
	}
	if (width > 0 && (size_t)width > len)
		for (pad = (size_t)width - len; pad > 0; pad--)
			putc(' ', f);
}

void cli_write_json_string(FILE *f, const char *s)
{
	putc('"', f);
	cli_write_json_chars(f, s);
	putc('"', f);
}

void cli_write_json_chars(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch == '\t')
			fputs("\\t", f);
		else if (ch == '\r')
			fputs("\\r", f);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			putc(ch, f);
	}
}

void cli_write_json_number(FILE *f, double x)
{
	char buf[FMT_DOUBLE_MAX];

	if (!isfinite(x)) {
		fputs("null", f);
		return;
	}
	fmt_double(buf, x);
	fputs(buf, f);
}

void dnn_error_print(const struct dnn_error *e, FILE *f)
{
	char buf[2048];

	/* One line, whatever the message holds: control bytes come escaped. */
	dnn_error_format(e, buf, sizeof buf);
	fprintf(f, "dnn: %s\n", buf);
}

int cli_seed(const char *arg, uint64_t *out, struct dnn_error *e)
{
	double v;

	if (hparam_parse_arg(hparam_find("seed"), arg, &v, e))
		return -1;
	*out = (uint64_t)v;
	return 0;
}

int cli_threshold_fits(float t, const struct dnn_model *m, const char *path, struct dnn_error *e)
{
	if (t != t || (m->task == DNN_TASK_CLASSIFICATION && m->n_classes == 2))
		return 0;
	if (m->task != DNN_TASK_CLASSIFICATION)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--threshold' needs a classifier of two classes; %s "
				     "is a regression model",
				     path);
	return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
			     "option '--threshold' needs a classifier of two classes; %s has %zu",
			     path, m->n_classes);
}
