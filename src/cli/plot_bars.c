/* A horizontal bar chart with error bars (plot_bars.h). */
#include "plot_bars.h"

#include <math.h>

#include "plot.h"

#define BAR_W 640.0 /* the image's width */
#define BAR_L 170.0 /* the labels' room at the left */
#define BAR_R 24.0
#define BAR_T 40.0
#define BAR_B 48.0
#define BAR_ROW 22.0 /* a bar's row */

/* s as SVG text: &, <, > and quotes escaped, control characters as '?',
 * cut at 28 bytes. */
static void bar_text(FILE *f, const char *s)
{
	for (size_t i = 0; s[i] && i < 28; i++)
		switch (s[i]) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			putc((unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i], f);
		}
}

/* The range [*lo, *hi] the bars and their error bars span, 0 included,
 * and a margin. */
static void bar_range(const struct plot_bars *c, double *lo, double *hi)
{
	double pad;

	*lo = 0.0;
	*hi = 0.0;
	for (size_t i = 0; i < c->n; i++) {
		double v = c->value[i], d = c->err && isfinite(c->err[i]) ? c->err[i] : 0.0;

		if (!isfinite(v))
			continue;
		*lo = fmin(*lo, v - d);
		*hi = fmax(*hi, v + d);
	}
	if (!(*hi > *lo))
		*hi = *lo + 1.0;
	/* A margin, so that no error bar ends on the frame. */
	pad = 0.04 * (*hi - *lo);
	*hi += pad;
	if (*lo < 0.0)
		*lo -= pad;
}

/* The x axis: ticks, grid lines and their labels, the axis name. */
static void bar_axis(FILE *f, const struct plot_bars *c, double lo, double hi, double y0, double y1)
{
	double first, step;
	int nt = plot_ticks(lo, hi, 8, &first, &step);

	for (int k = 0; k < nt; k++) {
		double v = first + (double)k * step;
		double x = BAR_L + (v - lo) / (hi - lo) * (BAR_W - BAR_L - BAR_R);

		if (fabs(v) < step * 1e-6)
			v = 0.0;
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n"
			"<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.4g</text>\n",
			x, y0, x, y1, x, y1 + 16.0, v);
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", (BAR_L + BAR_W) / 2.0,
		y1 + 36.0);
	bar_text(f, c->x_label);
	fputs("</text>\n", f);
}

/* x = BAR_L + (v - lo) / (hi - lo) * plot width. */
static double bar_x(double v, double lo, double hi)
{
	return BAR_L + (v - lo) / (hi - lo) * (BAR_W - BAR_L - BAR_R);
}

int plot_bars_svg(FILE *f, const struct plot_bars *c)
{
	double lo, hi, h = BAR_T + BAR_ROW * (double)(c->n ? c->n : 1) + BAR_B;
	double y1 = h - BAR_B;

	bar_range(c, &lo, &hi);
	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" "
		"viewBox=\"0 0 %g %g\" font-family=\"sans-serif\" font-size=\"12\">\n"
		"<rect width=\"%g\" height=\"%g\" fill=\"white\"/>\n"
		"<text x=\"%.1f\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">",
		BAR_W, h, BAR_W, h, BAR_W, h, BAR_W / 2.0);
	bar_text(f, c->title);
	fputs("</text>\n", f);
	bar_axis(f, c, lo, hi, BAR_T, y1);
	for (size_t i = 0; i < c->n; i++) {
		double y = BAR_T + BAR_ROW * (double)i, v = isfinite(c->value[i]) ? c->value[i] : 0;
		double x0 = bar_x(fmin(v, 0.0), lo, hi), x1 = bar_x(fmax(v, 0.0), lo, hi);
		double d = c->err && isfinite(c->err[i]) ? c->err[i] : 0.0;

		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", BAR_L - 6.0,
			y + BAR_ROW * 0.65);
		bar_text(f, c->label[i]);
		fprintf(f,
			"</text>\n<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			"fill=\"#4878a8\"/>\n",
			x0, y + 3.0, x1 - x0, BAR_ROW - 6.0);
		if (d > 0.0)
			fprintf(f,
				"<path d=\"M%.1f %.1fH%.1fM%.1f %.1fV%.1fM%.1f %.1fV%.1f\" "
				"stroke=\"black\" fill=\"none\"/>\n",
				bar_x(v - d, lo, hi), y + BAR_ROW / 2.0, bar_x(v + d, lo, hi),
				bar_x(v - d, lo, hi), y + 6.0, y + BAR_ROW - 6.0,
				bar_x(v + d, lo, hi), y + 6.0, y + BAR_ROW - 6.0);
	}
	fprintf(f,
		"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n"
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
		"stroke=\"black\"/>\n</svg>\n",
		bar_x(0.0, lo, hi), BAR_T, bar_x(0.0, lo, hi), y1, BAR_L, BAR_T,
		BAR_W - BAR_L - BAR_R, y1 - BAR_T);
	return ferror(f) ? -1 : 0;
}
