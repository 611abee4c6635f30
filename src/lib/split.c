/* The validation split: the rows held out, stratified for a classification,
 * drawn over the rows of all MPI ranks as one process draws them. */
#include "split.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "rng.h"
#include "util.h"

/* Reorder rows in place: row i becomes the old row order[i]. */
static int permute_rows(void *base, size_t n, size_t row_bytes, const size_t *order,
			struct dnn_error *e)
{
	unsigned char *p = base, *tmp = malloc(row_bytes ? row_bytes : 1);
	unsigned char *done = calloc(n ? n : 1, 1);

	if (!tmp || !done) {
		free(tmp);
		free(done);
		return dnn_error_oom(e);
	}
	for (size_t start = 0; start < n; start++) {
		size_t i = start;

		if (done[start])
			continue;
		memcpy(tmp, p + start * row_bytes, row_bytes);
		/* Follow the cycle: slot i takes the row from order[i]. */
		while (order[i] != start) {
			memcpy(p + i * row_bytes, p + order[i] * row_bytes, row_bytes);
			done[i] = 1;
			i = order[i];
		}
		memcpy(p + i * row_bytes, tmp, row_bytes);
		done[i] = 1;
	}
	free(tmp);
	free(done);
	return 0;
}

/* Choose which rows to hold out (is_val) for classification: stratified,
 * each class giving its share of n_val (largest remainders), at least one row
 * and never all of its rows; drawn from rng. A class with a single row
 * cannot be split: an error naming it. */
static int choose_stratified(const uint32_t *label, size_t k, char *const *class_names, size_t n,
			     size_t n_val, struct dnn_rng *rng, unsigned char *is_val,
			     const char *data_name, struct dnn_error *e)
{
	size_t given = 0, *count = NULL, *want = NULL, *rows = NULL;
	double *rem = NULL;
	int rc = -1;

	count = util_calloc_array(k, sizeof *count);
	want = util_calloc_array(k, sizeof *want);
	rem = util_calloc_array(k, sizeof *rem);
	rows = util_malloc_array(n, sizeof *rows);
	if (!count || !want || !rem || !rows) {
		dnn_error_oom(e);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		count[label[i]]++;
	for (size_t c = 0; c < k; c++) {
		double share = (double)n_val * (double)count[c] / (double)n;

		if (count[c] == 1) {
			dnn_error_set(e, DNN_EX_DATA, data_name, 0, 0,
				      "class '%s' has a single row; a stratified validation split "
				      "needs at least two of each class",
				      class_names[c]);
			goto out;
		}
		want[c] = (size_t)share;
		rem[c] = share - (double)want[c];
		if (want[c] == 0) { /* every class is represented */
			want[c] = 1;
			rem[c] = -1.0;
		}
		given += want[c];
	}
	/* Hand out what rounding down left, largest remainder first (ties:
	 * the lower class). */
	while (given < n_val) {
		size_t best = SIZE_MAX;

		for (size_t c = 0; c < k; c++)
			if (want[c] + 1 < count[c] && (best == SIZE_MAX || rem[c] > rem[best]))
				best = c;
		if (best == SIZE_MAX)
			break;
		want[best]++;
		rem[best] = -1.0;
		given++;
	}
	for (size_t c = 0; c < k; c++) {
		size_t m = 0;

		if (want[c] >= count[c])
			want[c] = count[c] - 1;
		for (size_t i = 0; i < n; i++)
			if (label[i] == c)
				rows[m++] = i;
		rng_shuffle(rng, rows, m);
		for (size_t i = 0; i < want[c]; i++)
			is_val[rows[i]] = 1;
	}
	rc = 0;
out:
	free(count);
	free(want);
	free(rem);
	free(rows);
	return rc;
}

/* The number of row i among the rows of all ranks. */
static size_t gid_of(const struct dnn_dataset *d, size_t i)
{
	return d->shared ? d->gid_first + i * d->gid_stride : i;
}

/* The class of every row of all ranks, in file order (a shared dataset;
 * collective). NULL on every rank when one ran out of memory. */
static uint32_t *all_labels(const struct dnn_dataset *d, struct dnn_error *e)
{
	unsigned char *all = NULL;
	size_t all_len, *lens = NULL, pos = 0, n = d->n_rows_total, p = (size_t)dist_size();
	uint32_t *g = util_malloc_array(n, sizeof *g);

	if (!g)
		dnn_error_oom(e);
	if (dist_agree(!g, e)) {
		free(g);
		return NULL;
	}
	if (dist_allgather(d->label, d->n_rows * sizeof *d->label, &all, &all_len, &lens)) {
		free(g);
		dnn_error_oom(e);
		return NULL;
	}
	for (size_t q = 0, first = 0; q < p; q++) {
		size_t m = lens[q] / sizeof *g;

		for (size_t j = 0; j < m; j++) {
			uint32_t v;

			memcpy(&v, all + pos + j * sizeof v, sizeof v);
			/* Byte shares follow one another; row shares interleave. */
			g[d->gid_stride == 1 ? first + j : q + j * p] = v;
		}
		pos += lens[q];
		first += m;
	}
	free(all);
	free(lens);
	return g;
}

/* d->train_gid of a shared dataset: each of its n_train training rows'
 * number among the training rows of all ranks (is_val: which of the n rows
 * of all are held out). */
static int number_train_rows(struct dnn_dataset *d, const unsigned char *is_val, size_t n,
			     size_t n_train, struct dnn_error *e)
{
	size_t *ids = util_malloc_array(n_train + 1, sizeof *ids);

	if (!ids)
		return dnn_error_oom(e);
	for (size_t g = 0, t = 0, j = 0, before = 0; g < n && j < d->n_rows; g++) {
		if (g == gid_of(d, j)) {
			if (!is_val[g])
				ids[t++] = before;
			j++;
		}
		before += !is_val[g];
	}
	free(d->train_gid);
	d->train_gid = ids;
	return 0;
}

size_t split_count(double fraction, size_t n)
{
	size_t k = (size_t)floor(fraction * (double)n + 0.5);

	return k ? k : 1;
}

int split_choose(const uint32_t *label, size_t n_classes, char *const *class_names, size_t n,
		 size_t n_val, uint64_t seed, unsigned char *is_val, const char *data_name,
		 struct dnn_error *e)
{
	struct dnn_rng rng;

	if (n_val >= n)
		return dnn_error_set(e, DNN_EX_DATA, data_name, 0, 0,
				     "%zu rows are too few to hold out %zu", n, n_val);
	memset(is_val, 0, n);
	/* A stream of its own, so that the split does not shift the weights.
	 * Sharing ranks draw it over the rows of all, as one process would. */
	rng_seed(&rng, seed ^ 0x76616c6964617465ULL);
	if (label)
		return choose_stratified(label, n_classes, class_names, n, n_val, &rng, is_val,
					 data_name, e);
	size_t *order = util_malloc_array(n, sizeof *order);

	if (!order)
		return dnn_error_oom(e);
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	rng_shuffle(&rng, order, n);
	for (size_t i = 0; i < n_val; i++)
		is_val[order[i]] = 1;
	free(order);
	return 0;
}

int data_split(struct dnn_dataset *d, double fraction, uint64_t seed, size_t *n_val_out,
	       const char *data_name, struct dnn_error *e)
{
	size_t n = d->shared ? d->n_rows_total : d->n_rows, n_val, *order = NULL,
	       n_local = d->n_rows, n_val_local = 0;
	unsigned char *is_val = NULL;
	int rc = -1;

	n_val = split_count(fraction, n);
	if (n_val >= n)
		return dnn_error_set(e, DNN_EX_DATA, data_name, 0, 0,
				     "%zu rows are too few to hold out a validation fraction of %g",
				     n, fraction);
	order = util_malloc_array(n > n_local ? n : n_local, sizeof *order);
	is_val = calloc(n ? n : 1, 1);
	if (!order || !is_val)
		dnn_error_oom(e);
	/* Sharing ranks leave together, before the collectives below. */
	if (d->shared ? dist_agree(!order || !is_val, e) : !order || !is_val)
		goto out;
	if (d->task == DNN_TASK_CLASSIFICATION) {
		uint32_t *label = d->label;

		if (d->shared && !(label = all_labels(d, e)))
			goto out;
		rc = split_choose(label, d->n_classes, d->class_names, n, n_val, seed, is_val,
				  data_name, e);
		if (d->shared)
			free(label);
	} else {
		rc = split_choose(NULL, 0, NULL, n, n_val, seed, is_val, data_name, e);
	}
	if (rc)
		goto out;
	rc = -1;
	for (size_t i = 0; i < n_local; i++)
		n_val_local += is_val[gid_of(d, i)];
	if (d->shared && number_train_rows(d, is_val, n, n_local - n_val_local, e))
		goto out;
	for (size_t i = 0, a = 0, b = n_local - n_val_local; i < n_local; i++)
		order[is_val[gid_of(d, i)] ? b++ : a++] = i;
	if (permute_rows(d->x, n_local, d->n_in * sizeof(float), order, e))
		goto out;
	if (d->y && permute_rows(d->y, n_local, d->n_targets * sizeof(float), order, e))
		goto out;
	if (d->label && permute_rows(d->label, n_local, sizeof(uint32_t), order, e))
		goto out;
	if (d->w && permute_rows(d->w, n_local, sizeof(float), order, e))
		goto out;
	d->n_train_total = n - n_val;
	*n_val_out = n_val_local;
	rc = 0;
out:
	free(order);
	free(is_val);
	return rc;
}

int data_train_ids(struct dnn_dataset *d, size_t n_train, struct dnn_error *e)
{
	if (!d->shared) {
		d->n_train_total = n_train;
		return 0;
	}
	if (d->train_gid)
		return 0; /* data_split numbered them */
	/* All rows of the file train (validation rows, if any, come from
	 * another file). */
	if (!(d->train_gid = util_malloc_array(n_train + 1, sizeof *d->train_gid)))
		return dnn_error_oom(e);
	for (size_t j = 0; j < n_train; j++)
		d->train_gid[j] = gid_of(d, j);
	d->n_train_total = d->n_rows_total;
	return 0;
}
