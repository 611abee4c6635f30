/* dnn split: a CSV file's rows into a training file and a test file, each
 * row passed on as it was read. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "afile.h"
#include "cli.h"
#include "cmds.h"
#include "folds.h"
#include "rowfile.h"
#include "spec.h"
#include "split.h"
#include "opts.h"
#include "util.h"

static const char split_usage[] =
	"Usage: dnn split [OPTIONS] DATA TRAIN TEST\n"
	"Split the rows of DATA (CSV, plain or gzip-compressed; '-' for standard\n"
	"input) into TRAIN and TEST, each with the header and every row as it was\n"
	"read. The rows held out for TEST are those 'dnn train --validation F\n"
	"--seed S' holds out, stratified by the target's classes unless\n"
	"--no-stratify. An output whose name ends in .gz is gzip-compressed.\n"
	"\n"
	"Options:\n";

struct split_args {
	const char *test, *test_rows, *target, *group, *seed;
	int no_stratify;
	struct dnn_csv_opts csv;
	const char *data, *train, *testf;
};

/* The operands and the outputs: TRAIN and TEST two files, neither of them
 * DATA. */
static int check_args(int argc, char **argv, struct split_args *a, struct dnn_error *e)
{
	const struct dnn_afile_name out[] = {{NULL, "TRAIN"}, {NULL, "TEST"}};
	struct dnn_afile_name o[2], in[2] = {{NULL, "DATA"}, {NULL, "TRAIN"}};

	if (argc - optind != 3)
		return cli_operands("DATA, TRAIN and TEST", e);
	a->data = argv[optind];
	a->train = argv[optind + 1];
	a->testf = argv[optind + 2];
	if (a->test && a->test_rows)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "options '--test' and '--test-rows' exclude each other");
	if (strcmp(a->train, a->testf) == 0)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     strcmp(a->train, "-") ? "TRAIN and TEST are the same file '%s'"
							   : "TRAIN and TEST cannot both be "
							     "standard output",
				     a->train);
	memcpy(o, out, sizeof o);
	o[0].path = a->train;
	o[1].path = a->testf;
	in[0].path = a->data;
	in[1].path = a->train;
	/* Neither output may be DATA, nor TEST the file TRAIN names. */
	if (afile_check_inputs(o, 2, in, 1, e) || afile_check_inputs(o + 1, 1, in + 1, 1, e))
		return -1;
	/* Both can be written, before anything is read. */
	return afile_probe(a->train, e) || afile_probe(a->testf, e) ? -1 : 0;
}

/* How many rows TEST gets of n. */
static int test_count(const struct split_args *a, size_t n, const char *name, size_t *k,
		      struct dnn_error *e)
{
	char iv[64];
	double f = 0.2;
	unsigned long rows;

	if (a->test_rows) {
		if (cli_ulong("--test-rows", a->test_rows, 1, (unsigned long)-1, &rows, e))
			return -1;
		if (rows >= n)
			return dnn_error_set(e, DNN_EX_DATA, name, 0, 0,
					     "--test-rows %lu leaves no training rows: the file has "
					     "%zu",
					     rows, n);
		*k = rows;
		return 0;
	}
	if (a->test && (util_parse_double(a->test, &f) || !(f > 0.0 && f < 1.0)))
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--test' needs a fraction in %s, not '%s'",
				     util_interval(iv, sizeof iv, 0.0, 1, 1.0, 1), a->test);
	*k = split_count(f, n);
	if (*k >= n)
		return dnn_error_set(e, DNN_EX_DATA, name, 0, 0,
				     "%zu rows are too few to hold out a test fraction of %g", n, f);
	return 0;
}

/* Which rows go to TEST (side[i] = 1). */
static int choose(const struct split_args *a, const struct dnn_rowfile *f, const char *name,
		  unsigned char *side, struct dnn_error *e)
{
	const struct dnn_rowkey *t = &f->key[0], *g = &f->key[1];
	uint64_t seed = DNN_DEFAULT_SEED;
	size_t k = 0;

	if (a->seed && cli_seed(a->seed, &seed, e))
		return -1;
	if (test_count(a, f->n_rows, name, &k, e))
		return -1;
	if (a->group)
		return folds_split_groups(g->of, g->n, f->n_rows, k, seed, side, name,
					  f->col_names[g->col], e);
	if (split_choose(t->of, t->n, t->names, f->n_rows, k, seed, side, name, e)) {
		size_t len = strlen(e->msg);

		/* A number in every row is likely a regression's target. */
		if (t->of && strstr(e->msg, "single row"))
			snprintf(e->msg + len, sizeof e->msg - len, "%s",
				 " (a regression target? give --no-stratify)");
		return -1;
	}
	return 0;
}

/* Write the rows of one side to path. */
static int write_side(const struct dnn_rowfile *f, const unsigned char *side, int which,
		      const char *path, struct dnn_afile *af, struct dnn_error *e)
{
	size_t len = strlen(path);
	int gz = len > 3 && strcmp(path + len - 3, ".gz") == 0;

	if (afile_open(af, path, 0, e))
		return -1;
	if (rowfile_write(f, side, which, af->f, gz))
		return dnn_error_set(e, DNN_EX_IO, NULL, 0, 0, "write error on '%s': %s", path,
				     strerror(errno));
	return 0;
}

/* Read, choose, write both outputs, and commit them once both are whole. */
static int run_split(const struct split_args *a, struct dnn_error *e)
{
	struct dnn_column_ref tref = {0}, gref = {(char *)a->group, 0};
	struct dnn_spec targets = {0};
	const struct dnn_column_ref *keys[ROWFILE_KEYS] = {NULL, NULL};
	const char *name = strcmp(a->data, "-") ? a->data : "<stdin>";
	struct dnn_afile out[2] = {{0}};
	struct dnn_rowfile f;
	unsigned char *side = NULL;
	int rc = -1;

	if (a->target && spec_set_targets(&targets, a->target, e))
		return -1;
	if (targets.data.n_targets > 1 && !a->no_stratify && !a->group) {
		spec_free(&targets);
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "several target columns are a regression: give "
				     "--no-stratify");
	}
	/* The target stratifies: by default the last column (index -1). */
	tref.index = -1;
	if (!a->no_stratify && !a->group)
		keys[0] = targets.data.n_targets ? &targets.data.targets[0] : &tref;
	if (a->group)
		keys[1] = &gref;
	if (rowfile_read(&f, a->data, &a->csv, keys, e))
		goto done;
	if (!(side = calloc(f.n_rows, 1))) {
		dnn_error_oom(e);
		goto out;
	}
	if (choose(a, &f, name, side, e) || write_side(&f, side, 0, a->train, &out[0], e) ||
	    write_side(&f, side, 1, a->testf, &out[1], e) || afile_commit(&out[0], e) ||
	    afile_commit(&out[1], e))
		goto out;
	rc = 0;
out:
	afile_abort(&out[0]);
	afile_abort(&out[1]);
	free(side);
	rowfile_free(&f);
done:
	spec_free(&targets);
	return rc;
}

int cmd_split(int argc, char **argv, struct dnn_error *e)
{
	struct split_args a = {.csv = {.delimiter = ',', .header = 1}};
	const struct dnn_opt rows[] = {
		OPT_STRING(0, "test", &a.test, "F",
			   "fraction of the rows for TEST, above 0 and below 1\n"
			   "(default 0.2), rounded to the nearest row"),
		OPT_STRING(0, "test-rows", &a.test_rows, "N", "exactly N rows for TEST"),
		OPT_STRING(0, "target", &a.target, "COLUMN",
			   "the column whose classes stratify, by name or\n"
			   "0-based index (default: the last column)"),
		OPT_FLAG(0, "no-stratify", &a.no_stratify,
			 "draw the rows regardless of the target (a\n"
			 "regression, as dnn train splits one)"),
		OPT_STRING(0, "group", &a.group, "COLUMN",
			   "rows with the same value in COLUMN go to the same\n"
			   "side: whole groups are drawn for TEST"),
		OPT__SEED(&a.seed, "seed of the draw (default 1, the spec's default)"),
		OPT__CSV(&a.csv),
		OPT__HELP(),
		OPT_END(),
	};
	int rc = opts_parse(split_usage, rows, argc, argv, e);

	if (rc)
		return rc > 0 ? 0 : -1;
	if (check_args(argc, argv, &a, e))
		return -1;
	return run_split(&a, e);
}
