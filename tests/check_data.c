/* Unit tests for data.c: the CSV reader, data_load, normalization and the
 * predict reader, with every error's code, position and message. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "data.h"

#ifndef TEST_DATADIR
#define TEST_DATADIR "tests/data"
#endif
#ifndef DATADIR
#define DATADIR "data"
#endif

static char tmpdir[512];

/* A path in the test's scratch directory (four rotating buffers). */
static const char *tpath(const char *name)
{
	static char buf[4][1024];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
	return buf[k];
}

static void write_bytes(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_msg(f != NULL, "cannot create %s", path);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* Write text (a C string) to a scratch file and return its path. */
static const char *tmp_csv(const char *name, const char *text)
{
	const char *p = tpath(name);

	write_bytes(p, text, strlen(text));
	return p;
}

/* The whole of a file, malloc'd. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
		size_t k = fread(buf + n, 1, cap - n, f);
		if (k == 0)
			break;
		n += k;
	}
	fclose(f);
	*len = n;
	return buf;
}

static void write_gz(const char *path, const char *text, size_t len)
{
	gzFile g = gzopen(path, "wb");

	ck_assert_ptr_nonnull(g);
	ck_assert_int_eq(gzwrite(g, text, (unsigned)len), (int)len);
	ck_assert_int_eq(gzclose(g), Z_OK);
}

#define CK_NEAR(a, b, tol)                                                                         \
	ck_assert_msg(fabs((double)(a) - (double)(b)) <= (tol), "%s = %.9g, expected %.9g", #a,    \
		      (double)(a), (double)(b))

/* Exact float equality (Check's own macro promotes to double in printf). */
#define CK_FEQ(a, b)                                                                               \
	ck_assert_msg((a) == (b), "%s = %.9g, expected %.9g", #a, (double)(a), (double)(b))

#define CK_ERROR(e, code_, file_, line_, col_, msg_)                                               \
	do {                                                                                       \
		ck_assert_int_eq((e)->code, (code_));                                              \
		ck_assert_str_eq((e)->file, (file_));                                              \
		ck_assert_uint_eq((e)->line, (line_));                                             \
		ck_assert_uint_eq((e)->column, (col_));                                            \
		ck_assert_str_eq((e)->msg, (msg_));                                                \
	} while (0)

static struct dnn_data_opts opts(int task, int header, char delim)
{
	struct dnn_data_opts o = {.csv = {.delimiter = delim, .header = header}, .task = task};

	return o;
}

/* data_load of path with one target by name (NULL: the default). */
static int load(struct dnn_dataset *d, const char *path, const char *target, int task,
		struct dnn_error *e)
{
	struct dnn_column_ref ref = {(char *)target, 0};
	struct dnn_data_opts o = opts(task, 1, ',');

	if (target) {
		o.targets = &ref;
		o.n_targets = 1;
	}
	memset(e, 0, sizeof *e);
	return data_load(d, path, &o, e);
}

/* data_load of text that must fail; e gets the error, path the file. */
static const char *load_fail(const char *text, const char *target, int task, struct dnn_error *e)
{
	struct dnn_dataset d;
	const char *p = tmp_csv("bad.csv", text);

	ck_assert_int_eq(load(&d, p, target, task, e), -1);
	/* Nothing is left behind. */
	ck_assert_ptr_null(d.x);
	ck_assert_ptr_null(d.col_names);
	ck_assert_uint_eq(d.n_rows, 0);
	return p;
}

#define CLS DNN_TASK_CLASSIFICATION
#define REG DNN_TASK_REGRESSION

/* ---- the example datasets ---- */

START_TEST(test_iris)
{
	struct dnn_dataset d;
	struct dnn_error e;

	ck_assert_int_eq(load(&d, DATADIR "/iris.csv", NULL, CLS, &e), 0);
	ck_assert_uint_eq(d.n_rows, 150);
	ck_assert_uint_eq(d.n_cols, 5);
	ck_assert_uint_eq(d.n_in, 4);
	ck_assert_uint_eq(d.n_targets, 1);
	ck_assert_int_eq(d.task, CLS);
	ck_assert_str_eq(d.col_names[0], "sepal_length");
	ck_assert_str_eq(d.col_names[4], "species");
	for (size_t i = 0; i < 4; i++)
		ck_assert_int_eq(d.col_role[i], DNN_COL_INPUT);
	ck_assert_int_eq(d.col_role[4], DNN_COL_TARGET);
	ck_assert_uint_eq(d.n_classes, 3);
	ck_assert_str_eq(d.class_names[0], "setosa");
	ck_assert_str_eq(d.class_names[1], "versicolor");
	ck_assert_str_eq(d.class_names[2], "virginica");
	CK_FEQ(d.x[0], 5.1f);
	CK_FEQ(d.x[1], 3.5f);
	CK_FEQ(d.x[2], 1.4f);
	CK_FEQ(d.x[3], 0.2f);
	ck_assert_uint_eq(d.label[0], 0);
	ck_assert_uint_eq(d.label[50], 1);
	ck_assert_uint_eq(d.label[149], 2);
	ck_assert_ptr_null(d.y);
	data_free(&d);
	ck_assert_ptr_null(d.x);
	ck_assert_uint_eq(d.n_rows, 0);
	data_free(&d);
}
END_TEST

START_TEST(test_wine)
{
	struct dnn_dataset d;
	struct dnn_error e;

	ck_assert_int_eq(load(&d, DATADIR "/wine.csv", NULL, CLS, &e), 0);
	ck_assert_uint_eq(d.n_rows, 178);
	ck_assert_uint_eq(d.n_in, 13);
	ck_assert_uint_eq(d.n_classes, 3);
	ck_assert_str_eq(d.class_names[0], "0");
	ck_assert_str_eq(d.class_names[1], "1");
	ck_assert_str_eq(d.class_names[2], "2");
	CK_FEQ(d.x[12], 1065.0f);
	ck_assert_uint_eq(d.label[0], 0);
	ck_assert_uint_eq(d.label[177], 2);
	data_free(&d);
}
END_TEST

START_TEST(test_digits_gz)
{
	struct dnn_dataset d;
	struct dnn_error e = {0};
	struct dnn_column_ref ref = {NULL, 0};
	struct dnn_data_opts o = opts(CLS, 1, ',');

	o.targets = &ref;
	o.n_targets = 1;
	ck_assert_int_eq(data_load(&d, DATADIR "/digits.csv.gz", &o, &e), 0);
	ck_assert_uint_eq(d.n_rows, 1797);
	ck_assert_uint_eq(d.n_cols, 65);
	ck_assert_uint_eq(d.n_in, 64);
	ck_assert_int_eq(d.col_role[0], DNN_COL_TARGET);
	ck_assert_int_eq(d.col_role[1], DNN_COL_INPUT);
	ck_assert_str_eq(d.col_names[0], "label");
	ck_assert_str_eq(d.col_names[64], "p63");
	ck_assert_uint_eq(d.n_classes, 10);
	for (size_t k = 0; k < 10; k++) {
		char want[4];

		snprintf(want, sizeof want, "%zu", k);
		ck_assert_str_eq(d.class_names[k], want);
	}
	/* First row: 0,0,0,5,13,9,1,0,... */
	ck_assert_uint_eq(d.label[0], 0);
	CK_FEQ(d.x[0], 0.0f);
	CK_FEQ(d.x[2], 5.0f);
	CK_FEQ(d.x[3], 13.0f);
	CK_FEQ(d.x[4], 9.0f);
	data_free(&d);
}
END_TEST

START_TEST(test_diabetes)
{
	struct dnn_dataset d;
	struct dnn_error e;

	ck_assert_int_eq(load(&d, DATADIR "/diabetes.csv", NULL, REG, &e), 0);
	ck_assert_uint_eq(d.n_rows, 442);
	ck_assert_uint_eq(d.n_in, 10);
	ck_assert_uint_eq(d.n_targets, 1);
	ck_assert_int_eq(d.task, REG);
	ck_assert_ptr_nonnull(d.y);
	ck_assert_ptr_null(d.label);
	ck_assert_ptr_null(d.class_names);
	ck_assert_uint_eq(d.n_classes, 0);
	CK_FEQ(d.y[0], 151.0f);
	CK_FEQ(d.y[1], 75.0f);
	CK_FEQ(d.x[2], 32.1f);
	CK_FEQ(d.x[8], 4.8598f);
	data_free(&d);
}
END_TEST

/* ---- choosing targets ---- */

START_TEST(test_target_by_name)
{
	struct dnn_dataset d;
	struct dnn_error e;

	ck_assert_int_eq(load(&d, DATADIR "/diabetes.csv", "bmi", REG, &e), 0);
	ck_assert_uint_eq(d.n_in, 10);
	ck_assert_int_eq(d.col_role[2], DNN_COL_TARGET);
	ck_assert_int_eq(d.col_role[10], DNN_COL_INPUT);
	CK_FEQ(d.y[0], 32.1f);
	/* Inputs in file order, the target left out: age, sex, bp, ..., progression. */
	CK_FEQ(d.x[0], 59.0f);
	CK_FEQ(d.x[2], 101.0f);
	CK_FEQ(d.x[9], 151.0f);
	data_free(&d);
}
END_TEST

START_TEST(test_ignore)
{
	struct dnn_dataset d;
	struct dnn_error e;
	struct dnn_column_ref ign[2] = {{"sex", 0}, {NULL, 0}};
	struct dnn_data_opts o = opts(REG, 1, ',');

	/* Leave out "sex" by name and "age" by index: 8 inputs remain. */
	o.ignore = ign;
	o.n_ignore = 2;
	memset(&e, 0, sizeof e);
	ck_assert_int_eq(data_load(&d, DATADIR "/diabetes.csv", &o, &e), 0);
	ck_assert_uint_eq(d.n_in, 8);
	ck_assert_int_eq(d.col_role[0], DNN_COL_IGNORED);
	ck_assert_int_eq(d.col_role[1], DNN_COL_IGNORED);
	ck_assert_int_eq(d.col_role[2], DNN_COL_INPUT);
	ck_assert_int_eq(d.col_role[10], DNN_COL_TARGET);
	CK_FEQ(d.x[0], 32.1f); /* bmi comes first now */
	CK_FEQ(d.y[0], 151.0f);
	data_free(&d);

	/* A cell of an ignored column is never parsed. */
	const char *p = tmp_csv("ign.csv", "id,a,y\nrow-1,1,2\nrow-2,3,4\n");
	struct dnn_column_ref id = {"id", 0};

	o.ignore = &id;
	o.n_ignore = 1;
	ck_assert_int_eq(data_load(&d, p, &o, &e), 0);
	ck_assert_uint_eq(d.n_in, 1);
	CK_FEQ(d.x[1], 3.0f);
	data_free(&d);

	/* The target cannot be ignored; the inputs cannot all be. */
	id.name = "y";
	ck_assert_int_eq(data_load(&d, p, &o, &e), -1);
	CK_ERROR(&e, 65, p, 0, 0, "column 'y' cannot be both the target and ignored");
	struct dnn_column_ref both[2] = {{"id", 0}, {"a", 0}};

	o.ignore = both;
	o.n_ignore = 2;
	ck_assert_int_eq(data_load(&d, p, &o, &e), -1);
	CK_ERROR(&e, 65, p, 0, 0, "no input columns: every column is a target or ignored");
	both[1].name = "id";
	ck_assert_int_eq(data_load(&d, p, &o, &e), -1);
	CK_ERROR(&e, 65, p, 0, 0, "ignored column 'id' is given twice");
}
END_TEST

START_TEST(test_missing_ok)
{
	struct dnn_dataset d;
	struct dnn_error e;
	struct dnn_data_opts o = opts(REG, 1, ',');
	const char *p = tmp_csv("miss.csv", "a,b,y\n1,,3\nNA,2,4\n?,n/a,5\n");

	/* Missing inputs read as NaN and are counted. */
	o.csv.missing_ok = 1;
	memset(&e, 0, sizeof e);
	ck_assert_int_eq(data_load(&d, p, &o, &e), 0);
	ck_assert_uint_eq(d.n_missing, 4);
	CK_FEQ(d.x[0], 1.0f);
	ck_assert(isnan(d.x[1]) && isnan(d.x[2]) && isnan(d.x[4]) && isnan(d.x[5]));
	CK_FEQ(d.x[3], 2.0f);
	data_free(&d);

	/* A missing target stays an error. */
	p = tmp_csv("miss2.csv", "a,y\n1,2\n2,\n");
	ck_assert_int_eq(data_load(&d, p, &o, &e), -1);
	CK_ERROR(&e, 65, p, 3, 3, "missing value in column 'y'");
}
END_TEST

START_TEST(test_target_by_index)
{
	struct dnn_dataset d;
	struct dnn_error e = {0};
	struct dnn_column_ref ref = {NULL, 2};
	struct dnn_data_opts o = opts(REG, 1, ',');

	o.targets = &ref;
	o.n_targets = 1;
	ck_assert_int_eq(data_load(&d, DATADIR "/diabetes.csv", &o, &e), 0);
	ck_assert_int_eq(d.col_role[2], DNN_COL_TARGET);
	CK_FEQ(d.y[1], 21.6f);
	data_free(&d);

	/* An all-digit name that is no column name is an index... */
	ck_assert_int_eq(load(&d, DATADIR "/diabetes.csv", "2", REG, &e), 0);
	ck_assert_int_eq(d.col_role[2], DNN_COL_TARGET);
	data_free(&d);

	/* ...but a column name wins. */
	const char *p = tmp_csv("digits_names.csv", "2,a,b\n1,2,3\n4,5,6\n");
	ck_assert_int_eq(load(&d, p, "2", REG, &e), 0);
	ck_assert_int_eq(d.col_role[0], DNN_COL_TARGET);
	CK_FEQ(d.y[1], 4.0f);
	data_free(&d);
}
END_TEST

START_TEST(test_multi_target)
{
	struct dnn_dataset d;
	struct dnn_error e = {0};
	struct dnn_column_ref refs[2] = {{"y2", 0}, {NULL, 1}};
	struct dnn_data_opts o = opts(REG, 1, ',');

	o.targets = refs;
	o.n_targets = 2;
	ck_assert_int_eq(data_load(&d, TEST_DATADIR "/csv_multi.csv", &o, &e), 0);
	ck_assert_uint_eq(d.n_rows, 3);
	ck_assert_uint_eq(d.n_in, 2);
	ck_assert_uint_eq(d.n_targets, 2);
	ck_assert_int_eq(d.col_role[0], DNN_COL_INPUT);
	ck_assert_int_eq(d.col_role[1], DNN_COL_TARGET);
	ck_assert_int_eq(d.col_role[2], DNN_COL_INPUT);
	ck_assert_int_eq(d.col_role[3], DNN_COL_TARGET);
	/* y in the order the targets were given: y2, y1. */
	CK_FEQ(d.y[0], 20.0f);
	CK_FEQ(d.y[1], 10.0f);
	CK_FEQ(d.y[4], 60.0f);
	CK_FEQ(d.y[5], 50.0f);
	CK_FEQ(d.x[0], 1.0f);
	CK_FEQ(d.x[1], 2.0f);
	CK_FEQ(d.x[5], 6.0f);
	data_free(&d);
}
END_TEST

START_TEST(test_class_order)
{
	struct dnn_dataset d;
	struct dnn_error e;
	const char *p;

	/* Integers sort by value, whatever their length or sign. */
	p = tmp_csv("int.csv", "x,y\n1,10\n2,9\n3,-1\n4,2\n5,10\n6,007\n7,+3\n8,100\n");
	ck_assert_int_eq(load(&d, p, NULL, CLS, &e), 0);
	ck_assert_uint_eq(d.n_classes, 7);
	const char *want[] = {"-1", "2", "+3", "007", "9", "10", "100"};
	for (size_t k = 0; k < 7; k++)
		ck_assert_str_eq(d.class_names[k], want[k]);
	const uint32_t lab[] = {5, 4, 0, 1, 5, 3, 2, 6};
	for (size_t i = 0; i < 8; i++)
		ck_assert_uint_eq(d.label[i], lab[i]);
	data_free(&d);

	/* Anything else sorts by bytes; blanks around labels do not count. */
	p = tmp_csv("text.csv", "x,y\n1,b\n2, a\n3,B\n4,a \n5,10\n");
	ck_assert_int_eq(load(&d, p, NULL, CLS, &e), 0);
	ck_assert_uint_eq(d.n_classes, 4);
	ck_assert_str_eq(d.class_names[0], "10");
	ck_assert_str_eq(d.class_names[1], "B");
	ck_assert_str_eq(d.class_names[2], "a");
	ck_assert_str_eq(d.class_names[3], "b");
	ck_assert_uint_eq(d.label[0], 3);
	ck_assert_uint_eq(d.label[1], 2);
	ck_assert_uint_eq(d.label[3], 2);
	data_free(&d);
}
END_TEST

START_TEST(test_many_rows_and_classes)
{
	/* 70000 rows, 5000 classes: the label table has to grow. */
	size_t n = 70000, cap = n * 24 + 16, len = 0;
	char *text = malloc(cap);
	struct dnn_dataset d;
	struct dnn_error e;

	ck_assert_ptr_nonnull(text);
	len += (size_t)snprintf(text, cap, "a,b,label\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "%zu,%zu.5,c%zu\n", i, i % 7,
					(i * 7919) % 5000);
	const char *p = tpath("many.csv");
	write_bytes(p, text, len);
	ck_assert_int_eq(load(&d, p, NULL, CLS, &e), 0);
	ck_assert_uint_eq(d.n_rows, n);
	ck_assert_uint_eq(d.n_classes, 5000);
	for (size_t i = 0; i < n; i += 997) {
		char want[16];

		snprintf(want, sizeof want, "c%zu", (i * 7919) % 5000);
		ck_assert_str_eq(d.class_names[d.label[i]], want);
		CK_FEQ(d.x[2 * i], (float)i);
	}
	for (size_t k = 1; k < d.n_classes; k++)
		ck_assert_int_lt(strcmp(d.class_names[k - 1], d.class_names[k]), 0);
	data_free(&d);
	free(text);
}
END_TEST

/* ---- CSV syntax ---- */

START_TEST(test_no_header)
{
	struct dnn_dataset d;
	struct dnn_error e = {0};
	struct dnn_data_opts o = opts(CLS, 0, ',');
	const char *p = tmp_csv("nohdr.csv", "1,2,a\n3,4,b\n5,6,a\n");

	ck_assert_int_eq(data_load(&d, p, &o, &e), 0);
	ck_assert_uint_eq(d.n_rows, 3);
	ck_assert_uint_eq(d.n_cols, 3);
	ck_assert_str_eq(d.col_names[0], "0");
	ck_assert_str_eq(d.col_names[1], "1");
	ck_assert_str_eq(d.col_names[2], "2");
	CK_FEQ(d.x[0], 1.0f);
	CK_FEQ(d.x[5], 6.0f);
	ck_assert_uint_eq(d.label[1], 1);
	data_free(&d);

	/* A target by name is a number without a header. */
	struct dnn_column_ref ref = {"0", 0};
	o.targets = &ref;
	o.n_targets = 1;
	o.task = REG;
	p = tmp_csv("nohdr2.csv", "1,2,3\n4,5,6\n");
	ck_assert_int_eq(data_load(&d, p, &o, &e), 0);
	ck_assert_int_eq(d.col_role[0], DNN_COL_TARGET);
	CK_FEQ(d.y[1], 4.0f);
	CK_FEQ(d.x[3], 6.0f);
	data_free(&d);
}
END_TEST

START_TEST(test_quoted)
{
	struct dnn_dataset d;
	struct dnn_error e;

	ck_assert_int_eq(load(&d, TEST_DATADIR "/csv_quoted.csv", NULL, CLS, &e), 0);
	ck_assert_uint_eq(d.n_rows, 3);
	ck_assert_str_eq(d.col_names[0], "name, with comma");
	ck_assert_str_eq(d.col_names[1], "say \"hi\"");
	CK_FEQ(d.x[0], 1.5f);
	CK_FEQ(d.x[1], 2.0f);
	CK_FEQ(d.x[2], 3.0f);
	CK_FEQ(d.x[3], 4.25f);
	ck_assert_uint_eq(d.n_classes, 3);
	ck_assert_str_eq(d.class_names[0], "a \"quoted\" label");
	ck_assert_str_eq(d.class_names[1], "plain");
	ck_assert_str_eq(d.class_names[2], "two\nlines");
	ck_assert_uint_eq(d.label[0], 1);
	ck_assert_uint_eq(d.label[1], 2);
	ck_assert_uint_eq(d.label[2], 0);
	data_free(&d);
}
END_TEST

START_TEST(test_csv_api)
{
	struct dnn_error e = {0};
	struct dnn_csv_opts o = {',', 1, 0};
	struct dnn_csv *c = csv_open(TEST_DATADIR "/csv_quoted.csv", &o, &e);

	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(csv_name(c), TEST_DATADIR "/csv_quoted.csv");
	ck_assert_int_eq(csv_next(c, &e), 1);
	ck_assert_uint_eq(csv_nfields(c), 3);
	ck_assert_uint_eq(csv_line(c), 1);
	ck_assert_uint_eq(csv_column(c, 0), 1);
	ck_assert_uint_eq(csv_column(c, 1), 20);
	ck_assert_uint_eq(csv_column(c, 2), 33);
	ck_assert_ptr_null(csv_field(c, 3));
	ck_assert_uint_eq(csv_column(c, 3), 0);
	ck_assert_int_eq(csv_next(c, &e), 1);
	ck_assert_uint_eq(csv_line(c), 2);
	ck_assert_str_eq(csv_field(c, 1), "2");
	ck_assert_int_eq(csv_next(c, &e), 1);
	ck_assert_uint_eq(csv_line(c), 3);
	ck_assert_str_eq(csv_field(c, 0), " 3 ");
	ck_assert_str_eq(csv_field(c, 2), "two\nlines");
	ck_assert_uint_eq(csv_column(c, 2), 14);
	/* The row after a quoted newline starts on line 5. */
	ck_assert_int_eq(csv_next(c, &e), 1);
	ck_assert_uint_eq(csv_line(c), 5);
	ck_assert_str_eq(csv_field(c, 2), "a \"quoted\" label");
	ck_assert_int_eq(csv_next(c, &e), 0);
	ck_assert_int_eq(csv_next(c, &e), 0);
	ck_assert_int_eq(e.code, 0);
	csv_close(c);
	csv_close(NULL);

	/* Empty fields, a last line without a newline, a lone CR, a quoted
	 * CRLF kept as it is. */
	const char *p = tmp_csv("api.csv", ",\n\"\",x\r\"a\r\nb\",\"\"\"\"\n1,2");
	c = csv_open(p, NULL, &e);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(csv_next(c, &e), 1);
	ck_assert_uint_eq(csv_nfields(c), 2);
	ck_assert_str_eq(csv_field(c, 0), "");
	ck_assert_str_eq(csv_field(c, 1), "");
	ck_assert_uint_eq(csv_column(c, 1), 2);
	ck_assert_int_eq(csv_next(c, &e), 1);
	ck_assert_uint_eq(csv_line(c), 2);
	ck_assert_str_eq(csv_field(c, 0), "");
	ck_assert_str_eq(csv_field(c, 1), "x");
	ck_assert_int_eq(csv_next(c, &e), 1);
	ck_assert_uint_eq(csv_line(c), 3);
	ck_assert_str_eq(csv_field(c, 0), "a\r\nb");
	ck_assert_str_eq(csv_field(c, 1), "\"");
	ck_assert_uint_eq(csv_column(c, 1), 4);
	ck_assert_int_eq(csv_next(c, &e), 1);
	ck_assert_uint_eq(csv_line(c), 5);
	ck_assert_str_eq(csv_field(c, 1), "2");
	ck_assert_uint_eq(csv_column(c, 1), 3);
	ck_assert_int_eq(csv_next(c, &e), 0);
	csv_close(c);
}
END_TEST

START_TEST(test_crlf_bom_blank_lines)
{
	struct dnn_dataset d;
	struct dnn_error e;
	const char *p;

	p = tmp_csv("crlf.csv", "a,b,c\r\n1,2,x\r\n3,4,y\r\n");
	ck_assert_int_eq(load(&d, p, NULL, CLS, &e), 0);
	ck_assert_uint_eq(d.n_rows, 2);
	ck_assert_str_eq(d.col_names[2], "c");
	ck_assert_str_eq(d.class_names[0], "x");
	ck_assert_str_eq(d.class_names[1], "y");
	data_free(&d);

	p = tmp_csv("bom.csv", "\xef\xbb\xbf"
			       "a,b,c\n1,2,x\n3,4,y\n");
	ck_assert_int_eq(load(&d, p, NULL, CLS, &e), 0);
	ck_assert_str_eq(d.col_names[0], "a");
	ck_assert_uint_eq(d.n_rows, 2);
	data_free(&d);

	/* The BOM does not count as a column. */
	p = tmp_csv("bom2.csv", "\xef\xbb\xbf"
				"a,a\n");
	ck_assert_int_eq(load(&d, p, NULL, CLS, &e), -1);
	CK_ERROR(&e, 65, p, 1, 3, "duplicate column name 'a'");

	p = tmp_csv("blank.csv", "\n\na,b\n\n1,x\n  \n\r\n2,y\n\n\n\n");
	ck_assert_int_eq(load(&d, p, NULL, CLS, &e), 0);
	ck_assert_uint_eq(d.n_rows, 2);
	CK_FEQ(d.x[1], 2.0f);
	data_free(&d);

	/* Without a final newline. */
	p = tmp_csv("nonl.csv", "a,b\n1,x\n2,y");
	ck_assert_int_eq(load(&d, p, NULL, CLS, &e), 0);
	ck_assert_uint_eq(d.n_rows, 2);
	ck_assert_str_eq(d.class_names[1], "y");
	data_free(&d);
}
END_TEST

START_TEST(test_spaces_and_delimiter)
{
	struct dnn_dataset d;
	struct dnn_error e = {0};
	struct dnn_data_opts o = opts(CLS, 1, ';');

	ck_assert_int_eq(load(&d, TEST_DATADIR "/csv_spaces.csv", NULL, CLS, &e), 0);
	CK_FEQ(d.x[0], 1.5f);
	CK_FEQ(d.x[1], 2.0f);
	CK_FEQ(d.x[2], 3.0f);
	CK_FEQ(d.x[3], 4.0f);
	ck_assert_str_eq(d.class_names[0], "no");
	ck_assert_str_eq(d.class_names[1], "yes");
	data_free(&d);

	ck_assert_int_eq(data_load(&d, TEST_DATADIR "/csv_semicolon.csv", &o, &e), 0);
	ck_assert_uint_eq(d.n_rows, 2);
	ck_assert_uint_eq(d.n_in, 2);
	CK_FEQ(d.x[0], 0.5f);
	CK_FEQ(d.x[3], -300.0f);
	data_free(&d);

	/* With ',' the same file has one column per row. */
	ck_assert_int_eq(load(&d, TEST_DATADIR "/csv_semicolon.csv", NULL, CLS, &e), -1);
	CK_ERROR(&e, 65, TEST_DATADIR "/csv_semicolon.csv", 0, 0,
		 "no input columns: every column is a target or ignored");

	/* A tab delimiter. */
	o.csv.delimiter = '\t';
	const char *p = tmp_csv("tab.tsv", "a\tb\tc\n1\t 2\tx\n3\t4\ty\n");
	ck_assert_int_eq(data_load(&d, p, &o, &e), 0);
	CK_FEQ(d.x[1], 2.0f);
	data_free(&d);

	/* Blanks around header names do not count. */
	p = tmp_csv("hdr_blanks.csv", "a , b,\" c \"\n1,2,x\n3,4,y\n");
	ck_assert_int_eq(load(&d, p, "b", REG, &e), -1);
	CK_ERROR(&e, 65, p, 2, 5, "expected a number, got 'x'");
	p = tmp_csv("hdr_blanks.csv", "a , b,\" c \"\n1,2,3\n3,4,5\n");
	ck_assert_int_eq(load(&d, p, "b", REG, &e), 0);
	ck_assert_str_eq(d.col_names[0], "a");
	ck_assert_str_eq(d.col_names[1], "b");
	ck_assert_str_eq(d.col_names[2], "c");
	ck_assert_int_eq(d.col_role[1], DNN_COL_TARGET);
	CK_FEQ(d.y[1], 4.0f);
	data_free(&d);
}
END_TEST

START_TEST(test_gzip)
{
	struct dnn_dataset a, b;
	struct dnn_error e;
	size_t len;
	char *text = slurp(DATADIR "/iris.csv", &len);
	const char *gz = tpath("iris.csv.gz");

	/* Recognised by content: the name does not end in .gz either way. */
	write_gz(gz, text, len);
	const char *odd = tpath("iris.dat");
	write_gz(odd, text, len);
	ck_assert_int_eq(load(&a, DATADIR "/iris.csv", NULL, CLS, &e), 0);
	ck_assert_int_eq(load(&b, odd, NULL, CLS, &e), 0);
	ck_assert_uint_eq(a.n_rows, b.n_rows);
	ck_assert_int_eq(memcmp(a.x, b.x, a.n_rows * a.n_in * sizeof *a.x), 0);
	ck_assert_int_eq(memcmp(a.label, b.label, a.n_rows * sizeof *a.label), 0);
	data_free(&b);
	ck_assert_int_eq(load(&b, gz, NULL, CLS, &e), 0);
	ck_assert_uint_eq(b.n_rows, 150);
	data_free(&b);
	data_free(&a);
	free(text);
}
END_TEST

/* data_load("-") with fd 0 reading path. */
static int load_stdin(struct dnn_dataset *d, const char *path, struct dnn_error *e)
{
	int saved = dup(0), fd = open(path, O_RDONLY), rc;

	ck_assert_int_ge(saved, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(dup2(fd, 0), 0);
	close(fd);
	rc = load(d, "-", NULL, CLS, e);
	ck_assert_int_eq(dup2(saved, 0), 0);
	close(saved);
	return rc;
}

START_TEST(test_stdin)
{
	struct dnn_dataset d;
	struct dnn_error e;
	size_t len;
	char *text = slurp(DATADIR "/iris.csv", &len);
	const char *gz = tpath("stdin.gz");

	ck_assert_int_eq(load_stdin(&d, DATADIR "/iris.csv", &e), 0);
	ck_assert_uint_eq(d.n_rows, 150);
	CK_FEQ(d.x[0], 5.1f);
	data_free(&d);

	write_gz(gz, text, len);
	ck_assert_int_eq(load_stdin(&d, gz, &e), 0);
	ck_assert_uint_eq(d.n_rows, 150);
	ck_assert_str_eq(d.class_names[2], "virginica");
	data_free(&d);

	/* Messages call it <stdin>. */
	const char *p = tmp_csv("stdin_bad.csv", "a,b\n1,x\nz,y\n");
	ck_assert_int_eq(load_stdin(&d, p, &e), -1);
	CK_ERROR(&e, 65, "<stdin>", 3, 1, "expected a number, got 'z'");
	free(text);
}
END_TEST

/* The first locale among a few whose decimal point is a comma, or NULL. */
static const char *comma_locale(void)
{
	static const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "de_DE",
				      "fr_FR.UTF-8", "fr_FR.utf8", "nl_NL.UTF-8"};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (setlocale(LC_NUMERIC, names[i])) {
			if (localeconv()->decimal_point[0] == ',')
				return names[i];
			setlocale(LC_NUMERIC, "C");
		}
	}
	return NULL;
}

START_TEST(test_locale)
{
	struct dnn_dataset d;
	struct dnn_error e;
	const char *p = tmp_csv("locale.csv", "a,b\n0.25,x\n1e-1,y\n");
	const char *loc = comma_locale();
	int rc;

	if (!loc) {
		fprintf(stderr, "check_data: no comma locale, testing in \"C\" only\n");
	} else {
		/* strtod of the caller's locale reads "0.25" as 0. */
		ck_assert_double_eq(strtod("0.25", NULL), 0.0);
	}
	rc = load(&d, p, NULL, CLS, &e);
	if (loc)
		ck_assert_str_eq(localeconv()->decimal_point, ",");
	setlocale(LC_NUMERIC, "C");
	ck_assert_int_eq(rc, 0);
	CK_FEQ(d.x[0], 0.25f);
	CK_FEQ(d.x[1], 0.1f);
	data_free(&d);
}
END_TEST

START_TEST(test_numbers_exact)
{
	/* Every number reads as strtof reads it, bit for bit, however it is
	 * written: short and long, many decimals, signs, leading zeros. */
	size_t n = 30000, cap = n * 40 + 16, len = 0;
	char *text = malloc(cap), (*num)[40] = malloc(n * sizeof *num);
	uint64_t st = 88172645463325252u;
	struct dnn_dataset d;
	struct dnn_error e;

	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(num);
	len += (size_t)snprintf(text, cap, "x,y\n");
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;

		st ^= st << 13;
		st ^= st >> 7;
		st ^= st << 17;
		int ni = (int)(st % 10), nf = (int)((st >> 8) % 13);
		if ((st >> 16) % 4 == 0)
			num[i][k++] = '-';
		if ((st >> 20) % 8 == 0)
			num[i][k++] = '0';
		for (int j = 0; j < ni; j++)
			num[i][k++] = (char)('0' + (st >> (24 + 3 * j)) % 10);
		if (nf || ni == 0) {
			num[i][k++] = '.';
			for (int j = 0; j < nf || j == 0; j++)
				num[i][k++] = (char)('0' + ((st >> (j * 5)) ^ (st >> 40)) % 10);
		}
		num[i][k] = '\0';
		len +=
		    (size_t)snprintf(text + len, cap - len, "%s,%c\n", num[i], i % 2 ? 'a' : 'b');
	}
	const char *p = tpath("numbers.csv");
	write_bytes(p, text, len);
	ck_assert_int_eq(load(&d, p, NULL, CLS, &e), 0);
	ck_assert_uint_eq(d.n_rows, n);
	for (size_t i = 0; i < n; i++) {
		float want = strtof(num[i], NULL);

		ck_assert_msg(memcmp(&want, d.x + i, sizeof want) == 0, "'%s': %.9g, expected %.9g",
			      num[i], (double)d.x[i], (double)want);
	}
	data_free(&d);

	/* Near the limits of the fast path. */
	const char *edge[] = {"16777216",
			      "16777217",
			      "16777219",
			      "-16777217",
			      "0.1",
			      "0.0000000001",
			      "0.00000000001",
			      "1677721.7",
			      "9999999.5",
			      "123456789012",
			      "-0",
			      "-0.0",
			      "5.",
			      ".5",
			      "+2.5",
			      "3.4e38",
			      "1e-45",
			      "1e-50",
			      "0.30000001192092896"};
	len = (size_t)snprintf(text, cap, "x,y\n");
	for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
		len +=
		    (size_t)snprintf(text + len, cap - len, "%s,%c\n", edge[i], i % 2 ? 'a' : 'b');
	write_bytes(p, text, len);
	ck_assert_int_eq(load(&d, p, NULL, CLS, &e), 0);
	for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) {
		float want = strtof(edge[i], NULL);

		ck_assert_msg(memcmp(&want, d.x + i, sizeof want) == 0, "'%s': %.9g, expected %.9g",
			      edge[i], (double)d.x[i], (double)want);
	}
	data_free(&d);
	free(num);
	free(text);
}
END_TEST

START_TEST(test_large_fields)
{
	/* Rows and fields that straddle the 256 KiB read chunks. */
	size_t n = 40000, cap = n * 40 + 400000, len = 0;
	char *text = malloc(cap);
	struct dnn_error e = {0};
	double sum = 0.0;

	ck_assert_ptr_nonnull(text);
	len += (size_t)snprintf(text, cap, "\"v\",\"w\",\"long\"\r\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "%zu,\"%zu.25\",\"a\"\"\r\nb\"\r\n",
					i, i % 10);
	len += (size_t)snprintf(text + len, cap - len, "1,2,\"");
	for (size_t i = 0; i < 300000; i++)
		text[len++] = (char)('a' + i % 26);
	len += (size_t)snprintf(text + len, cap - len, "\"\n");
	const char *p = tpath("large.csv");
	write_bytes(p, text, len);

	struct dnn_csv *c = csv_open(p, NULL, &e);
	size_t rows = 0;
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(csv_next(c, &e), 1);
	while (csv_next(c, &e) == 1) {
		ck_assert_uint_eq(csv_nfields(c), 3);
		if (rows < n) {
			ck_assert_uint_eq(csv_line(c), 2 + 2 * rows);
			ck_assert_str_eq(csv_field(c, 2), "a\"\r\nb");
			sum += strtod(csv_field(c, 1), NULL);
		} else {
			ck_assert_uint_eq(strlen(csv_field(c, 2)), 300000);
		}
		rows++;
	}
	ck_assert_int_eq(e.code, 0);
	ck_assert_uint_eq(rows, n + 1);
	ck_assert_double_eq_tol(sum, 4.5 * (double)n + 0.25 * (double)n, 1e-6);
	csv_close(c);
	free(text);
}
END_TEST

/* A random number's text in one of the shapes data files hold. */
static void random_number(unsigned *seed, char *buf, size_t size)
{
	unsigned r = (unsigned)rand_r(seed);

	switch (r % 6) {
	case 0: /* small integers, the SWAR path */
		snprintf(buf, size, "%u", (unsigned)rand_r(seed) % 256);
		break;
	case 1: /* up to 10 digits */
		snprintf(buf, size, "%u%u", (unsigned)rand_r(seed) % 100000,
			 (unsigned)rand_r(seed) % 100000);
		break;
	case 2:
		snprintf(buf, size, "-%u.%u", (unsigned)rand_r(seed) % 1000,
			 (unsigned)rand_r(seed) % 100000);
		break;
	case 3:
		snprintf(buf, size, "%.9g", (double)rand_r(seed) / RAND_MAX * 1e6);
		break;
	case 4:
		snprintf(buf, size, "%de%d", rand_r(seed) % 10, rand_r(seed) % 20 - 10);
		break;
	default:
		snprintf(buf, size, "+0.%07u", (unsigned)rand_r(seed) % 10000000);
		break;
	}
}

/* Rows mixing what the fast path takes (plain numbers) with what only the
 * general reader takes (quotes, blanks, CRLF, blank lines), across many
 * read chunks, plain and gzip-compressed: every value must be strtof's, every
 * label right, whichever reader took the row. */
START_TEST(test_fast_and_general_paths_agree)
{
	const size_t n = 60000, cols = 4;
	size_t cap = n * 120 + 64, len = 0;
	char *text = malloc(cap);
	float *want = malloc(n * cols * sizeof *want);
	unsigned *label = malloc(n * sizeof *label);
	unsigned seed = 12345;
	struct dnn_dataset d;
	struct dnn_error e;

	ck_assert(text && want && label);
	len += (size_t)snprintf(text, cap, "a,b,c,d,class\n");
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < cols; j++) {
			char num[64];
			unsigned how = (unsigned)rand_r(&seed) % 20;

			random_number(&seed, num, sizeof num);
			want[i * cols + j] = strtof(num, NULL);
			if (how == 0)
				len += (size_t)snprintf(text + len, cap - len, "\"%s\",", num);
			else if (how == 1)
				len += (size_t)snprintf(text + len, cap - len, "  %s ,", num);
			else if (how == 2)
				len += (size_t)snprintf(text + len, cap - len, " \"%s\" ,", num);
			else
				len += (size_t)snprintf(text + len, cap - len, "%s,", num);
		}
		label[i] = (unsigned)rand_r(&seed) % 5;
		len += (size_t)snprintf(text + len, cap - len,
					rand_r(&seed) % 10 ? "k%u" : " \"k%u\"", label[i]);
		len += (size_t)snprintf(text + len, cap - len, "%s",
					rand_r(&seed) % 4 ? "\n" : "\r\n");
		if (rand_r(&seed) % 500 == 0)
			len += (size_t)snprintf(text + len, cap - len, "\n");
	}
	ck_assert_uint_lt(len, cap);
	write_bytes(tpath("mixed.csv"), text, len);
	write_gz(tpath("mixed.gz"), text, len);
	for (int gz = 0; gz < 2; gz++) {
		if (load(&d, tpath(gz ? "mixed.gz" : "mixed.csv"), NULL, CLS, &e))
			ck_abort_msg("%s:%lu:%lu: %s", e.file, e.line, e.column, e.msg);
		ck_assert_uint_eq(d.n_rows, n);
		ck_assert_uint_eq(d.n_in, cols);
		ck_assert_uint_eq(d.n_classes, 5);
		for (size_t i = 0; i < n * cols; i++)
			if (memcmp(&d.x[i], &want[i], sizeof want[i]) != 0)
				ck_abort_msg("row %zu column %zu: read %.9g, expected %.9g",
					     i / cols, i % cols, (double)d.x[i], (double)want[i]);
		for (size_t i = 0; i < n; i++)
			if (d.label[i] != label[i])
				ck_abort_msg("row %zu: class %u, expected %u", i, d.label[i],
					     label[i]);
		data_free(&d);
	}
	/* predict's reader, which has a fast path of its own, in batches. */
	{
		static char *names[] = {"a", "b", "c", "d", "class"};
		static const unsigned char roles[] = {DNN_COL_INPUT, DNN_COL_INPUT, DNN_COL_INPUT,
						      DNN_COL_INPUT, DNN_COL_TARGET};
		struct dnn_csv_opts co = {',', 1, 0};
		float *x = malloc(1000 * cols * sizeof *x);
		size_t got, rows = 0;
		struct dnn_reader *r = reader_open(tpath("mixed.csv"), &co, names, roles, 5, &e);

		ck_assert(r && x);
		while (reader_next(r, x, 1000, &got, &e) == 0 && got) {
			for (size_t i = 0; i < got * cols; i++)
				if (memcmp(&x[i], &want[rows * cols + i], sizeof x[i]) != 0)
					ck_abort_msg("reader: row %zu column %zu: %.9g, expected %.9g",
						     rows + i / cols, i % cols, (double)x[i],
						     (double)want[rows * cols + i]);
			rows += got;
		}
		ck_assert_int_eq(e.code, 0);
		ck_assert_uint_eq(rows, n);
		reader_close(r);
		free(x);
	}
	free(text);
	free(want);
	free(label);
}
END_TEST

/* No limit on a line's length: a row wider than several read chunks. */
START_TEST(test_long_line)
{
	const size_t cols = 300000;
	size_t cap = cols * 16 + 64, len = 0;
	char *text = malloc(cap);
	struct dnn_dataset d;
	struct dnn_error e;

	ck_assert_ptr_nonnull(text);
	for (size_t j = 0; j < cols; j++)
		len += (size_t)snprintf(text + len, cap - len, "%sc%zu", j ? "," : "", j);
	for (int r = 0; r < 2; r++) {
		text[len++] = '\n';
		for (size_t j = 0; j < cols; j++)
			len += (size_t)snprintf(text + len, cap - len, "%s%zu", j ? "," : "",
						(j + (size_t)r) % 1000);
	}
	write_bytes(tpath("wide.csv"), text, len);
	ck_assert_int_eq(load(&d, tpath("wide.csv"), NULL, REG, &e), 0);
	ck_assert_uint_eq(d.n_rows, 2);
	ck_assert_uint_eq(d.n_in, cols - 1);
	for (size_t j = 0; j + 1 < cols; j++) {
		if (d.x[j] != (float)(j % 1000) || d.x[cols - 1 + j] != (float)((j + 1) % 1000))
			ck_abort_msg("column %zu read wrong", j);
	}
	CK_FEQ(d.y[0], (float)((cols - 1) % 1000));
	data_free(&d);
	free(text);
}
END_TEST

/* An error deep in a file that the fast path read up to it names the right
 * line and column. */
START_TEST(test_error_after_fast_rows)
{
	size_t n = 70000, cap = n * 16 + 64, len = 0;
	char *text = malloc(cap);
	struct dnn_dataset d;
	struct dnn_error e;

	ck_assert_ptr_nonnull(text);
	len += (size_t)snprintf(text, cap, "x,y,t\r\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, i == 65432 ? "%zu,1x,3\r\n" :
									"%zu,2,3\r\n",
					i % 100);
	write_bytes(tpath("deep.csv"), text, len);
	ck_assert_int_eq(load(&d, tpath("deep.csv"), NULL, REG, &e), -1);
	ck_assert_int_eq(e.code, 65);
	ck_assert_uint_eq(e.line, 65434);
	ck_assert_uint_eq(e.column, 4);
	ck_assert_str_eq(e.msg, "expected a number, got '1x'");
	free(text);
}
END_TEST

/* ---- categorical inputs ---- */

static int load_cat(struct dnn_dataset *d, const char *path, const char *cat, int missing_ok,
		    struct dnn_error *e)
{
	struct dnn_column_ref t = {"kind", 0}, ig = {"id", 0}, c = {(char *)cat, 0};
	struct dnn_data_opts o = opts(CLS, 1, ',');

	o.targets = &t;
	o.n_targets = 1;
	o.ignore = &ig;
	o.n_ignore = 1;
	o.categorical = &c;
	o.n_categorical = 1;
	o.csv.missing_ok = missing_ok;
	memset(e, 0, sizeof *e);
	return data_load(d, path, &o, e);
}

START_TEST(test_categorical)
{
	struct dnn_dataset d;
	struct dnn_error e;
	/* color sorts to: dark red, green, red, yellow; then size, weight. */
	static const float row0[] = {0, 0, 1, 0, 3.1f, 10};
	static const float row6[] = {1, 0, 0, 0, 3.0f, 10.5f};

	ck_assert_int_eq(load_cat(&d, TEST_DATADIR "/fruit.csv", "color", 0, &e), 0);
	ck_assert_uint_eq(d.n_rows, 12);
	ck_assert_uint_eq(d.n_in, 6);
	ck_assert_uint_eq(d.n_cats, 1);
	ck_assert_uint_eq(d.cats[0].col, 1);
	ck_assert_uint_eq(d.cats[0].first, 0);
	ck_assert_uint_eq(d.cats[0].n, 4);
	ck_assert_str_eq(d.cats[0].names[0], "dark red");
	ck_assert_str_eq(d.cats[0].names[3], "yellow");
	ck_assert_int_eq(d.col_role[1], DNN_COL_CATEGORICAL);
	for (int j = 0; j < 6; j++) {
		CK_FEQ(d.x[j], row0[j]);
		CK_FEQ(d.x[6 * 6 + j], row6[j]);
	}
	ck_assert_uint_eq(data_input_of(d.col_role, 2, d.cats, d.n_cats), 4);
	ck_assert_uint_eq(data_input_of(d.col_role, 0, d.cats, d.n_cats), SIZE_MAX);
	data_free(&d);

	/* A missing category: an error, or NaN in all its inputs. */
	const char *p = tmp_csv("cat_missing.csv", "id,color,size,kind\n1,red,2,a\n2,,3,b\n"
						    "3,blue,4,a\n4,NA,5,b\n");
	ck_assert_int_eq(load_cat(&d, p, "color", 0, &e), -1);
	ck_assert_int_eq(e.code, 65);
	ck_assert_uint_eq(e.line, 3);
	ck_assert_uint_eq(e.column, 3);
	ck_assert_str_eq(e.msg, "missing value in column 'color'");
	ck_assert_int_eq(load_cat(&d, p, "color", 1, &e), 0);
	ck_assert_uint_eq(d.n_in, 3);
	ck_assert_uint_eq(d.n_missing, 2);
	ck_assert(isnan(d.x[3]) && isnan(d.x[4]));
	CK_FEQ(d.x[5], 3.0f);
	CK_FEQ(d.x[6], 1.0f); /* blue */
	data_free(&d);

	/* Integer categories sort by value. */
	p = tmp_csv("cat_int.csv", "id,color,kind\n1,10,a\n2,9,b\n3,100,a\n");
	ck_assert_int_eq(load_cat(&d, p, "color", 0, &e), 0);
	ck_assert_str_eq(d.cats[0].names[0], "9");
	ck_assert_str_eq(d.cats[0].names[1], "10");
	ck_assert_str_eq(d.cats[0].names[2], "100");
	data_free(&d);
}
END_TEST

START_TEST(test_reader_categories)
{
	struct dnn_dataset d;
	struct dnn_error e;
	struct dnn_reader *r;
	struct dnn_csv_opts o = {',', 1, 0};
	float x[3 * 6];
	size_t n;

	ck_assert_int_eq(load_cat(&d, TEST_DATADIR "/fruit.csv", "color", 0, &e), 0);
	/* Columns by name in another order, an extra column, an unknown
	 * category on the third row. */
	struct dnn_reader_opts ro = {.cats = d.cats, .n_cats = d.n_cats};

	r = reader_open_model(TEST_DATADIR "/fruit_new.csv", &o, d.col_names, d.col_role, d.n_cols,
			      &ro, &e);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(reader_next(r, x, 2, &n, &e), 0);
	ck_assert_uint_eq(n, 2);
	static const float want[] = {0, 0, 1, 0, 3, 10, 0, 0, 0, 1, 8, 30};
	for (int j = 0; j < 12; j++)
		CK_FEQ(x[j], want[j]);
	ck_assert_int_eq(reader_next(r, x, 2, &n, &e), -1);
	ck_assert_int_eq(e.code, 65);
	ck_assert_uint_eq(e.line, 4);
	ck_assert_uint_eq(e.column, 21);
	ck_assert_str_eq(e.msg,
			 "unknown category 'purple' in column 'color' (not in the training data)");
	reader_close(r);

	ro.unknown_ignore = 1;
	r = reader_open_model(TEST_DATADIR "/fruit_new.csv", &o, d.col_names, d.col_role, d.n_cols,
			      &ro, &e);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(reader_next(r, x, 3, &n, &e), 0);
	ck_assert_uint_eq(n, 3);
	for (int j = 0; j < 4; j++)
		CK_FEQ(x[12 + j], 0.0f);
	CK_FEQ(x[16], 3.1f);
	reader_close(r);
	data_free(&d);
}
END_TEST

/* The validation split: its size, stratification, determinism and errors. */
START_TEST(test_split)
{
	struct dnn_dataset d, d2;
	struct dnn_error e;
	size_t n_val, count[3] = {0};

	ck_assert_int_eq(load(&d, DATADIR "/iris.csv", NULL, CLS, &e), 0);
	ck_assert_int_eq(data_split(&d, 0.2, 7, &n_val, "iris.csv", &e), 0);
	ck_assert_uint_eq(n_val, 30);
	for (size_t i = d.n_rows - n_val; i < d.n_rows; i++)
		count[d.label[i]]++;
	ck_assert_uint_eq(count[0], 10);
	ck_assert_uint_eq(count[1], 10);
	ck_assert_uint_eq(count[2], 10);
	/* The same seed, the same split; rows keep their file order. */
	ck_assert_int_eq(load(&d2, DATADIR "/iris.csv", NULL, CLS, &e), 0);
	ck_assert_int_eq(data_split(&d2, 0.2, 7, &n_val, "iris.csv", &e), 0);
	ck_assert_int_eq(memcmp(d.x, d2.x, d.n_rows * d.n_in * sizeof *d.x), 0);
	data_free(&d2);
	/* Nothing lost: the rows are a permutation of the file's. */
	ck_assert_int_eq(load(&d2, DATADIR "/iris.csv", NULL, CLS, &e), 0);
	double s1 = 0, s2 = 0;
	for (size_t i = 0; i < d.n_rows * d.n_in; i++) {
		s1 += (double)d.x[i];
		s2 += (double)d2.x[i];
	}
	ck_assert_double_eq_tol(s1, s2, 1e-6);
	data_free(&d2);
	data_free(&d);

	/* Uneven classes keep their proportions (largest remainders). */
	const char *p = tmp_csv("uneven.csv", "x,y\n1,a\n2,a\n3,a\n4,a\n5,a\n6,a\n7,b\n8,b\n9,b\n"
					       "10,c\n11,c\n");
	ck_assert_int_eq(load(&d, p, NULL, CLS, &e), 0);
	ck_assert_int_eq(data_split(&d, 0.3, 1, &n_val, "uneven.csv", &e), 0);
	memset(count, 0, sizeof count);
	for (size_t i = d.n_rows - n_val; i < d.n_rows; i++)
		count[d.label[i]]++;
	ck_assert_uint_eq(n_val, 3);
	ck_assert_uint_eq(count[0], 1);
	ck_assert_uint_eq(count[1], 1);
	ck_assert_uint_eq(count[2], 1);
	data_free(&d);

	p = tmp_csv("single.csv", "x,y\n1,a\n2,a\n3,b\n4,a\n");
	ck_assert_int_eq(load(&d, p, NULL, CLS, &e), 0);
	ck_assert_int_eq(data_split(&d, 0.5, 1, &n_val, "single.csv", &e), -1);
	ck_assert_int_eq(e.code, 65);
	ck_assert_str_eq(e.msg, "class 'b' has a single row; a stratified validation split "
				"needs at least two of each class");
	ck_assert_int_eq(data_split(&d, 0.9, 1, &n_val, "single.csv", &e), -1);
	ck_assert_str_eq(e.msg, "4 rows are too few to hold out a validation fraction of 0.9");
	data_free(&d);
}
END_TEST

/* ---- errors ---- */

START_TEST(test_err_open)
{
	struct dnn_dataset d;
	struct dnn_error e;
	char want[1200];
	const char *p = tpath("no-such-file.csv");

	ck_assert_int_eq(load(&d, p, NULL, CLS, &e), -1);
	snprintf(want, sizeof want, "cannot open '%s': %s", p, strerror(ENOENT));
	CK_ERROR(&e, 66, "", 0, 0, want);

	ck_assert_int_eq(load(&d, tmpdir, NULL, CLS, &e), -1);
	snprintf(want, sizeof want, "cannot open '%s': %s", tmpdir, strerror(EISDIR));
	CK_ERROR(&e, 66, "", 0, 0, want);

	if (geteuid() != 0) {
		p = tmp_csv("unreadable.csv", "a,b\n1,x\n");
		ck_assert_int_eq(chmod(p, 0), 0);
		ck_assert_int_eq(load(&d, p, NULL, CLS, &e), -1);
		snprintf(want, sizeof want, "cannot open '%s': %s", p, strerror(EACCES));
		CK_ERROR(&e, 66, "", 0, 0, want);
	}

	struct dnn_csv_opts quote = {'"', 1, 0};
	ck_assert_ptr_null(csv_open(DATADIR "/iris.csv", &quote, &e));
	CK_ERROR(&e, 64, "", 0, 0, "the delimiter cannot be a quote or a line end");

	/* A read error (Linux: reading /proc/self/mem at address 0 fails). */
	int fd = open("/proc/self/mem", O_RDONLY);
	if (fd >= 0) {
		close(fd);
		ck_assert_int_eq(load(&d, "/proc/self/mem", NULL, CLS, &e), -1);
		ck_assert_int_eq(e.code, 74);
		ck_assert_str_eq(e.file, "/proc/self/mem");
		ck_assert_ptr_nonnull(strstr(e.msg, "read error: "));
	}
}
END_TEST

START_TEST(test_err_gzip)
{
	struct dnn_dataset d;
	struct dnn_error e;
	size_t len, glen;
	char *text = slurp(DATADIR "/iris.csv", &len);
	const char *gz = tpath("bad.gz");
	char *g;

	write_gz(gz, text, len);
	g = slurp(gz, &glen);
	ck_assert_uint_gt(glen, 200);

	/* A damaged deflate stream. */
	for (size_t i = glen / 2; i < glen / 2 + 16; i++)
		g[i] = (char)(g[i] ^ 0x5a);
	write_bytes(gz, g, glen);
	ck_assert_int_eq(load(&d, gz, NULL, CLS, &e), -1);
	ck_assert_uint_ge(e.line, 1); /* where the good data ends */
	CK_ERROR(&e, 65, gz, e.line, 0, "corrupt gzip data");

	/* A wrong checksum at the end. */
	for (size_t i = glen / 2; i < glen / 2 + 16; i++)
		g[i] = (char)(g[i] ^ 0x5a);
	g[glen - 6] = (char)(g[glen - 6] ^ 1);
	write_bytes(gz, g, glen);
	ck_assert_int_eq(load(&d, gz, NULL, CLS, &e), -1);
	CK_ERROR(&e, 65, gz, e.line, 0, "corrupt gzip data");

	/* Cut short. */
	write_bytes(gz, g, glen - 20);
	ck_assert_int_eq(load(&d, gz, NULL, CLS, &e), -1);
	ck_assert_uint_ge(e.line, 1);
	CK_ERROR(&e, 65, gz, e.line, 0, "truncated gzip data");
	free(g);
	free(text);
}
END_TEST

START_TEST(test_err_syntax)
{
	struct dnn_error e;
	const char *p;

	p = load_fail("a,b\n1,\"x\n2,y\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 2, 3, "unterminated quoted field");
	p = load_fail("a,b\n1,\"x,\"\"\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 2, 3, "unterminated quoted field");
	p = load_fail("a,b\n1,\"a\"b\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 2, 6, "unexpected text after a closing quote");
	p = load_fail("\"a\" \"b\",c\n1,x\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 1, 5, "unexpected text after a closing quote");
	/* Blanks after a closing quote are allowed. */
	struct dnn_dataset d;
	p = tmp_csv("qblank.csv", "\"a\" ,b\n\"1\"  ,x\n2,\"y\"\t\n");
	ck_assert_int_eq(load(&d, p, NULL, CLS, &e), 0);
	ck_assert_str_eq(d.col_names[0], "a");
	ck_assert_str_eq(d.class_names[1], "y");
	data_free(&d);
	/* A binary file. */
	const char bin[] = "a,b\n1,\0x\n";
	p = tpath("bin.csv");
	write_bytes(p, bin, sizeof bin - 1);
	ck_assert_int_eq(load(&d, p, NULL, CLS, &e), -1);
	CK_ERROR(&e, 65, p, 2, 3, "unexpected NUL byte (is this a text file?)");
}
END_TEST

START_TEST(test_err_ragged)
{
	struct dnn_error e;
	const char *p;

	p = load_fail("a,b,c\n1,2,x\n3,4\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 3, 4, "expected 3 columns, found 2");
	p = load_fail("a,b,c\n1,2,x\n3,4,y,55\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 3, 7, "expected 3 columns, found 4");
	p = load_fail("a,b,c\r\n1,2\r\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 2, 4, "expected 3 columns, found 2");
	/* Without a final newline, and after a quoted newline. */
	p = load_fail("a,b,c\n1,2,\"x\ny\"\n1,22", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 4, 5, "expected 3 columns, found 2");
	p = load_fail("a,b,c\n1,2,\"x\ny\",\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 3, 4, "expected 3 columns, found 4");
	/* The header has fewer columns than the data. */
	p = load_fail("a,b\n1,2,x\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 2, 5, "expected 2 columns, found 3");
}
END_TEST

START_TEST(test_err_cells)
{
	struct dnn_error e;
	const char *p;

	p = load_fail("a,b,c\n1,abc,x\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 2, 3, "expected a number, got 'abc'");
	p = load_fail("a,b,c\n1,  1.5x ,x\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 2, 3, "expected a number, got '1.5x'");
	p = load_fail("a,b,c\n1,\"1,5\",x\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 2, 3, "expected a number, got '1,5'");
	p = load_fail("a,b,c\n1,0x10,x\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 2, 3, "expected a number, got '0x10'");
	p = load_fail("a,b,c\n1,1 2,x\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 2, 3, "expected a number, got '1 2'");
	/* Long text is cut, control characters are escaped. */
	p = load_fail("a,b,c\n1,\"x\ty\x01z\n0123456789012345678901234567890123456789\",x\n", NULL,
		      CLS, &e);
	CK_ERROR(&e, 65, p, 2, 3,
		 "expected a number, got 'x\\ty\\x01z\\n0123456789012345678901234567890123...'");
	p = load_fail("a,b,c\n1,inf,x\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 2, 3, "not a finite number: 'inf'");
	p = load_fail("a,b,c\n1,-Infinity,x\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 2, 3, "not a finite number: '-Infinity'");
	p = load_fail("a,b,c\n1e39,1,x\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 2, 1, "not a finite number: '1e39'");

	/* Regression targets follow the same rules. */
	p = load_fail("a,y\n1,2\n1,x\n", NULL, REG, &e);
	CK_ERROR(&e, 65, p, 3, 3, "expected a number, got 'x'");
	p = load_fail("a,y\n1,2\n1,NaN\n", NULL, REG, &e);
	CK_ERROR(&e, 65, p, 3, 3, "missing value in column 'y'");

	/* Every spelling of a missing value, inputs and labels. */
	const char *missing[] = {"", " ", "NA", "NaN", "nan", "N/A", "?", " na "};
	for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
		char text[64];

		snprintf(text, sizeof text, "a,bee,c\n1,2,x\n3,%s,y\n", missing[i]);
		p = load_fail(text, NULL, CLS, &e);
		CK_ERROR(&e, 65, p, 3, 3, "missing value in column 'bee'");
		snprintf(text, sizeof text, "a,b,label\n1,2,x\n3,4,%s\n", missing[i]);
		p = load_fail(text, NULL, CLS, &e);
		CK_ERROR(&e, 65, p, 3, 5, "missing value in column 'label'");
	}
	p = load_fail("a,b,label\n1,2,x\n3,4,\"\"\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 3, 5, "missing value in column 'label'");
}
END_TEST

START_TEST(test_err_targets)
{
	struct dnn_error e;
	struct dnn_dataset d;
	const char *p;

	p = load_fail("alpha,beta,gamma\n1,2,3\n", "gama", REG, &e);
	CK_ERROR(&e, 65, p, 0, 0, "target column 'gama' not found; did you mean 'gamma'?");
	p = load_fail("alpha,beta,gamma\n1,2,3\n", "zzz", REG, &e);
	CK_ERROR(&e, 65, p, 0, 0, "target column 'zzz' not found; columns are: alpha, beta, gamma");
	p = load_fail("alpha,beta,gamma\n1,2,3\n", "7", REG, &e);
	CK_ERROR(&e, 65, p, 0, 0, "target column '7' not found; the file has 3 columns (0 to 2)");

	/* A long list of columns is cut short. */
	char text[4096];
	size_t len = 0;
	for (int i = 0; i < 100; i++)
		len += (size_t)snprintf(text + len, sizeof text - len, "%scolumn_%02d",
					i ? "," : "", i);
	snprintf(text + len, sizeof text - len, "\n");
	p = load_fail(text, "zzz", REG, &e);
	ck_assert_int_eq(e.code, 65);
	ck_assert_ptr_nonnull(strstr(e.msg, "columns are: column_00, column_01, "));
	ck_assert_ptr_nonnull(strstr(e.msg, ", ..."));
	ck_assert_ptr_null(strstr(e.msg, "column_99"));
	ck_assert_uint_lt(strlen(e.msg), 300);

	struct dnn_column_ref ref = {NULL, 3};
	struct dnn_data_opts o = opts(REG, 1, ',');
	o.targets = &ref;
	o.n_targets = 1;
	p = tmp_csv("idx.csv", "a,b,c\n1,2,3\n");
	ck_assert_int_eq(data_load(&d, p, &o, &e), -1);
	CK_ERROR(&e, 65, p, 0, 0, "target column 3 not found; the file has 3 columns (0 to 2)");
	ref.index = -1;
	ck_assert_int_eq(data_load(&d, p, &o, &e), -1);
	CK_ERROR(&e, 65, p, 0, 0, "target column -1 not found; the file has 3 columns (0 to 2)");

	struct dnn_column_ref two[2] = {{"c", 0}, {NULL, 2}};
	o.targets = two;
	o.n_targets = 2;
	ck_assert_int_eq(data_load(&d, p, &o, &e), -1);
	CK_ERROR(&e, 65, p, 0, 0, "target column 'c' is given twice");
	o.task = CLS;
	two[1].index = 1;
	ck_assert_int_eq(data_load(&d, p, &o, &e), -1);
	CK_ERROR(&e, 65, "", 0, 0, "classification takes one target column, not 2");

	p = load_fail("y\n1\n2\n", NULL, REG, &e);
	CK_ERROR(&e, 65, p, 0, 0, "no input columns: every column is a target or ignored");
}
END_TEST

START_TEST(test_err_file_shape)
{
	struct dnn_error e;
	const char *p;

	p = load_fail("", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 0, 0, "file is empty");
	p = load_fail("\n\r\n  \n\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 0, 0, "file is empty");
	p = load_fail("\xef\xbb\xbf", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 0, 0, "file is empty");
	p = load_fail("a,b\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 0, 0, "no data rows (only a header)");
	p = load_fail("a,b\n\n\n", NULL, REG, &e);
	CK_ERROR(&e, 65, p, 0, 0, "no data rows (only a header)");
	p = load_fail("a,b,a\n1,2,3\n", NULL, REG, &e);
	CK_ERROR(&e, 65, p, 1, 5, "duplicate column name 'a'");
	p = load_fail("\nx,y,z,y,x\n1,2,3,4,5\n", NULL, REG, &e);
	CK_ERROR(&e, 65, p, 2, 7, "duplicate column name 'y'");
	p = load_fail("a,b\n1,x\n2,x\n3, x\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 0, 0, "target column 'b' has only one class ('x')");
}
END_TEST

/* ---- normalization ---- */

START_TEST(test_norm)
{
	const float x[] = {1, 5, -2, 2, 5, 0, 3, 5, 2};
	float y[9];
	struct dnn_norm nm = {0};
	struct dnn_error e = {0};
	const size_t rows[] = {0, 2};

	ck_assert_int_eq(norm_fit(&nm, x, 3, NULL, 3, &e), 0);
	ck_assert_uint_eq(nm.n, 3);
	CK_NEAR(nm.mean[0], 2.0, 1e-6);
	CK_NEAR(nm.scale[0], sqrt(2.0 / 3.0), 1e-6);
	/* A constant column keeps scale 1. */
	CK_NEAR(nm.mean[1], 5.0, 1e-6);
	CK_FEQ(nm.scale[1], 1.0f);
	CK_NEAR(nm.mean[2], 0.0, 1e-6);
	CK_NEAR(nm.scale[2], sqrt(8.0 / 3.0), 1e-6);

	memcpy(y, x, sizeof y);
	norm_apply(&nm, y, 3);
	CK_NEAR(y[0], -1.0 / sqrt(2.0 / 3.0), 1e-5);
	CK_NEAR(y[1], 0.0, 1e-6);
	CK_NEAR(y[8], 2.0 / sqrt(8.0 / 3.0), 1e-5);
	norm_invert(&nm, y, 3);
	for (size_t i = 0; i < 9; i++)
		CK_NEAR(y[i], x[i], 1e-5);
	norm_free(&nm);
	ck_assert_ptr_null(nm.mean);
	norm_free(&nm);

	/* Only the listed rows. */
	ck_assert_int_eq(norm_fit(&nm, x, 3, rows, 2, &e), 0);
	CK_NEAR(nm.mean[0], 2.0, 1e-6);
	CK_NEAR(nm.scale[0], 1.0, 1e-6);
	CK_NEAR(nm.mean[2], 0.0, 1e-6);
	CK_NEAR(nm.scale[2], 2.0, 1e-6);
	norm_free(&nm);

	ck_assert_int_eq(norm_identity(&nm, 2, &e), 0);
	ck_assert_uint_eq(nm.n, 2);
	CK_FEQ(nm.mean[1], 0.0f);
	CK_FEQ(nm.scale[1], 1.0f);
	memcpy(y, x, sizeof y);
	norm_apply(&nm, y, 3);
	ck_assert_int_eq(memcmp(x, y, 6 * sizeof *y), 0);
	norm_free(&nm);
}
END_TEST

START_TEST(test_norm_constant)
{
	/* A large constant whose mean is not exact in floating point. */
	float x[3000];
	struct dnn_norm nm = {0};
	struct dnn_error e = {0};

	for (size_t i = 0; i < 3000; i++)
		x[i] = 123456.7f;
	ck_assert_int_eq(norm_fit(&nm, x, 1, NULL, 3000, &e), 0);
	CK_FEQ(nm.scale[0], 1.0f);
	CK_NEAR(nm.mean[0], 123456.7f, 0.01);
	/* Tiny but real spread is kept. */
	for (size_t i = 0; i < 3000; i++)
		x[i] = i % 2 ? 1e-3f : -1e-3f;
	norm_free(&nm);
	ck_assert_int_eq(norm_fit(&nm, x, 1, NULL, 3000, &e), 0);
	CK_NEAR(nm.scale[0], 1e-3, 1e-9);
	norm_free(&nm);
}
END_TEST

/* ---- the predict reader ---- */

static char *iris_names[] = {"sepal_length", "sepal_width", "petal_length", "petal_width",
			     "species"};
static const unsigned char iris_roles[] = {DNN_COL_INPUT, DNN_COL_INPUT, DNN_COL_INPUT,
					   DNN_COL_INPUT, DNN_COL_TARGET};

static struct dnn_reader *iris_reader(const char *path, int header, struct dnn_error *e)
{
	struct dnn_csv_opts o = {',', header, 0};

	memset(e, 0, sizeof *e);
	return reader_open(path, &o, iris_names, iris_roles, 5, e);
}

START_TEST(test_reader_batches)
{
	struct dnn_dataset d;
	struct dnn_error e;
	float x[64 * 4];
	size_t n, total = 0;
	const size_t want[] = {64, 64, 22, 0, 0};
	struct dnn_reader *r = iris_reader(DATADIR "/iris.csv", 1, &e);

	ck_assert_int_eq(load(&d, DATADIR "/iris.csv", NULL, CLS, &e), 0);
	ck_assert_ptr_nonnull(r);
	for (size_t b = 0; b < 5; b++) {
		ck_assert_int_eq(reader_next(r, x, 64, &n, &e), 0);
		ck_assert_uint_eq(n, want[b]);
		ck_assert_int_eq(memcmp(x, d.x + total * 4, n * 4 * sizeof *x), 0);
		total += n;
	}
	ck_assert_uint_eq(total, 150);
	reader_close(r);
	reader_close(NULL);
	data_free(&d);
}
END_TEST

START_TEST(test_reader_columns)
{
	struct dnn_error e;
	float x[8];
	size_t n;
	struct dnn_reader *r = iris_reader(TEST_DATADIR "/csv_reader.csv", 1, &e);

	/* Reordered, with the target empty and an extra text column. */
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(reader_next(r, x, 2, &n, &e), 0);
	ck_assert_uint_eq(n, 2);
	CK_FEQ(x[0], 5.1f);
	CK_FEQ(x[1], 3.5f);
	CK_FEQ(x[2], 1.4f);
	CK_FEQ(x[3], 0.2f);
	CK_FEQ(x[4], 5.7f);
	CK_FEQ(x[7], 1.3f);
	ck_assert_int_eq(reader_next(r, x, 2, &n, &e), 0);
	ck_assert_uint_eq(n, 0);
	reader_close(r);

	/* Without the target column at all. */
	const char *p = tmp_csv("rd1.csv", "petal_width,petal_length,sepal_width,sepal_length\n"
					   "1,2,3,4\n");
	r = iris_reader(p, 1, &e);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(reader_next(r, x, 2, &n, &e), 0);
	ck_assert_uint_eq(n, 1);
	CK_FEQ(x[0], 4.0f);
	CK_FEQ(x[3], 1.0f);
	reader_close(r);

	/* A repeated name among the extra columns does not matter. */
	p = tmp_csv("rd2.csv", "x,sepal_length,sepal_width,x,petal_length,petal_width\n"
			       "a,1,2,b,3,4\n");
	r = iris_reader(p, 1, &e);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(reader_next(r, x, 2, &n, &e), 0);
	ck_assert_uint_eq(n, 1);
	CK_FEQ(x[0], 1.0f);
	CK_FEQ(x[2], 3.0f);
	CK_FEQ(x[3], 4.0f);
	reader_close(r);
}
END_TEST

START_TEST(test_reader_no_header)
{
	struct dnn_error e;
	float x[8];
	size_t n;
	const char *p;
	struct dnn_reader *r;

	/* Just the inputs. */
	p = tmp_csv("rn1.csv", "1,2,3,4\n5,6,7,8\n");
	r = iris_reader(p, 0, &e);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(reader_next(r, x, 8, &n, &e), 0);
	ck_assert_uint_eq(n, 2);
	CK_FEQ(x[0], 1.0f);
	CK_FEQ(x[7], 8.0f);
	reader_close(r);

	/* The training layout, target included (and ignored). */
	p = tmp_csv("rn2.csv", "1,2,3,4,setosa\n5,6,7,8,\n");
	r = iris_reader(p, 0, &e);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(reader_next(r, x, 8, &n, &e), 0);
	ck_assert_uint_eq(n, 2);
	CK_FEQ(x[3], 4.0f);
	CK_FEQ(x[4], 5.0f);
	reader_close(r);

	/* A target that is not the last column. */
	char *names[] = {"label", "a", "b"};
	const unsigned char roles[] = {DNN_COL_TARGET, DNN_COL_INPUT, DNN_COL_INPUT};
	struct dnn_csv_opts o = {',', 0, 0};
	p = tmp_csv("rn3.csv", "x,1,2\ny,3,4\n");
	r = reader_open(p, &o, names, roles, 3, &e);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(reader_next(r, x, 8, &n, &e), 0);
	ck_assert_uint_eq(n, 2);
	CK_FEQ(x[0], 1.0f);
	CK_FEQ(x[1], 2.0f);
	CK_FEQ(x[3], 4.0f);
	reader_close(r);
	p = tmp_csv("rn4.csv", "1,2\n3,4\n");
	r = reader_open(p, &o, names, roles, 3, &e);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(reader_next(r, x, 8, &n, &e), 0);
	ck_assert_uint_eq(n, 2);
	CK_FEQ(x[0], 1.0f);
	CK_FEQ(x[3], 4.0f);
	reader_close(r);

	/* An empty input has no rows. */
	p = tmp_csv("rn5.csv", "");
	r = iris_reader(p, 0, &e);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(reader_next(r, x, 2, &n, &e), 0);
	ck_assert_uint_eq(n, 0);
	reader_close(r);
}
END_TEST

/* reader_next over text that must fail at its first row; e gets the error. */
static const char *reader_fail(const char *text, int header, struct dnn_error *e)
{
	const char *p = tmp_csv("rbad.csv", text);
	struct dnn_reader *r = iris_reader(p, header, e);
	float x[16];
	size_t n = 99;

	if (!r)
		return p;
	ck_assert_int_eq(reader_next(r, x, 4, &n, e), -1);
	ck_assert_uint_eq(n, 0);
	reader_close(r);
	return p;
}

START_TEST(test_reader_errors)
{
	struct dnn_error e;
	const char *p;

	p = tmp_csv("rm.csv", "sepal_length,sepal_width,petal_length,species\n1,2,3,x\n");
	ck_assert_ptr_null(iris_reader(p, 1, &e));
	CK_ERROR(&e, 65, p, 0, 0, "input column 'petal_width' is missing");
	p = tmp_csv("rd.csv", "sepal_length,sepal_width,petal_length,petal_width,sepal_width\n");
	ck_assert_ptr_null(iris_reader(p, 1, &e));
	CK_ERROR(&e, 65, p, 1, 51, "duplicate column name 'sepal_width'");
	p = tmp_csv("re.csv", "");
	ck_assert_ptr_null(iris_reader(p, 1, &e));
	CK_ERROR(&e, 65, p, 0, 0, "file is empty");
	ck_assert_ptr_null(iris_reader(tpath("nothing.csv"), 1, &e));
	ck_assert_int_eq(e.code, 66);

	p = reader_fail("1,2,3\n", 0, &e);
	CK_ERROR(&e, 65, p, 1, 6, "expected 4 or 5 columns, found 3");
	p = reader_fail("1,2,3,4,x,6\n", 0, &e);
	CK_ERROR(&e, 65, p, 1, 11, "expected 4 or 5 columns, found 6");
	p = reader_fail("1,2,3,4,x\n1,2,3,4\n", 0, &e);
	CK_ERROR(&e, 65, p, 2, 8, "expected 5 columns, found 4");
	p = reader_fail("1,2,3,4\n1,2,3,4,x\n", 0, &e);
	CK_ERROR(&e, 65, p, 2, 9, "expected 4 columns, found 5");
	p = reader_fail("1,2,x,4\n", 0, &e);
	CK_ERROR(&e, 65, p, 1, 5, "expected a number, got 'x'");
	p = reader_fail("1,2,3,NA,setosa\n", 0, &e);
	CK_ERROR(&e, 65, p, 1, 7, "missing value in column 'petal_width'");

	p = reader_fail("petal_width,sepal_length,sepal_width,petal_length\n1,2,3\n", 1, &e);
	CK_ERROR(&e, 65, p, 2, 6, "expected 4 columns, found 3");
	p = reader_fail("petal_width,sepal_length,sepal_width,petal_length\n1,2,3,?\n", 1, &e);
	CK_ERROR(&e, 65, p, 2, 7, "missing value in column 'petal_length'");
	p = reader_fail("petal_width,sepal_length,sepal_width,petal_length\n1,2,inf,4\n", 1, &e);
	CK_ERROR(&e, 65, p, 2, 5, "not a finite number: 'inf'");
}
END_TEST

START_TEST(test_reader_streams)
{
	/* Rows are read as they are needed: a bad row far down the file does not
	 * stop the rows before it. */
	char text[8192];
	size_t len = 0, n;
	struct dnn_error e;
	float x[40];

	len += (size_t)snprintf(text, sizeof text, "a,b,c,d\n");
	for (int i = 0; i < 100; i++)
		len += (size_t)snprintf(text + len, sizeof text - len, "%d,1,2,3\n", i);
	snprintf(text + len, sizeof text - len, "oops,1,2,3\n");
	const char *p = tmp_csv("stream.csv", text);
	char *names[] = {"a", "b", "c", "d", "y"};
	const unsigned char roles[] = {1, 1, 1, 1, 2};
	struct dnn_csv_opts o = {',', 1, 0};
	struct dnn_reader *r = reader_open(p, &o, names, roles, 5, &e);

	ck_assert_ptr_nonnull(r);
	for (int b = 0; b < 10; b++) {
		ck_assert_int_eq(reader_next(r, x, 10, &n, &e), 0);
		ck_assert_uint_eq(n, 10);
		CK_FEQ(x[0], (float)(b * 10));
	}
	ck_assert_int_eq(reader_next(r, x, 10, &n, &e), -1);
	CK_ERROR(&e, 65, p, 102, 1, "expected a number, got 'oops'");
	reader_close(r);
}
END_TEST

START_TEST(test_reader_locale_stdin)
{
	struct dnn_error e;
	float x[8];
	size_t n;
	const char *p = tmp_csv("rl.csv", "0.25,0.5,1e-1,-2.5\n");
	int saved = dup(0), fd = open(p, O_RDONLY);
	const char *loc = comma_locale();
	struct dnn_reader *r;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(dup2(fd, 0), 0);
	close(fd);
	r = iris_reader("-", 0, &e);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(reader_next(r, x, 8, &n, &e), 0);
	reader_close(r);
	ck_assert_int_eq(dup2(saved, 0), 0);
	close(saved);
	if (loc)
		ck_assert_str_eq(localeconv()->decimal_point, ",");
	setlocale(LC_NUMERIC, "C");
	ck_assert_uint_eq(n, 1);
	CK_FEQ(x[0], 0.25f);
	CK_FEQ(x[2], 0.1f);
	CK_FEQ(x[3], -2.5f);
}
END_TEST

static Suite *data_suite(void)
{
	Suite *s = suite_create("data");
	TCase *tc;

	tc = tcase_create("datasets");
	tcase_add_test(tc, test_iris);
	tcase_add_test(tc, test_categorical);
	tcase_add_test(tc, test_reader_categories);
	tcase_add_test(tc, test_split);
	tcase_add_test(tc, test_fast_and_general_paths_agree);
	tcase_add_test(tc, test_long_line);
	tcase_add_test(tc, test_error_after_fast_rows);
	tcase_add_test(tc, test_ignore);
	tcase_add_test(tc, test_missing_ok);
	tcase_add_test(tc, test_wine);
	tcase_add_test(tc, test_digits_gz);
	tcase_add_test(tc, test_diabetes);
	tcase_add_test(tc, test_target_by_name);
	tcase_add_test(tc, test_target_by_index);
	tcase_add_test(tc, test_multi_target);
	tcase_add_test(tc, test_class_order);
	tcase_add_test(tc, test_many_rows_and_classes);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("csv");
	tcase_add_test(tc, test_no_header);
	tcase_add_test(tc, test_quoted);
	tcase_add_test(tc, test_csv_api);
	tcase_add_test(tc, test_crlf_bom_blank_lines);
	tcase_add_test(tc, test_spaces_and_delimiter);
	tcase_add_test(tc, test_gzip);
	tcase_add_test(tc, test_stdin);
	tcase_add_test(tc, test_locale);
	tcase_add_test(tc, test_numbers_exact);
	tcase_add_test(tc, test_large_fields);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_err_open);
	tcase_add_test(tc, test_err_gzip);
	tcase_add_test(tc, test_err_syntax);
	tcase_add_test(tc, test_err_ragged);
	tcase_add_test(tc, test_err_cells);
	tcase_add_test(tc, test_err_targets);
	tcase_add_test(tc, test_err_file_shape);
	suite_add_tcase(s, tc);

	tc = tcase_create("norm");
	tcase_add_test(tc, test_norm);
	tcase_add_test(tc, test_norm_constant);
	suite_add_tcase(s, tc);

	tc = tcase_create("reader");
	tcase_add_test(tc, test_reader_batches);
	tcase_add_test(tc, test_reader_columns);
	tcase_add_test(tc, test_reader_no_header);
	tcase_add_test(tc, test_reader_errors);
	tcase_add_test(tc, test_reader_streams);
	tcase_add_test(tc, test_reader_locale_stdin);
	suite_add_tcase(s, tc);
	return s;
}

/* Remove the scratch directory and what the tests left in it. */
static void remove_tmpdir(void)
{
	DIR *dir = opendir(tmpdir);
	struct dirent *de;

	if (!dir)
		return;
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlink(tpath(de->d_name));
	}
	closedir(dir);
	rmdir(tmpdir);
}

int main(void)
{
	const char *base = getenv("TMPDIR");
	SRunner *sr;
	int failed;

	snprintf(tmpdir, sizeof tmpdir, "%s/check_data.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("check_data: mkdtemp");
		return 1;
	}
	sr = srunner_create(data_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	remove_tmpdir();
	return failed ? 1 : 0;
}
