/* The training history: one record of figures per epoch, as a checkpoint
 * keeps it (section HIST) and dnn info, the log and the plot show it. */
#ifndef DNN_HISTORY_H
#define DNN_HISTORY_H

#include <stddef.h>

/* One epoch's figures; NaN where a figure does not apply. */
struct dnn_epoch {
	unsigned long epoch; /* 1-based */
	double loss, val_loss;
	double accuracy, val_accuracy;
	double learning_rate;
	double seconds; /* wall time of the epoch (not saved) */
};

/* The epochs so far, in order; zero-initialize. */
struct dnn_history {
	size_t n, cap;
	struct dnn_epoch *epochs;
};

/* Append a copy of ep. Returns 0, or -1 when out of memory (h unchanged). */
int history_append(struct dnn_history *h, const struct dnn_epoch *ep);

/* The epoch (1-based) with the smallest finite value of the double field
 * at byte offset offset of struct dnn_epoch (offsetof(struct dnn_epoch,
 * loss)), or 0 when no epoch has one. */
size_t history_best(const struct dnn_history *h, size_t offset);

struct dnn_wbuf;

/* Append to b the history as one JSON object, as dnn info --json and the
 * ONNX metadata give it: {"epochs":N, then (N > 0) first_loss, final_loss,
 * best_loss, best_epoch, final_val_loss, best_val_loss, best_val_epoch,
 * final_accuracy, final_val_accuracy, then "per_epoch": each epoch's epoch,
 * loss, val_loss, accuracy, val_accuracy and learning_rate}; numbers as
 * fmt_double, null for a figure that does not apply (NaN) and for a best
 * epoch there is none of. Out of memory sets b->oom. */
void history_json(struct dnn_wbuf *b, const struct dnn_history *h);

/* Free the epochs and zero h. */
void history_free(struct dnn_history *h);

#endif
