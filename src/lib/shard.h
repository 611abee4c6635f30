/* The MPI shares of a file (dist.h): which rows of a CSV file each rank
 * reads, and the union of the keys (classes, categories) all ranks saw. */
#ifndef DNN_SHARD_H
#define DNN_SHARD_H

#include <stdint.h>

#include "csv.h"
#include "dist.h"
#include "err.h"
#include "strtab.h"

/* How this rank's share of a file is read: a plain file by a byte range
 * that starts and ends at line starts; gzip (which cannot be entered
 * mid-stream) by rows, every rank reading the whole stream and keeping the
 * rows whose number is its rank modulo the number of ranks. */
enum { SHARD_NONE, SHARD_ROWS, SHARD_BYTES };

struct shard {
	int mode;
	uint64_t row;		    /* rows mode: the next row's number in the file */
	unsigned long header_lines; /* bytes mode: lines before the first share */
};

/* 1 when the row just read is this rank's (and counts), else 0. */
static inline size_t shard_keep(struct shard *sh)
{
	if (!sh || sh->mode != SHARD_ROWS)
		return 1;
	return sh->row++ % (uint64_t)dist_size() == (uint64_t)dist_rank();
}

/* Choose how to share the file that *cp has just read the first row of
 * (the header, or with no header the first data row), and for a byte range
 * reopen *cp on this rank's share. *have_row is cleared: the share's rows
 * are all still to be read. */
int shard_open(struct shard *sh, struct dnn_csv **cp, const char *path,
	       const struct dnn_csv_opts *o, int *have_row, struct dnn_error *e);
/* Collective: add to t the keys every rank has seen, so that all ranks hold
 * the same set (each in its own order: strtab_sort gives them one). Returns
 * 0, or -1 on every rank when one ran out of memory. */
int shard_union(struct strtab *t, struct dnn_error *e);

#endif
