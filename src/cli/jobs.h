/* Independent jobs (the folds of a cross-validation, the trials of a
 * search) run side by side: in child processes, one per core, or spread
 * over MPI ranks; each job's result comes back to the caller in job order,
 * the same whatever ran it. */
#ifndef DNN_JOBS_H
#define DNN_JOBS_H

#include <stddef.h>

#include "err.h"

/* Job i for ctx: its result (size bytes) written at out. 0, or -1 with e
 * set. A job may not print. */
typedef int (*jobs_fn)(size_t i, void *ctx, void *out, struct dnn_error *e);

/* Run jobs 0 .. n - 1, job i's result going to results + i * size. With
 * procs > 1, in child processes (fork), at most procs at a time, each
 * running one job on the thread it has (the caller has started no gemm
 * threads); with procs 1, here, in order. Under mpirun (dist.h), job i
 * runs on rank i mod ranks, here, and every rank gets every result
 * (collective). Returns 0, or -1 with the error of the lowest job that
 * failed (a child killed by a signal: 70 naming it). */
int jobs_run(size_t n, size_t size, jobs_fn fn, void *ctx, void *results, unsigned procs,
	     struct dnn_error *e);

#endif
