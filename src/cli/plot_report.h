/* dnn eval --plot's report page, one SVG: for a classification the
 * confusion matrix as a heat map, the ROC and precision-recall curves and
 * the reliability diagram; for a regression predicted against true and the
 * residuals against predicted. The figures come computed (curves.h). */
#ifndef DNN_PLOT_REPORT_H
#define DNN_PLOT_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "curves.h"

/* Past this many classes the matrix's cells carry no counts, only shades. */
#define PLOT_REPORT_MAX_COUNTS 20

/* A classification's page. Curves j < n_curves are named curve_names[j]
 * with their area auc[j] and average precision ap[j] (NaN: "n/a"). */
struct plot_report_class {
	const char *title;	 /* the page's heading (the model's file) */
	size_t k;		 /* classes */
	char *const *names;	 /* their names */
	const double *confusion; /* k x k counts, row: true class; NULL: not kept */
	int weighted;		 /* the counts are sums of weights */
	size_t n_curves;
	const char *const *curve_names;
	const struct curves_line *roc, *pr;
	const double *auc, *ap;
	const char *curve_note;	       /* a line under the curves' title, or NULL */
	const struct curves_bin *bins; /* n_bins equal bins of [0, 1] */
	size_t n_bins;
	double ece;
	const char *cal_label; /* what the reliability's x axis is */
};

/* Write the page of r to f. Returns 0, or -1 on a write error (errno set). */
int plot_report_class_svg(FILE *f, const struct plot_report_class *r);

/* A regression's page: a row of two panels for each of n_targets targets
 * (named targets[j]): row i's truth v[2 * (i * n_targets + j)] and
 * prediction the float after it, every stride-th of the n rows drawn (at
 * most about 2000 points a panel), with the target's MSE and R^2 over all
 * rows. */
struct plot_report_reg {
	const char *title;
	size_t n_targets;
	const char *const *targets;
	const float *v;
	size_t n;
	const double *mse, *r2;
	const char *note; /* a line under the first panels' title, or NULL */
};

/* Write the page of r to f. Returns 0, or -1 on a write error (errno set). */
int plot_report_reg_svg(FILE *f, const struct plot_report_reg *r);

#endif
