/* The byte codec's growing buffer and bounds-checked reader (bytes.h). */
#include "bytes.h"

#include <stdlib.h>

unsigned char *wbuf_grow(struct dnn_wbuf *w, size_t k)
{
	unsigned char *d;

	if (w->oom)
		return NULL;
	if (k > SIZE_MAX - w->n) {
		w->oom = 1;
		return NULL;
	}
	if (w->n + k > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		unsigned char *p;

		while (cap < w->n + k)
			cap = cap > SIZE_MAX / 2 ? w->n + k : 2 * cap;
		p = realloc(w->p, cap);
		if (!p) {
			w->oom = 1;
			return NULL;
		}
		w->p = p;
		w->cap = cap;
	}
	d = w->p + w->n;
	w->n += k;
	return d;
}

void wbuf_bytes(struct dnn_wbuf *w, const void *s, size_t k)
{
	unsigned char *d = wbuf_grow(w, k);

	if (d && k)
		memcpy(d, s, k);
}

void wbuf_uint(struct dnn_wbuf *w, uint64_t v, int k)
{
	unsigned char *d = wbuf_grow(w, (size_t)k);

	if (d)
		bytes_put_le(d, v, k);
}

void wbuf_u32(struct dnn_wbuf *w, uint32_t v)
{
	wbuf_uint(w, v, 4);
}

void wbuf_u64(struct dnn_wbuf *w, uint64_t v)
{
	wbuf_uint(w, v, 8);
}

void wbuf_f32(struct dnn_wbuf *w, float f)
{
	wbuf_uint(w, bytes_f32_bits(f), 4);
}

void wbuf_f64(struct dnn_wbuf *w, double d)
{
	wbuf_uint(w, bytes_f64_bits(d), 8);
}

void wbuf_f32s(struct dnn_wbuf *w, const float *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		wbuf_f32(w, v[i]);
}

void wbuf_f64s(struct dnn_wbuf *w, const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		wbuf_f64(w, v[i]);
}

void wbuf_str(struct dnn_wbuf *w, const char *s)
{
	size_t len = strlen(s);

	wbuf_u32(w, (uint32_t)len);
	wbuf_bytes(w, s, len);
}

uint64_t rbuf_uint(struct dnn_rbuf *r, int k)
{
	uint64_t v;

	if (r->n - r->pos < (size_t)k) {
		r->overrun = 1;
		r->pos = r->n;
		return 0;
	}
	v = bytes_get_le(r->p + r->pos, k);
	r->pos += (size_t)k;
	return v;
}

uint32_t rbuf_u32(struct dnn_rbuf *r)
{
	return (uint32_t)rbuf_uint(r, 4);
}

float rbuf_f32(struct dnn_rbuf *r)
{
	return bytes_bits_f32((uint32_t)rbuf_uint(r, 4));
}

double rbuf_f64(struct dnn_rbuf *r)
{
	return bytes_bits_f64(rbuf_uint(r, 8));
}

void rbuf_f32s(struct dnn_rbuf *r, float *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		v[i] = rbuf_f32(r);
}

void rbuf_f64s(struct dnn_rbuf *r, double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		v[i] = rbuf_f64(r);
}

int rbuf_fits(const struct dnn_rbuf *r, uint64_t count, size_t each)
{
	return count <= (uint64_t)((r->n - r->pos) / each);
}
