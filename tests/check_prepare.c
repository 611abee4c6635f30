/* Data preparation: the missing-value fill with categorical columns (means
 * and category frequencies over the training rows), prepare_spec on such a
 * spec, and the model's transform of inputs and targets. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data.h"
#include "err.h"
#include "prepare.h"
#include "testutil.h"

#ifndef TEST_DATADIR
#define TEST_DATADIR "tests/data"
#endif

/* A temporary file holding text; its name in path (PATH_MAX-free, small). */
static void write_tmp(char *path, size_t size, const char *text)
{
	int fd;
	FILE *f;

	snprintf(path, size, "/tmp/check_prepare_XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* Load text with "kind" the target and "color" categorical, missing cells
 * allowed. */
static int load(struct dnn_dataset *d, const char *text, struct dnn_error *e)
{
	static const struct dnn_column_ref target = {"kind", 0}, cat = {"color", 0};
	struct dnn_data_opts o = {.csv = {',', 1, 1},
				  .targets = &target,
				  .n_targets = 1,
				  .categorical = &cat,
				  .n_categorical = 1,
				  .task = DNN_TASK_CLASSIFICATION};
	char path[64];
	int rc;

	write_tmp(path, sizeof path, text);
	memset(d, 0, sizeof *d);
	rc = data_load(d, path, &o, e);
	unlink(path);
	return rc;
}

static const char rows[] = "color,size,kind\n"
			   "red,1,a\n"
			   "green,,a\n"
			   "red,3,b\n"
			   ",5,b\n";

/* The inputs of the size column and of the two categories (green, red). */
static void layout(const struct dnn_dataset *d, size_t *size, size_t *green, size_t *red)
{
	ck_assert_uint_eq(d->n_in, 3);
	ck_assert_uint_eq(d->n_cats, 1);
	ck_assert_uint_eq(d->cats[0].n, 2);
	ck_assert_str_eq(d->cats[0].names[0], "green");
	*green = d->cats[0].first;
	*red = *green + 1;
	*size = 3 - *green - *red; /* the one left of 0, 1, 2 */
}

START_TEST(test_fill_categorical)
{
	struct dnn_dataset d;
	struct dnn_error e = {0};
	size_t size, green, red;
	float *fill = NULL;
	double missing = -1.0;

	ck_assert_int_eq(load(&d, rows, &e), 0);
	layout(&d, &size, &green, &red);
	ck_assert_int_eq(prepare_fill(&d, d.n_rows, &fill, &missing, "f.csv", &e), 0);
	ck_assert(missing == 2.0);
	ck_assert(fill[size] == 3.0f);
	ck_assert(fill[green] == (float)(1.0 / 3.0));
	ck_assert(fill[red] == (float)(2.0 / 3.0));
	/* The cells filled, the others as they were. */
	ck_assert(d.x[1 * 3 + size] == 3.0f);
	ck_assert(d.x[3 * 3 + green] == fill[green] && d.x[3 * 3 + red] == fill[red]);
	ck_assert(d.x[0 * 3 + size] == 1.0f && d.x[0 * 3 + red] == 1.0f);
	free(fill);
	data_free(&d);
}
END_TEST

/* Fitted on the training rows only; missing cells counted in all rows. */
START_TEST(test_fill_training_rows)
{
	struct dnn_dataset d;
	struct dnn_error e = {0};
	size_t size, green, red;
	float *fill = NULL;
	double missing = -1.0;

	ck_assert_int_eq(load(&d, rows, &e), 0);
	layout(&d, &size, &green, &red);
	ck_assert_int_eq(prepare_fill(&d, 2, &fill, &missing, "f.csv", &e), 0);
	ck_assert(missing == 2.0);
	ck_assert(fill[size] == 1.0f);
	ck_assert(fill[green] == 0.5f && fill[red] == 0.5f);
	ck_assert(d.x[3 * 3 + green] == 0.5f);
	free(fill);
	data_free(&d);
}
END_TEST

START_TEST(test_fill_no_values)
{
	struct dnn_dataset d;
	struct dnn_error e = {0};
	float *fill = NULL;
	double missing;

	ck_assert_int_eq(load(&d, "color,size,kind\nred,,a\ngreen,2,b\n", &e), 0);
	ck_assert_int_eq(prepare_fill(&d, 1, &fill, &missing, "f.csv", &e), -1);
	ck_assert_int_eq(e.code, DNN_EX_DATA);
	ck_assert_str_eq(e.msg, "input column 'size' has no values in the training rows to fill "
				"its missing cells with");
	ck_assert_ptr_null(fill);
	data_free(&d);
}
END_TEST

/* The spec path of gradcheck, lr-find and hessian: a categorical column and
 * an empty numeric cell under "missing": "mean". */
START_TEST(test_spec_categorical_missing)
{
	struct dnn_csv_opts csv = {',', 1, 0};
	struct dnn_prepared p;
	struct dnn_error e = {0};

	ck_assert_int_eq(prepare_spec(&p, TEST_DATADIR "/fruit_missing.json",
				      TEST_DATADIR "/fruit_missing.csv", &csv, &e),
			 0);
	ck_assert_uint_eq(p.n, 9);
	ck_assert(p.classification);
	ck_assert_ptr_nonnull(p.model.fill);
	for (size_t i = 0; i < p.n * p.model.net->n_in; i++)
		ck_assert(isfinite(p.x[i]));
	/* One-hot inputs stay 0 and 1. */
	for (size_t k = 0; k < p.model.n_cats; k++)
		ck_assert(p.model.in_norm.scale[p.model.cats[k].first] == 1.0f);
	/* Two classes under softmax: one-hot rows of two. */
	ck_assert(p.t[0] + p.t[1] == 1.0f);
	prepare_free(&p);
	prepare_free(&p);
	prepare_free(NULL);
}
END_TEST

/* The model's transform: fill, then normalize; targets one-hot or scaled. */
START_TEST(test_inputs_targets)
{
	struct dnn_net net = {.n_in = 2};
	float mean[2] = {1.0f, 2.0f}, scale[2] = {2.0f, 4.0f}, fill[2] = {5.0f, 6.0f};
	float omean[1] = {10.0f}, oscale[1] = {5.0f};
	struct dnn_model m = {.net = &net, .fill = fill};
	float x[4] = {3.0f, NAN, NAN, 10.0f}, t[6];
	const uint32_t label[3] = {2, 0, 1};
	const float y[2] = {20.0f, 0.0f};

	m.in_norm.n = 2;
	m.in_norm.mean = mean;
	m.in_norm.scale = scale;
	prepare_inputs(&m, x, 2);
	ck_assert(x[0] == 1.0f && x[1] == 1.0f && x[2] == 2.0f && x[3] == 2.0f);
	m.task = DNN_TASK_CLASSIFICATION;
	prepare_targets(&m, label, NULL, 2, 3, t);
	ck_assert(t[2] == 1.0f && t[3] == 1.0f && t[0] + t[1] + t[4] + t[5] == 0.0f);
	prepare_targets(&m, label + 1, NULL, 2, 1, t);
	ck_assert(t[0] == 0.0f && t[1] == 1.0f);
	m.task = DNN_TASK_REGRESSION;
	m.out_norm.n = 1;
	m.out_norm.mean = omean;
	m.out_norm.scale = oscale;
	prepare_targets(&m, NULL, y, 2, 1, t);
	ck_assert(t[0] == 2.0f && t[1] == -2.0f);
}
END_TEST

static Suite *prepare_suite(void)
{
	Suite *s = suite_create("prepare");
	TCase *tc = tcase_create("prepare");

	tcase_add_test(tc, test_fill_categorical);
	tcase_add_test(tc, test_fill_training_rows);
	tcase_add_test(tc, test_fill_no_values);
	tcase_add_test(tc, test_spec_categorical_missing);
	tcase_add_test(tc, test_inputs_targets);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(prepare_suite)
