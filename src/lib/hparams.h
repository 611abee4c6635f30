/* The hyperparameter table: every number of the spec's training keys (most
 * also a dnn train option), with its range, the optimizers or schedules that
 * use it and its place in struct dnn_spec, read by the spec parser and by
 * the option overrides. */
#ifndef DNN_HPARAMS_H
#define DNN_HPARAMS_H

#include <stddef.h>

#include "err.h"
#include "spec.h"

enum dnn_hp_type { DNN_HP_WHOLE, DNN_HP_REAL };

/* Storage of the value in struct dnn_spec. */
enum dnn_hp_store {
	DNN_HP_ULONG,
	DNN_HP_SIZE,
	DNN_HP_U64,
	DNN_HP_DOUBLE,
	/* A double of struct dnn_layer_spec at offset: a key of every layer
	 * (path "layers[].KEY"); stored by the option in every hidden layer */
	DNN_HP_HIDDEN_DOUBLE
};

struct dnn_hparam {
	const char *path;   /* spec key as messages name it: "optimizer.epsilon" */
	const char *key;    /* the key within its object: "epsilon" */
	const char *option; /* the dnn train option: "--epsilon"; NULL: none */
	int type;	    /* enum dnn_hp_type */
	const char *noun;   /* "number", "fraction": what the messages call it */
	double min;
	int min_open;	     /* 1: above min, 0: from min */
	double max;	     /* INFINITY: no upper bound */
	int max_open;	     /* 1: below max, 0: up to max */
	unsigned optimizers; /* bit 1 << kind of each optimizer using it; 0: not
			      * an optimizer key */
	unsigned schedules;  /* the same for the schedules (enum dnn_sched_kind) */
	int store;	     /* enum dnn_hp_store */
	size_t offset;	     /* offsetof(struct dnn_spec, ...), or of struct
			      * dnn_layer_spec for DNN_HP_HIDDEN_DOUBLE */
};

/* The table, in the order the options are checked, and its length. */
extern const struct dnn_hparam hparams[];
extern const size_t n_hparams;

/* The entry of spec key path ("seed", "optimizer.beta1"), or NULL. */
const struct dnn_hparam *hparam_find(const char *path);

/* Whether the optimizer key (spec spelling, such as "beta1") is used by
 * optimizer kind; keys outside the table ("name", "nesterov") too. */
int hparam_optim_uses(int kind, const char *key);

/* Whether the schedule key (such as "gamma") is used by schedule kind;
 * "name" too. */
int hparam_sched_uses(int kind, const char *key);

/* Whether v lies in h's range (whole when h is; finite). */
int hparam_in_range(const struct dnn_hparam *h, double v);

/* Check the spec value v of h, read from file: -1 with e set (65,
 * "FILE: KEY: message") when out of range. */
int hparam_check_json(const struct dnn_hparam *h, double v, const char *file, struct dnn_error *e);
/* The same naming key ("layers[2].dropout" for the row "layers[].dropout"). */
int hparam_check_json_at(const struct dnn_hparam *h, const char *key, double v, const char *file,
			 struct dnn_error *e);

/* Parse and check the option argument arg of h into *out: -1 with e set
 * (64, "option '--x' needs ...") when it is not a number in range. */
int hparam_parse_arg(const struct dnn_hparam *h, const char *arg, double *out,
		     struct dnn_error *e);
/* hparam_parse_arg, then the value stored in s. */
int hparam_set_arg(struct dnn_spec *s, const struct dnn_hparam *h, const char *arg,
		   struct dnn_error *e);

/* Store v (in range) in s at h's place (DNN_HP_HIDDEN_DOUBLE: in every
 * layer but the output layer). */
void hparam_store(struct dnn_spec *s, const struct dnn_hparam *h, double v);

#endif
