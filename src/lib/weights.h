/* The weight of each row in the loss: data.class_weight, by the row's class,
 * times the row's own weight from the data.weight column, normalized so
 * that the weights of the training
 * rows, and apart from them those of the validation rows, have a mean of 1.
 * A minibatch's loss is then sum_B w_i L_i / |B|, and an epoch's (or a full
 * batch's) the weighted mean sum w_i L_i / sum w_i. */
#ifndef DNN_WEIGHTS_H
#define DNN_WEIGHTS_H

#include <stddef.h>

#include "dataset.h"
#include "err.h"
#include "spec.h"

/* The weights of d's rows (n_train training rows, then n_val validation
 * rows) by s's class weights and d's weight column, into *w (malloc'd; NULL
 * when neither weighs the rows).
 * "balanced" gives class k the weight n / (K n_k), n_k the training rows of
 * class k of all MPI ranks when d is shared (collective), K the classes with
 * a training row; given weights name classes by label, a class not named
 * weighing 1. Errors (65, naming spec_name): a label that is no class of
 * the data ("did you mean"), training rows that all weigh 0. */
int weights_rows(const struct dnn_spec *s, const struct dnn_dataset *d, size_t n_train,
		 size_t n_val, const char *spec_name, float **w, struct dnn_error *e);

#endif
