/* The option tables (src/cli/opts.c): parsing by a table, its usage errors,
 * the --help text and the completion list generated from it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "err.h"
#include "opts.h"
#include "testutil.h"

/* What a table of every kind parses into. */
struct vals {
	const char *name, *file;
	unsigned long n, threads;
	double x, y;
	int flag, quiet;
	struct dnn_csv_opts csv;
};

#define ROWS(v)                                                                          \
	{                                                                                \
		OPT_STRING('n', "name", &(v)->name, "NAME", "a name"),                   \
		OPT_FILENAME(0, "file", &(v)->file, "FILE", OPTC_MODEL,                  \
			     "a file,\nover two lines"),                                 \
		OPT_ULONG('k', "count", &(v)->n, "N", 2, 10, "a count"),                 \
		OPT_DOUBLE(0, "x", &(v)->x, "X", 0.0, 1.0, NULL),                        \
		OPT_DOUBLE_ABOVE(0, "y", &(v)->y, "Y", 0.0, 1.0, "two numbers"),         \
		OPT_FLAG(0, "flag", &(v)->flag, "a flag"),                               \
		OPT_NOTE("A note."),                                                     \
		OPT_STRING(0, "a-very-long-option-name", &(v)->name, "ARG", "long"),     \
		OPT__NO_HEADER(&(v)->csv, "no header"),                                  \
		OPT__DELIMITER(&(v)->csv, OPT__DELIMITER_HELP),                          \
		OPT__THREADS(&(v)->threads),                                             \
		OPT__QUIET(&(v)->quiet, "quiet"),                                        \
		OPT__HELP(),                                                             \
		OPT_END(),                                                               \
	}

/* Parse the words (NULL-terminated, after the command's name "t"): what
 * opts_parse returned; e holds its error. */
static int parse(struct vals *v, struct dnn_error *e, const char *const *words)
{
	const struct dnn_opt rows[] = ROWS(v);
	char *argv[20], buf[20][64];
	int argc = 0;

	snprintf(buf[argc], sizeof buf[argc], "t");
	argv[argc] = buf[argc];
	for (argc = 1; words[argc - 1]; argc++) {
		snprintf(buf[argc], sizeof buf[argc], "%s", words[argc - 1]);
		argv[argc] = buf[argc];
	}
	argv[argc] = NULL;
	memset(v, 0, sizeof *v);
	v->csv.header = 1;
	v->csv.delimiter = ',';
	dnn_error_clear(e);
	return opts_parse("Usage: t\n", rows, argc, argv, e);
}

START_TEST(test_values)
{
	struct vals v;
	struct dnn_error e;
	const char *const words[] = {"-nfoo",  "--file=m.dnn", "-k", "3",   "--x", "1",
				     "--y",    "0.5",	       "-qj2", "--no-header",
				     "--delimiter", "tab",     "--flag", "a",   "b",   NULL};

	ck_assert_int_eq(parse(&v, &e, words), 0);
	ck_assert_str_eq(v.name, "foo");
	ck_assert_str_eq(v.file, "m.dnn");
	ck_assert_uint_eq(v.n, 3);
	ck_assert(v.x == 1.0 && v.y == 0.5);
	ck_assert_int_eq(v.quiet, 1);
	ck_assert_uint_eq(v.threads, 2);
	ck_assert_int_eq(v.csv.header, 0);
	ck_assert_int_eq(v.csv.delimiter, '\t');
	ck_assert_int_eq(v.flag, 1);
	/* The operands follow. */
	ck_assert_int_eq(optind, 14);
}
END_TEST

/* Each refusal, with the message getopt_long's loops gave. */
START_TEST(test_errors)
{
	static const struct {
		const char *words[3];
		const char *msg;
	} cases[] = {
		{{"--bogus"}, "unknown option '--bogus'"},
		{{"-z"}, "unknown option '-z'"},
		{{"-qz"}, "unknown option '-z'"},
		{{"-k"}, "option '-k' needs a value"},
		{{"--count"}, "option '--count' needs a value"},
		{{"-k", "1"}, "option '--count' needs a whole number from 2 to 10, not '1'"},
		{{"--y", "0"}, "option '--y' needs a number in (0, 1], not '0'"},
		{{"--x", "2"}, "option '--x' needs a number in [0, 1], not '2'"},
		{{"--delimiter", "ab"}, "option '--delimiter' needs one character (or 'tab'), not 'ab'"},
		{{"--flag=1"}, "option '--flag' takes no value"},
		{{"--quiet=1"}, "option '--quiet' takes no value"},
		{{"--no-h=1"}, "option '--no-header' takes no value"},
		/* An abbreviation that fits two options. */
		{{"--f"}, "unknown option '--f'"},
	};
	struct vals v;
	struct dnn_error e;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ck_assert_int_eq(parse(&v, &e, cases[i].words), -1);
		ck_assert_int_eq(e.code, DNN_EX_USAGE);
		ck_assert_str_eq(e.msg, cases[i].msg);
	}
}
END_TEST

/* Read f back from the start, into a string to free. */
static char *slurp(FILE *f)
{
	long n = ftell(f);
	char *s = malloc((size_t)n + 1);

	ck_assert_ptr_nonnull(s);
	rewind(f);
	ck_assert_uint_eq(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	return s;
}

START_TEST(test_usage)
{
	struct vals v;
	const struct dnn_opt rows[] = ROWS(&v);
	FILE *f = tmpfile();
	char *s;

	ck_assert_ptr_nonnull(f);
	opts_usage(f, "Usage: t\nOptions:\n", rows);
	s = slurp(f);
	ck_assert_str_eq(s, "Usage: t\n"
			    "Options:\n"
			    "  -n, --name NAME            a name\n"
			    "      --file FILE            a file,\n"
			    "                             over two lines\n"
			    "  -k, --count N              a count\n"
			    "      --x X, --y Y           two numbers\n"
			    "      --flag                 a flag\n"
			    "A note.\n"
			    "      --a-very-long-option-name ARG\n"
			    "                             long\n"
			    "      --no-header            no header\n"
			    "      --delimiter C          field separator (default ','; 'tab' for tabs)\n"
			    "  -j, --threads N            threads (default: DNN_THREADS, else all CPUs)\n"
			    "  -q, --quiet                quiet\n"
			    "  -h, --help                 show this help\n");
	free(s);
}
END_TEST

START_TEST(test_list)
{
	struct vals v;
	const struct dnn_opt rows[] = ROWS(&v);
	FILE *f = tmpfile();
	char *s;

	ck_assert_ptr_nonnull(f);
	opts_list(f, rows);
	s = slurp(f);
	ck_assert_str_eq(s, "-n value\n"
			    "--name value\n"
			    "--file model\n"
			    "-k value\n"
			    "--count value\n"
			    "--x value\n"
			    "--y value\n"
			    "--flag flag\n"
			    "--a-very-long-option-name value\n"
			    "--no-header flag\n"
			    "--delimiter words , ; tab |\n"
			    "-j value\n"
			    "--threads value\n"
			    "-q flag\n"
			    "--quiet flag\n"
			    "-h flag\n"
			    "--help flag\n");
	free(s);
}
END_TEST

/* -h prints the help and stops (1); the list argument alone lists. */
START_TEST(test_help_stops)
{
	struct vals v;
	struct dnn_error e;
	const char *const help[] = {"-k", "3", "-h", "--bogus", NULL};
	const char *const late[] = {"--bogus", "-h", NULL};

	fflush(stdout);
	ck_assert_ptr_nonnull(freopen("/dev/null", "w", stdout));
	ck_assert_int_eq(parse(&v, &e, help), 1);
	ck_assert_int_eq(parse(&v, &e, late), -1);
	ck_assert_str_eq(e.msg, "unknown option '--bogus'");
	ck_assert_int_eq(parse(&v, &e, (const char *const[]){OPTS_LIST_ARG, NULL}), 1);
	ck_assert_int_eq(parse(&v, &e, (const char *const[]){OPTS_LIST_ARG, "x", NULL}), -1);
}
END_TEST

static Suite *opts_suite(void)
{
	Suite *s = suite_create("opts");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_usage);
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_help_stops);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(opts_suite)
