#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "testutil.h"
#include "util.h"

START_TEST(test_mul_overflow)
{
	size_t r;

	ck_assert_int_eq(util_mul_overflow(3, 4, &r), 0);
	ck_assert_uint_eq(r, 12);
	ck_assert_int_eq(util_mul_overflow(SIZE_MAX / 2 + 1, 2, &r), 1);
	ck_assert_int_eq(util_mul_overflow(0, SIZE_MAX, &r), 0);
	ck_assert_ptr_null(util_malloc_array(SIZE_MAX / 4, 8));
}
END_TEST

/* util_calloc_huge: zeroed arrays like util_calloc_array's whatever the
 * size, though those of 4 MiB and more come from another allocator. */
START_TEST(test_calloc_huge)
{
	size_t sizes[] = {0, 1, 1000, ((size_t)4 << 20) / sizeof(float) - 1,
			  ((size_t)4 << 20) / sizeof(float), ((size_t)5 << 20) / sizeof(float) + 3};

	for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
		size_t n = sizes[s];
		float *p = util_calloc_huge(n, sizeof *p);

		ck_assert_ptr_nonnull(p);
		for (size_t i = 0; i < n; i++)
			ck_assert(p[i] == 0.0f);
		if (n) {
			p[0] = 1.0f;
			p[n - 1] = 2.0f;
			ck_assert(p[0] + p[n - 1] == (n > 1 ? 3.0f : 4.0f));
		}
		free(p);
	}
	ck_assert_ptr_null(util_calloc_huge(SIZE_MAX / 2, 4));
}
END_TEST

START_TEST(test_parse_long)
{
	long v;

	ck_assert_int_eq(util_parse_long("42", 0, 100, &v), 0);
	ck_assert_int_eq(v, 42);
	ck_assert_int_eq(util_parse_long("-3", -5, 5, &v), 0);
	ck_assert_int_eq(v, -3);
	ck_assert_int_eq(util_parse_long("101", 0, 100, &v), -1);
	ck_assert_int_eq(util_parse_long("4x", 0, 100, &v), -1);
	ck_assert_int_eq(util_parse_long("", 0, 100, &v), -1);
	ck_assert_int_eq(util_parse_long(" 4", 0, 100, &v), -1);
	ck_assert_int_eq(util_parse_long("99999999999999999999", 0, 100, &v), -1);
}
END_TEST

START_TEST(test_parse_u64_double)
{
	uint64_t u;
	double d;

	ck_assert_int_eq(util_parse_u64("18446744073709551615", &u), 0);
	ck_assert(u == UINT64_MAX);
	ck_assert_int_eq(util_parse_u64("18446744073709551616", &u), -1);
	ck_assert_int_eq(util_parse_u64("-1", &u), -1);
	ck_assert_int_eq(util_parse_double(" 0.25 ", &d), 0);
	ck_assert_double_eq(d, 0.25);
	ck_assert_int_eq(util_parse_double("1e-3", &d), 0);
	ck_assert_double_eq(d, 1e-3);
	ck_assert_int_eq(util_parse_double("inf", &d), -1);
	ck_assert_int_eq(util_parse_double("nan", &d), -1);
	ck_assert_int_eq(util_parse_double("1e999", &d), -1);
	ck_assert_int_eq(util_parse_double("0,25", &d), -1);
	ck_assert_int_eq(util_parse_double("", &d), -1);
	/* Data refuses hex floats, and so does the command line. */
	ck_assert_int_eq(util_parse_double("0x1p-3", &d), -1);
	ck_assert_int_eq(util_parse_double("0x10", &d), -1);
	ck_assert_int_eq(util_parse_double("infinity", &d), -1);
	ck_assert_int_eq(util_parse_double(" \t", &d), -1);
	ck_assert_int_eq(util_parse_double("\t-2.5e1\t", &d), 0);
	ck_assert_double_eq(d, -25.0);
}
END_TEST

START_TEST(test_is_digits)
{
	ck_assert_int_eq(util_is_digits("0"), 1);
	ck_assert_int_eq(util_is_digits("0123456789"), 1);
	ck_assert_int_eq(util_is_digits(""), 0);
	ck_assert_int_eq(util_is_digits("-1"), 0);
	ck_assert_int_eq(util_is_digits("+1"), 0);
	ck_assert_int_eq(util_is_digits("1 "), 0);
	ck_assert_int_eq(util_is_digits("1a"), 0);
	ck_assert_int_eq(util_is_digits("x1"), 0);
}
END_TEST

/* Whether the literal s (without its NUL) is valid UTF-8. */
#define UTF8(s) util_utf8_valid(s, sizeof s - 1)

START_TEST(test_utf8_valid)
{
	ck_assert_int_eq(UTF8(""), 1);
	ck_assert_int_eq(UTF8("plain ascii\t\n"), 1);
	ck_assert_int_eq(UTF8("x\xc3\xa9"), 1);	       /* U+00E9 */
	ck_assert_int_eq(UTF8("\xe2\x82\xac"), 1);     /* U+20AC */
	ck_assert_int_eq(UTF8("\xed\x9f\xbf"), 1);     /* U+D7FF */
	ck_assert_int_eq(UTF8("\xef\xbf\xbf"), 1);     /* U+FFFF */
	ck_assert_int_eq(UTF8("\xf0\x90\x80\x80"), 1); /* U+10000 */
	ck_assert_int_eq(UTF8("\xf4\x8f\xbf\xbf"), 1); /* U+10FFFF */
	ck_assert_int_eq(UTF8("\xe9t\xe9"), 0);	       /* Latin-1 */
	ck_assert_int_eq(UTF8("\x80"), 0);	       /* lone continuation */
	ck_assert_int_eq(UTF8("\xc3"), 0);	       /* cut short */
	ck_assert_int_eq(UTF8("\xe2\x82"), 0);
	ck_assert_int_eq(UTF8("\xc3\x28"), 0); /* not a continuation */
	ck_assert_int_eq(UTF8("\xe2\x28\xac"), 0);
	ck_assert_int_eq(UTF8("\xe2\x82\x28"), 0);
	ck_assert_int_eq(UTF8("\xc0\xaf"), 0); /* overlong '/' */
	ck_assert_int_eq(UTF8("\xc1\xbf"), 0);
	ck_assert_int_eq(UTF8("\xe0\x9f\xbf"), 0);     /* overlong U+07FF */
	ck_assert_int_eq(UTF8("\xf0\x8f\xbf\xbf"), 0); /* overlong U+FFFF */
	ck_assert_int_eq(UTF8("\xed\xa0\x80"), 0);     /* surrogate U+D800 */
	ck_assert_int_eq(UTF8("\xed\xbf\xbf"), 0);     /* surrogate U+DFFF */
	ck_assert_int_eq(UTF8("\xf4\x90\x80\x80"), 0); /* U+110000 */
	ck_assert_int_eq(UTF8("\xf5\x80\x80\x80"), 0);
	ck_assert_int_eq(UTF8("\xff"), 0);
	/* The length is the caller's: a NUL is a character, bytes past n are not read. */
	ck_assert_int_eq(util_utf8_valid("a\0b", 3), 1);
	ck_assert_int_eq(util_utf8_valid("ab\xc3\xa9", 3), 0);
}
END_TEST

START_TEST(test_edit_distance)
{
	static const char *const names[] = {"relu", "sigmoid", "softmax", "tanh"};

	ck_assert_uint_eq(util_edit_distance("kitten", "sitting"), 3);
	ck_assert_uint_eq(util_edit_distance("", "abc"), 3);
	ck_assert_uint_eq(util_edit_distance("same", "same"), 0);
	ck_assert_str_eq(util_closest("relux", names, 4), "relu");
	ck_assert_str_eq(util_closest("sigmod", names, 4), "sigmoid");
	ck_assert_str_eq(util_closest("soft", names, 4), "softmax");
	ck_assert_ptr_null(util_closest("banana", names, 4));
}
END_TEST

/* The offset of the first invalid byte, -1 for valid UTF-8. */
START_TEST(test_utf8_bad)
{
	static const struct {
		const char *s;
		int bad;
	} cases[] = {
		{"", -1},
		{"petal_width", -1},
		{"\xc3\xa9t\xc3\xa9", -1}, /* été */
		{"\xe2\x82\xac", -1}, /* U+20AC */
		{"\xf0\x9f\x98\x80", -1}, /* U+1F600 */
		{"\xf4\x8f\xbf\xbf", -1}, /* U+10FFFF */
		{"\xe9t\xe9", 0}, /* Latin-1 */
		{"ab\xe9", 2},
		{"\xc3", 0}, /* cut short */
		{"a\xe2\x82", 1},
		{"\xc0\xaf", 0}, /* overlong '/' */
		{"\xc1\xbf", 0},
		{"\xe0\x80\xaf", 0}, /* overlong, 3 bytes */
		{"\xf0\x80\x80\xaf", 0}, /* overlong, 4 bytes */
		{"\xed\xa0\x80", 0}, /* surrogate U+D800 */
		{"\xed\x9f\xbf", -1}, /* U+D7FF */
		{"\xf4\x90\x80\x80", 0}, /* U+110000 */
		{"\xf5\x80\x80\x80", 0},
		{"x\x80", 1}, /* a lone continuation byte */
		{"\xc3\xa9\xc3(", 2}, /* a bad continuation byte */
		{"\xff", 0},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ck_assert_msg(util_utf8_bad(cases[i].s, strlen(cases[i].s)) == cases[i].bad,
			      "case %zu", i);
	/* The length counts, not a NUL. */
	ck_assert_int_eq(util_utf8_bad("a\0\xe9", 3), 2);
	ck_assert_int_eq(util_utf8_bad("\xc3\xa9", 1), 0);
}
END_TEST

START_TEST(test_error_format)
{
	struct dnn_error e;
	char buf[256];

	dnn_error_clear(&e);
	ck_assert_int_eq(dnn_error_set(&e, DNN_EX_DATA, "a.csv", 12, 3, "expected a number, got '%s'",
				       "x"),
			 -1);
	dnn_error_format(&e, buf, sizeof buf);
	ck_assert_str_eq(buf, "a.csv:12:3: expected a number, got 'x'");
	dnn_error_set(&e, DNN_EX_DATA, "a.csv", 0, 0, "file is empty");
	dnn_error_format(&e, buf, sizeof buf);
	ck_assert_str_eq(buf, "a.csv: file is empty");
	dnn_error_set(&e, DNN_EX_USAGE, NULL, 0, 0, "plain");
	dnn_error_format(&e, buf, sizeof buf);
	ck_assert_str_eq(buf, "plain");
	ck_assert_int_eq(e.code, 64);
}
END_TEST

/* One escaping rule for every message: whatever module put control bytes or
 * bytes that are not UTF-8 into it, they come out as \n, \r, \t or \xNN. */
START_TEST(test_error_escape)
{
	struct dnn_error e;
	char buf[256], small[8];

	dnn_error_set(&e, DNN_EX_DATA, "a\nb.json", 0, 0, "unknown activation 're\033lu'");
	dnn_error_format(&e, buf, sizeof buf);
	ck_assert_str_eq(buf, "a\\nb.json: unknown activation 're\\x1blu'");
	dnn_error_set(&e, DNN_EX_DATA, NULL, 0, 0, "x\ty\rz\x7f\x01");
	dnn_error_format(&e, buf, sizeof buf);
	ck_assert_str_eq(buf, "x\\ty\\rz\\x7f\\x01");
	/* UTF-8 stays; Latin-1, a lone continuation byte, an overlong form, a
	 * surrogate and a C1 control (U+009B) do not. */
	dnn_error_set(&e, DNN_EX_DATA, NULL, 0, 0, "\xc3\xa9t\xc3\xa9 \xe9t\xe9 \x80 \xc0\xaf "
						    "\xed\xa0\x80 \xc2\x9b \xf0\x9f\x98\x80");
	dnn_error_format(&e, buf, sizeof buf);
	ck_assert_str_eq(buf, "\xc3\xa9t\xc3\xa9 \\xe9t\\xe9 \\x80 \\xc0\\xaf \\xed\\xa0\\x80 "
			      "\\xc2\\x9b \xf0\x9f\x98\x80");
	/* Escaping twice changes nothing: a message may quote another. */
	dnn_error_set(&e, DNN_EX_DATA, NULL, 0, 0, "%s", buf);
	dnn_error_format(&e, buf, sizeof buf);
	ck_assert_str_eq(buf, e.msg);
	/* A full buffer cuts before an escape or a character, not inside. */
	dnn_error_set(&e, DNN_EX_DATA, NULL, 0, 0, "ab\033");
	dnn_error_format(&e, small, 5);
	ck_assert_str_eq(small, "ab");
	dnn_error_set(&e, DNN_EX_DATA, NULL, 0, 0, "abcd\xc3\xa9");
	dnn_error_format(&e, small, 6);
	ck_assert_str_eq(small, "abcd");
}
END_TEST

/* "MSE" suggests "mse": letters that differ only in case cost nothing. */
START_TEST(test_closest_case)
{
	static const char *const names[] = {"mse", "cross_entropy", "binary_cross_entropy"};
	static const char *const acts[] = {"relu", "sigmoid", "softmax", "tanh"};

	ck_assert_str_eq(util_closest("MSE", names, 3), "mse");
	ck_assert_str_eq(util_closest("Cross_Entropy", names, 3), "cross_entropy");
	ck_assert_str_eq(util_closest("ReLU", acts, 4), "relu");
	ck_assert_str_eq(util_closest("SOFT", acts, 4), "softmax");
	ck_assert_str_eq(util_closest("Sigmod", acts, 4), "sigmoid");
	ck_assert_ptr_null(util_closest("XYZ", names, 3));
	/* The distance itself still counts case. */
	ck_assert_uint_eq(util_edit_distance("MSE", "mse"), 3);
}
END_TEST

START_TEST(test_utf8_len)
{
	ck_assert_uint_eq(util_utf8_len("a", 1), 1);
	ck_assert_uint_eq(util_utf8_len("\xc3\xa9", 2), 2);
	ck_assert_uint_eq(util_utf8_len("\xc3\xa9", 1), 0);
	ck_assert_uint_eq(util_utf8_len("\xe2\x82\xac", 3), 3);
	ck_assert_uint_eq(util_utf8_len("\xf4\x8f\xbf\xbf", 4), 4);
	ck_assert_uint_eq(util_utf8_len("\xf4\x90\x80\x80", 4), 0); /* above U+10FFFF */
	ck_assert_uint_eq(util_utf8_len("\xe0\x80\xaf", 3), 0);	 /* overlong */
	ck_assert_uint_eq(util_utf8_len("\xc1\xbf", 2), 0);	 /* overlong */
	ck_assert_uint_eq(util_utf8_len("\xed\xa0\x80", 3), 0);	 /* surrogate */
	ck_assert_uint_eq(util_utf8_len("\xbf", 1), 0);
	ck_assert_uint_eq(util_utf8_len("\xff", 1), 0);
	ck_assert_uint_eq(util_utf8_len("\xe2\x82x", 3), 0);
	ck_assert_uint_eq(util_utf8_len("", 0), 0);
}
END_TEST

static Suite *util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_mul_overflow);
	tcase_add_test(tc, test_calloc_huge);
	tcase_add_test(tc, test_parse_long);
	tcase_add_test(tc, test_parse_u64_double);
	tcase_add_test(tc, test_is_digits);
	tcase_add_test(tc, test_utf8_valid);
	tcase_add_test(tc, test_edit_distance);
	tcase_add_test(tc, test_utf8_bad);
	tcase_add_test(tc, test_error_format);
	tcase_add_test(tc, test_error_escape);
	tcase_add_test(tc, test_closest_case);
	tcase_add_test(tc, test_utf8_len);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(util_suite)
