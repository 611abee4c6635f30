/* The environment variables dnn reads (dnn(1), ENVIRONMENT), parsed in one
 * place: a value dnn cannot use is ignored, as if the variable were unset,
 * with one warning on standard error ("dnn: warning: ignoring NAME='VALUE'
 * (...)"), so that a bad environment never fails a command. */
#ifndef DNN_ENV_H
#define DNN_ENV_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum env_status {
	ENV_UNSET = 0,	/* unset or empty */
	ENV_OK = 1,	/* set, and *value holds it */
	ENV_IGNORED = 2 /* set to what cannot be used: warned about, ignored */
};

/* NAME as a whole number in [min, max] (decimal digits, no sign). */
int env_get_uint(const char *name, uint64_t min, uint64_t max, uint64_t *value);
/* NAME as one of the n words of choices: *index is its position. */
int env_get_choice(const char *name, const char *const *choices, size_t n, size_t *index);

/* The largest SOURCE_DATE_EPOCH taken: 9999-12-31T23:59:59Z. */
#define ENV_MAX_EPOCH UINT64_C(253402300799)

/* DNN_THREADS (1 to POOL_MAX_THREADS), or 0 when unset or ignored. */
unsigned long env_threads(void);
/* The gemm on n threads: n, else DNN_THREADS, else the machine's CPUs
 * (mat_set_threads). */
int env_set_threads(unsigned long n, struct dnn_error *e);
/* The gemm DNN_GEMM asks for (auto, builtin, blas): set with mat_set_kernel;
 * blas in a build without one is ignored with a warning. bf16-emulated and
 * bf16-avx512 force the kernel of the bf16 products (mat_set_bf16_kernel;
 * the fp32 ones as auto), the second ignored with a warning on a CPU
 * without AVX512-BF16. */
void env_set_gemm(void);
/* DNN_MPI_SUM (ordered, native): 1 for native, else 0. */
int env_mpi_native_sum(void);
/* When a checkpoint is written: SOURCE_DATE_EPOCH (0 to ENV_MAX_EPOCH)
 * when set, else the current time. */
uint64_t env_write_time(void);

#endif
