/* Unit tests for norm.c: fitting, applying and inverting the
 * normalization. */
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

static Suite *norm_suite(void)
{
	Suite *s = suite_create("norm");
	TCase *tc;

	tc = tcase_create("norm");
	tcase_add_test(tc, test_norm);
	tcase_add_test(tc, test_norm_constant);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return data_check_main("check_norm", norm_suite);
}
