/* The drawing helpers the SVG images share (plot.c, plot_landscape.c,
 * plot_report.c): a plot area and its mapping, the document's head, axes
 * with ticks, polylines and escaped text. Internal to src/cli. */
#ifndef DNN_PLOT_UTIL_H
#define DNN_PLOT_UTIL_H

#include <stddef.h>
#include <stdio.h>

/* A plot area in SVG units and the ranges it maps: x [vx0, vx1] across
 * x0..x1, y [vy0, vy1] up yb..yt. */
struct plot_box {
	double x0, x1, yt, yb;
	double vx0, vx1, vy0, vy1;
};

/* The SVG x of value v in b, and the y. */
double plot_bx(const struct plot_box *b, double v);
double plot_by(const struct plot_box *b, double v);

/* The XML declaration, the SVG element w x h with title (XML-safe text)
 * and its white background. */
void plot_open_svg(FILE *f, double w, double h, const char *title);

/* The frame, the ticks of x below and of y at the left (with grid lines
 * when grid is set; with ylog, y is log10 of the value, a tick at every
 * whole y labelled 1eK), and the axis names (XML-safe text; the y name 54
 * units left of the frame). */
void plot_axes(FILE *f, const struct plot_box *b, const char *xl, const char *yl, int grid,
	       int ylog);

/* A polyline of the finite points (x[i], y[i]) in b, split where y is not
 * finite; style is the element's other attributes. */
void plot_curve(FILE *f, const struct plot_box *b, const double *x, const double *y, size_t n,
		const char *style);

/* s as SVG text: &, <, > and quotes escaped, cut at 40 bytes. */
void plot_put_text(FILE *f, const char *s);

#endif
