/* Unit tests for rows.c: the row reader of predict and eval (batches,
 * columns by name, no header, categories, errors, streams, locales). */
#include <check.h>
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

#include "datautil.h"

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

/* ---- the matcher ---- */

START_TEST(test_match)
{
	char *model[] = {"id", "a", "b", "color", "y"};
	const unsigned char role[] = {DNN_COL_IGNORED, DNN_COL_INPUT, DNN_COL_INPUT,
				      DNN_COL_CATEGORICAL, DNN_COL_TARGET};
	const struct dnn_trained m = {.col_names = model, .col_role = role, .n_cols = 5};
	const unsigned in = ROWS_ROLE(DNN_COL_INPUT) | ROWS_ROLE(DNN_COL_CATEGORICAL);
	const unsigned all = in | ROWS_ROLE(DNN_COL_TARGET);
	char *file[] = {"y", "extra", "color", "b", "a"};
	char *lacks[] = {"b", "y", "a"};
	char *twice[] = {"a", "b", "color", "y", "b", "extra", "extra"};
	size_t map[5], bad = 99, dup = 99;
	struct dnn_error e;

	/* Any order; extra columns and the ignored one do not matter. */
	ck_assert_int_eq(rows_match(&m, all, file, 5, map, &bad, &dup, &e), ROWS_MATCHED);
	ck_assert_uint_eq(map[0], SIZE_MAX);
	ck_assert_uint_eq(map[1], 4);
	ck_assert_uint_eq(map[2], 3);
	ck_assert_uint_eq(map[3], 2);
	ck_assert_uint_eq(map[4], 0);
	/* Only the roles asked for. */
	ck_assert_int_eq(rows_match(&m, ROWS_ROLE(DNN_COL_TARGET), file, 5, map, &bad, &dup, &e),
			 ROWS_MATCHED);
	ck_assert_uint_eq(map[1], SIZE_MAX);
	ck_assert_uint_eq(map[4], 0);
	/* The first column the file lacks, in the model's order. */
	ck_assert_int_eq(rows_match(&m, all, lacks, 3, map, &bad, &dup, &e), ROWS_MISSING);
	ck_assert_uint_eq(bad, 3);
	ck_assert_int_eq(rows_match(&m, ROWS_ROLE(DNN_COL_INPUT), lacks, 3, map, &bad, &dup, &e),
			 ROWS_MATCHED);
	/* A repeated name matters only when the model reads it. */
	ck_assert_int_eq(rows_match(&m, all, twice, 7, map, &bad, &dup, &e), ROWS_REPEATED);
	ck_assert_uint_eq(bad, 2);
	ck_assert_uint_eq(dup, 4);
	ck_assert_int_eq(rows_match(&m, ROWS_ROLE(DNN_COL_TARGET), twice, 7, map, &bad, &dup, &e),
			 ROWS_MATCHED);
	ck_assert_uint_eq(map[4], 3);
}
END_TEST

/* data_load of path with the roles of like's columns by name. */
static int load_like(struct dnn_dataset *v, const char *path, const struct dnn_dataset *like,
		     const struct dnn_data_opts *o, struct dnn_error *e)
{
	struct dnn_data_opts lo = *o;

	lo.like = like;
	memset(e, 0, sizeof *e);
	return data_load(v, path, &lo, e);
}

START_TEST(test_validation_like)
{
	struct dnn_column_ref t[2] = {{"y2", 0}, {"y1", 0}}, ig = {"id", 0}, cat = {"c", 0};
	struct dnn_data_opts o = opts(REG, 1, ',');
	const char *tr = tmp_csv("like_train.csv", "id,a,c,y1,b,y2\n"
						   "1,1,p,10,2,20\n"
						   "2,3,q,11,4,21\n");
	/* Other order, no id, an extra column, a category of the training rows. */
	const char *va = tmp_csv("like_val.csv", "y2,b,x,c,y1,a\n"
						 "30,6,zz,q,31,5\n");
	const char *lacks = tmp_csv("like_lacks.csv", "y2,b,y1,a\n1,2,3,4\n");
	const char *blue = tmp_csv("like_blue.csv", "y2,b,c,y1,a\n1,2,blue,3,4\n");
	struct dnn_dataset d, v;
	struct dnn_error e;

	o.targets = t;
	o.n_targets = 2;
	o.ignore = &ig;
	o.n_ignore = 1;
	o.categorical = &cat;
	o.n_categorical = 1;
	memset(&e, 0, sizeof e);
	ck_assert_int_eq(data_load(&d, tr, &o, &e), 0);
	ck_assert_int_eq(load_like(&v, va, &d, &o, &e), 0);
	ck_assert_uint_eq(v.n_targets, 2);
	/* Targets in the order the options named them, as in d. */
	CK_FEQ(v.y[0], 30.0f);
	CK_FEQ(v.y[1], 31.0f);
	ck_assert_int_eq(v.col_role[2], DNN_COL_IGNORED); /* x */
	ck_assert_int_eq(rows_append(&d, &v, va, &e), 0);
	ck_assert_uint_eq(d.n_rows, 3);
	/* d's layout: a, c=p, c=q, b. */
	ck_assert_uint_eq(d.n_in, 4);
	CK_FEQ(d.x[8], 5.0f);
	CK_FEQ(d.x[9], 0.0f);
	CK_FEQ(d.x[10], 1.0f);
	CK_FEQ(d.x[11], 6.0f);
	CK_FEQ(d.y[4], 30.0f);
	CK_FEQ(d.y[5], 31.0f);
	data_free(&v);

	ck_assert_int_eq(load_like(&v, lacks, &d, &o, &e), -1);
	CK_ERROR(&e, 65, lacks, 0, 0, "categorical column 'c' is missing");
	ck_assert_int_eq(load_like(&v, blue, &d, &o, &e), 0);
	ck_assert_int_eq(rows_append(&d, &v, blue, &e), -1);
	CK_ERROR(&e, 65, blue, 0, 0,
		 "category 'blue' of column 'c' does not occur in the training data");
	data_free(&v);
	data_free(&d);
}
END_TEST

START_TEST(test_check_trained)
{
	struct dnn_dataset d, r;
	struct dnn_error e;
	const char *p = tmp_csv("trained.csv", "a,b,k\n1,2,x\n3,4,y\n");
	const char *q = tmp_csv("trained_r.csv", "b,a,k\n1,2,x\n3,4,y\n");
	const char *z = tmp_csv("trained_z.csv", "a,b,k\n1,2,x\n3,4,z\n");

	ck_assert_int_eq(load(&d, p, NULL, CLS, &e), 0);
	struct dnn_trained m = {d.col_names, d.col_role, d.n_cols, d.class_names,
				d.n_classes, d.cats, d.n_cats, d.n_in};

	ck_assert_int_eq(rows_check_trained(&m, &d, p, "m.dnn", &e), 0);
	/* A resumed run reads its inputs in the trained order. */
	ck_assert_int_eq(load(&r, q, NULL, CLS, &e), 0);
	ck_assert_int_eq(rows_check_trained(&m, &r, q, "m.dnn", &e), -1);
	CK_ERROR(&e, 65, q, 0, 0, "the columns differ from those m.dnn was trained on");
	data_free(&r);
	ck_assert_int_eq(load(&r, z, NULL, CLS, &e), 0);
	ck_assert_int_eq(rows_check_trained(&m, &r, z, "m.dnn", &e), -1);
	CK_ERROR(&e, 65, z, 0, 0, "the classes differ from those m.dnn was trained on");
	data_free(&r);
	data_free(&d);
}
END_TEST

static Suite *rows_suite(void)
{
	Suite *s = suite_create("rows");
	TCase *tc;

	tc = tcase_create("reader");
	tcase_add_test(tc, test_reader_categories);
	tcase_add_test(tc, test_reader_batches);
	tcase_add_test(tc, test_reader_columns);
	tcase_add_test(tc, test_reader_no_header);
	tcase_add_test(tc, test_reader_errors);
	tcase_add_test(tc, test_reader_streams);
	tcase_add_test(tc, test_reader_locale_stdin);
	suite_add_tcase(s, tc);

	tc = tcase_create("match");
	tcase_add_test(tc, test_match);
	tcase_add_test(tc, test_validation_like);
	tcase_add_test(tc, test_check_trained);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return data_check_main("check_rows", rows_suite);
}
