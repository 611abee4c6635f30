/* Shared by the fuzz harnesses: gzip bytes in memory with zlib, to feed the
 * readers' gzip path. */
#ifndef DNN_FUZZ_GZIP_H
#define DNN_FUZZ_GZIP_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* gzip p[0..n) into a malloc'd buffer of *out_n bytes (aborts on failure). */
static unsigned char *fuzz_gzip(const unsigned char *p, size_t n, size_t *out_n)
{
	z_stream zs;
	size_t cap = n + n / 100 + 64;
	unsigned char *out = malloc(cap);

	memset(&zs, 0, sizeof zs);
	if (!out || deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	zs.next_in = (unsigned char *)(uintptr_t)p;
	zs.avail_in = (uInt)n;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
		abort();
	*out_n = cap - zs.avail_out;
	deflateEnd(&zs);
	return out;
}

#endif
