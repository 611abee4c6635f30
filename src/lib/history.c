/* The training history's storage (history.h). */
#include "history.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "bytes.h"
#include "fmt.h"
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

/* ,"name":x (null when x is not finite). */
static void json_number(struct dnn_wbuf *b, const char *name, double x)
{
	char buf[FMT_DOUBLE_MAX + 64];
	int n = snprintf(buf, 64, ",\"%s\":", name);

	if (n < 0 || n >= 64)
		return;
	if (isfinite(x))
		n += fmt_double(buf + n, x);
	else
		n += snprintf(buf + n, 5, "null");
	wbuf_bytes(b, buf, (size_t)n);
}

/* ,"name":epoch (null when epoch is 0: none). */
static void json_epoch(struct dnn_wbuf *b, const char *name, size_t epoch)
{
	char buf[96];
	int n = epoch ? snprintf(buf, sizeof buf, ",\"%s\":%zu", name, epoch)
		      : snprintf(buf, sizeof buf, ",\"%s\":null", name);

	if (n > 0 && (size_t)n < sizeof buf)
		wbuf_bytes(b, buf, (size_t)n);
}

void history_json(struct dnn_wbuf *b, const struct dnn_history *h)
{
	char buf[64];
	int n = snprintf(buf, sizeof buf, "{\"epochs\":%zu", h->n);

	wbuf_bytes(b, buf, (size_t)n);
	if (h->n) {
		const struct dnn_epoch *last = &h->epochs[h->n - 1];
		size_t best = history_best(h, offsetof(struct dnn_epoch, loss));
		size_t bv = history_best(h, offsetof(struct dnn_epoch, val_loss));

		json_number(b, "first_loss", h->epochs[0].loss);
		json_number(b, "final_loss", last->loss);
		json_number(b, "best_loss", best ? h->epochs[best - 1].loss : (double)NAN);
		json_epoch(b, "best_epoch", best);
		json_number(b, "final_val_loss", last->val_loss);
		json_number(b, "best_val_loss", bv ? h->epochs[bv - 1].val_loss : (double)NAN);
		json_epoch(b, "best_val_epoch", bv);
		json_number(b, "final_accuracy", last->accuracy);
		json_number(b, "final_val_accuracy", last->val_accuracy);
	}
	/* Every epoch as the checkpoint keeps it (not its seconds: not
	 * saved). */
	wbuf_bytes(b, ",\"per_epoch\":[", 14);
	for (size_t i = 0; i < h->n; i++) {
		const struct dnn_epoch *ep = &h->epochs[i];

		n = snprintf(buf, sizeof buf, "%s{\"epoch\":%lu", i ? "," : "", ep->epoch);
		wbuf_bytes(b, buf, (size_t)n);
		json_number(b, "loss", ep->loss);
		json_number(b, "val_loss", ep->val_loss);
		json_number(b, "accuracy", ep->accuracy);
		json_number(b, "val_accuracy", ep->val_accuracy);
		json_number(b, "learning_rate", ep->learning_rate);
		wbuf_bytes(b, "}", 1);
	}
	wbuf_bytes(b, "]}", 2);
}
