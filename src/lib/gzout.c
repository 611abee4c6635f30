/* gzip output through zlib's deflate (gzout.h). */
#include "gzout.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <zlib.h>

struct dnn_gzout {
	z_stream z;
	FILE *f;
	unsigned char buf[65536];
};

struct dnn_gzout *gzout_new(FILE *f)
{
	struct dnn_gzout *g = calloc(1, sizeof *g);

	if (!g)
		return NULL;
	g->f = f;
	/* 15 + 16: a gzip wrapper, whose default header has no name and a
	 * time of 0. */
	if (deflateInit2(&g->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		free(g);
		return NULL;
	}
	return g;
}

/* Deflate what z holds with flush, writing the output to f as it comes. */
static int pump(struct dnn_gzout *g, int flush)
{
	int r;

	do {
		size_t have;

		g->z.next_out = g->buf;
		g->z.avail_out = sizeof g->buf;
		r = deflate(&g->z, flush);
		if (r == Z_STREAM_ERROR) {
			errno = EIO;
			return -1;
		}
		have = sizeof g->buf - g->z.avail_out;
		if (have && fwrite(g->buf, 1, have, g->f) != have)
			return -1;
	} while (g->z.avail_out == 0 || (flush == Z_FINISH && r != Z_STREAM_END));
	return 0;
}

int gzout_write(struct dnn_gzout *g, const void *p, size_t n)
{
	const unsigned char *s = p;

	while (n > 0) {
		uInt k = n > 1u << 30 ? 1u << 30 : (uInt)n;

		g->z.next_in = (Bytef *)(uintptr_t)s;
		g->z.avail_in = k;
		if (pump(g, Z_NO_FLUSH))
			return -1;
		s += k;
		n -= k;
	}
	return 0;
}

int gzout_finish(struct dnn_gzout *g)
{
	g->z.next_in = NULL;
	g->z.avail_in = 0;
	return pump(g, Z_FINISH);
}

void gzout_free(struct dnn_gzout *g)
{
	if (!g)
		return;
	deflateEnd(&g->z);
	free(g);
}
