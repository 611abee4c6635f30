#include "plot.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* One panel at vertical offset y0: frame, grid, ticks, labels, curves and
 * legend. */
static void panel(FILE *f, int y0, const struct dnn_history *h, const struct series *s, size_t n_s,
		  const char *ylabel, int unit_range)
{
	double x0 = LEFT, x1 = WIDTH - RIGHT, yt = y0 + TOP, yb = y0 + PANEL_H - BOTTOM;
	double elo = 1.0, ehi = h->n > 1 ? (double)h->n : 2.0, vlo, vhi, first, step;
	char buf[32];
	int nt;

	if (!value_range(h, s, n_s, &vlo, &vhi)) {
		vlo = 0.0;
		vhi = 1.0;
	}
	if (unit_range) {
		vlo = fmin(vlo, 1.0);
		vhi = 1.0;
	} else {
		vlo = fmin(vlo, 0.0) < 0.0 ? vlo : 0.0;
	}
	if (!(vhi > vlo))
		vhi = vlo + 1.0;
	/* Round the value axis out to whole ticks. */
	plot_ticks(vlo, vhi, 6, &first, &step);
	vlo = floor(vlo / step + 1e-9) * step;
	vhi = ceil(vhi / step - 1e-9) * step;
	if (!(vhi > vlo))
		vhi = vlo + step;
#define PX(e) (x0 + ((e)-elo) / (ehi - elo) * (x1 - x0))
#define PY(v) (yb - ((v)-vlo) / (vhi - vlo) * (yb - yt))
	fprintf(f, "<g class=\"panel\">\n");
	fprintf(f,
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
		"stroke=\"#444\"/>\n",
		x0, yt, x1 - x0, yb - yt);
	/* Value ticks, grid lines and labels. */
	nt = plot_ticks(vlo, vhi, 6, &first, &step);
	for (int i = 0; i < nt; i++) {
		double v = first + (double)i * step, y = PY(v);

		tick_label(buf, sizeof buf, v, step);
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
			x0, y, x1, y);
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n",
			x0 - 5, y, x0, y);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", x0 - 8,
			y + 4, buf);
	}
	/* Epoch ticks: whole epochs only. */
	nt = plot_ticks(elo, ehi, 8, &first, &step);
	if (step < 1.0) {
		step = 1.0;
		first = elo;
		nt = (int)(ehi - elo) + 1;
	}
	for (int i = 0; i < nt; i++) {
		double ep = first + (double)i * step, x = PX(ep);

		tick_label(buf, sizeof buf, ep, step);
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n",
			x, yb, x, yb + 5);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", x,
			yb + 20, buf);
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">epoch</text>\n",
		(x0 + x1) / 2, yb + 42);
	fprintf(f,
		"<text x=\"%d\" y=\"%.1f\" text-anchor=\"middle\" "
		"transform=\"rotate(-90 %d %.1f)\">%s</text>\n",
		18, (yt + yb) / 2, 18, (yt + yb) / 2, ylabel);
	/* Curves: a polyline per run of finite values. */
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
			fprintf(f, "%s%.2f,%.2f", open ? " " : "", PX((double)h->epochs[i].epoch),
				PY(v));
			open = 1;
		}
		if (open)
			fputs("\"/>\n", f);
	}
	/* Legend, top right, for the series that have values. */
	for (size_t k = 0, row = 0; k < n_s; k++) {
		double lo, hi, y = yt + 16 + 18 * (double)row;

		if (!value_range(h, &s[k], 1, &lo, &hi))
			continue;
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
			"stroke-width=\"2\"%s/>\n",
			x1 - 120, y - 4, x1 - 96, y - 4, s[k].color, s[k].dash);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", x1 - 90, y, s[k].name);
		row++;
	}
	fputs("</g>\n", f);
#undef PX
#undef PY
}

int plot_svg(FILE *f, const struct dnn_history *h, int classification)
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
	int height = classification ? 2 * PANEL_H : PANEL_H;

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
	panel(f, 0, h, loss, 2, "loss", 0);
	if (classification) {
		fprintf(f,
			"<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" "
			"font-size=\"14\">accuracy</text>\n",
			WIDTH / 2, PANEL_H + 22);
		panel(f, PANEL_H, h, acc, 2, "accuracy", 1);
	}
	fputs("</svg>\n", f);
	return ferror(f) ? -1 : 0;
}

int plot_write(const char *path, const struct dnn_history *h, int classification,
	       struct dnn_error *e)
{
	static const char suffix[] = ".tmp.XXXXXX";
	size_t len = strlen(path);
	char *tmp = malloc(len + sizeof suffix);
	FILE *f = NULL;
	mode_t mask;
	int fd, rc = -1;

	if (!tmp)
		return dnn_error_oom(e);
	memcpy(tmp, path, len);
	memcpy(tmp + len, suffix, sizeof suffix);
	fd = mkstemp(tmp);
	if (fd < 0) {
		dnn_error_set(e, DNN_EX_CANTCREAT, NULL, 0, 0, "cannot create '%s': %s", path,
			      strerror(errno));
		free(tmp);
		return -1;
	}
	/* mkstemp makes the file 0600; give it the mode a new file gets. */
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) != 0 || !(f = fdopen(fd, "w"))) {
		dnn_error_set(e, DNN_EX_CANTCREAT, NULL, 0, 0, "cannot create '%s': %s", path,
			      strerror(errno));
		close(fd);
		goto fail;
	}
	if (plot_svg(f, h, classification) != 0 || fflush(f) != 0) {
		dnn_error_set(e, DNN_EX_IO, NULL, 0, 0, "write error on '%s': %s", path,
			      strerror(errno));
		fclose(f);
		goto fail;
	}
	if (fclose(f) != 0) {
		dnn_error_set(e, DNN_EX_IO, NULL, 0, 0, "write error on '%s': %s", path,
			      strerror(errno));
		goto fail;
	}
	if (rename(tmp, path) != 0) {
		dnn_error_set(e, DNN_EX_CANTCREAT, NULL, 0, 0, "cannot create '%s': %s", path,
			      strerror(errno));
		goto fail;
	}
	rc = 0;
	goto out;
fail:
	unlink(tmp);
out:
	free(tmp);
	return rc;
}
