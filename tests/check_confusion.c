/* Confusion counts: per-class sums and the merged, ordered confusions, for
 * few classes (from the matrix) and many (from the list), against counts
 * made by brute force over the same rows. */
#include <stdint.h>
#include <stdlib.h>

#include "confusion.h"
#include "rng.h"
#include "testutil.h"

/* n rows of k classes drawn by seed (half of them right, weights 1 or
 * drawn) into c, counted by hand into the k x k array want. */
static void fill(struct dnn_confusion *c, double *want, size_t k, size_t n, int weighted,
		 uint64_t seed)
{
	struct dnn_rng r;

	rng_seed(&r, seed);
	ck_assert_int_eq(confusion_init(c, k), 0);
	for (size_t i = 0; i < n; i++) {
		uint32_t t = (uint32_t)rng_below(&r, k);
		/* Few distinct confusions, so that cells merge. */
		uint32_t p = rng_uniform(&r) < 0.5 ? t : (uint32_t)rng_below(&r, k < 8 ? k : 8);
		double w = weighted ? (double)rng_below(&r, 4) : 1.0;

		if (i % 7 == 0)
			ck_assert_int_eq(confusion_reserve(c, 7), 0);
		confusion_add(c, t, p, w);
		want[t * k + p] += w;
	}
}

/* The per-class sums and the top list of c against want. */
static void check_against(const struct dnn_confusion *c, const double *want, size_t k)
{
	struct dnn_confusion_cell *top;
	size_t n = confusion_top(c, &top), n_want = 0;

	for (size_t t = 0; t < k; t++) {
		double truth = 0.0, pred = 0.0;

		for (size_t p = 0; p < k; p++) {
			truth += want[t * k + p];
			pred += want[p * k + t];
			n_want += t != p && want[t * k + p] != 0.0;
		}
		ck_assert_double_eq(c->truth[t], truth);
		ck_assert_double_eq(c->predicted[t], pred);
		ck_assert_double_eq(c->right[t], want[t * k + t]);
	}
	ck_assert_uint_eq(n, n_want);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_ne(top[i].truth, top[i].pred);
		ck_assert_double_eq(top[i].count, want[top[i].truth * k + top[i].pred]);
		if (i) {
			/* Largest first; ties by true class, then predicted. */
			ck_assert(top[i - 1].count >= top[i].count);
			if (top[i - 1].count == top[i].count)
				ck_assert(top[i - 1].truth < top[i].truth ||
					  (top[i - 1].truth == top[i].truth &&
					   top[i - 1].pred < top[i].pred));
		}
	}
	free(top);
}

START_TEST(test_few_and_many_classes)
{
	static const size_t ks[] = {2, 3, CONFUSION_MAX_MATRIX, CONFUSION_MAX_MATRIX + 1, 500};

	for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
		for (int weighted = 0; weighted < 2; weighted++) {
			size_t k = ks[i];
			double *want = calloc(k * k, sizeof *want);
			struct dnn_confusion c;

			ck_assert_ptr_nonnull(want);
			fill(&c, want, k, 3000, weighted, 7 + i);
			/* The matrix up to the cap, the list past it. */
			ck_assert(k <= CONFUSION_MAX_MATRIX ? c.matrix != NULL : c.matrix == NULL);
			check_against(&c, want, k);
			confusion_free(&c);
			confusion_free(&c);
			free(want);
		}
	}
}
END_TEST

/* No row misclassified: no confusion, and no list. */
START_TEST(test_none_wrong)
{
	struct dnn_confusion c;
	struct dnn_confusion_cell *top = (void *)&c;

	ck_assert_int_eq(confusion_init(&c, 100), 0);
	ck_assert_int_eq(confusion_reserve(&c, 2), 0);
	confusion_add(&c, 3, 3, 1.0);
	confusion_add(&c, 4, 4, 2.0);
	ck_assert_uint_eq(confusion_top(&c, &top), 0);
	ck_assert_ptr_null(top);
	ck_assert_double_eq(c.right[4], 2.0);
	confusion_free(&c);
}
END_TEST

static Suite *confusion_suite(void)
{
	Suite *s = suite_create("confusion");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_few_and_many_classes);
	tcase_add_test(tc, test_none_wrong);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(confusion_suite)
