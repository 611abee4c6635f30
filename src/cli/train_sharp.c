/* dnn train --sharpness: lambda_max every N epochs, into the epoch's line. */
#include "train_sharp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Lanczos steps a measure: warm-started, the top eigenvalue converges in a
 * few. */
#define SHARP_STEPS 20

/* report.h's before_epoch: the measure, in epochs that are multiples of
 * every. */
static void measure(struct report *r, const struct dnn_epoch *ep)
{
	struct train_sharp *ts = r->before_ctx;
	struct dnn_error e;
	double t0, lmax;

	r->sharpness = (double)NAN;
	if (ep->epoch % ts->every != 0 || ts->n == ts->cap)
		return;
	t0 = report_now();
	if (sharpness_measure(ts->s, &lmax, &e))
		lmax = (double)NAN;
	r->sharpness_secs = report_now() - t0;
	r->sharpness = lmax;
	r->sharpness_limit = sharpness_limit(ts->optim, ep->learning_rate, &r->sharpness_label);
	ts->label = r->sharpness_label;
	ts->seconds += r->sharpness_secs;
	ts->epoch[ts->n] = ep->epoch;
	ts->lmax[ts->n] = lmax;
	ts->limit[ts->n++] = r->sharpness_limit;
}

int train_sharp_init(struct train_sharp *ts, const struct dnn_net *net, const float *x,
		     const float *t, size_t n, const struct dnn_optim_spec *optim,
		     size_t samples, unsigned long every,
		     unsigned long last_epoch, uint64_t seed, struct report *r,
		     struct dnn_error *e)
{
	memset(ts, 0, sizeof *ts);
	ts->every = every;
	ts->optim = optim;
	ts->cap = last_epoch / every + 1;
	ts->epoch = util_malloc_array(ts->cap, sizeof *ts->epoch);
	ts->lmax = util_malloc_array(ts->cap, sizeof *ts->lmax);
	ts->limit = util_malloc_array(ts->cap, sizeof *ts->limit);
	if (!ts->epoch || !ts->lmax || !ts->limit) {
		train_sharp_free(ts);
		return dnn_error_oom(e);
	}
	if (!(ts->s = sharpness_new(net, x, t, n, samples, SHARP_STEPS, seed, e))) {
		train_sharp_free(ts);
		return -1;
	}
	r->before_epoch = measure;
	r->before_ctx = ts;
	return 0;
}

void train_sharp_free(struct train_sharp *ts)
{
	sharpness_free(ts->s);
	free(ts->epoch);
	free(ts->lmax);
	free(ts->limit);
	memset(ts, 0, sizeof *ts);
}

const struct plot_sharpness *train_sharp_plot(const struct train_sharp *ts,
					      struct plot_sharpness *out)
{
	if (!ts->s)
		return NULL;
	out->epoch = ts->epoch;
	out->lmax = ts->lmax;
	out->limit = ts->limit;
	out->label = ts->label;
	out->n = ts->n;
	return out;
}

void train_sharp_report(const struct train_sharp *ts, const struct report *r)
{
	if (!ts->s || !r->verbose || r->quiet || !ts->n)
		return;
	fprintf(stderr,
		"sharpness: %zu measures on %zu rows (%d Lanczos steps each) in %.3fs, %.4fs "
		"each\n",
		ts->n, sharpness_rows(ts->s), SHARP_STEPS, ts->seconds,
		ts->seconds / (double)ts->n);
}
