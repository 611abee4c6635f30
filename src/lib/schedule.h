/* Learning-rate schedules: the rate for each epoch from the base rate and
 * the "schedule" of the spec, and for reduce-on-plateau from the losses
 * observed so far. */
#ifndef DNN_SCHEDULE_H
#define DNN_SCHEDULE_H

#include "spec.h"

struct dnn_sched {
	struct dnn_sched_spec conf;
	double base_lr;
	unsigned long n_epochs;	/* of the whole run, for cosine without t_max */
	/* reduce-on-plateau */
	double plateau_lr;	/* the current rate */
	double best;		/* lowest loss seen (+inf before the first) */
	unsigned long n_bad;	/* epochs since it improved */
};

void sched_init(struct dnn_sched *s, const struct dnn_sched_spec *conf, double base_lr,
		unsigned long n_epochs);

/* The rate for epoch (1-based), with W = warmup and k = epoch - W - 1:
 *   epoch <= W:   base * epoch / W                 (linear warm-up)
 *   constant:     base
 *   step:         base * gamma^floor(k / step_size)
 *   exponential:  base * gamma^k
 *   cosine:       min + (base - min) (1 + cos(pi min(k, T) / T)) / 2,
 *                 T = t_max, or the epochs after the warm-up
 *   plateau:      the current rate (see sched_observe). */
double sched_lr(const struct dnn_sched *s, unsigned long epoch);

/* Tell the schedule the loss at the end of an epoch. reduce-on-plateau:
 * a loss below best * (1 - threshold) is an improvement; after more than
 * patience epochs without one the rate becomes max(min_lr, rate * factor)
 * and the count starts over. Epochs of the warm-up are not counted. */
void sched_observe(struct dnn_sched *s, unsigned long epoch, double loss);

#endif
