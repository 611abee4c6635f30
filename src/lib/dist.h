/* Data-parallel training over MPI: the ranks of a run, and the few
 * collective operations training needs. Built without MPI (the default),
 * or when started without mpirun, there is one rank and every operation is
 * the identity, so callers need no #ifdef.
 *
 * Every function that communicates is collective: all ranks call it in the
 * same order. Local failures are turned into a common outcome by
 * dist_agree before the next collective, so that no rank waits for one
 * that has given up. */
#ifndef DNN_DIST_H
#define DNN_DIST_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Start MPI when the program was built with it and started by mpirun
 * (MPI_Init_thread, funneled: only the main thread communicates; the gemm's
 * and the reader's threads never do). Call once at the start of main; MPI
 * gets no arguments (the MPI-2 way: mpirun passes what it needs in the
 * environment). Returns 0, or -1 with e set (then call dist_finalize after
 * reporting it). */
int dist_init(struct dnn_error *e);
/* After dist_init: dist_sum_f32 uses the library's MPI_SUM instead of the
 * sum in rank order (the program's DNN_MPI_SUM=native). */
void dist_use_native_sum(void);
/* Leave MPI (collective: no rank leaves before all have come here). */
void dist_finalize(void);

int dist_rank(void);
int dist_size(void);
/* Whether there is more than one rank. */
int dist_active(void);
/* The ranks on this machine (this one included). */
int dist_local_size(void);
/* "Open MPI v4.1.4" (the library's own words, first line) or "no". */
const char *dist_library(void);

/* Collective: failed is this rank's outcome (non-zero: e holds its error).
 * Returns -1 when any rank failed, with e set on every rank to the error of
 * the lowest failing rank, and 0 when none did. */
int dist_agree(int failed, struct dnn_error *e);

/* Collective sums in place, the same bits on every rank. Floats are summed
 * in rank order (a non-commutative reduction), so that a run is
 * reproducible for a given number of ranks, or with the library's own
 * MPI_SUM after dist_use_native_sum (faster; as
 * reproducible as the library's algorithm); doubles and counts with the
 * library's own sum. */
void dist_sum_f32(float *v, size_t n);
void dist_sum_f64(double *v, size_t n);
/* How dist_sum_f32 sums: "in rank order" or "with MPI_SUM". */
const char *dist_sum_f32_how(void);
void dist_sum_u64(uint64_t *v, size_t n);
/* Collective: the sum of v over the ranks below this one (0 on rank 0). */
uint64_t dist_exscan_u64(uint64_t v);
/* Collective: the largest v over the ranks. */
uint64_t dist_max_u64(uint64_t v);

/* Collective: every rank's len bytes at p, concatenated in rank order, in a
 * malloc'd buffer (*all, *all_len); *lens (malloc'd, dist_size() entries,
 * may be NULL) gets each rank's length. -1 when out of memory on any rank
 * or the ranks' bytes together exceed INT_MAX, on every rank alike (the
 * lengths are shared first), with nothing allocated. */
int dist_allgather(const void *p, size_t len, unsigned char **all, size_t *all_len, size_t **lens);

#endif
