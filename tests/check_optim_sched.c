/* Unit tests for schedule.c, the optimizer spec keys and the resume state of both. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "optim.h"
#include "optimutil.h"
#include "schedule.h"
#include "spec.h"
#include "testutil.h"

/* --- schedules ------------------------------------------------------------ */

static struct dnn_sched_spec sched_of(int kind)
{
	struct dnn_sched_spec s = {
	    .kind = kind, .gamma = 0.1, .factor = 0.1, .patience = 10, .threshold = 1e-4};
	return s;
}

START_TEST(test_sched_constant_and_warmup)
{
	struct dnn_sched_spec c = sched_of(DNN_SCHED_CONSTANT);
	struct dnn_sched s;

	sched_init(&s, &c, 0.5, 100);
	ck_assert_double_eq(sched_lr(&s, 1), 0.5);
	ck_assert_double_eq(sched_lr(&s, 100), 0.5);
	c.warmup = 4;
	sched_init(&s, &c, 0.4, 100);
	ck_assert_double_eq_tol(sched_lr(&s, 1), 0.1, 1e-15);
	ck_assert_double_eq_tol(sched_lr(&s, 3), 0.3, 1e-15);
	ck_assert_double_eq_tol(sched_lr(&s, 4), 0.4, 1e-15);
	ck_assert_double_eq(sched_lr(&s, 5), 0.4);
}
END_TEST

START_TEST(test_sched_step)
{
	struct dnn_sched_spec c = sched_of(DNN_SCHED_STEP);
	struct dnn_sched s;

	c.step_size = 30;
	c.gamma = 0.1;
	sched_init(&s, &c, 1.0, 100);
	ck_assert_double_eq(sched_lr(&s, 1), 1.0);
	ck_assert_double_eq(sched_lr(&s, 30), 1.0);
	ck_assert_double_eq_tol(sched_lr(&s, 31), 0.1, 1e-15);
	ck_assert_double_eq_tol(sched_lr(&s, 60), 0.1, 1e-15);
	ck_assert_double_eq_tol(sched_lr(&s, 61), 0.01, 1e-15);
}
END_TEST

START_TEST(test_sched_exponential)
{
	struct dnn_sched_spec c = sched_of(DNN_SCHED_EXPONENTIAL);
	struct dnn_sched s;

	c.gamma = 0.5;
	sched_init(&s, &c, 0.8, 10);
	ck_assert_double_eq(sched_lr(&s, 1), 0.8);
	ck_assert_double_eq_tol(sched_lr(&s, 2), 0.4, 1e-15);
	ck_assert_double_eq_tol(sched_lr(&s, 4), 0.1, 1e-15);
}
END_TEST

START_TEST(test_sched_cosine)
{
	struct dnn_sched_spec c = sched_of(DNN_SCHED_COSINE);
	struct dnn_sched s;

	/* 10 epochs after 2 of warm-up: k = epoch - 3 runs 0..9 of T = 10. */
	c.warmup = 2;
	c.min_lr = 0.1;
	sched_init(&s, &c, 1.1, 12);
	ck_assert_double_eq_tol(sched_lr(&s, 1), 0.55, 1e-15);
	ck_assert_double_eq_tol(sched_lr(&s, 2), 1.1, 1e-15);
	ck_assert_double_eq_tol(sched_lr(&s, 3), 1.1, 1e-15);
	ck_assert_double_eq_tol(sched_lr(&s, 8), 0.6, 1e-12); /* half way */
	ck_assert_double_eq_tol(sched_lr(&s, 13), 0.1, 1e-12);
	ck_assert_double_eq_tol(sched_lr(&s, 50), 0.1, 1e-12); /* stays at min */
	/* t_max sets the period. */
	c.warmup = 0;
	c.t_max = 4;
	c.min_lr = 0.0;
	sched_init(&s, &c, 1.0, 100);
	ck_assert_double_eq_tol(sched_lr(&s, 3), 0.5, 1e-12);
	ck_assert_double_eq_tol(sched_lr(&s, 5), 0.0, 1e-12);
}
END_TEST

START_TEST(test_sched_plateau)
{
	struct dnn_sched_spec c = sched_of(DNN_SCHED_PLATEAU);
	struct dnn_sched s;
	const double losses[] = {1.0, 0.9, 0.9, 0.95, 0.9, 0.89999, 0.5, 0.6, 0.6, 0.6};
	const double want[] = {1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5};

	c.patience = 2;
	c.factor = 0.5;
	c.min_lr = 0.2;
	sched_init(&s, &c, 1.0, 100);
	/* Epoch 2 improves; 3, 4 and 5 do not: more than 2 bad epochs halve
	 * the rate for epoch 6. Epoch 6 improves by less than the threshold,
	 * 7 improves; 8, 9, 10 do not. */
	for (unsigned long ep = 1; ep <= 10; ep++) {
		ck_assert_msg(fabs(sched_lr(&s, ep) - want[ep - 1]) < 1e-15, "epoch %lu: lr %g", ep,
			      sched_lr(&s, ep));
		sched_observe(&s, ep, losses[ep - 1]);
	}
	ck_assert_double_eq(sched_lr(&s, 11), 0.25);
	/* min_lr bounds it: 0.25 -> 0.2, not 0.125. */
	for (unsigned long ep = 11; ep <= 20; ep++)
		sched_observe(&s, ep, 0.7);
	ck_assert_double_eq(sched_lr(&s, 21), 0.2);
}
END_TEST

/* --- spec keys ------------------------------------------------------------ */

static void parse_ok(struct dnn_spec *s, const char *json)
{
	struct dnn_error e;

	dnn_error_clear(&e);
	ck_assert_msg(spec_parse(s, json, strlen(json), "s.json", &e) == 0, "%s: %s", json, e.msg);
}

START_TEST(test_spec_optimizers)
{
	struct dnn_spec s;
	char *json;

	parse_ok(&s, "{\"layers\":[{}],\"optimizer\":\"adam\"}");
	ck_assert_int_eq(s.optim.kind, DNN_OPT_ADAM);
	ck_assert_double_eq(s.optim.learning_rate, 0.001);
	ck_assert_double_eq(s.optim.beta1, 0.9);
	ck_assert_double_eq(s.optim.beta2, 0.999);
	ck_assert_double_eq(s.optim.epsilon, 1e-8);
	spec_free(&s);
	parse_ok(&s, "{\"layers\":[{}],\"optimizer\":{\"name\":\"adam\",\"beta1\":0.8,"
		     "\"beta2\":0.99,\"epsilon\":1e-6,\"weight_decay\":0.01,\"l1\":0.002,"
		     "\"clip_norm\":5}}");
	ck_assert_double_eq(s.optim.beta1, 0.8);
	ck_assert_double_eq(s.optim.beta2, 0.99);
	ck_assert_double_eq(s.optim.epsilon, 1e-6);
	ck_assert_double_eq(s.optim.weight_decay, 0.01);
	ck_assert_double_eq(s.optim.clip_norm, 5.0);
	json = spec_to_json(&s);
	ck_assert_ptr_nonnull(strstr(json, "\"optimizer\":{\"name\":\"adam\",\"learning_rate\":"
					   "0.001,\"beta1\":0.8,\"beta2\":0.99,\"epsilon\":1e-06,"
					   "\"weight_decay\":0.01,\"l1\":0.002,\"clip_norm\":5}"));
	spec_free(&s);
	parse_ok(&s, json);
	ck_assert_double_eq(s.optim.beta1, 0.8);
	ck_assert_double_eq(s.optim.l1, 0.002);
	ck_assert_double_eq(s.optim.clip_norm, 5.0);
	free(json);
	spec_free(&s);
	parse_ok(&s, "{\"layers\":[{}],\"optimizer\":{\"name\":\"lbfgs\",\"history_size\":5}}");
	ck_assert_int_eq(s.optim.kind, DNN_OPT_LBFGS);
	ck_assert_double_eq(s.optim.learning_rate, 1.0);
	ck_assert_uint_eq(s.optim.history_size, 5);
	spec_free(&s);
	parse_ok(&s, "{\"layers\":[{}],\"optimizer\":{\"name\":\"sgd\",\"nesterov\":true}}");
	ck_assert_int_eq(s.optim.nesterov, 1);
	json = spec_to_json(&s);
	ck_assert_ptr_nonnull(strstr(json, "\"momentum\":0.9,\"nesterov\":true}"));
	free(json);
	spec_free(&s);
	parse_ok(&s, "{\"layers\":[{}],\"optimizer\":{\"name\":\"rmsprop\",\"rho\":0.95}}");
	ck_assert_int_eq(s.optim.kind, DNN_OPT_RMSPROP);
	ck_assert_double_eq(s.optim.rho, 0.95);
	spec_free(&s);
}
END_TEST

START_TEST(test_spec_set_optimizer)
{
	struct dnn_spec s;
	struct dnn_error e;

	parse_ok(&s, "{\"layers\":[{}]}");
	ck_assert_int_eq(spec_set_optimizer(&s, "adam", &e), 0);
	ck_assert_double_eq(s.optim.learning_rate, 0.001); /* adam's default */
	ck_assert_int_eq(spec_set_optimizer(&s, "lbfgs", &e), 0);
	ck_assert_double_eq(s.optim.learning_rate, 1.0);
	ck_assert_int_eq(spec_set_optimizer(&s, "adamm", &e), -1);
	ck_assert_int_eq(e.code, DNN_EX_USAGE);
	ck_assert_str_eq(e.msg, "option '--optimizer': unknown optimizer 'adamm'; did you mean "
				"'adam'?");
	spec_free(&s);
	/* A learning rate the spec gives stays. */
	parse_ok(&s, "{\"layers\":[{}],\"optimizer\":{\"learning_rate\":0.05}}");
	ck_assert_int_eq(spec_set_optimizer(&s, "adam", &e), 0);
	ck_assert_double_eq(s.optim.learning_rate, 0.05);
	spec_free(&s);
}
END_TEST

START_TEST(test_spec_schedule)
{
	struct dnn_spec s;
	char *json;

	parse_ok(&s, "{\"layers\":[{}]}");
	ck_assert_int_eq(s.schedule.kind, DNN_SCHED_CONSTANT);
	ck_assert_uint_eq(s.patience, 0);
	json = spec_to_json(&s);
	ck_assert_ptr_null(strstr(json, "schedule"));
	ck_assert_ptr_null(strstr(json, "patience"));
	free(json);
	spec_free(&s);
	parse_ok(&s, "{\"layers\":[{}],\"schedule\":{\"name\":\"step\",\"step_size\":30,"
		     "\"gamma\":0.5},\"patience\":7}");
	ck_assert_int_eq(s.schedule.kind, DNN_SCHED_STEP);
	ck_assert_uint_eq(s.schedule.step_size, 30);
	ck_assert_double_eq(s.schedule.gamma, 0.5);
	ck_assert_uint_eq(s.patience, 7);
	json = spec_to_json(&s);
	ck_assert_ptr_nonnull(strstr(json, "\"schedule\":{\"name\":\"step\",\"warmup\":0,"
					   "\"step_size\":30,\"gamma\":0.5},\"patience\":7"));
	spec_free(&s);
	parse_ok(&s, json);
	ck_assert_uint_eq(s.schedule.step_size, 30);
	ck_assert_uint_eq(s.patience, 7);
	free(json);
	spec_free(&s);
	parse_ok(&s, "{\"layers\":[{}],\"schedule\":\"cosine\"}");
	ck_assert_int_eq(s.schedule.kind, DNN_SCHED_COSINE);
	spec_free(&s);
	parse_ok(&s, "{\"layers\":[{}],\"schedule\":{\"name\":\"plateau\",\"factor\":0.5,"
		     "\"patience\":3,\"threshold\":0,\"min_lr\":1e-5,\"warmup\":2}}");
	ck_assert_int_eq(s.schedule.kind, DNN_SCHED_PLATEAU);
	ck_assert_double_eq(s.schedule.factor, 0.5);
	ck_assert_uint_eq(s.schedule.patience, 3);
	ck_assert_uint_eq(s.schedule.warmup, 2);
	spec_free(&s);
}
END_TEST

static const struct {
	const char *json, *msg;
} bad[] = {
    {"{\"layers\":[{}],\"optimizer\":\"adma\"}",
     "optimizer: unknown optimizer 'adma'; did you mean 'adam'?"},
    {"{\"layers\":[{}],\"optimizer\":{\"name\":\"adam\",\"momentum\":0.9}}",
     "optimizer.momentum: not used by adam"},
    {"{\"layers\":[{}],\"optimizer\":{\"beta1\":0.9}}", "optimizer.beta1: not used by sgd"},
    {"{\"layers\":[{}],\"optimizer\":{\"name\":\"lbfgs\",\"clip_norm\":1}}",
     "optimizer.clip_norm: not used by lbfgs"},
    {"{\"layers\":[{}],\"optimizer\":{\"name\":\"adam\",\"beta1\":1}}",
     "optimizer.beta1: must be in [0, 1), got 1"},
    {"{\"layers\":[{}],\"optimizer\":{\"name\":\"adam\",\"beta2\":-0.1}}",
     "optimizer.beta2: must be in [0, 1), got -0.1"},
    {"{\"layers\":[{}],\"optimizer\":{\"name\":\"adam\",\"epsilon\":0}}",
     "optimizer.epsilon: must be above 0, got 0"},
    {"{\"layers\":[{}],\"optimizer\":{\"name\":\"adam\",\"betta1\":0.9}}",
     "optimizer.betta1: unknown key; did you mean 'beta1'?"},
    {"{\"layers\":[{}],\"optimizer\":{\"nesterov\":1}}",
     "optimizer.nesterov: expected true or false, got a number"},
    {"{\"layers\":[{}],\"optimizer\":{\"weight_decay\":-1}}",
     "optimizer.weight_decay: must be at least 0, got -1"},
    {"{\"layers\":[{}],\"optimizer\":{\"l1\":-0.5}}",
     "optimizer.l1: must be at least 0, got -0.5"},
    {"{\"layers\":[{}],\"optimizer\":{\"clip_norm\":0}}",
     "optimizer.clip_norm: must be above 0, got 0"},
    {"{\"layers\":[{}],\"optimizer\":{\"name\":\"lbfgs\",\"history_size\":0}}",
     "optimizer.history_size: expected a whole number from 1 to 1000, got 0"},
    {"{\"layers\":[{}],\"optimizer\":{\"name\":\"rmsprop\",\"rho\":\"x\"}}",
     "optimizer.rho: expected a number, got a string"},
    {"{\"layers\":[{}],\"schedule\":\"stepp\"}",
     "schedule: unknown schedule 'stepp'; did you mean 'step'?"},
    {"{\"layers\":[{}],\"schedule\":\"step\"}", "schedule.step_size: missing: the step "
						"schedule needs it"},
    {"{\"layers\":[{}],\"schedule\":{\"name\":\"exponential\"}}",
     "schedule.gamma: missing: the exponential schedule needs it"},
    {"{\"layers\":[{}],\"schedule\":{\"step_size\":3}}",
     "schedule.name: missing: name the schedule (one of: constant, step, exponential, "
     "cosine, plateau)"},
    {"{\"layers\":[{}],\"schedule\":{\"name\":\"cosine\",\"gamma\":0.5}}",
     "schedule.gamma: not used by the cosine schedule"},
    {"{\"layers\":[{}],\"schedule\":{\"name\":\"step\",\"step_size\":0}}",
     "schedule.step_size: expected a whole number from 1 to 1000000000, got 0"},
    {"{\"layers\":[{}],\"schedule\":{\"name\":\"exponential\",\"gamma\":1}}",
     "schedule.gamma: must be in (0, 1), got 1"},
    {"{\"layers\":[{}],\"schedule\":{\"name\":\"plateau\",\"factor\":0}}",
     "schedule.factor: must be in (0, 1), got 0"},
    {"{\"layers\":[{}],\"schedule\":{\"name\":\"plateau\",\"patienc\":3}}",
     "schedule.patienc: unknown key; did you mean 'patience'?"},
    {"{\"layers\":[{}],\"schedule\":4}", "schedule: expected a name or an object, got a number"},
    {"{\"layers\":[{}],\"patience\":-1}",
     "patience: expected a whole number from 0 to 1000000000, got -1"},
    {"{\"layers\":[{}],\"patience\":1.5}", "patience: expected a whole number, got 1.5"},
};

START_TEST(test_spec_bad)
{
	struct dnn_spec s;
	struct dnn_error e;
	const char *json = bad[_i].json;

	dnn_error_clear(&e);
	ck_assert_msg(spec_parse(&s, json, strlen(json), "s.json", &e) == -1, "accepted: %s", json);
	ck_assert_int_eq(e.code, DNN_EX_DATA);
	ck_assert_str_eq(e.file, "s.json");
	ck_assert_str_eq(e.msg, bad[_i].msg);
}
END_TEST

/* --- resume state ---------------------------------------------------------- */

static const int state_kinds[] = {DNN_OPT_SGD, DNN_OPT_ADAM, DNN_OPT_RMSPROP, DNN_OPT_LBFGS};

/* An optimizer of kind that has taken three steps on the quadratic from w. */
static struct dnn_optim *stepped(int kind, float *w, struct quad *q)
{
	struct dnn_optim_spec c = conf_of(kind, kind == DNN_OPT_LBFGS ? 1.0 : 0.01);
	struct dnn_optim *o;
	float g[QN];
	double fx;

	c.momentum = 0.9;
	c.nesterov = 1;
	o = xnew(&c, QN);
	for (int k = 0; k < 3; k++) {
		if (kind == DNN_OPT_LBFGS) {
			ck_assert_int_eq(optim_lbfgs_iter(o, w, quad_f, q, &fx), 0);
		} else {
			quad_f(q, w, g);
			optim_step(o, w, g);
		}
	}
	return o;
}

/* The optimizer's state, head then rest, as train_state_encode puts them
 * (without what lies between). */
static unsigned char *state_of(const struct dnn_optim *o, size_t *len)
{
	struct dnn_wbuf b = {0};

	optim_state_encode_head(o, &b);
	optim_state_encode(o, &b);
	ck_assert(!b.oom);
	*len = b.n;
	return b.p;
}

static int state_read(struct dnn_optim *o, const unsigned char *p, size_t len, struct dnn_error *e)
{
	struct dnn_rbuf d = {p, len, 0, 0};

	dnn_error_clear(e);
	if (optim_state_decode_head(o, &d, e) || optim_state_decode(o, &d, e))
		return -1;
	ck_assert_uint_eq(d.pos, len);
	return 0;
}

/* A new L-BFGS holds no old heap bytes: its training state, unused history
 * slots included, is zero but for its history size, however dirty the
 * memory malloc hands out (the checkpoint of "dnn train --optimizer lbfgs"
 * carried bytes of the CSV file read before). */
START_TEST(test_lbfgs_state_zeroed)
{
	struct dnn_optim_spec c = conf_of(DNN_OPT_LBFGS, 1.0);
	const size_t n = 100, sizes[] = {n * sizeof(double), 10 * n * sizeof(double)};
	void *dirty[8];
	struct dnn_wbuf b = {0};
	unsigned char *p;
	struct dnn_optim *o;
	size_t len, nonzero = 0;

	for (size_t k = 0; k < 8; k++) {
		dirty[k] = malloc(sizes[k % 2]);
		ck_assert_ptr_nonnull(dirty[k]);
		memset(dirty[k], 0xa5, sizes[k % 2]);
	}
	for (size_t k = 0; k < 8; k++)
		free(dirty[k]);
	o = xnew(&c, n);
	optim_state_encode(o, &b);
	ck_assert(!b.oom);
	p = b.p;
	len = b.n;
	ck_assert_uint_eq(len, 4 * 4 + 8 * (1 + 2 * n + 2 * 10 * n + 10));
	for (size_t i = 0; i < len; i++)
		nonzero += p[i] != 0 && !(i == 4 && p[i] == DNN_DEFAULT_HISTORY_SIZE);
	ck_assert_uint_eq(nonzero, 0);
	free(p);
	optim_free(o);
}
END_TEST

/* Encode, decode into a fresh optimizer, encode again: the same bytes; and
 * the next step of both is the same, bit for bit. */
START_TEST(test_state_round_trip)
{
	int kind = state_kinds[_i];
	struct dnn_optim_spec c;
	struct dnn_optim *a, *b;
	struct dnn_error e;
	struct quad q;
	float wa[QN] = {0}, wb[QN], g[QN];
	unsigned char *p, *p2;
	size_t len, len2;
	double fa, fb;

	quad_make(&q);
	a = stepped(kind, wa, &q);
	c = a->conf;
	b = xnew(&c, QN);
	p = state_of(a, &len);
	ck_assert_int_eq(state_read(b, p, len, &e), 0);
	ck_assert_uint_eq(b->t, a->t);
	p2 = state_of(b, &len2);
	ck_assert_uint_eq(len2, len);
	ck_assert_int_eq(memcmp(p, p2, len), 0);
	free(p2);
	memcpy(wb, wa, sizeof wa);
	if (kind == DNN_OPT_LBFGS) {
		ck_assert_int_eq(optim_lbfgs_iter(a, wa, quad_f, &q, &fa), 0);
		ck_assert_int_eq(optim_lbfgs_iter(b, wb, quad_f, &q, &fb), 0);
		ck_assert_int_eq(memcmp(&fa, &fb, sizeof fa), 0);
	} else {
		quad_f(&q, wa, g);
		optim_step(a, wa, g);
		optim_step(b, wb, g);
	}
	ck_assert_int_eq(memcmp(wa, wb, sizeof wa), 0);
	free(p);
	p = state_of(a, &len);
	p2 = state_of(b, &len2);
	ck_assert_int_eq(memcmp(p, p2, len), 0);
	free(p);
	free(p2);
	optim_free(a);
	optim_free(b);
}
END_TEST

/* Every cut of the state is refused with an error (65), never read past its
 * end. */
START_TEST(test_state_truncated)
{
	int kind = state_kinds[_i];
	struct dnn_optim_spec c;
	struct dnn_optim *a, *b;
	struct dnn_error e;
	struct quad q;
	float w[QN] = {0};
	unsigned char *p, *cut;
	size_t len;

	quad_make(&q);
	a = stepped(kind, w, &q);
	c = a->conf;
	b = xnew(&c, QN);
	p = state_of(a, &len);
	for (size_t k = 0; k < len; k++) {
		/* A copy of exactly k bytes, so that a read past them is seen
		 * by AddressSanitizer. */
		cut = malloc(k ? k : 1);
		ck_assert_ptr_nonnull(cut);
		memcpy(cut, p, k);
		ck_assert_int_eq(state_read(b, cut, k, &e), -1);
		ck_assert_int_eq(e.code, DNN_EX_DATA);
		/* lbfgs reads its history_size (bytes 24 to 27) as 0 when
		 * cut before its end. */
		if (kind != DNN_OPT_LBFGS || k < 20 || k >= 28)
			ck_assert_str_eq(e.msg, "truncated");
		else
			ck_assert_str_eq(e.msg, "a history_size other than the spec's 10");
		free(cut);
	}
	free(p);
	optim_free(a);
	optim_free(b);
}
END_TEST

/* Another optimizer, another parameter count, another history_size, a ring
 * position outside the history: refused with what is wrong. */
START_TEST(test_state_mismatch)
{
	struct dnn_optim_spec c = conf_of(DNN_OPT_LBFGS, 1.0);
	struct dnn_optim *a, *b;
	struct dnn_error e;
	struct quad q;
	float w[QN] = {0};
	unsigned char *p;
	size_t len;

	quad_make(&q);
	a = stepped(DNN_OPT_LBFGS, w, &q);
	p = state_of(a, &len);
	c.kind = DNN_OPT_ADAM;
	b = xnew(&c, QN);
	ck_assert_int_eq(state_read(b, p, len, &e), -1);
	ck_assert_str_eq(e.msg, "the checkpoint was trained with lbfgs, not adam; a resumed run "
				"keeps its optimizer");
	optim_free(b);
	c.kind = DNN_OPT_LBFGS;
	b = xnew(&c, QN + 1);
	ck_assert_int_eq(state_read(b, p, len, &e), -1);
	ck_assert_str_eq(e.msg, "6 parameters for a network of 7");
	optim_free(b);
	c.history_size = 4;
	b = xnew(&c, QN);
	ck_assert_int_eq(state_read(b, p, len, &e), -1);
	ck_assert_str_eq(e.msg, "a history_size other than the spec's 4");
	optim_free(b);
	c.history_size = DNN_DEFAULT_HISTORY_SIZE;
	b = xnew(&c, QN);
	bytes_put_le32(p + 28, DNN_DEFAULT_HISTORY_SIZE); /* head == m */
	ck_assert_int_eq(state_read(b, p, len, &e), -1);
	ck_assert_str_eq(e.msg, "inconsistent lbfgs memory");
	bytes_put_le32(p + 28, 0);
	bytes_put_le32(p + 32, DNN_DEFAULT_HISTORY_SIZE + 1); /* count > m */
	ck_assert_int_eq(state_read(b, p, len, &e), -1);
	ck_assert_str_eq(e.msg, "inconsistent lbfgs memory");
	free(p);
	optim_free(a);
	optim_free(b);
}
END_TEST

/* The plateau schedule's memory round-trips: the same bytes again and the
 * same rates after. */
START_TEST(test_sched_state_round_trip)
{
	struct dnn_sched_spec sc = {.kind = DNN_SCHED_PLATEAU, .factor = 0.5, .patience = 1};
	struct dnn_sched a, b;
	struct dnn_wbuf w = {0}, w2 = {0};
	struct dnn_rbuf d;

	sched_init(&a, &sc, 0.1, 10);
	sched_observe(&a, 1, 1.0);
	sched_observe(&a, 2, 2.0);
	sched_observe(&a, 3, 2.0); /* halves the rate */
	sched_observe(&a, 4, 2.0);
	sched_state_encode(&a, &w);
	ck_assert_uint_eq(w.n, 24);
	sched_init(&b, &sc, 0.1, 10);
	d = (struct dnn_rbuf){w.p, w.n, 0, 0};
	sched_state_decode(&b, &d);
	ck_assert(!d.overrun);
	sched_state_encode(&b, &w2);
	ck_assert_int_eq(memcmp(w.p, w2.p, w.n), 0);
	ck_assert_double_eq(sched_lr(&b, 5), 0.05);
	sched_observe(&a, 5, 2.0);
	sched_observe(&b, 5, 2.0);
	ck_assert_double_eq(sched_lr(&b, 6), sched_lr(&a, 6));
	ck_assert_double_eq(sched_lr(&b, 6), 0.025);
	/* Cut short: the reader sees it, nothing is read past the end. */
	d = (struct dnn_rbuf){w.p, w.n - 1, 0, 0};
	sched_state_decode(&b, &d);
	ck_assert(d.overrun);
	free(w.p);
	free(w2.p);
}
END_TEST

static Suite *optim_sched_suite(void)
{
	Suite *s = suite_create("optim_sched");
	TCase *sc = tcase_create("schedules");
	TCase *sp = tcase_create("spec");
	TCase *st = tcase_create("state");

	tcase_add_test(sc, test_sched_constant_and_warmup);
	tcase_add_test(sc, test_sched_step);
	tcase_add_test(sc, test_sched_exponential);
	tcase_add_test(sc, test_sched_cosine);
	tcase_add_test(sc, test_sched_plateau);
	suite_add_tcase(s, sc);
	tcase_add_test(sp, test_spec_optimizers);
	tcase_add_test(sp, test_spec_set_optimizer);
	tcase_add_test(sp, test_spec_schedule);
	tcase_add_loop_test(sp, test_spec_bad, 0, sizeof bad / sizeof bad[0]);
	suite_add_tcase(s, sp);
	tcase_add_loop_test(st, test_state_round_trip, 0, 4);
	tcase_add_loop_test(st, test_state_truncated, 0, 4);
	tcase_add_test(st, test_state_mismatch);
	tcase_add_test(st, test_sched_state_round_trip);
	tcase_add_test(st, test_lbfgs_state_zeroed);
	suite_add_tcase(s, st);
	return s;
}

DNN_CHECK_MAIN(optim_sched_suite)
