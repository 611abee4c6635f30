/* dnn eval's kept rows and the curve figures drawn from them: each row's
 * probabilities (or a regression's first target, true and predicted), its
 * class and weight, and per class the AUC and average precision, the micro
 * averages, the reliability bins and ECE, and the curves the report page
 * draws (curves.h, plot_report.h). */
#ifndef DNN_EVAL_CURVES_H
#define DNN_EVAL_CURVES_H

#include <stddef.h>
#include <stdint.h>

#include "curves.h"
#include "err.h"
#include "model.h"

/* The rows kept for the curves and the plot: a classification's k
 * probabilities per row (n x k floats), its class and weight; a
 * regression's first EVAL_MAX_TARGETS targets, true and predicted, in
 * pairs (only for --plot); width floats a row. */
struct kept {
	float *p, *w;
	uint32_t *label;
	size_t n, cap, width;
};

/* Room in k for n more rows: 0, or -1 when out of memory (k unchanged). */
int kept_reserve(struct kept *k, size_t n);

/* Keep a batch's rows (room made by kept_reserve): for a classification
 * the k probabilities of a (n_out wide; one sigmoid unit: 1 - a, a), for a
 * regression the truth y and prediction pred of the first width / 2
 * targets; w NULL: 1. */
void kept_add(struct kept *k, const struct dnn_model *m, const float *a, const uint32_t *label,
	      const float *y, const float *pred, const float *w, size_t n);

/* Free k's rows; a zeroed k is a no-op. */
void kept_free(struct kept *k);

/* The bins of the reliability diagram. */
#define EVAL_BINS 10
/* Past this many classes, the plot draws the micro-average curves alone. */
#define EVAL_MAX_CURVES 10
/* The most targets of a regression the plot draws. */
#define EVAL_MAX_TARGETS 3

/* A classification's figures from the kept rows: per class one-vs-rest
 * AUC and average precision, the micro averages (every class's cells as
 * one binary problem; more than 2 classes), the reliability bins and ECE;
 * and with lines, the curves the plot draws. */
struct figures {
	double *auc, *ap; /* k each */
	double micro_auc, micro_ap, ece;
	struct curves_bin bins[EVAL_BINS];
	struct curves_line roc[EVAL_MAX_CURVES], pr[EVAL_MAX_CURVES];
	double c_auc[EVAL_MAX_CURVES], c_ap[EVAL_MAX_CURVES];
	const char *c_name[EVAL_MAX_CURVES];
	size_t n_curves;
};

void figures_free(struct figures *fg);

/* The figures of the rows kp of classifier m; with lines, also the curves
 * to draw: a binary model's second class, each class up to
 * EVAL_MAX_CURVES, past it the micro average alone. 0, or -1 out of memory
 * (fg then holds nothing to free but what figures_free frees). */
int class_figures(const struct kept *kp, const struct dnn_model *m, int lines, struct figures *fg,
		  struct dnn_error *e);

#endif
