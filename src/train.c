#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "loss.h"
#include "util.h"

int history_append(struct dnn_history *h, const struct dnn_epoch *ep)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 64;
		struct dnn_epoch *p = util_realloc_array(h->epochs, cap, sizeof *p);

		if (!p)
			return -1;
		h->epochs = p;
		h->cap = cap;
	}
	h->epochs[h->n++] = *ep;
	return 0;
}

void history_free(struct dnn_history *h)
{
	free(h->epochs);
	h->epochs = NULL;
	h->n = h->cap = 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static size_t argmax(const float *v, size_t m)
{
	size_t best = 0;

	for (size_t j = 1; j < m; j++)
		if (v[j] > v[best])
			best = j;
	return best;
}

/* Rows of outputs a whose predicted class matches the targets t: the
 * largest output for several units, output >= 1/2 for a single one. */
static size_t count_correct(const float *a, const float *t, size_t n, size_t m)
{
	size_t ok = 0;

	for (size_t i = 0; i < n; i++) {
		const float *ar = a + i * m, *tr = t + i * m;

		if (m == 1)
			ok += (ar[0] >= 0.5f) == (tr[0] >= 0.5f);
		else
			ok += argmax(ar, m) == argmax(tr, m);
	}
	return ok;
}

/* Sums for MAE and R^2 over a set of rows with m outputs: absolute errors,
 * and per output the squared residuals and the sums of the targets and
 * their squares. */
struct regsum {
	size_t m, n;
	double abs_err;
	double *res2, *tsum, *tsq;	/* m each, one allocation */
};

static int regsum_init(struct regsum *r, size_t m)
{
	r->m = m;
	r->n = 0;
	r->abs_err = 0.0;
	r->res2 = util_calloc_array(m, 3 * sizeof(double));
	r->tsum = r->res2 ? r->res2 + m : NULL;
	r->tsq = r->res2 ? r->res2 + 2 * m : NULL;
	return r->res2 ? 0 : -1;
}

static void regsum_reset(struct regsum *r)
{
	r->n = 0;
	r->abs_err = 0.0;
	memset(r->res2, 0, 3 * r->m * sizeof(double));
}

static void regsum_add(struct regsum *r, const float *a, const float *t, size_t n,
		       const float *scale)
{
	size_t m = r->m;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < m; j++) {
			double d = (double)a[i * m + j] - (double)t[i * m + j];
			double tv = (double)t[i * m + j];

			r->abs_err += fabs(d) * (scale ? (double)scale[j] : 1.0);
			r->res2[j] += d * d;
			r->tsum[j] += tv;
			r->tsq[j] += tv * tv;
		}
	r->n += n;
}

/* MAE over rows and outputs; R^2 = 1 - SS_res / SS_tot per output, averaged
 * (an output with constant targets counts 1 when predicted exactly, else 0,
 * as scikit-learn's r2_score). */
static void regsum_finish(const struct regsum *r, double *mae, double *r2)
{
	double sum = 0.0;

	if (r->n == 0 || r->m == 0) {
		*mae = *r2 = (double)NAN;
		return;
	}
	*mae = r->abs_err / ((double)r->n * (double)r->m);
	for (size_t j = 0; j < r->m; j++) {
		double tot = r->tsq[j] - r->tsum[j] * r->tsum[j] / (double)r->n;

		if (tot > 1e-12 * r->tsq[j])
			sum += 1.0 - r->res2[j] / tot;
		else
			sum += r->res2[j] == 0.0 ? 1.0 : 0.0;
	}
	*r2 = sum / (double)r->m;
}

static void regsum_free(struct regsum *r)
{
	free(r->res2);
	r->res2 = r->tsum = r->tsq = NULL;
}

int train_measure(struct dnn_net *net, const struct dnn_rows *rows, int classification,
		  const float *scale, struct dnn_metrics *out, struct dnn_error *e)
{
	size_t n_in = net->n_in, m = net_n_out(net), chunk, correct = 0;
	const struct dnn_layer *last = &net->layers[net->n_layers - 1];
	struct regsum rs = {0};
	double sum = 0.0;

	out->mae = out->r2 = (double)NAN;
	if (net_reserve(net, 1, e))
		return -1;
	if (!classification && regsum_init(&rs, m))
		return dnn_error_oom(e);
	chunk = net->max_batch;
	for (size_t i = 0; i < rows->n; i += chunk) {
		size_t nb = rows->n - i < chunk ? rows->n - i : chunk;
		const float *a = net_forward(net, rows->x + i * n_in, nb);

		sum += loss_eval(net->loss, last->act, a, rows->t + i * m, nb, m, 0.0f, NULL);
		if (classification)
			correct += count_correct(a, rows->t + i * m, nb, m);
		else
			regsum_add(&rs, a, rows->t + i * m, nb, scale);
	}
	out->loss = rows->n ? sum / (double)rows->n : (double)NAN;
	out->accuracy =
		classification && rows->n ? (double)correct / (double)rows->n : (double)NAN;
	if (!classification) {
		regsum_finish(&rs, &out->mae, &out->r2);
		regsum_free(&rs);
	}
	return 0;
}

int train_evaluate(struct dnn_net *net, const struct dnn_rows *rows, int classification,
		   double *loss, double *accuracy, struct dnn_error *e)
{
	struct dnn_metrics mt;

	if (train_measure(net, rows, classification, NULL, &mt, e))
		return -1;
	*loss = mt.loss;
	*accuracy = mt.accuracy;
	return 0;
}

/* The full-batch objective for L-BFGS: the mean loss over all training rows,
 * in chunks of the network's workspace. */
struct full_batch {
	struct dnn_net *net;
	const struct dnn_rows *rows;
};

static double full_batch_loss(void *ctx, const float *w, float *grad)
{
	struct full_batch *fb = ctx;
	struct dnn_net *net = fb->net;
	size_t n = fb->rows->n, n_in = net->n_in, m = net_n_out(net), chunk = net->max_batch;
	double sum = 0.0;

	if (w != net->params)
		memcpy(net->params, w, net->n_params * sizeof *w);
	memset(grad, 0, net->n_params * sizeof *grad);
	for (size_t i = 0; i < n; i += chunk) {
		size_t nb = n - i < chunk ? n - i : chunk;
		double loss = net_loss_grad(net, fb->rows->x + i * n_in, fb->rows->t + i * m, nb);
		float wgt = (float)((double)nb / (double)n);

		if (!isfinite(loss))
			return loss;
		sum += loss * (double)nb;
		for (size_t k = 0; k < net->n_params; k++)
			grad[k] += wgt * net->grads[k];
	}
	return sum / (double)n;
}

static int diverged(struct dnn_error *e, unsigned long ep, double loss, double lr)
{
	return dnn_error_set(e, DNN_EX_FAIL, NULL, 0, 0,
			     "training diverged in epoch %lu (loss is %s); try a lower learning "
			     "rate than %g",
			     ep, isnan(loss) ? "NaN" : "infinite", lr);
}

int train_run(struct dnn_net *net, struct dnn_optim *opt, struct dnn_rng *rng,
	      const struct dnn_rows *train, const struct dnn_rows *val,
	      const struct dnn_train_opts *o, struct dnn_history *hist, struct dnn_error *e)
{
	size_t n = train->n, n_in = net->n_in, m = net_n_out(net);
	size_t bs = o->batch_size < n ? o->batch_size : n;
	size_t *idx = NULL;
	float *xb = NULL, *tb = NULL, *good = NULL, *best = NULL;
	struct regsum rs = {0};
	struct dnn_train_stop stop = {0};
	double best_loss = (double)INFINITY;
	int full = optim_full_batch(opt), has_val = val && val->n, rc = -1;
	struct full_batch fb = {net, train};
	unsigned long ep;

	if (n == 0)
		return dnn_error_set(e, DNN_EX_DATA, NULL, 0, 0, "no training rows");
	if (full)
		bs = n < 4096 ? n : 4096;
	if (net_reserve(net, bs, e))
		return -1;
	idx = util_malloc_array(n, sizeof *idx);
	xb = util_malloc_array(bs * n_in, sizeof *xb);
	tb = util_malloc_array(bs * m, sizeof *tb);
	good = util_malloc_array(net->n_params, sizeof *good);
	best = o->patience ? util_malloc_array(net->n_params, sizeof *best) : NULL;
	if (!idx || !xb || !tb || !good || (o->patience && !best) ||
	    (!o->classification && regsum_init(&rs, m))) {
		dnn_error_oom(e);
		goto out;
	}
	stop.monitor_val = has_val;
	for (size_t i = 0; i < n; i++)
		idx[i] = i;

	for (ep = 1; ep <= o->epochs; ep++) {
		double t0 = now(), sum = 0.0;
		size_t correct = 0;
		struct dnn_epoch rec;
		struct dnn_epoch_reg reg;

		if (o->sched)
			opt->learning_rate = sched_lr(o->sched, ep);
		rec.epoch = ep;
		rec.learning_rate = opt->learning_rate;
		reg.mae = reg.val_mae = reg.r2 = reg.val_r2 = (double)NAN;
		/* The weights at the start of the epoch, restored if it
		 * diverges. */
		memcpy(good, net->params, net->n_params * sizeof *good);
		if (full) {
			struct dnn_metrics mt;
			double F = (double)NAN;
			int r = optim_lbfgs_iter(opt, net->params, full_batch_loss, &fb, &F);

			if (r < 0) {
				memcpy(net->params, good, net->n_params * sizeof *good);
				diverged(e, ep, F, opt->learning_rate);
				goto out;
			}
			stop.converged = r == 1;
			if (train_measure(net, train, o->classification, o->target_scale, &mt, e))
				goto out;
			rec.loss = mt.loss;
			rec.accuracy = mt.accuracy;
			reg.mae = mt.mae;
			reg.r2 = mt.r2;
		} else {
			if (rs.res2)
				regsum_reset(&rs);
			rng_shuffle(rng, idx, n);
			for (size_t s = 0; s < n; s += bs) {
				size_t nb = n - s < bs ? n - s : bs;
				double loss;

				for (size_t r = 0; r < nb; r++) {
					memcpy(xb + r * n_in, train->x + idx[s + r] * n_in,
					       n_in * sizeof *xb);
					memcpy(tb + r * m, train->t + idx[s + r] * m,
					       m * sizeof *tb);
				}
				loss = net_loss_grad(net, xb, tb, nb);
				if (!isfinite(loss)) {
					memcpy(net->params, good, net->n_params * sizeof *good);
					diverged(e, ep, loss, opt->learning_rate);
					goto out;
				}
				if (o->classification)
					correct += count_correct(net->out[net->n_layers - 1], tb,
								 nb, m);
				else
					regsum_add(&rs, net->out[net->n_layers - 1], tb, nb,
						   o->target_scale);
				sum += loss * (double)nb;
				optim_step(opt, net->params, net->grads);
				if (o->interrupt && *o->interrupt) {
					stop.interrupted = ep;
					break;
				}
			}
			if (stop.interrupted)
				break;
			rec.loss = sum / (double)n;
			rec.accuracy =
				o->classification ? (double)correct / (double)n : (double)NAN;
			if (!o->classification)
				regsum_finish(&rs, &reg.mae, &reg.r2);
		}
		rec.val_loss = rec.val_accuracy = (double)NAN;
		if (has_val) {
			struct dnn_metrics mt;

			if (train_measure(net, val, o->classification, o->target_scale, &mt, e))
				goto out;
			rec.val_loss = mt.loss;
			rec.val_accuracy = mt.accuracy;
			reg.val_mae = mt.mae;
			reg.val_r2 = mt.r2;
		}
		rec.seconds = now() - t0;
		if (history_append(hist, &rec)) {
			dnn_error_oom(e);
			goto out;
		}
		if (o->on_epoch)
			o->on_epoch(&rec, o->classification ? NULL : &reg, o->epochs, o->ctx);
		if (o->sched)
			sched_observe(o->sched, ep, has_val ? rec.val_loss : rec.loss);
		if (o->patience) {
			double watched = has_val ? rec.val_loss : rec.loss;

			if (watched < best_loss) {
				best_loss = watched;
				stop.best_epoch = ep;
				memcpy(best, net->params, net->n_params * sizeof *best);
			} else if (ep - stop.best_epoch >= o->patience) {
				stop.early = 1;
				break;
			}
		}
		if (stop.converged)
			break;
		if (o->interrupt && *o->interrupt) {
			stop.interrupted = ep;
			break;
		}
	}
	/* Early stopping keeps the weights of the best epoch. */
	if (o->patience && stop.best_epoch && stop.best_epoch != hist->n)
		memcpy(net->params, best, net->n_params * sizeof *best);
	if (stop.interrupted) {
		dnn_error_set(e, DNN_EX_INTERRUPT, NULL, 0, 0, "interrupted in epoch %lu",
			      stop.interrupted);
		goto out;
	}
	rc = 0;
out:
	if (o->stop)
		*o->stop = stop;
	regsum_free(&rs);
	free(idx);
	free(xb);
	free(tb);
	free(good);
	free(best);
	return rc;
}
