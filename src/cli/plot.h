/* Training curves as an SVG image drawn by dnn itself: loss and val_loss
 * against the epoch and, for classification, accuracy and val_accuracy, with
 * axes, ticks, labels and a legend. */
#ifndef DNN_PLOT_H
#define DNN_PLOT_H

#include <stdio.h>

#include "err.h"
#include "train.h"

/* Write the SVG document for history h to f. Returns 0, or -1 on a write
 * error (errno set). */
int plot_svg(FILE *f, const struct dnn_history *h, int classification);

/* Write it to path atomically (a temporary file in the same directory,
 * renamed over path). Errors: 73 when the file cannot be created, 74 on a
 * write error; no file is left behind. */
int plot_write(const char *path, const struct dnn_history *h, int classification,
	       struct dnn_error *e);

/* Tick marks for [lo, hi]: a step of 1, 2 or 5 times a power of ten that
 * gives at most max_ticks ticks; *first is the first multiple of the step
 * at or above lo. Returns the number of ticks. */
int plot_ticks(double lo, double hi, int max_ticks, double *first, double *step);

#endif
