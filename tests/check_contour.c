#include <math.h>
#include <stdlib.h>

#include "contour.h"
#include "testutil.h"

#define N 41

/* z = f(x, y) on an N x N grid over [-1, 1]^2. */
static void grid(double *x, double *z, double (*f)(double, double))
{
	for (size_t i = 0; i < N; i++)
		x[i] = -1.0 + 2.0 * (double)i / (N - 1);
	for (size_t j = 0; j < N; j++)
		for (size_t i = 0; i < N; i++)
			z[j * N + i] = f(x[i], x[j]);
}

static double bowl(double x, double y)
{
	return x * x + y * y;
}

static double saddle(double x, double y)
{
	return x * y;
}

/* A quadratic bowl's level lines are circles: every end of every segment
 * lies within the interpolation error of radius sqrt(level), the segments
 * go all the way round and join up (each end is another segment's end). */
START_TEST(test_bowl_circles)
{
	double x[N], z[N * N];
	const struct contour_grid g = {x, x, z, N, N};
	static const double levels[] = {0.04, 0.25, 0.5, 0.81};

	grid(x, z, bowl);
	for (size_t k = 0; k < 4; k++) {
		struct contour_seg *s;
		size_t n;
		double r = sqrt(levels[k]), len = 0.0;

		ck_assert_int_eq(contour_lines(&g, levels[k], &s, &n), 0);
		ck_assert_uint_gt(n, 8);
		for (size_t i = 0; i < n; i++) {
			double r0 = hypot(s[i].x0, s[i].y0), r1 = hypot(s[i].x1, s[i].y1);

			/* Linear interpolation of x^2 over a cell of h = 0.05
			 * errs by at most h^2 / (8 r) in the radius. */
			ck_assert_msg(fabs(r0 - r) <= 0.0025 / (8 * r) + 1e-12 &&
					  fabs(r1 - r) <= 0.0025 / (8 * r) + 1e-12,
				      "level %g: radius %g, %g", levels[k], r0, r1);
			len += hypot(s[i].x1 - s[i].x0, s[i].y1 - s[i].y0);
			int joined = 0;

			for (size_t m = 0; m < n && !joined; m++)
				joined = m != i && ((s[m].x0 == s[i].x1 && s[m].y0 == s[i].y1) ||
						    (s[m].x1 == s[i].x1 && s[m].y1 == s[i].y1));
			ck_assert_msg(joined, "level %g: segment %zu has a loose end", levels[k],
				      i);
		}
		ck_assert_double_eq_tol(len, 2 * acos(-1.0) * r, 0.01 * 2 * acos(-1.0) * r);
		free(s);
	}
}
END_TEST

/* On z = x y the level 0 is the two axes, through the saddle cells at the
 * centre; level 0.25 the hyperbola x y = 1/4 in two quadrants. */
START_TEST(test_saddle)
{
	double x[N], z[N * N];
	const struct contour_grid g = {x, x, z, N, N};
	struct contour_seg *s;
	size_t n;

	grid(x, z, saddle);
	ck_assert_int_eq(contour_lines(&g, 0.25, &s, &n), 0);
	ck_assert_uint_gt(n, 0);
	for (size_t i = 0; i < n; i++) {
		ck_assert(s[i].x0 * s[i].y0 > 0.0);
		ck_assert_double_eq_tol(s[i].x0 * s[i].y0, 0.25, 0.01);
	}
	free(s);
}
END_TEST

/* Non-finite corners leave their cells out; a flat grid has no lines. */
START_TEST(test_non_finite)
{
	double x[N], z[N * N];
	const struct contour_grid g = {x, x, z, N, N};
	struct contour_seg *s;
	size_t n, n_all;

	grid(x, z, bowl);
	ck_assert_int_eq(contour_lines(&g, 0.25, &s, &n_all), 0);
	free(s);
	for (size_t i = 0; i < N * N / 2; i++)
		z[i] = NAN;
	ck_assert_int_eq(contour_lines(&g, 0.25, &s, &n), 0);
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_lt(n, n_all);
	for (size_t i = 0; i < n; i++)
		ck_assert_double_ge(s[i].y0, -0.05);
	free(s);
	for (size_t i = 0; i < N * N; i++)
		z[i] = 1.0;
	ck_assert_int_eq(contour_lines(&g, 1.0, &s, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(s);
}
END_TEST

/* Levels: log-spaced for values over decades, round and linear otherwise,
 * strictly inside the range, increasing. */
START_TEST(test_levels)
{
	double z[100], lv[32];
	int log_scale;
	size_t k;

	for (size_t i = 0; i < 100; i++)
		z[i] = 0.01 * pow(1000.0, (double)i / 99.0);
	k = contour_levels(z, 100, 12, lv, &log_scale);
	ck_assert_int_eq(log_scale, 1);
	ck_assert_uint_ge(k, 8);
	for (size_t i = 0; i < k; i++) {
		ck_assert(lv[i] > 0.01 && lv[i] < 10.0);
		if (i)
			ck_assert(lv[i] > lv[i - 1]);
	}
	for (size_t i = 0; i < 100; i++)
		z[i] = 1.0 + 2.0 * (double)i / 99.0;
	k = contour_levels(z, 100, 12, lv, &log_scale);
	ck_assert_int_eq(log_scale, 0);
	ck_assert_uint_ge(k, 5);
	for (size_t i = 0; i < k; i++) {
		ck_assert(lv[i] > 1.0 && lv[i] < 3.0);
		ck_assert_double_eq_tol(lv[i] * 10, round(lv[i] * 10), 1e-9);
	}
	z[0] = NAN;
	ck_assert_uint_eq(contour_levels(z, 1, 12, lv, &log_scale), 0);
}
END_TEST

static Suite *contour_suite(void)
{
	Suite *s = suite_create("contour");
	TCase *tc = tcase_create("contour");

	tcase_add_test(tc, test_bowl_circles);
	tcase_add_test(tc, test_saddle);
	tcase_add_test(tc, test_non_finite);
	tcase_add_test(tc, test_levels);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(contour_suite)
