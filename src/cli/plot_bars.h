/* A horizontal bar chart with error bars, as an SVG image (dnn importance
 * --plot). */
#ifndef DNN_PLOT_BARS_H
#define DNN_PLOT_BARS_H

#include <stddef.h>
#include <stdio.h>

/* n bars, top to bottom: bar i of length value[i] from 0, labelled
 * label[i] at the left, with an error bar value[i] +- err[i] (err NULL or
 * err[i] 0: none); the axis named x_label, the title above. */
struct plot_bars {
	const char *title, *x_label;
	char *const *label;
	const double *value, *err;
	size_t n;
};

/* Write the SVG document of c to f. Returns 0, or -1 on a write error. */
int plot_bars_svg(FILE *f, const struct plot_bars *c);

#endif
