/* The loss landscape's SVG images (plot.h): the line chart of the loss and
 * accuracy along a line, and the contour plot of the loss on a plane. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "contour.h"
#include "plot.h"
#include "plot_util.h"

double plot_bx(const struct plot_box *b, double v)
{
	return b->x0 + (v - b->vx0) / (b->vx1 - b->vx0) * (b->x1 - b->x0);
}

double plot_by(const struct plot_box *b, double v)
{
	return b->yb - (v - b->vy0) / (b->vy1 - b->vy0) * (b->yb - b->yt);
}

void plot_open_svg(FILE *f, double w, double h, const char *title)
{
	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" "
		"viewBox=\"0 0 %g %g\" font-family=\"sans-serif\" font-size=\"12\">\n"
		"<title>%s</title>\n<rect width=\"%g\" height=\"%g\" fill=\"white\"/>\n",
		w, h, w, h, title, w, h);
}

/* A number for a tick label: up to 4 significant digits, no "-0". */
static void tick_text(char *buf, size_t size, double v, double step)
{
	if (fabs(v) < step * 1e-6)
		v = 0.0;
	snprintf(buf, size, "%.4g", v);
}

void plot_axes(FILE *f, const struct plot_box *b, const char *xl, const char *yl, int grid,
	       int ylog)
{
	double first, step;
	char buf[32];
	int nt = plot_ticks(b->vx0, b->vx1, 9, &first, &step);

	for (int i = 0; i < nt; i++) {
		double x = plot_bx(b, first + (double)i * step);

		tick_text(buf, sizeof buf, first + (double)i * step, step);
		if (grid)
			fprintf(f,
				"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
				"stroke=\"#eee\"/>\n",
				x, b->yt, x, b->yb);
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
			x, b->yb, x, b->yb + 5, x, b->yb + 19, buf);
	}
	nt = plot_ticks(b->vy0, b->vy1, 7, &first, &step);
	if (ylog && step < 1.0) {
		first = ceil(b->vy0);
		step = 1.0;
		nt = (int)(floor(b->vy1) - first) + 1;
	}
	for (int i = 0; i < nt; i++) {
		double y = plot_by(b, first + (double)i * step);

		if (ylog)
			snprintf(buf, sizeof buf, "1e%d", (int)lround(first + (double)i * step));
		else
			tick_text(buf, sizeof buf, first + (double)i * step, step);
		if (grid)
			fprintf(f,
				"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
				"stroke=\"#eee\"/>\n",
				b->x0, y, b->x1, y);
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>"
			"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
			b->x0 - 5, y, b->x0, y, b->x0 - 8, y + 4, buf);
	}
	fprintf(f,
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
		"stroke=\"#444\"/>\n",
		b->x0, b->yt, b->x1 - b->x0, b->yb - b->yt);
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
		(b->x0 + b->x1) / 2, b->yb + 40, xl);
	fprintf(f,
		"<text x=\"%g\" y=\"%.1f\" text-anchor=\"middle\" "
		"transform=\"rotate(-90 %g %.1f)\">%s</text>\n",
		b->x0 - 54, (b->yt + b->yb) / 2, b->x0 - 54, (b->yt + b->yb) / 2, yl);
}

/* [lo, hi] of the finite values of v, rounded out to ticks; [0, 1] when
 * there are none. */
static void finite_range(const double *v, size_t n, double *lo, double *hi)
{
	double first, step;

	*lo = (double)INFINITY;
	*hi = -(double)INFINITY;
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i])) {
			*lo = fmin(*lo, v[i]);
			*hi = fmax(*hi, v[i]);
		}
	if (!(*hi >= *lo)) {
		*lo = 0.0;
		*hi = 1.0;
	}
	if (!(*hi > *lo))
		*hi = *lo + 1.0;
	plot_ticks(*lo, *hi, 7, &first, &step);
	*lo = floor(*lo / step + 1e-9) * step;
	*hi = ceil(*hi / step - 1e-9) * step;
}

void plot_curve(FILE *f, const struct plot_box *b, const double *x, const double *y, size_t n,
		  const char *style)
{
	int open = 0;

	for (size_t i = 0; i < n; i++) {
		if (!isfinite(y[i])) {
			if (open)
				fputs("\"/>\n", f);
			open = 0;
			continue;
		}
		if (!open)
			fprintf(f, "<polyline fill=\"none\" %s points=\"", style);
		fprintf(f, "%s%.2f,%.2f", open ? " " : "", plot_bx(b, x[i]), plot_by(b, y[i]));
		open = 1;
	}
	if (open)
		fputs("\"/>\n", f);
}

/* A dashed vertical marker at a labelled name, when a is in range. */
static void marker(FILE *f, const struct plot_box *b, double a, const char *name)
{
	if (!name || a < b->vx0 || a > b->vx1)
		return;
	fprintf(
	    f,
	    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#d62728\" "
	    "stroke-dasharray=\"4 3\"/><text x=\"%.1f\" y=\"%.1f\" fill=\"#d62728\">%s</text>\n",
	    plot_bx(b, a), b->yt, plot_bx(b, a), b->yb, plot_bx(b, a) + 4, b->yt + 14, name);
}

/* log10 of the n losses into *out (malloc'd) when they are all positive
 * (or not finite) and span more than a factor 100; else *out is NULL.
 * -1 when out of memory. */
static int log_losses(const double *loss, size_t n, double **out)
{
	double lo = (double)INFINITY, hi = 0.0;

	*out = NULL;
	for (size_t i = 0; i < n; i++)
		if (isfinite(loss[i])) {
			if (!(loss[i] > 0.0))
				return 0;
			lo = fmin(lo, loss[i]);
			hi = fmax(hi, loss[i]);
		}
	if (!(hi > 100.0 * lo))
		return 0;
	*out = malloc(n * sizeof **out);
	if (!*out)
		return -1;
	for (size_t i = 0; i < n; i++)
		(*out)[i] = isfinite(loss[i]) ? log10(loss[i]) : loss[i];
	return 0;
}

int plot_path_svg(FILE *f, const struct plot_path *c)
{
	struct plot_box b = {72, 640 - 64, 36, 400 - 56, c->a[0], c->a[c->n - 1], 0, 1};
	struct plot_box acc = b;
	double *ly;

	if (!(b.vx1 > b.vx0))
		b.vx1 = b.vx0 + 1.0;
	if (log_losses(c->loss, c->n, &ly)) {
		errno = ENOMEM;
		return -1;
	}
	finite_range(ly ? ly : c->loss, c->n, &b.vy0, &b.vy1);
	if (ly) {
		b.vy0 = floor(b.vy0);
		b.vy1 = ceil(b.vy1);
	}
	plot_open_svg(f, 640, 400, "dnn landscape: the loss along a line through weight space");
	fprintf(f, "<text x=\"320\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">"
		   "loss along (1 - a) MODEL0 + a MODEL</text>\n");
	plot_axes(f, &b, "a", ly ? "loss (log scale)" : "loss", 1, ly != NULL);
	plot_curve(f, &b, c->a, ly ? ly : c->loss, c->n, "stroke=\"#1f77b4\" stroke-width=\"2\"");
	free(ly);
	if (c->acc) {
		acc.vx0 = b.vx0;
		acc.vx1 = b.vx1;
		for (int i = 0; i <= 5; i++) {
			double y = plot_by(&acc, 0.2 * i);

			fprintf(f,
				"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
				"stroke=\"#444\"/><text x=\"%.1f\" y=\"%.1f\">%.1f</text>\n",
				acc.x1, y, acc.x1 + 5, y, acc.x1 + 8, y + 4, 0.2 * i);
		}
		plot_curve(f, &acc, c->a, c->acc, c->n,
		      "stroke=\"#ff7f0e\" stroke-width=\"2\" stroke-dasharray=\"6 3\"");
		fprintf(f,
			"<text x=\"622\" y=\"%.1f\" text-anchor=\"middle\" "
			"transform=\"rotate(90 622 %.1f)\">accuracy</text>\n",
			(b.yt + b.yb) / 2, (b.yt + b.yb) / 2);
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ff7f0e\" "
			"stroke-width=\"2\" stroke-dasharray=\"6 3\"/>"
			"<text x=\"%.1f\" y=\"%.1f\">accuracy</text>\n",
			b.x1 - 110, b.yt + 32, b.x1 - 86, b.yt + 32, b.x1 - 80, b.yt + 36);
	}
	fprintf(f,
		"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#1f77b4\" "
		"stroke-width=\"2\"/><text x=\"%.1f\" y=\"%.1f\">loss</text>\n",
		b.x1 - 110, b.yt + 16, b.x1 - 86, b.yt + 16, b.x1 - 80, b.yt + 20);
	marker(f, &b, 0.0, c->from);
	marker(f, &b, 1.0, c->to);
	fputs("</svg>\n", f);
	return ferror(f) ? -1 : 0;
}

/* The colour of level k of n, from dark blue through green to yellow (the
 * ends and middle of viridis). */
static void level_colour(size_t k, size_t n, char *buf, size_t size)
{
	static const double stops[5][3] = {
	    {68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {220, 200, 30}};
	double t = n > 1 ? (double)k / (double)(n - 1) * 4.0 : 0.0;
	int s = t >= 4.0 ? 3 : (int)t;
	double u = t - s, rgb[3];

	for (int i = 0; i < 3; i++)
		rgb[i] = stops[s][i] + u * (stops[s + 1][i] - stops[s][i]);
	snprintf(buf, size, "#%02x%02x%02x", (unsigned)lround(rgb[0]), (unsigned)lround(rgb[1]),
		 (unsigned)lround(rgb[2]));
}

/* Level k's lines and its label, at the segment nearest a point on a
 * circle around the plot's centre whose angle turns from level to level,
 * so that the labels spread out. */
static int draw_level(FILE *f, const struct plot_box *b, const struct contour_grid *g, double level,
		      size_t k, size_t n_levels, int log_scale)
{
	struct contour_seg *s;
	size_t n, best = 0;
	char colour[8];
	double ang = 0.7 + 2.4 * (double)k, best_d = (double)INFINITY;
	double tx = (b->x0 + b->x1) / 2 + 0.3 * (b->x1 - b->x0) * cos(ang);
	double ty = (b->yt + b->yb) / 2 + 0.3 * (b->yb - b->yt) * sin(ang);

	if (contour_lines(g, level, &s, &n))
		return -1;
	if (n == 0)
		return 0;
	level_colour(k, n_levels, colour, sizeof colour);
	fprintf(f, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" d=\"", colour);
	for (size_t i = 0; i < n; i++) {
		double mx = (plot_bx(b, s[i].x0) + plot_bx(b, s[i].x1)) / 2;
		double my = (plot_by(b, s[i].y0) + plot_by(b, s[i].y1)) / 2;
		double d = (mx - tx) * (mx - tx) + (my - ty) * (my - ty);

		fprintf(f, "M%.1f %.1fL%.1f %.1f", plot_bx(b, s[i].x0), plot_by(b, s[i].y0), plot_bx(b, s[i].x1),
			plot_by(b, s[i].y1));
		if (d < best_d) {
			best_d = d;
			best = i;
		}
	}
	fputs("\"/>\n", f);
	fprintf(f,
		"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"10\" "
		"fill=\"%s\" stroke=\"white\" stroke-width=\"3\" paint-order=\"stroke\">",
		(plot_bx(b, s[best].x0) + plot_bx(b, s[best].x1)) / 2,
		(plot_by(b, s[best].y0) + plot_by(b, s[best].y1)) / 2 + 3, colour);
	fprintf(f, log_scale ? "%.2g</text>\n" : "%.4g</text>\n", level);
	free(s);
	return 0;
}

/* The cross at the grid's least finite value, labelled, and the dot of the
 * model at 0, 0. */
static void draw_points(FILE *f, const struct plot_box *b, const struct plot_contour *c)
{
	size_t best = SIZE_MAX;

	for (size_t i = 0; i < c->nx * c->ny; i++)
		if (isfinite(c->z[i]) && (best == SIZE_MAX || c->z[i] < c->z[best]))
			best = i;
	fprintf(f,
		"<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"black\"/>"
		"<text x=\"%.1f\" y=\"%.1f\">MODEL</text>\n",
		plot_bx(b, 0.0), plot_by(b, 0.0), plot_bx(b, 0.0) + 6, plot_by(b, 0.0) - 6);
	if (best == SIZE_MAX)
		return;
	double x = plot_bx(b, c->x[best % c->nx]), y = plot_by(b, c->y[best / c->nx]);

	fprintf(f,
		"<path d=\"M%.1f %.1fL%.1f %.1fM%.1f %.1fL%.1f %.1f\" stroke=\"#d62728\" "
		"stroke-width=\"2.5\"/><text x=\"%.1f\" y=\"%.1f\" fill=\"#d62728\" "
		"stroke=\"white\" stroke-width=\"3\" paint-order=\"stroke\">min %.4g</text>\n",
		x - 6, y - 6, x + 6, y + 6, x - 6, y + 6, x + 6, y - 6, x + 8, y + 16, c->z[best]);
}

int plot_contour_svg(FILE *f, const struct plot_contour *c)
{
	struct plot_box b = {72,	 72 + 480,	  40,	   40 + 480,
			c->x[0], c->x[c->nx - 1], c->y[0], c->y[c->ny - 1]};
	const struct contour_grid g = {c->x, c->y, c->z, c->nx, c->ny};
	double levels[32];
	int log_scale;
	size_t n = contour_levels(c->z, c->nx * c->ny, 14, levels, &log_scale);
	char note[64];

	plot_open_svg(f, 600, 580, c->title);
	fprintf(f, "<text x=\"312\" y=\"24\" text-anchor=\"middle\" font-size=\"14\">%s</text>\n",
		c->title);
	plot_axes(f, &b, c->x_label, c->y_label, 0, 0);
	for (size_t k = 0; k < n; k++)
		if (draw_level(f, &b, &g, levels[k], k, n, log_scale)) {
			errno = ENOMEM;
			return -1;
		}
	draw_points(f, &b, c);
	snprintf(note, sizeof note, "%zu contour levels of the loss, %s scale", n,
		 log_scale ? "log" : "linear");
	fprintf(f, "<text x=\"552\" y=\"575\" text-anchor=\"end\" font-size=\"10\">%s</text>\n",
		note);
	fputs("</svg>\n", f);
	return ferror(f) ? -1 : 0;
}
