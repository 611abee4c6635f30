/* The model: a trained network with what it needs to be used on the rows of
 * a file, apart from any file format (ckpt.h reads and writes it). */
#ifndef DNN_MODEL_H
#define DNN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "data.h"
#include "history.h"
#include "net.h"

/* A trained model: the network and everything needed to use it on CSV
 * rows (columns, classes, categories, normalization, fill values), its
 * spec, history and where training left off. */
struct dnn_model {
	char *spec_json; /* the spec as trained, canonical JSON */
	size_t n_cols;	 /* columns of the training file */
	char **col_names;
	unsigned char *col_role; /* enum dnn_col_role */
	int task;		 /* enum dnn_task */
	size_t n_classes;
	char **class_names;
	size_t n_cats;		  /* categorical input columns */
	struct dnn_catcol *cats;  /* their categories (data.h) */
	struct dnn_norm in_norm;  /* n_in columns */
	struct dnn_norm out_norm; /* regression: n_out columns; n == 0 otherwise */
	float *fill;		  /* n_in values for missing inputs (data.missing
				   * "mean"), or NULL: missing inputs are errors */
	struct dnn_history history;
	struct dnn_net *net;
	/* The ancillary "meta" section: what wrote the file and when (Unix
	 * seconds; 0 when unknown). Written when writer is set. */
	char *writer;
	uint64_t written;
	/* Set by ckpt_load: the file's size, format version and CRC-32. */
	size_t file_size;
	uint32_t format_version;
	uint32_t crc;
	/* Where training left off, for dnn train --resume: the trainer's own
	 * encoding (train_state_encode), stored as the ancillary section
	 * "trst"; NULL when absent. */
	unsigned char *train_state;
	size_t train_state_len;
	/* The format of the training data, stored as the ancillary section
	 * "csvf" when it is not the default (a header row, commas): */
	int csv_no_header;  /* 1: the file had no header row */
	char csv_delimiter; /* its field separator; 0 for ',' */
};

/* Fill what the user did not give of csv (header -1, delimiter 0) from the
 * format m was trained on, or (m NULL) with the defaults: a header row and
 * commas. */
void model_csv_defaults(const struct dnn_model *m, struct dnn_csv_opts *csv);

/* Keep the format of the training data csv in m, for model_csv_defaults. */
void model_set_csv(struct dnn_model *m, const struct dnn_csv_opts *csv);

/* Free the members of m (not m itself) and zero it; safe on a zeroed or
 * half-loaded m, a no-op on NULL. */
void model_free(struct dnn_model *m);

/* Whether a and b are the same network over the same data: the same rows
 * of layers (kinds, widths, activations, fields) and loss, the same columns
 * and roles, task, classes and categories, the same normalization and fill
 * values; their weights may differ. 0, or -1 with the first difference in
 * why ("row 2 is dense(16 units, relu) against dense(8 units, relu)"). */
int model_compare(const struct dnn_model *a, const struct dnn_model *b, char *why, size_t size);

#endif
