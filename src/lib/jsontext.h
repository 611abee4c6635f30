/* Whether bytes are one JSON text of RFC 8259, checked without building it:
 * for JSON that dnn copies from a file into its own JSON output. */
#ifndef DNN_JSONTEXT_H
#define DNN_JSONTEXT_H

#include <stddef.h>

/* Objects and arrays nested deeper than this are refused (cJSON's limit). */
#define JSONTEXT_MAX_DEPTH 1000

/* Whether the n bytes at s are exactly one JSON value between optional
 * blanks, by the grammar of RFC 8259 (no leading zeros, no trailing commas,
 * no control characters in strings), nested at most JSONTEXT_MAX_DEPTH
 * deep. 0 if so; otherwise -1 with *off the offset of the first byte that
 * does not fit (n when the text ends too soon). The bytes are not checked
 * for UTF-8 (util_utf8_valid). */
int jsontext_check(const char *s, size_t n, size_t *off);

#endif
