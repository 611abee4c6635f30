/* Errors (err.h): filling a struct dnn_error and formatting it as one line,
 * with the one escaping rule for what user input brings into a message. */
#include "err.h"

#include <stdarg.h>
#include <string.h>

#include "util.h"

void dnn_error_clear(struct dnn_error *e)
{
	if (!e)
		return;
	e->code = 0;
	e->line = 0;
	e->column = 0;
	e->file[0] = '\0';
	e->msg[0] = '\0';
}

int dnn_error_set(struct dnn_error *e, int code, const char *file, unsigned long line,
		  unsigned long column, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return -1;
	e->code = code;
	e->line = line;
	e->column = column;
	snprintf(e->file, sizeof e->file, "%s", file ? file : "");
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

int dnn_error_oom(struct dnn_error *e)
{
	return dnn_error_set(e, DNN_EX_SOFTWARE, NULL, 0, 0, "out of memory");
}

/* src as it may reach a terminal: \n, \r and \t as such, other control
 * bytes (C0, DEL and C1) and bytes that are not UTF-8 as \xNN, whole
 * characters only when buf is full. */
static void escape(char *buf, size_t size, const char *src)
{
	size_t n = 0, len = strlen(src);

	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)src[i];
		size_t k = util_utf8_len(src + i, len - i);
		char esc[16];
		size_t m;

		if (c == '\n' || c == '\r' || c == '\t') {
			esc[0] = '\\';
			esc[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
			m = 2;
			k = 1;
		} else if (k == 0 || c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof esc, "\\x%02x", c);
			m = 4;
			k = 1;
		} else if (c == 0xc2 && (unsigned char)src[i + 1] < 0xa0) {
			snprintf(esc, sizeof esc, "\\xc2\\x%02x", (unsigned char)src[i + 1]);
			m = 8;
		} else {
			memcpy(esc, src + i, k);
			m = k;
		}
		if (n + m >= size)
			break;
		memcpy(buf + n, esc, m);
		n += m;
		i += k;
	}
	buf[n] = '\0';
}

void dnn_error_format(const struct dnn_error *e, char *buf, size_t size)
{
	char raw[sizeof e->file + sizeof e->msg + 64];
	size_t n = 0;
	int k;

	if (size == 0)
		return;
	raw[0] = '\0';
	if (e->file[0]) {
		if (e->line && e->column)
			k = snprintf(raw, sizeof raw, "%s:%lu:%lu: ", e->file, e->line, e->column);
		else if (e->line)
			k = snprintf(raw, sizeof raw, "%s:%lu: ", e->file, e->line);
		else
			k = snprintf(raw, sizeof raw, "%s: ", e->file);
		n = k < 0 ? 0 : (size_t)k;
		if (n >= sizeof raw)
			n = sizeof raw - 1;
	}
	snprintf(raw + n, sizeof raw - n, "%s", e->msg);
	escape(buf, size, raw);
}
