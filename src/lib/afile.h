/* Output files: every file dnn writes goes through here. A regular file is
 * replaced atomically (a temporary file in its directory, flushed to disk,
 * renamed over it, the directory flushed), so that it is either the old file
 * or the whole new one; a device or FIFO is written directly, never replaced;
 * "-" is standard output; a symbolic link is followed, and its target
 * replaced. Nothing here prints: errors come back in struct dnn_error. */
#ifndef DNN_AFILE_H
#define DNN_AFILE_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

/* afile_open flag: a regular file is written in place as it grows (a log
 * that can be followed while training runs), not replaced at the end. */
#define AFILE_STREAM 1

enum dnn_afile_kind {
	AFILE_NONE = 0, /* not open (zeroed, committed or aborted) */
	AFILE_STDOUT,	/* "-" */
	AFILE_DIRECT,	/* a device or FIFO, written directly */
	AFILE_TEMP,	/* a regular file, replaced at commit */
	AFILE_INPLACE	/* a regular file written in place (AFILE_STREAM) */
};

/* An output being written. Zero-initialize; write to f between afile_open
 * and afile_commit or afile_abort. */
struct dnn_afile {
	FILE *f;
	const char *path; /* as given, for messages (borrowed) */
	int kind;	  /* enum dnn_afile_kind */
	int err;	  /* errno of the last failure */
	int fd;		  /* f's descriptor */
	char *target;	  /* the file path leads to, symbolic links followed */
	char *tmp;	  /* AFILE_TEMP: the temporary file */
	int slot;	  /* its entry in the list afile_remove_temps reads, or -1 */
};

/* Open path for writing (flags: 0 or AFILE_STREAM). A file replaced keeps
 * its permission bits, and its owner and group where this user may give
 * them. Before a temporary file is made, the stale ones of the same target
 * ("TARGET.tmp.PID.XXXXXX" of this user, whose process PID is gone) are
 * removed. Errors: 73 "cannot create" or "is a directory" (af->err has the
 * errno), 70 out of memory; nothing is left behind. */
int afile_open(struct dnn_afile *af, const char *path, int flags, struct dnn_error *e);

/* Check, before a command does its work, that path could be written as
 * afile_open would: a temporary file is created beside it and removed (a
 * device, a FIFO or "-" is not opened). The errors of afile_open; 73 with
 * "PATH: is a directory" for a directory (also for afile_open). */
int afile_probe(const char *path, struct dnn_error *e);

/* Finish: flush f, and for a replaced file fsync, rename over the target and
 * fsync the directory. Errors: 74 on a write error (the temporary file is
 * removed, the old file untouched), 73 when the rename fails, 74 when only
 * the directory's fsync fails (the new file is then in place). The file is
 * closed in every case. */
int afile_commit(struct dnn_afile *af, struct dnn_error *e);

/* Give up: close, and remove what was written (the temporary file; a file
 * written in place). A device or FIFO is left alone. No-op unless open. */
void afile_abort(struct dnn_afile *af);

/* Write the n bytes at p to path in one go (afile_open, a write that retries
 * after interruptions, afile_commit), with the errors of both. */
int afile_write(const char *path, const void *p, size_t n, struct dnn_error *e);

/* Remove the temporary files of the outputs open now. Async-signal-safe:
 * for a signal handler that ends the program during a save. */
void afile_remove_temps(void);

/* A file a command names, and how its usage calls it ("DATA", "--plot"). */
struct dnn_afile_name {
	const char *path; /* NULL or "-" (standard input or output): skipped */
	const char *what;
};

/* Refuse (64) an output that is the same regular file as an input (the same
 * device and inode, symbolic links followed; an input "-" is standard
 * input), before anything is read or written, so that dnn never destroys
 * its own input. */
int afile_check_inputs(const struct dnn_afile_name *out, size_t n_out,
		       const struct dnn_afile_name *in, size_t n_in, struct dnn_error *e);

#endif
