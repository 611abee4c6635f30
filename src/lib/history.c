/* The training history's storage (history.h). */
#include "history.h"

#include <math.h>
#include <stdlib.h>

#include "util.h"

int history_append(struct dnn_history *h, const struct dnn_epoch *ep)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 64;
		struct dnn_epoch *p = util_realloc_array(h->epochs, cap, sizeof *p);

		if (!p)
			return -1;
		h->epochs = p;
		h->cap = cap;
	}
	h->epochs[h->n++] = *ep;
	return 0;
}

size_t history_best(const struct dnn_history *h, size_t offset)
{
	size_t best = 0;

	for (size_t i = 0; i < h->n; i++) {
		double v = *(const double *)((const char *)&h->epochs[i] + offset);

		if (isfinite(v) &&
		    (!best || v < *(const double *)((const char *)&h->epochs[best - 1] + offset)))
			best = i + 1;
	}
	return best;
}

void history_free(struct dnn_history *h)
{
	if (!h)
		return;
	free(h->epochs);
	h->epochs = NULL;
	h->n = h->cap = 0;
}
