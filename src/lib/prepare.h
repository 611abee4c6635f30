/* Data preparation: rows of a dataset made into the network's inputs and the
 * loss's targets (missing-value fill, normalization with one-hot inputs
 * exempt, target encoding), fitted on training rows and applied to others,
 * for dnn train, gradcheck, lr-find, hessian, eval and predict. */
#ifndef DNN_PREPARE_H
#define DNN_PREPARE_H

#include <stddef.h>
#include <stdint.h>

#include "ckpt.h"
#include "data.h"
#include "err.h"
#include "rng.h"
#include "spec.h"

/* A network and a prepared set of rows, for the commands that study a
 * network rather than train it (gradcheck, lr-find, hessian). */
struct dnn_prepared {
	struct dnn_spec spec;	/* the spec, or the checkpoint's */
	struct dnn_model model; /* net, normalization, names */
	size_t n;		/* rows */
	float *x;		/* n x n_in, normalized */
	float *t;		/* n x n_out, targets in the form the loss wants */
	int classification;
};

/* Fill the missing (NaN) inputs of every row of d with the mean of their
 * input over the first n_train rows (for a categorical column, the
 * frequencies of its categories), summed over the MPI ranks when d is
 * shared; *fill gets the means (malloc'd), *n_missing the missing cells of
 * all rows (a categorical cell counts once). 65 naming the column when an
 * input has no value in the training rows. */
int prepare_fill(struct dnn_dataset *d, size_t n_train, float **fill, double *n_missing,
		 const char *data_name, struct dnn_error *e);

/* Replace the NaNs of n rows of w inputs by fill. */
void prepare_fill_apply(float *x, size_t n, size_t w, const float *fill);

/* Make d's rows the network's inputs and targets, as dnn train does. With
 * fit, m's fill values (when spec missing is "mean") and normalizations
 * (standard or none, as the spec says) are fitted on the first n_train rows
 * (across the MPI ranks when d is shared); without, m's are applied (a
 * resumed run). One-hot inputs stay 0 and 1. Classification targets go to
 * *t (n_rows x n_out, malloc'd); regression targets stay in d->y,
 * normalized, and *t is NULL. *n_missing: the cells filled. */
int prepare_rows(struct dnn_model *m, struct dnn_dataset *d, size_t n_train,
		 const struct dnn_spec *s, int fit, size_t n_out, float **t, double *n_missing,
		 const char *data_name, struct dnn_error *e);

/* The model's transform of n rows of inputs read for it (predict, eval):
 * missing cells filled with the training means, then normalized. */
void prepare_inputs(const struct dnn_model *m, float *x, size_t n);

/* Targets in the form the loss wants, for n rows read for model m (eval):
 * classification: one-hot rows of the classes label (a 0/1 column for a
 * single sigmoid unit); regression: y normalized. t holds n x n_out. */
void prepare_targets(const struct dnn_model *m, const uint32_t *label, const float *y, size_t n,
		     size_t n_out, float *t);

/* From SPEC and DATA: the spec's network with its initial weights (drawn from
 * its seed), every row of DATA prepared as dnn train prepares its training
 * rows, all of them counting as training rows. */
int prepare_spec(struct dnn_prepared *p, const char *spec_path, const char *data_path,
		 const struct dnn_csv_opts *csv, struct dnn_error *e);

/* From a checkpoint and DATA: the trained network, and the rows of DATA with
 * their columns matched to the model's by name, transformed by the model.
 * A class the model does not know is an error (65). */
int prepare_model(struct dnn_prepared *p, const char *model_path, const char *data_path,
		  const struct dnn_csv_opts *csv, struct dnn_error *e);

/* The output layer's width for dataset d: the spec's, or when it leaves it
 * out the number of target columns (regression), of classes (softmax), or 1
 * for two classes and a sigmoid unit; a width that does not fit is an error
 * (65) naming the spec key. */
int prepare_output_width(const struct dnn_spec *s, const struct dnn_dataset *d,
			 const char *spec_name, const char *data_name, size_t *out,
			 struct dnn_error *e);

/* --learning-rate auto under MPI: the rows that one process would sample
 * (every stride-th training row, for at most 2048), gathered from the ranks
 * in file order into *xs and *ts (*k rows), so that every rank estimates the
 * same rate from the same rows as one process. Collective: -1 on every
 * rank alike when any rank runs out of memory (e set), nothing allocated. */
int prepare_gather_sample(const struct dnn_dataset *d, const float *targets, size_t n_train,
			  size_t n_out, float **xs, float **ts, size_t *k, struct dnn_error *e);

/* Keep k of the rows (k < n), drawn at random by rng, in their order. */
void prepare_subsample(struct dnn_prepared *p, size_t k, struct dnn_rng *rng);

/* Free what p holds and empty it; NULL is a no-op. */
void prepare_free(struct dnn_prepared *p);

#endif
