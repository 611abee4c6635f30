/* Unit tests for jsontext.c: the texts RFC 8259 allows, those it does not
 * and the offset of the first byte that does not fit. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "jsontext.h"
#include "testutil.h"

/* jsontext_check over a C string: 0 when valid, else the offset + 1. */
static size_t bad_at(const char *s)
{
	size_t off = (size_t)-1;

	if (jsontext_check(s, strlen(s), &off) == 0)
		return 0;
	return off + 1;
}

START_TEST(test_valid)
{
	static const char *const ok[] = {
	    "{}",
	    "[]",
	    " {} ",
	    "\t\r\n[ ]\n",
	    "0",
	    "-0",
	    "1.5",
	    "-12.25e+3",
	    "1E-2",
	    "1e5",
	    "\"\"",
	    "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"",
	    "\"\\u00e9\\uD83D\\uDE00\"",
	    "true",
	    "false",
	    "null",
	    "\"x\xc3\xa9\"",
	    "{\"a\":[1,{\"b\":null}],\"c\":\"d\"}",
	    "[[[[]]],[{}]]",
	    "{ \"k\" : 1 , \"l\" : [ 2 , 3 ] }",
	};

	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		ck_assert_msg(bad_at(ok[i]) == 0, "'%s' refused at byte %zu", ok[i], bad_at(ok[i]));
}
END_TEST

START_TEST(test_invalid)
{
	static const struct {
		const char *text;
		size_t at; /* 1-based; strlen + 1 when it ends too soon */
	} bad[] = {
	    {"", 1},	       {"   ", 4},	{"{", 2},	  {"[1,", 4},
	    {"{\"a\":1,}", 8}, {"[1,]", 4},	{"01", 2},	  {"-01", 3},
	    {"1.", 3},	       {".5", 1},	{"1e", 3},	  {"+1", 1},
	    {"-", 2},	       {"1.e3", 3},	{"{} {}", 4},	  {"{}x", 3},
	    {"not json", 1},   {"tru", 1},	{"nul", 1},	  {"True", 1},
	    {"\"a", 3},	       {"\"\\x\"", 3},	{"\"\\u12\"", 6}, {"\"\\u12g4\"", 6},
	    {"\"a\tb\"", 3},   {"\"a\nb\"", 3}, {"{1:2}", 2},	  {"{\"a\" 1}", 6},
	    {"{\"a\":}", 6},   {"[1 2]", 4},	{"{\"a\":1]", 7}, {"[}", 2},
	    {"NaN", 1},	       {"Infinity", 1}, {"'a'", 1},	  {"[1,,2]", 4},
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(bad_at(bad[i].text) == bad[i].at, "'%s': byte %zu, expected %zu",
			      bad[i].text, bad_at(bad[i].text), bad[i].at);
	/* A NUL is a byte like any other: inside a string it is a control
	 * character, outside a token it is not a blank. */
	ck_assert_int_eq(jsontext_check("\"a\0\"", 4, &(size_t){0}), -1);
	ck_assert_int_eq(jsontext_check("{}\0", 3, &(size_t){0}), -1);
	/* Only the n bytes given are read. */
	ck_assert_int_eq(jsontext_check("{}}", 2, &(size_t){0}), 0);
}
END_TEST

/* Nesting: JSONTEXT_MAX_DEPTH levels are taken, one more is refused at
 * its bracket; the depth comes back down as brackets close. */
START_TEST(test_depth)
{
	size_t n = JSONTEXT_MAX_DEPTH + 1;
	char *s = malloc(2 * n + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, '[', n - 1);
	memset(s + n - 1, ']', n - 1);
	s[2 * n - 2] = '\0';
	ck_assert_uint_eq(bad_at(s), 0);
	memset(s, '[', n);
	memset(s + n, ']', n);
	s[2 * n] = '\0';
	ck_assert_uint_eq(bad_at(s), n);
	free(s);
	/* Many siblings never add up. */
	s = malloc(4 * n + 3);
	ck_assert_ptr_nonnull(s);
	s[0] = '[';
	for (size_t i = 0; i < n; i++)
		memcpy(s + 1 + 3 * i, "[],", 3);
	memcpy(s + 1 + 3 * n, "[]]", 4);
	ck_assert_uint_eq(bad_at(s), 0);
	free(s);
}
END_TEST

static Suite *jsontext_suite(void)
{
	Suite *s = suite_create("jsontext");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_valid);
	tcase_add_test(tc, test_invalid);
	tcase_add_test(tc, test_depth);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(jsontext_suite)
