/* Unit tests for strtab.c: adding and finding keys through growth, the sort
 * of classes and categories (numeric when all keys are integers), and the
 * index of header names with their repeats. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strtab.h"
#include "testutil.h"

START_TEST(test_add_find)
{
	struct strtab t = {0};
	char key[32];
	size_t k;
	int added;

	ck_assert_uint_eq(strtab_find(&t, "a"), SIZE_MAX);
	/* Enough keys to grow the slots several times. */
	for (size_t i = 0; i < 1000; i++) {
		snprintf(key, sizeof key, "key%zu", i);
		ck_assert_int_eq(strtab_add(&t, key, strlen(key), &k, &added), 0);
		ck_assert_int_eq(added, 1);
		ck_assert_uint_eq(k, i);
	}
	/* Only len bytes count: "key7" out of "key7x". */
	ck_assert_int_eq(strtab_add(&t, "key7x", 4, &k, &added), 0);
	ck_assert_int_eq(added, 0);
	ck_assert_uint_eq(k, 7);
	for (size_t i = 0; i < 1000; i++) {
		snprintf(key, sizeof key, "key%zu", i);
		ck_assert_uint_eq(strtab_find(&t, key), i);
	}
	ck_assert_uint_eq(strtab_find(&t, "key1000"), SIZE_MAX);
	ck_assert_uint_eq(strtab_find(&t, "key"), SIZE_MAX);
	strtab_free(&t);
	ck_assert_uint_eq(t.n, 0);
	strtab_free(&t); /* twice is harmless */
}
END_TEST

/* The sorted keys of t built from keys[0..n), and the new index of each. */
static void sorted(const char *const *keys, size_t n, char ***names, uint32_t **map)
{
	struct strtab t = {0};
	struct dnn_error e;
	size_t k;
	int added;

	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(strtab_add(&t, keys[i], strlen(keys[i]), &k, &added), 0);
	ck_assert_int_eq(strtab_sort(&t, names, map, &e), 0);
	ck_assert_uint_eq(t.n, 0); /* the names are the caller's */
	strtab_free(&t);
}

START_TEST(test_sort)
{
	const char *ints[] = {"10", "-2", "9", "+3", "-10", "0", "007"};
	const char *want_ints[] = {"-10", "-2", "0", "+3", "007", "9", "10"};
	const char *text[] = {"pear", "apple", "10", "banana"};
	const char *want_text[] = {"10", "apple", "banana", "pear"};
	char **names;
	uint32_t *map;

	sorted(ints, 7, &names, &map);
	for (size_t i = 0; i < 7; i++)
		ck_assert_str_eq(names[i], want_ints[i]);
	ck_assert_uint_eq(map[0], 6); /* "10" is last */
	ck_assert_uint_eq(map[4], 0); /* "-10" first */
	for (size_t i = 0; i < 7; i++)
		free(names[i]);
	free(names);
	free(map);
	/* One key that is not an integer: all sort as text. */
	sorted(text, 4, &names, &map);
	for (size_t i = 0; i < 4; i++)
		ck_assert_str_eq(names[i], want_text[i]);
	ck_assert_uint_eq(map[0], 3);
	for (size_t i = 0; i < 4; i++)
		free(names[i]);
	free(names);
	free(map);
}
END_TEST

START_TEST(test_index)
{
	char *names[] = {"a", "b", "a", "c", "b", "a"};
	size_t first[6], second[6], dup;
	struct strtab t = {0};
	struct dnn_error e;

	ck_assert_int_eq(strtab_index(names, 6, &t, first, second, &dup, &e), 0);
	ck_assert_uint_eq(t.n, 3);
	ck_assert_uint_eq(dup, 2); /* column 2 repeats column 0 */
	ck_assert_uint_eq(first[0], 0);
	ck_assert_uint_eq(second[0], 2); /* the first repeat only */
	ck_assert_uint_eq(first[1], 1);
	ck_assert_uint_eq(second[1], 4);
	ck_assert_uint_eq(first[2], 3);
	ck_assert_uint_eq(second[2], SIZE_MAX);
	strtab_free(&t);
	ck_assert_int_eq(strtab_index(names + 1, 3, &t, first, second, &dup, &e), 0);
	ck_assert_uint_eq(dup, SIZE_MAX);
	strtab_free(&t);
}
END_TEST

static Suite *strtab_suite(void)
{
	Suite *s = suite_create("strtab");
	TCase *tc = tcase_create("strtab");

	tcase_add_test(tc, test_add_find);
	tcase_add_test(tc, test_sort);
	tcase_add_test(tc, test_index);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(strtab_suite)
