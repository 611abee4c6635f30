/* Contour lines of a function sampled on a grid, by marching squares, and
 * the levels to draw them at. */
#ifndef DNN_CONTOUR_H
#define DNN_CONTOUR_H

#include <stddef.h>

/* A piece of a level line, from (x0, y0) to (x1, y1). */
struct contour_seg {
	double x0, y0, x1, y1;
};

/* The grid: z[j * nx + i] is the value at (x[i], y[j]); x and y increase. */
struct contour_grid {
	const double *x, *y, *z;
	size_t nx, ny;
};

/* The segments of the line z = level over g, into *segs (malloc'd; *n of
 * them, *segs NULL when there are none): in each cell, the points where the
 * level crosses its edges, found by linear interpolation along the edge,
 * joined in pairs; a cell whose corners alternate above and below the level
 * (a saddle) is resolved by the mean of its corners. Cells with a
 * non-finite corner are left out. -1 when out of memory, else 0. */
int contour_lines(const struct contour_grid *g, double level, struct contour_seg **segs, size_t *n);

/* Up to max levels (max <= 32) strictly between the least and the largest
 * finite value of the n values z: on a log scale (*log_scale = 1) when they
 * are all positive and span more than a factor 20 (two significant digits,
 * about evenly spaced in the log), else round numbers evenly spaced
 * (plot_ticks). Returns how many, in increasing order, into levels. */
size_t contour_levels(const double *z, size_t n, size_t max, double *levels, int *log_scale);

#endif
