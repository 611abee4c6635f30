/* dnn eval's kept rows and their curve figures (eval_curves.h). */
#include "eval_curves.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "net.h"
#include "util.h"

/* Room in k for n more rows: 0, or -1 when out of memory. */
int kept_reserve(struct kept *k, size_t n)
{
	size_t cap = k->cap ? k->cap : 1024;
	float *p, *w;
	uint32_t *label;

	while (cap < k->n + n && cap <= SIZE_MAX / 2)
		cap *= 2;
	if (cap == k->cap)
		return 0;
	if (cap < k->n + n)
		return -1;
	p = util_realloc_array(k->p, cap, k->width * sizeof *p);
	if (p)
		k->p = p;
	w = util_realloc_array(k->w, cap, sizeof *w);
	if (w)
		k->w = w;
	label = util_realloc_array(k->label, cap, sizeof *label);
	if (label)
		k->label = label;
	if (!p || !w || !label)
		return -1;
	k->cap = cap;
	return 0;
}

/* Keep a batch's rows (room made by kept_reserve): for a classification
 * the k probabilities of a (n_out wide; one sigmoid unit: 1 - a, a), for a
 * regression the truth y and prediction pred of the first width / 2
 * targets. */
void kept_add(struct kept *k, const struct dnn_model *m, const float *a, const uint32_t *label,
	      const float *y, const float *pred, const float *w, size_t n)
{
	size_t n_out = net_n_out(m->net), n_tgt = k->width / 2;

	for (size_t i = 0; i < n; i++) {
		float *p = k->p + (k->n + i) * k->width;

		k->w[k->n + i] = w ? w[i] : 1.0f;
		k->label[k->n + i] = label[i];
		if (m->task != DNN_TASK_CLASSIFICATION) {
			for (size_t j = 0; j < n_tgt; j++) {
				p[2 * j] = y[i * n_out + j];
				p[2 * j + 1] = pred[i * n_out + j];
			}
		} else if (n_out == 1) {
			p[0] = 1.0f - a[i];
			p[1] = a[i];
		} else {
			memcpy(p, a + i * n_out, n_out * sizeof *p);
		}
	}
	k->n += n;
}

void figures_free(struct figures *fg)
{
	free(fg->auc);
	for (size_t j = 0; j < fg->n_curves; j++) {
		curves_line_free(&fg->roc[j]);
		curves_line_free(&fg->pr[j]);
	}
}

/* The reliability of the kept rows: for a binary model the second class's
 * probability against how often it is true (scikit-learn's
 * calibration_curve), else the predicted class's probability against how
 * often it is right. it has room for the rows. */
static double calibration(const struct kept *kp, size_t k, struct curves_item *it,
			  struct curves_bin *bins)
{
	for (size_t i = 0; i < kp->n; i++) {
		const float *p = kp->p + i * k;
		size_t c = k == 2 ? 1 : metrics_class(p, k);

		it[i] = (struct curves_item){p[c], kp->w[i],
					     k == 2 ? kp->label[i] == 1 : kp->label[i] == c};
	}
	return curves_calibration(it, kp->n, EVAL_BINS, bins);
}

/* Class c's curves (c == k: the micro average) into fg, as curve j when
 * j < EVAL_MAX_CURVES, else only the figures; *auc and *ap set. */
static void class_curves(const struct kept *kp, size_t k, size_t c, struct curves_item *it,
			 struct figures *fg, size_t j, double *auc, double *ap, int *oom)
{
	size_t n = c == k ? kp->n * k : kp->n;
	int line = j < EVAL_MAX_CURVES;

	curves_items_ovr(kp->p, kp->n, k, kp->label, kp->w, c, it);
	curves_sort(it, n);
	*auc = curves_roc(it, n, line ? &fg->roc[j] : NULL, oom);
	*ap = curves_pr(it, n, line ? &fg->pr[j] : NULL, oom);
	if (line) {
		fg->c_auc[j] = *auc;
		fg->c_ap[j] = *ap;
		fg->n_curves = j + 1;
	}
}

/* The curve that class c is drawn as (SIZE_MAX: none): a binary model's
 * second class, each of up to EVAL_MAX_CURVES classes, past it none (the
 * micro average alone). */
static size_t curve_slot(int lines, size_t k, size_t c)
{
	if (!lines || k > EVAL_MAX_CURVES || (k == 2 && c != 1))
		return SIZE_MAX;
	return k == 2 ? 0 : c;
}

/* The figures of the kept rows of classifier m; with lines, the curves to
 * draw (curve_slot). 0, or -1 out of memory. */
int class_figures(const struct kept *kp, const struct dnn_model *m, int lines, struct figures *fg,
		  struct dnn_error *e)
{
	size_t k = m->n_classes;
	struct curves_item *it = util_malloc_array(kp->n, k * sizeof *it);
	int oom = 0;

	memset(fg, 0, sizeof *fg);
	fg->auc = util_malloc_array(k, 2 * sizeof *fg->auc);
	if (!it || !fg->auc) {
		free(it);
		return dnn_error_oom(e);
	}
	fg->ap = fg->auc + k;
	fg->micro_auc = fg->micro_ap = (double)NAN;
	for (size_t c = 0; c < k; c++) {
		size_t j = curve_slot(lines, k, c);

		class_curves(kp, k, c, it, fg, j, &fg->auc[c], &fg->ap[c], &oom);
		if (j != SIZE_MAX)
			fg->c_name[j] = m->class_names[c];
	}
	if (k > 2) {
		size_t j = lines && k > EVAL_MAX_CURVES ? 0 : SIZE_MAX;

		class_curves(kp, k, k, it, fg, j, &fg->micro_auc, &fg->micro_ap, &oom);
		if (j != SIZE_MAX)
			fg->c_name[0] = "micro-average";
	}
	fg->ece = calibration(kp, k, it, fg->bins);
	free(it);
	return oom ? dnn_error_oom(e) : 0;
}

void kept_free(struct kept *k)
{
	free(k->p);
	free(k->w);
	free(k->label);
	memset(k, 0, sizeof *k);
}
