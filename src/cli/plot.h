/* SVG images drawn by dnn itself: the training curves (loss and val_loss
 * against the epoch and, for classification, accuracy and val_accuracy, with
 * axes, ticks, labels and a legend), and a line chart over decades (the
 * lr-find curve). */
#ifndef DNN_PLOT_H
#define DNN_PLOT_H

#include <stdio.h>

#include "afile.h"
#include "err.h"
#include "history.h"

/* Write the SVG document for history h to f. Returns 0, or -1 on a write
 * error (errno set). */
int plot_svg(FILE *f, const struct dnn_history *h, int classification);

/* Write it to af, opened by the caller (afile_open), who commits it.
 * Errors: 74 on a write error. */
int plot_history(struct dnn_afile *af, const struct dnn_history *h, int classification,
		 struct dnn_error *e);

/* A line chart: y against x, where x is in decades (log10 of the quantity:
 * a tick at every whole x, labelled 1eK), y's non-finite values left out;
 * when mark_label is set and mark >= x[0], a vertical marker at x = mark
 * labelled "MARK_LABEL mark_value". */
struct plot_line {
	const double *x, *y; /* n > 0 points, x increasing */
	size_t n;
	const char *x_label;
	double mark, mark_value;
	const char *mark_label;
};

/* Write the SVG document of c to f. Returns 0, or -1 on a write error. */
int plot_line_svg(FILE *f, const struct plot_line *c);

/* A scatter panel: y against x for n points (non-finite ones left out), x
 * on a log axis (log_x), or x the index of one of n_cats categories
 * labelled cats[i]. */
struct plot_scatter {
	const char *title;
	const double *x, *y;
	size_t n;
	int log_x;
	size_t n_cats;
	char *const *cats;
};

/* Write an SVG document of n panels side by side in rows of three, y
 * labelled y_label, to f. Returns 0, or -1 on a write error. */
int plot_scatter_svg(FILE *f, const struct plot_scatter *p, size_t n, const char *y_label);

/* Tick marks for [lo, hi]: a step of 1, 2 or 5 times a power of ten that
 * gives at most max_ticks ticks; *first is the first multiple of the step
 * at or above lo. Returns the number of ticks. */
int plot_ticks(double lo, double hi, int max_ticks, double *first, double *step);

#endif
