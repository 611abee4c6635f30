/* Datasets: a labelled CSV file loaded whole into a float matrix, with the
 * roles of its columns (input, target, ignored, categorical), its classes
 * and the categories of its categorical columns. */
#ifndef DNN_DATASET_H
#define DNN_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "csv.h"
#include "err.h"
#include "spec.h"

enum dnn_task { DNN_TASK_REGRESSION = 1, DNN_TASK_CLASSIFICATION = 2 };

/* Column roles. They reach the checkpoint: never renumber. */
enum dnn_col_role {
	DNN_COL_INPUT = 1,	/* a number: one network input */
	DNN_COL_TARGET = 2,
	DNN_COL_IGNORED = 3,
	DNN_COL_CATEGORICAL = 4 /* a category: one-hot, one network input per category */
};

/* The categories of a categorical input column, sorted (numerically when
 * all are integers); they become the network inputs first .. first + n - 1,
 * 1 for the row's category and 0 for the others. */
struct dnn_catcol {
	size_t col;		/* the file column */
	size_t first;		/* its first network input */
	size_t n;		/* categories */
	char **names;
};

/* The network input that file column col starts at, given the columns'
 * roles and the categorical columns (sorted by col); SIZE_MAX when the
 * column is not an input. */
size_t data_input_of(const unsigned char *col_role, size_t col, const struct dnn_catcol *cats,
		     size_t n_cats);
/* The categorical column among cats[0..n_cats) at file column col, or NULL. */
const struct dnn_catcol *data_cat_of(const struct dnn_catcol *cats, size_t n_cats, size_t col);
/* Free the names of n categorical columns and the array. */
void data_free_cats(struct dnn_catcol *cats, size_t n_cats);

struct dnn_dataset {
	size_t n_rows;
	size_t n_cols;		  /* columns in the file */
	char **col_names;	  /* n_cols; "0", "1", ... when there is no header */
	unsigned char *col_role;  /* n_cols, enum dnn_col_role */
	size_t n_in;		  /* network inputs: one per input column and one
				   * per category of a categorical column, in file
				   * order */
	float *x;		  /* n_rows x n_in */
	size_t n_cats;		  /* categorical columns */
	struct dnn_catcol *cats;
	int task;		  /* enum dnn_task */
	size_t n_targets;	  /* target columns (1 for classification) */
	float *y;		  /* regression: n_rows x n_targets; else NULL */
	size_t n_classes;	  /* classification only */
	char **class_names;	  /* sorted; numerically when all are integers */
	uint32_t *label;	  /* classification: class index of each row */
	/* data.weight: the column of the rows' weights in the loss (role
	 * ignored, as it is no input), and each row's weight (n_rows). */
	int has_weight;
	size_t weight_col;
	float *w;
	size_t n_missing;	  /* input cells read as NaN (csv.missing_ok); a
				   * categorical one sets all its inputs to NaN
				   * (counted over all ranks) */
	/* Whether MPI ranks share the file (dist.h); then n_rows_total rows in
	 * all, of which row i here is row gid_first + i * gid_stride of the
	 * file's data rows (counted from 0). */
	int shared;
	size_t n_rows_total;
	size_t gid_first, gid_stride;
	/* After data_split of a shared dataset: the number of each training
	 * row here among the training rows of all ranks (ascending), and how
	 * many training rows all ranks have. */
	size_t *train_gid;
	size_t n_train_total;
};

struct dnn_data_opts {
	struct dnn_csv_opts csv;
	const struct dnn_column_ref *targets; /* n_targets == 0: the last column */
	size_t n_targets;
	const struct dnn_column_ref *ignore;  /* columns to drop, such as ids */
	size_t n_ignore;
	const struct dnn_column_ref *categorical; /* inputs to one-hot encode */
	size_t n_categorical;
	int task;		  /* enum dnn_task, decided by the loss */
	/* The column of the rows' weights (data.weight), or NULL; with like,
	 * like's weight column, found by name, instead. */
	const struct dnn_column_ref *weight;
	/* Running on several MPI ranks (dist.h): each reads only its share of
	 * the rows (a plain file by a byte range cut at line starts, gzip by
	 * row number modulo the ranks), and all end with the same columns,
	 * classes and categories. Collective: every rank calls data_load,
	 * and all fail with the same error (line numbers counted in the whole
	 * file) or none does. */
	int shard;
	/* Non-NULL: the roles of the columns are those of like's columns of
	 * the same names (like: the training data, loaded with these options;
	 * here the validation rows), matched in any order; a column like lacks
	 * is ignored, and one of its input, categorical or target columns that
	 * this file lacks is an error (65). The target columns are ordered as
	 * like's; ignore and categorical are unused. */
	const struct dnn_dataset *like;
};

/* The file column that reference r names among the n columns names (of
 * file, for messages), or an error (65) calling it a `what` column
 * ("target", "ignored"), with "did you mean" for a name. */
int data_resolve_column(const struct dnn_column_ref *r, const char *what, char *const *names,
			size_t n, const char *file, size_t *col, struct dnn_error *e);

/* Load a whole labelled dataset. Errors name FILE:LINE:COLUMN: a ragged row,
 * a non-numeric input cell (in a column not declared categorical), a
 * non-numeric regression target, a missing value, an empty file, a file with
 * no data rows, a target column not found, a weight that is missing, not a
 * number or negative, weights that are all 0, a weight column not found
 * (65); a missing file (66). */
int data_load(struct dnn_dataset *d, const char *path, const struct dnn_data_opts *o,
	      struct dnn_error *e);
void data_free(struct dnn_dataset *d);

#endif
