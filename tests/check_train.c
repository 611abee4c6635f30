/* The training loop: convergence, divergence, validation figures,
 * early stopping, schedules and the resume state. */
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "fpmode.h"
#include "loss.h"
#include "net.h"
#include "optim.h"
#include "pool.h"
#include "rng.h"
#include "spec.h"
#include "testutil.h"
#include "schedule.h"
#include "train.h"

/* An SGD optimizer with the given rate and momentum. */
static struct dnn_optim *sgd_new(size_t n, double lr, double mu)
{
	struct dnn_optim_spec c = {.kind = DNN_OPT_SGD, .learning_rate = lr, .momentum = mu};
	struct dnn_error e;

	return optim_new(&c, n, &e);
}

START_TEST(test_sgd_momentum_step)
{
	struct dnn_optim *o = sgd_new(2, 0.1, 0.9);
	float w[2] = {1.0f, -1.0f}, g[2] = {2.0f, 0.5f};

	optim_step(o, w, g); /* v = -0.2, -0.05 */
	ck_assert_float_eq_tol(w[0], 0.8f, 1e-7f);
	ck_assert_float_eq_tol(w[1], -1.05f, 1e-7f);
	optim_step(o, w, g); /* v = 0.9 v - 0.1 g = -0.38, -0.095 */
	ck_assert_float_eq_tol(w[0], 0.42f, 1e-6f);
	ck_assert_float_eq_tol(w[1], -1.145f, 1e-6f);
	optim_free(o);
	optim_free(NULL);
}
END_TEST

/* Minimise f(w) = (w - 3)^2 with plain gradient descent: a single linear
 * unit with no input weight that matters (x = 0), so only the bias learns
 * and the optimum is the target. */
START_TEST(test_converges_to_known_minimum)
{
	size_t units[1] = {1};
	int acts[1] = {DNN_ACT_LINEAR};
	struct dnn_error e;
	struct dnn_net *net = net_new(1, 1, units, acts, DNN_LOSS_MSE, &e);
	struct dnn_optim *o = sgd_new(net->n_params, 0.1, 0.0);
	struct dnn_rng r;
	struct dnn_history h = {0};
	float x[4] = {0, 0, 0, 0}, t[4] = {3, 3, 3, 3};
	struct dnn_rows rows = {4, x, t, NULL};
	struct dnn_train_opts opts = {.epochs = 200, .batch_size = 4};

	rng_seed(&r, 1);
	ck_assert_int_eq(train_run(net, o, &r, &rows, NULL, &opts, &h, &e), 0);
	ck_assert_float_eq_tol(net->params[1], 3.0f, 1e-4f);
	ck_assert_uint_eq(h.n, 200);
	ck_assert_double_lt(h.epochs[199].loss, 1e-6);
	ck_assert(isnan(h.epochs[0].accuracy));
	history_free(&h);
	optim_free(o);
	net_free(net);
}
END_TEST

static int train_xor(uint64_t seed, float *params_out, double *final_loss, double *acc)
{
	size_t units[2] = {2, 1};
	int acts[2] = {DNN_ACT_TANH, DNN_ACT_SIGMOID};
	struct dnn_error e;
	struct dnn_net *net = net_new(2, 2, units, acts, DNN_LOSS_BINARY_CROSS_ENTROPY, &e);
	struct dnn_optim *o = sgd_new(net->n_params, 0.5, 0.9);
	struct dnn_rng r;
	struct dnn_history h = {0};
	float x[8] = {0, 0, 0, 1, 1, 0, 1, 1}, t[4] = {0, 1, 1, 0};
	struct dnn_rows rows = {4, x, t, NULL};
	struct dnn_train_opts opts = {.epochs = 500, .batch_size = 4, .classification = 1};
	int rc;

	rng_seed(&r, seed);
	net_init(net, DNN_INIT_GLOROT_UNIFORM, &r);
	rc = train_run(net, o, &r, &rows, NULL, &opts, &h, &e);
	memcpy(params_out, net->params, net->n_params * sizeof *params_out);
	*final_loss = h.epochs[h.n - 1].loss;
	{
		struct dnn_metrics mt;

		metrics_measure(net, &rows, 1, NULL, &mt, &e);
		*final_loss = mt.loss;
		*acc = mt.accuracy;
	}
	history_free(&h);
	optim_free(o);
	net_free(net);
	return rc;
}

START_TEST(test_xor_converges_and_is_reproducible)
{
	float p1[9], p2[9];
	double loss, acc, loss2, acc2;

	ck_assert_int_eq(train_xor(3, p1, &loss, &acc), 0);
	ck_assert_double_lt(loss, 0.05);
	ck_assert_double_eq(acc, 1.0);
	ck_assert_int_eq(train_xor(3, p2, &loss2, &acc2), 0);
	ck_assert_int_eq(memcmp(p1, p2, sizeof p1), 0);
}
END_TEST

START_TEST(test_divergence_stops_with_finite_weights)
{
	size_t units[1] = {1};
	int acts[1] = {DNN_ACT_LINEAR};
	struct dnn_error e;
	struct dnn_net *net = net_new(1, 1, units, acts, DNN_LOSS_MSE, &e);
	struct dnn_optim *o = sgd_new(net->n_params, 1e6, 0.0);
	struct dnn_rng r;
	struct dnn_history h = {0};
	float x[4] = {1, 2, 3, 4}, t[4] = {1, 2, 3, 4};
	struct dnn_rows rows = {4, x, t, NULL};
	struct dnn_train_opts opts = {.epochs = 1000, .batch_size = 1};

	rng_seed(&r, 1);
	dnn_error_clear(&e);
	ck_assert_int_eq(train_run(net, o, &r, &rows, NULL, &opts, &h, &e), -1);
	ck_assert_int_eq(e.code, DNN_EX_FAIL);
	ck_assert_ptr_nonnull(strstr(e.msg, "diverged"));
	ck_assert_ptr_nonnull(strstr(e.msg, "lower learning rate"));
	ck_assert_uint_lt(h.n, 1000);
	for (size_t i = 0; i < net->n_params; i++)
		ck_assert(isfinite(net->params[i]));
	history_free(&h);
	optim_free(o);
	net_free(net);
}
END_TEST

START_TEST(test_validation_figures)
{
	size_t units[1] = {2};
	int acts[1] = {DNN_ACT_SOFTMAX};
	struct dnn_error e;
	struct dnn_net *net = net_new(1, 1, units, acts, DNN_LOSS_CROSS_ENTROPY, &e);
	struct dnn_optim *o = sgd_new(net->n_params, 0.5, 0.5);
	struct dnn_rng r;
	struct dnn_history h = {0};
	/* Class 1 when x > 0. */
	float x[8] = {-2, -1, 1, 2, -1.5f, 1.5f, -0.5f, 0.5f};
	float t[16] = {1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1};
	struct dnn_rows tr = {4, x, t, NULL}, va = {4, x + 4, t + 8, NULL};
	struct dnn_train_opts opts = {.epochs = 100, .batch_size = 2, .classification = 1};

	rng_seed(&r, 1);
	ck_assert_int_eq(train_run(net, o, &r, &tr, &va, &opts, &h, &e), 0);
	ck_assert_double_eq(h.epochs[99].val_accuracy, 1.0);
	ck_assert(isfinite(h.epochs[99].val_loss));
	ck_assert_double_lt(h.epochs[99].val_loss, h.epochs[0].val_loss);
	history_free(&h);
	optim_free(o);
	net_free(net);
}
END_TEST

static void record(const struct dnn_epoch *ep, const struct dnn_epoch_reg *reg,
		   unsigned long n_epochs, void *ctx)
{
	double *r2 = ctx;

	(void)n_epochs;
	ck_assert_ptr_nonnull(reg);
	r2[ep->epoch - 1] = reg->r2;
}

/* L-BFGS through train_run fits a line exactly; the regression figures
 * reach the callback. */
START_TEST(test_lbfgs_fits_a_line)
{
	size_t units[1] = {1};
	int acts[1] = {DNN_ACT_LINEAR};
	struct dnn_error e;
	struct dnn_net *net = net_new(1, 1, units, acts, DNN_LOSS_MSE, &e);
	struct dnn_optim_spec c = {.kind = DNN_OPT_LBFGS, .learning_rate = 1.0, .history_size = 5};
	struct dnn_optim *o = optim_new(&c, net->n_params, &e);
	struct dnn_train_stop stop;
	double r2[50];
	struct dnn_rng r;
	struct dnn_history h = {0};
	float x[5] = {-2, -1, 0, 1, 2}, t[5] = {-3, -1, 1, 3, 5}; /* t = 2x + 1 */
	struct dnn_rows rows = {5, x, t, NULL};
	struct dnn_train_opts opts = {
	    .epochs = 50, .batch_size = 2, .stop = &stop, .on_epoch = record, .ctx = r2};

	rng_seed(&r, 1);
	ck_assert_int_eq(train_run(net, o, &r, &rows, NULL, &opts, &h, &e), 0);
	ck_assert_float_eq_tol(net->params[0], 2.0f, 1e-5f);
	ck_assert_float_eq_tol(net->params[1], 1.0f, 1e-5f);
	ck_assert_int_eq(stop.converged, 1);
	ck_assert_uint_lt(h.n, 50);
	ck_assert_double_eq_tol(r2[h.n - 1], 1.0, 1e-9);
	history_free(&h);
	optim_free(o);
	net_free(net);
}
END_TEST

/* Training rows pull the bias to +1, validation rows sit at -1: the
 * validation loss is best early and then grows, so early stopping ends the
 * run patience epochs after its best and puts the best weights back. */
START_TEST(test_early_stopping_keeps_best)
{
	size_t units[1] = {1};
	int acts[1] = {DNN_ACT_LINEAR};
	struct dnn_error e;
	struct dnn_net *net = net_new(1, 1, units, acts, DNN_LOSS_MSE, &e);
	struct dnn_optim *o = sgd_new(net->n_params, 0.1, 0.0);
	struct dnn_train_stop stop;
	struct dnn_rng r;
	struct dnn_history h = {0};
	float x[4] = {0, 0, 0, 0}, t[4] = {1, 1, -0.5f, -0.5f};
	struct dnn_rows tr = {2, x, t, NULL}, va = {2, x + 2, t + 2, NULL};
	struct dnn_train_opts opts = {.epochs = 100, .batch_size = 2, .patience = 4, .stop = &stop};
	double best = INFINITY;
	struct dnn_metrics mt;
	unsigned long best_ep = 0;

	net->params[1] = -2.0f; /* start below -0.5: val_loss first falls */
	rng_seed(&r, 1);
	ck_assert_int_eq(train_run(net, o, &r, &tr, &va, &opts, &h, &e), 0);
	for (size_t i = 0; i < h.n; i++)
		if (h.epochs[i].val_loss < best) {
			best = h.epochs[i].val_loss;
			best_ep = h.epochs[i].epoch;
		}
	ck_assert_int_eq(stop.early, 1);
	ck_assert_int_eq(stop.monitor_val, 1);
	ck_assert_uint_eq(stop.best_epoch, best_ep);
	ck_assert_uint_eq(h.n, best_ep + 4);
	ck_assert_uint_gt(best_ep, 1);
	/* The weights are those of the best epoch. */
	ck_assert_int_eq(metrics_measure(net, &va, 0, NULL, &mt, &e), 0);
	ck_assert_double_eq_tol(mt.loss, best, 1e-12);
	history_free(&h);
	optim_free(o);
	net_free(net);
}
END_TEST

/* The schedule sets the rate of each epoch, and the history records it. */
START_TEST(test_schedule_in_history)
{
	size_t units[1] = {1};
	int acts[1] = {DNN_ACT_LINEAR};
	struct dnn_error e;
	struct dnn_net *net = net_new(1, 1, units, acts, DNN_LOSS_MSE, &e);
	struct dnn_optim *o = sgd_new(net->n_params, 0.4, 0.0);
	struct dnn_sched_spec sc = {.kind = DNN_SCHED_STEP, .step_size = 2, .gamma = 0.5};
	struct dnn_sched sched;
	struct dnn_rng r;
	struct dnn_history h = {0};
	float x[2] = {1, 2}, t[2] = {1, 2};
	struct dnn_rows rows = {2, x, t, NULL};
	struct dnn_train_opts opts = {.epochs = 5, .batch_size = 2, .sched = &sched};
	const double want[5] = {0.4, 0.4, 0.2, 0.2, 0.1};

	sched_init(&sched, &sc, 0.4, 5);
	rng_seed(&r, 1);
	ck_assert_int_eq(train_run(net, o, &r, &rows, NULL, &opts, &h, &e), 0);
	for (int i = 0; i < 5; i++)
		ck_assert_double_eq_tol(h.epochs[i].learning_rate, want[i], 1e-15);
	history_free(&h);
	optim_free(o);
	net_free(net);
}
END_TEST

/* The training state round-trips through its encoding; damaged or
 * mismatched encodings are errors. */
START_TEST(test_state_round_trip)
{
	struct dnn_optim_spec c = {.kind = DNN_OPT_ADAM,
				   .learning_rate = 0.1,
				   .beta1 = 0.9,
				   .beta2 = 0.999,
				   .epsilon = 1e-8};
	struct dnn_sched_spec sc = {.kind = DNN_SCHED_PLATEAU, .factor = 0.5, .patience = 1};
	struct dnn_error e;
	struct dnn_optim *a = optim_new(&c, 3, &e), *b = optim_new(&c, 3, &e), *other;
	struct dnn_sched sa, sb;
	struct dnn_rng ra, rb;
	float w[3] = {1, 2, 3}, g[3] = {0.5f, -1, 2}, best[3] = {7, 8, 9}, wb[3], bb[3];
	struct dnn_train_early ea = {0.25, 4, best, NULL}, eb = {0, 0, bb, NULL};
	unsigned long done;
	unsigned char *p;
	size_t len;

	rng_seed(&ra, 5);
	rng_next(&ra);
	sched_init(&sa, &sc, 0.1, 10);
	sched_observe(&sa, 1, 1.0);
	sched_observe(&sa, 2, 2.0);
	sched_observe(&sa, 3, 2.0); /* halves the rate */
	optim_step(a, w, g);
	optim_step(a, w, g);
	p = train_state_encode(9, &ra, w, NULL, 0, a, &sa, &ea, &len);
	ck_assert_ptr_nonnull(p);
	sched_init(&sb, &sc, 0.1, 10);
	ck_assert_int_eq(train_state_decode(p, len, "m.dnn", &done, &rb, wb, NULL, 0, b, &sb, &eb, &e), 0);
	ck_assert_uint_eq(done, 9);
	ck_assert_int_eq(memcmp(&ra, &rb, sizeof ra), 0);
	ck_assert_int_eq(memcmp(w, wb, sizeof w), 0);
	ck_assert_int_eq(memcmp(a->m, b->m, sizeof w), 0);
	ck_assert_int_eq(memcmp(a->v, b->v, sizeof w), 0);
	ck_assert_uint_eq(b->t, 2);
	ck_assert_double_eq(sched_lr(&sb, 4), 0.05);
	ck_assert_uint_eq(eb.best_epoch, 4);
	ck_assert_double_eq(eb.best_loss, 0.25);
	ck_assert_int_eq(memcmp(best, bb, sizeof bb), 0);
	/* Cut short, too long, another optimizer. */
	ck_assert_int_eq(train_state_decode(p, len - 1, "m.dnn", &done, &rb, wb, NULL, 0, b, &sb, &eb, &e),
			 -1);
	ck_assert_int_eq(e.code, DNN_EX_DATA);
	ck_assert_str_eq(e.msg, "training state: truncated");
	c.kind = DNN_OPT_RMSPROP;
	other = optim_new(&c, 3, &e);
	ck_assert_int_eq(train_state_decode(p, len, "m.dnn", &done, &rb, wb, NULL, 0, other, &sb, &eb, &e),
			 -1);
	ck_assert_str_eq(e.file, "m.dnn");
	ck_assert_str_eq(e.msg, "training state: the checkpoint was trained with adam, not "
				"rmsprop; a resumed run keeps its optimizer");
	/* One byte too many, and the layout. */
	{
		unsigned char *q = malloc(len + 1);

		ck_assert_ptr_nonnull(q);
		memcpy(q, p, len);
		q[len] = 0;
		ck_assert_int_eq(
		    train_state_decode(q, len + 1, "m.dnn", &done, &rb, wb, NULL, 0, b, &sb, &eb, &e), -1);
		ck_assert_str_eq(e.msg, "training state: 1 bytes too many");
		q[0] = 2;
		ck_assert_int_eq(
		    train_state_decode(q, len, "m.dnn", &done, &rb, wb, NULL, 0, b, &sb, &eb, &e), -1);
		ck_assert_str_eq(e.msg, "training state: unknown layout 2");
		free(q);
	}
	free(p);
	optim_free(a);
	optim_free(b);
	optim_free(other);
}
END_TEST

/* An interrupt during a minibatch: on_batch raises it after the second step
 * of epoch 2, which counts as during the third (as a signal arriving then),
 * so training stops right after the third step. */
struct interrupt_at {
	volatile sig_atomic_t flag;
	unsigned long epoch;
	size_t steps, batches;
};

static void raise_after_second(unsigned long epoch, size_t rows_done, size_t n_rows, void *ctx)
{
	struct interrupt_at *ia = ctx;

	(void)rows_done;
	(void)n_rows;
	ia->batches++;
	if (epoch == ia->epoch && ++ia->steps == 2)
		ia->flag = 1;
}

START_TEST(test_interrupt_stops_after_the_step)
{
	size_t units[1] = {1};
	int acts[1] = {DNN_ACT_LINEAR};
	struct dnn_error e;
	struct dnn_net *net = net_new(1, 1, units, acts, DNN_LOSS_MSE, &e);
	struct dnn_optim *o = sgd_new(net->n_params, 0.1, 0.0);
	struct dnn_train_stop stop;
	struct dnn_rng r;
	struct dnn_history h = {0};
	float x[8] = {0}, t[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	struct dnn_rows rows = {8, x, t, NULL};
	struct interrupt_at ia = {0, 2, 0, 0};
	struct dnn_train_opts opts = {.epochs = 10,
				      .batch_size = 2,
				      .stop = &stop,
				      .interrupt = &ia.flag,
				      .on_batch = raise_after_second,
				      .ctx = &ia};

	rng_seed(&r, 1);
	ck_assert_int_eq(train_run(net, o, &r, &rows, NULL, &opts, &h, &e), -1);
	ck_assert_int_eq(e.code, DNN_EX_INTERRUPT);
	ck_assert_str_eq(e.msg, "interrupted in epoch 2");
	ck_assert_uint_eq(stop.interrupted, 2);
	/* Four steps in epoch 1, three in epoch 2, which is not in the history. */
	ck_assert_uint_eq(ia.batches, 7);
	ck_assert_uint_eq(o->t, 7);
	ck_assert_uint_eq(h.n, 1);
	history_free(&h);
	optim_free(o);
	net_free(net);
}
END_TEST

/* In the training hook: the thread flushes subnormals (FTZ and DAZ), a
 * product below the least normal float becomes 0 and a subnormal operand
 * reads as 0, the pool's workers run in the same mode; the caller's mode
 * is back after training. */
struct mode_seen {
	int calls, flushing, tiny_zero, worker_flushing;
	volatile float tiny;
};

static void worker_mode(void *ctx, size_t p, size_t n, size_t t)
{
	struct mode_seen *ms = ctx;

	(void)n;
	(void)t;
	if (p == 1 && fpmode_flushing())
		ms->worker_flushing++;
}

static void check_mode(unsigned long epoch, size_t rows_done, size_t n_rows, void *ctx)
{
	struct mode_seen *ms = ctx;
	volatile float sub = 1e-40f, half = 0.5f;
	float prod = ms->tiny * ms->tiny, sum = sub + 0.0f;

	(void)epoch;
	(void)rows_done;
	(void)n_rows;
	ms->calls++;
	ms->flushing += fpmode_flushing();
	ms->tiny_zero += prod == 0.0f && sum == 0.0f && half * sub == 0.0f;
	pool_run(worker_mode, ms, 2);
}

START_TEST(test_training_flushes_subnormals)
{
	size_t units[1] = {1};
	int acts[1] = {DNN_ACT_LINEAR};
	struct dnn_error e;
	struct dnn_net *net = net_new(1, 1, units, acts, DNN_LOSS_MSE, &e);
	struct dnn_optim *o = sgd_new(net->n_params, 0.1, 0.9);
	struct dnn_rng r;
	struct dnn_history h = {0};
	float x[4] = {0, 1, 2, 3}, t[4] = {1, 2, 3, 4};
	struct dnn_rows rows = {4, x, t, NULL};
	struct mode_seen ms = {0, 0, 0, 0, 1e-30f};
	struct dnn_train_opts opts = {
	    .epochs = 2, .batch_size = 2, .on_batch = check_mode, .ctx = &ms};
	volatile float sub = 1e-40f;
	unsigned before = fpmode_get();

	ck_assert_int_eq(pool_set_threads(2, &e), 0);
	rng_seed(&r, 1);
	ck_assert_int_eq(train_run(net, o, &r, &rows, NULL, &opts, &h, &e), 0);
	ck_assert_int_eq(ms.calls, 4);
#if defined(__SSE__) || defined(__x86_64__)
	ck_assert_int_eq(ms.flushing, 4);
	ck_assert_int_eq(ms.tiny_zero, 4);
	ck_assert_int_eq(ms.worker_flushing, 4);
#endif
	/* The caller's mode is back: subnormals are kept again. */
	ck_assert_uint_eq(fpmode_get(), before);
	ck_assert(sub + 0.0f != 0.0f);
	pool_set_threads(1, &e);
	history_free(&h);
	optim_free(o);
	net_free(net);
}
END_TEST

/* Train a 2-3-2 softmax net for 3 epochs of full batches on n rows (w their
 * weights or NULL) from seed 1; the weights in out. */
static void train_small(const float *x, const float *t, const float *w, size_t n,
			const double *max_norm, float *out, size_t *np)
{
	size_t units[2] = {3, 2};
	int acts[2] = {DNN_ACT_TANH, DNN_ACT_SOFTMAX};
	struct dnn_error e;
	struct dnn_net *net = net_new(2, 2, units, acts, DNN_LOSS_CROSS_ENTROPY, &e);
	struct dnn_optim *o = sgd_new(net->n_params, 0.5, 0.0);
	struct dnn_rng r;
	struct dnn_history h = {0};
	struct dnn_rows rows = {n, x, t, w};
	struct dnn_train_opts opts = {.epochs = 3, .batch_size = 64, .classification = 1,
				      .max_norm = max_norm};

	rng_seed(&r, 1);
	net_init(net, DNN_INIT_AUTO, &r);
	ck_assert_int_eq(train_run(net, o, &r, &rows, NULL, &opts, &h, &e), 0);
	memcpy(out, net->params, net->n_params * sizeof *out);
	*np = net->n_params;
	history_free(&h);
	optim_free(o);
	net_free(net);
}

/* A row of weight 2 (the others 1) trains as that row given twice: the
 * weights as given to train_run, normalized to a mean of 1 (weights.h). */
START_TEST(test_weight_two_is_the_row_twice)
{
	float x[10] = {1, 0, 0, 1, -1, 0.5f, 0.3f, -0.7f, 0.3f, -0.7f};
	float t[10] = {1, 0, 0, 1, 1, 0, 0, 1, 0, 1};
	float w[4] = {0.8f, 0.8f, 0.8f, 1.6f}; /* (1, 1, 1, 2) / (5/4) */
	float a[64], b[64];
	size_t na, nb;

	train_small(x, t, w, 4, NULL, a, &na);
	train_small(x, t, NULL, 5, NULL, b, &nb);
	ck_assert_uint_eq(na, nb);
	for (size_t i = 0; i < na; i++)
		ck_assert_float_eq_tol(a[i], b[i], 1e-6f);
	/* Without the weight the row counts once: another result. */
	train_small(x, t, NULL, 4, NULL, b, &nb);
	ck_assert_float_gt(fabsf(a[0] - b[0]) + fabsf(a[3] - b[3]) + fabsf(a[8] - b[8]), 1e-4f);
}
END_TEST

/* Max-norm after every step: each row of the hidden layer's weights (its
 * bias left out) has a norm of at most c. */
START_TEST(test_max_norm_in_training)
{
	float x[8] = {3, 0, 0, 3, -3, 1, 1, -3}, t[8] = {1, 0, 0, 1, 1, 0, 0, 1};
	double c[2] = {0.3, 0};
	float p[64];
	size_t np;

	train_small(x, t, NULL, 4, c, p, &np);
	for (size_t j = 0; j < 3; j++) {
		double sq = (double)p[2 * j] * p[2 * j] + (double)p[2 * j + 1] * p[2 * j + 1];

		ck_assert_double_le(sqrt(sq), 0.3 * (1 + 1e-6));
	}
}
END_TEST


static Suite *train_suite(void)
{
	Suite *s = suite_create("train");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_sgd_momentum_step);
	tcase_add_test(tc, test_converges_to_known_minimum);
	tcase_add_test(tc, test_xor_converges_and_is_reproducible);
	tcase_add_test(tc, test_divergence_stops_with_finite_weights);
	tcase_add_test(tc, test_validation_figures);
	tcase_add_test(tc, test_lbfgs_fits_a_line);
	tcase_add_test(tc, test_early_stopping_keeps_best);
	tcase_add_test(tc, test_schedule_in_history);
	tcase_add_test(tc, test_state_round_trip);
	tcase_add_test(tc, test_interrupt_stops_after_the_step);
	tcase_add_test(tc, test_training_flushes_subnormals);
	tcase_add_test(tc, test_weight_two_is_the_row_twice);
	tcase_add_test(tc, test_max_norm_in_training);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(train_suite)
