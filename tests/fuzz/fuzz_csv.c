/* libFuzzer harness for the CSV reader, plain and gzip: the first byte picks
 * the options, the rest is the file. With bit 0 set the harness gzips the
 * rest first, so the fuzzer explores CSV through the gzip path; raw input
 * that starts with the gzip magic explores damaged gzip streams. The file
 * is a memfd, opened by path as dnn opens its input. Bits 7 and 6 pick
 * the reader: data_load (bit 7 clear), the bare CSV reader (10), predict's
 * row reader (11). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "data.h"
#include "fuzz_gzip.h"

/* The rows of a model with inputs a and b and target c, as predict reads
 * them (by header name, or by position). */
static void read_model_rows(const char *path, const struct dnn_csv_opts *o)
{
	static char *const names[3] = {"a", "b", "c"};
	static const unsigned char roles[3] = {DNN_COL_INPUT, DNN_COL_INPUT, DNN_COL_TARGET};
	struct dnn_error e;
	struct dnn_reader *r;
	float x[16 * 2];
	size_t n;

	dnn_error_clear(&e);
	r = reader_open(path, o, names, roles, 3, &e);
	if (!r) {
		if (e.code == 0 || e.msg[0] == '\0')
			abort();
		return;
	}
	while (reader_next(r, x, 16, &n, &e) == 0 && n > 0)
		;
	reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t r = write(fd, p, n);

		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Every row and field through the bare reader. */
static void read_rows(const char *path, const struct dnn_csv_opts *o)
{
	struct dnn_error e;
	struct dnn_csv *c;
	int r;

	dnn_error_clear(&e);
	c = csv_open(path, o, &e);
	if (!c)
		abort(); /* the memfd is there */
	while ((r = csv_next(c, &e)) == 1) {
		size_t sum = 0;

		for (size_t i = 0; i < csv_nfields(c); i++)
			sum += strlen(csv_field(c, i)) + csv_column(c, i);
		if (sum == 0 && csv_line(c) == 0)
			abort();
	}
	if (r < 0 && (e.code == 0 || e.msg[0] == '\0'))
		abort();
	csv_close(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char delims[4] = {',', ';', '\t', ' '};
	struct dnn_column_ref cat = {NULL, 0};
	struct dnn_data_opts o;
	struct dnn_dataset d;
	struct dnn_error e;
	unsigned char *z = NULL;
	const unsigned char *body;
	size_t n;
	char path[64];
	int fd, flags;

	if (size < 1)
		return 0;
	flags = data[0];
	body = data + 1;
	n = size - 1;
	if (flags & 1) {
		z = fuzz_gzip(body, n, &n);
		body = z;
	}
	fd = memfd_create("fuzz.csv", MFD_CLOEXEC);
	if (fd < 0 || write_all(fd, body, n) != 0)
		abort();
	free(z);
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);

	memset(&o, 0, sizeof o);
	o.csv.delimiter = delims[(flags >> 1) & 3];
	o.csv.header = !(flags & 8);
	o.csv.missing_ok = !!(flags & 16);
	o.task = flags & 32 ? DNN_TASK_REGRESSION : DNN_TASK_CLASSIFICATION;
	if (flags & 64) {
		o.categorical = &cat;
		o.n_categorical = 1;
	}
	if ((flags & 192) == 192) {
		read_model_rows(path, &o.csv);
	} else if (flags & 128) {
		read_rows(path, &o.csv);
	} else {
		memset(&d, 0, sizeof d);
		dnn_error_clear(&e);
		if (data_load(&d, path, &o, &e) != 0) {
			if (e.code == 0 || e.msg[0] == '\0')
				abort();
		} else if (d.n_rows == 0) {
			abort(); /* documented: no rows is an error */
		}
		data_free(&d);
	}
	close(fd);
	return 0;
}
