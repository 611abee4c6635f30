/* Which rows go where in model selection: the k folds of cross-validation
 * (stratified for a classification, repeated with fresh draws) and a test
 * split that keeps the rows of a group together. The test split without
 * groups is split.h's, the one dnn train's validation split draws. */
#ifndef DNN_FOLDS_H
#define DNN_FOLDS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Each of n rows' fold, fold[i] in [0, k), for repeat `repeat` (0, 1, ...)
 * of a cross-validation drawn from seed. With label (n_classes classes,
 * named class_names in messages), stratified: the rows of each class are
 * shuffled and dealt to the folds in turn, class after class, so that fold
 * j holds floor or ceil(n_c / k) rows of class c and the folds' sizes
 * differ by one at most; without label the same over all rows. The draw
 * depends on seed, repeat and the rows alone. Errors: k < 2 (64), k above
 * the rows (65), a class with fewer rows than folds (65, naming it and
 * data_name). */
int folds_assign(const uint32_t *label, size_t n_classes, char *const *class_names, size_t n,
		 size_t k, uint64_t seed, unsigned long repeat, uint32_t *fold,
		 const char *data_name, struct dnn_error *e);

/* The rows of fold j among n rows dealt by fold[]: rows[0 .. *n_train)
 * the others (the training rows, in file order), then rows[*n_train .. n)
 * fold j's own (in file order). rows holds n entries. */
void folds_rows(const uint32_t *fold, size_t n, size_t j, size_t *rows, size_t *n_train);

/* Hold out whole groups: group[i] in [0, n_groups) is row i's group. The
 * groups are shuffled (drawn from seed) and taken in that order until the
 * rows held out (is_val[i] = 1) reach n_val. Errors (65, naming data_name
 * and the group column group_name): fewer than two groups, or the groups
 * taken leave no row on the other side. */
int folds_split_groups(const uint32_t *group, size_t n_groups, size_t n, size_t n_val,
		       uint64_t seed, unsigned char *is_val, const char *data_name,
		       const char *group_name, struct dnn_error *e);

#endif
