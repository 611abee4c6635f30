/* Marching squares and contour levels (contour.h). */
#include "contour.h"

#include <math.h>
#include <stdlib.h>

#include "plot.h"
#include "util.h"

/* Where the level crosses the edge from (xa, ya, za) to (xb, yb, zb), one
 * end above it and the other not; from the lesser end to the greater, so
 * that the two cells that share an edge find the same point to the bit. */
static void cross(double xa, double ya, double za, double xb, double yb, double zb, double level,
		  double *x, double *y)
{
	if (xa > xb || (xa == xb && ya > yb)) {
		double tx = xa, ty = ya, tz = za;

		xa = xb, ya = yb, za = zb;
		xb = tx, yb = ty, zb = tz;
	}
	double t = (level - za) / (zb - za);

	*x = xa + t * (xb - xa);
	*y = ya + t * (yb - ya);
}

/* Append a segment, growing the array by doubling. */
static int push(struct contour_seg **segs, size_t *n, size_t *cap, double x0, double y0, double x1,
		double y1)
{
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 64;
		struct contour_seg *p = realloc(*segs, c * sizeof *p);

		if (!p)
			return -1;
		*segs = p;
		*cap = c;
	}
	(*segs)[(*n)++] = (struct contour_seg){x0, y0, x1, y1};
	return 0;
}

/* The segments of one cell: corners 0 (i, j), 1 (i+1, j), 2 (i+1, j+1),
 * 3 (i, j+1), counter-clockwise; edge k joins corner k to corner k+1. */
static int cell(const struct contour_grid *g, size_t i, size_t j, double level,
		struct contour_seg **segs, size_t *n, size_t *cap)
{
	const double cx[4] = {g->x[i], g->x[i + 1], g->x[i + 1], g->x[i]};
	const double cy[4] = {g->y[j], g->y[j], g->y[j + 1], g->y[j + 1]};
	const double cz[4] = {g->z[j * g->nx + i], g->z[j * g->nx + i + 1],
			      g->z[(j + 1) * g->nx + i + 1], g->z[(j + 1) * g->nx + i]};
	double px[4], py[4];
	int above[4], k, hits = 0, e[4];

	for (k = 0; k < 4; k++) {
		if (!isfinite(cz[k]))
			return 0;
		above[k] = cz[k] > level;
	}
	for (k = 0; k < 4; k++) {
		int b = (k + 1) % 4;

		if (above[k] != above[b]) {
			cross(cx[k], cy[k], cz[k], cx[b], cy[b], cz[b], level, &px[k], &py[k]);
			e[hits++] = k;
		}
	}
	if (hits == 2)
		return push(segs, n, cap, px[e[0]], py[e[0]], px[e[1]], py[e[1]]);
	if (hits != 4)
		return 0;
	/* A saddle: corners 0 and 2 on one side, 1 and 3 on the other. When
	 * the centre is on 0's side, 0 and 2 connect through it, and the
	 * lines cut off corners 1 (edges 0, 1) and 3 (edges 2, 3); otherwise
	 * they cut off corners 0 (edges 3, 0) and 2 (edges 1, 2). */
	double centre = (cz[0] + cz[1] + cz[2] + cz[3]) / 4.0;

	if ((centre > level) == above[0])
		return push(segs, n, cap, px[0], py[0], px[1], py[1]) ||
		       push(segs, n, cap, px[2], py[2], px[3], py[3]);
	return push(segs, n, cap, px[3], py[3], px[0], py[0]) ||
	       push(segs, n, cap, px[1], py[1], px[2], py[2]);
}

int contour_lines(const struct contour_grid *g, double level, struct contour_seg **segs, size_t *n)
{
	size_t cap = 0;

	*segs = NULL;
	*n = 0;
	for (size_t j = 0; j + 1 < g->ny; j++)
		for (size_t i = 0; i + 1 < g->nx; i++)
			if (cell(g, i, j, level, segs, n, &cap)) {
				free(*segs);
				*segs = NULL;
				*n = 0;
				return -1;
			}
	return 0;
}

/* v rounded to two significant digits. */
static double two_digits(double v)
{
	double mag = pow(10.0, floor(log10(v)) - 1.0);

	return round(v / mag) * mag;
}

size_t contour_levels(const double *z, size_t n, size_t max, double *levels, int *log_scale)
{
	double lo = (double)INFINITY, hi = -(double)INFINITY, first, step;
	size_t k = 0;

	if (max > 32)
		max = 32;
	for (size_t i = 0; i < n; i++)
		if (isfinite(z[i])) {
			lo = fmin(lo, z[i]);
			hi = fmax(hi, z[i]);
		}
	*log_scale = 0;
	if (!(hi > lo) || max == 0)
		return 0;
	if (lo > 0.0 && hi > 20.0 * lo) {
		double a = log(lo), b = log(hi);

		*log_scale = 1;
		for (size_t i = 1; i <= max; i++) {
			double v = two_digits(exp(a + (b - a) * (double)i / (double)(max + 1)));

			if (v > lo && v < hi && (k == 0 || v > levels[k - 1]))
				levels[k++] = v;
		}
		return k;
	}
	int nt = plot_ticks(lo, hi, (int)max + 2, &first, &step);

	for (int i = 0; i < nt && k < max; i++) {
		double v = first + (double)i * step;

		if (fabs(v) < 1e-9 * step)
			v = 0.0;
		if (v > lo && v < hi)
			levels[k++] = v;
	}
	return k;
}
