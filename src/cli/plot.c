/* The SVG images dnn draws itself (plot.h): the training curves, panel by
 * panel, and a line chart. */
#include "plot.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "plot_util.h"
#include "util.h"

/* Geometry of one panel, in SVG user units. */
#define WIDTH 640
#define PANEL_H 320
#define LEFT 72
#define RIGHT 24
#define TOP 36
#define BOTTOM 52

int plot_ticks(double lo, double hi, int max_ticks, double *first, double *step)
{
	double span = hi - lo, raw, mag;
	static const double mult[] = {1, 2, 5, 10};
	int n;

	if (!(span > 0.0) || max_ticks < 2) {
		*first = lo;
		*step = 1.0;
		return 1;
	}
	raw = span / (double)(max_ticks - 1);
	mag = pow(10.0, floor(log10(raw)));
	for (size_t i = 0; i < 4; i++) {
		*step = mult[i] * mag;
		if (*step >= raw)
			break;
	}
	*first = ceil(lo / *step - 1e-9) * *step;
	n = (int)floor((hi - *first) / *step + 1e-9) + 1;
	return n;
}

/* One series of an epoch field. */
struct series {
	const char *name, *color, *dash;
	size_t off; /* offset of the double in struct dnn_epoch */
};

static double field(const struct dnn_epoch *ep, size_t off)
{
	double v;

	memcpy(&v, (const char *)ep + off, sizeof v);
	return v;
}

/* The range of the finite values of the series; 0 when there are none. */
static int value_range(const struct dnn_history *h, const struct series *s, size_t n_s, double *lo,
		       double *hi)
{
	int any = 0;

	*lo = (double)INFINITY;
	*hi = -(double)INFINITY;
	for (size_t k = 0; k < n_s; k++)
		for (size_t i = 0; i < h->n; i++) {
			double v = field(&h->epochs[i], s[k].off);

			if (isfinite(v)) {
				*lo = fmin(*lo, v);
				*hi = fmax(*hi, v);
				any = 1;
			}
		}
	return any;
}

/* A number for a tick label: up to 4 significant digits, no "-0". */
static void tick_label(char *buf, size_t size, double v, double step)
{
	if (fabs(v) < step * 1e-6)
		v = 0.0;
	snprintf(buf, size, "%.4g", v);
}

/* A panel's frame in SVG units and the ranges it maps: epochs [elo, ehi]
 * across x0..x1, values [vlo, vhi] up yb..yt. */
struct frame {
	double x0, x1, yt, yb;
	double elo, ehi, vlo, vhi;
};

static double px(const struct frame *fr, double ep)
{
	return fr->x0 + (ep - fr->elo) / (fr->ehi - fr->elo) * (fr->x1 - fr->x0);
}

static double py(const struct frame *fr, double v)
{
	return fr->yb - (v - fr->vlo) / (fr->vhi - fr->vlo) * (fr->yb - fr->yt);
}

/* The frame of the panel at vertical offset y0: the value axis covers the
 * series' finite values (and 0, or up to 1 with unit_range), rounded out to
 * whole ticks. */
static struct frame panel_frame(int y0, const struct dnn_history *h, const struct series *s,
				size_t n_s, int unit_range, double ehi)
{
	struct frame fr = {LEFT,     WIDTH - RIGHT,
			   y0 + TOP, y0 + PANEL_H - BOTTOM,
			   1.0,	     ehi > 1.0 ? ehi : 2.0,
			   0.0,	     1.0};
	double first, step;

	if (!value_range(h, s, n_s, &fr.vlo, &fr.vhi)) {
		fr.vlo = 0.0;
		fr.vhi = 1.0;
	}
	if (unit_range) {
		fr.vlo = fmin(fr.vlo, 1.0);
		fr.vhi = 1.0;
	} else {
		fr.vlo = fmin(fr.vlo, 0.0) < 0.0 ? fr.vlo : 0.0;
	}
	if (!(fr.vhi > fr.vlo))
		fr.vhi = fr.vlo + 1.0;
	plot_ticks(fr.vlo, fr.vhi, 6, &first, &step);
	fr.vlo = floor(fr.vlo / step + 1e-9) * step;
	fr.vhi = ceil(fr.vhi / step - 1e-9) * step;
	if (!(fr.vhi > fr.vlo))
		fr.vhi = fr.vlo + step;
	return fr;
}

/* The frame, the value ticks with their grid lines, the epoch ticks (whole
 * epochs only) and the axis labels. */
static void panel_axes(FILE *f, const struct frame *fr, const char *ylabel)
{
	double first, step;
	char buf[32];
	int nt;

	fprintf(f,
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
		"stroke=\"#444\"/>\n",
		fr->x0, fr->yt, fr->x1 - fr->x0, fr->yb - fr->yt);
	nt = plot_ticks(fr->vlo, fr->vhi, 6, &first, &step);
	for (int i = 0; i < nt; i++) {
		double v = first + (double)i * step, y = py(fr, v);

		tick_label(buf, sizeof buf, v, step);
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
			fr->x0, y, fr->x1, y);
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n",
			fr->x0 - 5, y, fr->x0, y);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
			fr->x0 - 8, y + 4, buf);
	}
	nt = plot_ticks(fr->elo, fr->ehi, 8, &first, &step);
	if (step < 1.0) {
		step = 1.0;
		first = fr->elo;
		nt = (int)(fr->ehi - fr->elo) + 1;
	}
	for (int i = 0; i < nt; i++) {
		double ep = first + (double)i * step, x = px(fr, ep);

		tick_label(buf, sizeof buf, ep, step);
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n",
			x, fr->yb, x, fr->yb + 5);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", x,
			fr->yb + 20, buf);
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">epoch</text>\n",
		(fr->x0 + fr->x1) / 2, fr->yb + 42);
	fprintf(f,
		"<text x=\"%d\" y=\"%.1f\" text-anchor=\"middle\" "
		"transform=\"rotate(-90 %d %.1f)\">%s</text>\n",
		18, (fr->yt + fr->yb) / 2, 18, (fr->yt + fr->yb) / 2, ylabel);
}

/* The curves, a polyline per run of finite values, and the legend (top
 * right) for the series that have values. */
static void panel_curves(FILE *f, const struct frame *fr, const struct dnn_history *h,
			 const struct series *s, size_t n_s)
{
	for (size_t k = 0; k < n_s; k++) {
		int open = 0;

		for (size_t i = 0; i < h->n; i++) {
			double v = field(&h->epochs[i], s[k].off);

			if (!isfinite(v)) {
				if (open)
					fputs("\"/>\n", f);
				open = 0;
				continue;
			}
			if (!open)
				fprintf(
				    f,
				    "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s "
				    "points=\"",
				    s[k].color, s[k].dash);
			fprintf(f, "%s%.2f,%.2f", open ? " " : "",
				px(fr, (double)h->epochs[i].epoch), py(fr, v));
			open = 1;
		}
		if (open)
			fputs("\"/>\n", f);
	}
	for (size_t k = 0, row = 0; k < n_s; k++) {
		double lo, hi, y = fr->yt + 16 + 18 * (double)row;

		if (!value_range(h, &s[k], 1, &lo, &hi))
			continue;
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
			"stroke-width=\"2\"%s/>\n",
			fr->x1 - 120, y - 4, fr->x1 - 96, y - 4, s[k].color, s[k].dash);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", fr->x1 - 90, y, s[k].name);
		row++;
	}
}

/* One panel at vertical offset y0: frame, grid, ticks, labels, curves and
 * legend; the epochs run from 1 to ehi. */
static void panel(FILE *f, int y0, const struct dnn_history *h, const struct series *s, size_t n_s,
		  const char *ylabel, int unit_range, double ehi)
{
	struct frame fr = panel_frame(y0, h, s, n_s, unit_range, ehi);

	fputs("<g class=\"panel\">\n", f);
	panel_axes(f, &fr, ylabel);
	panel_curves(f, &fr, h, s, n_s);
	fputs("</g>\n", f);
}

/* The sharpness panel at vertical offset y0: lambda_max and the stability
 * line at the epochs measured, as a history whose loss is lambda_max and
 * val_loss the line. Returns 0, or -1 when out of memory. */
static int sharp_panel(FILE *f, int y0, const struct plot_sharpness *sh, double ehi)
{
	struct series sharp[] = {
	    {"lambda_max", "#2ca02c", "", offsetof(struct dnn_epoch, loss)},
	    {sh->label ? sh->label : "", "#d62728", " stroke-dasharray=\"6 3\"",
	     offsetof(struct dnn_epoch, val_loss)},
	};
	struct dnn_history h = {0};

	h.epochs = util_calloc_array(sh->n ? sh->n : 1, sizeof *h.epochs);
	if (!h.epochs)
		return -1;
	for (size_t i = 0; i < sh->n; i++) {
		h.epochs[i].epoch = sh->epoch[i];
		h.epochs[i].loss = sh->lmax[i];
		h.epochs[i].val_loss = sh->limit[i];
	}
	h.n = sh->n;
	fprintf(f,
		"<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"14\">sharpness: "
		"lambda_max of the Hessian%s%s</text>\n",
		WIDTH / 2, y0 + 22, sh->label ? ", and the stability line " : "",
		sh->label ? sh->label : "");
	panel(f, y0, &h, sharp, sh->label ? 2 : 1, "lambda_max", 0, ehi);
	free(h.epochs);
	return 0;
}

int plot_svg(FILE *f, const struct dnn_history *h, int classification)
{
	return plot_svg_sharp(f, h, classification, NULL);
}

int plot_svg_sharp(FILE *f, const struct dnn_history *h, int classification,
		   const struct plot_sharpness *sh)
{
	static const struct series loss[] = {
	    {"loss", "#1f77b4", "", offsetof(struct dnn_epoch, loss)},
	    {"val_loss", "#ff7f0e", " stroke-dasharray=\"6 3\"",
	     offsetof(struct dnn_epoch, val_loss)},
	};
	static const struct series acc[] = {
	    {"accuracy", "#1f77b4", "", offsetof(struct dnn_epoch, accuracy)},
	    {"val_accuracy", "#ff7f0e", " stroke-dasharray=\"6 3\"",
	     offsetof(struct dnn_epoch, val_accuracy)},
	};
	int panels = 1 + (classification != 0) + (sh != NULL), height = panels * PANEL_H;
	double ehi = (double)h->n;

	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
		WIDTH, height, WIDTH, height);
	fprintf(f, "<title>dnn training: %s against epoch</title>\n",
		classification ? "loss and accuracy" : "loss");
	fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", WIDTH, height);
	fprintf(f, "<text x=\"%d\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">loss</text>\n",
		WIDTH / 2);
	panel(f, 0, h, loss, 2, "loss", 0, ehi);
	if (classification) {
		fprintf(f,
			"<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
			"font-size=\"14\">accuracy</text>\n",
			WIDTH / 2, PANEL_H + 22);
		panel(f, PANEL_H, h, acc, 2, "accuracy", 1, ehi);
	}
	if (sh && sharp_panel(f, (panels - 1) * PANEL_H, sh, ehi)) {
		errno = ENOMEM;
		return -1;
	}
	fputs("</svg>\n", f);
	return ferror(f) ? -1 : 0;
}

int plot_history(struct dnn_afile *af, const struct dnn_history *h, int classification,
		 const struct plot_sharpness *sh, struct dnn_error *e)
{
	if (plot_svg_sharp(af->f, h, classification, sh) != 0)
		return dnn_error_set(e, DNN_EX_IO, NULL, 0, 0, "write error on '%s': %s", af->path,
				     strerror(errno));
	return 0;
}

/* Geometry of the line chart. */
#define LC_W 640.0
#define LC_H 400.0
#define LC_L 70.0
#define LC_R 20.0
#define LC_T 20.0
#define LC_B 50.0

int plot_line_svg(FILE *f, const struct plot_line *c)
{
	const double W = LC_W, H = LC_H, L = LC_L, R = LC_R, T = LC_T, B = LC_B;
	double x0 = c->x[0], x1 = c->x[c->n - 1], y0 = (double)INFINITY, y1 = -(double)INFINITY;

	for (size_t k = 0; k < c->n; k++)
		if (isfinite(c->y[k])) {
			y0 = fmin(y0, c->y[k]);
			y1 = fmax(y1, c->y[k]);
		}
	if (!(y1 > y0))
		y1 = y0 + 1.0;
	if (!(x1 > x0))
		x1 = x0 + 1.0;
#define PX(v) (L + ((v)-x0) / (x1 - x0) * (W - L - R))
#define PY(v) (T + (y1 - (v)) / (y1 - y0) * (H - T - B))
	fprintf(f,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" "
		"font-family=\"sans-serif\" font-size=\"12\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
		"<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"none\" "
		"stroke=\"black\"/>\n",
		W, H, L, T, W - L - R, H - T - B);
	/* A tick and a grid line at every whole x: a power of ten, 1eK. */
	for (double d = ceil(x0); d <= floor(x1); d += 1.0)
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%g\" x2=\"%.1f\" y2=\"%g\" stroke=\"#ddd\"/>"
			"<text x=\"%.1f\" y=\"%g\" text-anchor=\"middle\">1e%d</text>\n",
			PX(d), T, PX(d), H - B, PX(d), H - B + 16, (int)d);
	fprintf(f, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">%s</text>\n",
		L + (W - L - R) / 2, H - 12, c->x_label);
	fprintf(f, "<text x=\"%g\" y=\"%g\" text-anchor=\"end\">%.4g</text>\n", L - 4, T + 10, y1);
	fprintf(f, "<text x=\"%g\" y=\"%g\" text-anchor=\"end\">%.4g</text>\n", L - 4, H - B, y0);
	fputs("<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"", f);
	for (size_t k = 0; k < c->n; k++)
		if (isfinite(c->y[k]))
			fprintf(f, "%.1f,%.1f ", PX(c->x[k]), PY(c->y[k]));
	fputs("\"/>\n", f);
	if (c->mark_label && c->mark >= x0)
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%g\" x2=\"%.1f\" y2=\"%g\" stroke=\"#d62728\" "
			"stroke-dasharray=\"4\"/><text x=\"%.1f\" y=\"%g\" fill=\"#d62728\">"
			"%s %.3g</text>\n",
			PX(c->mark), T, PX(c->mark), H - B, PX(c->mark) + 4, T + 14, c->mark_label,
			c->mark_value);
	fputs("</svg>\n", f);
#undef PX
#undef PY
	return ferror(f) ? -1 : 0;
}

/* Geometry of the density chart. */
#define DC_W 640.0
#define DC_H 400.0
#define DC_L 70.0
#define DC_R 20.0
#define DC_T 36.0
#define DC_B 50.0

/* The y range of the density chart in decades: from floor(log10 of the
 * largest value) + 1 down `decades`, values below it drawn at the bottom. */
static void density_decades(const struct plot_density *c, double *d0, double *d1)
{
	double top = 0.0;

	for (size_t k = 0; k < c->n; k++)
		if (isfinite(c->y[k]))
			top = fmax(top, c->y[k]);
	*d1 = top > 0.0 ? ceil(log10(top)) : 0.0;
	*d0 = *d1 - (double)c->decades;
}

/* The x ticks (eigenvalues) and the y ticks (decades, labelled 1eK). */
static void density_axes(FILE *f, const struct plot_density *c, double d0, double d1)
{
	const double W = DC_W, H = DC_H, L = DC_L, R = DC_R, T = DC_T, B = DC_B;
	double x0 = c->x[0], x1 = c->x[c->n - 1], first, step;
	char buf[32];
	int nt = plot_ticks(x0, x1, 8, &first, &step);

	for (int i = 0; i < nt; i++) {
		double v = first + (double)i * step, x = L + (v - x0) / (x1 - x0) * (W - L - R);

		tick_label(buf, sizeof buf, v, step);
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%g\" x2=\"%.1f\" y2=\"%g\" stroke=\"#ddd\"/>"
			"<text x=\"%.1f\" y=\"%g\" text-anchor=\"middle\">%s</text>\n",
			x, T, x, H - B, x, H - B + 16, buf);
	}
	for (double d = d0; d <= d1; d += 1.0) {
		double y = T + (d1 - d) / (d1 - d0) * (H - T - B);

		fprintf(f,
			"<line x1=\"%g\" y1=\"%.1f\" x2=\"%g\" y2=\"%.1f\" stroke=\"#ddd\"/>"
			"<text x=\"%g\" y=\"%.1f\" text-anchor=\"end\">1e%d</text>\n",
			L, y, W - R, y, L - 4, y + 4, (int)d);
	}
	fprintf(f, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">%s</text>\n",
		L + (W - L - R) / 2, H - 12, c->x_label);
	fprintf(f,
		"<text x=\"16\" y=\"%g\" text-anchor=\"middle\" transform=\"rotate(-90 16 "
		"%g)\">density</text>\n",
		T + (H - T - B) / 2, T + (H - T - B) / 2);
}

int plot_density_svg(FILE *f, const struct plot_density *c)
{
	const double W = DC_W, H = DC_H, L = DC_L, R = DC_R, T = DC_T, B = DC_B;
	double x0 = c->x[0], x1 = c->x[c->n - 1], d0, d1;

	if (!(x1 > x0))
		x1 = x0 + 1.0;
	density_decades(c, &d0, &d1);
	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" "
		"viewBox=\"0 0 %g %g\" font-family=\"sans-serif\" font-size=\"12\">\n"
		"<title>%s</title>\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
		"<text x=\"%g\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">%s</text>\n",
		W, H, W, H, c->title, L + (W - L - R) / 2, c->title);
	if (c->note)
		fprintf(f, "<text x=\"%g\" y=\"%g\" text-anchor=\"end\" fill=\"#444\">%s</text>\n",
			W - R - 6, T + 16, c->note);
	density_axes(f, c, d0, d1);
	fprintf(f,
		"<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"none\" "
		"stroke=\"#444\"/>\n",
		L, T, W - L - R, H - T - B);
	if (x0 < 0.0 && x1 > 0.0)
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%g\" x2=\"%.1f\" y2=\"%g\" stroke=\"#d62728\" "
			"stroke-dasharray=\"4\"/>\n",
			L + (0.0 - x0) / (x1 - x0) * (W - L - R), T,
			L - x0 / (x1 - x0) * (W - L - R), H - B);
	fputs("<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"", f);
	for (size_t k = 0; k < c->n; k++) {
		double v = c->y[k] > 0.0 ? fmax(log10(c->y[k]), d0) : d0;

		if (isfinite(c->y[k]))
			fprintf(f, "%.1f,%.1f ", L + (c->x[k] - x0) / (x1 - x0) * (W - L - R),
				T + (d1 - v) / (d1 - d0) * (H - T - B));
	}
	fputs("\"/>\n</svg>\n", f);
	return ferror(f) ? -1 : 0;
}

void plot_put_text(FILE *f, const char *s)
{
	for (size_t i = 0; s[i] && i < 40; i++)
		switch (s[i]) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: putc(s[i], f);
		}
}

#define SC_W 300.0
#define SC_H 240.0
#define SC_L 56.0
#define SC_R 14.0
#define SC_T 26.0
#define SC_B 42.0

/* The range of the finite values of v[0 .. n) (of log10 v with log_v), or
 * [0, 1] when there is none, widened when it is a point. */
static void finite_range(const double *v, size_t n, int log_v, double *lo, double *hi)
{
	*lo = (double)INFINITY;
	*hi = -(double)INFINITY;
	for (size_t i = 0; i < n; i++) {
		double x = log_v ? log10(v[i]) : v[i];

		if (isfinite(x)) {
			*lo = fmin(*lo, x);
			*hi = fmax(*hi, x);
		}
	}
	if (!(*hi >= *lo)) {
		*lo = 0.0;
		*hi = 1.0;
	}
	if (!(*hi > *lo)) {
		*lo -= 0.5;
		*hi += 0.5;
	}
}

/* Panel p with its top left corner at (ox, oy). */
static void scatter_panel(FILE *f, const struct plot_scatter *p, double ox, double oy,
			  const char *y_label)
{
	double x0, x1, y0, y1, first, step;
	const double L = ox + SC_L, R = ox + SC_W - SC_R, T = oy + SC_T, B = oy + SC_H - SC_B;

	if (p->n_cats) {
		x0 = -0.5;
		x1 = (double)p->n_cats - 0.5;
	} else {
		finite_range(p->x, p->n, p->log_x, &x0, &x1);
	}
	finite_range(p->y, p->n, 0, &y0, &y1);
#define SX(v) (L + ((v)-x0) / (x1 - x0) * (R - L))
#define SY(v) (B - ((v)-y0) / (y1 - y0) * (B - T))
	fprintf(f, "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"none\" "
		   "stroke=\"black\"/>\n<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">",
		L, T, R - L, B - T, (L + R) / 2, oy + 16);
	plot_put_text(f, p->title);
	fprintf(f, "%s</text>\n", p->log_x ? " (log)" : "");
	fprintf(f, "<text x=\"%g\" y=\"%g\" text-anchor=\"end\">%.4g</text>\n", L - 4, T + 10,
		y1);
	fprintf(f, "<text x=\"%g\" y=\"%g\" text-anchor=\"end\">%.4g</text>\n", L - 4, B, y0);
	fprintf(f,
		"<text x=\"%g\" y=\"%g\" text-anchor=\"middle\" transform=\"rotate(-90 %g %g)\">"
		"%s</text>\n",
		ox + 14, (T + B) / 2, ox + 14, (T + B) / 2, y_label);
	if (p->n_cats) {
		for (size_t c = 0; c < p->n_cats; c++) {
			fprintf(f, "<text x=\"%.1f\" y=\"%g\" text-anchor=\"middle\" "
				   "font-size=\"10\">",
				SX((double)c), B + 14);
			plot_put_text(f, p->cats[c]);
			fputs("</text>\n", f);
		}
	} else {
		int nt = plot_ticks(x0, x1, 4, &first, &step);

		for (int k = 0; k < nt; k++) {
			double v = first + k * step;

			fprintf(f, "<text x=\"%.1f\" y=\"%g\" text-anchor=\"middle\" "
				   "font-size=\"10\">",
				SX(v), B + 14);
			if (p->log_x)
				fprintf(f, "%.3g</text>\n", pow(10.0, v));
			else
				fprintf(f, "%.4g</text>\n", fabs(v) < step * 1e-6 ? 0.0 : v);
		}
	}
	for (size_t i = 0; i < p->n; i++) {
		double x = p->log_x ? log10(p->x[i]) : p->x[i];

		if (isfinite(x) && isfinite(p->y[i]))
			fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#1f77b4\" "
				   "fill-opacity=\"0.6\"/>\n",
				SX(x), SY(p->y[i]));
	}
#undef SX
#undef SY
}

int plot_scatter_svg(FILE *f, const struct plot_scatter *p, size_t n, const char *y_label)
{
	size_t cols = n < 3 ? n : 3, rows = (n + 2) / 3;

	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" "
		"font-family=\"sans-serif\" font-size=\"12\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
		SC_W * (double)(cols ? cols : 1), SC_H * (double)(rows ? rows : 1));
	for (size_t k = 0; k < n; k++)
		scatter_panel(f, &p[k], SC_W * (double)(k % 3), SC_H * (double)(k / 3), y_label);
	fputs("</svg>\n", f);
	return ferror(f) ? -1 : 0;
}
