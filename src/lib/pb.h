/* A protocol buffers encoder over a growing byte buffer (bytes.h): varints,
 * fixed 32-bit floats, length-delimited bytes and strings, packed varints,
 * and nested messages whose length is written when they close. Enough to
 * write a fixed message such as an ONNX model; no decoder, no schema. */
#ifndef DNN_PB_H
#define DNN_PB_H

#include <stddef.h>
#include <stdint.h>

#include "bytes.h"

/* The wire types of a field's key. */
enum dnn_pb_wire { PB_VARINT = 0, PB_FIXED64 = 1, PB_LEN = 2, PB_FIXED32 = 5 };

/* v as a base-128 varint, least significant group first. */
void pb_varint(struct dnn_wbuf *w, uint64_t v);

/* Field number field with wire type wire: the varint (field << 3) | wire. */
void pb_key(struct dnn_wbuf *w, uint32_t field, enum dnn_pb_wire wire);

/* An int64, int32, uint64 or enum field (a negative v as its 64-bit two's
 * complement, as protobuf writes int64 and int32). */
void pb_int(struct dnn_wbuf *w, uint32_t field, int64_t v);

/* A float field: 4 little-endian bytes. */
void pb_float(struct dnn_wbuf *w, uint32_t field, float v);

/* A bytes field of n bytes at s, and a string field of the NUL-terminated s. */
void pb_bytes(struct dnn_wbuf *w, uint32_t field, const void *s, size_t n);
void pb_string(struct dnn_wbuf *w, uint32_t field, const char *s);

/* Open a length-delimited field (a nested message, or bytes written by the
 * caller): its key now, its length when pb_close(w, at) is given the
 * returned mark, after the field's contents. Opens nest. */
size_t pb_open(struct dnn_wbuf *w, uint32_t field);
void pb_close(struct dnn_wbuf *w, size_t at);

#endif
