/* A CSV file held whole as its original bytes, for commands that pass rows
 * on unchanged (dnn split): where each data row's bytes are, and the cells
 * of a key column (the target, a group) as numbered values, numbered as
 * data_load numbers classes. */
#ifndef DNN_ROWFILE_H
#define DNN_ROWFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "csv.h"
#include "err.h"
#include "spec.h"

/* A key column's values: of[i] is row i's, an index into names (sorted as
 * classes are: numerically when all are integers). */
struct dnn_rowkey {
	size_t col;
	size_t n;
	char **names;
	uint32_t *of;
};

#define ROWFILE_KEYS 2

struct dnn_rowfile {
	unsigned char *bytes; /* the (decompressed) input, len bytes */
	size_t len;
	size_t bom;	      /* 3 after a UTF-8 byte-order mark, else 0 */
	size_t head_end;      /* the header is bytes [bom, head_end) (empty without one) */
	size_t n_rows;
	size_t *end;	      /* row i is bytes [end[i - 1] (head_end for 0), end[i]),
			       * with the blank lines before it */
	const char *eol;      /* the file's first line end: "\r\n", "\n" or "\r" */
	size_t n_cols;
	char **col_names;
	struct dnn_rowkey key[ROWFILE_KEYS];
};

/* Read path ("-": standard input; gzip recognised) whole, checking that
 * every row has the header's width; keys[j] (NULL: none) names a column
 * whose values key[j] numbers (index -1 without a name: the last column);
 * key 0 is called the target in messages, key 1 the group. A missing value in the target (j == 0) is an error; a target
 * with a single value too. Errors (65 naming FILE:LINE:COLUMN, 66). */
int rowfile_read(struct dnn_rowfile *f, const char *path, const struct dnn_csv_opts *o,
		 const struct dnn_column_ref *const keys[ROWFILE_KEYS], struct dnn_error *e);

/* Write the byte-order mark, the header and the rows i with side[i] == which
 * to out, each row as read (a last row without a line end gets the
 * file's); gzip-compressed when gzip. 0, or -1 on a write error (errno). */
int rowfile_write(const struct dnn_rowfile *f, const unsigned char *side, int which, FILE *out,
		  int gzip);

/* Free what f holds; a zeroed f is fine. */
void rowfile_free(struct dnn_rowfile *f);

#endif
