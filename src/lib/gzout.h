/* gzip-compressed output: bytes deflated into a stream as they are written,
 * with a gzip header that carries no name and no time, so that the same
 * bytes give the same file. */
#ifndef DNN_GZOUT_H
#define DNN_GZOUT_H

#include <stddef.h>
#include <stdio.h>

struct dnn_gzout;

/* Compress into f (borrowed). NULL when out of memory. */
struct dnn_gzout *gzout_new(FILE *f);
/* Compress the n bytes at p. 0, or -1 on a write error (errno set) or a
 * zlib failure (errno EIO). */
int gzout_write(struct dnn_gzout *g, const void *p, size_t n);
/* End the stream (the trailer written to f, which stays open). 0 or -1 as
 * gzout_write. */
int gzout_finish(struct dnn_gzout *g);
/* Free g; NULL is a no-op. */
void gzout_free(struct dnn_gzout *g);

#endif
