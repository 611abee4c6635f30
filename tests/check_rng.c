#include <math.h>
#include <string.h>

#include "rng.h"
#include "testutil.h"

START_TEST(test_reproducible)
{
	struct dnn_rng a, b, c;

	rng_seed(&a, 42);
	rng_seed(&b, 42);
	rng_seed(&c, 43);
	int differ = 0;

	for (int i = 0; i < 1000; i++) {
		uint64_t x = rng_next(&a), y = rng_next(&b), z = rng_next(&c);

		ck_assert(x == y);
		differ += x != z;
	}
	ck_assert_int_gt(differ, 990);
}
END_TEST

START_TEST(test_uniform_normal_moments)
{
	struct dnn_rng r;
	double su = 0, sn = 0, sn2 = 0;
	const int n = 200000;

	rng_seed(&r, 7);
	for (int i = 0; i < n; i++) {
		double u = rng_uniform(&r), z = rng_normal(&r);

		ck_assert(u >= 0.0 && u < 1.0);
		su += u;
		sn += z;
		sn2 += z * z;
	}
	/* Standard errors are ~0.0006 (uniform mean) and ~0.002 (normal);
	 * the bounds are ten of them. */
	ck_assert_double_lt(fabs(su / n - 0.5), 0.007);
	ck_assert_double_lt(fabs(sn / n), 0.025);
	ck_assert_double_lt(fabs(sn2 / n - 1.0), 0.035);
}
END_TEST

START_TEST(test_below_and_shuffle)
{
	struct dnn_rng r;
	size_t idx[100], seen[100] = {0}, counts[3] = {0};

	rng_seed(&r, 1);
	for (int i = 0; i < 30000; i++) {
		uint64_t k = rng_below(&r, 3);

		ck_assert(k < 3);
		counts[k]++;
	}
	for (int k = 0; k < 3; k++)
		ck_assert(counts[k] > 9000 && counts[k] < 11000);
	for (size_t i = 0; i < 100; i++)
		idx[i] = i;
	rng_shuffle(&r, idx, 100);
	size_t moved = 0;

	for (size_t i = 0; i < 100; i++) {
		seen[idx[i]]++;
		moved += idx[i] != i;
	}
	for (size_t i = 0; i < 100; i++)
		ck_assert_uint_eq(seen[i], 1);
	ck_assert_uint_gt(moved, 80);
}
END_TEST

static Suite *rng_suite(void)
{
	Suite *s = suite_create("rng");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_reproducible);
	tcase_add_test(tc, test_uniform_normal_moments);
	tcase_add_test(tc, test_below_and_shuffle);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(rng_suite)
