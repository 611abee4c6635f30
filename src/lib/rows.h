/* Rows matched to a model by name: the reader that predict, eval and the
 * other commands on a checkpoint use, and the matcher of a file's columns
 * to the columns a model was trained on. */
#ifndef DNN_ROWS_H
#define DNN_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "csv.h"
#include "dataset.h"
#include "err.h"

/* ---- the columns of a file matched to a model's by name ---- */

/* What a model was trained on (borrowed): its training file's columns with
 * their roles, its classes, its categorical columns and its network inputs.
 * rows_match reads only the columns. */
struct dnn_trained {
	char *const *col_names;
	const unsigned char *col_role; /* enum dnn_col_role */
	size_t n_cols;
	char *const *class_names;
	size_t n_classes;
	const struct dnn_catcol *cats;
	size_t n_cats;
	size_t n_in;
};

/* A role as a member of a set of roles. */
#define ROWS_ROLE(role) (1u << (role))

enum { ROWS_MATCHED = 0, ROWS_MISSING = 1, ROWS_REPEATED = 2 };

/* Match the columns of m whose role is in roles (ROWS_ROLE bits) to the
 * columns names[0..n_names) of a file by name, in any order, going through
 * m's columns in order: map[i] (m->n_cols entries) gets the file column of
 * m's column i, SIZE_MAX for a column not asked for. Returns ROWS_MATCHED;
 * ROWS_MISSING when the file lacks m's column *bad; ROWS_REPEATED when the
 * file names m's column *bad twice, the second time in file column *dup;
 * -1 when out of memory (e set). The caller words the error. */
int rows_match(const struct dnn_trained *m, unsigned roles, char *const *names, size_t n_names,
	       size_t *map, size_t *bad, size_t *dup, struct dnn_error *e);

/* Whether d has the columns (the same names, in the same places, with the
 * same roles), the classes, the categories and the network inputs that m
 * was trained on, as a resumed training needs: 0, or an error (65, naming
 * data_name) saying which differ from those model_name was trained on. */
int rows_check_trained(const struct dnn_trained *m, const struct dnn_dataset *d,
		       const char *data_name, const char *model_name, struct dnn_error *e);

/* Lay d, loaded with like = m's columns (dnn_data_opts), out as m was
 * trained: its columns (all of m's names, none other, in any order) put in
 * m's order, and with them the network inputs, the categorical columns and
 * the weight column; nothing moves when they are in m's order already. 0,
 * or an error (65, naming data_name and the column) for a column of m that
 * d lacks or a column of d that m lacks; 70 when out of memory. */
int rows_to_trained_order(struct dnn_dataset *d, const struct dnn_trained *m,
			  const char *data_name, const char *model_name, struct dnn_error *e);

/* Append the rows of v, loaded with like = d (dnn_data_opts), to d: their
 * inputs laid out as d's (numbers by column name, categories by name among
 * d's categories), their targets and classes as d's. Errors (65, naming
 * vname): a class or a category that d lacks. */
int rows_append(struct dnn_dataset *d, const struct dnn_dataset *v, const char *vname,
		struct dnn_error *e);

/* ---- the row reader ---- */

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
	/* with_targets: the training column of the rows' weights (data.weight),
	 * read when the file has it; SIZE_MAX or has_weight 0: none. */
	int has_weight;
	size_t weight_col;
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
/* The same with each row's weight in w[] (1 when the file lacks the weight
 * column; a negative, missing or non-numeric weight is an error naming its
 * cell). */
int reader_next_weighted(struct dnn_reader *r, float *x, float *y, uint32_t *label, float *w,
			 size_t max_rows, size_t *n_read, struct dnn_error *e);
/* Whether the file has the weight column asked for (after reader_open_model
 * for a file with a header; after the first row for one without). */
int reader_has_weight(const struct dnn_reader *r);

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
