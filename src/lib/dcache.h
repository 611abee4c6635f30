/* Dataset caches: a parsed dataset (its float32 matrix, targets, labels,
 * weights, classes, categories and column names) written once to a binary
 * file, and mapped back on later runs so that the CSV is not parsed again.
 * The format is in dnn-data(5), CACHE. */
#ifndef DNN_DCACHE_H
#define DNN_DCACHE_H

#include "dataset.h"
#include "err.h"

#define DCACHE_VERSION 1u

/* Write d, loaded from source (a regular file), to path atomically (afile).
 * Errors: 73 cannot create, 74 write error, 66 source unreadable, 64 a
 * dataset shared by MPI ranks (not cached). */
int dcache_write(const struct dnn_dataset *d, const char *source, const char *path,
		 struct dnn_error *e);

/* Load d from the cache at path made from source. Returns 0 when loaded,
 * 1 when there is no cache at path or it is stale (made from another
 * source size, mtime or content: the caller parses source and rewrites the
 * cache), -1 with 65 "PATH: corrupt dataset cache: ..." for a file that is
 * not a cache, of another version, truncated or failing its checksum, 66
 * for an unreadable cache or source. */
int dcache_load(struct dnn_dataset *d, const char *source, const char *path,
		struct dnn_error *e);

#endif
