/* The option-table parser over getopt_long, and --help and the completion
 * list generated from the same table. */
#include "opts.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "spec.h"

/* Options in one table at most. */
#define OPTS_MAX 64
/* The column where the help text of a row starts. */
#define HELP_COLUMN 29

static int takes_arg(const struct dnn_opt *r)
{
	return r->type == OPTION_STRING || r->type == OPTION_ULONG || r->type == OPTION_DOUBLE ||
	       r->type == OPTION_CALLBACK;
}

/* The row that getopt_long's return value c stands for, or NULL: a short
 * name, or 256 + the row's index for a long-only option. */
static const struct dnn_opt *find_row(const struct dnn_opt *rows, int c)
{
	if (c >= 256)
		return &rows[c - 256];
	for (const struct dnn_opt *r = rows; r->type != OPTION_END; r++)
		if (c && r->short_name == c && r->type != OPTION_NOTE)
			return r;
	return NULL;
}

/* The usage error for what getopt_long refused: a missing argument, an
 * argument given to an option that takes none, or an unknown option. */
static int bad_option(const struct dnn_opt *rows, char **argv, int missing, struct dnn_error *e)
{
	const char *word = argv[optind - 1];
	const struct dnn_opt *r = find_row(rows, optopt);

	if (missing) {
		if (optopt && strncmp(word, "--", 2) != 0)
			return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
					     "option '-%c' needs a value", optopt);
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0, "option '%s' needs a value",
				     word);
	}
	/* A known option refused: --flag=value. */
	if (r)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0, "option '--%s' takes no value",
				     r->long_name);
	if (optopt)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0, "unknown option '-%c'", optopt);
	return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0, "unknown option '%s'", word);
}

/* Store arg (NULL for a flag) where row r says: 0, 1 after the help, or -1. */
static int apply(const char *usage, const struct dnn_opt *rows, const struct dnn_opt *r,
		 const char *arg, struct dnn_error *e)
{
	char name[64];

	snprintf(name, sizeof name, "--%s", r->long_name);
	switch (r->type) {
	case OPTION_SET_INT:
		*(int *)r->value = r->defval;
		return 0;
	case OPTION_STRING:
		*(const char **)r->value = arg;
		return 0;
	case OPTION_ULONG:
		return cli_ulong(name, arg, (unsigned long)r->min, (unsigned long)r->max, r->value,
				 e);
	case OPTION_DOUBLE:
		return cli_double(name, arg, r->min, (r->flags & OPT_ABOVE_MIN) != 0, r->max,
				  r->value, e);
	case OPTION_CALLBACK:
		return r->fn(arg, r->value, e);
	case OPTION_HELP:
		opts_usage(stdout, usage, rows);
		return 1;
	default:
		return dnn_error_set(e, DNN_EX_SOFTWARE, NULL, 0, 0, "internal error: option row");
	}
}

int opts_parse(const char *usage, const struct dnn_opt *rows, int argc, char **argv,
	       struct dnn_error *e)
{
	struct option longs[OPTS_MAX + 1];
	char shorts[2 * OPTS_MAX + 2] = ":";
	size_t n = 0, ns = 1;
	int c, rc;

	if (argc == 2 && strcmp(argv[1], OPTS_LIST_ARG) == 0) {
		opts_list(stdout, rows);
		return 1;
	}
	for (int i = 0; rows[i].type != OPTION_END; i++) {
		const struct dnn_opt *r = &rows[i];

		if (r->type == OPTION_NOTE)
			continue;
		if (n == OPTS_MAX)
			return dnn_error_set(e, DNN_EX_SOFTWARE, NULL, 0, 0,
					     "internal error: too many options");
		longs[n++] =
		    (struct option){r->long_name, takes_arg(r) ? required_argument : no_argument,
				    NULL, r->short_name ? r->short_name : 256 + i};
		if (r->short_name) {
			shorts[ns++] = (char)r->short_name;
			if (takes_arg(r))
				shorts[ns++] = ':';
		}
	}
	longs[n] = (struct option){NULL, 0, NULL, 0};
	shorts[ns] = '\0';
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		if (c == ':' || c == '?')
			return bad_option(rows, argv, c == ':', e);
		const struct dnn_opt *r = find_row(rows, c);

		if (!r)
			return dnn_error_set(e, DNN_EX_SOFTWARE, NULL, 0, 0,
					     "internal error: option %d", c);
		rc = apply(usage, rows, r, optarg, e);
		if (rc)
			return rc;
	}
	return 0;
}

/* Print text, its lines after the first indented to the help column. */
static void put_help(FILE *f, const char *text)
{
	for (; *text; text++) {
		putc(*text, f);
		if (*text == '\n')
			fprintf(f, "%*s", HELP_COLUMN, "");
	}
	putc('\n', f);
}

void opts_usage(FILE *f, const char *usage, const struct dnn_opt *rows)
{
	char label[256];
	size_t len = 0;

	fputs(usage, f);
	for (const struct dnn_opt *r = rows; r->type != OPTION_END; r++) {
		if (r->type == OPTION_NOTE) {
			fprintf(f, "%s\n", r->help);
			continue;
		}
		/* "  -o, --output FILE", or "      --name"; names that share a
		 * line follow after ", ". */
		char sh[8];

		if (r->short_name)
			snprintf(sh, sizeof sh, "-%c, ", r->short_name);
		else
			snprintf(sh, sizeof sh, "%s", len ? "" : "    ");
		if (len < sizeof label)
			len += (size_t)snprintf(label + len, sizeof label - len, "%s%s--%s%s%s",
						len ? ", " : "  ", sh, r->long_name,
						r->argh ? " " : "", r->argh ? r->argh : "");
		if (!r->help)
			continue;
		fputs(label, f);
		if (len < HELP_COLUMN)
			fprintf(f, "%*s", (int)(HELP_COLUMN - len), "");
		else
			fprintf(f, "\n%*s", HELP_COLUMN, "");
		put_help(f, r->help);
		len = 0;
	}
}

void opts_list(FILE *f, const struct dnn_opt *rows)
{
	static const char *const kinds[] = {"value", "file", "model", "data", "spec", "words"};

	for (const struct dnn_opt *r = rows; r->type != OPTION_END; r++) {
		const char *kind = takes_arg(r) ? kinds[r->complete] : "flag";
		const char *words = r->complete == OPTC_WORDS ? r->choices : NULL;

		if (r->type == OPTION_NOTE)
			continue;
		if (r->short_name)
			fprintf(f, "-%c %s%s%s\n", r->short_name, kind, words ? " " : "",
				words ? words : "");
		fprintf(f, "--%s %s%s%s\n", r->long_name, kind, words ? " " : "",
			words ? words : "");
	}
}

int opts_delimiter(const char *arg, void *value, struct dnn_error *e)
{
	return cli_delimiter(arg, value, e);
}

int opts_unknown(const char *arg, void *value, struct dnn_error *e)
{
	return cli_unknown(arg, value, e);
}

int opts_precision(const char *arg, void *value, struct dnn_error *e)
{
	int p = spec_precision_parse(arg);

	if (p < 0)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--precision' takes 'fp32', 'bf16' or 'auto', not '%s'",
				     arg);
	*(int *)value = p + 1;
	return 0;
}
