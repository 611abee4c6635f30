/* Learning-rate schedules: the rate for each epoch from the base rate and
 * the "schedule" of the spec, for reduce-on-plateau from the losses
 * observed so far, and that memory in a run's resume state. */
#ifndef DNN_SCHEDULE_H
#define DNN_SCHEDULE_H

#include "spec.h"

struct dnn_wbuf;
struct dnn_rbuf;

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

/* The schedule's part of a run's resume state (dnn-checkpoint(5), section
 * trst): reduce-on-plateau's current rate and lowest loss (f64 each) and
 * its epochs without improvement (u64), written for every schedule. */
void sched_state_encode(const struct dnn_sched *s, struct dnn_wbuf *b);
/* Read them into s. Any values are taken as they are; a truncated
 * encoding is left to d->overrun, which the reader of the whole state
 * checks once at its end. */
void sched_state_decode(struct dnn_sched *s, struct dnn_rbuf *d);

#endif
