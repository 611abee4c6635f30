/* Reading a spec file: the whole of it, up to a limit and its first NUL
 * byte, as the bytes arrive, for spec_parse. */
#include "spec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "json.h"

#define SPEC_MAX ((size_t)64 << 20)
#define CHUNK ((size_t)64 << 10)

/* All of f into *buf (NUL-terminated), stopping at the first NUL byte or
 * past SPEC_MAX bytes, as the bytes arrive: /dev/zero fails at once. */
static int read_all(FILE *f, const char *path, const char *name, char **buf, size_t *len,
		    struct dnn_error *e)
{
	size_t cap = 0, got;
	char *nul;

	*len = 0;
	do {
		if (cap - *len < CHUNK + 1) {
			char *p = realloc(*buf, cap ? 2 * cap : CHUNK + 1);

			if (!p)
				return dnn_error_oom(e);
			*buf = p;
			cap = cap ? 2 * cap : CHUNK + 1;
		}
		got = fread(*buf + *len, 1, CHUNK, f);
		if ((nul = memchr(*buf + *len, '\0', got))) {
			unsigned long line, col;

			json_position(*buf, (size_t)(nul - *buf), &line, &col);
			return dnn_error_set(e, DNN_EX_DATA, name, line, col,
					     "not a JSON text (NUL byte)");
		}
		*len += got;
		if (*len > SPEC_MAX)
			return dnn_error_set(e, DNN_EX_DATA, name, 0, 0,
					     "spec is larger than 64 MiB");
	} while (got > 0);
	if (ferror(f))
		return dnn_error_set(e, DNN_EX_IO, NULL, 0, 0, "cannot read '%s': %s", path,
				     strerror(errno));
	(*buf)[*len] = '\0';
	return 0;
}

int spec_read(const char *path, char **text, size_t *len, struct dnn_error *e)
{
	int is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "<stdin>" : path;
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	struct stat st;
	int rc;

	*text = NULL;
	*len = 0;
	if (!f)
		return dnn_error_set(e, DNN_EX_NOINPUT, NULL, 0, 0, "cannot open '%s': %s", path,
				     strerror(errno));
	/* A directory opens but is no input: 66, as for data and checkpoints. */
	if (!is_stdin && fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		return dnn_error_set(e, DNN_EX_NOINPUT, NULL, 0, 0, "cannot open '%s': %s", path,
				     strerror(EISDIR));
	}
	rc = read_all(f, path, name, text, len, e);
	if (!is_stdin)
		fclose(f);
	if (rc) {
		free(*text);
		*text = NULL;
	}
	return rc;
}

int spec_load(struct dnn_spec *s, const char *path, struct dnn_error *e)
{
	const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	spec_set_defaults(s);
	rc = spec_read(path, &buf, &len, e);
	if (rc == 0)
		rc = spec_parse(s, buf, len, name, e);
	free(buf);
	return rc;
}
