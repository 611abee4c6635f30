/* The bar chart of dnn importance --plot: a bar per value, error bars
 * where there is an error, names escaped, bars on the right side of 0. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot_bars.h"
#include "testutil.h"

static size_t count(const char *s, const char *what)
{
	size_t n = 0;

	for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
		n++;
	return n;
}

/* The SVG of c (malloc'd). */
static char *svg_of(const struct plot_bars *c)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(plot_bars_svg(f, c), 0);
	fclose(f);
	return buf;
}

/* The x of the bar (its <rect x=...>) after the label of bar i. */
static double bar_x_after(const char *svg, const char *label, double *width)
{
	const char *p = strstr(svg, label);

	ck_assert_ptr_nonnull(p);
	p = strstr(p, "<rect x=\"");
	ck_assert_ptr_nonnull(p);
	double x = strtod(p + 9, NULL);

	p = strstr(p, "width=\"");
	*width = strtod(p + 7, NULL);
	return x;
}

START_TEST(test_bars)
{
	char *names[] = {"a<b", "plain", "neg"};
	const double v[] = {0.5, 0.1, -0.2}, err[] = {0.05, 0.0, 0.01};
	struct plot_bars c = {"permutation importance", "drop in accuracy", names, v, err, 3};
	char *svg = svg_of(&c);
	double w0, w1, w2, x0, x1, x2;

	ck_assert_uint_eq(count(svg, "fill=\"#4878a8\""), 3);
	/* Error bars for the two with an error. */
	ck_assert_uint_eq(count(svg, "stroke=\"black\" fill=\"none\"/>"), 2);
	ck_assert_ptr_nonnull(strstr(svg, ">a&lt;b</text>"));
	ck_assert_ptr_null(strstr(svg, "a<b"));
	x0 = bar_x_after(svg, ">a&lt;b<", &w0);
	x1 = bar_x_after(svg, ">plain<", &w1);
	x2 = bar_x_after(svg, ">neg<", &w2);
	/* Positive bars start at 0, the negative one ends there; lengths in
	 * proportion. */
	ck_assert_double_eq_tol(x0, x1, 0.05);
	ck_assert_double_eq_tol(x2 + w2, x0, 0.15);
	ck_assert_double_eq_tol(w0 / w1, 5.0, 0.05);
	ck_assert_double_eq_tol(w2 / w1, 2.0, 0.05);
	ck_assert_ptr_nonnull(strstr(svg, "</svg>\n"));
	free(svg);
}
END_TEST

/* No error bars without err; a NaN draws an empty bar, no "nan" text. */
START_TEST(test_no_err_nan)
{
	char *names[] = {"x", "y"};
	const double v[] = {1.0, (double)NAN};
	struct plot_bars c = {"input x gradient", "mean |x * dL/dx|", names, v, NULL, 2};
	char *svg = svg_of(&c);

	ck_assert_uint_eq(count(svg, "fill=\"#4878a8\""), 2);
	ck_assert_uint_eq(count(svg, "stroke=\"black\" fill=\"none\"/>"), 0);
	ck_assert_ptr_null(strstr(svg, "nan"));
	free(svg);
}
END_TEST

static Suite *plot_bars_suite(void)
{
	Suite *s = suite_create("plot_bars");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_bars);
	tcase_add_test(tc, test_no_err_nan);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(plot_bars_suite)
