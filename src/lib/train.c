/* The training loop of train.h: a run's epochs, the processes that share
 * it (struct comm) and the sums of its figures over them, and the state a
 * resumed run goes on from. */
#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytes.h"
#include "dist.h"
#include "fpmode.h"
#include "hvp.h"
#include "metrics.h"
#include "util.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* --- the processes that train together ------------------------------------ */

struct run;

/* What training asks of the processes that share its rows: for one process
 * nothing (sums over one process are the identity), for MPI ranks
 * (dnn_train_opts.gid) the collectives of dist.h. Every rank makes the same
 * calls in the same order. */
struct comm {
	/* This rank's rows of minibatch rows [s, s + nb) of the epoch's order
	 * into the run's xb and tb; returns their count. */
	size_t (*gather)(struct run *r, size_t s, size_t nb);
	/* Make net->grads the gradient of the whole minibatch of nb rows from
	 * this rank's part (grads of its summed loss, scaled by 1/nb) and
	 * return the batch's summed loss; *bad is set when that is not finite
	 * on any rank. */
	double (*sum_gradients)(struct run *r, double loss, size_t nb, int *bad);
	/* After a minibatch step: whether training stops there (interrupted). */
	int (*stop_after_step)(const struct run *r);
	/* Sums of figures and counts over the ranks, in place. */
	void (*sum_f32)(float *v, size_t n);
	void (*sum_f64)(double *v, size_t n);
	void (*sum_u64)(uint64_t *v, size_t n);
	uint64_t (*max_u64)(uint64_t v);
	/* dist_agree: -1 on every rank when failed is non-zero on any. */
	int (*agree)(int failed, struct dnn_error *e);
	/* At the end of an epoch: 0 when the ranks hold the same weights. */
	int (*check)(const struct dnn_net *net, struct dnn_error *e);
	/* At the end of an epoch: the rows' kept state (running statistics,
	 * which each rank moves with its own rows) made the same on every
	 * rank, their mean. */
	void (*share_state)(struct dnn_net *net);
};

/* Add up the sums of all processes of c, the row count too unless the
 * caller knows it (n_all; 0 when not). */
static void tally_share(struct dnn_tally *t, const struct comm *c, size_t n_all)
{
	double v[3] = {t->loss, (double)t->correct, (double)t->n};

	c->sum_f64(v, n_all ? 2 : 3);
	t->loss = v[0];
	t->correct = (size_t)v[1];
	t->n = n_all ? n_all : (size_t)v[2];
	if (!t->classification) {
		double w[2] = {t->reg.abs_err, (double)t->reg.n};

		c->sum_f64(w, 2);
		c->sum_f64(t->reg.res2, 3 * t->reg.m);
		t->reg.abs_err = w[0];
		t->reg.n = (size_t)w[1];
	}
}

/* The figures of net on rows, summed over the processes of c. */
static int measure(struct dnn_net *net, const struct dnn_rows *rows, int classification,
		   const float *scale, struct dnn_metrics *out, const struct comm *c,
		   struct dnn_error *e)
{
	struct dnn_tally t = {0};
	int failed = net_reserve(net, 1, e) ||
		     (metrics_tally_init(&t, classification, net_n_out(net)) && dnn_error_oom(e));

	if (c->agree(failed, e)) {
		metrics_tally_free(&t);
		return -1;
	}
	metrics_tally_rows(&t, net, rows, scale);
	tally_share(&t, c, 0);
	metrics_tally_finish(&t, out);
	metrics_tally_free(&t);
	return 0;
}

/* The full-batch objective for L-BFGS: the mean loss over all training rows,
 * in chunks of the network's workspace. */
struct full_batch {
	struct dnn_net *net;
	const struct dnn_rows *rows;
	size_t n_total; /* the rows of all processes */
	const struct comm *comm;
	const size_t *gid; /* MPI: the rows' places among all (NULL: 0, 1, ...) */
	uint64_t seed;	   /* the draws (masks): one fixed loss for every iteration */
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
		const float *rw = fb->rows->w ? fb->rows->w + i : NULL;
		struct dnn_pass pass = {1, fb->seed, fb->gid ? fb->gid + i : NULL, i};
		double loss = net_loss_grad_weighted(net, fb->rows->x + i * n_in,
						     fb->rows->t + i * m, rw, nb, 1.0f / (float)nb,
						     &pass) /
			      (double)nb;
		float wgt = (float)((double)nb / all);

		if (!isfinite(loss)) {
			sum = loss;
			break;
		}
		sum += loss * (double)nb;
		for (size_t k = 0; k < net->n_params; k++)
			grad[k] += wgt * net->grads[k];
	}
	fb->comm->sum_f32(grad, net->n_params);
	fb->comm->sum_f64(&sum, 1);
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

/* --- one run of train_run -------------------------------------------------- */

/* One call of train_run: its inputs, buffers and progress. */
struct run {
	struct dnn_net *net;
	struct dnn_optim *opt;
	struct dnn_rng *rng;
	const struct dnn_rows *train, *val;
	const struct dnn_train_opts *o;
	const struct comm *comm;
	/* n_all: the training rows of all processes; bs: the batch */
	size_t n_all, bs, n_in, m, np;
	size_t *idx;	/* the epoch's order of rows 0 .. n_all-1 */
	size_t *local;	/* MPI: local[g] is the row here that is row g of all
			 * (SIZE_MAX: another rank's) */
	size_t *keys;	/* the places among all rows of the rows of xb */
	float *xb, *tb; /* this process's rows of a minibatch */
	float *wb;	/* their weights (train->w), or NULL */
	float *good;	/* the weights and state at the start of the epoch */
	float *best;	/* early->best when allocated here */
	struct dnn_tally ty; /* the epoch's training figures */
	struct dnn_train_stop stop;
	struct dnn_train_early own, *early;
	struct full_batch fb;
	/* saddle-free Newton: the minibatch's exact Hessian-vector products,
	 * at the weights hw (double), of this process's nl rows, their share
	 * nl / nb of the batch */
	struct dnn_hvp *hvp;
	double *hw, share;
	size_t nl;
	int full, has_val;
	int stop_agreed; /* MPI: a rank was interrupted during the minibatch */
	int began;	 /* o->stop is to be filled */
};

static int interrupted(const struct dnn_train_opts *o)
{
	return o->interrupt && *o->interrupt;
}

/* Row j here, row g of all, into place at of the minibatch. */
static void copy_row(struct run *r, size_t j, size_t g, size_t at)
{
	r->keys[at] = g;
	memcpy(r->xb + at * r->n_in, r->train->x + j * r->n_in, r->n_in * sizeof *r->xb);
	memcpy(r->tb + at * r->m, r->train->t + j * r->m, r->m * sizeof *r->tb);
	if (r->wb)
		r->wb[at] = r->train->w[j];
}

static size_t local_gather(struct run *r, size_t s, size_t nb)
{
	for (size_t q = 0; q < nb; q++)
		copy_row(r, r->idx[s + q], r->idx[s + q], q);
	return nb;
}

/* One process has always summed a batch's loss as its mean times its rows:
 * kept for the same bits. */
static double local_sum_gradients(struct run *r, double loss, size_t nb, int *bad)
{
	double mean = loss / (double)nb;

	(void)r;
	*bad = !isfinite(mean);
	return mean * (double)nb;
}

static int local_stop(const struct run *r)
{
	return interrupted(r->o);
}

static void no_sum_f32(float *v, size_t n)
{
	(void)v;
	(void)n;
}

static void no_sum_f64(double *v, size_t n)
{
	(void)v;
	(void)n;
}

static void no_sum_u64(uint64_t *v, size_t n)
{
	(void)v;
	(void)n;
}

static uint64_t own_max_u64(uint64_t v)
{
	return v;
}

static int own_agree(int failed, struct dnn_error *e)
{
	(void)e;
	return failed ? -1 : 0;
}

static int no_check(const struct dnn_net *net, struct dnn_error *e)
{
	(void)net;
	(void)e;
	return 0;
}

static void own_state(struct dnn_net *net)
{
	(void)net;
}

static const struct comm one_process = {
    .gather = local_gather,
    .sum_gradients = local_sum_gradients,
    .stop_after_step = local_stop,
    .sum_f32 = no_sum_f32,
    .sum_f64 = no_sum_f64,
    .sum_u64 = no_sum_u64,
    .max_u64 = own_max_u64,
    .agree = own_agree,
    .check = no_check,
    .share_state = own_state,
};

static size_t shared_gather(struct run *r, size_t s, size_t nb)
{
	size_t nl = 0;

	for (size_t q = 0; q < nb; q++) {
		size_t j = r->local[r->idx[s + q]];

		if (j != SIZE_MAX)
			copy_row(r, j, r->idx[s + q], nl++);
	}
	return nl;
}

/* The batch's gradient is the sum of the ranks' parts, in place; two flags
 * travel with it, in the room grads has after it: a non-finite loss and an
 * interrupt. */
static double shared_sum_gradients(struct run *r, double loss, size_t nb, int *bad)
{
	float *g = r->net->grads;
	size_t np = r->np;
	double t0;

	(void)nb;
	g[np] = isfinite(loss) ? 0.0f : 1.0f;
	g[np + 1] = interrupted(r->o) ? 1.0f : 0.0f;
	t0 = now();
	dist_sum_f32(g, np + NET_GRADS_SPARE);
	r->stop.reduce_seconds += now() - t0;
	r->stop.reductions++;
	*bad = g[np] > 0.0f;
	r->stop_agreed = g[np + 1] > 0.0f;
	return *bad ? (double)NAN : loss;
}

static int shared_stop(const struct run *r)
{
	return r->stop_agreed;
}

/* The mean over the ranks of each value of the state. */
static void mean_state(struct dnn_net *net)
{
	float inv = 1.0f / (float)dist_size();

	if (!net->n_state)
		return;
	dist_sum_f32(net->state, net->n_state);
	for (size_t i = 0; i < net->n_state; i++)
		net->state[i] *= inv;
}

static const struct comm mpi_ranks = {
    .gather = shared_gather,
    .sum_gradients = shared_sum_gradients,
    .stop_after_step = shared_stop,
    .sum_f32 = dist_sum_f32,
    .sum_f64 = dist_sum_f64,
    .sum_u64 = dist_sum_u64,
    .max_u64 = dist_max_u64,
    .agree = dist_agree,
    .check = same_weights,
    .share_state = mean_state,
};

/* Saddle-free Newton's Hessian-vector products on up to a batch of rows,
 * in training mode with the float pass's draws held (dropout masks, batch
 * statistics), and its double copy of the weights. */
static int hessian_alloc(struct run *r, struct dnn_error *e)
{
	if (!(r->hvp = hvp_new_rows(r->net, r->bs, e)))
		return -1;
	hvp_hold_pass(r->hvp);
	if (!(r->hw = util_malloc_array(r->np, sizeof *r->hw)))
		return dnn_error_oom(e);
	return 0;
}

/* The buffers of a run, agreed on by all processes. */
static int run_alloc(struct run *r, struct dnn_error *e)
{
	const struct dnn_train_opts *o = r->o;
	int failed = net_reserve(r->net, r->bs, e);

	if (!failed) {
		r->idx = util_malloc_array(r->n_all, sizeof *r->idx);
		r->xb = util_malloc_array(r->bs * r->n_in, sizeof *r->xb);
		r->tb = util_malloc_array(r->bs * r->m, sizeof *r->tb);
		r->keys = util_malloc_array(r->bs, sizeof *r->keys);
		r->good = util_malloc_array(net_n_saved(r->net), sizeof *r->good);
		if (r->train->w)
			r->wb = util_malloc_array(r->bs, sizeof *r->wb);
		if (r->comm == &mpi_ranks)
			r->local = util_malloc_array(r->n_all, sizeof *r->local);
		if (o->patience && !r->early->best)
			r->early->best = r->best =
			    util_malloc_array(net_n_saved(r->net), sizeof *r->best);
		if (!r->idx || !r->xb || !r->tb || !r->keys || !r->good ||
		    (o->patience && !r->early->best) || (r->train->w && !r->wb) ||
		    (r->comm == &mpi_ranks && !r->local) ||
		    metrics_tally_init(&r->ty, o->classification, r->m))
			failed = dnn_error_oom(e);
		else if (optim_second_order(r->opt))
			failed = hessian_alloc(r, e);
	}
	r->stop.best_epoch = r->early->best_epoch;
	if (r->comm->agree(failed, e))
		return -1;
	if (r->local) {
		for (size_t g = 0; g < r->n_all; g++)
			r->local[g] = SIZE_MAX;
		for (size_t j = 0; j < r->train->n; j++)
			r->local[o->gid[j]] = j;
	}
	return 0;
}

static int run_init(struct run *r, struct dnn_net *net, struct dnn_optim *opt, struct dnn_rng *rng,
		    const struct dnn_rows *train, const struct dnn_rows *val,
		    const struct dnn_train_opts *o, struct dnn_error *e)
{
	uint64_t nv = val ? val->n : 0;

	memset(r, 0, sizeof *r);
	r->net = net;
	r->opt = opt;
	r->rng = rng;
	r->train = train;
	r->val = val;
	r->o = o;
	r->comm = o->gid != NULL && dist_active() ? &mpi_ranks : &one_process;
	r->n_all = r->comm == &mpi_ranks ? o->n_total : train->n;
	r->n_in = net->n_in;
	r->m = net_n_out(net);
	r->np = net->n_params;
	r->bs = o->batch_size < r->n_all ? o->batch_size : r->n_all;
	r->own.best_loss = (double)INFINITY;
	r->early = o->early ? o->early : &r->own;
	r->full = optim_full_batch(opt);
	r->fb = (struct full_batch){net, train, r->n_all, r->comm,
				    r->comm == &mpi_ranks ? o->gid : NULL, rng_mix(o->seed, 0)};
	r->comm->sum_u64(&nv, 1);
	r->has_val = nv > 0;
	if (r->n_all == 0)
		return dnn_error_set(e, DNN_EX_DATA, NULL, 0, 0, "no training rows");
	if (r->full)
		r->bs = train->n < 4096 ? (train->n ? train->n : 1) : 4096;
	r->began = 1;
	if (run_alloc(r, e))
		return -1;
	r->stop.monitor_val = r->has_val;
	return 0;
}

static void run_free(struct run *r)
{
	if (r->began && r->o->stop)
		*r->o->stop = r->stop;
	metrics_tally_free(&r->ty);
	free(r->idx);
	free(r->local);
	free(r->xb);
	free(r->tb);
	free(r->wb);
	free(r->keys);
	free(r->good);
	hvp_free(r->hvp);
	free(r->hw);
	if (r->best && r->early == &r->own)
		free(r->best);
}

/* Max-norm after a step: the rows of each layer with a max_norm. */
static void apply_max_norm(struct run *r)
{
	for (size_t l = 0; r->o->max_norm && l < r->net->n_layers; l++)
		if (r->o->max_norm[l] > 0.0)
			net_max_norm(r->net, l, r->o->max_norm[l]);
}

/* y = H v, H the Hessian of the minibatch's loss (over the rows of all
 * processes) at r->hw, for saddle-free Newton: each process's rows' H v
 * times their share of the batch, summed. */
static void minibatch_hv(void *ctx, const double *v, double *y)
{
	struct run *r = ctx;

	if (r->nl) {
		hvp_hv(r->hvp, r->hw, v, NULL, y);
		if (r->share != 1.0)
			for (size_t i = 0; i < r->np; i++)
				y[i] *= r->share;
	} else {
		for (size_t i = 0; i < r->np; i++)
			y[i] = 0.0;
	}
	r->comm->sum_f64(y, r->np);
}

/* The minibatch's loss at w (over the rows of all processes). */
static double minibatch_loss(void *ctx, const double *w)
{
	struct run *r = ctx;
	double f = r->nl ? hvp_loss(r->hvp, w) * r->share : 0.0;

	r->comm->sum_f64(&f, 1);
	return f;
}

/* The optimizer's step on the minibatch of nb rows, nl of them here, whose
 * gradient is in net->grads (and whose training pass the net just ran). */
static void step(struct run *r, size_t nl, size_t nb)
{
	struct dnn_net *net = r->net;

	if (!optim_second_order(r->opt)) {
		optim_step(r->opt, net->params, net->grads);
		return;
	}
	r->nl = nl;
	r->share = (double)nl / (double)nb;
	for (size_t i = 0; i < r->np; i++)
		r->hw[i] = (double)net->params[i];
	if (nl) {
		hvp_set_rows(r->hvp, r->xb, r->tb, nl);
		hvp_set_row_weights(r->hvp, r->wb);
	}
	struct dnn_curvature c = {minibatch_hv, minibatch_loss, r};

	optim_sfn_step(r->opt, net->params, net->grads, &c);
}

/* The minibatch steps of epoch ep over the rows of all processes, in the
 * order the generator draws (so that a resumed run goes on as an
 * uninterrupted one); rec and reg get the training figures. Returns 0, 1
 * when interrupted (stop.interrupted set), -1 when the loss diverged. */
static int epoch_minibatch(struct run *r, unsigned long ep, struct dnn_epoch *rec,
			   struct dnn_epoch_reg *reg, struct dnn_error *e)
{
	const struct dnn_train_opts *o = r->o;
	struct dnn_net *net = r->net;
	size_t n_all = r->n_all;
	struct dnn_metrics mt;
	struct dnn_pass pass = {1, rng_mix(o->seed, ep), r->keys, 0};

	metrics_tally_reset(&r->ty);
	for (size_t i = 0; i < n_all; i++)
		r->idx[i] = i;
	rng_shuffle(r->rng, r->idx, n_all);
	for (size_t s = 0; s < n_all; s += r->bs) {
		size_t nb = n_all - s < r->bs ? n_all - s : r->bs, nl = r->comm->gather(r, s, nb);
		double loss =
		    net_loss_grad_weighted(net, r->xb, r->tb, r->wb, nl, 1.0f / (float)nb, &pass);
		int bad;

		loss = r->comm->sum_gradients(r, loss, nb, &bad);
		if (bad) {
			net_restore(net, r->good);
			return diverged(e, ep, loss, r->opt->learning_rate);
		}
		metrics_tally_add(&r->ty, net->out[net->n_layers - 1], r->tb, nl, o->target_scale);
		r->ty.loss += loss;
		step(r, nl, nb);
		apply_max_norm(r);
		bad = r->comm->stop_after_step(r);
		if (o->on_batch)
			o->on_batch(ep, s + nb, n_all, o->ctx);
		if (bad) {
			r->stop.interrupted = ep;
			return 1;
		}
	}
	tally_share(&r->ty, r->comm, n_all);
	metrics_tally_finish(&r->ty, &mt);
	rec->loss = mt.loss;
	rec->accuracy = mt.accuracy;
	reg->mae = mt.mae;
	reg->r2 = mt.r2;
	return 0;
}

/* One L-BFGS iteration as epoch ep; rec and reg get the training figures.
 * Returns 0 (stop.converged says whether it was the last), -1 on error. */
static int epoch_full(struct run *r, unsigned long ep, struct dnn_epoch *rec,
		      struct dnn_epoch_reg *reg, struct dnn_error *e)
{
	struct dnn_net *net = r->net;
	struct dnn_metrics mt;
	double F = (double)NAN;
	int k = optim_lbfgs_iter(r->opt, net->params, full_batch_loss, &r->fb, &F);

	if (k < 0) {
		net_restore(net, r->good);
		return diverged(e, ep, F, r->opt->learning_rate);
	}
	r->stop.converged = k == 1;
	if (measure(net, r->train, r->o->classification, r->o->target_scale, &mt, r->comm, e))
		return -1;
	rec->loss = mt.loss;
	rec->accuracy = mt.accuracy;
	reg->mae = mt.mae;
	reg->r2 = mt.r2;
	return 0;
}

/* Early stopping after an epoch whose watched loss is watched: 1 when it
 * is time to stop. */
static int early_stop(struct run *r, unsigned long ep, double watched)
{
	if (watched < r->early->best_loss) {
		r->early->best_loss = watched;
		r->early->best_epoch = r->stop.best_epoch = ep;
		net_save(r->net, r->early->best);
	} else if (ep - r->stop.best_epoch >= r->o->patience) {
		r->stop.early = 1;
		return 1;
	}
	return 0;
}

/* The end of an epoch begun at t0 with training figures rec and reg: the
 * validation figures, the history, the callback, the schedule, early
 * stopping. Returns 0 to go on, 1 to stop, -1 on error. */
static int epoch_end(struct run *r, double t0, struct dnn_epoch *rec, struct dnn_epoch_reg *reg,
		     struct dnn_history *hist, struct dnn_error *e)
{
	const struct dnn_train_opts *o = r->o;
	double watched;

	rec->val_loss = rec->val_accuracy = (double)NAN;
	r->comm->share_state(r->net);
	if (r->has_val) {
		struct dnn_metrics mt;

		if (measure(r->net, r->val, o->classification, o->target_scale, &mt, r->comm, e))
			return -1;
		rec->val_loss = mt.loss;
		rec->val_accuracy = mt.accuracy;
		reg->val_mae = mt.mae;
		reg->val_r2 = mt.r2;
	}
	rec->seconds = now() - t0;
	/* Agreed, so that all ranks leave together when one runs out. */
	if (r->comm->agree(history_append(hist, rec) ? dnn_error_oom(e) : 0, e))
		return -1;
	if (o->on_epoch)
		o->on_epoch(rec, o->classification ? NULL : reg, o->epochs, o->ctx);
	watched = r->has_val ? rec->val_loss : rec->loss;
	if (o->sched)
		sched_observe(o->sched, rec->epoch, watched);
	if (o->patience && early_stop(r, rec->epoch, watched))
		return 1;
	if (r->comm->check(r->net, e))
		return -1;
	if (r->stop.converged)
		return 1;
	if (o->interrupt && r->comm->max_u64(*o->interrupt != 0) != 0) {
		r->stop.interrupted = rec->epoch;
		return 1;
	}
	return 0;
}

/* Epoch ep: 0 to go on, 1 to stop, -1 on error. */
static int run_epoch(struct run *r, unsigned long ep, struct dnn_history *hist, struct dnn_error *e)
{
	double t0 = now();
	struct dnn_epoch rec;
	struct dnn_epoch_reg reg;
	int k;

	if (r->o->sched)
		r->opt->learning_rate = sched_lr(r->o->sched, ep);
	rec.epoch = ep;
	rec.learning_rate = r->opt->learning_rate;
	reg.mae = reg.val_mae = reg.r2 = reg.val_r2 = (double)NAN;
	/* The weights and state at the start of the epoch, restored if it
	 * diverges. */
	net_save(r->net, r->good);
	k = r->full ? epoch_full(r, ep, &rec, &reg, e) : epoch_minibatch(r, ep, &rec, &reg, e);
	return k ? k : epoch_end(r, t0, &rec, &reg, hist, e);
}

/* After the last epoch: early stopping keeps the weights of the best one;
 * an interrupt is an error (130). */
static int run_finish(struct run *r, const struct dnn_history *hist, struct dnn_error *e)
{
	if (r->o->patience && r->stop.best_epoch && r->stop.best_epoch != hist->n) {
		if (r->early->last)
			net_save(r->net, r->early->last);
		net_restore(r->net, r->early->best);
		r->stop.restored = 1;
	}
	if (r->stop.interrupted)
		return dnn_error_set(e, DNN_EX_INTERRUPT, NULL, 0, 0, "interrupted in epoch %lu",
				     r->stop.interrupted);
	return 0;
}

int train_run(struct dnn_net *net, struct dnn_optim *opt, struct dnn_rng *rng,
	      const struct dnn_rows *train, const struct dnn_rows *val,
	      const struct dnn_train_opts *o, struct dnn_history *hist, struct dnn_error *e)
{
	struct run r;
	/* Subnormals flushed while training (the pool's workers follow the
	 * caller's mode), the caller's mode restored after. */
	unsigned mode = fpmode_flush_begin();
	int rc = run_init(&r, net, opt, rng, train, val, o, e);

	for (unsigned long ep = o->first_epoch ? o->first_epoch : 1; !rc && ep <= o->epochs; ep++)
		rc = run_epoch(&r, ep, hist, e);
	if (rc >= 0)
		rc = run_finish(&r, hist, e);
	run_free(&r);
	fpmode_set(mode);
	return rc;
}

/* --- the state of a run, for --resume --------------------------------------- */

#define STATE_LAYOUT 1

unsigned char *train_state_encode(unsigned long epochs_done, const struct dnn_rng *rng,
				  const float *params, const float *state, size_t n_state,
				  const struct dnn_optim *opt, const struct dnn_sched *sched,
				  const struct dnn_train_early *early, size_t *len)
{
	struct dnn_wbuf b = {0};
	size_t n = opt->n;
	int have_best = early && early->best && early->best_epoch;

	wbuf_uint(&b, STATE_LAYOUT, 4);
	wbuf_uint(&b, epochs_done, 8);
	for (int i = 0; i < 4; i++)
		wbuf_uint(&b, rng->s[i], 8);
	optim_state_encode_head(opt, &b);
	wbuf_f32s(&b, params, n);
	if (n_state)
		wbuf_f32s(&b, state, n_state);
	sched_state_encode(sched, &b);
	wbuf_uint(&b, (uint64_t)have_best, 4);
	wbuf_f64(&b, early ? early->best_loss : (double)INFINITY);
	wbuf_uint(&b, early ? early->best_epoch : 0, 8);
	if (have_best)
		wbuf_f32s(&b, early->best, n + n_state);
	optim_state_encode(opt, &b);
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	*len = b.n;
	return b.p;
}

/* e, set by a part of the state, as an error of the state in file. */
static int state_error(struct dnn_error *e, const char *file)
{
	char msg[sizeof e->msg];

	memcpy(msg, e->msg, sizeof msg);
	return dnn_error_set(e, DNN_EX_DATA, file, 0, 0, "training state: %s", msg);
}

/* Early stopping's part: whether it kept a best epoch, its loss, its epoch
 * and (when kept) its weights, skipped when early->best is NULL. */
static void early_state_decode(struct dnn_train_early *early, struct dnn_rbuf *d, size_t n)
{
	uint64_t have_best = rbuf_uint(d, 4);

	early->best_loss = rbuf_f64(d);
	early->best_epoch = (unsigned long)rbuf_uint(d, 8);
	if (have_best && early->best)
		rbuf_f32s(d, early->best, n);
	else if (have_best)
		d->pos += 4 * n < d->n - d->pos ? 4 * n : d->n - d->pos;
	else
		early->best_epoch = 0;
}

int train_state_decode(const unsigned char *p, size_t len, const char *file,
		       unsigned long *epochs_done, struct dnn_rng *rng, float *params, float *state,
		       size_t n_state, struct dnn_optim *opt, struct dnn_sched *sched,
		       struct dnn_train_early *early, struct dnn_error *e)
{
	struct dnn_rbuf d = {p, len, 0, 0};
	uint64_t layout = rbuf_uint(&d, 4);

	if (layout != STATE_LAYOUT)
		return dnn_error_set(e, DNN_EX_DATA, file, 0, 0,
				     "training state: unknown layout %llu",
				     (unsigned long long)layout);
	*epochs_done = (unsigned long)rbuf_uint(&d, 8);
	for (int i = 0; i < 4; i++)
		rng->s[i] = rbuf_uint(&d, 8);
	if (optim_state_decode_head(opt, &d, e))
		return state_error(e, file);
	rbuf_f32s(&d, params, opt->n);
	if (n_state)
		rbuf_f32s(&d, state, n_state);
	sched_state_decode(sched, &d);
	early_state_decode(early, &d, opt->n + n_state);
	if (optim_state_decode(opt, &d, e))
		return state_error(e, file);
	if (d.pos != d.n)
		return dnn_error_set(e, DNN_EX_DATA, file, 0, 0,
				     "training state: %zu bytes too many", d.n - d.pos);
	return 0;
}
