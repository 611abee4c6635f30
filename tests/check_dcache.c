/* Unit tests for dcache.c: a dataset written to a cache and read back is
 * the same dataset; a stale cache is reported as such; a corrupt or
 * truncated one is refused. */
#define _DEFAULT_SOURCE 1 /* realpath */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "datautil.h"
#include "dcache.h"

static void same_strs(char *const *a, char *const *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(a[i], b[i]);
}

/* Every field the cache holds is equal in a and b. */
static void same_dataset(const struct dnn_dataset *a, const struct dnn_dataset *b)
{
	ck_assert_uint_eq(a->n_rows, b->n_rows);
	ck_assert_uint_eq(a->n_cols, b->n_cols);
	ck_assert_uint_eq(a->n_in, b->n_in);
	ck_assert_int_eq(a->task, b->task);
	ck_assert_uint_eq(a->n_targets, b->n_targets);
	ck_assert_uint_eq(a->n_classes, b->n_classes);
	ck_assert_uint_eq(a->n_cats, b->n_cats);
	ck_assert_int_eq(a->has_weight, b->has_weight);
	ck_assert_uint_eq(a->n_missing, b->n_missing);
	ck_assert_uint_eq(a->n_rows_total, b->n_rows_total);
	ck_assert_uint_eq(a->gid_first, b->gid_first);
	ck_assert_uint_eq(a->gid_stride, b->gid_stride);
	ck_assert_uint_eq(a->weight_col, b->weight_col);
	if (a->has_weight)
		ck_assert_mem_eq(a->w, b->w, a->n_rows * sizeof(float));
	same_strs(a->col_names, b->col_names, a->n_cols);
	ck_assert_mem_eq(a->col_role, b->col_role, a->n_cols);
	same_strs(a->class_names, b->class_names, a->n_classes);
	for (size_t k = 0; k < a->n_cats; k++) {
		ck_assert_uint_eq(a->cats[k].col, b->cats[k].col);
		ck_assert_uint_eq(a->cats[k].first, b->cats[k].first);
		ck_assert_uint_eq(a->cats[k].n, b->cats[k].n);
		same_strs(a->cats[k].names, b->cats[k].names, a->cats[k].n);
	}
	ck_assert_mem_eq(a->x, b->x, a->n_rows * a->n_in * sizeof(float));
	if (a->task == REG)
		ck_assert_mem_eq(a->y, b->y, a->n_rows * a->n_targets * sizeof(float));
	else
		ck_assert_mem_eq(a->label, b->label, a->n_rows * sizeof(uint32_t));
}

static void round_trip(struct dnn_dataset *d, const char *src)
{
	struct dnn_dataset c;
	struct dnn_error e = {0};
	const char *cache = tpath("rt.cache");

	ck_assert_int_eq(dcache_write(d, src, 7, cache, &e), 0);
	ck_assert_int_eq(dcache_load(&c, src, 7, cache, &e), 0);
	same_dataset(d, &c);
	data_free(&c);
	data_free(d);
}

START_TEST(test_round_trip)
{
	struct dnn_dataset d;
	struct dnn_error e;

	ck_assert_int_eq(load(&d, DATADIR "/iris.csv", NULL, CLS, &e), 0);
	round_trip(&d, DATADIR "/iris.csv");
	ck_assert_int_eq(load(&d, DATADIR "/diabetes.csv", NULL, REG, &e), 0);
	round_trip(&d, DATADIR "/diabetes.csv");
	ck_assert_int_eq(load_cat(&d, TEST_DATADIR "/fruit.csv", "color", 0, &e), 0);
	round_trip(&d, TEST_DATADIR "/fruit.csv");
}

START_TEST(test_round_trip_weighted)
{
	struct dnn_dataset d;
	struct dnn_error e = {0};
	struct dnn_column_ref t = {"kind", 0}, ig = {"id", 0}, c = {"color", 0}, w = {"weight", 0};
	struct dnn_data_opts o = opts(CLS, 1, ',');

	o.targets = &t;
	o.n_targets = 1;
	o.ignore = &ig;
	o.n_ignore = 1;
	o.categorical = &c;
	o.n_categorical = 1;
	o.weight = &w;
	ck_assert_int_eq(data_load(&d, TEST_DATADIR "/fruit.csv", &o, &e), 0);
	ck_assert_int_eq(d.has_weight, 1);
	round_trip(&d, TEST_DATADIR "/fruit.csv");
}

/* The options' fingerprint tells every option that shapes the rows. */
START_TEST(test_opts_key)
{
	struct dnn_column_ref t = {"kind", 0}, t1 = {NULL, 1}, t2 = {NULL, 2};
	struct dnn_data_opts a = opts(CLS, 1, ','), b = a;

	ck_assert_uint_eq(dcache_opts_key(&a), dcache_opts_key(&b));
	b.csv.delimiter = ';';
	ck_assert_uint_ne(dcache_opts_key(&a), dcache_opts_key(&b));
	b = a;
	b.csv.header = 0;
	ck_assert_uint_ne(dcache_opts_key(&a), dcache_opts_key(&b));
	b = a;
	b.task = REG;
	ck_assert_uint_ne(dcache_opts_key(&a), dcache_opts_key(&b));
	b = a;
	b.csv.missing_ok = 1;
	ck_assert_uint_ne(dcache_opts_key(&a), dcache_opts_key(&b));
	a.targets = &t1;
	a.n_targets = 1;
	b = a;
	b.targets = &t2;
	ck_assert_uint_ne(dcache_opts_key(&a), dcache_opts_key(&b));
	b.targets = &t;
	ck_assert_uint_ne(dcache_opts_key(&a), dcache_opts_key(&b));
	b = a;
	b.ignore = &t;
	b.n_ignore = 1;
	ck_assert_uint_ne(dcache_opts_key(&a), dcache_opts_key(&b));
	b = a;
	b.categorical = &t;
	b.n_categorical = 1;
	ck_assert_uint_ne(dcache_opts_key(&a), dcache_opts_key(&b));
	b = a;
	b.weight = &t;
	ck_assert_uint_ne(dcache_opts_key(&a), dcache_opts_key(&b));
}

/* A cache of iris in the scratch directory, from a copy of iris there. */
static const char *make_cache(const char **src)
{
	struct dnn_dataset d;
	struct dnn_error e;
	size_t n;
	char *text = slurp(DATADIR "/iris.csv", &n);
	const char *cache = tpath("iris.cache");

	*src = tpath("iris.csv");
	write_bytes(*src, text, n);
	free(text);
	ck_assert_int_eq(load(&d, *src, NULL, CLS, &e), 0);
	ck_assert_int_eq(dcache_write(&d, *src, 7, cache, &e), 0);
	data_free(&d);
	return cache;
}

START_TEST(test_missing_and_stale)
{
	struct dnn_dataset c;
	struct dnn_error e = {0};
	const char *src, *cache = make_cache(&src);
	struct timeval tv[2] = {{1000000000, 0}, {1000000000, 0}};
	size_t n;
	char *text;

	ck_assert_int_eq(dcache_load(&c, src, 7, tpath("none.cache"), &e), 1);
	/* The same bytes with another mtime. */
	ck_assert_int_eq(utimes(src, tv), 0);
	ck_assert_int_eq(dcache_load(&c, src, 7, cache, &e), 2);
	ck_assert_int_eq(e.code, 0);
	/* Rebuilt, the cache is current again. */
	ck_assert_int_eq(load(&c, src, NULL, CLS, &e), 0);
	ck_assert_int_eq(dcache_write(&c, src, 7, cache, &e), 0);
	data_free(&c);
	ck_assert_int_eq(dcache_load(&c, src, 7, cache, &e), 0);
	data_free(&c);
	/* Other load options. */
	ck_assert_int_eq(dcache_load(&c, src, 8, cache, &e), 2);
	/* Another content of the same size and mtime. */
	text = slurp(src, &n);
	text[n - 2] = text[n - 2] == 'a' ? 'b' : 'a';
	write_bytes(src, text, n);
	ck_assert_int_eq(utimes(src, tv), 0);
	ck_assert_int_eq(dcache_load(&c, src, 7, cache, &e), 2);
	ck_assert_int_eq(e.code, 0);
	free(text);
}

START_TEST(test_other_source)
{
	struct dnn_dataset c;
	struct dnn_error e = {0};
	const char *src, *cache = make_cache(&src);
	char want[1024], *real;

	ck_assert_int_eq(dcache_load(&c, DATADIR "/iris.csv", 7, cache, &e), -1);
	real = realpath(src, NULL);
	snprintf(want, sizeof want, "dataset cache of %s, not %s (remove it or name another cache)",
		 real, DATADIR "/iris.csv");
	free(real);
	CK_ERROR(&e, 65, cache, 0, 0, want);
}

/* Load a cache whose bytes were changed by f; the error it gives. */
static void refused(void (*f)(char *, size_t *), const char *msg)
{
	struct dnn_dataset c;
	struct dnn_error e = {0};
	const char *src, *cache = make_cache(&src);
	size_t n;
	char *b = slurp(cache, &n), want[256];

	f(b, &n);
	write_bytes(cache, b, n);
	free(b);
	ck_assert_int_eq(dcache_load(&c, src, 7, cache, &e), -1);
	snprintf(want, sizeof want, "corrupt dataset cache: %s", msg);
	CK_ERROR(&e, 65, cache, 0, 0, want);
	ck_assert_ptr_null(c.x);
}

static void bad_magic(char *b, size_t *n) { (void)n; b[0] = 'X'; }
static void bad_header(char *b, size_t *n) { (void)n; b[20] ^= 1; }
static void bad_meta(char *b, size_t *n) { (void)n; b[70] ^= 1; }
static void short_header(char *b, size_t *n) { (void)b; *n = 40; }
static void empty(char *b, size_t *n) { (void)b; *n = 0; }
static void short_meta(char *b, size_t *n) { (void)b; *n = 80; }
static void short_rows(char *b, size_t *n) { (void)b; *n -= 4; }

START_TEST(test_corrupt)
{
	refused(bad_magic, "not a dnn dataset cache");
	refused(bad_header, "header checksum mismatch");
	refused(bad_meta, "metadata checksum mismatch");
	refused(short_header, "truncated");
	refused(empty, "empty file");
	refused(short_meta, "truncated");
	refused(short_rows, "truncated or inconsistent");
}

START_TEST(test_write_errors)
{
	struct dnn_dataset d;
	struct dnn_error e;

	ck_assert_int_eq(load(&d, DATADIR "/iris.csv", NULL, CLS, &e), 0);
	memset(&e, 0, sizeof e);
	ck_assert_int_eq(dcache_write(&d, DATADIR "/iris.csv", 7, tpath("no/such/dir/x.cache"), &e),
			 -1);
	ck_assert_int_eq(e.code, 73);
	memset(&e, 0, sizeof e);
	ck_assert_int_eq(dcache_write(&d, tpath("nonexistent.csv"), 7, tpath("x.cache"), &e), -1);
	ck_assert_int_eq(e.code, 66);
	data_free(&d);
}

static Suite *dcache_suite(void)
{
	Suite *s = suite_create("dcache");
	TCase *tc = tcase_create("dcache");

	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_round_trip_weighted);
	tcase_add_test(tc, test_opts_key);
	tcase_add_test(tc, test_missing_and_stale);
	tcase_add_test(tc, test_other_source);
	tcase_add_test(tc, test_corrupt);
	tcase_add_test(tc, test_write_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return data_check_main("check_dcache", dcache_suite);
}
