/* eval's report page: an undefined AUC and average precision read "n/a",
 * names are escaped (control characters too, which XML does not allow) and
 * long ones keep both ends, counts appear up to PLOT_REPORT_MAX_COUNTS
 * classes, and a regression draws at most about 2000 points. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot_report.h"
#include "testutil.h"

/* The number of times needle occurs in hay. */
static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* The page of a classification of k classes with one curve of area auc,
 * its text in a malloc'd string. */
static char *class_page(size_t k, char *const *names, const double *confusion, double auc)
{
	static double x[] = {0.0, 0.5, 1.0}, y[] = {0.0, 1.0, 1.0};
	struct curves_line roc = {x, y, isnan(auc) ? 0 : 3},
			   pr = {x + 1, y + 1, isnan(auc) ? 0 : 2};
	struct curves_bin bins[10] = {{0}};
	const char *cn[] = {names[k - 1]};
	double ap = auc;
	struct plot_report_class r = {
	    "m<1>.dnn", k,    names, confusion,	    0,	  1,  cn,	   &roc,
	    &pr,	&auc, &ap,   "note & more", bins, 10, (double)NAN, "probability"};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	for (size_t b = 0; b < 10; b++)
		bins[b].conf = bins[b].freq = (double)NAN;
	bins[9] = (struct curves_bin){3.0, 0.95, 1.0};
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(plot_report_class_svg(f, &r), 0);
	fclose(f);
	return buf;
}

START_TEST(test_class_page)
{
	char *names[] = {"a\001b", "a_very_long_class_name_number_07"};
	double confusion[] = {3, 1, 0, 4};
	char *s = class_page(2, names, confusion, (double)NAN);

	ck_assert_ptr_nonnull(strstr(s, "AUC n/a"));
	ck_assert_ptr_nonnull(strstr(s, "AP n/a"));
	ck_assert_ptr_nonnull(strstr(s, "ECE n/a"));
	ck_assert_ptr_nonnull(strstr(s, "a\\x01b"));
	ck_assert_ptr_null(strchr(s, '\001'));
	ck_assert_ptr_nonnull(strstr(s, "a_very...mber_07"));
	ck_assert_ptr_nonnull(strstr(s, "m&lt;1&gt;.dnn"));
	ck_assert_ptr_nonnull(strstr(s, "note &amp; more"));
	ck_assert_ptr_nonnull(strstr(s, ">4</text>"));
	/* No curve drawn, one reliability line. */
	ck_assert_uint_eq(count(s, "<polyline"), 1);
	ck_assert_str_eq(s + strlen(s) - 7, "</svg>\n");
	free(s);
	/* A long name of 2-byte characters is cut between characters. */
	names[1] = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		   "\xc3\xa9\xc3\xa9";
	s = class_page(2, names, confusion, 0.75);
	ck_assert_ptr_nonnull(strstr(s, ">\xc3\xa9\xc3\xa9\xc3\xa9...\xc3\xa9\xc3\xa9\xc3\xa9<"));
	ck_assert_ptr_nonnull(strstr(s, ">\xc3\xa9\xc3\xa9...\xc3\xa9\xc3\xa9\xc3\xa9<"));
	ck_assert_ptr_nonnull(strstr(s, "AUC 0.7500"));
	ck_assert_uint_eq(count(s, "<polyline"), 3);
	free(s);
}
END_TEST

/* Past PLOT_REPORT_MAX_COUNTS classes the cells are shaded, not numbered;
 * without a matrix the panel says so. */
START_TEST(test_many_classes)
{
	enum { K = PLOT_REPORT_MAX_COUNTS + 1 };
	char *names[K];
	double *confusion = calloc(K * K, sizeof *confusion);
	char *s;

	for (size_t c = 0; c < K; c++) {
		names[c] = "c";
		confusion[c * K + c] = 7;
	}
	s = class_page(K, names, confusion, 0.5);
	ck_assert_ptr_null(strstr(s, ">7</text>"));
	ck_assert_uint_ge(count(s, "<rect"), K * K);
	free(s);
	s = class_page(K, names, NULL, 0.5);
	ck_assert_ptr_nonnull(strstr(s, "21 classes, too many for a matrix: eval"));
	free(s);
	free(confusion);
}
END_TEST

/* 4500 rows: every 3rd drawn, 1500 points a panel, and the page says so. */
START_TEST(test_regression_page)
{
	size_t n = 4500;
	float *v = malloc(2 * n * sizeof *v);
	const char *names[] = {"y"};
	double mse = 0.5, r2 = 0.9;
	struct plot_report_reg r = {"r.dnn", 1, names, v, n, &mse, &r2, "the first 1 of 2 targets"};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	for (size_t i = 0; i < n; i++) {
		v[2 * i] = (float)i;
		v[2 * i + 1] = (float)i + 1.0f;
	}
	ck_assert_int_eq(plot_report_reg_svg(f, &r), 0);
	fclose(f);
	ck_assert_uint_eq(count(buf, "<circle"), 2 * 1500);
	ck_assert_ptr_nonnull(strstr(buf, "1500 of 4500 rows drawn (one in 3)"));
	ck_assert_ptr_nonnull(strstr(buf, "the first 1 of 2 targets"));
	ck_assert_ptr_nonnull(strstr(buf, "MSE 0.5"));
	free(buf);
	free(v);
}
END_TEST

static Suite *plot_report_suite(void)
{
	Suite *s = suite_create("plot_report");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_class_page);
	tcase_add_test(tc, test_many_classes);
	tcase_add_test(tc, test_regression_page);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(plot_report_suite)
