/* Unit tests for fmt.c: on millions of random floats and on the edges, the
 * output reads back (strtof) to the float, and no decimal with fewer
 * significant digits would (a slow reference tries %.1e..%.9e). */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "rng.h"
#include "testutil.h"

/* The fewest significant digits of a decimal that reads back: each length's
 * correctly rounded decimals of f and of the two ends of the interval of
 * reals that round to f (at a power of two the interval is lopsided, and a
 * decimal nearer an end may read back where f's own rounding does not). */
static int ref_shortest(float f)
{
	double v[3] = {(double)f, ((double)f + (double)nextafterf(f, 0.0f)) / 2,
		       ((double)f + (double)nextafterf(f, f > 0 ? INFINITY : -INFINITY)) / 2};
	char s[40];

	for (int p = 1; p < 9; p++)
		for (int j = 0; j < 3; j++) {
			snprintf(s, sizeof s, "%.*e", p - 1, v[j]);
			if (strtof(s, NULL) == f)
				return p;
		}
	return 9;
}

/* Significant digits in s (leading zeros and the exponent not counted). */
static int sig_digits(const char *s)
{
	int n = 0, lead = 1, zeros = 0;

	for (; *s && *s != 'e'; s++) {
		if (*s < '0' || *s > '9')
			continue;
		if (lead && *s == '0')
			continue;
		lead = 0;
		n++;
		zeros = *s == '0' ? zeros + 1 : 0;
	}
	return n - zeros;
}

/* One float checked; the loops assert only on a mismatch. */
static void check_one(float f)
{
	char b[FMT_FLOAT_MAX];
	int len = fmt_float(b, f, 0);
	uint32_t u;

	memcpy(&u, &f, sizeof u);
	if ((size_t)len != strlen(b) || len >= FMT_FLOAT_MAX)
		ck_abort_msg("0x%08x: length %d of '%s'", u, len, b);
	float back = strtof(b, NULL);

	if (memcmp(&back, &f, sizeof f) != 0)
		ck_abort_msg("0x%08x (%.9g): '%s' reads back as %.9g", u, (double)f, b,
			     (double)back);
	if (f != 0.0f && sig_digits(b) != ref_shortest(f))
		ck_abort_msg("0x%08x (%.9g): '%s' has %d digits, %d would do", u, (double)f, b,
			     sig_digits(b), ref_shortest(f));
}

START_TEST(test_random_bits)
{
	struct dnn_rng r;
	const char *env = getenv("DNN_FMT_CHECK_N");
	long n = env ? atol(env) : 2000000;

	rng_seed(&r, 42);
	for (long i = 0; i < n; i++) {
		uint32_t u = (uint32_t)rng_next(&r);
		float f;

		memcpy(&f, &u, sizeof f);
		if (isfinite(f))
			check_one(f);
	}
}
END_TEST

START_TEST(test_edges)
{
	char b[FMT_FLOAT_MAX];

	for (int k = -45; k <= 38; k++) {
		char s[16];

		snprintf(s, sizeof s, "1e%d", k);
		float p = strtof(s, NULL);
		check_one(p);
		check_one(nextafterf(p, 0));
		check_one(nextafterf(p, INFINITY));
		check_one(-p);
	}
	for (int k = -149; k <= 127; k++)
		check_one(ldexpf(1.0f, k));
	for (uint32_t u = 1; u < 5000; u++) { /* the smallest subnormals */
		float f;

		memcpy(&f, &u, sizeof f);
		check_one(f);
	}
	check_one(FLT_MAX);
	check_one(FLT_MIN);
	check_one(nextafterf(FLT_MIN, 0));
	check_one(FLT_TRUE_MIN);
	for (int i = 0; i <= 100000; i++)
		check_one((float)i);
	ck_assert_str_eq((fmt_float(b, 0.0f, 0), b), "0");
	ck_assert_str_eq((fmt_float(b, -0.0f, 0), b), "-0");
	ck_assert_str_eq((fmt_float(b, INFINITY, 0), b), "inf");
	ck_assert_str_eq((fmt_float(b, -INFINITY, 0), b), "-inf");
	ck_assert_str_eq((fmt_float(b, NAN, 0), b), "nan");
	ck_assert_str_eq((fmt_float(b, 0.1f, 0), b), "0.1");
	ck_assert_str_eq((fmt_float(b, 1.0f, 0), b), "1");
	ck_assert_str_eq((fmt_float(b, 100.0f, 0), b), "100");
	ck_assert_str_eq((fmt_float(b, 123456789.0f, 0), b), "123456790");
	ck_assert_str_eq((fmt_float(b, 1e9f, 0), b), "1e+09");
	ck_assert_str_eq((fmt_float(b, 0.0001f, 0), b), "0.0001");
	ck_assert_str_eq((fmt_float(b, 1e-5f, 0), b), "1e-05");
	ck_assert_str_eq((fmt_float(b, FLT_MAX, 0), b), "3.4028235e+38");
	ck_assert_str_eq((fmt_float(b, FLT_TRUE_MIN, 0), b), "1e-45");
	ck_assert_str_eq((fmt_float(b, -2.5f, 0), b), "-2.5");
}
END_TEST

/* --digits: f rounded to d digits (trailing zeros dropped), or the shortest
 * decimal when that is no longer. */
START_TEST(test_digits)
{
	char b[FMT_FLOAT_MAX];
	struct dnn_rng r;

	ck_assert_str_eq((fmt_float(b, 0.999999f, 3), b), "1");
	ck_assert_str_eq((fmt_float(b, 5.68698e-07f, 3), b), "5.69e-07");
	ck_assert_str_eq((fmt_float(b, 0.1f, 9), b), "0.1");
	ck_assert_str_eq((fmt_float(b, 2.5f, 1), b), "2");
	ck_assert_str_eq((fmt_float(b, 123456.0f, 2), b), "120000");
	rng_seed(&r, 7);
	for (int i = 0; i < 200000; i++) {
		uint32_t u = (uint32_t)rng_next(&r);
		int d = 1 + (int)rng_below(&r, 9);
		float f;
		char s[40];

		memcpy(&f, &u, sizeof f);
		if (!isfinite(f) || f == 0.0f)
			continue;
		fmt_float(b, f, d);
		snprintf(s, sizeof s, "%.*e", d - 1, (double)f);
		double want = ref_shortest(f) <= d ? (double)f : strtod(s, NULL);
		double got = strtod(b, NULL);

		if (ref_shortest(f) <= d ? strtof(b, NULL) != f : got != want)
			ck_abort_msg("%.9g at %d digits: '%s', want %s", (double)f, d, b, s);
	}
}
END_TEST

/* fmt_double: the shortest of 15 to 17 digits that reads back, on random
 * bits and a few values whose shortest length is known. */
START_TEST(test_double)
{
	char b[FMT_DOUBLE_MAX], ref[FMT_DOUBLE_MAX];
	struct dnn_rng rng;

	ck_assert_int_eq(fmt_double(b, 0.1), 3);
	ck_assert_str_eq(b, "0.1");
	fmt_double(b, 1.0 / 3.0);
	ck_assert_str_eq(b, "0.3333333333333333");
	fmt_double(b, 0.1 + 0.2);
	ck_assert_str_eq(b, "0.30000000000000004");
	fmt_double(b, -1e300);
	ck_assert_str_eq(b, "-1e+300");
	fmt_double(b, (double)INFINITY);
	ck_assert_str_eq(b, "inf");
	rng_seed(&rng, 11);
	for (int i = 0; i < 100000; i++) {
		uint64_t u = rng_next(&rng);
		double x;
		int d;

		memcpy(&x, &u, sizeof x);
		if (!isfinite(x))
			continue;
		fmt_double(b, x);
		ck_assert_msg(strtod(b, NULL) == x, "'%s' does not read back", b);
		for (d = 15; d < 17; d++) {
			snprintf(ref, sizeof ref, "%.*g", d, x);
			if (strtod(ref, NULL) == x)
				break;
		}
		snprintf(ref, sizeof ref, "%.*g", d, x);
		ck_assert_str_eq(b, ref);
	}
}
END_TEST

static Suite *fmt_suite(void)
{
	Suite *s = suite_create("fmt");
	TCase *tc = tcase_create("float");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_random_bits);
	tcase_add_test(tc, test_edges);
	tcase_add_test(tc, test_digits);
	tcase_add_test(tc, test_double);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(fmt_suite)
