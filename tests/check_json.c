/* Check tests for json.c: RFC 8259 kept strictly, each fault with its line,
 * column and key path; what the RFC allows goes through. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define NAME "t.json"

/* Texts json_check accepts, with the offset of their value. */
static const struct {
	const char *text;
	size_t len, start;
} good[] = {
    {"{}", 0, 0},
    {" \t\r\n[1, -0, 0.5, -1.5e-3, 2E+2, 1e308, 5e-324, 9007199254740992, 0e-999] ", 0, 0},
    {"{\"a\":{\"b\":[true,false,null,\"\"]}}", 0, 0},
    {"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"", 0, 0},
    {"\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f\"", 0, 0},
    /* Not whole: rounding is what a double does. */
    {"[0.1, 4.0000000000000001, 9007199254740992.5, 1e-310]", 0, 0},
    /* Whole and exact beyond 2^53. */
    {"[18446744073709551616, 1e300, 9007199254740994, -9007199254740994, 1e23, "
     "123456789012345678901234567890]",
     0, 0},
    /* A byte order mark is skipped, as jq does. */
    {"\xef\xbb\xbf{\"a\":1}", 0, 3},
    /* The length counts, not a NUL. */
    {"{\"a\":1}junk", 7, 0},
    {"42", 0, 0},
    /* Exponents far beyond a long: zero stays zero. */
    {"[0.000e-99999999999999999999999, -0E+99999999999999999999999]", 0, 0},
};

START_TEST(test_good)
{
	const char *t = good[_i].text;
	size_t len = good[_i].len ? good[_i].len : strlen(t), start = 99;
	struct dnn_error e;

	dnn_error_clear(&e);
	ck_assert_msg(json_check(t, len, 0, NAME, &start, &e) == 0, "%s: %s", t, e.msg);
	ck_assert_uint_eq(start, good[_i].start);
}
END_TEST

/* Each fault, its position and its exact message. */
static const struct {
	const char *text;
	unsigned long line, column;
	const char *msg;
} bad[] = {
    /* Numbers. */
    {"{\"units\": 04}", 1, 11, "units: invalid JSON: leading zero in the number '04'"},
    {"[-01]", 1, 2, "[0]: invalid JSON: leading zero in the number '-01'"},
    {"[00]", 1, 2, "[0]: invalid JSON: leading zero in the number '00'"},
    {"[+1]", 1, 2, "[0]: invalid JSON: a number cannot start with '+'"},
    {"[.5]", 1, 2, "[0]: invalid JSON: a number needs a digit before its decimal point"},
    {"[-.5]", 1, 2, "[0]: invalid JSON: a number needs a digit before its decimal point"},
    {"[1.]", 1, 2, "[0]: invalid JSON: a number needs a digit after its decimal point"},
    {"[1.e5]", 1, 2, "[0]: invalid JSON: a number needs a digit after its decimal point"},
    {"[1e]", 1, 2, "[0]: invalid JSON: a number needs a digit in its exponent"},
    {"[1e+]", 1, 2, "[0]: invalid JSON: a number needs a digit in its exponent"},
    {"[0x1f]", 1, 2, "[0]: invalid JSON: hexadecimal numbers are not JSON"},
    {"[-]", 1, 2, "[0]: invalid JSON: '-' must be followed by a digit"},
    {"[NaN]", 1, 2, "[0]: invalid JSON: NaN and Infinity are not JSON numbers"},
    {"[nan]", 1, 2, "[0]: invalid JSON: NaN and Infinity are not JSON numbers"},
    {"[Infinity]", 1, 2, "[0]: invalid JSON: NaN and Infinity are not JSON numbers"},
    {"[-Infinity]", 1, 2, "[0]: invalid JSON: NaN and Infinity are not JSON numbers"},
    {"[inf]", 1, 2, "[0]: invalid JSON: NaN and Infinity are not JSON numbers"},
    {"[1 2]", 1, 4, "invalid JSON near '2]': expected ',' or ']'"},
    {"[12abc]", 1, 4, "invalid JSON near 'abc]': expected ',' or ']'"},
    /* Out of a double's range, or not exactly one. */
    {"{\"lr\": 1e400}", 1, 8, "lr: number out of range (not representable as a double): 1e400"},
    {"{\"lr\": -1e400}", 1, 8, "lr: number out of range (not representable as a double): -1e400"},
    {"[1e99999999999999999999999]", 1, 2,
     "[0]: number out of range (not representable as a double): 1e9999999999999999999999..."},
    {"[0.1e-99999999999999999999999]", 1, 2,
     "[0]: number out of range (too small for a double: it would read as 0): "
     "0.1e-9999999999999999999..."},
    {"{\"lr\": 1e-400}", 1, 8,
     "lr: number out of range (too small for a double: it would read as 0): 1e-400"},
    {"{\"seed\": 9007199254740993}", 1, 10,
     "seed: 9007199254740993 is not exactly representable as a double (it would read as "
     "9007199254740992; whole numbers are exact up to 2^53 = 9007199254740992)"},
    {"{\"seed\": 9.007199254740993e15}", 1, 10,
     "seed: 9.007199254740993e15 is not exactly representable as a double (it would read "
     "as "
     "9007199254740992; whole numbers are exact up to 2^53 = 9007199254740992)"},
    {"{\"n\": -9007199254740993}", 1, 7,
     "n: -9007199254740993 is not exactly representable as a double (it would read as "
     "-9007199254740992; whole numbers are exact up to 2^53 = 9007199254740992)"},
    /* Words. */
    {"[True]", 1, 2,
     "[0]: invalid JSON: unknown word 'True' (JSON's words are true, false and "
     "null)"},
    {"[nul]", 1, 2,
     "[0]: invalid JSON: unknown word 'nul' (JSON's words are true, false and "
     "null)"},
    {"[undefined]", 1, 2,
     "[0]: invalid JSON: unknown word 'undefined' (JSON's words are true, "
     "false and null)"},
    /* Strings. */
    {"{'a': 1}", 1, 2, "invalid JSON: strings take double quotes, not single"},
    {"{\"a\": 'x'}", 1, 7, "a: invalid JSON: strings take double quotes, not single"},
    {"{a: 1}", 1, 2, "invalid JSON near 'a: 1}': expected a key in double quotes"},
    {"{\"a\": \"x\x1by\"}", 1, 9,
     "a: invalid JSON: control character 0x1b in a string (write it as \\u001b)"},
    {"{\"a\": \"x\ny\"}", 1, 9,
     "a: invalid JSON: control character 0x0a in a string (write it as \\u000a)"},
    {"{\"a\": \"\\x41\"}", 1, 8, "a: invalid JSON: invalid escape '\\x' in a string"},
    {"{\"a\": \"\\'\"}", 1, 8, "a: invalid JSON: invalid escape '\\'' in a string"},
    {"{\"a\": \"\\u12g4\"}", 1, 8, "a: invalid JSON: \\u needs four hexadecimal digits"},
    {"{\"a\": \"\\u12\"}", 1, 8, "a: invalid JSON: \\u needs four hexadecimal digits"},
    {"{\"a\": \"\\ud800\"}", 1, 8,
     "a: invalid JSON: lone surrogate \\ud800 (a high surrogate must be followed by a low "
     "one)"},
    {"{\"a\": \"\\ud800\\u0041\"}", 1, 8,
     "a: invalid JSON: lone surrogate \\ud800 (a high surrogate must be followed by a low "
     "one)"},
    {"{\"a\": \"\\udfff\"}", 1, 8,
     "a: invalid JSON: lone surrogate \\udfff (a low surrogate must follow a high one)"},
    {"{\"a\": \"t\xe9t\xe9\"}", 1, 9, "a: invalid UTF-8 in a string (byte 0xe9)"},
    {"{\"a\": \"\xc0\xaf\"}", 1, 8, "a: invalid UTF-8 in a string (byte 0xc0)"},
    {"{\"a\": \"\xed\xa0\x80\"}", 1, 8, "a: invalid UTF-8 in a string (byte 0xed)"},
    {"{\"a\": \"\xf4\x90\x80\x80\"}", 1, 8, "a: invalid UTF-8 in a string (byte 0xf4)"},
    {"{\"a\": \"\xe2\x82\"}", 1, 8, "a: invalid UTF-8 in a string (byte 0xe2)"},
    {"{\"a\xff\": 1}", 1, 4, "a\xff: invalid UTF-8 in a string (byte 0xff)"},
    {"{\"a\": \"x", 1, 7, "a: invalid JSON: the string that starts here is not closed"},
    {"{\"a\": \"x\\", 1, 7, "a: invalid JSON: the string that starts here is not closed"},
    /* NUL, escaped or raw: dnn-spec(5) forbids it. */
    {"{\"activation\": \"relu\\u0000x\"}", 1, 21,
     "activation: \\u0000 (NUL) in a string: dnn-spec(5) forbids NUL"},
    {"{\"layers\\u0000junk\": 1}", 1, 9,
     "layers\\u0000junk: the key holds \\u0000 (NUL), which dnn-spec(5) forbids"},
    {"{\"a\": [\"\\u0000\"]}", 1, 9, "a[0]: \\u0000 (NUL) in a string: dnn-spec(5) forbids NUL"},
    /* Structure. */
    {"{\"a\": 1,}", 1, 8, "invalid JSON: trailing comma"},
    {"{\"a\": [1, 2 ,\n ]}", 1, 13, "a: invalid JSON: trailing comma"},
    {"[,1]", 1, 2, "[0]: invalid JSON near ',1]': expected a value"},
    {"{,}", 1, 2, "invalid JSON near ',}': expected a key in double quotes"},
    {"{\"a\" 1}", 1, 6, "a: invalid JSON near '1}': expected ':' after the key"},
    {"{\"a\": 1 \"b\": 2}", 1, 9, "invalid JSON near '\"b\": 2}': expected ',' or '}'"},
    {"[1] // note", 1, 5, "invalid JSON: text after the end of the spec"},
    {"{\"a\": 1 // note\n}", 1, 9, "invalid JSON: comments are not allowed"},
    {"{\"a\": /* x */ 1}", 1, 7, "a: invalid JSON: comments are not allowed"},
    {"{\"a\": 1", 1, 8, "invalid JSON: the text ends before every bracket is closed"},
    {"{\"a\": [1,\n", 2, 1, "a[1]: invalid JSON: the text ends before every bracket is closed"},
    {"{\"a\": ", 1, 7, "a: invalid JSON: the text ends before every bracket is closed"},
    {"-", 1, 1, "invalid JSON: '-' must be followed by a digit"},
    {"{}}", 1, 3, "invalid JSON: text after the end of the spec"},
    {"{} {}", 1, 4, "invalid JSON: text after the end of the spec"},
    {"\xef\xbb\xbf\xef\xbb\xbf{}", 1, 4, "invalid JSON near '\xef\xbb\xbf{}': expected a value"},
    {"{\"a\": \xe9}", 1, 7, "a: invalid JSON near '\xe9}': expected a value"},
    /* Paths: nested keys and indices, as spec.c names them. */
    {"{\"layers\": [{}, {\"units\": 1.}]}", 1, 27,
     "layers[1].units: invalid JSON: a number needs a digit after its decimal point"},
    {"{\"optimizer\": {\"name\": \"sgd\", \"learning_rate\": 1e999}}", 1, 48,
     "optimizer.learning_rate: number out of range (not representable as a double): 1e999"},
};

START_TEST(test_bad)
{
	const char *t = bad[_i].text;
	size_t start;
	struct dnn_error e;

	dnn_error_clear(&e);
	ck_assert_msg(json_check(t, strlen(t), 0, NAME, &start, &e) == -1, "accepted: %s", t);
	ck_assert_int_eq(e.code, 65);
	ck_assert_str_eq(e.file, NAME);
	ck_assert_str_eq(e.msg, bad[_i].msg);
	ck_assert_uint_eq(e.line, bad[_i].line);
	ck_assert_uint_eq(e.column, bad[_i].column);
}
END_TEST

/* Raw NUL bytes, wherever they are (the text has a length, not a terminator). */
START_TEST(test_nul)
{
	static const struct {
		const char *text;
		size_t len;
		unsigned long line, column;
	} cases[] = {
	    {"\0", 1, 1, 1},	       {"{\n\"a\": \"x\0\"}", 12, 2, 8}, {"{\"a\":\0}", 7, 1, 6},
	    {"{\"a\": 1}\0", 9, 1, 9}, {"{\"a\": \"\\\0\"}", 11, 1, 9},	 {"[1,\0]", 5, 1, 4},
	};
	size_t start;
	struct dnn_error e;

	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		dnn_error_clear(&e);
		ck_assert_int_eq(json_check(cases[k].text, cases[k].len, 0, NAME, &start, &e), -1);
		ck_assert_msg(strstr(e.msg, "not a JSON text (NUL byte)") != NULL, "%zu: %s", k,
			      e.msg);
		ck_assert_uint_eq(e.line, cases[k].line);
		ck_assert_uint_eq(e.column, cases[k].column);
	}
}
END_TEST

/* The nesting limit: 256 deep is JSON, 257 is refused with the limit named
 * and no path of 256 brackets. */
START_TEST(test_depth)
{
	char text[2 * (JSON_MAX_DEPTH + 1) + 1];
	size_t start;
	struct dnn_error e;

	for (int depth = JSON_MAX_DEPTH; depth <= JSON_MAX_DEPTH + 1; depth++) {
		memset(text, '[', (size_t)depth);
		memset(text + depth, ']', (size_t)depth);
		text[2 * depth] = '\0';
		dnn_error_clear(&e);
		if (depth == JSON_MAX_DEPTH) {
			ck_assert_int_eq(json_check(text, strlen(text), 0, NAME, &start, &e), 0);
			continue;
		}
		ck_assert_int_eq(json_check(text, strlen(text), 0, NAME, &start, &e), -1);
		ck_assert_str_eq(e.msg, "arrays and objects nested deeper than 256 levels (the "
					"limit of dnn-spec(5))");
		ck_assert_uint_eq(e.column, (unsigned long)depth);
	}
}
END_TEST

/* JSON_LAX_UTF8 lets stored names that are not UTF-8 through, and nothing else. */
START_TEST(test_lax_utf8)
{
	static const char text[] = "{\"target\": \"t\xe9t\xe9\"}";
	size_t start;
	struct dnn_error e;

	ck_assert_int_eq(json_check(text, strlen(text), 0, NAME, &start, &e), -1);
	ck_assert_int_eq(json_check(text, strlen(text), JSON_LAX_UTF8, NAME, &start, &e), 0);
	ck_assert_int_eq(json_check("{\"a\": 04}", 9, JSON_LAX_UTF8, NAME, &start, &e), -1);
	ck_assert_int_eq(json_check("{\"a\": \"\\u0000\"}", 15, JSON_LAX_UTF8, NAME, &start, &e),
			 -1);
}
END_TEST

/* A long key is cut in the path; a long number in the message. */
START_TEST(test_long)
{
	char text[600];
	size_t start;
	struct dnn_error e;

	strcpy(text, "{\"");
	memset(text + 2, 'k', 300);
	strcpy(text + 302, "\": 04}");
	ck_assert_int_eq(json_check(text, strlen(text), 0, NAME, &start, &e), -1);
	ck_assert_str_eq(e.msg, "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
				"...: invalid JSON: leading zero in the number '04'");
	strcpy(text, "[1");
	memset(text + 2, '0', 400);
	strcpy(text + 402, "]");
	ck_assert_int_eq(json_check(text, strlen(text), 0, NAME, &start, &e), -1);
	ck_assert_str_eq(e.msg, "[0]: number out of range (not representable as a double): "
				"100000000000000000000000...");
}
END_TEST

START_TEST(test_position)
{
	unsigned long line, col;

	json_position("ab\ncd\n\nx", 0, &line, &col);
	ck_assert_uint_eq(line, 1);
	ck_assert_uint_eq(col, 1);
	json_position("ab\ncd\n\nx", 4, &line, &col);
	ck_assert_uint_eq(line, 2);
	ck_assert_uint_eq(col, 2);
	json_position("ab\ncd\n\nx", 7, &line, &col);
	ck_assert_uint_eq(line, 4);
	ck_assert_uint_eq(col, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("json");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_good, 0, sizeof good / sizeof good[0]);
	tcase_add_loop_test(tc, test_bad, 0, sizeof bad / sizeof bad[0]);
	tcase_add_test(tc, test_nul);
	tcase_add_test(tc, test_depth);
	tcase_add_test(tc, test_lax_utf8);
	tcase_add_test(tc, test_long);
	tcase_add_test(tc, test_position);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
