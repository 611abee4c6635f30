#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "pool.h"
#include "testutil.h"

#define MAX_PARTS 16

struct count {
	atomic_int hits[MAX_PARTS];
	atomic_int parts_seen;
	atomic_int busy[POOL_MAX_THREADS]; /* parts running on each thread now */
	atomic_int overlap;		   /* a thread ran two parts at once */
	atomic_int bad_thread;
};

static void tally(void *ctx, size_t p, size_t n, size_t t)
{
	struct count *c = ctx;

	if (t >= pool_threads())
		atomic_store(&c->bad_thread, 1);
	else if (atomic_fetch_add(&c->busy[t], 1) != 0)
		atomic_store(&c->overlap, 1);
	atomic_fetch_add(&c->hits[p], 1);
	atomic_store(&c->parts_seen, (int)n);
	if (t < pool_threads())
		atomic_fetch_sub(&c->busy[t], 1);
}

static void check_count(struct count *c, size_t n, size_t threads)
{
	ck_assert_int_eq(atomic_load(&c->parts_seen), (int)n);
	ck_assert_int_eq(atomic_load(&c->overlap), 0);
	ck_assert_int_eq(atomic_load(&c->bad_thread), 0);
	for (size_t p = 0; p < MAX_PARTS; p++)
		ck_assert_msg(atomic_load(&c->hits[p]) == (p < n),
			      "threads=%zu n=%zu part %zu ran %d times", threads, n, p,
			      atomic_load(&c->hits[p]));
}

/* Every part runs exactly once per job, on a valid thread index, one part
 * per thread at a time, with more or fewer parts than threads and jobs
 * following each other closely. */
START_TEST(test_each_part_once)
{
	struct dnn_error e = {0};

	for (size_t threads = 1; threads <= 4; threads++) {
		ck_assert_int_eq(pool_set_threads(threads, &e), 0);
		ck_assert_uint_eq(pool_threads(), threads);
		for (int rep = 0; rep < 3000; rep++) {
			struct count c;
			size_t n = (size_t)rep % 9 + 1;

			memset(&c, 0, sizeof c);
			pool_run(tally, &c, n);
			check_count(&c, n, threads);
		}
	}
	pool_shutdown();
	ck_assert_uint_eq(pool_threads(), 1);
}
END_TEST

static void sleepy(void *ctx, size_t p, size_t n, size_t t)
{
	struct timespec ts = {0, 2000000};

	nanosleep(&ts, NULL);
	tally(ctx, p, n, t);
}

/* Workers that went to sleep between jobs wake up for the next one, and
 * slow parts are all waited for. */
START_TEST(test_wakes_sleepers)
{
	struct dnn_error e = {0};
	struct timespec ts = {0, 100000000};

	ck_assert_int_eq(pool_set_threads(3, &e), 0);
	for (int rep = 0; rep < 3; rep++) {
		struct count c;

		memset(&c, 0, sizeof c);
		nanosleep(&ts, NULL);
		pool_run(sleepy, &c, 5);
		check_count(&c, 5, 3);
	}
	pool_shutdown();
}
END_TEST

/* A job inside a part: its parts all run on that part's thread. */
struct nest {
	atomic_int inner_hits, wrong_thread, not_alone;
};

struct inner_ctx {
	struct nest *c;
	size_t t;
};

static void inner_check(void *ctx, size_t p, size_t n, size_t t)
{
	struct inner_ctx *ic = ctx;

	(void)p;
	(void)n;
	atomic_fetch_add(&ic->c->inner_hits, 1);
	if (t != ic->t)
		atomic_store(&ic->c->wrong_thread, 1);
	if (pool_available() != 1)
		atomic_store(&ic->c->not_alone, 1);
}

static void outer(void *ctx, size_t p, size_t n, size_t t)
{
	struct inner_ctx ic = {ctx, t};

	(void)p;
	(void)n;
	if (pool_available() != 1)
		atomic_store(&ic.c->not_alone, 1);
	pool_run(inner_check, &ic, 4);
}

START_TEST(test_nested)
{
	struct dnn_error e = {0};
	struct nest c;

	memset(&c, 0, sizeof c);
	ck_assert_int_eq(pool_set_threads(3, &e), 0);
	ck_assert_uint_eq(pool_available(), 3);
	for (int rep = 0; rep < 200; rep++)
		pool_run(outer, &c, 6);
	ck_assert_int_eq(atomic_load(&c.inner_hits), 200 * 6 * 4);
	ck_assert_int_eq(atomic_load(&c.wrong_thread), 0);
	ck_assert_int_eq(atomic_load(&c.not_alone), 0);
	ck_assert_uint_eq(pool_available(), 3);
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
	tcase_add_test(tc, test_nested);
	tcase_add_test(tc, test_bad_counts);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(pool_suite)
