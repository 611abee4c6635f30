/* SVG images drawn by dnn itself: the training curves (loss and val_loss
 * against the epoch and, for classification, accuracy and val_accuracy, with
 * axes, ticks, labels and a legend), a line chart over decades (the
 * lr-find curve), a density on a log scale (the Hessian's spectrum); the
 * loss landscape's line chart and contour plot (plot_landscape.c). */
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
	const double *lmax;
	const double *limit;	/* the stability line, NaN where none */
	const char *label;	/* its formula (sharpness_limit), NULL: no line */
	size_t n;
};

/* The same with, when sh is not NULL, a last panel of lambda_max against
 * the epoch and the optimizer's stability line (2 / lr for plain gradient
 * descent: the edge of stability), when it has one. */
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
/* The loss (and accuracy) along a line through weight space (dnn
 * landscape --line): loss against a (on a log scale when the losses span
 * more than a factor 100, else linear), accuracy (when acc is
 * not NULL) on a second axis from 0 to 1 at the right, and vertical
 * markers at a = 0 and a = 1 labelled by from and to. */
struct plot_path {
	const double *a, *loss, *acc; /* n > 0 points, a increasing; acc may be NULL */
	size_t n;
	const char *from, *to;
};

/* Write the SVG document of c to f. Returns 0, or -1 on a write error or
 * out of memory (errno set). */
int plot_path_svg(FILE *f, const struct plot_path *c);

/* A contour plot of the loss on a grid (dnn landscape --plane): the lines
 * of contour_levels' levels (contour.h) coloured from low to high and
 * labelled with their values, the grid's least value marked with a cross
 * and its value, the model (x, y = 0, 0) with a dot, the axes named by
 * x_label and y_label. */
struct plot_contour {
	const double *x, *y, *z; /* z[j * nx + i] at (x[i], y[j]) */
	size_t nx, ny;		 /* at least 2 each */
	const char *x_label, *y_label, *title;
};

/* Write the SVG document of c to f. Returns 0, or -1 on a write error or
 * out of memory (errno set). */
int plot_contour_svg(FILE *f, const struct plot_contour *c);

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
