/* A classifier's threshold curves from scored rows: the ROC curve and its
 * area, the precision-recall curve and its average precision, and the
 * reliability bins and expected calibration error, each over rows that are
 * positive or not, weighted. The definitions are scikit-learn's
 * (roc_curve, roc_auc_score, precision_recall_curve,
 * average_precision_score, calibration_curve with uniform bins). */
#ifndef DNN_CURVES_H
#define DNN_CURVES_H

#include <stddef.h>
#include <stdint.h>

/* One scored row: its score (a probability), its weight, whether it is
 * positive (or, for calibration, right). */
struct curves_item {
	float score, w;
	unsigned char pos;
};

/* A curve's n points (x[i], y[i]), in one allocation at x (y = x + n). */
struct curves_line {
	double *x, *y;
	size_t n;
};

/* One reliability bin: its rows' summed weight, their mean score and the
 * mean of pos (the observed frequency), both weighted; NaN when empty. */
struct curves_bin {
	double w, conf, freq;
};

/* Items for class c one-vs-rest out of the n x k probabilities p (row i's
 * class label[i], weight w[i], w NULL for 1): out[i] = {p[i*k+c], w[i],
 * label[i] == c}, n items. With c == k, the micro average: every cell, n*k
 * items, out[i*k+j] positive when label[i] == j. */
void curves_items_ovr(const float *p, size_t n, size_t k, const uint32_t *label, const float *w,
		      size_t c, struct curves_item *out);

/* Sort the items by score, largest first (NaN last); ties keep no order. */
void curves_sort(struct curves_item *it, size_t n);

/* The ROC curve of sorted items: (0, 0), then one point (FPR, TPR) per
 * distinct score, from the largest, FPR = FP/N and TPR = TP/P with TP, FP
 * the weight of the positives and negatives at or above the score, P, N
 * their totals. Its area by the trapezoid rule, sum (FPR_i - FPR_i-1)
 * (TPR_i + TPR_i-1) / 2, is returned, NaN when P or N is 0 (then the
 * curve's rates are NaN). With line NULL, only the area. -1 (out of
 * memory) leaves line empty and returns NaN with *oom set. */
double curves_roc(const struct curves_item *it, size_t n, struct curves_line *line, int *oom);

/* The precision-recall curve of sorted items: one point (recall, precision)
 * per distinct score, from the largest, down to the score of the last
 * positive (full recall; the lower scores add nothing), recall TP/P,
 * precision TP/(TP+FP) (0 when nothing weighs there). The average precision, the step-wise
 * sum (R_i - R_i-1) P_i with R_0 = 0 (scikit-learn's, not interpolated),
 * is returned, NaN when P is 0 (no points). Line and oom as for
 * curves_roc. */
double curves_pr(const struct curves_item *it, size_t n, struct curves_line *line, int *oom);

/* Reliability of n items (score: the predicted probability, pos: whether
 * the event happened) in n_bins equal bins of [0, 1], item in bin b when
 * b of the inner edges j/n_bins (j = 1 .. n_bins-1, computed as j * (1 /
 * n_bins)) are below its score (numpy's searchsorted, as scikit-learn's
 * calibration_curve). bins gets n_bins bins. Returns the expected
 * calibration error sum_b (w_b / W) |freq_b - conf_b| over non-empty
 * bins, NaN when W is 0. */
double curves_calibration(const struct curves_item *it, size_t n, size_t n_bins,
			  struct curves_bin *bins);

/* Free a line's points; a zeroed line is a no-op. */
void curves_line_free(struct curves_line *line);

#endif
