/* ROC, precision-recall and reliability curves against small cases worked
 * by hand (scikit-learn gives the same figures): ties, weights, one class
 * only, the bins' edges. */
#include <math.h>
#include <stdint.h>

#include "curves.h"
#include "testutil.h"

/* Scores 0.9, 0.8, 0.8, 0.3 of rows positive, negative, positive,
 * negative: a tie across the classes at 0.8. */
static void four(struct curves_item *it, const float *w)
{
	static const float s[] = {0.8f, 0.3f, 0.9f, 0.8f};
	static const unsigned char pos[] = {0, 0, 1, 1};

	for (size_t i = 0; i < 4; i++)
		it[i] = (struct curves_item){s[i], w ? w[i] : 1.0f, pos[i]};
	curves_sort(it, 4);
}

/* ROC: (0,0), (0,1/2), (1/2,1), (1,1); the area counts the tie as half a
 * pair: 3.5 of 4 pairs in order, 0.875. */
START_TEST(test_roc_ties)
{
	struct curves_item it[4];
	struct curves_line l;
	static const double x[] = {0.0, 0.0, 0.5, 1.0}, y[] = {0.0, 0.5, 1.0, 1.0};
	int oom = 0;

	four(it, NULL);
	ck_assert_float_eq(it[0].score, 0.9f);
	ck_assert_double_eq_tol(curves_roc(it, 4, &l, &oom), 0.875, 1e-15);
	ck_assert_int_eq(oom, 0);
	ck_assert_uint_eq(l.n, 4);
	for (size_t i = 0; i < 4; i++) {
		ck_assert_double_eq_tol(l.x[i], x[i], 1e-15);
		ck_assert_double_eq_tol(l.y[i], y[i], 1e-15);
	}
	curves_line_free(&l);
	ck_assert_double_eq_tol(curves_roc(it, 4, NULL, &oom), 0.875, 1e-15);
}
END_TEST

/* PR at 0.9: recall 1/2, precision 1; at 0.8: 1, 2/3 (full recall: the
 * curve ends there, 0.3 adds nothing). AP = 1/2 * 1 + 1/2 * 2/3 = 5/6
 * (step-wise, no interpolation). */
START_TEST(test_pr_ties)
{
	struct curves_item it[4];
	struct curves_line l;
	static const double r[] = {0.5, 1.0}, p[] = {1.0, 2.0 / 3.0};
	int oom = 0;

	four(it, NULL);
	ck_assert_double_eq_tol(curves_pr(it, 4, &l, &oom), 5.0 / 6.0, 1e-15);
	ck_assert_uint_eq(l.n, 2);
	for (size_t i = 0; i < 2; i++) {
		ck_assert_double_eq_tol(l.x[i], r[i], 1e-15);
		ck_assert_double_eq_tol(l.y[i], p[i], 1e-15);
	}
	curves_line_free(&l);
}
END_TEST

/* The positive at 0.9 weighing 2, as if it were there twice: AUC 5.5 of
 * 6 pairs, 11/12; AP 2/3 * 1 + 1/3 * 3/4 = 11/12. */
START_TEST(test_weighted)
{
	struct curves_item it[4];
	static const float w[] = {1.0f, 1.0f, 2.0f, 1.0f};
	int oom = 0;

	four(it, w);
	ck_assert_double_eq_tol(curves_roc(it, 4, NULL, &oom), 11.0 / 12.0, 1e-15);
	ck_assert_double_eq_tol(curves_pr(it, 4, NULL, &oom), 11.0 / 12.0, 1e-15);
}
END_TEST

/* One class only: no AUC (NaN, no points); AP 1 with positives only, NaN
 * with negatives only. All scores tied: AUC 1/2. */
START_TEST(test_one_class)
{
	struct curves_item it[3] = {{0.2f, 1.0f, 1}, {0.7f, 1.0f, 1}, {0.4f, 1.0f, 1}};
	struct curves_line l;
	int oom = 0;

	curves_sort(it, 3);
	ck_assert(isnan(curves_roc(it, 3, &l, &oom)));
	ck_assert_uint_eq(l.n, 0);
	curves_line_free(&l);
	ck_assert_double_eq_tol(curves_pr(it, 3, NULL, &oom), 1.0, 1e-15);
	for (size_t i = 0; i < 3; i++)
		it[i].pos = 0;
	ck_assert(isnan(curves_pr(it, 3, &l, &oom)));
	ck_assert_uint_eq(l.n, 0);
	ck_assert(isnan(curves_roc(it, 0, NULL, &oom)));
	it[0].pos = 1;
	for (size_t i = 0; i < 3; i++)
		it[i].score = 0.5f;
	ck_assert_double_eq_tol(curves_roc(it, 3, NULL, &oom), 0.5, 1e-15);
	/* One threshold: precision 1/3 at recall 1. */
	ck_assert_double_eq_tol(curves_pr(it, 3, NULL, &oom), 1.0 / 3.0, 1e-15);
	ck_assert_int_eq(oom, 0);
}
END_TEST

/* NaN scores sort last, as one run. */
START_TEST(test_nan_last)
{
	struct curves_item it[4] = {
	    {NAN, 1.0f, 0}, {0.1f, 1.0f, 1}, {NAN, 1.0f, 1}, {0.6f, 1.0f, 0}};

	curves_sort(it, 4);
	ck_assert_float_eq(it[0].score, 0.6f);
	ck_assert_float_eq(it[1].score, 0.1f);
	ck_assert(isnan(it[2].score) && isnan(it[3].score));
}
END_TEST

/* Bins of 0.1: a score on an inner edge goes below it (0.5 in bin 4), 0
 * in the first, 1 in the last, 0.125 in bin 1. ECE = 1/6 |1 - 0.75| +
 * 1/6 |0 - 0.125| = (0.25 + 0.125) / 6. */
START_TEST(test_calibration)
{
	struct curves_item it[] = {{0.0f, 1.0f, 0},  {0.5f, 1.0f, 1}, {0.5f, 1.0f, 0},
				   {0.75f, 1.0f, 1}, {1.0f, 1.0f, 1}, {0.125f, 1.0f, 0}};
	struct curves_bin b[10];
	double ece = curves_calibration(it, 6, 10, b);

	ck_assert_double_eq_tol(ece, 0.375 / 6.0, 1e-15);
	ck_assert_double_eq(b[0].w, 1.0);
	ck_assert_double_eq(b[1].w, 1.0);
	ck_assert_double_eq(b[4].w, 2.0);
	ck_assert_double_eq(b[4].conf, 0.5);
	ck_assert_double_eq(b[4].freq, 0.5);
	ck_assert_double_eq(b[7].freq, 1.0);
	ck_assert_double_eq(b[9].w, 1.0);
	ck_assert(isnan(b[5].conf) && b[5].w == 0.0);
	/* Weighted: the wrong 0.5 weighing 3: bin 4's frequency 1/4. */
	it[2].w = 3.0f;
	ece = curves_calibration(it, 6, 10, b);
	ck_assert_double_eq(b[4].freq, 0.25);
	ck_assert_double_eq_tol(ece, (0.25 + 0.125 + 4.0 * 0.25) / 8.0, 1e-15);
	ck_assert(isnan(curves_calibration(it, 0, 10, b)));
}
END_TEST

/* One-vs-rest items: class 1 of 2 rows of 3 classes, and the micro
 * average's 6 cells. */
START_TEST(test_items)
{
	static const float p[] = {0.1f, 0.7f, 0.2f, 0.5f, 0.3f, 0.2f};
	static const uint32_t label[] = {1, 0};
	static const float w[] = {2.0f, 0.5f};
	struct curves_item it[6];

	curves_items_ovr(p, 2, 3, label, w, 1, it);
	ck_assert_float_eq(it[0].score, 0.7f);
	ck_assert_int_eq(it[0].pos, 1);
	ck_assert_float_eq(it[1].score, 0.3f);
	ck_assert_int_eq(it[1].pos, 0);
	ck_assert_float_eq(it[1].w, 0.5f);
	curves_items_ovr(p, 2, 3, label, NULL, 3, it);
	for (size_t i = 0; i < 6; i++) {
		ck_assert_float_eq(it[i].score, p[i]);
		ck_assert_int_eq(it[i].pos, i == 1 || i == 3);
		ck_assert_float_eq(it[i].w, 1.0f);
	}
}
END_TEST

static Suite *curves_suite(void)
{
	Suite *s = suite_create("curves");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_roc_ties);
	tcase_add_test(tc, test_pr_ties);
	tcase_add_test(tc, test_weighted);
	tcase_add_test(tc, test_one_class);
	tcase_add_test(tc, test_nan_last);
	tcase_add_test(tc, test_calibration);
	tcase_add_test(tc, test_items);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(curves_suite)
