/* The folds of cross-validation and the grouped test split (folds.h). */
#include "folds.h"

#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "util.h"

/* The generator of repeat r: a stream of its own, apart from the weights'
 * and the validation split's. */
static void fold_rng(struct dnn_rng *rng, uint64_t seed, unsigned long r)
{
	rng_seed(rng, seed ^ 0x666f6c6473ULL ^ ((uint64_t)r * 0x9e3779b97f4a7c15ULL));
}

/* Rows of class c (all rows when label is NULL) into rows, in file order;
 * their count. */
static size_t class_rows(const uint32_t *label, size_t n, uint32_t c, size_t *rows)
{
	size_t m = 0;

	for (size_t i = 0; i < n; i++)
		if (!label || label[i] == c)
			rows[m++] = i;
	return m;
}

/* The error for a class of `have` rows, fewer than k folds. */
static int too_few(char *const *class_names, uint32_t c, size_t have, size_t k,
		   const char *data_name, struct dnn_error *e)
{
	return dnn_error_set(e, DNN_EX_DATA, data_name, 0, 0,
			     "class '%s' has %zu row%s, fewer than the %zu folds; every fold "
			     "needs a row of each class (lower --folds)",
			     class_names[c], have, have == 1 ? "" : "s", k);
}

int folds_assign(const uint32_t *label, size_t n_classes, char *const *class_names, size_t n,
		 size_t k, uint64_t seed, unsigned long repeat, uint32_t *fold,
		 const char *data_name, struct dnn_error *e)
{
	size_t *rows, *count, p = 0, n_sets = label ? n_classes : 1;
	struct dnn_rng rng;

	if (k < 2)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "cross-validation needs at least 2 folds, not %zu", k);
	if (k > n)
		return dnn_error_set(e, DNN_EX_DATA, data_name, 0, 0,
				     "%zu rows are too few for %zu folds", n, k);
	rows = util_malloc_array(n, sizeof *rows);
	count = util_calloc_array(n_sets, sizeof *count);
	if (!rows || !count) {
		free(rows);
		free(count);
		return dnn_error_oom(e);
	}
	for (size_t i = 0; label && i < n; i++)
		count[label[i]]++;
	for (uint32_t c = 0; label && c < n_classes; c++)
		if (count[c] < k) {
			too_few(class_names, c, count[c], k, data_name, e);
			free(rows);
			free(count);
			return -1;
		}
	fold_rng(&rng, seed, repeat);
	for (uint32_t c = 0; c < n_sets; c++) {
		size_t m = class_rows(label, n, c, rows);

		rng_shuffle(&rng, rows, m);
		/* Dealt in turn, continuing from the class before. */
		for (size_t i = 0; i < m; i++, p++)
			fold[rows[i]] = (uint32_t)(p % k);
	}
	free(rows);
	free(count);
	return 0;
}

int folds_split_groups(const uint32_t *group, size_t n_groups, size_t n, size_t n_val,
		       uint64_t seed, unsigned char *is_val, const char *data_name,
		       const char *group_name, struct dnn_error *e)
{
	size_t *order, *size, held = 0;
	unsigned char *take;
	struct dnn_rng rng;

	if (n_groups < 2)
		return dnn_error_set(e, DNN_EX_DATA, data_name, 0, 0,
				     "group column '%s' has a single value; a grouped split needs "
				     "two groups at least",
				     group_name);
	order = util_malloc_array(n_groups, sizeof *order);
	size = util_calloc_array(n_groups, sizeof *size);
	take = calloc(n_groups, 1);
	if (!order || !size || !take) {
		free(order);
		free(size);
		free(take);
		return dnn_error_oom(e);
	}
	for (size_t i = 0; i < n; i++)
		size[group[i]]++;
	for (size_t g = 0; g < n_groups; g++)
		order[g] = g;
	rng_seed(&rng, seed ^ 0x67726f757073ULL);
	rng_shuffle(&rng, order, n_groups);
	for (size_t g = 0; g < n_groups && held < n_val; g++) {
		take[order[g]] = 1;
		held += size[order[g]];
	}
	for (size_t i = 0; i < n; i++)
		is_val[i] = take[group[i]];
	free(order);
	free(size);
	free(take);
	if (held >= n)
		return dnn_error_set(e, DNN_EX_DATA, data_name, 0, 0,
				     "the groups of column '%s' held out take every row; ask for "
				     "fewer test rows",
				     group_name);
	return 0;
}

void folds_rows(const uint32_t *fold, size_t n, size_t j, size_t *rows, size_t *n_train)
{
	size_t n_test = 0;

	*n_train = 0;
	/* The training rows from the start, the test rows from the end. */
	for (size_t r = 0; r < n; r++)
		if (fold[r] != j)
			rows[(*n_train)++] = r;
	for (size_t r = n; r-- > 0;)
		if (fold[r] == j)
			rows[n - ++n_test] = r;
}
