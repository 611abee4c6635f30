/* The network spec written back as JSON (spec_to_json), for the checkpoint:
 * spec_parse of the text gives back an equal struct. With spec.c, the only
 * files that know cJSON. */
#include "spec.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "hparams.h"
#include "json.h"
#include "layer_norm.h"
#include "loss.h"
#include "util.h"

/* Add an integer, written exactly (cJSON would round integers above 10^15). */
static int add_uint(cJSON *obj, const char *key, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
	return cJSON_AddRawToObject(obj, key, buf) != NULL;
}

/* Add a double with the fewest digits that read back to exactly the same
 * value, with a decimal point whatever the locale. */
static int add_double(cJSON *obj, const char *key, double v)
{
	char buf[40];

	for (int prec = 15; prec <= 17; prec++) {
		cJSON *back;
		int same;

		snprintf(buf, sizeof buf, "%.*g", prec, v);
		for (char *p = buf; *p; p++)
			if (*p == ',')
				*p = '.';
		back = cJSON_Parse(buf);
		same = back && cJSON_IsNumber(back) && back->valuedouble == v;
		cJSON_Delete(back);
		if (same)
			break;
	}
	return cJSON_AddRawToObject(obj, key, buf) != NULL;
}

static cJSON *target_json(const struct dnn_column_ref *r)
{
	return r->name ? cJSON_CreateString(r->name) : cJSON_CreateNumber((double)r->index);
}

/* Add key: one reference as a string or number, several as an array. */
static int add_columns(cJSON *obj, const char *key, const struct dnn_column_ref *refs, size_t n)
{
	cJSON *v = n == 1 ? target_json(&refs[0]) : cJSON_CreateArray();

	if (!v || !cJSON_AddItemToObject(obj, key, v))
		return cJSON_Delete(v), -1;
	for (size_t i = 0; n > 1 && i < n; i++) {
		cJSON *t = target_json(&refs[i]);

		if (!t || !cJSON_AddItemToArray(v, t))
			return cJSON_Delete(t), -1;
	}
	return 0;
}

/* The optimizer's keys: those of its kind; weight_decay, l1, clip_norm and
 * nesterov only when in use, so that specs without them read as before. */
static int add_optimizer(cJSON *opt, const struct dnn_optim_spec *o)
{
	int ok = cJSON_AddStringToObject(opt, "name", spec_optim_name(o->kind)) &&
		 add_double(opt, "learning_rate", o->learning_rate);

	switch (o->kind) {
	case DNN_OPT_SGD:
		ok = ok && add_double(opt, "momentum", o->momentum);
		if (o->nesterov)
			ok = ok && cJSON_AddTrueToObject(opt, "nesterov");
		break;
	case DNN_OPT_ADAM:
		ok = ok && add_double(opt, "beta1", o->beta1) && add_double(opt, "beta2", o->beta2) &&
		     add_double(opt, "epsilon", o->epsilon);
		break;
	case DNN_OPT_RMSPROP:
		ok = ok && add_double(opt, "rho", o->rho) && add_double(opt, "epsilon", o->epsilon);
		break;
	case DNN_OPT_LBFGS:
		ok = ok && add_uint(opt, "history_size", o->history_size);
		break;
	case DNN_OPT_SFN:
		ok = ok && add_uint(opt, "krylov_dim", o->krylov_dim) &&
		     add_double(opt, "damping", o->damping);
		break;
	}
	if (o->weight_decay != 0.0)
		ok = ok && add_double(opt, "weight_decay", o->weight_decay);
	if (o->l1 != 0.0)
		ok = ok && add_double(opt, "l1", o->l1);
	if (o->clip_norm != 0.0 && o->kind != DNN_OPT_LBFGS && o->kind != DNN_OPT_SFN)
		ok = ok && add_double(opt, "clip_norm", o->clip_norm);
	return ok ? 0 : -1;
}

/* The schedule's name, warm-up and the keys of its kind. */
static int add_schedule(cJSON *sc, const struct dnn_sched_spec *s)
{
	int ok = cJSON_AddStringToObject(sc, "name", spec_sched_name(s->kind)) &&
		 add_uint(sc, "warmup", s->warmup);

	switch (s->kind) {
	case DNN_SCHED_STEP:
		ok = ok && add_uint(sc, "step_size", s->step_size) && add_double(sc, "gamma", s->gamma);
		break;
	case DNN_SCHED_EXPONENTIAL:
		ok = ok && add_double(sc, "gamma", s->gamma);
		break;
	case DNN_SCHED_COSINE:
		if (s->t_max)
			ok = ok && add_uint(sc, "t_max", s->t_max);
		ok = ok && add_double(sc, "min_lr", s->min_lr);
		break;
	case DNN_SCHED_PLATEAU:
		ok = ok && add_double(sc, "factor", s->factor) &&
		     add_uint(sc, "patience", s->patience) &&
		     add_double(sc, "threshold", s->threshold) && add_double(sc, "min_lr", s->min_lr);
		break;
	}
	return ok ? 0 : -1;
}

/* data.class_weight when there is one. */
static int add_class_weight(cJSON *data, const struct dnn_spec *s)
{
	cJSON *o;

	if (s->data.class_weighting == DNN_CW_BALANCED)
		return cJSON_AddStringToObject(data, "class_weight", "balanced") ? 0 : -1;
	if (s->data.class_weighting != DNN_CW_GIVEN)
		return 0;
	o = cJSON_AddObjectToObject(data, "class_weight");
	for (size_t k = 0; o && k < s->data.n_class_weights; k++)
		if (!add_double(o, s->data.class_weights[k].label, s->data.class_weights[k].weight))
			return -1;
	return o ? 0 : -1;
}

/* A layer's norm with its momentum (batch) and epsilon: 0, or -1 when out
 * of memory. */
static int add_norm(cJSON *ly, const struct dnn_layer_spec *ls)
{
	int batch = ls->norm == DNN_NORM_BATCH;

	return !cJSON_AddStringToObject(ly, "norm", batch ? "batch" : "layer") ||
			       (batch && !add_double(ly, "norm_momentum", ls->norm_momentum)) ||
			       !add_double(ly, "norm_epsilon", ls->norm_epsilon)
		   ? -1
		   : 0;
}

char *spec_to_json(const struct dnn_spec *s)
{
	cJSON *root = cJSON_CreateObject(), *layers, *opt, *data;
	char *text = NULL;

	if (!root)
		return NULL;
	layers = cJSON_AddArrayToObject(root, "layers");
	for (size_t i = 0; layers && i < s->n_layers; i++) {
		cJSON *ly = cJSON_CreateObject();

		if (!ly || !cJSON_AddItemToArray(layers, ly))
			goto out;
		if (s->layers[i].units && !add_uint(ly, "units", s->layers[i].units))
			goto out;
		if (!cJSON_AddStringToObject(ly, "activation",
					     act_by_id(s->layers[i].activation)->name))
			goto out;
		if (s->layers[i].has_init &&
		    !cJSON_AddStringToObject(ly, "init", spec_init_name(s->layers[i].init)))
			goto out;
		if (s->layers[i].max_norm > 0.0 && !add_double(ly, "max_norm", s->layers[i].max_norm))
			goto out;
		if (s->layers[i].dropout != 0.0 && !add_double(ly, "dropout", s->layers[i].dropout))
			goto out;
		if (s->layers[i].norm && add_norm(ly, &s->layers[i]))
			goto out;
	}
	if (!layers || !cJSON_AddStringToObject(root, "loss", loss_name(s->loss)) ||
	    !cJSON_AddStringToObject(root, "init", spec_init_name(s->init)))
		goto out;
	opt = cJSON_AddObjectToObject(root, "optimizer");
	if (!opt || add_optimizer(opt, &s->optim) || !add_uint(root, "epochs", s->epochs) ||
	    !add_uint(root, "batch_size", s->batch_size) || !add_uint(root, "seed", s->seed))
		goto out;
	if (s->schedule.kind != DNN_SCHED_CONSTANT || s->schedule.warmup) {
		cJSON *sc = cJSON_AddObjectToObject(root, "schedule");

		if (!sc || add_schedule(sc, &s->schedule))
			goto out;
	}
	if (s->patience && !add_uint(root, "patience", s->patience))
		goto out;
	if (s->label_smoothing > 0.0 && !add_double(root, "label_smoothing", s->label_smoothing))
		goto out;
	if (s->input_dropout != 0.0 && !add_double(root, "input_dropout", s->input_dropout))
		goto out;
	if (s->precision != DNN_PREC_FP32 &&
	    !cJSON_AddStringToObject(root, "precision", spec_precision_name(s->precision)))
		goto out;
	data = cJSON_AddObjectToObject(root, "data");
	if (!data)
		goto out;
	if (s->data.n_targets &&
	    add_columns(data, "target", s->data.targets, s->data.n_targets))
		goto out;
	if (s->data.n_ignore && add_columns(data, "ignore", s->data.ignore, s->data.n_ignore))
		goto out;
	if (s->data.n_categorical &&
	    add_columns(data, "categorical", s->data.categorical, s->data.n_categorical))
		goto out;
	if (!cJSON_AddStringToObject(data, "normalize",
				     s->data.normalize ? "standard" : "none") ||
	    !cJSON_AddStringToObject(data, "missing", spec_missing_name(s->data.missing)) ||
	    !add_double(data, "validation", s->data.validation) || add_class_weight(data, s))
		goto out;
	if (s->data.weight && add_columns(data, "weight", s->data.weight, 1))
		goto out;
	text = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	return text;
}
