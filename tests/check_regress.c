/* Regression tests for bugs that the fuzzers (tests/fuzz) and the bad-input
 * catalogue (tests/catalogue.test) found. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

/* fuzz_spec: spec_parse quoted up to 10 bytes of the text near a syntax
 * error with "%.10s", reading past the end of text that is not
 * NUL-terminated (tests/fuzz/spec/crash-unterminated-brace). */
START_TEST(spec_error_quotes_only_the_text)
{
	static const char text[] = "{abcdefghijklmnop";
	struct dnn_spec s = {0};
	struct dnn_error e;

	dnn_error_clear(&e);
	ck_assert_int_eq(spec_parse(&s, text, 2, "t.json", &e), -1);
	ck_assert_int_eq(e.code, DNN_EX_DATA);
	ck_assert_str_eq(e.msg, "invalid JSON near 'a': expected a key in double quotes");
	spec_free(&s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("regress");
	TCase *tc = tcase_create("regress");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, spec_error_quotes_only_the_text);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
