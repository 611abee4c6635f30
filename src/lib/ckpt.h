/* Checkpoints: a trained model on disk, in the portable binary format of
 * dnn-checkpoint(5), written atomically and checked by CRC-32 on load. */
#ifndef DNN_CKPT_H
#define DNN_CKPT_H

#include <stddef.h>
#include <stdint.h>

#include "data.h"
#include "err.h"
#include "net.h"
#include "spec.h"
#include "train.h"

#define DNN_CKPT_VERSION 1

/* Everything a checkpoint holds. */
struct dnn_model {
	char *spec_json;	/* the spec as trained, canonical JSON */
	size_t n_cols;		/* columns of the training file */
	char **col_names;
	unsigned char *col_role; /* enum dnn_col_role */
	int task;		/* enum dnn_task */
	size_t n_classes;
	char **class_names;
	size_t n_cats;		/* categorical input columns */
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
};

/* Write m to path atomically: a temporary file in the same directory,
 * written, flushed to disk, then renamed over path. On failure no file is
 * left behind and an existing path is untouched. Errors: 73 when the file
 * cannot be created, 74 on a write error. */
int ckpt_save(const struct dnn_model *m, const char *path, struct dnn_error *e);

/* Read and verify a checkpoint ("-": standard input). A wrong magic, an
 * unsupported version, a CRC mismatch, a truncated file or an inconsistent
 * section is an error (65) naming the file; a missing one is 66. */
int ckpt_load(struct dnn_model *m, const char *path, struct dnn_error *e);

/* The same over a file image in memory; name is the file name used in
 * messages. For tests and fuzzing: ckpt_load reads the file, this parses. */
int ckpt_parse(struct dnn_model *m, const unsigned char *buf, size_t size, const char *name,
	       struct dnn_error *e);

/* Free the members of m (not m itself); safe on a zeroed or half-loaded m. */
void model_free(struct dnn_model *m);

#endif
