/* Spec (or checkpoint) + data -> a network and a normalized set of rows, the
 * way dnn train prepares them, for the commands that study a network rather
 * than train it (gradcheck, lr-find, hessian). */
#ifndef DNN_PREP_H
#define DNN_PREP_H

#include <stddef.h>

#include "ckpt.h"
#include "data.h"
#include "err.h"
#include "rng.h"
#include "spec.h"

struct dnn_prep {
	struct dnn_spec spec;	/* the spec, or the checkpoint's */
	struct dnn_model model; /* net, normalization, names */
	size_t n;		/* rows */
	float *x;		/* n x n_in, normalized */
	float *t;		/* n x n_out, targets in the form the loss wants */
	int classification;
};

/* From SPEC and DATA: the spec's network with its initial weights (drawn from
 * its seed), every row of DATA, normalized with statistics of all of them,
 * missing inputs filled with their column means when the spec says so. */
int prep_spec(struct dnn_prep *p, const char *spec_path, const char *data_path,
	      const struct dnn_csv_opts *csv, struct dnn_error *e);

/* From a checkpoint and DATA: the trained network, and the rows of DATA with
 * their columns matched to the model's by name, transformed by the model's
 * normalization. A class the model does not know is an error (65). */
int prep_model(struct dnn_prep *p, const char *model_path, const char *data_path,
	       const struct dnn_csv_opts *csv, struct dnn_error *e);

/* The output layer's width for dataset d: the spec's, or when it leaves it
 * out the number of target columns (regression), of classes (softmax), or 1
 * for two classes and a sigmoid unit; a width that does not fit is an error
 * (65) naming the spec key. Used by dnn train too. */
int prep_output_width(const struct dnn_spec *s, const struct dnn_dataset *d,
		      const char *spec_name, const char *data_name, size_t *out,
		      struct dnn_error *e);

/* Keep k of the rows (k < n), drawn at random by rng, in their order. */
void prep_subsample(struct dnn_prep *p, size_t k, struct dnn_rng *rng);

void prep_free(struct dnn_prep *p);

#endif
