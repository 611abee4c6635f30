/* Data in: a streaming CSV reader over plain, gzip-compressed (recognised by
 * content) or standard input, datasets loaded from it, normalization, the
 * validation split, and the row reader that predict and eval use. Its bytes
 * come from input.c, which with ckpt.c (for CRC-32) is all that knows
 * zlib. */
#ifndef DNN_DATA_H
#define DNN_DATA_H

#include <stddef.h>
#include <stdint.h>

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
/* Free the names of n categorical columns and the array. */
void data_free_cats(struct dnn_catcol *cats, size_t n_cats);

struct dnn_csv_opts {
	char delimiter;		/* ',' by default */
	int header;		/* 1: the first row names the columns */
	int missing_ok;		/* a missing input cell reads as NaN, not an error */
};

/* ---- the CSV reader ---- */

struct dnn_csv;

/* Open path ("-": standard input) for reading; gzip is detected by its magic
 * bytes. Errors: 66 when missing or unreadable. */
struct dnn_csv *csv_open(const char *path, const struct dnn_csv_opts *o, struct dnn_error *e);
/* Read the next row: 1 when a row was read, 0 at end of input, -1 on error
 * (65 for malformed CSV, 74 for a read error). Blank lines are skipped. */
int csv_next(struct dnn_csv *c, struct dnn_error *e);
size_t csv_nfields(const struct dnn_csv *c);
/* Field i of the current row, unquoted and NUL-terminated; valid until the
 * next csv_next. */
const char *csv_field(const struct dnn_csv *c, size_t i);
/* 1-based line on which the current row starts, and the 1-based column
 * (in bytes) at which field i starts. */
unsigned long csv_line(const struct dnn_csv *c);
unsigned long csv_column(const struct dnn_csv *c, size_t i);
/* The name used in messages: the path, or "<stdin>". */
const char *csv_name(const struct dnn_csv *c);
void csv_close(struct dnn_csv *c);

/* ---- datasets ---- */

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
	/* Running on several MPI ranks (dist.h): each reads only its share of
	 * the rows (a plain file by a byte range cut at line starts, gzip by
	 * row number modulo the ranks), and all end with the same columns,
	 * classes and categories. Collective: every rank calls data_load,
	 * and all fail with the same error (line numbers counted in the whole
	 * file) or none does. */
	int shard;
};

/* Load a whole labelled dataset. Errors name FILE:LINE:COLUMN: a ragged row,
 * a non-numeric input cell (in a column not declared categorical), a
 * non-numeric regression target, a missing value, an empty file, a file with
 * no data rows, a target column not found (65); a missing file (66). */
int data_load(struct dnn_dataset *d, const char *path, const struct dnn_data_opts *o,
	      struct dnn_error *e);
void data_free(struct dnn_dataset *d);

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

/* ---- normalization: x' = (x - mean) / scale, per column ---- */

struct dnn_norm {
	size_t n;
	float *mean;
	float *scale;		/* standard deviation, or 1 for a constant column */
};

/* Fit mean and standard deviation (population, in double) of the cols-wide
 * rows of x listed in rows[0..n_rows) (rows == NULL: rows 0..n_rows). */
int norm_fit(struct dnn_norm *nm, const float *x, size_t cols, const size_t *rows,
	     size_t n_rows, struct dnn_error *e);
/* norm_fit over the first n_rows rows of x on every MPI rank (dist.h):
 * collective; the same statistics on all ranks, equal to norm_fit's over
 * all those rows but for the order of the sums (in double). */
int norm_fit_shared(struct dnn_norm *nm, const float *x, size_t cols, size_t n_rows,
		    struct dnn_error *e);
/* The identity transform on n columns. */
int norm_identity(struct dnn_norm *nm, size_t n, struct dnn_error *e);
void norm_apply(const struct dnn_norm *nm, float *x, size_t n_rows);
void norm_invert(const struct dnn_norm *nm, float *x, size_t n_rows);
void norm_free(struct dnn_norm *nm);

/* ---- rows for predict ---- */

/* Reads rows of model inputs from a CSV, matching the model's input columns:
 * by header name when the file has a header (any order, extra columns such
 * as the target ignored, a missing input column an error naming it); by
 * position otherwise, the row holding either just the inputs in training
 * order or all n_train_cols columns of the training file. */
struct dnn_reader;

struct dnn_reader *reader_open(const char *path, const struct dnn_csv_opts *o,
			       char *const *col_names, const unsigned char *col_role,
			       size_t n_cols, struct dnn_error *e);
/* How reader_open_model reads: the model's categories, and for eval its
 * targets too. */
struct dnn_reader_opts {
	const struct dnn_catcol *cats; /* the categorical columns, in column order */
	size_t n_cats;
	int unknown_ignore;	/* an unseen category: all-zero inputs, not an error */
	int with_targets;	/* also read the target columns (reader_next_labelled) */
	char *const *class_names; /* classification: the model's classes */
	size_t n_classes;	  /* (0 for a regression) */
	char echo_delim;	/* non-zero: keep each row's input cells as text,
				 * joined by this delimiter (reader_echo) */
};

/* The same for a model with categorical columns, one-hot encoded as in
 * training (a category that training did not see is an error naming its
 * cell, or with unknown_ignore all-zero inputs), and with with_targets the
 * target columns, matched like the inputs (a missing one is an error). */
struct dnn_reader *reader_open_model(const char *path, const struct dnn_csv_opts *o,
				     char *const *col_names, const unsigned char *col_role,
				     size_t n_cols, const struct dnn_reader_opts *ro,
				     struct dnn_error *e);

/* Like reader_next, also giving each row's targets: the class index in
 * label[] (a class the model does not know is an error naming its cell), or
 * the target values in y[] (n_targets per row) for a regression. */
int reader_next_labelled(struct dnn_reader *r, float *x, float *y, uint32_t *label,
			 size_t max_rows, size_t *n_read, struct dnn_error *e);

/* Fill up to max_rows rows of x (each n_in wide, unnormalized; n_in counts
 * one input per category of a categorical column); *n_read = 0
 * at the end of input. Returns 0 or -1 with e set. */
int reader_next(struct dnn_reader *r, float *x, size_t max_rows, size_t *n_read,
		struct dnn_error *e);
/* With echo_delim: the input cells of row i of the last batch, as they are
 * in the file (blanks around them removed), in the model's input order,
 * joined by echo_delim and quoted as CSV where needed. */
const char *reader_echo(const struct dnn_reader *r, size_t i);
/* The model's input column names the same way (a header for the echo). */
int reader_echo_header(const struct dnn_reader *r, char **out, struct dnn_error *e);
void reader_close(struct dnn_reader *r);

#endif
