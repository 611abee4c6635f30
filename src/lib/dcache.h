/* Dataset caches: a parsed dataset (its float32 matrix, targets, labels,
 * weights, classes, categories and column names) written once to a binary
 * file, and read back on later runs (header and metadata mapped, the arrays
 * read straight into the dataset's) so that the CSV is not parsed again.
 * The format is in dnn-data(5), CACHE. */
#ifndef DNN_DCACHE_H
#define DNN_DCACHE_H

#include "dataset.h"
#include "err.h"

#define DCACHE_VERSION 1u

/* A fingerprint of the options a dataset was loaded with (CSV dialect,
 * targets, ignored, categorical and weight columns, task): a cache made with
 * other options is stale. */
uint64_t dcache_opts_key(const struct dnn_data_opts *o);

/* Write d, loaded from source (a regular file) with options of fingerprint
 * key, to path atomically (afile). Errors: 73 cannot create, 74 write
 * error, 66 source unreadable, 64 a dataset shared by MPI ranks or loaded
 * like another (not cached). */
int dcache_write(const struct dnn_dataset *d, const char *source, uint64_t key,
		 const char *path, struct dnn_error *e);

/* Load d from the cache at path made from source with options of
 * fingerprint key. Returns 0 when loaded; 1 when there is no cache at path,
 * 2 when it is stale (source changed in size, mtime or content, or other
 * options): the caller parses source and rewrites the cache; -1 with 65
 * "PATH: corrupt dataset cache: ..." for a file that is not a cache, of
 * another version, truncated or failing a checksum, 65 "PATH: dataset cache
 * of OTHER, not SOURCE" for the cache of another file (never overwritten),
 * 66 for an unreadable cache or source. */
int dcache_load(struct dnn_dataset *d, const char *source, uint64_t key, const char *path,
		struct dnn_error *e);

/* How dcache_data_load got its dataset. */
enum dcache_how { DCACHE_HIT = 0, DCACHE_BUILT = 1, DCACHE_REBUILT = 2 };

/* data_load of source with options o, through the cache at path: read from
 * it when current, else parsed and the cache (re)written; *how says which.
 * The errors of dcache_load, data_load and dcache_write. */
int dcache_data_load(struct dnn_dataset *d, const char *source, const struct dnn_data_opts *o,
		     const char *path, int *how, struct dnn_error *e);

#endif
