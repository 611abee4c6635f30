/* csvload: load a CSV dataset the way dnn train does and report the time,
 * the throughput, the matrix size and the peak resident memory. Used by
 * scripts/bench-data.
 *
 * usage: csvload [--repeat N] [--target NAME] [--no-header] FILE */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "data.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	struct dnn_column_ref target = {NULL, 0};
	struct dnn_data_opts o;
	struct dnn_error e;
	struct rusage ru;
	struct stat st;
	const char *path = NULL;
	long repeat = 1;
	double best = 0.0;

	memset(&o, 0, sizeof o);
	o.csv.delimiter = ',';
	o.csv.header = 1;
	o.task = DNN_TASK_CLASSIFICATION;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc) {
			repeat = strtol(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "--target") == 0 && i + 1 < argc) {
			target.name = argv[++i];
			o.targets = &target;
			o.n_targets = 1;
		} else if (strcmp(argv[i], "--no-header") == 0) {
			o.csv.header = 0;
		} else if (!path) {
			path = argv[i];
		} else {
			fprintf(stderr, "usage: csvload [--repeat N] [--target NAME] "
					"[--no-header] FILE\n");
			return 64;
		}
	}
	if (!path || repeat < 1) {
		fprintf(stderr, "usage: csvload [--repeat N] [--target NAME] [--no-header] FILE\n");
		return 64;
	}
	for (long r = 0; r < repeat; r++) {
		struct dnn_dataset d;
		double t0 = now(), t;

		if (data_load(&d, path, &o, &e)) {
			dnn_error_print(&e, stderr);
			return e.code;
		}
		t = now() - t0;
		if (r == 0 || t < best)
			best = t;
		if (r == repeat - 1)
			printf("rows %zu inputs %zu matrix_mb %.1f ", d.n_rows, d.n_in,
			       (double)d.n_rows * (double)d.n_in * 4.0 / 1e6);
		data_free(&d);
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("seconds %.3f", best);
	if (strcmp(path, "-") != 0 && stat(path, &st) == 0)
		printf(" mb_per_s %.0f", (double)st.st_size / 1e6 / best);
	printf(" peak_rss_mb %.1f\n", (double)ru.ru_maxrss / 1024.0);
	return 0;
}
