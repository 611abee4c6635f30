/* A fork-join pool of worker threads for the numeric kernels. One pool per
 * process: the thread count is a process-wide setting, like a BLAS's. The
 * pool is not reentrant: run it from one thread at a time. */
#ifndef DNN_POOL_H
#define DNN_POOL_H

#include <stddef.h>

#include "err.h"

#define POOL_MAX_THREADS 256

/* A task: part p of a job cut into n parts, run on thread t (0 is the
 * caller; each thread runs one part at a time, so t can index per-thread
 * scratch space). */
typedef void (*pool_fn)(void *ctx, size_t p, size_t n, size_t t);

/* Run with n threads in all (the caller and n - 1 workers), 1 <= n <=
 * POOL_MAX_THREADS; starts or stops workers as needed. */
int pool_set_threads(size_t n, struct dnn_error *e);

/* The current thread count (1 until pool_set_threads is called). */
size_t pool_threads(void);

/* The threads a job started now would run on: pool_threads(), or 1 on a
 * thread while it runs a part (see pool_run). Kernels size their jobs by
 * it. */
size_t pool_available(void);

/* fn(ctx, p, n, t) for every part p = 0 .. n - 1 (n <= POOL_MAX_THREADS),
 * each part once, on whichever thread claims it first (the caller takes
 * part in it), returning when all are done. Allocates nothing. A part may
 * itself call pool_run (a gemm inside a job that is parallel over other
 * things): the nested job's parts all run on the part's thread, with its t,
 * and pool_available() is 1 there. The workers run the parts in the
 * caller's floating-point mode (fpmode.h). */
void pool_run(pool_fn fn, void *ctx, size_t n);

/* Stop and join the workers (back to one thread). */
void pool_shutdown(void);

#endif
