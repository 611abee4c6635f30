#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytes.h"
#include "dist.h"
#include "loss.h"
#include "util.h"

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
	double *res2, *tsum, *tsq; /* m each, one allocation */
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

/* Add up the sums of all MPI ranks (collective). */
static void regsum_share(struct regsum *r)
{
	double v[2] = {r->abs_err, (double)r->n};

	dist_sum_f64(v, 2);
	dist_sum_f64(r->res2, 3 * r->m);
	r->abs_err = v[0];
	r->n = (size_t)v[1];
}

static void regsum_free(struct regsum *r)
{
	free(r->res2);
	r->res2 = r->tsum = r->tsq = NULL;
}

static int measure(struct dnn_net *net, const struct dnn_rows *rows, int classification,
		   const float *scale, struct dnn_metrics *out, int shared, struct dnn_error *e)
{
	size_t n_in = net->n_in, m = net_n_out(net), chunk, correct = 0, n = rows->n;
	const struct dnn_layer *last = &net->layers[net->n_layers - 1];
	struct regsum rs = {0};
	double sum = 0.0;

	out->mae = out->r2 = (double)NAN;
	if (net_reserve(net, 1, e) || (!classification && regsum_init(&rs, m))) {
		if (!e->code)
			dnn_error_oom(e);
		if (shared)
			dist_abort(e);
		return -1;
	}
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
	if (shared) {
		double v[3] = {sum, (double)correct, (double)n};

		dist_sum_f64(v, 3);
		sum = v[0];
		correct = (size_t)v[1];
		n = (size_t)v[2];
		if (!classification)
			regsum_share(&rs);
	}
	out->loss = n ? sum / (double)n : (double)NAN;
	out->accuracy = classification && n ? (double)correct / (double)n : (double)NAN;
	if (!classification) {
		regsum_finish(&rs, &out->mae, &out->r2);
		regsum_free(&rs);
	}
	return 0;
}

int train_measure(struct dnn_net *net, const struct dnn_rows *rows, int classification,
		  const float *scale, struct dnn_metrics *out, struct dnn_error *e)
{
	return measure(net, rows, classification, scale, out, 0, e);
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
	size_t n_total; /* the rows of all MPI ranks (shared), else rows->n */
	int shared;
};

static double full_batch_loss(void *ctx, const float *w, float *grad)
{
	struct full_batch *fb = ctx;
	struct dnn_net *net = fb->net;
	size_t n = fb->rows->n, n_in = net->n_in, m = net_n_out(net), chunk = net->max_batch;
	double sum = 0.0, all = (double)fb->n_total;

	if (w != net->params)
		memcpy(net->params, w, net->n_params * sizeof *w);
	memset(grad, 0, net->n_params * sizeof *grad);
	for (size_t i = 0; i < n; i += chunk) {
		size_t nb = n - i < chunk ? n - i : chunk;
		double loss = net_loss_grad(net, fb->rows->x + i * n_in, fb->rows->t + i * m, nb);
		float wgt = (float)((double)nb / all);

		if (!isfinite(loss)) {
			sum = loss;
			break;
		}
		sum += loss * (double)nb;
		for (size_t k = 0; k < net->n_params; k++)
			grad[k] += wgt * net->grads[k];
	}
	if (fb->shared) {
		dist_sum_f32(grad, net->n_params);
		dist_sum_f64(&sum, 1);
	}
	return isfinite(sum) ? sum / all : sum;
}

static int diverged(struct dnn_error *e, unsigned long ep, double loss, double lr)
{
	return dnn_error_set(e, DNN_EX_FAIL, NULL, 0, 0,
			     "training diverged in epoch %lu (loss is %s); try a lower learning "
			     "rate than %g",
			     ep, isnan(loss) ? "NaN" : "infinite", lr);
}

/* Check that every MPI rank holds the same weights (collective): they take
 * the same steps, so a difference is a fault. */
static int same_weights(const struct dnn_net *net, struct dnn_error *e)
{
	uint64_t h = 1469598103934665603u;
	const unsigned char *p = (const unsigned char *)net->params;

	for (size_t i = 0; i < net->n_params * sizeof *net->params; i++) {
		h ^= p[i];
		h *= 1099511628211u;
	}
	if (dist_max_u64(h) == h && dist_max_u64(~h) == ~h)
		return 0;
	/* Every rank sees a difference, as some rank's hash is not the max. */
	return dnn_error_set(e, DNN_EX_SOFTWARE, NULL, 0, 0,
			     "internal error: the MPI ranks hold different weights");
}

int train_run(struct dnn_net *net, struct dnn_optim *opt, struct dnn_rng *rng,
	      const struct dnn_rows *train, const struct dnn_rows *val,
	      const struct dnn_train_opts *o, struct dnn_history *hist, struct dnn_error *e)
{
	/* Shared: n is this rank's rows, n_all those of all ranks, and
	 * local[g] the row here that is row g of all (SIZE_MAX: another
	 * rank's). */
	int shared = o->gid != NULL && dist_active();
	size_t n = train->n, n_all = shared ? o->n_total : n, n_in = net->n_in, m = net_n_out(net);
	size_t bs = o->batch_size < n_all ? o->batch_size : n_all, np = net->n_params;
	size_t *idx = NULL, *local = NULL;
	float *xb = NULL, *tb = NULL, *good = NULL, *best = NULL;
	struct regsum rs = {0};
	struct dnn_train_stop stop = {0};
	struct dnn_train_early own = {(double)INFINITY, 0, NULL, NULL},
			       *early = o->early ? o->early : &own;
	int full = optim_full_batch(opt), has_val = val && val->n, rc = -1, failed;
	struct full_batch fb = {net, train, n_all, shared};
	unsigned long ep;

	if (shared) {
		uint64_t nv = val ? val->n : 0;

		dist_sum_u64(&nv, 1);
		has_val = nv > 0;
	}
	if (n_all == 0)
		return dnn_error_set(e, DNN_EX_DATA, NULL, 0, 0, "no training rows");
	if (full)
		bs = n < 4096 ? (n ? n : 1) : 4096;
	failed = net_reserve(net, bs, e);
	if (!failed) {
		idx = util_malloc_array(n_all, sizeof *idx);
		xb = util_malloc_array(bs * n_in, sizeof *xb);
		tb = util_malloc_array(bs * m, sizeof *tb);
		good = util_malloc_array(np, sizeof *good);
		if (shared)
			local = util_malloc_array(n_all, sizeof *local);
		if (o->patience && !early->best)
			early->best = best = util_malloc_array(np, sizeof *best);
		if (!idx || !xb || !tb || !good || (o->patience && !early->best) ||
		    (shared && !local) || (!o->classification && regsum_init(&rs, m)))
			failed = dnn_error_oom(e);
	}
	stop.best_epoch = early->best_epoch;
	if (shared ? dist_agree(failed, e) : failed)
		goto out;
	if (shared) {
		for (size_t g = 0; g < n_all; g++)
			local[g] = SIZE_MAX;
		for (size_t j = 0; j < n; j++)
			local[o->gid[j]] = j;
	}
	stop.monitor_val = has_val;

	for (ep = o->first_epoch ? o->first_epoch : 1; ep <= o->epochs; ep++) {
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
			if (measure(net, train, o->classification, o->target_scale, &mt, shared, e))
				goto out;
			rec.loss = mt.loss;
			rec.accuracy = mt.accuracy;
			reg.mae = mt.mae;
			reg.r2 = mt.r2;
		} else {
			if (rs.res2)
				regsum_reset(&rs);
			/* Each epoch's order depends on the generator alone, so
			 * that a resumed run goes on as an uninterrupted one. */
			for (size_t i = 0; i < n_all; i++)
				idx[i] = i;
			rng_shuffle(rng, idx, n_all);
			for (size_t s = 0; s < n_all; s += bs) {
				size_t nb = n_all - s < bs ? n_all - s : bs, nl = 0;
				double t_red;
				int bad, stopped = o->interrupt && *o->interrupt;
				double loss;

				/* This rank's rows of the minibatch. */
				for (size_t r = 0; r < nb; r++) {
					size_t j = shared ? local[idx[s + r]] : idx[s + r];

					if (j == SIZE_MAX)
						continue;
					memcpy(xb + nl * n_in, train->x + j * n_in,
					       n_in * sizeof *xb);
					memcpy(tb + nl * m, train->t + j * m, m * sizeof *tb);
					nl++;
				}
				if (shared) {
					/* The batch's gradient is the sum of the ranks'
					 * parts, in place; two flags travel with it, in
					 * the room grads has after it. */
					float *g = net->grads;

					loss =
					    net_loss_grad_part(net, xb, tb, nl, 1.0f / (float)nb);
					g[np] = isfinite(loss) ? 0.0f : 1.0f;
					g[np + 1] = stopped ? 1.0f : 0.0f;
					t_red = now();
					dist_sum_f32(g, np + NET_GRADS_SPARE);
					stop.reduce_seconds += now() - t_red;
					stop.reductions++;
					bad = g[np] > 0.0f;
					stopped = g[np + 1] > 0.0f;
					if (bad)
						loss = (double)NAN;
				} else {
					loss = net_loss_grad(net, xb, tb, nb);
					bad = !isfinite(loss);
					loss *= (double)nb;
				}
				if (bad) {
					memcpy(net->params, good, np * sizeof *good);
					diverged(e, ep, loss, opt->learning_rate);
					goto out;
				}
				if (o->classification)
					correct +=
					    count_correct(net->out[net->n_layers - 1], tb, nl, m);
				else
					regsum_add(&rs, net->out[net->n_layers - 1], tb, nl,
						   o->target_scale);
				sum += loss;
				optim_step(opt, net->params, net->grads);
				if (!shared)
					stopped = o->interrupt && *o->interrupt;
				if (o->on_batch)
					o->on_batch(ep, s + nb, n_all, o->ctx);
				if (stopped) {
					stop.interrupted = ep;
					break;
				}
			}
			if (stop.interrupted)
				break;
			if (shared) {
				double v[2] = {sum, (double)correct};

				dist_sum_f64(v, 2);
				sum = v[0];
				correct = (size_t)v[1];
				if (!o->classification)
					regsum_share(&rs);
			}
			rec.loss = sum / (double)n_all;
			rec.accuracy =
			    o->classification ? (double)correct / (double)n_all : (double)NAN;
			if (!o->classification)
				regsum_finish(&rs, &reg.mae, &reg.r2);
		}
		rec.val_loss = rec.val_accuracy = (double)NAN;
		if (has_val) {
			struct dnn_metrics mt;

			if (measure(net, val, o->classification, o->target_scale, &mt, shared, e))
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

			if (watched < early->best_loss) {
				early->best_loss = watched;
				early->best_epoch = stop.best_epoch = ep;
				memcpy(early->best, net->params, net->n_params * sizeof *best);
			} else if (ep - stop.best_epoch >= o->patience) {
				stop.early = 1;
				break;
			}
		}
		if (shared && (failed = same_weights(net, e)) != 0)
			goto out;
		if (stop.converged)
			break;
		if (o->interrupt &&
		    (shared ? dist_max_u64(*o->interrupt != 0) != 0 : *o->interrupt != 0)) {
			stop.interrupted = ep;
			break;
		}
	}
	/* Early stopping keeps the weights of the best epoch. */
	if (o->patience && stop.best_epoch && stop.best_epoch != hist->n) {
		if (early->last)
			memcpy(early->last, net->params, net->n_params * sizeof *best);
		memcpy(net->params, early->best, net->n_params * sizeof *best);
		stop.restored = 1;
	}
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
	free(local);
	free(xb);
	free(tb);
	free(good);
	if (best && early == &own)
		free(best);
	return rc;
}

/* --- the state of a run, for --resume --------------------------------------- */

#define STATE_LAYOUT 1

unsigned char *train_state_encode(unsigned long epochs_done, const struct dnn_rng *rng,
				  const float *params, const struct dnn_optim *opt,
				  const struct dnn_sched *sched,
				  const struct dnn_train_early *early, size_t *len)
{
	struct dnn_wbuf b = {0};
	size_t n = opt->n, m = opt->conf.history_size;
	int have_best = early && early->best && early->best_epoch;

	wbuf_uint(&b, STATE_LAYOUT, 4);
	wbuf_uint(&b, epochs_done, 8);
	for (int i = 0; i < 4; i++)
		wbuf_uint(&b, rng->s[i], 8);
	wbuf_uint(&b, (uint64_t)opt->conf.kind, 4);
	wbuf_uint(&b, opt->t, 8);
	wbuf_uint(&b, n, 8);
	wbuf_f32s(&b, params, n);
	wbuf_f64(&b, sched->plateau_lr);
	wbuf_f64(&b, sched->best);
	wbuf_uint(&b, sched->n_bad, 8);
	wbuf_uint(&b, (uint64_t)have_best, 4);
	wbuf_f64(&b, early ? early->best_loss : (double)INFINITY);
	wbuf_uint(&b, early ? early->best_epoch : 0, 8);
	if (have_best)
		wbuf_f32s(&b, early->best, n);
	if (optim_full_batch(opt)) {
		wbuf_uint(&b, (uint64_t)opt->lb.started, 4);
		wbuf_uint(&b, m, 4);
		wbuf_uint(&b, opt->lb.head, 4);
		wbuf_uint(&b, opt->lb.count, 4);
		wbuf_f64(&b, opt->lb.f);
		wbuf_f64s(&b, opt->lb.x, n);
		wbuf_f64s(&b, opt->lb.gx, n);
		wbuf_f64s(&b, opt->lb.s, m * n);
		wbuf_f64s(&b, opt->lb.y, m * n);
		wbuf_f64s(&b, opt->lb.rho, m);
	} else {
		wbuf_f32s(&b, opt->m, n);
		wbuf_f32s(&b, opt->v, n);
	}
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	*len = b.n;
	return b.p;
}

int train_state_decode(const unsigned char *p, size_t len, const char *file,
		       unsigned long *epochs_done, struct dnn_rng *rng, float *params,
		       struct dnn_optim *opt, struct dnn_sched *sched,
		       struct dnn_train_early *early, struct dnn_error *e)
{
	struct dnn_rbuf d = {p, len, 0, 0};
	size_t n = opt->n, m = opt->conf.history_size;
	uint64_t layout, kind, np, have_best;

#define BAD(...) dnn_error_set(e, DNN_EX_DATA, file, 0, 0, "training state: " __VA_ARGS__)
	layout = rbuf_uint(&d, 4);
	if (layout != STATE_LAYOUT)
		return BAD("unknown layout %llu", (unsigned long long)layout);
	*epochs_done = (unsigned long)rbuf_uint(&d, 8);
	for (int i = 0; i < 4; i++)
		rng->s[i] = rbuf_uint(&d, 8);
	kind = rbuf_uint(&d, 4);
	opt->t = (unsigned long)rbuf_uint(&d, 8);
	np = rbuf_uint(&d, 8);
	if (d.overrun)
		return BAD("truncated");
	if (kind != (uint64_t)opt->conf.kind)
		return BAD("the checkpoint was trained with %s, not %s; a resumed run keeps its "
			   "optimizer",
			   spec_optim_name((int)kind), spec_optim_name(opt->conf.kind));
	if (np != n)
		return BAD("%llu parameters for a network of %zu", (unsigned long long)np, n);
	rbuf_f32s(&d, params, n);
	sched->plateau_lr = rbuf_f64(&d);
	sched->best = rbuf_f64(&d);
	sched->n_bad = (unsigned long)rbuf_uint(&d, 8);
	have_best = rbuf_uint(&d, 4);
	early->best_loss = rbuf_f64(&d);
	early->best_epoch = (unsigned long)rbuf_uint(&d, 8);
	if (have_best && early->best)
		rbuf_f32s(&d, early->best, n);
	else if (have_best)
		d.pos += 4 * n < d.n - d.pos ? 4 * n : d.n - d.pos;
	else
		early->best_epoch = 0;
	if (optim_full_batch(opt)) {
		opt->lb.started = (int)rbuf_uint(&d, 4);
		if (rbuf_uint(&d, 4) != m)
			return BAD("a history_size other than the spec's %zu", m);
		opt->lb.head = (size_t)rbuf_uint(&d, 4);
		opt->lb.count = (size_t)rbuf_uint(&d, 4);
		if (opt->lb.head >= m || opt->lb.count > m)
			return BAD("inconsistent lbfgs memory");
		opt->lb.f = rbuf_f64(&d);
		rbuf_f64s(&d, opt->lb.x, n);
		rbuf_f64s(&d, opt->lb.gx, n);
		rbuf_f64s(&d, opt->lb.s, m * n);
		rbuf_f64s(&d, opt->lb.y, m * n);
		rbuf_f64s(&d, opt->lb.rho, m);
	} else {
		rbuf_f32s(&d, opt->m, n);
		rbuf_f32s(&d, opt->v, n);
	}
	if (d.overrun)
		return BAD("truncated");
	if (d.pos != d.n)
		return BAD("%zu bytes too many", d.n - d.pos);
#undef BAD
	return 0;
}
