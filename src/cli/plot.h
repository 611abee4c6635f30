/* SVG images drawn by dnn itself: the training curves (loss and val_loss
 * against the epoch and, for classification, accuracy and val_accuracy, with
 * axes, ticks, labels and a legend), a line chart over decades (the
 * lr-find curve), and a density on a log scale (the Hessian's spectrum). */
#ifndef DNN_PLOT_H
#define DNN_PLOT_H

#include <stdio.h>

#include "afile.h"
#include "err.h"
#include "history.h"

/* Write the SVG document for history h to f. Returns 0, or -1 on a write
 * error (errno set). */
int plot_svg(FILE *f, const struct dnn_history *h, int classification);

/* Sharpness during training: lambda_max at epoch[i], whose learning rate
 * was lr[i], for n measures. */
struct plot_sharpness {
	const unsigned long *epoch;
	const double *lmax, *lr;
	size_t n;
};

/* The same with, when sh is not NULL, a last panel of lambda_max against
 * the epoch and the line 2 / lr (the edge of stability). */
int plot_svg_sharp(FILE *f, const struct dnn_history *h, int classification,
		   const struct plot_sharpness *sh);

/* Write it to af, opened by the caller (afile_open), who commits it.
 * Errors: 74 on a write error. */
int plot_history(struct dnn_afile *af, const struct dnn_history *h, int classification,
		 const struct plot_sharpness *sh, struct dnn_error *e);

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

/* A density on a log scale: y > 0 against x (n > 1 points, x increasing),
 * the y axis `decades` decades down from the largest y (smaller values at
 * the bottom), a dashed line at x = 0 when the range holds it, the note
 * (XML-safe text) under the title. */
struct plot_density {
	const double *x, *y;
	size_t n;
	int decades;
	const char *title, *x_label;
	const char *note; /* a line under the title, or NULL */
};

/* Write the SVG document of c to f. Returns 0, or -1 on a write error. */
int plot_density_svg(FILE *f, const struct plot_density *c);

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
