/* ROC, precision-recall and reliability curves of scored rows (curves.h). */
#include "curves.h"

#include <math.h>
#include <stdlib.h>

#include "util.h"

void curves_items_ovr(const float *p, size_t n, size_t k, const uint32_t *label, const float *w,
		      size_t c, struct curves_item *out)
{
	for (size_t i = 0; i < n; i++) {
		float wi = w ? w[i] : 1.0f;

		if (c < k) {
			out[i] = (struct curves_item){p[i * k + c], wi, label[i] == c};
			continue;
		}
		for (size_t j = 0; j < k; j++)
			out[i * k + j] = (struct curves_item){p[i * k + j], wi, label[i] == j};
	}
}

/* Larger score first, NaN last. */
static int by_score(const void *pa, const void *pb)
{
	float a = ((const struct curves_item *)pa)->score;
	float b = ((const struct curves_item *)pb)->score;

	if (isnan(a) || isnan(b))
		return isnan(a) - isnan(b);
	return (a < b) - (a > b);
}

void curves_sort(struct curves_item *it, size_t n)
{
	if (n > 1)
		qsort(it, n, sizeof *it, by_score);
}

/* The weights of the positives (*p) and negatives (*q) of the items. */
static void totals(const struct curves_item *it, size_t n, double *p, double *q)
{
	*p = *q = 0.0;
	for (size_t i = 0; i < n; i++) {
		if (it[i].pos)
			*p += (double)it[i].w;
		else
			*q += (double)it[i].w;
	}
}

/* The number of distinct scores of sorted items (NaN counted once). */
static size_t n_distinct(const struct curves_item *it, size_t n)
{
	size_t d = n > 0;

	for (size_t i = 1; i < n; i++)
		d += !(it[i].score == it[i - 1].score ||
		       (isnan(it[i].score) && isnan(it[i - 1].score)));
	return d;
}

/* From item *i, the end of its run of equal scores, adding the run's
 * positive and negative weights to *tp and *fp. */
static size_t next_run(const struct curves_item *it, size_t n, size_t i, double *tp, double *fp)
{
	size_t j = i;

	while (j < n &&
	       (it[j].score == it[i].score || (isnan(it[j].score) && isnan(it[i].score)))) {
		if (it[j].pos)
			*tp += (double)it[j].w;
		else
			*fp += (double)it[j].w;
		j++;
	}
	return j;
}

/* Room for n points in line, or *oom set. */
static int line_alloc(struct curves_line *line, size_t n, int *oom)
{
	line->x = util_malloc_array(n ? 2 * n : 1, sizeof *line->x);
	line->y = line->x ? line->x + n : NULL;
	line->n = 0;
	if (!line->x) {
		*oom = 1;
		return -1;
	}
	return 0;
}

double curves_roc(const struct curves_item *it, size_t n, struct curves_line *line, int *oom)
{
	double p, q, tp = 0.0, fp = 0.0, auc = 0.0;

	if (line)
		*line = (struct curves_line){0};
	totals(it, n, &p, &q);
	if (!(p > 0.0) || !(q > 0.0))
		return (double)NAN;
	if (line && line_alloc(line, n_distinct(it, n) + 1, oom))
		return (double)NAN;
	if (line) {
		line->x[0] = line->y[0] = 0.0;
		line->n = 1;
	}
	for (size_t i = 0; i < n;) {
		double tp0 = tp, fp0 = fp;

		i = next_run(it, n, i, &tp, &fp);
		auc += (fp - fp0) * (tp + tp0);
		if (line) {
			line->x[line->n] = fp / q;
			line->y[line->n] = tp / p;
			line->n++;
		}
	}
	return auc / (2.0 * p * q);
}

double curves_pr(const struct curves_item *it, size_t n, struct curves_line *line, int *oom)
{
	double p, q, tp = 0.0, fp = 0.0, ap = 0.0;
	size_t end = n;

	if (line)
		*line = (struct curves_line){0};
	totals(it, n, &p, &q);
	if (!(p > 0.0))
		return (double)NAN;
	if (line && line_alloc(line, n_distinct(it, n), oom))
		return (double)NAN;
	/* Up to the run of the last positive (full recall), as scikit-learn. */
	while (end > 0 && !(it[end - 1].pos && it[end - 1].w > 0.0f))
		end--;
	for (size_t i = 0; i < end;) {
		double tp0 = tp, prec;

		i = next_run(it, n, i, &tp, &fp);
		prec = tp + fp > 0.0 ? tp / (tp + fp) : 0.0;
		ap += (tp - tp0) * prec;
		if (line) {
			line->x[line->n] = tp / p;
			line->y[line->n] = prec;
			line->n++;
		}
	}
	return ap / p;
}

double curves_calibration(const struct curves_item *it, size_t n, size_t n_bins,
			  struct curves_bin *bins)
{
	double step = 1.0 / (double)n_bins, total = 0.0, ece = 0.0;

	for (size_t b = 0; b < n_bins; b++)
		bins[b] = (struct curves_bin){0.0, 0.0, 0.0};
	for (size_t i = 0; i < n; i++) {
		double s = (double)it[i].score, w = (double)it[i].w;
		size_t b = 0;

		/* searchsorted(edges, s, side='left'): the inner edges below s. */
		while (b + 1 < n_bins && (double)(b + 1) * step < s)
			b++;
		bins[b].w += w;
		bins[b].conf += w * s;
		bins[b].freq += it[i].pos ? w : 0.0;
		total += w;
	}
	for (size_t b = 0; b < n_bins; b++) {
		if (!(bins[b].w > 0.0)) {
			bins[b].conf = bins[b].freq = (double)NAN;
			continue;
		}
		bins[b].conf /= bins[b].w;
		bins[b].freq /= bins[b].w;
		ece += bins[b].w * fabs(bins[b].freq - bins[b].conf);
	}
	return total > 0.0 ? ece / total : (double)NAN;
}

void curves_line_free(struct curves_line *line)
{
	free(line->x);
	*line = (struct curves_line){0};
}
