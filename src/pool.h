/* A fork-join pool of worker threads for the numeric kernels. One pool per
 * process: the thread count is a process-wide setting, like a BLAS's. The
 * pool is not reentrant: run it from one thread at a time. */
#ifndef DNN_POOL_H
#define DNN_POOL_H

#include <stddef.h>

#include "err.h"

#define POOL_MAX_THREADS 256

/* A task: part t of a job cut into n parts. */
typedef void (*pool_fn)(void *ctx, size_t t, size_t n);

/* Run with n threads in all (the caller and n - 1 workers), 1 <= n <=
 * POOL_MAX_THREADS; starts or stops workers as needed. */
int pool_set_threads(size_t n, struct dnn_error *e);

/* The current thread count (1 until pool_set_threads is called). */
size_t pool_threads(void);

/* fn(ctx, t, n) for t = 0 .. n - 1, each part on its own thread (part 0 on
 * the caller), returning when all are done. n is capped at pool_threads().
 * Allocates nothing. */
void pool_run(pool_fn fn, void *ctx, size_t n);

/* Stop and join the workers (back to one thread). */
void pool_shutdown(void);

#endif
