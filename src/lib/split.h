/* The validation split: which rows of a dataset are held out (stratified
 * for a classification), over the rows of all MPI ranks when they share the
 * file. */
#ifndef DNN_SPLIT_H
#define DNN_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "err.h"

/* The rows a fraction of n holds out: round(fraction * n), at least 1. */
size_t split_count(double fraction, size_t n);

/* Choose n_val of n rows to hold out (is_val[i] = 1, else 0), drawn from
 * seed as data_split draws them: stratified by label (n_classes classes,
 * named class_names in messages) when label is not NULL, each class in
 * proportion with at least one row held out and one kept; otherwise a
 * uniform draw. Errors (65, naming data_name): n_val >= n, a class with a
 * single row. */
int split_choose(const uint32_t *label, size_t n_classes, char *const *class_names, size_t n,
		 size_t n_val, uint64_t seed, unsigned char *is_val, const char *data_name,
		 struct dnn_error *e);

/* Hold out round(fraction * n_rows) rows (at least 1) for validation, drawn
 * from seed, stratified for a classification (each class in proportion, at
 * least one row of each and never all of them): reorder d so that the
 * training rows come first and the validation rows last, each in file
 * order; *n_val gets how many were held out. A shared dataset (MPI ranks)
 * is split over the rows of all ranks as one process splits them
 * (collective), each rank keeping its own, and train_gid numbers its
 * training rows among all. Errors (65, naming data_name): too few rows, a
 * class with a single row. */
int data_split(struct dnn_dataset *d, double fraction, uint64_t seed, size_t *n_val,
	       const char *data_name, struct dnn_error *e);

/* Number the first n_train rows of d (the training rows) among the
 * training rows of all MPI ranks, when d is shared and data_split has not:
 * train_gid and n_train_total (n_train when not shared). */
int data_train_ids(struct dnn_dataset *d, size_t n_train, struct dnn_error *e);

#endif
