/* The hyperparameter table: for every key, values just inside and just
 * outside each end of its range get the same verdict as a spec key and as a
 * dnn train option (when it is one), and the messages name the key or the
 * option. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "hparams.h"
#include "spec.h"
#include "testutil.h"

#define NAME "net.json"

/* The first optimizer that uses h (sgd for keys of all or none). */
static const char *optim_for(const struct dnn_hparam *h)
{
	static const char *const names[] = {"", "sgd", "adam", "rmsprop", "lbfgs",
					    "saddle_free_newton"};

	for (int k = DNN_OPT_SGD; k <= DNN_OPT_SFN; k++)
		if (h->optimizers & (1u << k))
			return names[k];
	return "sgd";
}

/* The last schedule that uses h: one that needs no other key. */
static const char *sched_for(const struct dnn_hparam *h)
{
	static const char *const names[] = {"constant", "step", "exponential", "cosine", "plateau"};

	for (int k = DNN_SCHED_PLATEAU; k > DNN_SCHED_CONSTANT; k--)
		if (h->schedules & (1u << k))
			return names[k];
	return names[0];
}

/* Whether a spec setting h to the number text num parses; its message in msg. */
static int spec_verdict(const struct dnn_hparam *h, const char *num, char *msg, size_t size)
{
	char json[512];
	struct dnn_spec s;
	struct dnn_error e = {0};
	int ok;

	if (strncmp(h->path, "optimizer.", 10) == 0)
		snprintf(json, sizeof json,
			 "{\"layers\":[{}],\"optimizer\":{\"name\":\"%s\",\"%s\":%s}}",
			 optim_for(h), h->key, num);
	else if (strncmp(h->path, "schedule.", 9) == 0)
		snprintf(json, sizeof json,
			 "{\"layers\":[{}],\"schedule\":{\"name\":\"%s\",\"%s\":%s}}", sched_for(h),
			 h->key, num);
	else if (strncmp(h->path, "layers[].", 9) == 0) /* with a norm, for its keys */
		snprintf(json, sizeof json,
			 "{\"layers\":[{\"units\":2,\"norm\":\"batch\",\"%s\":%s},{}]}", h->key,
			 num);
	else if (strcmp(h->path, "label_smoothing") == 0)
		snprintf(json, sizeof json,
			 "{\"layers\":[{\"activation\":\"softmax\"}],\"%s\":%s}", h->key, num);
	else if (strncmp(h->path, "data.", 5) == 0)
		snprintf(json, sizeof json, "{\"layers\":[{}],\"data\":{\"%s\":%s}}", h->key, num);
	else
		snprintf(json, sizeof json, "{\"layers\":[{}],\"%s\":%s}", h->key, num);
	ok = spec_parse(&s, json, strlen(json), NAME, &e) == 0;
	if (ok)
		spec_free(&s);
	else
		ck_assert_int_eq(e.code, DNN_EX_DATA);
	snprintf(msg, size, "%s", e.msg);
	return ok;
}

/* Whether option h with argument arg is accepted; its message in msg. */
static int option_verdict(const struct dnn_hparam *h, const char *arg, char *msg, size_t size)
{
	char json[128];
	struct dnn_spec s;
	struct dnn_error e = {0};
	int ok;

	snprintf(json, sizeof json, "{\"layers\":[{}],\"optimizer\":\"%s\"}", optim_for(h));
	ck_assert_int_eq(spec_parse(&s, json, strlen(json), NAME, &e), 0);
	ok = hparam_set_arg(&s, h, arg, &e) == 0;
	if (!ok)
		ck_assert_int_eq(e.code, DNN_EX_USAGE);
	spec_free(&s);
	snprintf(msg, size, "%s", e.msg);
	return ok;
}

/* Both ways, value text num must give verdict want; the messages name the
 * spec key and the option. */
static void both(const struct dnn_hparam *h, const char *num, int want)
{
	char spec_msg[1024], opt_msg[1024];
	int by_spec = spec_verdict(h, num, spec_msg, sizeof spec_msg);
	int by_opt;

	ck_assert_msg(by_spec == want, "%s = %s: spec says %d (%s)", h->path, num, by_spec,
		      spec_msg);
	/* A key of every layer is named with the layer's index. */
	if (!want && strncmp(h->path, "layers[].", 9) == 0)
		ck_assert_msg(strncmp(spec_msg, "layers[0].", 10) == 0 &&
				  strncmp(spec_msg + 10, h->key, strlen(h->key)) == 0,
			      "%s", spec_msg);
	else if (!want)
		ck_assert_msg(strncmp(spec_msg, h->path, strlen(h->path)) == 0, "%s", spec_msg);
	if (!h->option)
		return;
	by_opt = option_verdict(h, num, opt_msg, sizeof opt_msg);
	ck_assert_msg(by_opt == want, "%s %s: option says %d (%s)", h->option, num, by_opt,
		      opt_msg);
	if (!want)
		ck_assert_msg(strstr(opt_msg, h->option) != NULL, "%s", opt_msg);
}

static void num(char *buf, size_t size, double v)
{
	snprintf(buf, size, "%.17g", v);
}

/* The double next to v away from it in direction dir, but a whole number
 * next to it for whole keys (the next double when v + 1 is not one). */
static double step(const struct dnn_hparam *h, double v, double dir)
{
	if (h->type == DNN_HP_WHOLE && v + dir != v)
		return v + dir;
	return nextafter(v, dir * INFINITY);
}

START_TEST(test_same_verdict)
{
	const struct dnn_hparam *h = &hparams[_i];
	char buf[64];

	/* The lower end. */
	num(buf, sizeof buf, h->min);
	both(h, buf, !h->min_open);
	num(buf, sizeof buf, step(h, h->min, h->min_open ? 1 : -1));
	both(h, buf, h->min_open);
	/* The upper end. */
	if (isinf(h->max)) {
		num(buf, sizeof buf, DBL_MAX);
		both(h, buf, 1);
		both(h, "1e999", 0);
	} else {
		num(buf, sizeof buf, h->max);
		both(h, buf, !h->max_open);
		num(buf, sizeof buf, step(h, h->max, h->max_open ? -1 : 1));
		both(h, buf, h->max_open);
	}
	/* Inside, and a fraction for a whole number. */
	num(buf, sizeof buf, h->min + 0.5);
	both(h, buf, h->type != DNN_HP_WHOLE);
}
END_TEST

/* The stored value is the one given, both ways. */
START_TEST(test_store)
{
	struct dnn_spec s;
	struct dnn_error e = {0};
	const char *json = "{\"layers\":[{}],\"seed\":9007199254740992}";

	ck_assert_int_eq(spec_parse(&s, json, strlen(json), NAME, &e), 0);
	ck_assert_uint_eq(s.seed, 9007199254740992ULL);
	ck_assert_int_eq(hparam_set_arg(&s, hparam_find("seed"), "12345678901234", &e), 0);
	ck_assert_uint_eq(s.seed, 12345678901234ULL);
	ck_assert_int_eq(hparam_set_arg(&s, hparam_find("optimizer.epsilon"), "2", &e), 0);
	ck_assert(s.optim.epsilon == 2.0);
	ck_assert_int_eq(hparam_set_arg(&s, hparam_find("batch_size"), "7", &e), 0);
	ck_assert_uint_eq(s.batch_size, 7);
	ck_assert_int_eq(hparam_set_arg(&s, hparam_find("seed"), "9007199254740993", &e), -1);
	ck_assert_str_eq(e.msg, "option '--seed' needs a whole number from 0 to 9007199254740992, "
				"not '9007199254740993'");
	ck_assert_uint_eq(s.seed, 12345678901234ULL);
	spec_free(&s);
}
END_TEST

/* Optimizer keys are used by the optimizers the table says, and no other. */
START_TEST(test_uses)
{
	ck_assert(spec_optim_uses(DNN_OPT_SGD, "momentum"));
	ck_assert(!spec_optim_uses(DNN_OPT_ADAM, "momentum"));
	ck_assert(spec_optim_uses(DNN_OPT_RMSPROP, "epsilon"));
	ck_assert(!spec_optim_uses(DNN_OPT_LBFGS, "clip_norm"));
	ck_assert(spec_optim_uses(DNN_OPT_LBFGS, "weight_decay"));
	ck_assert(spec_optim_uses(DNN_OPT_SGD, "nesterov"));
	ck_assert(!spec_optim_uses(DNN_OPT_ADAM, "nesterov"));
	ck_assert(spec_optim_uses(DNN_OPT_ADAM, "name"));
	ck_assert(!spec_optim_uses(DNN_OPT_SGD, "patience"));
	ck_assert(hparam_sched_uses(DNN_SCHED_STEP, "gamma"));
	ck_assert(!hparam_sched_uses(DNN_SCHED_PLATEAU, "gamma"));
	ck_assert(hparam_sched_uses(DNN_SCHED_CONSTANT, "warmup"));
	ck_assert(!hparam_sched_uses(DNN_SCHED_COSINE, "factor"));
	ck_assert_ptr_null(hparam_find("nope"));
}
END_TEST

static Suite *hparams_suite(void)
{
	Suite *s = suite_create("hparams");
	TCase *tc = tcase_create("table");

	tcase_add_loop_test(tc, test_same_verdict, 0, (int)n_hparams);
	tcase_add_test(tc, test_store);
	tcase_add_test(tc, test_uses);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(hparams_suite)
