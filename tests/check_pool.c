#include <stdatomic.h>
#include <time.h>
#include <string.h>

#include "pool.h"
#include "testutil.h"

struct count {
	atomic_int hits[8];
	atomic_int parts_seen;
};

static void tally(void *ctx, size_t t, size_t n)
{
	struct count *c = ctx;

	atomic_fetch_add(&c->hits[t], 1);
	atomic_store(&c->parts_seen, (int)n);
}

/* Every part runs exactly once per job, also when jobs use fewer parts
 * than there are threads and follow each other closely. */
START_TEST(test_each_part_once)
{
	struct dnn_error e = {0};

	for (size_t threads = 1; threads <= 4; threads++) {
		ck_assert_int_eq(pool_set_threads(threads, &e), 0);
		ck_assert_uint_eq(pool_threads(), threads);
		for (int rep = 0; rep < 2000; rep++) {
			struct count c;
			size_t n = (size_t)rep % 6 + 1; /* sometimes more than threads */
			size_t ran = n < threads ? n : threads;

			memset(&c, 0, sizeof c);
			pool_run(tally, &c, n);
			ck_assert_int_eq(atomic_load(&c.parts_seen), (int)ran);
			for (size_t t = 0; t < 8; t++)
				ck_assert_msg(atomic_load(&c.hits[t]) == (t < ran),
					      "threads=%zu n=%zu part %zu ran %d times", threads, n,
					      t, atomic_load(&c.hits[t]));
		}
	}
	pool_shutdown();
	ck_assert_uint_eq(pool_threads(), 1);
}
END_TEST

static void sleepy(void *ctx, size_t t, size_t n)
{
	struct timespec ts = {0, 2000000};

	(void)n;
	nanosleep(&ts, NULL);
	tally(ctx, t, n);
}

/* Workers that went to sleep between jobs wake up for the next one. */
START_TEST(test_wakes_sleepers)
{
	struct dnn_error e = {0};
	struct timespec ts = {0, 100000000};

	ck_assert_int_eq(pool_set_threads(3, &e), 0);
	for (int rep = 0; rep < 3; rep++) {
		struct count c;

		memset(&c, 0, sizeof c);
		nanosleep(&ts, NULL);
		pool_run(sleepy, &c, 3);
		for (size_t t = 0; t < 3; t++)
			ck_assert_int_eq(atomic_load(&c.hits[t]), 1);
	}
	pool_shutdown();
}
END_TEST

START_TEST(test_bad_counts)
{
	struct dnn_error e = {0};

	ck_assert_int_eq(pool_set_threads(0, &e), -1);
	ck_assert_int_eq(e.code, 64);
	ck_assert_str_eq(e.msg, "thread count must be from 1 to 256, not 0");
	ck_assert_int_eq(pool_set_threads(POOL_MAX_THREADS + 1, &e), -1);
	ck_assert_uint_eq(pool_threads(), 1);
}
END_TEST

static Suite *pool_suite(void)
{
	Suite *s = suite_create("pool");
	TCase *tc = tcase_create("pool");

	tcase_add_test(tc, test_each_part_once);
	tcase_add_test(tc, test_wakes_sleepers);
	tcase_add_test(tc, test_bad_counts);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(pool_suite)
