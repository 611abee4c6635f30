/* Declarative option tables: one row per option (names, argument, help, where
 * the value goes, what completion offers), the parser that drives getopt_long
 * from a table, and the --help text and completion list generated from it. */
#ifndef DNN_OPTS_H
#define DNN_OPTS_H

#include <getopt.h> /* optind: the first operand after opts_parse */
#include <stdio.h>

#include "err.h"

/* What a row is, and what it does with its argument. */
enum dnn_opt_type {
	OPTION_END = 0,	 /* ends the table */
	OPTION_SET_INT,	 /* no argument: *(int *)value = defval */
	OPTION_STRING,	 /* the argument as given: *(const char **)value */
	OPTION_ULONG,	 /* a whole number in [min, max]: *(unsigned long *)value */
	OPTION_DOUBLE,	 /* a number in [min, max] ((min, max] with OPT_ABOVE_MIN) */
	OPTION_CALLBACK, /* fn(argument, value, e) reads the argument */
	OPTION_HELP,	 /* print the help and stop */
	OPTION_NOTE	 /* no option: help is a line of the help text, as it is */
};

/* What completion offers for an argument. */
enum dnn_opt_complete {
	OPTC_VALUE = 0, /* free text: nothing */
	OPTC_FILE,	/* any file */
	OPTC_MODEL,	/* a checkpoint, *.dnn */
	OPTC_DATA,	/* CSV data, *.csv, *.gz, *.tsv, *.txt */
	OPTC_SPEC,	/* a spec, *.json */
	OPTC_WORDS	/* the words of choices */
};

#define OPT_ABOVE_MIN 1u /* OPTION_DOUBLE: min itself is refused */

struct dnn_opt {
	enum dnn_opt_type type;
	int short_name;	       /* 0: none */
	const char *long_name; /* without the dashes */
	void *value;	       /* where the value goes */
	const char *argh;      /* the argument's name in --help; NULL: no argument */
	/* --help text, lines split by '\n'; NULL: this row's names are listed
	 * before the next row's, which has the text for both. */
	const char *help;
	enum dnn_opt_complete complete;
	const char *choices; /* OPTC_WORDS: the values, space-separated */
	unsigned flags;
	double min, max; /* OPTION_ULONG, OPTION_DOUBLE: the range */
	int defval;	 /* OPTION_SET_INT */
	int (*fn)(const char *arg, void *value, struct dnn_error *e);
};

/* The rows. A short name is a character, or 0. */
#define OPT_END() {OPTION_END, 0, NULL, NULL, NULL, NULL, OPTC_VALUE, NULL, 0, 0, 0, 0, NULL}
#define OPT_SET_INT(s, l, v, i, h) \
	{OPTION_SET_INT, s, l, v, NULL, h, OPTC_VALUE, NULL, 0, 0, 0, i, NULL}
#define OPT_FLAG(s, l, v, h) OPT_SET_INT(s, l, v, 1, h)
#define OPT_STRING(s, l, v, a, h) {OPTION_STRING, s, l, v, a, h, OPTC_VALUE, NULL, 0, 0, 0, 0, NULL}
/* A file name, kept as text; c says which files completion offers. */
#define OPT_FILENAME(s, l, v, a, c, h) {OPTION_STRING, s, l, v, a, h, c, NULL, 0, 0, 0, 0, NULL}
/* A word kept as text that another part checks; completion offers words. */
#define OPT_CHOICE(s, l, v, a, words, h) \
	{OPTION_STRING, s, l, v, a, h, OPTC_WORDS, words, 0, 0, 0, 0, NULL}
#define OPT_ULONG(s, l, v, a, lo, hi, h) \
	{OPTION_ULONG, s, l, v, a, h, OPTC_VALUE, NULL, 0, lo, hi, 0, NULL}
#define OPT_DOUBLE(s, l, v, a, lo, hi, h) \
	{OPTION_DOUBLE, s, l, v, a, h, OPTC_VALUE, NULL, 0, lo, hi, 0, NULL}
#define OPT_DOUBLE_ABOVE(s, l, v, a, lo, hi, h) \
	{OPTION_DOUBLE, s, l, v, a, h, OPTC_VALUE, NULL, OPT_ABOVE_MIN, lo, hi, 0, NULL}
#define OPT_CALLBACK(s, l, v, a, f, words, h) \
	{OPTION_CALLBACK, s, l, v, a, h, (words) ? OPTC_WORDS : OPTC_VALUE, words, 0, 0, 0, 0, f}
#define OPT_NOTE(text) {OPTION_NOTE, 0, NULL, NULL, NULL, text, OPTC_VALUE, NULL, 0, 0, 0, 0, NULL}

/* The rows that several commands share. */
#define OPT__NO_HEADER(csv, h) OPT_SET_INT(0, "no-header", &(csv)->header, 0, h)
#define OPT__DELIMITER(csv, h) \
	OPT_CALLBACK(0, "delimiter", &(csv)->delimiter, "C", opts_delimiter, ", ; tab |", h)
#define OPT__DELIMITER_HELP "field separator (default ','; 'tab' for tabs)"
/* Both rows, worded for a command that reads DATA. */
#define OPT__CSV(csv)                                         \
	OPT__NO_HEADER(csv, "the first row of DATA is data"), \
		OPT__DELIMITER(csv, OPT__DELIMITER_HELP)
#define OPT__THREADS(v) \
	OPT_ULONG('j', "threads", v, "N", 1, 256, "threads (default: DNN_THREADS, else all CPUs)")
/* Kept as text: the command reads it once it knows the spec's seed. */
#define OPT__SEED(v, h) OPT_STRING('s', "seed", v, "N", h)
#define OPT__BATCH(v) \
	OPT_ULONG('b', "batch-size", v, "N", 1, 1 << 20, "rows per forward pass (default 256)")
#define OPT__UNKNOWN(v, h) \
	OPT_CALLBACK(0, "unknown", v, "RULE", opts_unknown, "error ignore", h)
/* --precision into an int: 1 + MAT_PREC_*, 0 when not given. */
#define OPT__PRECISION(v)                                                              \
	OPT_CALLBACK(0, "precision", v, "P", opts_precision, "fp32 bf16 auto",        \
		     "the products' precision: 'fp32' (the default),\n"              \
		     "'bf16' (operands rounded to bfloat16, float\n"                 \
		     "sums) or 'auto' (bf16 where measured faster)")
#define OPT__QUIET(v, h) OPT_FLAG('q', "quiet", v, h)
#define OPT__VERBOSE(v, h) OPT_FLAG('v', "verbose", v, h)
#define OPT__HELP() \
	{OPTION_HELP, 'h', "help", NULL, NULL, "show this help", OPTC_VALUE, NULL, 0, 0, 0, 0, NULL}

/* The argument that makes opts_parse list the options for completion. */
#define OPTS_LIST_ARG "--complete-options"

/* Parse argv (argv[0] the command's name) by the table rows, ended by
 * OPT_END(): 0 when parsed (optind is the first operand), 1 when it printed
 * the help (usage, then the rows) or the completion list (argv[1] alone is
 * OPTS_LIST_ARG) and the command is done, -1 on a usage error (e set, as
 * getopt_long's loops said it: "unknown option '--x'", "option '-o' needs a
 * value", or the row's own range message). */
int opts_parse(const char *usage, const struct dnn_opt *rows, int argc, char **argv,
	       struct dnn_error *e);

/* The help text: usage as it is, then one line or more per row. */
void opts_usage(FILE *f, const char *usage, const struct dnn_opt *rows);

/* For completion, one line per option name: the name ("-o", "--output"; a
 * short name's line comes right before its long name's), then what its
 * argument is: flag (none), value, file, model, data, spec, or words
 * followed by the words. */
void opts_list(FILE *f, const struct dnn_opt *rows);

/* The callbacks of the shared rows: --delimiter into a char, --unknown into
 * an int (1 for ignore). */
int opts_delimiter(const char *arg, void *value, struct dnn_error *e);
int opts_unknown(const char *arg, void *value, struct dnn_error *e);
/* --precision into an int: 1 + MAT_PREC_* (spec.h's DNN_PREC_*). */
int opts_precision(const char *arg, void *value, struct dnn_error *e);

#endif
