/* The environment parser (src/cli/env.c): values taken, values ignored with
 * one warning per variable, SOURCE_DATE_EPOCH's range. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "env.h"
#include "testutil.h"

START_TEST(test_uint)
{
	struct capture c;
	uint64_t v = 7;
	char *err;

	unsetenv("DNN_T");
	ck_assert_int_eq(env_get_uint("DNN_T", 1, 10, &v), ENV_UNSET);
	setenv("DNN_T", "", 1);
	ck_assert_int_eq(env_get_uint("DNN_T", 1, 10, &v), ENV_UNSET);
	ck_assert_uint_eq(v, 7);
	setenv("DNN_T", "10", 1);
	ck_assert_int_eq(env_get_uint("DNN_T", 1, 10, &v), ENV_OK);
	ck_assert_uint_eq(v, 10);
	capture_start(&c);
	setenv("DNN_T", "0", 1);
	ck_assert_int_eq(env_get_uint("DNN_T", 1, 10, &v), ENV_IGNORED);
	/* Warned once per variable. */
	setenv("DNN_T", "-5", 1);
	ck_assert_int_eq(env_get_uint("DNN_T", 1, 10, &v), ENV_IGNORED);
	setenv("DNN_U", " 3", 1);
	ck_assert_int_eq(env_get_uint("DNN_U", 1, 10, &v), ENV_IGNORED);
	setenv("DNN_V", "3\x1b", 1);
	ck_assert_int_eq(env_get_uint("DNN_V", 1, 10, &v), ENV_IGNORED);
	err = capture_end(&c);
	ck_assert_str_eq(err, "dnn: warning: ignoring DNN_T='0' (not a whole number from 1 to 10)\n"
			      "dnn: warning: ignoring DNN_U=' 3' (not a whole number from 1 to 10)\n"
			      "dnn: warning: ignoring DNN_V='3\\x1b' (not a whole number from 1 to "
			      "10)\n");
	free(err);
	ck_assert_uint_eq(v, 10);
}
END_TEST

START_TEST(test_choice)
{
	static const char *const words[] = {"ordered", "native"};
	struct capture c;
	size_t k = 9;
	char *err;

	unsetenv("DNN_C");
	ck_assert_int_eq(env_get_choice("DNN_C", words, 2, &k), ENV_UNSET);
	setenv("DNN_C", "native", 1);
	ck_assert_int_eq(env_get_choice("DNN_C", words, 2, &k), ENV_OK);
	ck_assert_uint_eq(k, 1);
	capture_start(&c);
	setenv("DNN_C", "Native", 1);
	ck_assert_int_eq(env_get_choice("DNN_C", words, 2, &k), ENV_IGNORED);
	err = capture_end(&c);
	ck_assert_str_eq(err, "dnn: warning: ignoring DNN_C='Native' (not ordered or native)\n");
	free(err);
}
END_TEST

/* SOURCE_DATE_EPOCH: 0 to 9999-12-31T23:59:59Z; anything else is the
 * current time (and a warning). */
START_TEST(test_write_time)
{
	struct capture c;
	char *err;

	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	ck_assert_uint_eq(env_write_time(), 1700000000);
	setenv("SOURCE_DATE_EPOCH", "0", 1);
	ck_assert_uint_eq(env_write_time(), 0);
	setenv("SOURCE_DATE_EPOCH", "253402300799", 1);
	ck_assert_uint_eq(env_write_time(), ENV_MAX_EPOCH);
	capture_start(&c);
	setenv("SOURCE_DATE_EPOCH", "-5", 1);
	ck_assert_uint_gt(env_write_time(), 1700000000);
	ck_assert_uint_lt(env_write_time(), ENV_MAX_EPOCH);
	err = capture_end(&c);
	ck_assert_str_eq(err, "dnn: warning: ignoring SOURCE_DATE_EPOCH='-5' (not a whole number "
			      "from 0 to 253402300799)\n");
	free(err);
	unsetenv("SOURCE_DATE_EPOCH");
}
END_TEST

static Suite *env_suite(void)
{
	Suite *s = suite_create("env");
	TCase *tc = tcase_create("env");

	tcase_add_test(tc, test_uint);
	tcase_add_test(tc, test_choice);
	tcase_add_test(tc, test_write_time);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(env_suite)
