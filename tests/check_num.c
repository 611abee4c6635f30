/* Unit tests for num.c: the fast decimal parser must give strtof's float,
 * bit for bit, on millions of random numbers of every shape, and reject
 * what is not a plain decimal number. */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"
#include "rng.h"
#include "testutil.h"

static uint32_t bits(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof u);
	return u;
}

/* Parse s both ways; strtof's answer is the reference. (Check records every
 * assertion it evaluates, so the loops assert only on a mismatch.) */
static void agree(const char *s)
{
	char *end;
	float want = strtof(s, &end), got = -1.0f;
	int r = num_parse(s, strlen(s), &got);

	if (*end != '\0')
		ck_abort_msg("reference did not take all of '%s'", s);
	if (!isfinite(want)) {
		if (r != NUM_RANGE)
			ck_abort_msg("'%s': expected NUM_RANGE, got %d", s, r);
		return;
	}
	if (r != NUM_OK)
		ck_abort_msg("'%s': expected NUM_OK, got %d", s, r);
	if (bits(got) != bits(want))
		ck_abort_msg("'%s': got %.9g (0x%08x), strtof %.9g (0x%08x)", s, (double)got,
			     bits(got), (double)want, bits(want));
}

static uint64_t below(struct dnn_rng *r, uint64_t n)
{
	return rng_next(r) % n;
}

/* A random string of n decimal digits, the first one not 0 unless lead0. */
static size_t digits(struct dnn_rng *r, char *p, size_t n, int lead0)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (char)('0' + (i == 0 && !lead0 ? 1 + below(r, 9) : below(r, 10)));
	return n;
}

START_TEST(test_random_shapes)
{
	struct dnn_rng r;
	char s[128];

	rng_seed(&r, 42);
	for (long t = 0; t < 2000000; t++) {
		size_t n = 0;

		if (below(&r, 4) == 0)
			s[n++] = below(&r, 2) ? '-' : '+';
		n += digits(&r, s + n, 1 + below(&r, below(&r, 4) ? 8 : 24), below(&r, 8) == 0);
		if (below(&r, 2)) {
			s[n++] = '.';
			n += digits(&r, s + n, below(&r, below(&r, 4) ? 8 : 30), 1);
		}
		if (below(&r, 4) == 0) {
			int x = (int)below(&r, below(&r, 4) ? 30 : 90);

			n += (size_t)sprintf(s + n, "e%s%d", below(&r, 2) ? "-" : "", x);
		}
		s[n] = '\0';
		agree(s);
	}
}
END_TEST

/* Every float written with 9 significant digits, the midpoints between
 * neighbouring floats written exactly (the hardest cases for rounding),
 * and those midpoints nudged by one unit in the 17th digit. */
START_TEST(test_floats_and_midpoints)
{
	struct dnn_rng r;
	char s[128];

	rng_seed(&r, 7);
	for (long t = 0; t < 500000; t++) {
		uint32_t u = (uint32_t)below(&r, 0x7f000000u) + 0x00800000u;
		float f, g;
		double mid;

		memcpy(&f, &u, sizeof f);
		snprintf(s, sizeof s, "%.9g", (double)f);
		agree(s);
		u++;
		memcpy(&g, &u, sizeof g);
		mid = ((double)f + (double)g) / 2.0;
		snprintf(s, sizeof s, "%.40g", mid);
		agree(s);
		snprintf(s, sizeof s, "%.17g", mid);
		agree(s);
		snprintf(s, sizeof s, "%.17g", nextafter(mid, 0.0));
		agree(s);
		snprintf(s, sizeof s, "%.17g", nextafter(mid, INFINITY));
		agree(s);
	}
}
END_TEST

START_TEST(test_integers_exact)
{
	char s[64];
	float v;

	for (long i = -100000; i <= 100000; i++) {
		snprintf(s, sizeof s, "%ld", i);
		if (num_parse(s, strlen(s), &v) != NUM_OK || v != (float)i)
			ck_abort_msg("'%s' read as %.9g", s, (double)v);
	}
	/* 2^24 + 1 is the first integer a float cannot hold: round to even. */
	ck_assert_int_eq(num_parse("16777217", 8, &v), NUM_OK);
	ck_assert(v == 16777216.0f);
	agree("16777219");
	agree("340282346638528859811704183484516925440");
	agree("99999999999999999999999999999999999999999");
}
END_TEST

START_TEST(test_edges)
{
	static const char *const ok[] = {
		"0",	  "-0",	     "+0",	"0.0",	     ".5",	"5.",	 "00012",
		"1e0",	  "1E+2",    "1e-2",	"1e-45",     "1e-46",	"1.4e-45", "1.17549435e-38",
		"3.4028234e38", "3.40282356e38", "1e-400", "0e999",	"123456789012345678901234567890",
		"0.000000000000000000000000000000000000001", "4.9406564584124654e-324",
	};
	static const char *const bad[] = {"",	 "-",	  "+",	   ".",	   "e5",   "1e",   "1e+",
					  "1.2.3", "1 2",  " 1",   "1 ",   "+-1",  "inf", "-inf",
					  "nan", "NaN",	  "0x10", "1,5",  "1_000", "--1", "1e5x"};
	float v;

	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		agree(ok[i]);
		/* The command line's check accepts what data accepts... */
		ck_assert_msg(num_is_decimal(ok[i], strlen(ok[i])), "'%s' is a number", ok[i]);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(num_parse(bad[i], strlen(bad[i]), &v) == NUM_BAD,
			      "'%s' should be rejected", bad[i]);
		/* ...and refuses what data refuses. */
		ck_assert_msg(!num_is_decimal(bad[i], strlen(bad[i])), "'%s' is no number",
			      bad[i]);
	}
	ck_assert(!num_is_decimal("0x1p-3", 6));
	ck_assert(num_is_decimal("3.5e38", 6));
	ck_assert(num_is_decimal("12x", 2));
	ck_assert_int_eq(num_parse("3.5e38", 6, &v), NUM_RANGE);
	ck_assert_int_eq(num_parse("-1e39", 5, &v), NUM_RANGE);
	/* No terminator needed: only len bytes are read. */
	ck_assert_int_eq(num_parse("12345", 3, &v), NUM_OK);
	ck_assert(v == 123.0f);
	ck_assert_int_eq(num_parse("2.5,7", 3, &v), NUM_OK);
	ck_assert(v == 2.5f);
}
END_TEST

static Suite *num_suite(void)
{
	Suite *s = suite_create("num");
	TCase *tc = tcase_create("parse");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_random_shapes);
	tcase_add_test(tc, test_floats_and_midpoints);
	tcase_add_test(tc, test_integers_exact);
	tcase_add_test(tc, test_edges);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(num_suite)
