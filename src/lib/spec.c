/* The network spec (spec.h): the JSON document read and checked key by key.
 * With spec_write.c, which writes a spec back for the checkpoint, the only
 * files that know cJSON. */
#include "spec.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "hparams.h"
#include "json.h"
#include "layer_norm.h"
#include "loss.h"
#include "util.h"

#define MAX_LAYERS 1000
#define MAX_UNITS 16777216.0

/* Where messages point: the spec's file name. */
struct ctx {
	const char *file;
	struct dnn_error *e;
};

static int bad(const struct ctx *c, const char *key, const char *fmt, ...) DNN_PRINTF(3, 4);

/* A validation error: "FILE: KEY: message", code 65. */
static int bad(const struct ctx *c, const char *key, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return dnn_error_set(c->e, DNN_EX_DATA, c->file, 0, 0, "%s: %s", key, msg);
}

static const char *type_name(const cJSON *it)
{
	if (cJSON_IsString(it))
		return "a string";
	if (cJSON_IsNumber(it))
		return "a number";
	if (cJSON_IsBool(it))
		return "a boolean";
	if (cJSON_IsNull(it))
		return "null";
	if (cJSON_IsArray(it))
		return "an array";
	return "an object";
}

/* Every member of obj must be one of the allowed names, and appear once. */
static int check_keys(const struct ctx *c, const cJSON *obj, const char *path,
		      const char *const *allowed, size_t n)
{
	char key[256];

	for (const cJSON *it = obj->child; it; it = it->next) {
		size_t i;

		snprintf(key, sizeof key, "%s%s%s", path, *path ? "." : "", it->string);
		for (i = 0; i < n; i++)
			if (strcmp(it->string, allowed[i]) == 0)
				break;
		if (i == n) {
			const char *near = util_closest(it->string, allowed, n);

			if (near)
				return bad(c, key, "unknown key; did you mean '%s'?", near);
			return bad(c, key, "unknown key");
		}
		for (const cJSON *p = obj->child; p != it; p = p->next)
			if (strcmp(p->string, it->string) == 0)
				return bad(c, key, "given twice");
	}
	return 0;
}

/* A whole number in [min, max]. */
static int get_whole(const struct ctx *c, const cJSON *it, const char *key, double min,
		     double max, double *out)
{
	if (!cJSON_IsNumber(it))
		return bad(c, key, "expected a whole number, got %s", type_name(it));
	if (it->valuedouble != floor(it->valuedouble))
		return bad(c, key, "expected a whole number, got %g", it->valuedouble);
	if (it->valuedouble < min || it->valuedouble > max)
		return bad(c, key, "expected a whole number from %.0f to %.0f, got %.17g", min, max,
			   it->valuedouble);
	*out = it->valuedouble;
	return 0;
}

/* One of a list of names; "did you mean" or the list when it is not. */
static int get_choice(const struct ctx *c, const cJSON *it, const char *key, const char *what,
		      const char *const *names, size_t n, size_t *out)
{
	char list[256] = "";
	const char *near;

	if (!cJSON_IsString(it))
		return bad(c, key, "expected a string, got %s", type_name(it));
	for (size_t i = 0; i < n; i++)
		if (strcmp(it->valuestring, names[i]) == 0) {
			*out = i;
			return 0;
		}
	near = util_closest(it->valuestring, names, n);
	if (near)
		return bad(c, key, "unknown %s '%s'; did you mean '%s'?", what, it->valuestring,
			   near);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(list);

		snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", names[i]);
	}
	return bad(c, key, "unknown %s '%s' (expected one of: %s)", what, it->valuestring, list);
}

static const char *const init_names[] = {"auto",	  "glorot",    "glorot_uniform",
					 "glorot_normal", "he",	       "he_uniform",
					 "he_normal"};
static const int init_ids[] = {DNN_INIT_AUTO,	      DNN_INIT_GLOROT_UNIFORM,
			       DNN_INIT_GLOROT_UNIFORM, DNN_INIT_GLOROT_NORMAL,
			       DNN_INIT_HE_NORMAL,     DNN_INIT_HE_UNIFORM,
			       DNN_INIT_HE_NORMAL};

const char *spec_init_name(int init)
{
	switch (init) {
	case DNN_INIT_GLOROT_UNIFORM:
		return "glorot_uniform";
	case DNN_INIT_GLOROT_NORMAL:
		return "glorot_normal";
	case DNN_INIT_HE_UNIFORM:
		return "he_uniform";
	case DNN_INIT_HE_NORMAL:
		return "he_normal";
	default:
		return "auto";
	}
}

static const char *const optim_names[] = {"sgd", "adam", "rmsprop", "lbfgs",
					  "saddle_free_newton"};
static const char *const sched_names[] = {"constant", "step", "exponential", "cosine",
					  "plateau"};
static const char *const norm_names[] = {"none", "standard"};
static const char *const missing_names[] = {"error", "mean"};
static const char *const precision_names[] = {"fp32", "bf16", "auto"};

const char *spec_missing_name(int missing)
{
	return missing_names[missing];
}

const char *spec_precision_name(int precision)
{
	return precision_names[precision];
}

int spec_precision_parse(const char *name)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(name, precision_names[i]) == 0)
			return i;
	return -1;
}

/* The output activation that goes with a loss when the spec names none. */
static int default_output_act(int loss)
{
	if (loss == DNN_LOSS_CROSS_ENTROPY)
		return DNN_ACT_SOFTMAX;
	if (loss == DNN_LOSS_BINARY_CROSS_ENTROPY)
		return DNN_ACT_SIGMOID;
	return DNN_ACT_LINEAR;
}

/* A layer's number of the hyperparameter table (row path), at key. */
static int get_layer_hparam(const struct ctx *c, const cJSON *it, const char *key,
			    const char *path, double *out)
{
	const struct dnn_hparam *h = hparam_find(path);

	if (!cJSON_IsNumber(it))
		return bad(c, key, "expected a %s, got %s", h->noun, type_name(it));
	if (hparam_check_json_at(h, key, it->valuedouble, c->file, c->e))
		return -1;
	*out = it->valuedouble;
	return 0;
}

/* layers[i].norm, and its norm_momentum (batch only) and norm_epsilon. */
static int layer_norm_keys(const struct ctx *c, const cJSON *ly, size_t i,
			   struct dnn_layer_spec *ls)
{
	static const char *const names[] = {"batch", "layer"};
	static const char *const num[] = {"norm_momentum", "norm_epsilon"};
	double *at[] = {&ls->norm_momentum, &ls->norm_epsilon};
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(ly, "norm");
	char key[64], row[64];
	size_t k;

	ls->norm_momentum = LAYER_NORM_MOMENTUM;
	ls->norm_epsilon = LAYER_NORM_EPS;
	snprintf(key, sizeof key, "layers[%zu].norm", i);
	if (it && get_choice(c, it, key, "norm", names, 2, &k))
		return -1;
	ls->norm = it ? (int)k + 1 : 0;
	for (int q = 0; q < 2; q++) {
		if (!(it = cJSON_GetObjectItemCaseSensitive(ly, num[q])))
			continue;
		snprintf(key, sizeof key, "layers[%zu].%s", i, num[q]);
		snprintf(row, sizeof row, "layers[].%s", num[q]);
		if (get_layer_hparam(c, it, key, row, at[q]))
			return -1;
		if (!ls->norm || (q == 0 && ls->norm != DNN_NORM_BATCH))
			return bad(c, key, "only with \"norm\": %s",
				   q ? "\"batch\" or \"layer\"" : "\"batch\"");
	}
	return 0;
}

/* Layer i's numbers of the hyperparameter table that ly gives: max_norm,
 * and dropout, which the output layer (last) does not take. */
static int layer_numbers(const struct ctx *c, const cJSON *ly, size_t i, int last,
			 struct dnn_layer_spec *ls)
{
	const cJSON *it;
	char key[64];

	if ((it = cJSON_GetObjectItemCaseSensitive(ly, "max_norm"))) {
		snprintf(key, sizeof key, "layers[%zu].max_norm", i);
		if (get_layer_hparam(c, it, key, "layers[].max_norm", &ls->max_norm))
			return -1;
	}
	if ((it = cJSON_GetObjectItemCaseSensitive(ly, "dropout"))) {
		snprintf(key, sizeof key, "layers[%zu].dropout", i);
		if (get_layer_hparam(c, it, key, "layers[].dropout", &ls->dropout))
			return -1;
		if (last && ls->dropout != 0.0)
			return bad(c, key, "the output layer takes no dropout");
	}
	return 0;
}

static int parse_layers(const struct ctx *c, const cJSON *arr, int loss, struct dnn_spec *s)
{
	static const char *const keys[] = {"units",   "activation", "init",	       "max_norm",
					   "dropout", "norm",	    "norm_momentum", "norm_epsilon"};
	size_t n = (size_t)cJSON_GetArraySize(arr), i = 0;
	char key[64];

	if (!cJSON_IsArray(arr))
		return bad(c, "layers", "expected an array of layers, got %s", type_name(arr));
	if (n == 0)
		return bad(c, "layers", "needs at least one layer");
	if (n > MAX_LAYERS)
		return bad(c, "layers", "at most %d layers, got %zu", MAX_LAYERS, n);
	s->layers = util_calloc_array(n, sizeof *s->layers);
	if (!s->layers)
		return dnn_error_oom(c->e);
	s->n_layers = n;
	for (const cJSON *ly = arr->child; ly; ly = ly->next, i++) {
		int last = i + 1 == n;
		const cJSON *u, *a;
		double units;

		snprintf(key, sizeof key, "layers[%zu]", i);
		if (!cJSON_IsObject(ly))
			return bad(c, key, "expected an object like {\"units\": 16, \"activation\": "
					   "\"relu\"}, got %s",
				   type_name(ly));
		if (check_keys(c, ly, key, keys, sizeof keys / sizeof keys[0]))
			return -1;
		u = cJSON_GetObjectItemCaseSensitive(ly, "units");
		a = cJSON_GetObjectItemCaseSensitive(ly, "activation");
		snprintf(key, sizeof key, "layers[%zu].units", i);
		if (u) {
			if (get_whole(c, u, key, 1, MAX_UNITS, &units))
				return -1;
			s->layers[i].units = (size_t)units;
		} else if (!last) {
			return bad(c, key, "missing (only the output layer may leave it out)");
		}
		snprintf(key, sizeof key, "layers[%zu].activation", i);
		if (a) {
			size_t k;

			if (get_choice(c, a, key, "activation", act_names, DNN_ACT_MAX, &k))
				return -1;
			s->layers[i].activation = (int)k + 1;
		} else {
			s->layers[i].activation = last ? default_output_act(loss) : DNN_ACT_RELU;
		}
		if ((a = cJSON_GetObjectItemCaseSensitive(ly, "init"))) {
			size_t k;

			snprintf(key, sizeof key, "layers[%zu].init", i);
			if (get_choice(c, a, key, "init", init_names,
				       sizeof init_names / sizeof init_names[0], &k))
				return -1;
			s->layers[i].has_init = 1;
			s->layers[i].init = init_ids[k];
		}
		if (layer_numbers(c, ly, i, last, &s->layers[i]))
			return -1;
		if (cJSON_GetObjectItemCaseSensitive(ly, "max_norm") ||
		    cJSON_GetObjectItemCaseSensitive(ly, "dropout"))
			snprintf(key, sizeof key, "layers[%zu].activation", i);
		if (layer_norm_keys(c, ly, i, &s->layers[i]))
			return -1;
		const struct dnn_act_info *ai = act_by_id(s->layers[i].activation);

		if (!last && (ai->flags & ACT_OUTPUT_ONLY))
			return bad(c, key, "%s is only allowed in the output layer", ai->name);
		if (last && (ai->flags & ACT_ZERO_GRAD))
			return bad(c, key,
				   "%s cannot be the output activation: its derivative is zero "
				   "everywhere, so the output layer could not learn; use sigmoid",
				   ai->name);
	}
	return 0;
}

/* The loss and the output activation must go together. */
static int check_loss(const struct ctx *c, const struct dnn_spec *s)
{
	int out = s->layers[s->n_layers - 1].activation;

	if (out == DNN_ACT_SOFTMAX && s->loss != DNN_LOSS_CROSS_ENTROPY)
		return bad(c, "loss", "softmax outputs need loss 'cross_entropy', not '%s'",
			   loss_name(s->loss));
	if (s->loss == DNN_LOSS_CROSS_ENTROPY && out != DNN_ACT_SOFTMAX)
		return bad(c, "loss", "'cross_entropy' needs a softmax output layer, not %s",
			   act_by_id(out)->name);
	if (s->loss == DNN_LOSS_BINARY_CROSS_ENTROPY && out != DNN_ACT_SIGMOID)
		return bad(c, "loss", "'binary_cross_entropy' needs a sigmoid output layer, not %s",
			   act_by_id(out)->name);
	return 0;
}

static const char *const optim_keys[] = {"name",  "learning_rate", "momentum",	   "nesterov",
					 "beta1", "beta2",	   "rho",	   "epsilon",
					 "history_size", "krylov_dim",   "damping",	   "weight_decay",
					 "l1",	  "clip_norm"};

const char *spec_optim_name(int kind)
{
	return kind >= 1 && kind <= DNN_N_OPTIMIZERS ? optim_names[kind - 1] : "?";
}

const char *spec_sched_name(int kind)
{
	return kind >= 0 && kind <= 4 ? sched_names[kind] : "?";
}

double spec_optim_default_lr(int kind)
{
	switch (kind) {
	case DNN_OPT_ADAM:
	case DNN_OPT_RMSPROP:
		return 0.001;
	case DNN_OPT_LBFGS:
	case DNN_OPT_SFN:
		return 1.0;
	default:
		return DNN_DEFAULT_LEARNING_RATE;
	}
}

int spec_optim_uses(int kind, const char *key)
{
	return hparam_optim_uses(kind, key);
}

/* A number of the hyperparameter table (hparams.h), checked and stored. */
static int get_hparam(const struct ctx *c, const cJSON *it, const char *path, struct dnn_spec *s)
{
	const struct dnn_hparam *h = hparam_find(path);

	if (!cJSON_IsNumber(it))
		return bad(c, path, "expected a %s, got %s", h->noun, type_name(it));
	if (h->type == DNN_HP_WHOLE && it->valuedouble != floor(it->valuedouble))
		return bad(c, path, "expected a whole number, got %g", it->valuedouble);
	if (hparam_check_json(h, it->valuedouble, c->file, c->e))
		return -1;
	hparam_store(s, h, it->valuedouble);
	return 0;
}

int spec_set_optimizer(struct dnn_spec *s, const char *name, struct dnn_error *e)
{
	const char *near;

	for (int k = 1; k <= DNN_N_OPTIMIZERS; k++)
		if (strcmp(name, optim_names[k - 1]) == 0) {
			s->optim.kind = k;
			if (!s->optim.learning_rate_given)
				s->optim.learning_rate = spec_optim_default_lr(k);
			return 0;
		}
	near = util_closest(name, optim_names, DNN_N_OPTIMIZERS);
	if (near)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--optimizer': unknown optimizer '%s'; did you mean "
				     "'%s'?",
				     name, near);
	return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
			     "option '--optimizer': unknown optimizer '%s' (known: sgd, adam, "
			     "rmsprop, lbfgs, saddle_free_newton)",
			     name);
}

static int parse_optimizer(const struct ctx *c, const cJSON *it, struct dnn_spec *s)
{
	const size_t n_keys = sizeof optim_keys / sizeof optim_keys[0];
	struct dnn_optim_spec *o = &s->optim;
	const cJSON *name = it;
	char key[64];
	size_t k;

	if (cJSON_IsObject(it)) {
		if (check_keys(c, it, "optimizer", optim_keys, n_keys))
			return -1;
		name = cJSON_GetObjectItemCaseSensitive(it, "name");
	} else if (!cJSON_IsString(it)) {
		return bad(c, "optimizer", "expected a name or an object, got %s", type_name(it));
	}
	if (name) {
		if (get_choice(c, name, name == it ? "optimizer" : "optimizer.name", "optimizer",
			       optim_names, DNN_N_OPTIMIZERS, &k))
			return -1;
		o->kind = (int)k + 1;
	}
	if (!cJSON_IsObject(it))
		goto out;
	for (const cJSON *v = it->child; v; v = v->next) {
		const char *kn = v->string;

		snprintf(key, sizeof key, "optimizer.%s", kn);
		if (!spec_optim_uses(o->kind, kn))
			return bad(c, key, "not used by %s", spec_optim_name(o->kind));
		if (strcmp(kn, "name") == 0)
			continue;
		if (strcmp(kn, "nesterov") == 0) {
			if (!cJSON_IsBool(v))
				return bad(c, key, "expected true or false, got %s", type_name(v));
			o->nesterov = cJSON_IsTrue(v);
			continue;
		}
		if (get_hparam(c, v, key, s))
			return -1;
		if (strcmp(kn, "learning_rate") == 0)
			o->learning_rate_given = 1;
	}
out:
	if (!o->learning_rate_given)
		o->learning_rate = spec_optim_default_lr(o->kind);
	return 0;
}

static int parse_schedule(const struct ctx *c, const cJSON *it, struct dnn_spec *s)
{
	static const char *const keys[] = {"name",   "step_size", "gamma",  "t_max",	"min_lr",
					   "warmup", "factor",	  "patience", "threshold"};
	struct dnn_sched_spec *sc = &s->schedule;
	const cJSON *name = it;
	char key[64];
	size_t k;
	int have_step = 0, have_gamma = 0;

	if (cJSON_IsObject(it)) {
		if (check_keys(c, it, "schedule", keys, sizeof keys / sizeof keys[0]))
			return -1;
		name = cJSON_GetObjectItemCaseSensitive(it, "name");
		if (!name)
			return bad(c, "schedule.name", "missing: name the schedule (one of: "
						       "constant, step, exponential, cosine, "
						       "plateau)");
	} else if (!cJSON_IsString(it)) {
		return bad(c, "schedule", "expected a name or an object, got %s", type_name(it));
	}
	if (get_choice(c, name, name == it ? "schedule" : "schedule.name", "schedule", sched_names,
		       5, &k))
		return -1;
	sc->kind = (int)k;
	for (const cJSON *v = cJSON_IsObject(it) ? it->child : NULL; v; v = v->next) {
		const char *kn = v->string;

		snprintf(key, sizeof key, "schedule.%s", kn);
		if (!hparam_sched_uses(sc->kind, kn))
			return bad(c, key, "not used by the %s schedule", sched_names[k]);
		if (strcmp(kn, "name") == 0)
			continue;
		if (get_hparam(c, v, key, s))
			return -1;
		have_step |= strcmp(kn, "step_size") == 0;
		have_gamma |= strcmp(kn, "gamma") == 0;
	}
	if (sc->kind == DNN_SCHED_STEP && !have_step)
		return bad(c, "schedule.step_size", "missing: the step schedule needs it");
	if (sc->kind == DNN_SCHED_EXPONENTIAL && !have_gamma)
		return bad(c, "schedule.gamma", "missing: the exponential schedule needs it");
	return 0;
}

/* One target reference: a column name or a 0-based index. */
static int parse_target(const struct ctx *c, const cJSON *it, const char *key,
			struct dnn_column_ref *r)
{
	double idx;

	if (cJSON_IsString(it)) {
		if (!*it->valuestring)
			return bad(c, key, "empty column name");
		r->name = util_strdup(it->valuestring);
		return r->name ? 0 : dnn_error_oom(c->e);
	}
	if (!cJSON_IsNumber(it))
		return bad(c, key, "expected a column name or a 0-based index, got %s",
			   type_name(it));
	if (get_whole(c, it, key, 0, 1e9, &idx))
		return -1;
	r->name = NULL;
	r->index = (long)idx;
	return 0;
}

/* One column reference or an array of them, at key. */
static int parse_columns(const struct ctx *c, const cJSON *t, const char *key,
			 struct dnn_column_ref **refs, size_t *n_refs)
{
	size_t n = cJSON_IsArray(t) ? (size_t)cJSON_GetArraySize(t) : 1, k = 0;
	char sub[64];

	if (n == 0)
		return bad(c, key, "expected at least one column");
	*refs = util_calloc_array(n, sizeof **refs);
	if (!*refs)
		return dnn_error_oom(c->e);
	*n_refs = n;
	if (!cJSON_IsArray(t))
		return parse_target(c, t, key, &(*refs)[0]);
	for (const cJSON *it = t->child; it; it = it->next, k++) {
		snprintf(sub, sizeof sub, "%s[%zu]", key, k);
		if (parse_target(c, it, sub, &(*refs)[k]))
			return -1;
	}
	return 0;
}

/* data.class_weight: "balanced" or {"label": weight, ...}. */
static int parse_class_weight(const struct ctx *c, const cJSON *it, struct dnn_spec *s)
{
	const char *key = "data.class_weight";
	size_t n = 0, k = 0;

	if (cJSON_IsString(it)) {
		if (strcmp(it->valuestring, "balanced") != 0)
			return bad(c, key, "expected \"balanced\" or an object of weights by class "
					   "label, got '%s'",
				   it->valuestring);
		s->data.class_weighting = DNN_CW_BALANCED;
		return 0;
	}
	if (!cJSON_IsObject(it))
		return bad(c, key, "expected \"balanced\" or an object of weights by class label, "
				   "got %s",
			   type_name(it));
	for (const cJSON *v = it->child; v; v = v->next)
		n++;
	if (n == 0)
		return bad(c, key, "expected a weight for at least one class");
	s->data.class_weights = util_calloc_array(n, sizeof *s->data.class_weights);
	if (!s->data.class_weights)
		return dnn_error_oom(c->e);
	s->data.n_class_weights = n;
	s->data.class_weighting = DNN_CW_GIVEN;
	for (const cJSON *v = it->child; v; v = v->next, k++) {
		char sub[300];

		snprintf(sub, sizeof sub, "%s.%.200s", key, v->string);
		for (const cJSON *p = it->child; p != v; p = p->next)
			if (strcmp(p->string, v->string) == 0)
				return bad(c, sub, "given twice");
		if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0.0)
			return cJSON_IsNumber(v)
				   ? bad(c, sub, "must be a number of at least 0, got %g",
					 v->valuedouble)
				   : bad(c, sub, "expected a number, got %s", type_name(v));
		s->data.class_weights[k].weight = v->valuedouble;
		s->data.class_weights[k].label = util_strdup(v->string);
		if (!s->data.class_weights[k].label)
			return dnn_error_oom(c->e);
	}
	return 0;
}

static int parse_data(const struct ctx *c, const cJSON *obj, struct dnn_spec *s)
{
	static const char *const keys[] = {"target",	 "ignore",     "categorical",
					   "normalize",	 "missing",    "validation",
					   "class_weight", "weight"};
	const cJSON *t, *ig, *ca, *nm, *mi, *v, *cw;
	size_t k;

	if (!cJSON_IsObject(obj))
		return bad(c, "data", "expected an object, got %s", type_name(obj));
	if (check_keys(c, obj, "data", keys, sizeof keys / sizeof keys[0]))
		return -1;
	cw = cJSON_GetObjectItemCaseSensitive(obj, "class_weight");
	if (cw && parse_class_weight(c, cw, s))
		return -1;
	if ((cw = cJSON_GetObjectItemCaseSensitive(obj, "weight"))) {
		if (!(s->data.weight = calloc(1, sizeof *s->data.weight)))
			return dnn_error_oom(c->e);
		if (parse_target(c, cw, "data.weight", s->data.weight))
			return -1;
	}
	t = cJSON_GetObjectItemCaseSensitive(obj, "target");
	ig = cJSON_GetObjectItemCaseSensitive(obj, "ignore");
	ca = cJSON_GetObjectItemCaseSensitive(obj, "categorical");
	mi = cJSON_GetObjectItemCaseSensitive(obj, "missing");
	nm = cJSON_GetObjectItemCaseSensitive(obj, "normalize");
	v = cJSON_GetObjectItemCaseSensitive(obj, "validation");
	if (t && parse_columns(c, t, "data.target", &s->data.targets, &s->data.n_targets))
		return -1;
	if (ig && parse_columns(c, ig, "data.ignore", &s->data.ignore, &s->data.n_ignore))
		return -1;
	if (ca && parse_columns(c, ca, "data.categorical", &s->data.categorical,
				&s->data.n_categorical))
		return -1;
	if (nm) {
		if (get_choice(c, nm, "data.normalize", "normalization", norm_names, 2, &k))
			return -1;
		s->data.normalize = k ? DNN_NORM_STANDARD : DNN_NORM_NONE;
	}
	if (mi) {
		if (get_choice(c, mi, "data.missing", "missing-value rule", missing_names, 2, &k))
			return -1;
		s->data.missing = k ? DNN_MISSING_MEAN : DNN_MISSING_ERROR;
	}
	if (v && get_hparam(c, v, "data.validation", s))
		return -1;
	return 0;
}

static int parse_root(const struct ctx *c, const cJSON *root, struct dnn_spec *s)
{
	static const char *const keys[] = {"layers",   "loss",	   "init",
					   "optimizer", "epochs",   "batch_size",
					   "seed",     "data",	   "schedule",
					   "patience", "label_smoothing", "input_dropout",
					   "precision"};
	const cJSON *it;
	size_t k;
	int loss = 0;

	if (!cJSON_IsObject(root))
		return bad(c, "(top level)", "expected an object, got %s", type_name(root));
	if (check_keys(c, root, "", keys, sizeof keys / sizeof keys[0]))
		return -1;
	if ((it = cJSON_GetObjectItemCaseSensitive(root, "loss"))) {
		if (get_choice(c, it, "loss", "loss", loss_names, DNN_LOSS_MAX, &k))
			return -1;
		loss = (int)k + 1;
	}
	it = cJSON_GetObjectItemCaseSensitive(root, "layers");
	if (!it)
		return bad(c, "layers", "missing: the spec must list the layers");
	if (parse_layers(c, it, loss, s))
		return -1;
	if (!loss) {
		int out = s->layers[s->n_layers - 1].activation;

		loss = out == DNN_ACT_SOFTMAX	? DNN_LOSS_CROSS_ENTROPY
		       : out == DNN_ACT_SIGMOID ? DNN_LOSS_BINARY_CROSS_ENTROPY
						: DNN_LOSS_MSE;
	}
	s->loss = loss;
	if (check_loss(c, s))
		return -1;
	if ((it = cJSON_GetObjectItemCaseSensitive(root, "init"))) {
		if (get_choice(c, it, "init", "init", init_names,
			       sizeof init_names / sizeof init_names[0], &k))
			return -1;
		s->init = init_ids[k];
	}
	if ((it = cJSON_GetObjectItemCaseSensitive(root, "optimizer")) &&
	    parse_optimizer(c, it, s))
		return -1;
	if ((it = cJSON_GetObjectItemCaseSensitive(root, "schedule")) &&
	    parse_schedule(c, it, s))
		return -1;
	if ((it = cJSON_GetObjectItemCaseSensitive(root, "patience")) && get_hparam(c, it, "patience", s))
		return -1;
	if ((it = cJSON_GetObjectItemCaseSensitive(root, "epochs")) && get_hparam(c, it, "epochs", s))
		return -1;
	if ((it = cJSON_GetObjectItemCaseSensitive(root, "batch_size")) && get_hparam(c, it, "batch_size", s))
		return -1;
	if ((it = cJSON_GetObjectItemCaseSensitive(root, "seed")) && get_hparam(c, it, "seed", s))
		return -1;
	if ((it = cJSON_GetObjectItemCaseSensitive(root, "input_dropout")) &&
	    get_hparam(c, it, "input_dropout", s))
		return -1;
	if ((it = cJSON_GetObjectItemCaseSensitive(root, "data")) && parse_data(c, it, s))
		return -1;
	if ((it = cJSON_GetObjectItemCaseSensitive(root, "label_smoothing")) &&
	    get_hparam(c, it, "label_smoothing", s))
		return -1;
	if ((it = cJSON_GetObjectItemCaseSensitive(root, "precision"))) {
		if (get_choice(c, it, "precision", "precision", precision_names, 3, &k))
			return -1;
		s->precision = (int)k;
	}
	if (s->data.n_targets > 1 && s->loss != DNN_LOSS_MSE)
		return bad(c, "data.target", "several target columns need loss 'mse'; %s "
					     "takes one column of class labels",
			   loss_name(s->loss));
	return spec_check(s, c->file, c->e);
}

void spec_set_defaults(struct dnn_spec *s)
{
	memset(s, 0, sizeof *s);
	s->init = DNN_INIT_AUTO;
	s->optim.kind = DNN_OPT_SGD;
	s->optim.learning_rate = DNN_DEFAULT_LEARNING_RATE;
	s->optim.momentum = DNN_DEFAULT_MOMENTUM;
	s->optim.beta1 = DNN_DEFAULT_BETA1;
	s->optim.beta2 = DNN_DEFAULT_BETA2;
	s->optim.rho = DNN_DEFAULT_RHO;
	s->optim.epsilon = DNN_DEFAULT_EPSILON;
	s->optim.history_size = DNN_DEFAULT_HISTORY_SIZE;
	s->optim.krylov_dim = DNN_DEFAULT_KRYLOV_DIM;
	s->optim.damping = DNN_DEFAULT_DAMPING;
	s->schedule.kind = DNN_SCHED_CONSTANT;
	s->schedule.gamma = 0.1;
	s->schedule.factor = 0.1;
	s->schedule.patience = 10;
	s->schedule.threshold = 1e-4;
	s->epochs = DNN_DEFAULT_EPOCHS;
	s->batch_size = DNN_DEFAULT_BATCH_SIZE;
	s->seed = DNN_DEFAULT_SEED;
	s->data.normalize = DNN_NORM_STANDARD;
}

/* spec_parse with json_check's flags. */
static int parse_text(struct dnn_spec *s, const char *text, size_t len, unsigned flags,
		      const char *name, struct dnn_error *e)
{
	struct ctx c = {name, e};
	cJSON *root;
	size_t i = 0;

	spec_set_defaults(s);
	while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
		i++;
	if (i == len)
		return dnn_error_set(e, DNN_EX_DATA, name, 0, 0, "file is empty");
	/* cJSON takes what RFC 8259 refuses and cuts strings at \u0000. */
	if (json_check(text, len, flags, name, &i, e))
		return -1;
	root = cJSON_ParseWithLengthOpts(text + i, len - i, NULL, 0);
	if (!root)
		return dnn_error_oom(e);
	if (parse_root(&c, root, s)) {
		cJSON_Delete(root);
		spec_free(s);
		return -1;
	}
	cJSON_Delete(root);
	return 0;
}

int spec_parse(struct dnn_spec *s, const char *text, size_t len, const char *name,
	       struct dnn_error *e)
{
	return parse_text(s, text, len, 0, name, e);
}

int spec_parse_stored(struct dnn_spec *s, const char *text, const char *name,
		      struct dnn_error *e)
{
	return parse_text(s, text, strlen(text), JSON_LAX_UTF8, name, e);
}
