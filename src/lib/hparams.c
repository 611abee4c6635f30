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
#define ALL (SGD | ADAM | RMSPROP | LBFGS)

#define AT(field) offsetof(struct dnn_spec, field)

/* The ranges are those of dnn-spec(5); dnn(1) refers to them. */
const struct dnn_hparam hparams[] = {
	{"epochs", "epochs", "--epochs", DNN_HP_WHOLE, "whole number", 1, 1e9, 0, 0, 0,
	 DNN_HP_ULONG, AT(epochs)},
	{"batch_size", "batch_size", "--batch-size", DNN_HP_WHOLE, "whole number", 1, 16777216,
	 0, 0, 0, DNN_HP_SIZE, AT(batch_size)},
	{"seed", "seed", "--seed", DNN_HP_WHOLE, "whole number", 0, 9007199254740992.0, 0, 0, 0,
	 DNN_HP_U64, AT(seed)},
	{"optimizer.learning_rate", "learning_rate", "--learning-rate", DNN_HP_REAL, "number", 0,
	 INFINITY, 1, 0, ALL, DNN_HP_DOUBLE, AT(optim.learning_rate)},
	{"optimizer.momentum", "momentum", "--momentum", DNN_HP_REAL, "number", 0, 1, 0, 1, SGD,
	 DNN_HP_DOUBLE, AT(optim.momentum)},
	{"optimizer.beta1", "beta1", "--beta1", DNN_HP_REAL, "number", 0, 1, 0, 1, ADAM,
	 DNN_HP_DOUBLE, AT(optim.beta1)},
	{"optimizer.beta2", "beta2", "--beta2", DNN_HP_REAL, "number", 0, 1, 0, 1, ADAM,
	 DNN_HP_DOUBLE, AT(optim.beta2)},
	{"optimizer.rho", "rho", "--rho", DNN_HP_REAL, "number", 0, 1, 0, 1, RMSPROP,
	 DNN_HP_DOUBLE, AT(optim.rho)},
	{"optimizer.epsilon", "epsilon", "--epsilon", DNN_HP_REAL, "number", 0, INFINITY, 1, 0,
	 ADAM | RMSPROP, DNN_HP_DOUBLE, AT(optim.epsilon)},
	{"optimizer.history_size", "history_size", "--history-size", DNN_HP_WHOLE,
	 "whole number", 1, 1000, 0, 0, LBFGS, DNN_HP_SIZE, AT(optim.history_size)},
	{"optimizer.weight_decay", "weight_decay", "--weight-decay", DNN_HP_REAL, "number", 0,
	 INFINITY, 0, 0, ALL, DNN_HP_DOUBLE, AT(optim.weight_decay)},
	{"optimizer.clip_norm", "clip_norm", "--clip-norm", DNN_HP_REAL, "number", 0, INFINITY,
	 1, 0, SGD | ADAM | RMSPROP, DNN_HP_DOUBLE, AT(optim.clip_norm)},
	{"patience", "patience", "--patience", DNN_HP_WHOLE, "whole number", 0, 1e9, 0, 0, 0,
	 DNN_HP_ULONG, AT(patience)},
	{"data.validation", "validation", "--validation", DNN_HP_REAL, "fraction", 0, 1, 0, 1, 0,
	 DNN_HP_DOUBLE, AT(data.validation)},
};

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
	if (kind < DNN_OPT_SGD || kind > DNN_OPT_LBFGS)
		return 0;
	for (size_t i = 0; i < n_hparams; i++)
		if (hparams[i].optimizers && strcmp(hparams[i].key, key) == 0)
			return (hparams[i].optimizers & (1u << kind)) != 0;
	return 0;
}

int hparam_in_range(const struct dnn_hparam *h, double v)
{
	if (!isfinite(v) || v < h->min || (h->min_open && v == h->min) || v > h->max ||
	    (h->max_open && v == h->max))
		return 0;
	return h->type != DNN_HP_WHOLE || v == floor(v);
}

int hparam_check_json(const struct dnn_hparam *h, double v, const char *file,
		      struct dnn_error *e)
{
	const char *key = h->path;

	if (hparam_in_range(h, v))
		return 0;
	if (h->type == DNN_HP_WHOLE)
		return dnn_error_set(e, DNN_EX_DATA, file, 0, 0,
				     "%s: expected a whole number from %.0f to %.0f, got %.17g", key,
				     h->min, h->max, v);
	if (isinf(h->max))
		return dnn_error_set(e, DNN_EX_DATA, file, 0, 0, "%s: must be %s %g, got %g", key,
				     h->min_open ? "above" : "at least", h->min, v);
	return dnn_error_set(e, DNN_EX_DATA, file, 0, 0, "%s: must be %s %g to %s%g, got %g", key,
			     h->min_open ? "above" : "from", h->min, h->max_open ? "below " : "",
			     h->max, v);
}

/* The usage error for option argument arg out of h's range. */
static int bad_arg(const struct dnn_hparam *h, const char *arg, struct dnn_error *e)
{
	if (isinf(h->max))
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '%s' needs a %s %s %g, not '%s'", h->option, h->noun,
				     h->min_open ? "above" : "of at least", h->min, arg);
	if (h->type == DNN_HP_WHOLE || !h->min_open)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '%s' needs a %s from %.*g to %s%.*g, not '%s'",
				     h->option, h->noun, h->type == DNN_HP_WHOLE ? 17 : 6, h->min,
				     h->max_open ? "below " : "", h->type == DNN_HP_WHOLE ? 17 : 6,
				     h->max, arg);
	return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
			     "option '%s' needs a %s above %g and %s %g, not '%s'", h->option,
			     h->noun, h->min, h->max_open ? "below" : "at most", h->max, arg);
}

int hparam_set_arg(struct dnn_spec *s, const struct dnn_hparam *h, const char *arg,
		   struct dnn_error *e)
{
	double v;

	if (h->type == DNN_HP_WHOLE) {
		uint64_t u;

		/* Compared as integers: 2^53 + 1 is no double. */
		if (util_parse_u64(arg, &u) || u < (uint64_t)h->min || u > (uint64_t)h->max)
			return bad_arg(h, arg, e);
		v = (double)u;
	} else if (util_parse_double(arg, &v) || !hparam_in_range(h, v)) {
		return bad_arg(h, arg, e);
	}
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
	default:
		*(double *)(void *)at = v;
		break;
	}
}
