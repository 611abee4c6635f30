/* Errors (err.h): filling a struct dnn_error and formatting it as one line. */
#include "err.h"

#include <stdarg.h>
#include <string.h>

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

void dnn_error_format(const struct dnn_error *e, char *buf, size_t size)
{
	size_t n = 0;
	int k;

	if (size == 0)
		return;
	buf[0] = '\0';
	if (e->file[0]) {
		if (e->line && e->column)
			k = snprintf(buf, size, "%s:%lu:%lu: ", e->file, e->line, e->column);
		else if (e->line)
			k = snprintf(buf, size, "%s:%lu: ", e->file, e->line);
		else
			k = snprintf(buf, size, "%s: ", e->file);
		n = k < 0 ? 0 : (size_t)k;
		if (n >= size)
			return;
	}
	snprintf(buf + n, size - n, "%s", e->msg);
}
