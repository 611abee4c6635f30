/* Independent jobs (the folds of a cross-validation, the trials of a
 * search) run side by side: in child processes, one per core, or spread
 * over MPI ranks; each job's result comes back to the caller in job order,
 * the same whatever ran it. */
#ifndef DNN_JOBS_H
#define DNN_JOBS_H

#include <signal.h>
#include <stddef.h>

#include "dataset.h"
#include "err.h"
#include "spec.h"

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

/* The cores jobs may use: threads (-j) when not 0, else DNN_THREADS, else
 * the machine's (under mpirun, their share for each rank on this machine). */
unsigned long jobs_cores(unsigned long threads);

/* Whether trainings of spec s on d's inputs (n_out outputs) run faster side
 * by side, one per core on one thread each, than one at a time with the
 * gemm on all cores: below JOBS_SIDE_BY_SIDE multiply-adds per training
 * step (parameters times rows per batch). Measured: see dnn-cv(1), PARALLEL
 * FOLDS. */
#define JOBS_SIDE_BY_SIDE (1u << 26)
int jobs_side_by_side(const struct dnn_spec *s, const struct dnn_dataset *d, size_t n_out);

/* What the caller watches while jobs_run_watched runs. */
struct jobs_watch {
	/* When not NULL: called here (in the caller's process, on every rank
	 * under mpirun), once for each job that ran, in job order, as soon as
	 * the jobs before it are done too: its outcome (0 or -1) and its
	 * result (size bytes; meaningless when rc is -1). */
	void (*done)(size_t i, int rc, const void *result, void *ctx);
	/* When not NULL and it becomes non-zero: the children at work get
	 * SIGINT, and no more jobs start (those never started fail with 130). */
	const volatile sig_atomic_t *interrupt;
};

/* jobs_run, with w watching (NULL: as jobs_run). */
int jobs_run_watched(size_t n, size_t size, jobs_fn fn, void *ctx, void *results, unsigned procs,
		     const struct jobs_watch *w, struct dnn_error *e);

#endif
