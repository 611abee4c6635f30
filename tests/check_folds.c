/* Unit tests for folds.c (the folds of cross-validation, the grouped split),
 * split_choose against data_split, rowfile.c and fit.c. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "datautil.h"
#include "fit.h"
#include "folds.h"
#include "rowfile.h"

/* Stratified folds: every class spread evenly, the same for a seed, another
 * draw for another repeat. */
START_TEST(test_folds_stratified)
{
	struct dnn_dataset d;
	struct dnn_error e;
	uint32_t a[150], b[150], c[150];
	size_t count[5][3] = {{0}};

	ck_assert_int_eq(load(&d, DATADIR "/iris.csv", NULL, CLS, &e), 0);
	ck_assert_int_eq(folds_assign(d.label, 3, d.class_names, 150, 5, 1, 0, a, "iris", &e), 0);
	for (size_t i = 0; i < 150; i++)
		count[a[i]][d.label[i]]++;
	for (size_t k = 0; k < 5; k++)
		for (size_t cl = 0; cl < 3; cl++)
			ck_assert_uint_eq(count[k][cl], 10);
	ck_assert_int_eq(folds_assign(d.label, 3, d.class_names, 150, 5, 1, 0, b, "iris", &e), 0);
	ck_assert_int_eq(memcmp(a, b, sizeof a), 0);
	ck_assert_int_eq(folds_assign(d.label, 3, d.class_names, 150, 5, 1, 1, c, "iris", &e), 0);
	ck_assert_int_ne(memcmp(a, c, sizeof a), 0);
	ck_assert_int_eq(folds_assign(d.label, 3, d.class_names, 150, 5, 2, 0, c, "iris", &e), 0);
	ck_assert_int_ne(memcmp(a, c, sizeof a), 0);
	data_free(&d);
}
END_TEST

/* Uneven classes and no classes: sizes within one row. */
START_TEST(test_folds_sizes)
{
	uint32_t label[11] = {0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2}, fold[11];
	char *names[3] = {"a", "b", "c"};
	size_t size[4] = {0}, per[4][3] = {{0}};
	struct dnn_error e;

	ck_assert_int_eq(folds_assign(label, 3, names, 11, 2, 9, 0, fold, "f", &e), 0);
	for (size_t i = 0; i < 11; i++) {
		size[fold[i]]++;
		per[fold[i]][label[i]]++;
	}
	ck_assert(size[0] + size[1] == 11 && (size[0] == 5 || size[0] == 6));
	ck_assert(per[0][0] == 2 || per[0][0] == 3);
	ck_assert_uint_eq(per[0][1], 2);
	ck_assert_uint_eq(per[0][2], 1);
	ck_assert_int_eq(folds_assign(NULL, 0, NULL, 11, 4, 9, 0, fold, "f", &e), 0);
	memset(size, 0, sizeof size);
	for (size_t i = 0; i < 11; i++)
		size[fold[i]]++;
	for (size_t k = 0; k < 4; k++)
		ck_assert(size[k] == 2 || size[k] == 3);
}
END_TEST

START_TEST(test_folds_errors)
{
	uint32_t label[6] = {0, 0, 0, 1, 1, 0}, fold[6];
	char *names[2] = {"many", "few"};
	struct dnn_error e;

	ck_assert_int_eq(folds_assign(label, 2, names, 6, 1, 1, 0, fold, "f.csv", &e), -1);
	ck_assert_int_eq(e.code, DNN_EX_USAGE);
	ck_assert_int_eq(folds_assign(NULL, 0, NULL, 6, 7, 1, 0, fold, "f.csv", &e), -1);
	ck_assert_int_eq(e.code, DNN_EX_DATA);
	ck_assert_int_eq(folds_assign(label, 2, names, 6, 3, 1, 0, fold, "f.csv", &e), -1);
	ck_assert_int_eq(e.code, DNN_EX_DATA);
	ck_assert_str_eq(e.msg, "class 'few' has 2 rows, fewer than the 3 folds; every fold needs "
				"a row of each class (lower --folds)");
	ck_assert_int_eq(folds_assign(label, 2, names, 6, 2, 1, 0, fold, "f.csv", &e), 0);
}
END_TEST

/* split_choose holds out the rows data_split moves to the end. */
START_TEST(test_split_choose_is_data_split)
{
	struct dnn_dataset d, d2;
	struct dnn_error e;
	unsigned char is_val[150];
	size_t n_val, j = 0;

	ck_assert_int_eq(load(&d, DATADIR "/iris.csv", NULL, CLS, &e), 0);
	ck_assert_int_eq(load(&d2, DATADIR "/iris.csv", NULL, CLS, &e), 0);
	ck_assert_int_eq(split_choose(d.label, 3, d.class_names, 150, split_count(0.3, 150), 11,
				      is_val, "iris", &e),
			 0);
	ck_assert_int_eq(data_split(&d2, 0.3, 11, &n_val, "iris", &e), 0);
	ck_assert_uint_eq(n_val, 45);
	for (size_t i = 0; i < 150; i++)
		if (is_val[i]) {
			ck_assert_int_eq(memcmp(d.x + i * 4, d2.x + (105 + j) * 4, 4 * sizeof *d.x),
					 0);
			j++;
		}
	ck_assert_uint_eq(j, 45);
	ck_assert_uint_eq(split_count(0.001, 150), 1);
	ck_assert_int_eq(split_choose(NULL, 0, NULL, 5, 5, 1, is_val, "f", &e), -1);
	data_free(&d);
	data_free(&d2);
}
END_TEST

START_TEST(test_split_groups)
{
	uint32_t group[10] = {0, 0, 1, 1, 1, 2, 3, 3, 4, 4};
	unsigned char is_val[10];
	struct dnn_error e;
	size_t held = 0;

	ck_assert_int_eq(folds_split_groups(group, 5, 10, 3, 4, is_val, "g.csv", "g", &e), 0);
	for (size_t i = 0; i < 10; i++) {
		held += is_val[i];
		for (size_t j = 0; j < 10; j++)
			if (group[i] == group[j])
				ck_assert_int_eq(is_val[i], is_val[j]);
	}
	ck_assert(held >= 3 && held < 10);
	memset(group, 0, sizeof group);
	ck_assert_int_eq(folds_split_groups(group, 1, 10, 3, 4, is_val, "g.csv", "g", &e), -1);
	ck_assert_int_eq(e.code, DNN_EX_DATA);
}
END_TEST

/* rowfile: rows as read, quoted line breaks and CRLF, gzip out. */
START_TEST(test_rowfile)
{
	const char *p = tmp_csv("rf.csv", "h1,h2\r\n1,\"a\r\nb\"\r\n2,b\r\n3,a");
	const struct dnn_column_ref t = {NULL, -1};
	const struct dnn_column_ref *keys[ROWFILE_KEYS] = {&t, NULL};
	struct dnn_csv_opts o = {.delimiter = ',', .header = 1};
	unsigned char side[3] = {1, 0, 1};
	struct dnn_rowfile f;
	struct dnn_error e;
	char buf[256], path[4096];
	FILE *out;
	gzFile gz;
	int n;

	ck_assert_int_eq(rowfile_read(&f, p, &o, keys, &e), 0);
	ck_assert_uint_eq(f.n_rows, 3);
	ck_assert_str_eq(f.eol, "\r\n");
	ck_assert_uint_eq(f.key[0].n, 3);
	snprintf(path, sizeof path, "%s.gz", p);
	out = fopen(path, "wb");
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(rowfile_write(&f, side, 1, out, 1), 0);
	fclose(out);
	gz = gzopen(path, "rb");
	n = gzread(gz, buf, sizeof buf - 1);
	gzclose(gz);
	ck_assert_int_ge(n, 0);
	buf[n] = 0;
	ck_assert_str_eq(buf, "h1,h2\r\n1,\"a\r\nb\"\r\n3,a\r\n");
	rowfile_free(&f);
	rowfile_free(&f);
}
END_TEST

/* fit_score: trains on some rows, scores others, leaves the dataset alone. */
START_TEST(test_fit)
{
	struct dnn_dataset d;
	struct dnn_spec s;
	struct dnn_error e;
	struct dnn_fit_score sc;
	const struct dnn_fit_opts o = {"iris.json", "iris.csv", NULL};
	size_t train[120], test[30], nt = 0, ns = 0;
	float *copy;

	ck_assert_int_eq(spec_load(&s, DATADIR "/iris.json", &e), 0);
	ck_assert_int_eq(load(&d, DATADIR "/iris.csv", "species", CLS, &e), 0);
	copy = malloc(150 * 4 * sizeof *copy);
	memcpy(copy, d.x, 150 * 4 * sizeof *copy);
	for (size_t i = 0; i < 150; i++)
		if (i % 5 == 0)
			test[ns++] = i;
		else
			train[nt++] = i;
	ck_assert_int_eq(fit_score(&s, &d, train, nt, test, ns, &o, &sc, &e), 0);
	ck_assert_uint_eq(sc.n, 30);
	ck_assert_uint_eq(sc.epochs, 100);
	ck_assert(sc.accuracy > 0.85 && sc.f1 > 0.85 && isnan(sc.mse));
	ck_assert_int_eq(memcmp(copy, d.x, 150 * 4 * sizeof *copy), 0);
	/* The spec's validation fraction and patience: early stopping. */
	s.data.validation = 0.2;
	s.patience = 3;
	s.epochs = 500;
	ck_assert_int_eq(fit_score(&s, &d, train, nt, test, ns, &o, &sc, &e), 0);
	ck_assert(sc.epochs < 500 && sc.best_epoch > 0);
	free(copy);
	data_free(&d);
	spec_free(&s);
}
END_TEST

static Suite *folds_suite(void)
{
	Suite *s = suite_create("folds");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_folds_stratified);
	tcase_add_test(tc, test_folds_sizes);
	tcase_add_test(tc, test_folds_errors);
	tcase_add_test(tc, test_split_choose_is_data_split);
	tcase_add_test(tc, test_split_groups);
	tcase_add_test(tc, test_rowfile);
	tcase_add_test(tc, test_fit);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return data_check_main("check_folds", folds_suite);
}
