/* The environment variables dnn reads: one parser, one warning for a value
 * it ignores. */
#include "env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dist.h"
#include "mat.h"
#include "pool.h"
#include "util.h"

/* Warn once per variable (rank 0 alone under mpirun) that NAME='VALUE' is
 * ignored, and why. Returns ENV_IGNORED. */
static int ignored(const char *name, const char *value, const char *why)
{
	static const char *warned[8];
	size_t i;

	for (i = 0; i < sizeof warned / sizeof warned[0] && warned[i]; i++)
		if (strcmp(warned[i], name) == 0)
			return ENV_IGNORED;
	if (i < sizeof warned / sizeof warned[0])
		warned[i] = name;
	if (dist_rank() == 0) {
		fputs("dnn: warning: ignoring ", stderr);
		fputs(name, stderr);
		fputs("='", stderr);
		/* One line, whatever the value holds. */
		for (const char *p = value; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				fprintf(stderr, "\\x%02x", (unsigned char)*p);
			else
				fputc(*p, stderr);
		fprintf(stderr, "' (%s)\n", why);
	}
	return ENV_IGNORED;
}

int env_get_uint(const char *name, uint64_t min, uint64_t max, uint64_t *value)
{
	const char *s = getenv(name);
	char why[96];
	uint64_t v = 0;

	if (!s || !*s)
		return ENV_UNSET;
	if (util_parse_u64(s, &v) == 0 && v >= min && v <= max) {
		*value = v;
		return ENV_OK;
	}
	snprintf(why, sizeof why, "not a whole number from %llu to %llu", (unsigned long long)min,
		 (unsigned long long)max);
	return ignored(name, s, why);
}

int env_get_choice(const char *name, const char *const *choices, size_t n, size_t *index)
{
	const char *s = getenv(name);
	char why[96];
	size_t len = 0;

	if (!s || !*s)
		return ENV_UNSET;
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, choices[i]) == 0) {
			*index = i;
			return ENV_OK;
		}
	len = (size_t)snprintf(why, sizeof why, "not ");
	for (size_t i = 0; i < n && len < sizeof why; i++)
		len += (size_t)snprintf(why + len, sizeof why - len, "%s%s", choices[i],
					i + 2 < n ? ", " : i + 1 < n ? " or " : "");
	return ignored(name, s, why);
}

unsigned long env_threads(void)
{
	uint64_t v = 0;

	return env_get_uint("DNN_THREADS", 1, POOL_MAX_THREADS, &v) == ENV_OK ? (unsigned long)v
									      : 0;
}

int env_set_threads(unsigned long n, struct dnn_error *e)
{
	return mat_set_threads(n ? n : env_threads(), e);
}

void env_set_gemm(void)
{
	static const char *const names[] = {"auto",	     "builtin",	    "blas",
					    "bf16-emulated", "bf16-avx512", "bf16-amx"};
	static const int kernels[] = {MAT_KERNEL_AUTO, MAT_KERNEL_BUILTIN, MAT_KERNEL_BLAS};
	static const int bf16[] = {MAT_BF16_EMULATED, MAT_BF16_AVX512, MAT_BF16_AMX};
	size_t k;

	if (env_get_choice("DNN_GEMM", names, 6, &k) != ENV_OK)
		k = 0;
	if (k >= 3) {
		/* The bf16 products' kernel; the fp32 ones as for auto. */
		mat_set_kernel(MAT_KERNEL_AUTO);
		if (mat_set_bf16_kernel(bf16[k - 3]) != 0)
			ignored("DNN_GEMM", names[k],
				k == 5 ? "this CPU lacks AMX-BF16, or Linux refused its tile state"
				       : "this CPU lacks AVX512-BF16");
		return;
	}
	if (mat_set_kernel(kernels[k]) != 0) {
		ignored("DNN_GEMM", names[k],
			"this dnn was built without a BLAS; configure --with-blas");
		mat_set_kernel(MAT_KERNEL_AUTO);
	}
}

int env_mpi_native_sum(void)
{
	static const char *const names[] = {"ordered", "native"};
	size_t k;

	return env_get_choice("DNN_MPI_SUM", names, 2, &k) == ENV_OK && k == 1;
}

uint64_t env_write_time(void)
{
	uint64_t v = 0;

	if (env_get_uint("SOURCE_DATE_EPOCH", 0, ENV_MAX_EPOCH, &v) == ENV_OK)
		return v;
	return (uint64_t)time(NULL);
}
