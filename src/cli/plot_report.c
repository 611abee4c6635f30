/* dnn eval's report page (plot_report.h): the confusion heat map, the ROC,
 * precision-recall and reliability panels of a classification, the scatter
 * panels of a regression, two panels a row. */
#include "plot_report.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "plot.h"
#include "plot_util.h"

/* A panel's size, the page's width and its heading's height. */
#define PW 480.0
#define PH 420.0
#define HEAD 44.0
/* The most points a scatter panel draws. */
#define MAX_POINTS 2000

static const char *const colours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
				      "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

/* Bytes [from, to) of s as SVG text: &, <, > and quotes escaped, control
 * characters (which XML does not allow) shown as \xNN. */
static void put_span(FILE *f, const char *s, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '&')
			fputs("&amp;", f);
		else if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '"')
			fputs("&quot;", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			putc(c, f);
	}
}

/* The name s as SVG text (put_span), at most about max bytes: a longer
 * one keeps its start and its end, "..." between them (cut at characters),
 * so that names alike but for their ends stay apart. */
static void put_name(FILE *f, const char *s, size_t max)
{
	size_t n = strlen(s), head, tail, lead = n;

	/* Not an incomplete character at the end (a name cut by snprintf). */
	while (lead > 0 && n - lead < 4 && ((unsigned char)s[lead - 1] & 0xC0) == 0x80)
		lead--;
	if (lead > 0 && (unsigned char)s[lead - 1] >= 0xC0) {
		unsigned char c = (unsigned char)s[lead - 1];
		size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;

		if (lead - 1 + len > n)
			n = lead - 1;
	}
	if (n <= max || max < 8) {
		put_span(f, s, 0, n);
		return;
	}
	head = (max - 3) / 2;
	tail = n - (max - 3 - head);
	while (head > 0 && ((unsigned char)s[head] & 0xC0) == 0x80)
		head--;
	while (tail < n && ((unsigned char)s[tail] & 0xC0) == 0x80)
		tail++;
	put_span(f, s, 0, head);
	fputs("...", f);
	put_span(f, s, tail, n);
}

/* A figure as text: 3 decimals, or "n/a" when it is not defined. */
static void figure(char *buf, size_t size, double v)
{
	if (isfinite(v))
		snprintf(buf, size, "%.4f", v);
	else
		snprintf(buf, size, "n/a");
}

/* The page's heading and a panel's title at (ox, oy), with a note under
 * it. */
static void heading(FILE *f, const char *title, double w)
{
	fputs("<text x=\"16\" y=\"26\" font-size=\"16\" font-weight=\"bold\">dnn eval: ", f);
	put_name(f, title, 100);
	fprintf(f, "</text>\n<line x1=\"0\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"#ccc\"/>\n",
		HEAD - 6, w, HEAD - 6);
}

static void panel_title(FILE *f, double ox, double oy, const char *title, const char *note)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"14\" font-weight=\"bold\">%s</text>\n",
		ox + 16, oy + 18, title);
	if (note) {
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#555\">", ox + 16, oy + 34);
		put_name(f, note, 100);
		fputs("</text>\n", f);
	}
}

/* The shade of a fraction v in [0, 1]: white to dark blue. */
static void shade(char *buf, size_t size, double v)
{
	double t = isfinite(v) ? fmin(fmax(v, 0.0), 1.0) : 0.0;

	snprintf(buf, size, "#%02x%02x%02x", (unsigned)lround(255 - t * (255 - 8)),
		 (unsigned)lround(255 - t * (255 - 48)), (unsigned)lround(255 - t * (255 - 107)));
}

/* The class names along the heat map's axes (cells of size cell from
 * (x0, y0)), when there is room for them. */
static void matrix_names(FILE *f, const struct plot_report_class *r, double x0, double y0,
			 double cell)
{
	double fs = fmin(11.0, cell * 0.8), side = cell * (double)r->k;

	if (cell < 7.0) {
		fprintf(f,
			"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#555\">"
			"%zu classes, in order</text>\n",
			x0 + side / 2, y0 + side + 16, r->k);
	} else {
		for (size_t c = 0; c < r->k; c++) {
			double at = (double)c * cell + cell / 2;

			fprintf(
			    f,
			    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"%.1f\">",
			    x0 - 4, y0 + at + fs / 3, fs);
			put_name(f, r->names[c], 14);
			fprintf(f,
				"</text>\n<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" "
				"font-size=\"%.1f\" transform=\"rotate(-45 %.1f %.1f)\">",
				x0 + at + fs / 3, y0 + side + 6, fs, x0 + at + fs / 3,
				y0 + side + 6);
			put_name(f, r->names[c], 14);
			fputs("</text>\n", f);
		}
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">predicted</text>\n",
		x0 + side / 2, y0 + side + 84);
	fprintf(f,
		"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
		"transform=\"rotate(-90 %.1f %.1f)\">true</text>\n",
		x0 - 92, y0 + side / 2, x0 - 92, y0 + side / 2);
}

/* The heat map: cell (t, p) shaded by its share of class t's rows, with
 * its count up to PLOT_REPORT_MAX_COUNTS classes. */
static void matrix_panel(FILE *f, const struct plot_report_class *r, double ox, double oy)
{
	double x0 = ox + 120, y0 = oy + 48, side = 270, cell = side / (double)r->k;
	char fill[16], num[32];

	panel_title(f, ox, oy, "confusion matrix",
		    "rows: true class, shaded by the share of its rows");
	if (!r->confusion) {
		fprintf(f,
			"<text x=\"%.1f\" y=\"%.1f\">%zu classes, too many for a matrix: eval's "
			"table lists</text>\n<text x=\"%.1f\" y=\"%.1f\">the largest confusions "
			"instead</text>\n",
			ox + 16, y0 + 40, r->k, ox + 16, y0 + 58);
		return;
	}
	for (size_t t = 0; t < r->k; t++) {
		double row = 0.0;

		for (size_t p = 0; p < r->k; p++)
			row += r->confusion[t * r->k + p];
		for (size_t p = 0; p < r->k; p++) {
			double v = r->confusion[t * r->k + p], frac = row > 0.0 ? v / row : 0.0;

			shade(fill, sizeof fill, frac);
			fprintf(f,
				"<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
				"fill=\"%s\"/>\n",
				x0 + (double)p * cell, y0 + (double)t * cell, cell, cell, fill);
			if (r->k > PLOT_REPORT_MAX_COUNTS)
				continue;
			snprintf(num, sizeof num, r->weighted ? "%.3g" : "%.0f", v);
			fprintf(f,
				"<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\" "
				"font-size=\"%.1f\" fill=\"%s\">%s</text>\n",
				x0 + ((double)p + 0.5) * cell, y0 + ((double)t + 0.5) * cell + 4,
				fmin(12.0, cell * 0.4), frac > 0.5 ? "white" : "#222", num);
		}
	}
	fprintf(f,
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"%g\" height=\"%g\" fill=\"none\" "
		"stroke=\"#444\"/>\n",
		x0, y0, side, side);
	matrix_names(f, r, x0, y0, cell);
}

/* The unit square's plot area of the panel at (ox, oy). */
static struct plot_box unit_box(double ox, double oy)
{
	return (struct plot_box){ox + 72, ox + PW - 28, oy + 48, oy + PH - 60, 0, 1, 0, 1};
}

/* The dashed diagonal from (x0, y0) to (x1, y1) in b. */
static void dashed(FILE *f, const struct plot_box *b, double x0, double y0, double x1, double y1)
{
	fprintf(f,
		"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\" "
		"stroke-dasharray=\"5 4\"/>\n",
		plot_bx(b, x0), plot_by(b, y0), plot_bx(b, x1), plot_by(b, y1));
}

/* A polyline of n points in b, without the points within half a unit of
 * the last one drawn (the last point always drawn); steps: a step after
 * each point (x[i], y[i]) to the next x. */
static void path(FILE *f, const struct plot_box *b, const double *x, const double *y, size_t n,
		 int steps, const char *colour)
{
	double lx = -1e9, ly = -1e9;

	fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.8\" points=\"", colour);
	for (size_t i = 0; i < n; i++) {
		for (int s = 0; s < (steps && i + 1 < n ? 2 : 1); s++) {
			double sx = plot_bx(b, s ? x[i + 1] : x[i]), sy = plot_by(b, y[i]);

			if (fabs(sx - lx) + fabs(sy - ly) < 0.5 && i + 1 < n)
				continue;
			fprintf(f, "%s%.2f,%.2f", lx < -1e8 ? "" : " ", sx, sy);
			lx = sx;
			ly = sy;
		}
	}
	fputs("\"/>\n", f);
}

/* The number of points of the lines (n_curves of them) that fall in the
 * w x h rectangle at (x, y) of b. */
static size_t covered(const struct plot_box *b, const struct curves_line *l, size_t n_curves,
		      double x, double y, double w, double h)
{
	size_t n = 0;

	for (size_t j = 0; j < n_curves; j++)
		for (size_t i = 0; i < l[j].n; i++) {
			double px = plot_bx(b, l[j].x[i]), py = plot_by(b, l[j].y[i]);

			n += px >= x && px <= x + w && py >= y && py <= y + h;
		}
	return n;
}

/* The legend of the curves l: name and the figure label (AUC or AP) of
 * each, in the corner of the box (bottom right, bottom left, top right,
 * top left, first in the order from `first`) that the fewest points of the
 * curves fall in. */
static void legend(FILE *f, const struct plot_box *b, const struct plot_report_class *r,
		   const struct curves_line *l, const double *v, const char *label, int first)
{
	double h = 16.0 * (double)r->n_curves + 8, w = 224, x = 0, y = 0;
	size_t best = SIZE_MAX;
	char num[32];

	for (int k = 0; k < 4; k++) {
		int c = (first + k) % 4;
		double cx = c % 2 ? b->x0 + 8 : b->x1 - w - 8,
		       cy = c < 2 ? b->yb - h - 8 : b->yt + 8;
		size_t n = covered(b, l, r->n_curves, cx, cy, w, h);

		if (n < best) {
			best = n;
			x = cx;
			y = cy;
		}
	}
	fprintf(f,
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"%g\" height=\"%g\" fill=\"white\" "
		"fill-opacity=\"0.85\" stroke=\"#ccc\"/>\n",
		x, y, w, h);
	for (size_t j = 0; j < r->n_curves; j++) {
		double ly = y + 16.0 * (double)j + 16;

		figure(num, sizeof num, v[j]);
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
			"stroke-width=\"2\"/><text x=\"%.1f\" y=\"%.1f\">",
			x + 6, ly - 4, x + 24, ly - 4, colours[j % 10], x + 30, ly);
		put_name(f, r->curve_names[j], 16);
		fprintf(f, "</text><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s %s</text>\n",
			x + w - 6, ly, label, num);
	}
}

/* The ROC panel: each curve, the chance diagonal, the AUCs. */
static void roc_panel(FILE *f, const struct plot_report_class *r, double ox, double oy)
{
	struct plot_box b = unit_box(ox, oy);

	panel_title(f, ox, oy, "ROC", r->curve_note);
	plot_axes(f, &b, "false positive rate", "true positive rate", 1, 0);
	dashed(f, &b, 0, 0, 1, 1);
	for (size_t j = 0; j < r->n_curves; j++)
		if (r->roc[j].n)
			path(f, &b, r->roc[j].x, r->roc[j].y, r->roc[j].n, 0, colours[j % 10]);
	legend(f, &b, r, r->roc, r->auc, "AUC", 0);
}

/* The precision-recall panel: each curve as steps from recall 0, the
 * average precisions. */
static void pr_panel(FILE *f, const struct plot_report_class *r, double ox, double oy)
{
	struct plot_box b = unit_box(ox, oy);

	panel_title(f, ox, oy, "precision-recall", r->curve_note);
	plot_axes(f, &b, "recall", "precision", 1, 0);
	for (size_t j = 0; j < r->n_curves; j++) {
		const struct curves_line *l = &r->pr[j];

		if (!l->n)
			continue;
		fprintf(f,
			"<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\" "
			"stroke-width=\"1.8\"/>\n",
			plot_bx(&b, 0), plot_by(&b, l->y[0]), plot_bx(&b, l->x[0]),
			plot_by(&b, l->y[0]), colours[j % 10]);
		path(f, &b, l->x, l->y, l->n, 1, colours[j % 10]);
	}
	legend(f, &b, r, r->pr, r->ap, "AP", 1);
}

/* The reliability panel: each non-empty bin's mean probability against
 * its observed frequency, the diagonal, the bins' shares of the rows as
 * bars (a quarter of the height: every row), the ECE. */
static void reliability_panel(FILE *f, const struct plot_report_class *r, double ox, double oy)
{
	struct plot_box b = unit_box(ox, oy);
	double total = 0.0, step = 1.0 / (double)r->n_bins;
	char num[32], title[48];

	snprintf(title, sizeof title, "reliability (%zu bins)", r->n_bins);
	panel_title(f, ox, oy, title,
		    "bars: each bin's share of the rows (all of them: 0.25 high)");
	plot_axes(f, &b, r->cal_label, "observed frequency", 1, 0);
	for (size_t i = 0; i < r->n_bins; i++)
		total += r->bins[i].w;
	for (size_t i = 0; i < r->n_bins && total > 0.0; i++) {
		double h = r->bins[i].w / total * 0.25;

		fprintf(f,
			"<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
			"fill=\"#c6dbef\"/>\n",
			plot_bx(&b, (double)i * step) + 1, plot_by(&b, h),
			plot_bx(&b, step) - plot_bx(&b, 0) - 2, plot_by(&b, 0) - plot_by(&b, h));
	}
	dashed(f, &b, 0, 0, 1, 1);
	fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.8\" points=\"",
		colours[0]);
	for (size_t i = 0, any = 0; i < r->n_bins; i++)
		if (r->bins[i].w > 0.0)
			fprintf(f, "%s%.2f,%.2f", any++ ? " " : "", plot_bx(&b, r->bins[i].conf),
				plot_by(&b, r->bins[i].freq));
	fputs("\"/>\n", f);
	for (size_t i = 0; i < r->n_bins; i++)
		if (r->bins[i].w > 0.0)
			fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3\" fill=\"%s\"/>\n",
				plot_bx(&b, r->bins[i].conf), plot_by(&b, r->bins[i].freq),
				colours[0]);
	figure(num, sizeof num, r->ece);
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\">ECE %s</text>\n", b.x0 + 10,
		b.yt + 20, num);
}

int plot_report_class_svg(FILE *f, const struct plot_report_class *r)
{
	double w = 2 * PW, h = HEAD + 2 * PH;

	plot_open_svg(f, w, h, "dnn eval report");
	heading(f, r->title, w);
	matrix_panel(f, r, 0, HEAD);
	roc_panel(f, r, PW, HEAD);
	pr_panel(f, r, 0, HEAD + PH);
	reliability_panel(f, r, PW, HEAD + PH);
	fputs("</svg>\n", f);
	return ferror(f) ? -1 : 0;
}

/* [*lo, *hi] widened by v (finite values only). */
static void widen(double v, double *lo, double *hi)
{
	if (isfinite(v)) {
		*lo = fmin(*lo, v);
		*hi = fmax(*hi, v);
	}
}

/* [lo, hi] rounded out to whole ticks ([0, 1] when empty, widened when a
 * point). */
static void round_out(double *lo, double *hi)
{
	double first, step;

	if (!(*hi >= *lo)) {
		*lo = 0.0;
		*hi = 1.0;
	}
	if (!(*hi > *lo)) {
		*lo -= 0.5;
		*hi += 0.5;
	}
	plot_ticks(*lo, *hi, 7, &first, &step);
	*lo = floor(*lo / step + 1e-9) * step;
	*hi = ceil(*hi / step - 1e-9) * step;
}

/* Row i's point for target t: by kind, 0 (true, predicted), 1 (predicted,
 * true - predicted). */
static void point(const struct plot_report_reg *r, size_t t, size_t i, int kind, double *x,
		  double *y)
{
	const float *v = r->v + 2 * (i * r->n_targets + t);
	double truth = (double)v[0], p = (double)v[1];

	*x = kind ? p : truth;
	*y = kind ? truth - p : p;
}

/* The plot area of target t's panel at (ox, oy) for kind, its ranges
 * those of the drawn points (both axes alike for kind 0; y holding 0 for
 * kind 1), rounded out to ticks. */
static struct plot_box scatter_box(const struct plot_report_reg *r, size_t t, size_t stride,
				   int kind, double ox, double oy)
{
	const double inf = (double)INFINITY;
	struct plot_box b = {ox + 72, ox + PW - 28, oy + 48, oy + PH - 60, inf, -inf, inf, -inf};
	double x, y;

	for (size_t i = 0; i < r->n; i += stride) {
		point(r, t, i, kind, &x, &y);
		widen(x, &b.vx0, &b.vx1);
		widen(y, &b.vy0, &b.vy1);
	}
	if (!kind) {
		b.vx0 = b.vy0 = fmin(b.vx0, b.vy0);
		b.vx1 = b.vy1 = fmax(b.vx1, b.vy1);
	} else {
		widen(0.0, &b.vy0, &b.vy1);
	}
	round_out(&b.vx0, &b.vx1);
	round_out(&b.vy0, &b.vy1);
	return b;
}

/* Target t's scatter panel of the drawn rows (kind as for point), with the
 * line y = x (kind 0) or y = 0 (kind 1), the figures and the note under
 * its title. */
static void scatter(FILE *f, const struct plot_report_reg *r, size_t t, size_t stride, int kind,
		    double ox, double oy, const char *note)
{
	struct plot_box b = scatter_box(r, t, stride, kind, ox, oy);
	double x, y;
	char text[96];

	panel_title(f, ox, oy, kind ? "residuals" : "predicted against true", note);
	plot_axes(f, &b, kind ? "predicted" : "true", kind ? "true - predicted" : "predicted", 1,
		  0);
	for (size_t i = 0; i < r->n; i += stride) {
		point(r, t, i, kind, &x, &y);
		if (isfinite(x) && isfinite(y))
			fprintf(f,
				"<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"#1f77b4\" "
				"fill-opacity=\"0.5\"/>\n",
				plot_bx(&b, x), plot_by(&b, y));
	}
	if (kind)
		dashed(f, &b, b.vx0, 0, b.vx1, 0);
	else
		dashed(f, &b, b.vx0, b.vx0, b.vx1, b.vx1);
	snprintf(text, sizeof text, "MSE %.4g   R\xc2\xb2 %.4f", r->mse[t], r->r2[t]);
	fprintf(f,
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"180\" height=\"22\" fill=\"white\" "
		"fill-opacity=\"0.85\"/><text x=\"%.1f\" y=\"%.1f\" font-size=\"13\">%s</text>\n",
		b.x0 + 4, b.yt + 4, b.x0 + 10, b.yt + 20, text);
}

int plot_report_reg_svg(FILE *f, const struct plot_report_reg *r)
{
	double w = 2 * PW, h = HEAD + PH * (double)r->n_targets;
	size_t stride = r->n > MAX_POINTS ? (r->n + MAX_POINTS - 1) / MAX_POINTS : 1;
	char note[1024];

	plot_open_svg(f, w, h, "dnn eval report");
	heading(f, r->title, w);
	for (size_t t = 0; t < r->n_targets; t++) {
		int at = snprintf(note, sizeof note, "target %s%s%s", r->targets[t],
				  r->note && t == 0 ? ", " : "", r->note && t == 0 ? r->note : "");
		double oy = HEAD + PH * (double)t;

		if (stride > 1 && at > 0 && (size_t)at < sizeof note)
			snprintf(note + at, sizeof note - (size_t)at,
				 "; %zu of %zu rows drawn (one in %zu)",
				 (r->n + stride - 1) / stride, r->n, stride);
		scatter(f, r, t, stride, 0, 0, oy, note);
		scatter(f, r, t, stride, 1, PW, oy, note);
	}
	fputs("</svg>\n", f);
	return ferror(f) ? -1 : 0;
}
