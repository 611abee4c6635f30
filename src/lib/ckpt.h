/* Checkpoints: a trained model on disk, in the portable binary format of
 * dnn-checkpoint(5), written atomically and checked by CRC-32 on load. */
#ifndef DNN_CKPT_H
#define DNN_CKPT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "model.h"

/* The newest format: version 2 names each row's kind (dense, dropout) and
 * holds the rows' kept state. A network of dense rows alone is written as
 * version 1, byte for byte as before; both versions are read. */
#define DNN_CKPT_VERSION 2

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

#endif
