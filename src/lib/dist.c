/* The MPI collectives training needs, and their one-process stand-ins. */
#include "dist.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

/* dist_allgather with one rank: a copy. */
static int gather_local(const void *p, size_t len, unsigned char **all, size_t *all_len,
			size_t **lens)
{
	*all = malloc(len ? len : 1);
	if (!*all)
		return -1;
	memcpy(*all, p, len);
	*all_len = len;
	if (lens) {
		*lens = malloc(sizeof **lens);
		if (!*lens) {
			free(*all);
			return -1;
		}
		(*lens)[0] = len;
	}
	return 0;
}

#ifdef HAVE_MPI
#include <mpi.h>

static int rank, size = 1, started, local_size = 1;
static char library[MPI_MAX_LIBRARY_VERSION_STRING];
static MPI_Op ordered_sum; /* float sum in rank order */
static MPI_Op float_sum;   /* what dist_sum_f32 uses: ordered_sum or MPI_SUM */

/* Largest element count handed to MPI in one call (counts are int). */
#define PIECE ((size_t)1 << 28)

static void ordered_sum_fn(void *in, void *inout, int *len, MPI_Datatype *type)
{
	const float *a = in;
	float *b = inout;

	(void)type;
	/* inout holds the higher ranks' part: in + inout keeps rank order. */
	for (int i = 0; i < *len; i++)
		b[i] = a[i] + b[i];
}

int dist_init(struct dnn_error *e)
{
	int provided;

	/* Without mpirun, a plain process: MPI is not started at all, so a
	 * build with MPI behaves as one without. */
	if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMI_SIZE") && !getenv("PMIX_RANK"))
		return 0;
	if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
		return dnn_error_set(e, DNN_EX_SOFTWARE, NULL, 0, 0, "MPI_Init_thread failed");
	started = 1;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	MPI_Op_create(ordered_sum_fn, 0, &ordered_sum);
	float_sum = ordered_sum;
	{
		MPI_Comm node;

		if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL,
					&node) == MPI_SUCCESS) {
			MPI_Comm_size(node, &local_size);
			MPI_Comm_free(&node);
		}
	}
	if (provided < MPI_THREAD_FUNNELED)
		return dnn_error_set(e, DNN_EX_SOFTWARE, NULL, 0, 0,
				     "the MPI library does not support threads (MPI_THREAD_FUNNELED), "
				     "which dnn's reader and gemm use");
	return 0;
}

void dist_use_native_sum(void)
{
	if (started)
		float_sum = MPI_SUM;
}

void dist_finalize(void)
{
	if (!started)
		return;
	MPI_Op_free(&ordered_sum);
	MPI_Barrier(MPI_COMM_WORLD);
	MPI_Finalize();
	started = 0;
}

int dist_rank(void)
{
	return rank;
}

int dist_size(void)
{
	return size;
}

int dist_active(void)
{
	return size > 1;
}

int dist_local_size(void)
{
	return local_size;
}

const char *dist_library(void)
{
	int len = 0;

	if (!library[0]) {
		MPI_Get_library_version(library, &len);
		library[strcspn(library, ",\n")] = '\0';
	}
	return library;
}

int dist_agree(int failed, struct dnn_error *e)
{
	int in[2], out[2];

	if (size == 1)
		return failed ? -1 : 0;
	/* The lowest failing rank (size when none). */
	in[0] = failed ? rank : size;
	in[1] = rank;
	MPI_Allreduce(in, out, 1, MPI_2INT, MPI_MINLOC, MPI_COMM_WORLD);
	if (out[0] == size)
		return 0;
	{
		struct {
			int code;
			unsigned long line, column;
			char file[sizeof e->file];
			char msg[sizeof e->msg];
		} m;

		memset(&m, 0, sizeof m);
		if (rank == out[0]) {
			m.code = e->code;
			m.line = e->line;
			m.column = e->column;
			memcpy(m.file, e->file, sizeof m.file);
			memcpy(m.msg, e->msg, sizeof m.msg);
		}
		MPI_Bcast(&m, (int)sizeof m, MPI_BYTE, out[0], MPI_COMM_WORLD);
		e->code = m.code;
		e->line = m.line;
		e->column = m.column;
		memcpy(e->file, m.file, sizeof m.file);
		memcpy(e->msg, m.msg, sizeof m.msg);
		e->file[sizeof e->file - 1] = '\0';
		e->msg[sizeof e->msg - 1] = '\0';
	}
	return -1;
}

/* Allreduce n elements of elem bytes at v in place, in pieces whose counts
 * fit an int. */
static void allreduce(void *v, size_t n, size_t elem, MPI_Datatype type, MPI_Op op)
{
	if (size == 1)
		return;
	for (size_t i = 0; i < n; i += PIECE) {
		size_t k = n - i < PIECE ? n - i : PIECE;

		MPI_Allreduce(MPI_IN_PLACE, (char *)v + i * elem, (int)k, type, op, MPI_COMM_WORLD);
	}
}

void dist_sum_f32(float *v, size_t n)
{
	allreduce(v, n, sizeof *v, MPI_FLOAT, float_sum);
}

const char *dist_sum_f32_how(void)
{
	return float_sum == MPI_SUM ? "with MPI_SUM" : "in rank order";
}

void dist_sum_f64(double *v, size_t n)
{
	allreduce(v, n, sizeof *v, MPI_DOUBLE, MPI_SUM);
}

void dist_sum_u64(uint64_t *v, size_t n)
{
	allreduce(v, n, sizeof *v, MPI_UINT64_T, MPI_SUM);
}

uint64_t dist_exscan_u64(uint64_t v)
{
	uint64_t r = 0;

	if (size == 1)
		return 0;
	MPI_Exscan(&v, &r, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
	return rank == 0 ? 0 : r;
}

uint64_t dist_max_u64(uint64_t v)
{
	uint64_t r = v;

	if (size == 1)
		return v;
	MPI_Allreduce(&v, &r, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
	return r;
}

/* Collective: whether failed is non-zero on any rank. */
static int any_failed(int failed)
{
	int any = failed != 0;

	MPI_Allreduce(MPI_IN_PLACE, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
	return any;
}

/* The displacements disp of the ranks' byte counts cnt (MPI's ints) from
 * their lengths n, and their total; -1 when that exceeds INT_MAX (on every
 * rank: all have the same lengths). */
static int gather_layout(const uint64_t *n, int *cnt, int *disp, size_t *total)
{
	uint64_t sum = 0;

	for (int r = 0; r < size; r++) {
		if (n[r] > (uint64_t)INT_MAX - sum)
			return -1;
		cnt[r] = (int)n[r];
		disp[r] = (int)sum;
		sum += n[r];
	}
	*total = (size_t)sum;
	return 0;
}

int dist_allgather(const void *p, size_t len, unsigned char **all, size_t *all_len, size_t **lens)
{
	int *cnt, *disp, rc = -1;
	uint64_t *n, mine = len;
	size_t total = 0;

	if (size == 1)
		return gather_local(p, len, all, all_len, lens);
	*all = NULL;
	cnt = malloc((size_t)size * sizeof *cnt);
	disp = malloc((size_t)size * sizeof *disp);
	n = malloc((size_t)size * sizeof *n);
	if (lens)
		*lens = malloc((size_t)size * sizeof **lens);
	/* Every rank fails or goes on together: the lengths are shared
	 * before the buffers that depend on them are allocated. */
	if (any_failed(!cnt || !disp || !n || (lens && !*lens)))
		goto out;
	MPI_Allgather(&mine, 1, MPI_UINT64_T, n, 1, MPI_UINT64_T, MPI_COMM_WORLD);
	if (gather_layout(n, cnt, disp, &total))
		goto out;
	*all = malloc(total ? total : 1);
	if (any_failed(!*all))
		goto out;
	MPI_Allgatherv(p, (int)len, MPI_BYTE, *all, cnt, disp, MPI_BYTE, MPI_COMM_WORLD);
	*all_len = total;
	for (int r = 0; lens && r < size; r++)
		(*lens)[r] = (size_t)cnt[r];
	rc = 0;
out:
	if (rc) {
		free(*all);
		*all = NULL;
		if (lens) {
			free(*lens);
			*lens = NULL;
		}
	}
	free(cnt);
	free(disp);
	free(n);
	return rc;
}

#else /* one process */

int dist_init(struct dnn_error *e)
{
	(void)e;
	return 0;
}

void dist_use_native_sum(void)
{
}

void dist_finalize(void)
{
}

int dist_rank(void)
{
	return 0;
}

int dist_size(void)
{
	return 1;
}

int dist_active(void)
{
	return 0;
}

int dist_local_size(void)
{
	return 1;
}

const char *dist_library(void)
{
	return "no";
}

int dist_agree(int failed, struct dnn_error *e)
{
	(void)e;
	return failed ? -1 : 0;
}

void dist_sum_f32(float *v, size_t n)
{
	(void)v;
	(void)n;
}

const char *dist_sum_f32_how(void)
{
	return "in rank order";
}

void dist_sum_f64(double *v, size_t n)
{
	(void)v;
	(void)n;
}

void dist_sum_u64(uint64_t *v, size_t n)
{
	(void)v;
	(void)n;
}

uint64_t dist_exscan_u64(uint64_t v)
{
	(void)v;
	return 0;
}

uint64_t dist_max_u64(uint64_t v)
{
	return v;
}

int dist_allgather(const void *p, size_t len, unsigned char **all, size_t *all_len, size_t **lens)
{
	return gather_local(p, len, all, all_len, lens);
}

#endif
