/* Confusion counts (confusion.h): the matrix of few classes, the merged
 * list of off-diagonal cells of many. */
#include "confusion.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

int confusion_init(struct dnn_confusion *c, size_t k)
{
	memset(c, 0, sizeof *c);
	c->k = k;
	c->right = util_calloc_array(k ? k : 1, sizeof *c->right);
	c->predicted = util_calloc_array(k ? k : 1, sizeof *c->predicted);
	c->truth = util_calloc_array(k ? k : 1, sizeof *c->truth);
	if (k <= CONFUSION_MAX_MATRIX)
		c->matrix = util_calloc_array(k ? k * k : 1, sizeof *c->matrix);
	if (!c->right || !c->predicted || !c->truth || (k <= CONFUSION_MAX_MATRIX && !c->matrix)) {
		confusion_free(c);
		return -1;
	}
	return 0;
}

int confusion_reserve(struct dnn_confusion *c, size_t n)
{
	size_t want = c->n_cells + n, cap = c->cap_cells ? c->cap_cells : 256;
	struct dnn_confusion_cell *p;

	if (c->matrix || want <= c->cap_cells)
		return 0;
	if (want < c->n_cells)
		return -1;
	while (cap < want)
		cap = cap > SIZE_MAX / 2 ? want : cap * 2;
	p = util_realloc_array(c->cells, cap, sizeof *p);
	if (!p)
		return -1;
	c->cells = p;
	c->cap_cells = cap;
	return 0;
}

void confusion_add(struct dnn_confusion *c, uint32_t truth, uint32_t pred, double w)
{
	c->truth[truth] += w;
	c->predicted[pred] += w;
	if (truth == pred)
		c->right[truth] += w;
	if (c->matrix)
		c->matrix[truth * c->k + pred] += w;
	else if (truth != pred && w != 0.0 && c->n_cells < c->cap_cells)
		c->cells[c->n_cells++] = (struct dnn_confusion_cell){truth, pred, w};
}

/* qsort orders: by cell (true, then predicted); by count, largest first. */
static int by_cell(const void *a, const void *b)
{
	const struct dnn_confusion_cell *x = a, *y = b;

	if (x->truth != y->truth)
		return x->truth < y->truth ? -1 : 1;
	return x->pred < y->pred ? -1 : x->pred > y->pred;
}

static int by_count(const void *a, const void *b)
{
	const struct dnn_confusion_cell *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return by_cell(a, b);
}

/* The matrix's off-diagonal cells with a count, in cell order: how many. */
static size_t from_matrix(const struct dnn_confusion *c, struct dnn_confusion_cell *out)
{
	size_t n = 0;

	for (size_t t = 0; t < c->k; t++)
		for (size_t p = 0; p < c->k; p++)
			if (t != p && c->matrix[t * c->k + p] != 0.0)
				out[n++] = (struct dnn_confusion_cell){(uint32_t)t, (uint32_t)p,
								       c->matrix[t * c->k + p]};
	return n;
}

/* The list's cells sorted and merged into out (as many or fewer): how many. */
static size_t from_list(const struct dnn_confusion *c, struct dnn_confusion_cell *out)
{
	size_t n = 0;

	memcpy(out, c->cells, c->n_cells * sizeof *out);
	qsort(out, c->n_cells, sizeof *out, by_cell);
	for (size_t i = 0; i < c->n_cells; i++) {
		if (n && by_cell(&out[n - 1], &out[i]) == 0)
			out[n - 1].count += out[i].count;
		else
			out[n++] = out[i];
	}
	return n;
}

size_t confusion_top(const struct dnn_confusion *c, struct dnn_confusion_cell **out)
{
	size_t room = c->matrix ? c->k * c->k : c->n_cells, n;

	*out = NULL;
	if (!room)
		return 0;
	*out = util_malloc_array(room, sizeof **out);
	if (!*out)
		return SIZE_MAX;
	n = c->matrix ? from_matrix(c, *out) : from_list(c, *out);
	qsort(*out, n, sizeof **out, by_count);
	return n;
}

void confusion_free(struct dnn_confusion *c)
{
	free(c->matrix);
	free(c->right);
	free(c->predicted);
	free(c->truth);
	free(c->cells);
	memset(c, 0, sizeof *c);
}
