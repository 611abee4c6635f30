/* The byte codec: little-endian integers and IEEE-754 floats read and written
 * byte by byte (never by copying structs, so the bytes are the same on every
 * machine), a growing output buffer and a bounds-checked reader over one. */
#ifndef DNN_BYTES_H
#define DNN_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

_Static_assert(sizeof(float) == 4 && sizeof(double) == 8,
	       "float and double must be IEEE-754 binary32 and binary64");

/* The k low bytes of v at d, least significant first (k <= 8). */
static inline void bytes_put_le(unsigned char *d, uint64_t v, int k)
{
	for (int i = 0; i < k; i++)
		d[i] = (unsigned char)(v >> (8 * i));
}

/* The k-byte little-endian number at s (k <= 8). */
static inline uint64_t bytes_get_le(const unsigned char *s, int k)
{
	uint64_t v = 0;

	for (int i = 0; i < k; i++)
		v |= (uint64_t)s[i] << (8 * i);
	return v;
}

static inline void bytes_put_le16(unsigned char *d, uint16_t v)
{
	bytes_put_le(d, v, 2);
}

static inline void bytes_put_le32(unsigned char *d, uint32_t v)
{
	bytes_put_le(d, v, 4);
}

static inline void bytes_put_le64(unsigned char *d, uint64_t v)
{
	bytes_put_le(d, v, 8);
}

static inline uint16_t bytes_get_le16(const unsigned char *s)
{
	return (uint16_t)bytes_get_le(s, 2);
}

static inline uint32_t bytes_get_le32(const unsigned char *s)
{
	return (uint32_t)bytes_get_le(s, 4);
}

static inline uint64_t bytes_get_le64(const unsigned char *s)
{
	return bytes_get_le(s, 8);
}

/* The bits of a float or double, and back. */
static inline uint32_t bytes_f32_bits(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof u);
	return u;
}

static inline float bytes_bits_f32(uint32_t u)
{
	float f;

	memcpy(&f, &u, sizeof f);
	return f;
}

static inline uint64_t bytes_f64_bits(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof u);
	return u;
}

static inline double bytes_bits_f64(uint64_t u)
{
	double d;

	memcpy(&d, &u, sizeof d);
	return d;
}

static inline void bytes_put_f32(unsigned char *d, float f)
{
	bytes_put_le32(d, bytes_f32_bits(f));
}

static inline float bytes_get_f32(const unsigned char *s)
{
	return bytes_bits_f32(bytes_get_le32(s));
}

static inline void bytes_put_f64(unsigned char *d, double v)
{
	bytes_put_le64(d, bytes_f64_bits(v));
}

static inline double bytes_get_f64(const unsigned char *s)
{
	return bytes_bits_f64(bytes_get_le64(s));
}

/* A growing byte buffer. Zero-initialize; after an allocation failure oom is
 * set and every later write is dropped, so a writer checks once at the end.
 * The caller frees p. */
struct dnn_wbuf {
	unsigned char *p;
	size_t n, cap;
	int oom;
};

/* Room for k more bytes at the end: their address, or NULL (oom set). */
unsigned char *wbuf_grow(struct dnn_wbuf *w, size_t k);
void wbuf_bytes(struct dnn_wbuf *w, const void *s, size_t k);
/* v as k little-endian bytes (k <= 8). */
void wbuf_uint(struct dnn_wbuf *w, uint64_t v, int k);
void wbuf_u32(struct dnn_wbuf *w, uint32_t v);
void wbuf_u64(struct dnn_wbuf *w, uint64_t v);
void wbuf_f32(struct dnn_wbuf *w, float f);
void wbuf_f64(struct dnn_wbuf *w, double d);
void wbuf_f32s(struct dnn_wbuf *w, const float *v, size_t n);
void wbuf_f64s(struct dnn_wbuf *w, const double *v, size_t n);
/* A string: its u32 byte length, then the bytes (the caller checked that
 * the length fits). */
void wbuf_str(struct dnn_wbuf *w, const char *s);

/* A bounds-checked reader over n bytes at p. A read past the end returns 0,
 * moves pos to the end and sets overrun, so a reader checks once. */
struct dnn_rbuf {
	const unsigned char *p;
	size_t n, pos;
	int overrun;
};

/* The next k bytes as a little-endian number (k <= 8). */
uint64_t rbuf_uint(struct dnn_rbuf *r, int k);
uint32_t rbuf_u32(struct dnn_rbuf *r);
float rbuf_f32(struct dnn_rbuf *r);
double rbuf_f64(struct dnn_rbuf *r);
void rbuf_f32s(struct dnn_rbuf *r, float *v, size_t n);
void rbuf_f64s(struct dnn_rbuf *r, double *v, size_t n);
/* 1 when count records of at least `each` bytes fit in what is left. */
int rbuf_fits(const struct dnn_rbuf *r, uint64_t count, size_t each);

#endif
