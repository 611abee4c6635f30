/* Helpers shared by the commands: option values, usage errors, CSV output. */
#ifndef DNN_CLI_H
#define DNN_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"

/* Print "dnn: " and the formatted error on f, one line (the program's one
 * way of reporting an error; the library only fills struct dnn_error). */
void dnn_error_print(const struct dnn_error *e, FILE *f);

/* A whole number in [min, max] for option opt; a usage error (64) otherwise. */
int cli_ulong(const char *opt, const char *arg, unsigned long min, unsigned long max,
	      unsigned long *out, struct dnn_error *e);
/* A finite number in (min, max] (min_open) or [min, max]; usage error otherwise. */
int cli_double(const char *opt, const char *arg, double min, int min_open, double max,
	       double *out, struct dnn_error *e);
/* A delimiter: one character, or "tab" / "\t"; usage error otherwise. */
int cli_delimiter(const char *arg, char *out, struct dnn_error *e);
/* --unknown RULE: *ignore = 1 for "ignore", 0 for "error"; usage error
 * otherwise. */
int cli_unknown(const char *arg, int *ignore, struct dnn_error *e);
struct dnn_model;
/* --threshold T: a usage error unless model (read from path) is a classifier
 * of two classes; 0 when it is, or when T is NaN (not given). */
int cli_threshold_fits(float t, const struct dnn_model *m, const char *path, struct dnn_error *e);
/* A usage error when both inputs, called what_a and what_b in the message,
 * are standard input ("-"), which can be read only once. */
int cli_one_stdin(const char *what_a, const char *a, const char *what_b, const char *b,
		  struct dnn_error *e);
/* The status of a command whose standard output its reader closed (EPIPE,
 * dnn predict ... | head -1): 141, what a shell reports for a process that
 * SIGPIPE ended. main prints nothing for it. */
#define CLI_EX_PIPE 141
/* A failed write to standard output with errno err (0: unknown): 141 when
 * the reader has gone (EPIPE), else 74 "write error on standard output:
 * REASON". Returns -1. */
int cli_stdout_error(int err, struct dnn_error *e);

/* Wrong number of operands: a usage error naming what is expected. */
int cli_operands(const char *expected, struct dnn_error *e);
/* The operands after getopt (argv[optind] on) of a command that reads an
 * input called what and DATA, or DATA alone when the option opt gave the
 * first input (given, called given_what): *first and *data are set, and at
 * most one of them may be standard input. */
int cli_input_operands(int argc, char **argv, const char *what, const char *given,
		       const char *given_what, const char *opt, const char **first,
		       const char **data, struct dnn_error *e);

/* Write s as one CSV field, quoted when it holds the delimiter, a quote or a
 * line break. */
void cli_write_field(FILE *f, const char *s, char delim);

/* Write s as a table shows a name: \n, \r, \t and \xNN for the other
 * control characters and DEL, the rest as it is, then spaces up to width
 * bytes (a negative width: the spaces first, up to -width). */
void cli_write_shown(FILE *f, const char *s, int width);
/* The bytes cli_write_shown writes for s before the spaces. */
size_t cli_shown_len(const char *s);

/* Write s as a JSON string, quoted and escaped. */
void cli_write_json_string(FILE *f, const char *s);
/* The same without the quotes. */
void cli_write_json_chars(FILE *f, const char *s);
/* Write x as a JSON number that reads back exactly, or null when it is not
 * finite. */
void cli_write_json_number(FILE *f, double x);

/* The argument of --seed, in the range of the spec's seed (hparams.h: 0 to
 * 2^53), as dnn train takes it; -1 with e set (64) otherwise. */
int cli_seed(const char *arg, uint64_t *out, struct dnn_error *e);

#endif
