/* A search space: a spec (dnn-spec(5)) in which values may be search
 * objects ({"choice": [...]}, {"uniform": [a, b]}, {"log_uniform": [a, b]},
 * {"int": [a, b]}), the points drawn from it or enumerated on its grid, and
 * the concrete spec text of each point. Part of the spec family: it reads
 * the JSON document as spec.c does. */
#ifndef DNN_SPACE_H
#define DNN_SPACE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum dnn_space_kind {
	DNN_SPACE_CHOICE = 1,
	DNN_SPACE_UNIFORM = 2,
	DNN_SPACE_LOG_UNIFORM = 3,
	DNN_SPACE_INT = 4
};

/* One searched value: where it is in the spec and what it ranges over. */
struct dnn_space_param {
	char *path;	  /* the spec key, such as "optimizer.learning_rate" */
	int kind;	  /* enum dnn_space_kind */
	double lo, hi;	  /* uniform, log_uniform, int: the bounds, both included */
	size_t n_choices; /* choice: the values, each as compact JSON text */
	char **choices;
};

struct dnn_space {
	size_t n_params;
	struct dnn_space_param *params; /* in the order of the document */
	uint64_t fingerprint;		/* of the space's canonical text */
	void *doc;			/* the document (opaque) */
};

/* Parse len bytes of text (name for messages) into sp. Errors (65): JSON
 * that is not strict (FILE:LINE:COLUMN), no search object ("FILE: the space
 * has no search object ..."), an unknown key in a search object or an
 * object that looks like one with a misspelt key (with "did you mean"), a
 * search object inside another, a bad range ("FILE: KEY.uniform: ..."):
 * a > b, a log_uniform bound <= 0, int bounds that are not whole numbers,
 * an empty choice, a bound that is not a number. sp is left empty on
 * failure (space_free is still safe). */
int space_parse(struct dnn_space *sp, const char *text, size_t len, const char *name,
		struct dnn_error *e);

/* A point of the space is v[0 .. n_params): for each parameter, the index
 * of its choice, or its value (a whole number for int).
 *
 * Point number `trial` (0, 1, ...) of a random search drawn from seed, into
 * v: the same for the same seed and trial, whatever was
 * drawn before. Uniform draws in [lo, hi], log_uniform uniform in log,
 * int uniform over lo .. hi, choice uniform over the choices; continuous
 * values are rounded to 4 significant digits (kept within the bounds). */
void space_sample(const struct dnn_space *sp, uint64_t seed, size_t trial, double *v);

/* The number of points of the grid: the product of the choices' lengths and
 * the int ranges' widths. Errors (64): a uniform or log_uniform parameter
 * (named), more than max points. */
int space_grid_size(const struct dnn_space *sp, size_t max, size_t *n, struct dnn_error *e);

/* Point i of the grid into v, the last parameter varying fastest. */
void space_grid_point(const struct dnn_space *sp, size_t i, double *v);

/* The concrete spec at point v: JSON text (malloc'd, NULL when out of
 * memory), each search object replaced by its value, and "epochs" set to
 * epochs unless it is 0; compact on one line, or indented (pretty). */
char *space_spec_json(const struct dnn_space *sp, const double *v, unsigned long epochs,
		      int pretty);

/* Parameter p's value at v as JSON text (malloc'd; NULL when out of memory). */
char *space_value_json(const struct dnn_space *sp, size_t p, double v);

void space_free(struct dnn_space *sp);

/* A JSON object read back (a line of a search's log), opaque. */
struct dnn_space_record;

/* Parse len bytes of text as one strict JSON object; NULL when it is not
 * one (or out of memory). */
struct dnn_space_record *space_record_parse(const char *text, size_t len);
/* Member key of r: a number into *x (0), or -1 when it is absent or not a
 * number (null included). */
int space_record_number(const struct dnn_space_record *r, const char *key, double *x);
/* Member key of r: a string copied into buf (cap bytes, cut), 0; or -1. */
int space_record_string(const struct dnn_space_record *r, const char *key, char *buf, size_t cap);
void space_record_free(struct dnn_space_record *r);

#endif
