/* libFuzzer harness for the input path's format detection and gzip
 * reader (input.c): the first byte picks how the file is made and read,
 * the second a split point, the rest is the file. Bits 0-1 of the first
 * byte: the rest raw (0), gzipped (1), gzipped as two members split at the
 * split point (2), or gzipped up to the split point with the rest raw after
 * it (3). Bit 2: read from a pipe fed a byte at a time at first (short
 * reads while the format is decided) instead of a memfd. Bit 3: through the
 * CSV reader instead of input_next. Read raw, the bytes must be those of
 * the file (plain), what an independent multi-member gunzip gives (gzip;
 * an error exactly when it fails), or an INPUT_ERR_FORMAT with no bytes. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "csv.h"
#include "input.h"
#include "fuzz_gzip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REF_MAX (16u << 20) /* decoded bytes the reference keeps */

struct buf {
	unsigned char *p;
	size_t n, cap;
};

static void buf_add(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap < b->n + n)
			cap *= 2;
		if (!(b->p = realloc(b->p, cap)))
			abort();
		b->cap = cap;
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

/* Append the gzip of p[0..n) to b. */
static void gzip_to(struct buf *b, const unsigned char *p, size_t n)
{
	size_t m;
	unsigned char *out = fuzz_gzip(p, n, &m);

	buf_add(b, out, m);
	free(out);
}

/* gunzip p[0..n) whole, member after member, nothing else after them: 0
 * with the bytes in out, -1 when the stream is bad, 1 when it decodes to
 * more than REF_MAX (no verdict). */
static int ref_gunzip(const unsigned char *p, size_t n, struct buf *out)
{
	unsigned char tmp[16384];
	z_stream zs;
	int rc = -1;

	memset(&zs, 0, sizeof zs);
	if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
		abort();
	zs.next_in = (unsigned char *)(uintptr_t)p;
	zs.avail_in = (uInt)n;
	for (;;) {
		int r;

		zs.next_out = tmp;
		zs.avail_out = sizeof tmp;
		r = inflate(&zs, Z_NO_FLUSH);
		buf_add(out, tmp, sizeof tmp - zs.avail_out);
		if (out->n > REF_MAX) {
			rc = 1;
			break;
		}
		if (r == Z_STREAM_END) {
			if (zs.avail_in == 0) {
				rc = 0;
				break;
			}
			if (zs.next_in[0] != 0x1f || inflateReset(&zs) != Z_OK)
				break;
		} else if (r == Z_BUF_ERROR && zs.avail_out > 0) {
			break; /* cut short */
		} else if (r != Z_OK && r != Z_BUF_ERROR) {
			break;
		}
	}
	inflateEnd(&zs);
	return rc;
}

struct feed {
	int fd;
	const unsigned char *p;
	size_t n;
};

/* Write the file into the pipe: its first 16 bytes one at a time. */
static void *feed_pipe(void *arg)
{
	struct feed *f = arg;
	size_t done = 0;

	while (done < f->n) {
		size_t k = done < 16 ? 1 : f->n - done;
		ssize_t r = write(f->fd, f->p + done, k);

		if (r <= 0)
			break; /* the reader stopped early */
		done += (size_t)r;
	}
	close(f->fd);
	return NULL;
}

/* Read fd raw and check what comes out against the file p[0..n). */
static void read_raw(int fd, const unsigned char *p, size_t n)
{
	struct dnn_input *in = input_open(fd);
	struct buf got = {0}, want = {0};
	const unsigned char *chunk;
	size_t len;
	int r, err = 0, errnum = 0, ref;

	if (!in)
		abort();
	while ((r = input_next(in, &chunk, &len, &err, &errnum)) > 0 && got.n <= REF_MAX)
		buf_add(&got, chunk, len);
	if (r < 0 && (err < INPUT_ERR_IO || err > INPUT_ERR_FORMAT || err == INPUT_ERR_IO))
		abort();
	if (r < 0 && err == INPUT_ERR_FORMAT) {
		if (got.n || input_is_gzip(in) || strcmp(input_format(in), "unknown") == 0)
			abort();
	} else if (!input_is_gzip(in)) {
		if (r != 0 || got.n != n || (n && memcmp(got.p, p, n) != 0))
			abort(); /* plain text comes out as it is */
	} else if (got.n <= REF_MAX && (ref = ref_gunzip(p, n, &want)) != 1) {
		if ((ref == 0) != (r == 0))
			abort(); /* an error exactly when the stream is bad */
		if (ref == 0 && (got.n != want.n || (want.n && memcmp(got.p, want.p, want.n))))
			abort();
	}
	input_close(in);
	free(got.p);
	free(want.p);
}

/* Every row through the CSV reader; an error must say something. */
static void read_csv(int fd)
{
	char path[64];
	struct dnn_error e;
	struct dnn_csv *c;
	int r;

	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	dnn_error_clear(&e);
	c = csv_open(path, NULL, &e);
	if (!c)
		abort();
	while ((r = csv_next(c, &e)) == 1)
		;
	if (r < 0 && (e.code == 0 || e.msg[0] == '\0'))
		abort();
	csv_close(c);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf file = {0};
	struct feed f;
	pthread_t writer;
	size_t n, cut;
	int flags, fd, pfd[2];

	if (size < 2)
		return 0;
	signal(SIGPIPE, SIG_IGN);
	flags = data[0];
	n = size - 2;
	cut = n * data[1] / 256;
	data += 2;
	switch (flags & 3) {
	case 0:
		buf_add(&file, data, n);
		break;
	case 1:
		gzip_to(&file, data, n);
		break;
	case 2:
		gzip_to(&file, data, cut);
		gzip_to(&file, data + cut, n - cut);
		break;
	default:
		gzip_to(&file, data, cut);
		buf_add(&file, data + cut, n - cut);
		break;
	}
	if (flags & 4) {
		if (pipe(pfd) != 0)
			abort();
		f.fd = pfd[1];
		f.p = file.p;
		f.n = file.n;
		if (pthread_create(&writer, NULL, feed_pipe, &f) != 0)
			abort();
		fd = pfd[0];
	} else {
		fd = memfd_create("fuzz.input", MFD_CLOEXEC);
		if (fd < 0 || (file.n && write(fd, file.p, file.n) != (ssize_t)file.n) ||
		    lseek(fd, 0, SEEK_SET) != 0)
			abort();
	}
	if (flags & 8)
		read_csv(fd);
	else
		read_raw(fd, file.p, file.n);
	if (flags & 4)
		pthread_join(writer, NULL);
	free(file.p);
	return 0;
}
