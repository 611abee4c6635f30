/* The SVG plot: tick choice, and which curves and legend entries appear. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"
#include "testutil.h"

START_TEST(test_ticks)
{
	double first, step;

	/* 1.37 / 5 = 0.274 per tick at most 6: the next of 1, 2, 5 is 0.5. */
	ck_assert_int_eq(plot_ticks(0.0, 1.37, 6, &first, &step), 3);
	ck_assert_double_eq(first, 0.0);
	ck_assert_double_eq(step, 0.5);
	ck_assert_int_eq(plot_ticks(1.0, 100.0, 8, &first, &step), 5);
	ck_assert_double_eq(first, 20.0);
	ck_assert_double_eq(step, 20.0);
	/* 0.0061 / 5 = 0.00122: a step of 0.002 from 0.014 to 0.018. */
	ck_assert_int_eq(plot_ticks(0.013, 0.0191, 6, &first, &step), 3);
	ck_assert_double_eq_tol(first, 0.014, 1e-15);
	ck_assert_double_eq_tol(step, 0.002, 1e-15);
	/* An empty range: one tick. */
	ck_assert_int_eq(plot_ticks(2.0, 2.0, 6, &first, &step), 1);
}
END_TEST

static size_t count(const char *s, const char *what)
{
	size_t n = 0;

	for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
		n++;
	return n;
}

/* A regression without validation rows: one panel, one curve, no
 * val_loss in the legend; a NaN breaks the line in two. */
START_TEST(test_svg_series)
{
	struct dnn_epoch ep[4];
	struct dnn_history h = {4, 4, ep};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	for (int i = 0; i < 4; i++) {
		ep[i] = (struct dnn_epoch){
		    (unsigned long)i + 1, 1.0 / (i + 1), NAN, NAN, NAN, 0.1, 0.0};
	}
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(plot_svg(f, &h, 0), 0);
	fclose(f);
	ck_assert_uint_eq(count(buf, "<polyline"), 1);
	ck_assert_uint_eq(count(buf, "class=\"panel\""), 1);
	ck_assert_uint_eq(count(buf, ">loss</text>"), 3); /* title, axis label, legend */
	ck_assert_uint_eq(count(buf, "val_loss"), 0);
	ck_assert_ptr_nonnull(strstr(buf, "</svg>\n"));
	free(buf);
	buf = NULL;
	ep[2].loss = NAN;
	ep[1].val_loss = 0.5;
	ep[2].val_loss = 0.4;
	f = open_memstream(&buf, &len);
	ck_assert_int_eq(plot_svg(f, &h, 1), 0);
	fclose(f);
	/* loss in two runs, val_loss in one; the accuracy panel has none. */
	ck_assert_uint_eq(count(buf, "<polyline"), 3);
	ck_assert_uint_eq(count(buf, "class=\"panel\""), 2);
	ck_assert_uint_eq(count(buf, ">val_loss</text>"), 1);
	ck_assert_uint_eq(count(buf, "nan"), 0);
	free(buf);
}
END_TEST

/* The x of the last point of the n-th polyline (from 1) of buf. */
static double last_x(const char *buf, int nth)
{
	const char *p = buf, *end;
	double x = NAN, y;

	for (int i = 0; i < nth && p; i++)
		p = strstr(p + 1, "<polyline");
	ck_assert_ptr_nonnull(p);
	p = strstr(p, "points=\"") + 8;
	end = strchr(p, '"');
	while (p < end && sscanf(p, "%lf,%lf", &x, &y) == 2) {
		p = strchr(p, ' ');
		if (!p || p > end)
			break;
		p++;
	}
	return x;
}

/* The sharpness panel: a third curve pair on the epochs of the loss panel
 * (the last measure, at the last epoch, at the loss's last x), the
 * stability line's formula in the legend; without a line, lambda_max
 * alone. */
START_TEST(test_svg_sharpness)
{
	struct dnn_epoch ep[10];
	struct dnn_history h = {10, 10, ep};
	unsigned long at[5] = {2, 4, 6, 8, 10};
	double lmax[5] = {1, 5, 12, 19, 21}, lim[5] = {20, 20, 20, 20, 20};
	struct plot_sharpness sh = {at, lmax, lim, "2/lr", 5};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	for (int i = 0; i < 10; i++)
		ep[i] = (struct dnn_epoch){
		    (unsigned long)i + 1, 1.0 / (i + 1), NAN, NAN, NAN, 0.1, 0.0};
	ck_assert_int_eq(plot_svg_sharp(f, &h, 0, &sh), 0);
	fclose(f);
	ck_assert_uint_eq(count(buf, "class=\"panel\""), 2);
	ck_assert_uint_eq(count(buf, "<polyline"), 3);
	ck_assert_uint_eq(count(buf, ">2/lr</text>"), 1);
	ck_assert_uint_eq(count(buf, ">lambda_max</text>"), 2); /* axis label, legend */
	ck_assert_double_eq_tol(last_x(buf, 2), last_x(buf, 1), 0.01);
	ck_assert_double_eq_tol(last_x(buf, 3), last_x(buf, 1), 0.01);
	ck_assert_ptr_nonnull(strstr(buf, "height=\"640\""));
	free(buf);

	sh.label = NULL; /* Adam: no line */
	f = open_memstream(&buf, &len);
	ck_assert_int_eq(plot_svg_sharp(f, &h, 0, &sh), 0);
	fclose(f);
	ck_assert_uint_eq(count(buf, "<polyline"), 2);
	ck_assert_uint_eq(count(buf, "stability line"), 0);
	free(buf);
}
END_TEST

/* The density on a log scale: the peak's decade at the top, values 8
 * decades below at the bottom, a dashed line at 0 only when 0 is in range. */
START_TEST(test_density_svg)
{
	double x[5] = {-1, 0.5, 2, 3.5, 5}, y[5] = {1e-12, 0.02, 0.1, 1e-3, 0};
	struct plot_density c = {x, y, 5, 8, "density", "eigenvalue", "a note"};
	char *buf = NULL, *p;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	double px, py;

	ck_assert_int_eq(plot_density_svg(f, &c), 0);
	fclose(f);
	ck_assert_uint_eq(count(buf, "<polyline"), 1);
	ck_assert_uint_eq(count(buf, ">a note</text>"), 1);
	ck_assert_uint_eq(count(buf, "stroke-dasharray"), 1);
	/* Decades 1e-9 .. 1e-1: nine tick labels. */
	ck_assert_uint_eq(count(buf, ">1e-"), 9);
	p = strstr(buf, "points=\"") + 8;
	/* 1e-12 is below the floor: at the bottom (y 350), at the left (x 70). */
	ck_assert_int_eq(sscanf(p, "%lf,%lf", &px, &py), 2);
	ck_assert_double_eq_tol(px, 70.0, 0.05);
	ck_assert_double_eq_tol(py, 350.0, 0.05);
	/* 0.1 = 1e-1, the top decade: y 36. */
	p = strchr(p, ' ') + 1;
	p = strchr(p, ' ') + 1;
	ck_assert_int_eq(sscanf(p, "%lf,%lf", &px, &py), 2);
	ck_assert_double_eq_tol(py, 36.0, 0.05);
	free(buf);
	buf = NULL;
	x[0] = 0.1;
	f = open_memstream(&buf, &len);
	ck_assert_int_eq(plot_density_svg(f, &c), 0);
	fclose(f);
	ck_assert_uint_eq(count(buf, "stroke-dasharray"), 0);
	free(buf);
}
END_TEST

/* Scatter panels: a circle per finite point, a log axis labelled in the
 * quantity's units, categories by name (escaped), three panels to a row. */
START_TEST(test_scatter)
{
	const double x1[4] = {0.001, 0.01, 0.1, 1.0}, y[4] = {0.5, 0.6, NAN, 0.9};
	const double x2[4] = {0.0, 1.0, 1.0, 0.0};
	char *cats[2] = {"\"sgd\"", "a<b&c"};
	const struct plot_scatter p[4] = {
	    {"optimizer.learning_rate", x1, y, 4, 1, 0, NULL},
	    {"optimizer.name", x2, y, 4, 0, 2, cats},
	    {"c", x2, y, 4, 0, 0, NULL},
	    {"d", x2, y, 4, 0, 0, NULL},
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(plot_scatter_svg(f, p, 4, "accuracy"), 0);
	fclose(f);
	ck_assert_uint_eq(count(buf, "<circle"), 4 * 3);
	ck_assert_uint_eq(count(buf, "optimizer.learning_rate (log)</text>"), 1);
	ck_assert_ptr_nonnull(strstr(buf, ">0.01</text>"));
	ck_assert_ptr_nonnull(strstr(buf, ">&quot;sgd&quot;</text>"));
	ck_assert_ptr_nonnull(strstr(buf, ">a&lt;b&amp;c</text>"));
	ck_assert_ptr_nonnull(strstr(buf, "width=\"900\" height=\"480\""));
	ck_assert_uint_eq(count(buf, "nan"), 0);
	free(buf);
}
END_TEST

static Suite *plot_suite(void)
{
	Suite *s = suite_create("plot");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_ticks);
	tcase_add_test(tc, test_svg_series);
	tcase_add_test(tc, test_scatter);
	tcase_add_test(tc, test_svg_sharpness);
	tcase_add_test(tc, test_density_svg);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(plot_suite)
