/* The hyperparameter table and the one check of a value against it, with
 * the message for a spec key or for a dnn train option. */
#include "hparams.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util.h"

#define SGD (1u << DNN_OPT_SGD)
#define ADAM (1u << DNN_OPT_ADAM)
#define RMSPROP (1u << DNN_OPT_RMSPROP)
#define LBFGS (1u << DNN_OPT_LBFGS)
#define SFN (1u << DNN_OPT_SFN)
#define ALL (SGD | ADAM | RMSPROP | LBFGS | SFN)
#define STEP (1u << DNN_SCHED_STEP)
#define EXPONENTIAL (1u << DNN_SCHED_EXPONENTIAL)
#define COSINE (1u << DNN_SCHED_COSINE)
#define PLATEAU (1u << DNN_SCHED_PLATEAU)
#define ALL_SCHED ((1u << DNN_SCHED_CONSTANT) | STEP | EXPONENTIAL | COSINE | PLATEAU)

/* Columns of the table: the kind of number, its lower and upper ends, and
 * where it is stored. */
#define WHOLE DNN_HP_WHOLE, "whole number"
#define NUMBER DNN_HP_REAL, "number"
#define FRACTION DNN_HP_REAL, "fraction"
#define FROM(v) (v), 0
#define ABOVE(v) (v), 1
#define TO(v) (v), 0
#define BELOW(v) (v), 1
#define UNBOUNDED ((double)INFINITY), 0
#define ULONG(field) DNN_HP_ULONG, offsetof(struct dnn_spec, field)
#define SIZE(field) DNN_HP_SIZE, offsetof(struct dnn_spec, field)
#define U64(field) DNN_HP_U64, offsetof(struct dnn_spec, field)
#define DOUBLE(field) DNN_HP_DOUBLE, offsetof(struct dnn_spec, field)
#define HIDDEN(field) DNN_HP_HIDDEN_DOUBLE, offsetof(struct dnn_layer_spec, field)

/* The ranges are those of dnn-spec(5); dnn-train(1) refers to them. In the order
 * dnn train checks its options. */
/* clang-format off */
const struct dnn_hparam hparams[] = {
	{"epochs", "epochs", "--epochs", WHOLE, FROM(1), TO(1e9), 0, 0, ULONG(epochs)},
	{"batch_size", "batch_size", "--batch-size", WHOLE, FROM(1), TO(16777216), 0, 0,
	 SIZE(batch_size)},
	/* 2^53: every whole number up to it is exact in JSON's doubles. */
	{"seed", "seed", "--seed", WHOLE, FROM(0), TO(9007199254740992.0), 0, 0, U64(seed)},
	{"optimizer.learning_rate", "learning_rate", "--learning-rate", NUMBER, ABOVE(0),
	 UNBOUNDED, ALL, 0, DOUBLE(optim.learning_rate)},
	{"optimizer.momentum", "momentum", "--momentum", NUMBER, FROM(0), BELOW(1), SGD, 0,
	 DOUBLE(optim.momentum)},
	{"optimizer.beta1", "beta1", "--beta1", NUMBER, FROM(0), BELOW(1), ADAM, 0,
	 DOUBLE(optim.beta1)},
	{"optimizer.beta2", "beta2", "--beta2", NUMBER, FROM(0), BELOW(1), ADAM, 0,
	 DOUBLE(optim.beta2)},
	{"optimizer.rho", "rho", "--rho", NUMBER, FROM(0), BELOW(1), RMSPROP, 0,
	 DOUBLE(optim.rho)},
	{"optimizer.epsilon", "epsilon", "--epsilon", NUMBER, ABOVE(0), UNBOUNDED,
	 ADAM | RMSPROP, 0, DOUBLE(optim.epsilon)},
	{"optimizer.history_size", "history_size", "--history-size", WHOLE, FROM(1), TO(1000),
	 LBFGS, 0, SIZE(optim.history_size)},
	{"optimizer.krylov_dim", "krylov_dim", "--krylov-dim", WHOLE, FROM(1), TO(1000), SFN, 0,
	 SIZE(optim.krylov_dim)},
	{"optimizer.damping", "damping", "--damping", NUMBER, ABOVE(0), UNBOUNDED, SFN, 0,
	 DOUBLE(optim.damping)},
	{"optimizer.weight_decay", "weight_decay", "--weight-decay", NUMBER, FROM(0), UNBOUNDED,
	 ALL, 0, DOUBLE(optim.weight_decay)},
	{"optimizer.l1", "l1", "--l1", NUMBER, FROM(0), UNBOUNDED, ALL, 0, DOUBLE(optim.l1)},
	{"optimizer.clip_norm", "clip_norm", "--clip-norm", NUMBER, ABOVE(0), UNBOUNDED,
	 SGD | ADAM | RMSPROP, 0, DOUBLE(optim.clip_norm)},
	{"label_smoothing", "label_smoothing", "--label-smoothing", FRACTION, FROM(0), BELOW(1), 0,
	 0, DOUBLE(label_smoothing)},
	/* The layers' own keys: the option sets every hidden layer. */
	{"layers[].max_norm", "max_norm", "--max-norm", NUMBER, ABOVE(0), UNBOUNDED, 0, 0,
	 HIDDEN(max_norm)},
	{"patience", "patience", "--patience", WHOLE, FROM(0), TO(1e9), 0, 0, ULONG(patience)},
	{"data.validation", "validation", "--validation", FRACTION, FROM(0), BELOW(1), 0, 0,
	 DOUBLE(data.validation)},
	{"input_dropout", "input_dropout", "--input-dropout", FRACTION, FROM(0), BELOW(1), 0, 0,
	 DOUBLE(input_dropout)},
	{"layers[].dropout", "dropout", "--dropout", FRACTION, FROM(0), BELOW(1), 0, 0,
	 HIDDEN(dropout)},
	/* Normalization's keys have no options. */
	{"layers[].norm_momentum", "norm_momentum", NULL, NUMBER, FROM(0), TO(1), 0, 0,
	 HIDDEN(norm_momentum)},
	{"layers[].norm_epsilon", "norm_epsilon", NULL, NUMBER, ABOVE(0), UNBOUNDED, 0, 0,
	 HIDDEN(norm_epsilon)},
	/* The schedule's keys have no options. */
	{"schedule.step_size", "step_size", NULL, WHOLE, FROM(1), TO(1e9), 0, STEP,
	 ULONG(schedule.step_size)},
	{"schedule.gamma", "gamma", NULL, NUMBER, ABOVE(0), BELOW(1), 0, STEP | EXPONENTIAL,
	 DOUBLE(schedule.gamma)},
	{"schedule.t_max", "t_max", NULL, WHOLE, FROM(1), TO(1e9), 0, COSINE,
	 ULONG(schedule.t_max)},
	{"schedule.min_lr", "min_lr", NULL, NUMBER, FROM(0), UNBOUNDED, 0, COSINE | PLATEAU,
	 DOUBLE(schedule.min_lr)},
	{"schedule.warmup", "warmup", NULL, WHOLE, FROM(0), TO(1e9), 0, ALL_SCHED,
	 ULONG(schedule.warmup)},
	{"schedule.factor", "factor", NULL, NUMBER, ABOVE(0), BELOW(1), 0, PLATEAU,
	 DOUBLE(schedule.factor)},
	{"schedule.patience", "patience", NULL, WHOLE, FROM(0), TO(1e9), 0, PLATEAU,
	 ULONG(schedule.patience)},
	{"schedule.threshold", "threshold", NULL, NUMBER, FROM(0), UNBOUNDED, 0, PLATEAU,
	 DOUBLE(schedule.threshold)},
};
/* clang-format on */

const size_t n_hparams = sizeof hparams / sizeof hparams[0];

const struct dnn_hparam *hparam_find(const char *path)
{
	for (size_t i = 0; i < n_hparams; i++)
		if (strcmp(hparams[i].path, path) == 0)
			return &hparams[i];
	return NULL;
}

int hparam_optim_uses(int kind, const char *key)
{
	if (strcmp(key, "name") == 0)
		return 1;
	if (strcmp(key, "nesterov") == 0)
		return kind == DNN_OPT_SGD;
	if (kind < DNN_OPT_SGD || kind > DNN_OPT_SFN)
		return 0;
	for (size_t i = 0; i < n_hparams; i++)
		if (hparams[i].optimizers && strcmp(hparams[i].key, key) == 0)
			return (hparams[i].optimizers & (1u << kind)) != 0;
	return 0;
}

int hparam_sched_uses(int kind, const char *key)
{
	if (strcmp(key, "name") == 0)
		return 1;
	if (kind < DNN_SCHED_CONSTANT || kind > DNN_SCHED_PLATEAU)
		return 0;
	for (size_t i = 0; i < n_hparams; i++)
		if (hparams[i].schedules && strcmp(hparams[i].key, key) == 0)
			return (hparams[i].schedules & (1u << kind)) != 0;
	return 0;
}

int hparam_in_range(const struct dnn_hparam *h, double v)
{
	if (!isfinite(v) || v < h->min || (h->min_open && v == h->min) || v > h->max ||
	    (h->max_open && v == h->max))
		return 0;
	return h->type != DNN_HP_WHOLE || v == floor(v);
}

int hparam_check_json(const struct dnn_hparam *h, double v, const char *file, struct dnn_error *e)
{
	return hparam_check_json_at(h, h->path, v, file, e);
}

int hparam_check_json_at(const struct dnn_hparam *h, const char *key, double v, const char *file,
			 struct dnn_error *e)
{
	char iv[64];

	if (hparam_in_range(h, v))
		return 0;
	if (h->type == DNN_HP_WHOLE)
		return dnn_error_set(e, DNN_EX_DATA, file, 0, 0,
				     "%s: expected a whole number from %.0f to %.0f, got %.17g",
				     key, h->min, h->max, v);
	if (isinf(h->max))
		return dnn_error_set(e, DNN_EX_DATA, file, 0, 0, "%s: must be %s %g, got %g", key,
				     h->min_open ? "above" : "at least", h->min, v);
	return dnn_error_set(e, DNN_EX_DATA, file, 0, 0, "%s: must be in %s, got %g", key,
			     util_interval(iv, sizeof iv, h->min, h->min_open, h->max, h->max_open),
			     v);
}

/* The usage error for option argument arg out of h's range. */
static int bad_arg(const struct dnn_hparam *h, const char *arg, struct dnn_error *e)
{
	char iv[64];

	if (isinf(h->max))
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '%s' needs a %s %s %g, not '%s'", h->option, h->noun,
				     h->min_open ? "above" : "of at least", h->min, arg);
	if (h->type == DNN_HP_WHOLE)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '%s' needs a %s from %.17g to %.17g, not '%s'",
				     h->option, h->noun, h->min, h->max, arg);
	return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0, "option '%s' needs a %s in %s, not '%s'",
			     h->option, h->noun,
			     util_interval(iv, sizeof iv, h->min, h->min_open, h->max, h->max_open),
			     arg);
}

int hparam_parse_arg(const struct dnn_hparam *h, const char *arg, double *out,
		     struct dnn_error *e)
{
	if (h->type == DNN_HP_WHOLE) {
		uint64_t u;

		/* Compared as integers: 2^53 + 1 is no double. */
		if (util_parse_u64(arg, &u) || u < (uint64_t)h->min || u > (uint64_t)h->max)
			return bad_arg(h, arg, e);
		*out = (double)u;
	} else if (util_parse_double(arg, out) || !hparam_in_range(h, *out)) {
		return bad_arg(h, arg, e);
	}
	return 0;
}

int hparam_set_arg(struct dnn_spec *s, const struct dnn_hparam *h, const char *arg,
		   struct dnn_error *e)
{
	double v;

	if (hparam_parse_arg(h, arg, &v, e))
		return -1;
	hparam_store(s, h, v);
	return 0;
}

void hparam_store(struct dnn_spec *s, const struct dnn_hparam *h, double v)
{
	char *at = (char *)s + h->offset;

	switch (h->store) {
	case DNN_HP_ULONG:
		*(unsigned long *)(void *)at = (unsigned long)v;
		break;
	case DNN_HP_SIZE:
		*(size_t *)(void *)at = (size_t)v;
		break;
	case DNN_HP_U64:
		*(uint64_t *)(void *)at = (uint64_t)v;
		break;
	case DNN_HP_HIDDEN_DOUBLE:
		for (size_t i = 0; i + 1 < s->n_layers; i++)
			*(double *)(void *)((char *)&s->layers[i] + h->offset) = v;
		break;
	default:
		*(double *)(void *)at = v;
		break;
	}
}
