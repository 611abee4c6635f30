/* dnn train --sharpness N: every N epochs, lambda_max of the loss's Hessian
 * on a fixed sample of the training rows (sharpness.h), shown in the epoch's
 * line and log (report.h) and kept for the plot. It reads the weights and
 * draws from a generator of its own: training is the same with it as
 * without. */
#ifndef DNN_TRAIN_SHARP_H
#define DNN_TRAIN_SHARP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "net.h"
#include "plot.h"
#include "report.h"
#include "sharpness.h"

struct train_sharp {
	struct dnn_sharpness *s; /* NULL: off */
	unsigned long every;
	/* The measures so far, room for all (epochs / every of them). */
	unsigned long *epoch;
	double *lmax, *limit;	/* limit: the stability line (sharpness_limit) */
	const struct dnn_optim_spec *optim;
	const char *label;	/* its formula, NULL when it has none */
	size_t n, cap;
	double seconds; /* all measures' */
};

/* Measure net every `every` epochs of the run's epochs up to last_epoch,
 * on up to samples of the n rows x, t drawn from seed, and hook into r;
 * optim is the training's optimizer, for the stability line
 * (r->before_epoch). Errors as sharpness_new's. */
int train_sharp_init(struct train_sharp *ts, const struct dnn_net *net, const float *x,
		     const float *t, size_t n, const struct dnn_optim_spec *optim,
		     size_t samples, unsigned long every,
		     unsigned long last_epoch, uint64_t seed, struct report *r,
		     struct dnn_error *e);
void train_sharp_free(struct train_sharp *ts);

/* The measures as the plot wants them (NULL when off). */
const struct plot_sharpness *train_sharp_plot(const struct train_sharp *ts,
					      struct plot_sharpness *out);

/* -v: the measures' count, rows and seconds each. */
void train_sharp_report(const struct train_sharp *ts, const struct report *r);

#endif
