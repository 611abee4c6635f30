/* Unit tests for split.c: the validation split, stratified or not. */
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

static Suite *split_suite(void)
{
	Suite *s = suite_create("split");
	TCase *tc;

	tc = tcase_create("split");
	tcase_add_test(tc, test_split);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return data_check_main("check_split", split_suite);
}
