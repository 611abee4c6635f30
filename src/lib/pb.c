/* The protocol buffers encoder: keys, varints and length-delimited fields. */
#include "pb.h"

#include <string.h>

/* The bytes of v as a varint (1 to 10). */
static size_t varint_len(uint64_t v)
{
	size_t k = 1;

	while (v >= 0x80) {
		v >>= 7;
		k++;
	}
	return k;
}

/* v as a varint at d, which has varint_len(v) bytes. */
static void varint_put(unsigned char *d, uint64_t v)
{
	while (v >= 0x80) {
		*d++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*d = (unsigned char)v;
}

void pb_varint(struct dnn_wbuf *w, uint64_t v)
{
	unsigned char *d = wbuf_grow(w, varint_len(v));

	if (d)
		varint_put(d, v);
}

void pb_key(struct dnn_wbuf *w, uint32_t field, enum dnn_pb_wire wire)
{
	pb_varint(w, (uint64_t)field << 3 | (uint64_t)wire);
}

void pb_int(struct dnn_wbuf *w, uint32_t field, int64_t v)
{
	pb_key(w, field, PB_VARINT);
	pb_varint(w, (uint64_t)v);
}

void pb_float(struct dnn_wbuf *w, uint32_t field, float v)
{
	pb_key(w, field, PB_FIXED32);
	wbuf_f32(w, v);
}

void pb_bytes(struct dnn_wbuf *w, uint32_t field, const void *s, size_t n)
{
	pb_key(w, field, PB_LEN);
	pb_varint(w, n);
	wbuf_bytes(w, s, n);
}

void pb_string(struct dnn_wbuf *w, uint32_t field, const char *s)
{
	pb_bytes(w, field, s, strlen(s));
}

size_t pb_open(struct dnn_wbuf *w, uint32_t field)
{
	pb_key(w, field, PB_LEN);
	return w->n;
}

/* The contents written since the mark move up to make room for their
 * length's varint before them. */
void pb_close(struct dnn_wbuf *w, size_t at)
{
	if (w->oom || at > w->n)
		return;
	size_t len = w->n - at, k = varint_len(len);

	if (!wbuf_grow(w, k))
		return;
	memmove(w->p + at + k, w->p + at, len);
	varint_put(w->p + at, len);
}
