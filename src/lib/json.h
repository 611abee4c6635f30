/* Strict JSON: the text checked against RFC 8259 before cJSON, which lets
 * through what the RFC forbids, and against what dnn-spec(5) adds (no NUL,
 * a nesting limit, numbers that a double holds). */
#ifndef DNN_JSON_H
#define DNN_JSON_H

#include <stddef.h>

#include "err.h"

#define JSON_MAX_DEPTH 256 /* arrays and objects inside one another */

enum json_flags {
	JSON_LAX_UTF8 = 1 /* strings may hold bytes that are not UTF-8 */
};

/* Check len bytes of text (not NUL-terminated): one JSON value with blanks
 * around it. 0 when it is, with *start the offset of the value's first byte
 * or blank (after a UTF-8 byte order mark, which is skipped). Else -1 and e:
 * code 65, file name, the line and column (in bytes, from 1) of the first
 * fault, and a message that begins with the path of the key it is under
 * ("layers[0].units: ..."). */
int json_check(const char *text, size_t len, unsigned flags, const char *name, size_t *start,
	       struct dnn_error *e);

/* Line and column (1-based, in bytes) of byte offset off in text. */
void json_position(const char *text, size_t off, unsigned long *line, unsigned long *column);

#endif
