/* Unit tests for dataset.c: the example datasets, targets, ignored and
 * categorical columns, classes, and the errors of roles and file shapes. */
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

static Suite *dataset_suite(void)
{
	Suite *s = suite_create("dataset");
	TCase *tc;

	tc = tcase_create("datasets");
	tcase_add_test(tc, test_iris);
	tcase_add_test(tc, test_categorical);
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

	tc = tcase_create("errors");
	tcase_add_test(tc, test_err_targets);
	tcase_add_test(tc, test_err_file_shape);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return data_check_main("check_dataset", dataset_suite);
}
