/* The network spec: a JSON document (see dnn-spec(5)) read into a struct.
 * This is the only module that knows cJSON. */
#ifndef DNN_SPEC_H
#define DNN_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "init.h"

/* Optimizers and learning-rate schedules, as named in dnn-spec(5). */
enum dnn_optim_kind {
	DNN_OPT_SGD = 1,
	DNN_OPT_ADAM = 2,
	DNN_OPT_RMSPROP = 3,
	DNN_OPT_LBFGS = 4,
	DNN_OPT_SFN = 5 /* saddle_free_newton */
};
#define DNN_N_OPTIMIZERS 5
enum dnn_sched_kind {
	DNN_SCHED_CONSTANT = 0,
	DNN_SCHED_STEP = 1,
	DNN_SCHED_EXPONENTIAL = 2,
	DNN_SCHED_COSINE = 3,
	DNN_SCHED_PLATEAU = 4
};

/* The "optimizer" object. Keys that do not apply to kind keep their
 * defaults and are not written out. */
struct dnn_optim_spec {
	int kind;		/* enum dnn_optim_kind */
	double learning_rate;	/* lbfgs: the first step tried by the line search */
	int learning_rate_given; /* set by the spec or an option, else kind's default */
	double momentum;	/* sgd */
	int nesterov;		/* sgd */
	double beta1, beta2;	/* adam */
	double rho;		/* rmsprop: decay of the mean square */
	double epsilon;		/* adam, rmsprop */
	size_t history_size;	/* lbfgs: correction pairs kept */
	size_t krylov_dim;	/* saddle_free_newton: Lanczos vectors per step */
	double damping;		/* saddle_free_newton: added to |lambda| */
	double weight_decay;	/* L2 coefficient, all optimizers */
	double l1;		/* L1 coefficient, all optimizers */
	double clip_norm;	/* gradient clipping by global norm; 0: none */
};

/* The "schedule" object: the learning rate per epoch. */
struct dnn_sched_spec {
	int kind;		/* enum dnn_sched_kind */
	unsigned long step_size; /* step */
	double gamma;		/* step, exponential */
	unsigned long t_max;	/* cosine: epochs of the cosine; 0: the rest of training */
	double min_lr;		/* cosine, plateau */
	unsigned long warmup;	/* linear warm-up epochs before the schedule */
	double factor;		/* plateau: lr *= factor */
	unsigned long patience;	/* plateau: epochs without improvement first */
	double threshold;	/* plateau: relative improvement that counts */
};

enum dnn_normalize { DNN_NORM_NONE = 0, DNN_NORM_STANDARD = 1 };

/* What a missing input cell means: an error, or the training mean. */
enum dnn_missing { DNN_MISSING_ERROR = 0, DNN_MISSING_MEAN = 1 };

struct dnn_layer_spec {
	size_t units;		/* 0: the output layer's width, taken from the data */
	int activation;		/* enum dnn_act */
	int has_init;		/* the layer overrides the spec's init with its own */
	int init;		/* enum dnn_init, when has_init */
	double dropout;		/* fraction of its outputs dropped in training; 0: none */
	double max_norm;	/* each unit's incoming weights kept to this norm; 0: none */
	int norm;		/* 0: none, or enum dnn_norm_type (layer_norm.h) */
	double norm_momentum;	/* batch normalization's (LAYER_NORM_MOMENTUM) */
	double norm_epsilon;	/* a normalization's (LAYER_NORM_EPS) */
};

/* data.class_weight: none, "balanced", or a weight per class label. */
enum dnn_class_weighting { DNN_CW_NONE = 0, DNN_CW_BALANCED = 1, DNN_CW_GIVEN = 2 };

struct dnn_class_weight {
	char *label;
	double weight;		/* 0 or above */
};

/* A target column: by name (name != NULL) or by 0-based index. */
struct dnn_column_ref {
	char *name;
	long index;		/* used when name == NULL */
};

/* The products' precision in training and prediction (mat.h's MAT_PREC_*
 * values): float, bfloat16 operands with float sums, or bf16 where it is
 * measured faster. */
enum dnn_precision { DNN_PREC_FP32 = 0, DNN_PREC_BF16 = 1, DNN_PREC_AUTO = 2 };

struct dnn_spec {
	size_t n_layers;
	struct dnn_layer_spec *layers;
	int loss;		/* enum dnn_loss */
	int init;		/* enum dnn_init */
	struct dnn_optim_spec optim;
	struct dnn_sched_spec schedule;
	unsigned long patience;	/* early stopping after this many epochs; 0: off */
	unsigned long epochs;
	size_t batch_size;
	uint64_t seed;
	double input_dropout;	/* fraction of the inputs dropped in training; 0: none */
	double label_smoothing;	/* cross-entropy targets smoothed by it, in [0, 1) */
	int precision;		/* enum dnn_precision */
	struct {
		size_t n_targets;	/* 0: the last column */
		struct dnn_column_ref *targets;
		size_t n_ignore;	/* columns left out, such as ids */
		struct dnn_column_ref *ignore;
		size_t n_categorical;	/* input columns to one-hot encode */
		struct dnn_column_ref *categorical;
		int normalize;		/* enum dnn_normalize */
		int missing;		/* enum dnn_missing */
		double validation;	/* fraction held out, in [0, 1) */
		struct dnn_column_ref *weight; /* data.weight: the rows' weights; NULL: none */
		int class_weighting;	/* enum dnn_class_weighting */
		size_t n_class_weights;	/* DNN_CW_GIVEN: the classes named */
		struct dnn_class_weight *class_weights;
	} data;
};

/* Defaults, also documented in dnn-spec(5). */
#define DNN_DEFAULT_EPOCHS 100UL
#define DNN_DEFAULT_BATCH_SIZE 32
#define DNN_DEFAULT_LEARNING_RATE 0.01
#define DNN_DEFAULT_MOMENTUM 0.9
#define DNN_DEFAULT_SEED 1
#define DNN_DEFAULT_BETA1 0.9
#define DNN_DEFAULT_BETA2 0.999
#define DNN_DEFAULT_EPSILON 1e-8
#define DNN_DEFAULT_RHO 0.9
#define DNN_DEFAULT_HISTORY_SIZE 10
#define DNN_DEFAULT_KRYLOV_DIM 10
#define DNN_DEFAULT_DAMPING 1e-2

/* "error" or "mean": the data.missing rule by its number. */
const char *spec_missing_name(int missing);

/* "fp32", "bf16" or "auto"; and back (-1 for another name). */
const char *spec_precision_name(int precision);
int spec_precision_parse(const char *name);

/* Read and validate a spec. path may be "-" for standard input. Errors:
 * 66 when the file cannot be opened, 74 when it cannot be read; 65 for a
 * NUL byte or more than 64 MiB (found as the bytes arrive), 65 with
 * FILE:LINE:COLUMN for JSON that is not strict RFC 8259 (json.h), 65 with
 * FILE: KEY: message for a bad key or value. On failure s is left
 * empty (spec_free is still safe). */
int spec_load(struct dnn_spec *s, const char *path, struct dnn_error *e);

/* The text of a spec file (or of standard input for "-"), NUL-terminated
 * and malloc'd in *text, its length in *len, as spec_load reads it: the
 * errors of spec_load before parsing (66, 74, 65), *text NULL then. */
int spec_read(const char *path, char **text, size_t *len, struct dnn_error *e);

/* The same from text in memory; name is the file name used in messages. */
int spec_parse(struct dnn_spec *s, const char *text, size_t len, const char *name,
	       struct dnn_error *e);
/* The same for the spec a checkpoint holds (NUL-terminated), whose strings
 * may hold bytes that are not UTF-8: dnn wrote names as they came. */
int spec_parse_stored(struct dnn_spec *s, const char *text, const char *name,
		      struct dnn_error *e);
/* s with every key at its default and no layers (what parsing starts from;
 * spec_file.c reads the file that spec_load parses). */
void spec_set_defaults(struct dnn_spec *s);

/* The canonical JSON text of s, every key written out (malloc'd; NULL when
 * out of memory). spec_parse of it gives back an equal struct. */
char *spec_to_json(const struct dnn_spec *s);

/* Replace the targets by a comma-separated list of column names or 0-based
 * indexes (as given to --target), all kept as names: the data module takes a
 * name made of digits as an index when no column has that name. Returns -1
 * with e set (64) on an empty element. */
int spec_set_targets(struct dnn_spec *s, const char *list, struct dnn_error *e);
/* The same for the ignored columns (--ignore). */
int spec_set_ignore(struct dnn_spec *s, const char *list, struct dnn_error *e);
/* The same for the categorical columns (--categorical). */
int spec_set_categorical(struct dnn_spec *s, const char *list, struct dnn_error *e);

/* Names of inits, for messages and for spec_to_json. */
const char *spec_init_name(int init);

/* Name of an optimizer or a schedule (enum dnn_optim_kind, dnn_sched_kind). */
const char *spec_optim_name(int kind);
const char *spec_sched_name(int kind);
/* The default learning rate of an optimizer: 0.01 for sgd, 0.001 for adam
 * and rmsprop, 1 (the first step of the line search) for lbfgs, 1 (the
 * whole step) for saddle_free_newton. */
double spec_optim_default_lr(int kind);
/* Whether optimizer key (spec spelling, such as "beta1") applies to kind. */
int spec_optim_uses(int kind, const char *key);
/* Switch the optimizer (--optimizer NAME); its default learning rate unless
 * one was given. Returns -1 with e set (64) for an unknown name. */
int spec_set_optimizer(struct dnn_spec *s, const char *name, struct dnn_error *e);

/* --weight COLUMN: the column of the rows' weights, kept as a name as
 * spec_set_targets keeps its; -1 with e set (64) when it is empty. */
int spec_set_weight(struct dnn_spec *s, const char *column, struct dnn_error *e);

/* --norm: "batch" or "layer" on every hidden layer (the output layer keeps
 * its own); -1 with e set (64) when kind is neither. */
int spec_set_norm(struct dnn_spec *s, const char *kind, struct dnn_error *e);

/* --class-weight: "balanced" or LABEL=W,... (W a number, 0 or above);
 * -1 with e set (64) when arg is neither. */
int spec_set_class_weight(struct dnn_spec *s, const char *arg, struct dnn_error *e);

/* The checks across keys, after the spec is read and again after the
 * options changed it: label_smoothing and class_weight need a cross-entropy
 * loss, max_norm an optimizer other than lbfgs. -1 with e set (65, "FILE:
 * KEY: message", FILE being name). */
int spec_check(const struct dnn_spec *s, const char *name, struct dnn_error *e);

void spec_free(struct dnn_spec *s);

#endif
