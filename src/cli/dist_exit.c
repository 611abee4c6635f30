/* dist_abort: the one way out of an MPI run that cannot agree on a failure. */
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "dist.h"

#ifdef HAVE_MPI
#include <mpi.h>

_Noreturn void dist_abort(const struct dnn_error *e)
{
	char buf[2048];
	int started = 0, finished = 0;

	dnn_error_format(e, buf, sizeof buf);
	fprintf(stderr, "dnn: rank %d of %d: %s\n", dist_rank(), dist_size(), buf);
	fflush(stderr);
	MPI_Initialized(&started);
	MPI_Finalized(&finished);
	if (started && !finished)
		MPI_Abort(MPI_COMM_WORLD, e->code ? e->code : 1);
	exit(e->code ? e->code : 1);
}

#else /* one process */

_Noreturn void dist_abort(const struct dnn_error *e)
{
	dnn_error_print(e, stderr);
	exit(e->code ? e->code : 1);
}

#endif
