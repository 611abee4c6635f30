/* Data in: the CSV reader (a fast path for rows of plain numbers over the
 * general RFC 4180 one), datasets, categories, normalization, the validation
 * split and the predict reader. Bytes come from input.c. */
#include "data.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dist.h"
#include "input.h"
#include "num.h"
#include "rng.h"
#include "util.h"

#define SHOW_MAX 40  /* bytes of a cell quoted in a message */
#define LIST_MAX 200 /* bytes of a column list in a message */

/* ---- the CSV reader ---- */

struct dnn_csv {
	struct dnn_input *src;
	char *name;
	int delim; /* as an unsigned char */
	int missing_ok; /* missing input cells read as NaN */
	size_t n_missing;
	int eof;   /* the input is exhausted */
	int bom_checked;
	const unsigned char *in; /* a chunk of (decompressed) input */
	size_t in_len, in_pos;
	uint64_t taken; /* bytes of the chunks before in */
	char *row; /* the current row's fields, each NUL-terminated */
	size_t row_len, row_cap;
	size_t *off;	      /* start of each field in row */
	unsigned long *fline; /* line and column where each field starts */
	unsigned long *fcol;
	size_t n_fields, cap_fields;
	unsigned long line, col;	 /* position of the next input byte */
	unsigned long row_line;		 /* where the current row starts */
	unsigned long end_line, end_col; /* where it ends (its terminator) */
};

enum { CH_EOF = -1, CH_ERR = -2 };

static int is_blank(int ch)
{
	return ch == ' ' || ch == '\t';
}

/* What c->in points to when it holds nothing: readable padding. */
static const unsigned char no_input[INPUT_PAD];

/* Take the next chunk into c->in: 1 with data, 0 at the end, -1 on error
 * (a gzip error names the line where the good data ends). */
static int csv_fill(struct dnn_csv *c, struct dnn_error *e)
{
	const unsigned char *p;
	size_t n;
	int err = 0, errnum = 0, r;

	if (c->eof)
		return 0;
	c->taken += c->in_len;
	r = input_next(c->src, &p, &n, &err, &errnum);
	if (r > 0) {
		c->in = p;
		c->in_len = n;
		c->in_pos = 0;
		if (!c->bom_checked) {
			c->bom_checked = 1;
			if (c->in_len >= 3 && memcmp(c->in, "\xef\xbb\xbf", 3) == 0)
				c->in_pos = 3;
		}
		if (c->in_pos < c->in_len)
			return 1;
		return csv_fill(c, e);
	}
	c->in = no_input;
	c->in_len = c->in_pos = 0;
	if (r == 0) {
		c->eof = 1;
		return 0;
	}
	switch (err) {
	case INPUT_ERR_CORRUPT:
		return dnn_error_set(e, DNN_EX_DATA, c->name, c->line, 0, "corrupt gzip data");
	case INPUT_ERR_TRUNCATED:
		return dnn_error_set(e, DNN_EX_DATA, c->name, c->line, 0,
				     "truncated gzip data");
	case INPUT_ERR_NOMEM:
		return dnn_error_oom(e);
	default:
		return dnn_error_set(e, DNN_EX_IO, c->name, 0, 0, "read error: %s",
				     strerror(errnum));
	}
}

/* The next input byte without consuming it, CH_EOF or CH_ERR. */
static inline int csv_peek(struct dnn_csv *c, struct dnn_error *e)
{
	if (c->in_pos < c->in_len)
		return c->in[c->in_pos];
	switch (csv_fill(c, e)) {
	case 1:
		return c->in[c->in_pos];
	case 0:
		return CH_EOF;
	default:
		return CH_ERR;
	}
}

/* Make room for n more bytes in the row buffer. */
static int row_reserve(struct dnn_csv *c, size_t n, struct dnn_error *e)
{
	size_t cap;
	char *p;

	if (n <= c->row_cap - c->row_len)
		return 0;
	if (n > SIZE_MAX / 2 - c->row_len)
		return dnn_error_oom(e);
	cap = c->row_cap ? c->row_cap : 256;
	while (cap - c->row_len < n)
		cap *= 2;
	p = realloc(c->row, cap);
	if (!p)
		return dnn_error_oom(e);
	c->row = p;
	c->row_cap = cap;
	return 0;
}

/* Begin a field at the current input position. */
static int field_start(struct dnn_csv *c, struct dnn_error *e)
{
	if (c->n_fields == c->cap_fields) {
		size_t cap = c->cap_fields ? c->cap_fields * 2 : 16;
		size_t *off = util_realloc_array(c->off, cap, sizeof *off);

		if (!off)
			return dnn_error_oom(e);
		c->off = off;
		unsigned long *fl = util_realloc_array(c->fline, cap, sizeof *fl);
		if (!fl)
			return dnn_error_oom(e);
		c->fline = fl;
		unsigned long *fc = util_realloc_array(c->fcol, cap, sizeof *fc);
		if (!fc)
			return dnn_error_oom(e);
		c->fcol = fc;
		c->cap_fields = cap;
	}
	c->off[c->n_fields] = c->row_len;
	c->fline[c->n_fields] = c->line;
	c->fcol[c->n_fields] = c->col;
	c->n_fields++;
	return 0;
}

static int csv_bad_byte(struct dnn_csv *c, struct dnn_error *e)
{
	return dnn_error_set(e, DNN_EX_DATA, c->name, c->line, c->col,
			     "unexpected NUL byte (is this a text file?)");
}

/* Copy an unquoted field up to the delimiter, a line end or the end of input. */
static int scan_plain(struct dnn_csv *c, struct dnn_error *e)
{
	const int delim = c->delim;

	for (;;) {
		int ch = csv_peek(c, e);

		if (ch == CH_ERR)
			return -1;
		if (ch == CH_EOF)
			return 0;
		const unsigned char *p = c->in + c->in_pos, *end = c->in + c->in_len, *q;
		for (q = p; q < end; q++)
			if (*q == delim || *q == '\n' || *q == '\r' || *q == '\0')
				break;
		size_t n = (size_t)(q - p);
		if (n) {
			if (row_reserve(c, n + 1, e))
				return -1;
			memcpy(c->row + c->row_len, p, n);
			c->row_len += n;
			c->in_pos += n;
			c->col += (unsigned long)n;
		}
		if (q < end)
			return *q ? 0 : csv_bad_byte(c, e);
	}
}

/* Copy a quoted field whose opening quote was just consumed at (qline, qcol),
 * then check what follows the closing quote. */
static int scan_quoted(struct dnn_csv *c, unsigned long qline, unsigned long qcol,
		       struct dnn_error *e)
{
	for (;;) {
		int ch = csv_peek(c, e);

		if (ch == CH_ERR)
			return -1;
		if (ch == CH_EOF)
			return dnn_error_set(e, DNN_EX_DATA, c->name, qline, qcol,
					     "unterminated quoted field");
		const unsigned char *p = c->in + c->in_pos, *end = c->in + c->in_len, *q;
		for (q = p; q < end; q++)
			if (*q == '"' || *q == '\n' || *q == '\r' || *q == '\0')
				break;
		size_t n = (size_t)(q - p);
		if (row_reserve(c, n + 2, e))
			return -1;
		memcpy(c->row + c->row_len, p, n);
		c->row_len += n;
		c->in_pos += n;
		c->col += (unsigned long)n;
		if (q == end)
			continue;
		if (*q == '\0')
			return csv_bad_byte(c, e);
		c->in_pos++;
		if (*q == '\n') {
			c->row[c->row_len++] = '\n';
			c->line++;
			c->col = 1;
			continue;
		}
		if (*q == '\r') {
			c->row[c->row_len++] = '\r';
			ch = csv_peek(c, e);
			if (ch == CH_ERR)
				return -1;
			if (ch == '\n') {
				c->in_pos++;
				c->row[c->row_len++] = '\n';
			}
			c->line++;
			c->col = 1;
			continue;
		}
		/* A quote: doubled, or the end of the field. */
		c->col++;
		ch = csv_peek(c, e);
		if (ch == CH_ERR)
			return -1;
		if (ch == '"') {
			c->in_pos++;
			c->col++;
			c->row[c->row_len++] = '"';
			continue;
		}
		break;
	}
	/* Blanks may follow the closing quote; nothing else but the delimiter or
	 * the end of the line. */
	for (;;) {
		int ch = csv_peek(c, e);

		if (ch == CH_ERR)
			return -1;
		if (ch == CH_EOF || ch == c->delim || ch == '\n' || ch == '\r')
			return 0;
		if (!is_blank(ch))
			return dnn_error_set(e, DNN_EX_DATA, c->name, c->line, c->col,
					     "unexpected text after a closing quote");
		c->in_pos++;
		c->col++;
	}
}

/* Whether the current row is a blank line: one unquoted field of blanks. */
static int row_is_blank(const struct dnn_csv *c, int quoted)
{
	if (c->n_fields != 1 || quoted)
		return 0;
	for (const char *p = c->row; *p; p++)
		if (!is_blank(*p))
			return 0;
	return 1;
}

int csv_next(struct dnn_csv *c, struct dnn_error *e)
{
	for (;;) {
		int ch, quoted = 0;

		c->row_len = 0;
		c->n_fields = 0;
		c->row_line = c->line;
		ch = csv_peek(c, e);
		if (ch == CH_ERR)
			return -1;
		if (ch == CH_EOF)
			return 0;
		for (;;) {
			if (field_start(c, e))
				return -1;
			ch = csv_peek(c, e);
			/* Blanks may come before an opening quote: keep them as
			 * the start of a plain field until a quote shows up. */
			while (ch >= 0 && ch != c->delim && is_blank(ch)) {
				if (row_reserve(c, 1, e))
					return -1;
				c->row[c->row_len++] = (char)ch;
				c->in_pos++;
				c->col++;
				ch = csv_peek(c, e);
			}
			if (ch == CH_ERR)
				return -1;
			if (ch == '"') {
				unsigned long qline = c->line, qcol = c->col;

				c->row_len = c->off[c->n_fields - 1];
				quoted = 1;
				c->in_pos++;
				c->col++;
				if (scan_quoted(c, qline, qcol, e))
					return -1;
			} else if (scan_plain(c, e)) {
				return -1;
			}
			if (row_reserve(c, 1, e))
				return -1;
			c->row[c->row_len++] = '\0';
			ch = csv_peek(c, e);
			if (ch == CH_ERR)
				return -1;
			if (ch != c->delim)
				break;
			c->in_pos++;
			c->col++;
		}
		/* The row ends at a line end or at the end of the input. */
		c->end_line = c->line;
		c->end_col = c->col;
		if (ch == '\r') {
			c->in_pos++;
			ch = csv_peek(c, e);
			if (ch == CH_ERR)
				return -1;
			if (ch == '\n')
				c->in_pos++;
			ch = '\n';
		} else if (ch == '\n') {
			c->in_pos++;
		}
		if (ch == '\n') {
			c->line++;
			c->col = 1;
		}
		if (!row_is_blank(c, quoted))
			return 1;
	}
}

/* How far past bad data gzip_blame reads: damage shows up as a deflate error
 * within a few KiB of it, or at the checksum of a short stream. */
#define BLAME_BYTES (8u << 20)

/* After bad data in gzip input: a damaged stream garbles what it inflates
 * before zlib notices, so read on a little, and when the stream itself turns
 * out to be corrupt or cut short, blame that instead. */
static void gzip_blame(struct dnn_csv *c, struct dnn_error *e)
{
	struct dnn_error e2;
	size_t seen = 0;
	int r = 0;

	if (!c || e->code != DNN_EX_DATA || !input_is_gzip(c->src))
		return;
	dnn_error_clear(&e2);
	while (seen < BLAME_BYTES && (r = csv_fill(c, &e2)) > 0) {
		seen += c->in_len;
		c->in_pos = c->in_len;
	}
	if (seen >= BLAME_BYTES)
		return;
	if (r < 0 && e2.code == DNN_EX_DATA)
		*e = e2;
}

/* csv_open, from byte offset of a plain file for length bytes when length
 * is not UINT64_MAX. */
static struct dnn_csv *csv_open_at(const char *path, const struct dnn_csv_opts *o, uint64_t offset,
				   uint64_t length, struct dnn_error *e)
{
	struct dnn_csv *c;
	const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	char delim = o && o->delimiter ? o->delimiter : ',';
	struct stat st;
	int fd;

	if (delim == '"' || delim == '\n' || delim == '\r') {
		dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
			      "the delimiter cannot be a quote or a line end");
		return NULL;
	}
	if (strcmp(path, "-") == 0)
		fd = dup(0);
	else
		fd = open(path, O_RDONLY);
	if (fd < 0) {
		dnn_error_set(e, DNN_EX_NOINPUT, NULL, 0, 0, "cannot open '%s': %s", name,
			      strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		dnn_error_set(e, DNN_EX_NOINPUT, NULL, 0, 0, "cannot open '%s': %s", name,
			      strerror(EISDIR));
		return NULL;
	}
	c = calloc(1, sizeof *c);
	if (!c || !(c->name = util_strdup(name))) {
		close(fd);
		dnn_error_oom(e);
		goto fail;
	}
	c->in = no_input;
	if (offset && lseek(fd, (off_t)offset, SEEK_SET) < 0) {
		dnn_error_set(e, DNN_EX_IO, NULL, 0, 0, "cannot seek in '%s': %s", name,
			      strerror(errno));
		close(fd);
		goto fail;
	}
	/* A share that starts past the first byte has no byte-order mark. */
	c->bom_checked = offset > 0;
	/* Reading starts at once, in a thread of its own. */
	c->src = input_open_range(fd, length);
	if (!c->src) {
		dnn_error_oom(e);
		goto fail;
	}
	c->delim = (unsigned char)delim;
	c->missing_ok = o && o->missing_ok;
	c->line = 1;
	c->col = 1;
	return c;
fail:
	csv_close(c);
	return NULL;
}

struct dnn_csv *csv_open(const char *path, const struct dnn_csv_opts *o, struct dnn_error *e)
{
	return csv_open_at(path, o, 0, UINT64_MAX, e);
}

size_t csv_nfields(const struct dnn_csv *c)
{
	return c->n_fields;
}

const char *csv_field(const struct dnn_csv *c, size_t i)
{
	return i < c->n_fields ? c->row + c->off[i] : NULL;
}

unsigned long csv_line(const struct dnn_csv *c)
{
	return c->row_line;
}

unsigned long csv_column(const struct dnn_csv *c, size_t i)
{
	return i < c->n_fields ? c->fcol[i] : 0;
}

const char *csv_name(const struct dnn_csv *c)
{
	return c->name;
}

void csv_close(struct dnn_csv *c)
{
	if (!c)
		return;
	input_close(c->src);
	free(c->name);
	free(c->row);
	free(c->off);
	free(c->fline);
	free(c->fcol);
	free(c);
}

/* ---- cells ---- */

enum { CELL_OK, CELL_MISSING, CELL_NAN, CELL_INF };

/* Field i with its leading and trailing blanks cut off (in place). */
static char *field_trim(struct dnn_csv *c, size_t i, size_t *len)
{
	char *s = c->row + c->off[i], *end;

	/* strlen, not the field's stored extent, so that trimming twice is
	 * harmless (a field holds no NUL: the reader rejects them). */
	while (is_blank(*s))
		s++;
	end = s + strlen(s);
	while (end > s && is_blank(end[-1]))
		end--;
	*end = '\0';
	*len = (size_t)(end - s);
	return s;
}

/* Whether a trimmed cell spells a missing value. */
static int is_missing(const char *s, size_t len)
{
	switch (len) {
	case 0:
		return 1;
	case 1:
		return s[0] == '?';
	case 2:
		return (s[0] | 0x20) == 'n' && (s[1] | 0x20) == 'a';
	case 3:
		if (s[1] == '/')
			return (s[0] | 0x20) == 'n' && (s[2] | 0x20) == 'a';
		return (s[0] | 0x20) == 'n' && (s[1] | 0x20) == 'a' && (s[2] | 0x20) == 'n';
	default:
		return 0;
	}
}

/* Whether a trimmed cell spells infinity: [sign]inf or [sign]infinity. */
static int is_inf_word(const char *s, size_t len)
{
	if (len && (*s == '+' || *s == '-')) {
		s++;
		len--;
	}
	return (len == 3 && strncasecmp(s, "inf", 3) == 0) ||
	       (len == 8 && strncasecmp(s, "infinity", 8) == 0);
}

/* Parse a trimmed cell as a finite decimal number (the "C" locale's syntax). */
static int parse_cell(const char *s, size_t len, float *out)
{
	if (is_missing(s, len))
		return CELL_MISSING;
	switch (num_parse(s, len, out)) {
	case NUM_OK:
		return CELL_OK;
	case NUM_RANGE:
		return CELL_INF;
	default:
		return is_inf_word(s, len) ? CELL_INF : CELL_NAN;
	}
}

/* s quoted for a message: at most SHOW_MAX bytes, control characters escaped. */
static void show_text(char *dst, size_t size, const char *s)
{
	size_t n = 0, len = strlen(s), shown = len;

	if (shown > SHOW_MAX) {
		shown = SHOW_MAX;
		while (shown > 0 && ((unsigned char)s[shown] & 0xc0) == 0x80)
			shown--;
	}
	for (size_t i = 0; i < shown && n + 5 < size; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\n' || ch == '\r' || ch == '\t') {
			dst[n++] = '\\';
			dst[n++] = ch == '\n' ? 'n' : ch == '\r' ? 'r' : 't';
		} else if (ch < 0x20 || ch == 0x7f) {
			snprintf(dst + n, size - n, "\\x%02x", ch);
			n += 4;
		} else {
			dst[n++] = (char)ch;
		}
	}
	if (shown < len && n + 4 < size) {
		memcpy(dst + n, "...", 3);
		n += 3;
	}
	dst[n] = '\0';
}

/* Field i of the current row as a number, or the error that names its cell. */
static int cell_number(struct dnn_csv *c, size_t i, const char *col_name, int input, float *out,
		       struct dnn_error *e)
{
	char shown[SHOW_MAX * 4 + 8];
	size_t len;
	char *s = field_trim(c, i, &len);
	int r = parse_cell(s, len, out);

	if (r == CELL_OK)
		return 0;
	if (r == CELL_MISSING && input && c->missing_ok) {
		*out = NAN;
		c->n_missing++;
		return 0;
	}
	if (r == CELL_MISSING)
		return dnn_error_set(e, DNN_EX_DATA, c->name, c->fline[i], c->fcol[i],
				     "missing value in column '%s'", col_name);
	show_text(shown, sizeof shown, s);
	if (r == CELL_INF)
		return dnn_error_set(e, DNN_EX_DATA, c->name, c->fline[i], c->fcol[i],
				     "not a finite number: '%s'", shown);
	return dnn_error_set(e, DNN_EX_DATA, c->name, c->fline[i], c->fcol[i],
			     "expected a number, got '%s'", shown);
}

/* The error for a row whose width is neither want nor want2 (0: no
 * alternative), placed at the first extra field or just past the row's end. */
static int ragged(const struct dnn_csv *c, size_t want, size_t want2, struct dnn_error *e)
{
	size_t n = c->n_fields, lo = want, hi = want;
	char what[64];

	if (want2 && want2 < lo)
		lo = want2;
	if (want2 > hi)
		hi = want2;
	if (lo != hi)
		snprintf(what, sizeof what, "%zu or %zu", lo, hi);
	else
		snprintf(what, sizeof what, "%zu", lo);
	if (n > hi)
		return dnn_error_set(e, DNN_EX_DATA, c->name, c->fline[hi], c->fcol[hi],
				     "expected %s columns, found %zu", what, n);
	return dnn_error_set(e, DNN_EX_DATA, c->name, c->end_line, c->end_col,
			     "expected %s columns, found %zu", what, n);
}

/* ---- a string table: open addressing over insertion-ordered keys ---- */

struct strtab {
	char **keys; /* n keys, in insertion order */
	size_t n, cap_keys;
	size_t *slot; /* cap slots: key index + 1, or 0 when empty */
	size_t cap;   /* a power of two */
};

static uint64_t str_hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603u;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211u;
	}
	return h;
}

/* The slot holding s, or the empty slot where it would go. */
static size_t strtab_slot(const struct strtab *t, const char *s, size_t len)
{
	size_t mask = t->cap - 1, i = (size_t)str_hash(s, len) & mask;

	while (t->slot[i]) {
		const char *k = t->keys[t->slot[i] - 1];

		if (strncmp(k, s, len) == 0 && k[len] == '\0')
			return i;
		i = (i + 1) & mask;
	}
	return i;
}

/* Index of key s, or SIZE_MAX when absent. */
static size_t strtab_find(const struct strtab *t, const char *s)
{
	size_t i;

	if (!t->cap)
		return SIZE_MAX;
	i = strtab_slot(t, s, strlen(s));
	return t->slot[i] ? t->slot[i] - 1 : SIZE_MAX;
}

static int strtab_grow(struct strtab *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	size_t *old = t->slot, old_cap = t->cap;

	if (cap > SIZE_MAX / 4)
		return -1;
	t->slot = util_calloc_array(cap, sizeof *t->slot);
	if (!t->slot) {
		t->slot = old;
		return -1;
	}
	t->cap = cap;
	for (size_t i = 0; i < old_cap; i++) {
		if (old[i]) {
			const char *k = t->keys[old[i] - 1];

			t->slot[strtab_slot(t, k, strlen(k))] = old[i];
		}
	}
	free(old);
	return 0;
}

/* Index of s[0..len), added (copied) when absent; *added says which. -1: out of
 * memory. */
static int strtab_add(struct strtab *t, const char *s, size_t len, size_t *idx, int *added)
{
	size_t i;

	if ((t->n + 1) * 2 > t->cap && strtab_grow(t))
		return -1;
	i = strtab_slot(t, s, len);
	if (t->slot[i]) {
		*idx = t->slot[i] - 1;
		*added = 0;
		return 0;
	}
	if (t->n == t->cap_keys) {
		size_t cap = t->cap_keys ? t->cap_keys * 2 : 16;
		char **k = util_realloc_array(t->keys, cap, sizeof *k);

		if (!k)
			return -1;
		t->keys = k;
		t->cap_keys = cap;
	}
	t->keys[t->n] = util_strndup(s, len);
	if (!t->keys[t->n])
		return -1;
	t->slot[i] = ++t->n;
	*idx = t->n - 1;
	*added = 1;
	return 0;
}

static void strtab_free(struct strtab *t)
{
	util_free_strings(t->keys, t->n);
	free(t->slot);
	memset(t, 0, sizeof *t);
}

/* ---- datasets ---- */

/* Whether s is a decimal integer: optional sign, then digits only. */
static int is_integer(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

struct class_ent {
	const char *name;
	size_t old;
};

/* Compare decimal integers of any length by value, ties by text. */
static int cmp_integer(const void *pa, const void *pb)
{
	const char *a = ((const struct class_ent *)pa)->name;
	const char *b = ((const struct class_ent *)pb)->name;
	const char *da = a + (*a == '+' || *a == '-'), *db = b + (*b == '+' || *b == '-');
	int na = *a == '-', nb = *b == '-';
	int r;

	while (*da == '0' && da[1])
		da++;
	while (*db == '0' && db[1])
		db++;
	/* -0 equals 0. */
	if (strcmp(da, "0") == 0)
		na = 0;
	if (strcmp(db, "0") == 0)
		nb = 0;
	if (na != nb)
		return na ? -1 : 1;
	size_t la = strlen(da), lb = strlen(db);
	if (la != lb)
		r = la < lb ? -1 : 1;
	else
		r = strcmp(da, db);
	if (na)
		r = -r;
	return r ? r : strcmp(a, b);
}

static int cmp_text(const void *pa, const void *pb)
{
	return strcmp(((const struct class_ent *)pa)->name, ((const struct class_ent *)pb)->name);
}

/* Sort the keys of t (numerically when all are integers): *names gets them
 * in order (taking them over from t, which is left empty) and *map the new
 * index of each old one. */
static int sort_table(struct strtab *t, char ***names, uint32_t **map, struct dnn_error *e)
{
	struct class_ent *ent = util_malloc_array(t->n ? t->n : 1, sizeof *ent);
	int numeric = 1;

	*map = util_malloc_array(t->n ? t->n : 1, sizeof **map);
	*names = util_malloc_array(t->n ? t->n : 1, sizeof **names);
	if (!ent || !*map || !*names) {
		free(ent);
		free(*map);
		free(*names);
		*map = NULL;
		*names = NULL;
		return dnn_error_oom(e);
	}
	for (size_t i = 0; i < t->n; i++) {
		ent[i].name = t->keys[i];
		ent[i].old = i;
		numeric = numeric && is_integer(t->keys[i]);
	}
	qsort(ent, t->n, sizeof *ent, numeric ? cmp_integer : cmp_text);
	for (size_t i = 0; i < t->n; i++) {
		(*map)[ent[i].old] = (uint32_t)i;
		(*names)[i] = t->keys[ent[i].old];
	}
	free(ent);
	/* The names now belong to the caller. */
	free(t->keys);
	t->keys = NULL;
	t->n = 0;
	t->cap_keys = 0;
	return 0;
}

/* Sort the labels' classes into d->class_names and renumber d->label. */
static int sort_classes(struct dnn_dataset *d, struct strtab *t, struct dnn_error *e)
{
	size_t n = t->n;
	uint32_t *map;

	if (sort_table(t, &d->class_names, &map, e))
		return -1;
	for (size_t r = 0; r < d->n_rows; r++)
		d->label[r] = map[d->label[r]];
	d->n_classes = n;
	free(map);
	return 0;
}

/* Whether s is all decimal digits (a column index given as a name). */
static int is_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/* "a, b, c", cut short with ", ..." when it gets long. */
static void column_list(char *buf, size_t size, char *const *names, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		size_t need = strlen(names[i]) + (i ? 2 : 0);

		if (i && (len + need > LIST_MAX || len + need + 6 > size)) {
			snprintf(buf + len, size - len, ", ...");
			return;
		}
		int k =
		    snprintf(buf + len, size - len, "%s%.*s", i ? ", " : "", LIST_MAX, names[i]);
		len += k > 0 ? (size_t)k : 0;
		if (len >= size)
			return;
	}
}

/* The file column that reference r names, or an error calling it a `what`
 * column ("target", "ignored"). */
static int resolve_column(const struct dnn_column_ref *r, const char *what, char *const *names,
			  size_t n, const char *file, size_t *col, struct dnn_error *e)
{
	long idx = r->index;

	if (r->name) {
		for (size_t i = 0; i < n; i++) {
			if (strcmp(names[i], r->name) == 0) {
				*col = i;
				return 0;
			}
		}
		if (!is_digits(r->name)) {
			const char *near = util_closest(r->name, (const char *const *)names, n);
			char list[LIST_MAX + 64];

			if (near)
				return dnn_error_set(e, DNN_EX_DATA, file, 0, 0,
						     "%s column '%s' not found; did you mean "
						     "'%s'?",
						     what, r->name, near);
			column_list(list, sizeof list, names, n);
			return dnn_error_set(e, DNN_EX_DATA, file, 0, 0,
					     "%s column '%s' not found; columns are: %s", what,
					     r->name, list);
		}
		/* All digits and not a name: an index. */
		if (util_parse_long(r->name, 0, LONG_MAX, &idx) || (unsigned long)idx >= n)
			return dnn_error_set(e, DNN_EX_DATA, file, 0, 0,
					     "%s column '%s' not found; the file has %zu "
					     "column%s (0 to %zu)",
					     what, r->name, n, n == 1 ? "" : "s", n - 1);
	}
	if (idx < 0 || (unsigned long)idx >= n)
		return dnn_error_set(e, DNN_EX_DATA, file, 0, 0,
				     "%s column %ld not found; the file has %zu column%s "
				     "(0 to %zu)",
				     what, idx, n, n == 1 ? "" : "s", n - 1);
	*col = (size_t)idx;
	return 0;
}

/* Read the first row as the names of the columns, blanks around them cut
 * (header), or only count its fields and name them "0", "1", ... (no
 * header; the row stays current). */
static int read_names(struct dnn_csv *c, int header, char ***names, size_t *n, struct dnn_error *e)
{
	int r = csv_next(c, e);

	*names = NULL;
	*n = 0;
	if (r < 0)
		return -1;
	if (r == 0)
		return dnn_error_set(e, DNN_EX_DATA, c->name, 0, 0, "file is empty");
	*names = util_calloc_array(c->n_fields, sizeof **names);
	if (!*names)
		return dnn_error_oom(e);
	*n = c->n_fields;
	for (size_t i = 0; i < c->n_fields; i++) {
		char num[32];
		size_t len;

		if (header) {
			const char *s = field_trim(c, i, &len);

			(*names)[i] = util_strndup(s, len);
		} else {
			snprintf(num, sizeof num, "%zu", i);
			(*names)[i] = util_strdup(num);
		}
		if (!(*names)[i])
			return dnn_error_oom(e);
	}
	return 0;
}

/* Index the header names in t: key k is first in column first[k] and again
 * in column second[k] (SIZE_MAX: never); *first_dup is the first repeat. */
static int index_names(char *const *names, size_t n, struct strtab *t, size_t *first,
		       size_t *second, size_t *first_dup, struct dnn_error *e)
{
	*first_dup = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		size_t k;
		int added;

		if (strtab_add(t, names[i], strlen(names[i]), &k, &added))
			return dnn_error_oom(e);
		if (added) {
			first[k] = i;
			second[k] = SIZE_MAX;
		} else if (second[k] == SIZE_MAX) {
			second[k] = i;
			if (*first_dup == SIZE_MAX)
				*first_dup = i;
		}
	}
	return 0;
}

/* The error for a header whose column i repeats an earlier name. */
static int duplicate_error(const struct dnn_csv *c, char *const *names, size_t i,
			   struct dnn_error *e)
{
	return dnn_error_set(e, DNN_EX_DATA, c->name, c->fline[i], c->fcol[i],
			     "duplicate column name '%s'", names[i]);
}

/* A locale whose numbers use '.', whatever setlocale the caller did. */
static locale_t c_numeric(struct dnn_error *e)
{
	locale_t l = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);

	if (l == (locale_t)0)
		dnn_error_oom(e);
	return l;
}

/* Grow the row arrays of d to hold at least need rows. */
static int grow_rows(struct dnn_dataset *d, size_t *cap, size_t need, struct dnn_error *e)
{
	size_t n = *cap ? *cap : 1024;

	while (n < need) {
		if (n > SIZE_MAX / 2)
			return dnn_error_oom(e);
		n *= 2;
	}
	if (n == *cap)
		return 0;
	float *x = util_realloc_array(d->x, n, d->n_in * sizeof *x);
	if (!x)
		return dnn_error_oom(e);
	d->x = x;
	if (d->task == DNN_TASK_REGRESSION) {
		float *y = util_realloc_array(d->y, n, d->n_targets * sizeof *y);

		if (!y)
			return dnn_error_oom(e);
		d->y = y;
	} else {
		uint32_t *l = util_realloc_array(d->label, n, sizeof *l);

		if (!l)
			return dnn_error_oom(e);
		d->label = l;
	}
	*cap = n;
	return 0;
}

/* Give back the unused tail of the row arrays (a failure only keeps it). */
static void shrink_rows(struct dnn_dataset *d)
{
	float *x = util_realloc_array(d->x, d->n_rows, d->n_in * sizeof *x);

	if (x)
		d->x = x;
	if (d->y) {
		float *y = util_realloc_array(d->y, d->n_rows, d->n_targets * sizeof *y);

		if (y)
			d->y = y;
	}
	if (d->label) {
		uint32_t *l = util_realloc_array(d->label, d->n_rows, sizeof *l);

		if (l)
			d->label = l;
	}
}

/* Resolve the targets of o into roles and slots: slot[i] is the position of
 * file column i among the inputs or among the targets. */
static int assign_roles(struct dnn_dataset *d, const struct dnn_data_opts *o, const char *file,
			size_t *slot, struct dnn_error *e)
{
	size_t n_t = o->n_targets ? o->n_targets : 1;

	for (size_t i = 0; i < d->n_cols; i++)
		d->col_role[i] = DNN_COL_INPUT;
	for (size_t t = 0; t < n_t; t++) {
		size_t col = d->n_cols - 1;

		if (o->n_targets &&
		    resolve_column(&o->targets[t], "target", d->col_names, d->n_cols, file, &col,
				   e))
			return -1;
		if (d->col_role[col] == DNN_COL_TARGET)
			return dnn_error_set(e, DNN_EX_DATA, file, 0, 0,
					     "target column '%s' is given twice",
					     d->col_names[col]);
		d->col_role[col] = DNN_COL_TARGET;
		slot[col] = t;
	}
	for (size_t k = 0; k < o->n_ignore; k++) {
		size_t col;

		if (resolve_column(&o->ignore[k], "ignored", d->col_names, d->n_cols, file, &col,
				   e))
			return -1;
		if (d->col_role[col] != DNN_COL_INPUT)
			return dnn_error_set(e, DNN_EX_DATA, file, 0, 0,
					     d->col_role[col] == DNN_COL_TARGET
						     ? "column '%s' cannot be both the target and "
						       "ignored"
						     : "ignored column '%s' is given twice",
					     d->col_names[col]);
		d->col_role[col] = DNN_COL_IGNORED;
	}
	for (size_t k = 0; k < o->n_categorical; k++) {
		size_t col;

		if (resolve_column(&o->categorical[k], "categorical", d->col_names, d->n_cols,
				   file, &col, e))
			return -1;
		switch (d->col_role[col]) {
		case DNN_COL_TARGET:
			return dnn_error_set(e, DNN_EX_DATA, file, 0, 0,
					     "column '%s' cannot be both the target and "
					     "categorical",
					     d->col_names[col]);
		case DNN_COL_IGNORED:
			return dnn_error_set(e, DNN_EX_DATA, file, 0, 0,
					     "column '%s' cannot be both ignored and categorical",
					     d->col_names[col]);
		case DNN_COL_CATEGORICAL:
			return dnn_error_set(e, DNN_EX_DATA, file, 0, 0,
					     "categorical column '%s' is given twice",
					     d->col_names[col]);
		}
		d->col_role[col] = DNN_COL_CATEGORICAL;
	}
	d->n_targets = n_t;
	/* While loading, a categorical column takes one slot: its category's
	 * code; expand_categories makes the one-hot inputs at the end. */
	d->n_in = 0;
	d->n_cats = 0;
	for (size_t i = 0; i < d->n_cols; i++) {
		d->n_in += d->col_role[i] == DNN_COL_INPUT ||
			   d->col_role[i] == DNN_COL_CATEGORICAL;
		d->n_cats += d->col_role[i] == DNN_COL_CATEGORICAL;
	}
	if (d->n_in == 0)
		return dnn_error_set(e, DNN_EX_DATA, file, 0, 0,
				     "no input columns: every column is a target or ignored");
	for (size_t i = 0, j = 0; i < d->n_cols; i++)
		if (d->col_role[i] == DNN_COL_INPUT || d->col_role[i] == DNN_COL_CATEGORICAL)
			slot[i] = j++;
	if (d->n_cats) {
		d->cats = util_calloc_array(d->n_cats, sizeof *d->cats);
		if (!d->cats)
			return dnn_error_oom(e);
		for (size_t i = 0, k = 0; i < d->n_cols; i++)
			if (d->col_role[i] == DNN_COL_CATEGORICAL)
				d->cats[k++].col = i;
	}
	return 0;
}

/* Field i of the current row as a category of table t: its code, or NaN
 * when missing (and missing cells are allowed). */
static int cell_category(struct dnn_csv *c, size_t i, const char *col_name, struct strtab *t,
			 float *out, struct dnn_error *e)
{
	size_t len, k;
	int added;
	char *s = field_trim(c, i, &len);

	if (is_missing(s, len)) {
		if (!c->missing_ok)
			return dnn_error_set(e, DNN_EX_DATA, c->name, c->fline[i], c->fcol[i],
					     "missing value in column '%s'", col_name);
		*out = NAN;
		c->n_missing++;
		return 0;
	}
	if (strtab_add(t, s, len, &k, &added))
		return dnn_error_oom(e);
	if (k >= (1u << 24))
		return dnn_error_set(e, DNN_EX_DATA, c->name, c->fline[i], c->fcol[i],
				     "too many categories in column '%s' (over %u)", col_name,
				     1u << 24);
	*out = (float)k;
	return 0;
}

/* Store the current row of c as row r of d; cat_tab[k] collects the
 * categories of the k-th categorical column. */
static int take_row(struct dnn_dataset *d, struct dnn_csv *c, const size_t *slot,
		    struct strtab *classes, struct strtab *cat_tab, size_t r, struct dnn_error *e)
{
	float *x = d->x + r * d->n_in;
	size_t kc = 0;

	if (c->n_fields != d->n_cols)
		return ragged(c, d->n_cols, 0, e);
	for (size_t i = 0; i < d->n_cols; i++) {
		if (d->col_role[i] == DNN_COL_INPUT) {
			if (cell_number(c, i, d->col_names[i], 1, x + slot[i], e))
				return -1;
		} else if (d->col_role[i] == DNN_COL_CATEGORICAL) {
			if (cell_category(c, i, d->col_names[i], &cat_tab[kc++], x + slot[i], e))
				return -1;
		} else if (d->col_role[i] == DNN_COL_IGNORED) {
			continue;
		} else if (d->task == DNN_TASK_REGRESSION) {
			if (cell_number(c, i, d->col_names[i], 0, d->y + r * d->n_targets + slot[i],
					e))
				return -1;
		} else {
			size_t len, k;
			int added;
			char *s = field_trim(c, i, &len);

			if (is_missing(s, len))
				return dnn_error_set(e, DNN_EX_DATA, c->name, c->fline[i],
						     c->fcol[i], "missing value in column '%s'",
						     d->col_names[i]);
			if (strtab_add(classes, s, len, &k, &added))
				return dnn_error_oom(e);
			if (k > UINT32_MAX - 1)
				return dnn_error_set(e, DNN_EX_DATA, c->name, c->fline[i],
						     c->fcol[i], "too many classes");
			d->label[r] = (uint32_t)k;
		}
	}
	return 0;
}

/* ---- sharing the rows among MPI ranks (dist.h) ---- */

/* How this rank's share of a file is read: a plain file by a byte range
 * that starts and ends at line starts; gzip (which cannot be entered
 * mid-stream) by rows, every rank reading the whole stream and keeping the
 * rows whose number is its rank modulo the number of ranks. */
enum { SHARD_NONE, SHARD_ROWS, SHARD_BYTES };

struct shard {
	int mode;
	uint64_t row;		    /* rows mode: the next row's number in the file */
	unsigned long header_lines; /* bytes mode: lines before the first share */
};

/* 1 when the row just read is this rank's (and counts), else 0. */
static inline size_t shard_keep(struct shard *sh)
{
	if (!sh || sh->mode != SHARD_ROWS)
		return 1;
	return sh->row++ % (uint64_t)dist_size() == (uint64_t)dist_rank();
}

/* The first line start at or after byte p (of a file of size bytes), not
 * before byte lo. */
static uint64_t line_start(int fd, uint64_t p, uint64_t lo, uint64_t size)
{
	unsigned char buf[4096];

	if (p <= lo)
		return lo;
	for (uint64_t q = p - 1; q < size;) {
		ssize_t r = pread(fd, buf, sizeof buf, (off_t)q);

		if (r <= 0)
			return size;
		for (ssize_t i = 0; i < r; i++)
			if (buf[i] == '\n')
				return q + (uint64_t)i + 1;
		q += (uint64_t)r;
	}
	return size;
}

/* Choose how to share the file that *cp has just read the first row of
 * (the header, or with no header the first data row), and for a byte range
 * reopen *cp on this rank's share. *have_row is cleared: the share's rows
 * are all still to be read. */
static int shard_open(struct shard *sh, struct dnn_csv **cp, const char *path,
		      const struct dnn_csv_opts *o, int *have_row, struct dnn_error *e)
{
	struct dnn_csv *c = *cp;
	uint64_t first, size, p = (uint64_t)dist_size(), r = (uint64_t)dist_rank(), lo, hi;
	struct stat st;
	int fd;

	if (strcmp(path, "-") == 0)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "standard input reaches only the first MPI rank; give the "
				     "data as a file");
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) != 0) {
		dnn_error_set(e, DNN_EX_NOINPUT, NULL, 0, 0, "cannot open '%s': %s", c->name,
			      strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (input_is_gzip(c->src) || !S_ISREG(st.st_mode)) {
		close(fd);
		sh->mode = SHARD_ROWS;
		return 0;
	}
	sh->mode = SHARD_BYTES;
	/* Data rows start after the header (with none, at the first byte, so
	 * that rank 0 reads the first row again). */
	first = o->header ? c->taken + c->in_pos : 0;
	sh->header_lines = o->header ? c->line - 1 : 0;
	size = (uint64_t)st.st_size;
	lo = line_start(fd, first + (size - first) / p * r + (size - first) % p * r / p, first,
			size);
	hi = r + 1 == p
		 ? size
		 : line_start(
		       fd, first + (size - first) / p * (r + 1) + (size - first) % p * (r + 1) / p,
		       first, size);
	close(fd);
	csv_close(c);
	*cp = NULL;
	*have_row = 0;
	if (!(*cp = csv_open_at(path, o, lo, hi - lo, e)))
		return -1;
	return 0;
}

/* Add to t the keys every rank has seen, so that all ranks hold the same
 * set (each in its own order: sort_table gives them one). */
static int shard_union(struct strtab *t, struct dnn_error *e)
{
	size_t len = 0, all_len, pos = 0;
	unsigned char *all = NULL;
	char *buf, *q;
	int rc = 0;

	for (size_t k = 0; k < t->n; k++)
		len += strlen(t->keys[k]) + 1;
	if (!(buf = malloc(len ? len : 1))) {
		dnn_error_oom(e);
		dist_abort(e);
	}
	q = buf;
	for (size_t k = 0; k < t->n; k++) {
		size_t n = strlen(t->keys[k]) + 1;

		memcpy(q, t->keys[k], n);
		q += n;
	}
	if (dist_allgather(buf, len, &all, &all_len, NULL)) {
		dnn_error_oom(e);
		dist_abort(e);
	}
	while (pos < all_len) {
		const char *key = (const char *)all + pos;
		size_t n = strlen(key), k;
		int added;

		if (strtab_add(t, key, n, &k, &added)) {
			dnn_error_oom(e);
			dist_abort(e);
		}
		pos += n + 1;
	}
	free(buf);
	free(all);
	return rc;
}

/* ---- the fast path: whole plain lines straight from the input buffer ---- */

/* A little-endian load's value on any host. */
static inline uint64_t le64(uint64_t w)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap64(w);
#else
	return w;
#endif
}

static inline int fast_blank(int ch, int delim)
{
	return ch == ' ' || (ch == '\t' && delim != '\t');
}

/* The end of the unquoted field at p (its delimiter or le), or NULL when the
 * field holds a quote or a NUL byte, which only the general reader takes. */
static inline const char *fast_field_end(const char *p, const char *le, int delim)
{
	for (; p < le && *p != delim; p++)
		if (*p == '"' || *p == '\0')
			return NULL;
	return p;
}

/* The general case of fast_number below: blanks around the number, more
 * digits, a sign, decimals or an exponent. */
static int fast_number_general(const char **pp, const char *le, int delim, float *out)
{
	const char *p = *pp, *start, *end, *t;

	while (p < le && fast_blank(*p, delim))
		p++;
	start = p;
	end = fast_field_end(p, le, delim);
	if (!end)
		return 0;
	for (t = end; t > start && fast_blank(t[-1], delim); t--)
		;
	if (num_parse(start, (size_t)(t - start), out) != NUM_OK)
		return 0;
	*pp = end;
	return 1;
}

/* Parse the number field at *pp, leaving *pp at its end: 1, or 0 when the
 * field is anything but a finite number with optional blanks around it. */
static inline __attribute__((always_inline)) int fast_number(const char **pp, const char *le,
							     int delim, float *out)
{
	const char *p = *pp;
	uint64_t w, nd;

	/* 1 to 7 digits then the delimiter or the line end: the common case,
	 * parsed eight bytes at a time without a branch per digit (SWAR). The
	 * chunk has INPUT_PAD readable bytes past its end. */
	memcpy(&w, p, sizeof w);
	w = le64(w) - UINT64_C(0x3030303030303030);
	/* High bit of each byte that is not a digit. */
	nd = (((w & UINT64_C(0x7f7f7f7f7f7f7f7f)) + UINT64_C(0x7676767676767676)) | w) &
	     UINT64_C(0x8080808080808080);
	if (nd) {
		unsigned len = (unsigned)__builtin_ctzll(nd) >> 3;

		if (len && (p + len == le || p[len] == delim)) {
			/* Right-align the digits as an 8-digit number with
			 * leading zeros, then combine pairs, quads, halves. */
			w <<= 64 - 8 * len;
			w = w * 10 + (w >> 8);
			w = (((w & UINT64_C(0x000000ff000000ff)) *
			      (100 + (UINT64_C(1000000) << 32))) +
			     (((w >> 16) & UINT64_C(0x000000ff000000ff)) *
			      (1 + (UINT64_C(10000) << 32)))) >>
			    32;
			*out = (float)(uint32_t)w;
			*pp = p + len;
			return 1;
		}
	}
	return fast_number_general(pp, le, delim, out);
}

/* Take as many rows as possible straight from c's input buffer: whole lines
 * without quotes whose cells are all plain numbers (or class labels in the
 * target column of a classification). It stops, consuming nothing of it, at
 * the first line it cannot take whole (one that runs past the buffer, holds
 * a quote, a missing or malformed cell, or the wrong number of fields, or a
 * blank line), which the general reader then takes, with its exact error
 * messages. Returns 0, or -1 when out of memory. */
static int fast_rows(struct dnn_dataset *d, struct dnn_csv *c, const size_t *slot,
		     struct strtab *classes, size_t *cap, struct shard *sh, struct dnn_error *e)
{
	const int delim = c->delim;
	const size_t n_cols = d->n_cols;
	const unsigned char *role = d->col_role;

	if (d->n_cats)
		return 0; /* categories are read by the general reader */
	for (;;) {
		const char *p = (const char *)c->in + c->in_pos;
		const char *end = (const char *)c->in + c->in_len;
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le, *label = NULL;
		size_t label_len = 0;
		float *x, *y;

		if (!nl)
			return 0;
		le = nl > p && nl[-1] == '\r' ? nl - 1 : nl;
		if (d->n_rows == *cap && grow_rows(d, cap, d->n_rows + 1, e))
			return -1;
		x = d->x + d->n_rows * d->n_in;
		y = d->y ? d->y + d->n_rows * d->n_targets : NULL;
		for (size_t i = 0; i < n_cols; i++) {
			if (i) {
				if (p == le)
					return 0; /* too few fields */
				p++;	  /* the delimiter */
			}
			if (role[i] == DNN_COL_INPUT) {
				if (!fast_number(&p, le, delim, x + slot[i]))
					return 0;
			} else if (role[i] == DNN_COL_IGNORED) {
				if (!(p = fast_field_end(p, le, delim)))
					return 0;
			} else if (y) {
				if (!fast_number(&p, le, delim, y + slot[i]))
					return 0;
			} else {
				const char *f = p, *t;

				if (!(p = fast_field_end(p, le, delim)))
					return 0;
				while (f < p && fast_blank(*f, delim))
					f++;
				for (t = p; t > f && fast_blank(t[-1], delim); t--)
					;
				if (is_missing(f, (size_t)(t - f)))
					return 0;
				label = f;
				label_len = (size_t)(t - f);
			}
		}
		if (p != le)
			return 0; /* too many fields */
		if (label) {
			size_t k;
			int added;

			if (strtab_add(classes, label, label_len, &k, &added))
				return dnn_error_oom(e);
			if (k > UINT32_MAX - 1)
				return 0; /* the general reader says why */
			d->label[d->n_rows] = (uint32_t)k;
		}
		d->n_rows += shard_keep(sh);
		c->in_pos = (size_t)(nl + 1 - (const char *)c->in);
		c->line++;
		c->col = 1;
	}
}

/* Replace the category codes of the categorical columns by one-hot inputs:
 * sort each column's categories, and widen x from one slot per input column
 * (slot[i] for file column i) to one input per number and per category. A
 * missing category (NaN) makes all its inputs NaN. */
static int expand_categories(struct dnn_dataset *d, struct strtab *cat_tab, const size_t *slot,
			     struct dnn_error *e)
{
	size_t n_raw = d->n_in, n_in = 0, cells, *in_of = NULL;
	uint32_t **map = util_calloc_array(d->n_cats, sizeof *map);
	float *nx = NULL;
	int rc = -1;

	in_of = util_malloc_array(d->n_cols, sizeof *in_of);
	if (!map || !in_of)
		goto oom;
	for (size_t i = 0, k = 0; i < d->n_cols; i++) {
		in_of[i] = n_in;
		if (d->col_role[i] == DNN_COL_INPUT) {
			n_in++;
		} else if (d->col_role[i] == DNN_COL_CATEGORICAL) {
			struct dnn_catcol *cc = &d->cats[k];

			cc->first = n_in;
			cc->n = cat_tab[k].n;
			if (sort_table(&cat_tab[k], &cc->names, &map[k], e))
				goto out;
			if (cc->n > SIZE_MAX / 2 - n_in)
				goto oom;
			n_in += cc->n;
			k++;
		}
	}
	if (util_mul_overflow(d->n_rows, n_in, &cells) ||
	    !(nx = util_calloc_array(cells ? cells : 1, sizeof *nx)))
		goto oom;
	for (size_t r = 0; r < d->n_rows; r++) {
		const float *src = d->x + r * n_raw;
		float *dst = nx + r * n_in;

		for (size_t i = 0, k = 0; i < d->n_cols; i++) {
			if (d->col_role[i] == DNN_COL_INPUT) {
				dst[in_of[i]] = src[slot[i]];
			} else if (d->col_role[i] == DNN_COL_CATEGORICAL) {
				float v = src[slot[i]];

				if (isnan(v))
					for (size_t j = 0; j < d->cats[k].n; j++)
						dst[in_of[i] + j] = NAN;
				else
					dst[in_of[i] + map[k][(size_t)v]] = 1.0f;
				k++;
			}
		}
	}
	free(d->x);
	d->x = nx;
	d->n_in = n_in;
	rc = 0;
	goto out;
oom:
	dnn_error_oom(e);
out:
	if (map)
		for (size_t k = 0; k < d->n_cats; k++)
			free(map[k]);
	free(map);
	free(in_of);
	return rc;
}

size_t data_input_of(const unsigned char *col_role, size_t col, const struct dnn_catcol *cats,
		     size_t n_cats)
{
	size_t in = 0, k = 0;

	for (size_t i = 0; i < col; i++) {
		if (col_role[i] == DNN_COL_INPUT)
			in++;
		else if (col_role[i] == DNN_COL_CATEGORICAL && k < n_cats)
			in += cats[k++].n;
	}
	if (col_role[col] != DNN_COL_INPUT && col_role[col] != DNN_COL_CATEGORICAL)
		return SIZE_MAX;
	return in;
}

void data_free_cats(struct dnn_catcol *cats, size_t n_cats)
{
	if (!cats)
		return;
	for (size_t k = 0; k < n_cats; k++)
		util_free_strings(cats[k].names, cats[k].n);
	free(cats);
}

int data_load(struct dnn_dataset *d, const char *path, const struct dnn_data_opts *o,
	      struct dnn_error *e)
{
	struct dnn_csv *c = NULL;
	struct strtab names = {0}, classes = {0}, *cat_tab = NULL;
	size_t *slot = NULL, *first = NULL, cap = 0;
	locale_t cloc = (locale_t)0, old = (locale_t)0;
	struct shard sh = {SHARD_NONE, 0, 0};
	int r, have_row, shared = o->shard && dist_active(), rc = -1;

	memset(d, 0, sizeof *d);
	d->task = o->task;
	d->gid_stride = 1;
	if (o->task != DNN_TASK_REGRESSION && o->task != DNN_TASK_CLASSIFICATION)
		return dnn_error_set(e, DNN_EX_SOFTWARE, NULL, 0, 0, "data_load: bad task %d",
				     o->task);
	if (o->task == DNN_TASK_CLASSIFICATION && o->n_targets > 1) {
		dnn_error_set(e, DNN_EX_DATA, NULL, 0, 0,
			      "classification takes one target column, not %zu", o->n_targets);
		goto read;
	}
	if (!(cloc = c_numeric(e)))
		goto read;
	old = uselocale(cloc);
	c = csv_open(path, &o->csv, e);
	if (!c)
		goto read;
	if (read_names(c, o->csv.header, &d->col_names, &d->n_cols, e))
		goto read;
	have_row = !o->csv.header;
	d->col_role = malloc(d->n_cols);
	slot = util_malloc_array(d->n_cols, sizeof *slot);
	if (!d->col_role || !slot) {
		dnn_error_oom(e);
		goto read;
	}
	if (o->csv.header) {
		size_t dup;

		first = util_malloc_array(d->n_cols, sizeof *first);
		if (!first) {
			dnn_error_oom(e);
			goto read;
		}
		/* slot[] is scratch space here. */
		if (index_names(d->col_names, d->n_cols, &names, first, slot, &dup, e))
			goto read;
		if (dup != SIZE_MAX) {
			duplicate_error(c, d->col_names, dup, e);
			goto read;
		}
		strtab_free(&names);
		free(first);
		first = NULL;
	}
	if (assign_roles(d, o, c->name, slot, e))
		goto read;
	if (d->n_cats && !(cat_tab = util_calloc_array(d->n_cats, sizeof *cat_tab))) {
		dnn_error_oom(e);
		goto read;
	}
	if (SIZE_MAX / sizeof(float) < d->n_cols) {
		dnn_error_oom(e);
		goto read;
	}
	if (shared) {
		if (shard_open(&sh, &c, path, &o->csv, &have_row, e) || grow_rows(d, &cap, 1, e))
			goto read;
	}
	for (;;) {
		if (!have_row) {
			if (fast_rows(d, c, slot, &classes, &cap, &sh, e))
				goto read;
			r = csv_next(c, e);
			if (r < 0)
				goto read;
			if (r == 0)
				break;
		}
		have_row = 0;
		if (d->n_rows == cap && grow_rows(d, &cap, d->n_rows + 1, e))
			goto read;
		if (take_row(d, c, slot, &classes, cat_tab, d->n_rows, e))
			goto read;
		d->n_rows += shard_keep(&sh);
	}
	rc = 0;
read:
	if (rc)
		gzip_blame(c, e);
	if (shared) {
		/* The ranks agree on the outcome; a share's line numbers start
		 * after the lines of the shares before it. */
		uint64_t base = sh.header_lines +
				dist_exscan_u64(sh.mode == SHARD_BYTES && c ? c->line - 1 : 0);

		if (rc && sh.mode == SHARD_BYTES && e->line && c && strcmp(e->file, c->name) == 0) {
			e->line += (unsigned long)base;
			/* A share ends at a line end, which may be one inside a
			 * quoted field: then its last row is cut short. */
			if (c->eof && e->code == DNN_EX_DATA && dist_rank() + 1 < dist_size()) {
				size_t len = strlen(e->msg);

				snprintf(e->msg + len, sizeof e->msg - len, "%s",
					 "; if a quoted field holds a line break, it may cross "
					 "the boundary between two MPI ranks' shares of the "
					 "file: give the file gzip-compressed (shared by rows, "
					 "not bytes)");
			}
		}
		if (dist_agree(rc, e))
			goto fail;
		d->shared = 1;
		{
			uint64_t t[2] = {d->n_rows, c->n_missing};

			dist_sum_u64(t, 2);
			d->n_rows_total = (size_t)t[0];
			c->n_missing = (size_t)t[1];
		}
		if (sh.mode == SHARD_BYTES) {
			d->gid_first = (size_t)dist_exscan_u64(d->n_rows);
		} else {
			d->gid_first = (size_t)dist_rank();
			d->gid_stride = (size_t)dist_size();
		}
		/* Every rank ends with the classes and categories of all. */
		shard_union(&classes, e);
		for (size_t k = 0; k < d->n_cats; k++)
			shard_union(&cat_tab[k], e);
	} else if (rc) {
		goto fail;
	} else {
		d->n_rows_total = d->n_rows;
	}
	rc = -1;
	if (d->n_rows_total == 0) {
		dnn_error_set(e, DNN_EX_DATA, c->name, 0, 0,
			      o->csv.header ? "no data rows (only a header)" : "no data rows");
		goto fail;
	}
	if (d->task == DNN_TASK_CLASSIFICATION) {
		size_t t = 0;

		while (d->col_role[t] != DNN_COL_TARGET)
			t++;
		if (classes.n < 2) {
			char shown[SHOW_MAX * 4 + 8];

			show_text(shown, sizeof shown, classes.keys[0]);
			dnn_error_set(e, DNN_EX_DATA, c->name, 0, 0,
				      "target column '%s' has only one class ('%s')",
				      d->col_names[t], shown);
			goto fail;
		}
		if (sort_classes(d, &classes, e))
			goto fail;
	}
	d->n_missing = c->n_missing;
	shrink_rows(d);
	if (d->n_cats && expand_categories(d, cat_tab, slot, e))
		goto fail;
	for (size_t k = 0; k < d->n_cats; k++)
		strtab_free(&cat_tab[k]);
	free(cat_tab);
	strtab_free(&classes);
	free(slot);
	csv_close(c);
	uselocale(old);
	freelocale(cloc);
	return 0;
fail:
	if (cat_tab)
		for (size_t k = 0; k < d->n_cats; k++)
			strtab_free(&cat_tab[k]);
	free(cat_tab);
	strtab_free(&names);
	strtab_free(&classes);
	free(first);
	free(slot);
	csv_close(c);
	if (cloc) {
		uselocale(old);
		freelocale(cloc);
	}
	data_free(d);
	return -1;
}

void data_free(struct dnn_dataset *d)
{
	if (!d)
		return;
	util_free_strings(d->col_names, d->n_cols);
	free(d->col_role);
	free(d->x);
	free(d->y);
	util_free_strings(d->class_names, d->n_classes);
	free(d->label);
	free(d->train_gid);
	data_free_cats(d->cats, d->n_cats);
	memset(d, 0, sizeof *d);
}

/* ---- the validation split ---- */

/* Reorder rows in place: row i becomes the old row order[i]. */
static int permute_rows(void *base, size_t n, size_t row_bytes, const size_t *order,
			struct dnn_error *e)
{
	unsigned char *p = base, *tmp = malloc(row_bytes ? row_bytes : 1);
	unsigned char *done = calloc(n ? n : 1, 1);

	if (!tmp || !done) {
		free(tmp);
		free(done);
		return dnn_error_oom(e);
	}
	for (size_t start = 0; start < n; start++) {
		size_t i = start;

		if (done[start])
			continue;
		memcpy(tmp, p + start * row_bytes, row_bytes);
		/* Follow the cycle: slot i takes the row from order[i]. */
		while (order[i] != start) {
			memcpy(p + i * row_bytes, p + order[i] * row_bytes, row_bytes);
			done[i] = 1;
			i = order[i];
		}
		memcpy(p + i * row_bytes, tmp, row_bytes);
		done[i] = 1;
	}
	free(tmp);
	free(done);
	return 0;
}

/* Choose which rows to hold out (is_val) for classification: stratified,
 * each class giving its share of n_val (largest remainders), at least one row
 * and never all of its rows; drawn from rng. A class with a single row
 * cannot be split: an error naming it. */
static int choose_stratified(const struct dnn_dataset *d, size_t n_val, struct dnn_rng *rng,
			     unsigned char *is_val, const char *data_name, struct dnn_error *e)
{
	size_t k = d->n_classes, n = d->n_rows, given = 0, *count = NULL, *want = NULL, *rows = NULL;
	double *rem = NULL;
	int rc = -1;

	count = util_calloc_array(k, sizeof *count);
	want = util_calloc_array(k, sizeof *want);
	rem = util_calloc_array(k, sizeof *rem);
	rows = util_malloc_array(n, sizeof *rows);
	if (!count || !want || !rem || !rows) {
		dnn_error_oom(e);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		count[d->label[i]]++;
	for (size_t c = 0; c < k; c++) {
		double share = (double)n_val * (double)count[c] / (double)n;

		if (count[c] == 1) {
			dnn_error_set(e, DNN_EX_DATA, data_name, 0, 0,
				      "class '%s' has a single row; a stratified validation split "
				      "needs at least two of each class",
				      d->class_names[c]);
			goto out;
		}
		want[c] = (size_t)share;
		rem[c] = share - (double)want[c];
		if (want[c] == 0) { /* every class is represented */
			want[c] = 1;
			rem[c] = -1.0;
		}
		given += want[c];
	}
	/* Hand out what rounding down left, largest remainder first (ties:
	 * the lower class). */
	while (given < n_val) {
		size_t best = SIZE_MAX;

		for (size_t c = 0; c < k; c++)
			if (want[c] + 1 < count[c] && (best == SIZE_MAX || rem[c] > rem[best]))
				best = c;
		if (best == SIZE_MAX)
			break;
		want[best]++;
		rem[best] = -1.0;
		given++;
	}
	for (size_t c = 0; c < k; c++) {
		size_t m = 0;

		if (want[c] >= count[c])
			want[c] = count[c] - 1;
		for (size_t i = 0; i < n; i++)
			if (d->label[i] == c)
				rows[m++] = i;
		rng_shuffle(rng, rows, m);
		for (size_t i = 0; i < want[c]; i++)
			is_val[rows[i]] = 1;
	}
	rc = 0;
out:
	free(count);
	free(want);
	free(rem);
	free(rows);
	return rc;
}

/* The number of row i among the rows of all ranks. */
static size_t gid_of(const struct dnn_dataset *d, size_t i)
{
	return d->shared ? d->gid_first + i * d->gid_stride : i;
}

/* The class of every row of all ranks, in file order (a shared dataset). */
static uint32_t *all_labels(const struct dnn_dataset *d)
{
	unsigned char *all = NULL;
	size_t all_len, *lens = NULL, pos = 0, n = d->n_rows_total, p = (size_t)dist_size();
	uint32_t *g = util_malloc_array(n, sizeof *g);
	struct dnn_error e;

	if (!g || dist_allgather(d->label, d->n_rows * sizeof *d->label, &all, &all_len, &lens)) {
		dnn_error_oom(&e);
		dist_abort(&e);
	}
	for (size_t q = 0, first = 0; q < p; q++) {
		size_t m = lens[q] / sizeof *g;

		for (size_t j = 0; j < m; j++) {
			uint32_t v;

			memcpy(&v, all + pos + j * sizeof v, sizeof v);
			/* Byte shares follow one another; row shares interleave. */
			g[d->gid_stride == 1 ? first + j : q + j * p] = v;
		}
		pos += lens[q];
		first += m;
	}
	free(all);
	free(lens);
	return g;
}

int data_split(struct dnn_dataset *d, double fraction, uint64_t seed, size_t *n_val_out,
	       const char *data_name, struct dnn_error *e)
{
	size_t n = d->shared ? d->n_rows_total : d->n_rows, n_val, *order = NULL,
	       n_local = d->n_rows, n_val_local = 0;
	unsigned char *is_val = NULL;
	struct dnn_rng rng;
	int rc = -1;

	n_val = (size_t)floor(fraction * (double)n + 0.5);
	if (n_val == 0)
		n_val = 1;
	if (n_val >= n)
		return dnn_error_set(e, DNN_EX_DATA, data_name, 0, 0,
				     "%zu rows are too few to hold out a validation fraction of %g",
				     n, fraction);
	order = util_malloc_array(n > n_local ? n : n_local, sizeof *order);
	is_val = calloc(n ? n : 1, 1);
	if (!order || !is_val) {
		dnn_error_oom(e);
		if (d->shared)
			dist_abort(e);
		goto out;
	}
	/* A stream of its own, so that the split does not shift the weights.
	 * Sharing ranks draw it over the rows of all, as one process would. */
	rng_seed(&rng, seed ^ 0x76616c6964617465ULL);
	if (d->task == DNN_TASK_CLASSIFICATION) {
		struct dnn_dataset all = *d;

		if (d->shared)
			all.label = all_labels(d);
		all.n_rows = n;
		rc = choose_stratified(&all, n_val, &rng, is_val, data_name, e);
		if (d->shared)
			free(all.label);
		if (rc)
			goto out;
		rc = -1;
	} else {
		for (size_t i = 0; i < n; i++)
			order[i] = i;
		rng_shuffle(&rng, order, n);
		for (size_t i = 0; i < n_val; i++)
			is_val[order[i]] = 1;
	}
	for (size_t i = 0; i < n_local; i++)
		n_val_local += is_val[gid_of(d, i)];
	if (d->shared) {
		/* Each training row's number among the training rows of all. */
		size_t *ids = util_malloc_array(n_local - n_val_local + 1, sizeof *ids);

		if (!ids) {
			dnn_error_oom(e);
			goto out;
		}
		for (size_t g = 0, t = 0, j = 0, before = 0; g < n && j < n_local; g++) {
			if (g == gid_of(d, j)) {
				if (!is_val[g])
					ids[t++] = before;
				j++;
			}
			before += !is_val[g];
		}
		free(d->train_gid);
		d->train_gid = ids;
	}
	for (size_t i = 0, a = 0, b = n_local - n_val_local; i < n_local; i++)
		order[is_val[gid_of(d, i)] ? b++ : a++] = i;
	if (permute_rows(d->x, n_local, d->n_in * sizeof(float), order, e))
		goto out;
	if (d->y && permute_rows(d->y, n_local, d->n_targets * sizeof(float), order, e))
		goto out;
	if (d->label && permute_rows(d->label, n_local, sizeof(uint32_t), order, e))
		goto out;
	d->n_train_total = n - n_val;
	*n_val_out = n_val_local;
	rc = 0;
out:
	free(order);
	free(is_val);
	return rc;
}

int data_train_ids(struct dnn_dataset *d, size_t n_train, struct dnn_error *e)
{
	if (!d->shared) {
		d->n_train_total = n_train;
		return 0;
	}
	if (d->train_gid)
		return 0; /* data_split numbered them */
	/* All rows of the file train (validation rows, if any, come from
	 * another file). */
	if (!(d->train_gid = util_malloc_array(n_train + 1, sizeof *d->train_gid)))
		return dnn_error_oom(e);
	for (size_t j = 0; j < n_train; j++)
		d->train_gid[j] = gid_of(d, j);
	d->n_train_total = d->n_rows_total;
	return 0;
}

/* ---- normalization ---- */

static int norm_alloc(struct dnn_norm *nm, size_t n, struct dnn_error *e)
{
	nm->n = 0;
	nm->mean = util_malloc_array(n, sizeof *nm->mean);
	nm->scale = util_malloc_array(n, sizeof *nm->scale);
	if (!nm->mean || !nm->scale) {
		free(nm->mean);
		free(nm->scale);
		nm->mean = nm->scale = NULL;
		return dnn_error_oom(e);
	}
	nm->n = n;
	return 0;
}

int norm_identity(struct dnn_norm *nm, size_t n, struct dnn_error *e)
{
	if (norm_alloc(nm, n, e))
		return -1;
	for (size_t j = 0; j < n; j++) {
		nm->mean[j] = 0.0f;
		nm->scale[j] = 1.0f;
	}
	return 0;
}

/* mean_j = sum_i x_ij / n, scale_j = sqrt(sum_i (x_ij - mean_j)^2 / n), or 1
 * when that is 0 or negligible next to the mean. */
static int fit(struct dnn_norm *nm, const float *x, size_t cols, const size_t *rows, size_t n_rows,
	       int shared, struct dnn_error *e)
{
	double *sum = util_calloc_array(cols, sizeof *sum);
	double *sq = util_calloc_array(cols, sizeof *sq);
	uint64_t n_all = n_rows;

	if (!sum || !sq || norm_alloc(nm, cols, e)) {
		free(sum);
		free(sq);
		dnn_error_oom(e);
		if (shared)
			dist_abort(e);
		return -1;
	}
	if (shared)
		dist_sum_u64(&n_all, 1);
	for (size_t i = 0; i < n_rows; i++) {
		const float *xi = x + (rows ? rows[i] : i) * cols;

		for (size_t j = 0; j < cols; j++)
			sum[j] += (double)xi[j];
	}
	if (shared)
		dist_sum_f64(sum, cols);
	for (size_t j = 0; j < cols; j++)
		sum[j] = n_all ? sum[j] / (double)n_all : 0.0;
	for (size_t i = 0; i < n_rows; i++) {
		const float *xi = x + (rows ? rows[i] : i) * cols;

		for (size_t j = 0; j < cols; j++) {
			double dv = (double)xi[j] - sum[j];

			sq[j] += dv * dv;
		}
	}
	if (shared)
		dist_sum_f64(sq, cols);
	for (size_t j = 0; j < cols; j++) {
		double sd = n_all ? sqrt(sq[j] / (double)n_all) : 0.0;

		nm->mean[j] = (float)sum[j];
		if (sd == 0.0 || sd < 1e-12 * fabs(sum[j]) || !isfinite((float)sd))
			nm->scale[j] = 1.0f;
		else
			nm->scale[j] = (float)sd;
	}
	free(sum);
	free(sq);
	return 0;
}

int norm_fit(struct dnn_norm *nm, const float *x, size_t cols, const size_t *rows, size_t n_rows,
	     struct dnn_error *e)
{
	return fit(nm, x, cols, rows, n_rows, 0, e);
}

int norm_fit_shared(struct dnn_norm *nm, const float *x, size_t cols, size_t n_rows,
		    struct dnn_error *e)
{
	return fit(nm, x, cols, NULL, n_rows, dist_active(), e);
}

void norm_apply(const struct dnn_norm *nm, float *x, size_t n_rows)
{
	for (size_t i = 0; i < n_rows; i++, x += nm->n)
		for (size_t j = 0; j < nm->n; j++)
			x[j] = (x[j] - nm->mean[j]) / nm->scale[j];
}

void norm_invert(const struct dnn_norm *nm, float *x, size_t n_rows)
{
	for (size_t i = 0; i < n_rows; i++, x += nm->n)
		for (size_t j = 0; j < nm->n; j++)
			x[j] = x[j] * nm->scale[j] + nm->mean[j];
}

void norm_free(struct dnn_norm *nm)
{
	if (!nm)
		return;
	free(nm->mean);
	free(nm->scale);
	nm->mean = nm->scale = NULL;
	nm->n = 0;
}

/* ---- rows for predict ---- */

struct dnn_reader {
	struct dnn_csv *csv;
	locale_t cloc;
	size_t n_in;	  /* network inputs */
	size_t n_src;	  /* the model's input columns (numbers and categories) */
	char **in_names;  /* their names (borrowed) */
	size_t *in_train; /* their positions among the training columns */
	size_t *in_first; /* the network input each starts at */
	const struct dnn_catcol **in_cat; /* their categories, or NULL for a number */
	struct strtab *cat_tab;		  /* the categories of each, for lookup */
	size_t *map;	  /* file column of each, for the current layout */
	size_t width;	  /* fields per row; 0 until the first row (no header) */
	size_t n_train_cols;
	int header;
	int unknown_ignore;
	/* Targets (with_targets): names, training and file columns, classes. */
	size_t n_tgt;
	char **tgt_names;
	size_t *tgt_train, *tgt_map;
	struct strtab classes;
	int classify;
	/* Echo of the input cells (echo_delim). */
	char echo_delim;
	char *echo;
	size_t echo_len, echo_cap;
	size_t *echo_off; /* per row of the batch: start in echo */
	size_t echo_rows, echo_rows_cap;
	/* The fast path: for each field of a row, the network input it goes
	 * to, or -1 to skip it; NULL while the layout is unknown or when a row
	 * needs the general reader (categories, echo). */
	long *fast_slot;
};

/* Set up the fast path once the row width is known. */
static int reader_fast_setup(struct dnn_reader *r, struct dnn_error *e)
{
	if (r->echo_delim || !r->width)
		return 0;
	for (size_t j = 0; j < r->n_src; j++)
		if (r->in_cat[j])
			return 0;
	r->fast_slot = util_malloc_array(r->width, sizeof *r->fast_slot);
	if (!r->fast_slot)
		return dnn_error_oom(e);
	for (size_t i = 0; i < r->width; i++)
		r->fast_slot[i] = -1;
	for (size_t j = 0; j < r->n_src; j++)
		r->fast_slot[r->map[j]] = (long)r->in_first[j];
	return 0;
}

/* Rows of plain numbers straight from the input buffer into x (as
 * fast_rows does for data_load): how many, up to max. It stops, consuming
 * nothing of it, at the first line it cannot take whole, which the general
 * reader then takes. */
static size_t reader_fast(struct dnn_reader *r, float *x, size_t max)
{
	struct dnn_csv *c = r->csv;
	const int delim = c->delim;
	size_t n = 0;

	while (n < max) {
		const char *p = (const char *)c->in + c->in_pos;
		const char *end = (const char *)c->in + c->in_len;
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le;
		float *row = x + n * r->n_in;

		if (!nl)
			break;
		le = nl > p && nl[-1] == '\r' ? nl - 1 : nl;
		for (size_t i = 0; i < r->width; i++) {
			long slot = r->fast_slot[i];

			if (i) {
				if (p == le)
					return n;
				p++;
			}
			if (slot >= 0) {
				if (!fast_number(&p, le, delim, row + slot))
					return n;
			} else if (!(p = fast_field_end(p, le, delim))) {
				return n;
			}
		}
		if (p != le)
			return n;
		n++;
		c->in_pos = (size_t)(nl + 1 - (const char *)c->in);
		c->line++;
		c->col = 1;
	}
	return n;
}

/* Make room for need more bytes of echo. */
static int echo_reserve(char **buf, size_t *cap_io, size_t len, size_t need)
{
	size_t cap = *cap_io ? *cap_io : 1024;
	char *p;

	if (*cap_io - len >= need)
		return 0;
	while (cap - len < need) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	if (!(p = realloc(*buf, cap)))
		return -1;
	*buf = p;
	*cap_io = cap;
	return 0;
}

/* Append s[0..len) to buf, after delim unless it is the first cell, quoted
 * as CSV when it holds the delimiter, a quote or a line break. */
static int echo_cell(char **buf, size_t *cap, size_t *len, char delim, int first, const char *s,
		     size_t n)
{
	int quote = 0;

	for (size_t i = 0; i < n; i++)
		if (s[i] == delim || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
			quote = 1;
	if (n > SIZE_MAX / 2 - 8 || echo_reserve(buf, cap, *len, 2 * n + 4))
		return -1;
	if (!first)
		(*buf)[(*len)++] = delim;
	if (quote)
		(*buf)[(*len)++] = '"';
	for (size_t i = 0; i < n; i++) {
		if (quote && s[i] == '"')
			(*buf)[(*len)++] = '"';
		(*buf)[(*len)++] = s[i];
	}
	if (quote)
		(*buf)[(*len)++] = '"';
	(*buf)[*len] = '\0';
	return 0;
}

/* Keep the input cells of the current row as row n of the echo. */
static int echo_row(struct dnn_reader *r, size_t n, struct dnn_error *e)
{
	if (n == 0)
		r->echo_len = 0;
	r->echo_off[n] = r->echo_len;
	for (size_t j = 0; j < r->n_src; j++) {
		size_t len;
		char *s = field_trim(r->csv, r->map[j], &len);

		if (echo_cell(&r->echo, &r->echo_cap, &r->echo_len, r->echo_delim, j == 0, s, len))
			return dnn_error_oom(e);
	}
	if (r->n_src == 0 && echo_reserve(&r->echo, &r->echo_cap, r->echo_len, 1))
		return dnn_error_oom(e);
	r->echo[r->echo_len++] = '\0';
	return 0;
}

const char *reader_echo(const struct dnn_reader *r, size_t i)
{
	return i < r->echo_rows ? r->echo + r->echo_off[i] : NULL;
}

int reader_echo_header(const struct dnn_reader *r, char **out, struct dnn_error *e)
{
	char *buf = NULL;
	size_t cap = 0, len = 0;

	if (echo_reserve(&buf, &cap, 0, 1))
		return dnn_error_oom(e);
	buf[0] = '\0';
	for (size_t j = 0; j < r->n_src; j++) {
		if (echo_cell(&buf, &cap, &len, r->echo_delim, j == 0, r->in_names[j],
			      strlen(r->in_names[j]))) {
			free(buf);
			return dnn_error_oom(e);
		}
	}
	*out = buf;
	return 0;
}

struct dnn_reader *reader_open(const char *path, const struct dnn_csv_opts *o,
			       char *const *col_names, const unsigned char *col_role, size_t n_cols,
			       struct dnn_error *e)
{
	struct dnn_reader_opts ro = {0};

	return reader_open_model(path, o, col_names, col_role, n_cols, &ro, e);
}

/* Set up the target columns of r (with_targets). */
static int reader_targets(struct dnn_reader *r, char *const *col_names,
			  const unsigned char *col_role, size_t n_cols,
			  const struct dnn_reader_opts *ro, struct dnn_error *e)
{
	for (size_t i = 0; i < n_cols; i++)
		r->n_tgt += col_role[i] == DNN_COL_TARGET;
	r->tgt_names = util_malloc_array(r->n_tgt ? r->n_tgt : 1, sizeof *r->tgt_names);
	r->tgt_train = util_malloc_array(r->n_tgt ? r->n_tgt : 1, sizeof *r->tgt_train);
	r->tgt_map = util_malloc_array(r->n_tgt ? r->n_tgt : 1, sizeof *r->tgt_map);
	if (!r->tgt_names || !r->tgt_train || !r->tgt_map)
		return dnn_error_oom(e);
	for (size_t i = 0, j = 0; i < n_cols; i++) {
		if (col_role[i] == DNN_COL_TARGET) {
			r->tgt_names[j] = col_names[i];
			r->tgt_train[j++] = i;
		}
	}
	r->classify = ro->n_classes > 0;
	for (size_t k = 0; k < ro->n_classes; k++) {
		size_t idx;
		int added;

		if (strtab_add(&r->classes, ro->class_names[k], strlen(ro->class_names[k]), &idx,
			       &added))
			return dnn_error_oom(e);
	}
	return 0;
}

struct dnn_reader *reader_open_model(const char *path, const struct dnn_csv_opts *o,
				     char *const *col_names, const unsigned char *col_role,
				     size_t n_cols, const struct dnn_reader_opts *ro,
				     struct dnn_error *e)
{
	const struct dnn_catcol *cats = ro->cats;
	size_t n_cats = ro->n_cats;
	int unknown_ignore = ro->unknown_ignore;
	struct dnn_reader *r = calloc(1, sizeof *r);
	struct strtab t = {0};
	char **names = NULL;
	size_t n_names = 0, *first = NULL, *second = NULL, dup;

	if (!r) {
		dnn_error_oom(e);
		return NULL;
	}
	r->header = o ? o->header : 1;
	r->unknown_ignore = unknown_ignore;
	r->n_train_cols = n_cols;
	for (size_t i = 0; i < n_cols; i++)
		r->n_src += col_role[i] == DNN_COL_INPUT || col_role[i] == DNN_COL_CATEGORICAL;
	r->in_names = util_malloc_array(r->n_src, sizeof *r->in_names);
	r->in_train = util_malloc_array(r->n_src, sizeof *r->in_train);
	r->in_first = util_malloc_array(r->n_src, sizeof *r->in_first);
	r->in_cat = util_calloc_array(r->n_src, sizeof *r->in_cat);
	r->cat_tab = util_calloc_array(r->n_src, sizeof *r->cat_tab);
	r->map = util_malloc_array(r->n_src, sizeof *r->map);
	if (!r->in_names || !r->in_train || !r->in_first || !r->in_cat || !r->cat_tab || !r->map) {
		dnn_error_oom(e);
		goto fail;
	}
	for (size_t i = 0, j = 0, k = 0; i < n_cols; i++) {
		if (col_role[i] != DNN_COL_INPUT && col_role[i] != DNN_COL_CATEGORICAL)
			continue;
		r->in_names[j] = col_names[i];
		r->in_train[j] = i;
		r->in_first[j] = r->n_in;
		if (col_role[i] == DNN_COL_INPUT) {
			r->n_in++;
		} else {
			if (k >= n_cats || cats[k].col != i) {
				dnn_error_set(e, DNN_EX_SOFTWARE, NULL, 0, 0,
					      "reader_open: no categories for column '%s'",
					      col_names[i]);
				goto fail;
			}
			r->in_cat[j] = &cats[k];
			for (size_t c = 0; c < cats[k].n; c++) {
				size_t idx;
				int added;

				if (strtab_add(&r->cat_tab[j], cats[k].names[c],
					       strlen(cats[k].names[c]), &idx, &added)) {
					dnn_error_oom(e);
					goto fail;
				}
			}
			r->n_in += cats[k++].n;
		}
		j++;
	}
	if (ro->with_targets && reader_targets(r, col_names, col_role, n_cols, ro, e))
		goto fail;
	r->echo_delim = ro->echo_delim;
	if (!(r->cloc = c_numeric(e)))
		goto fail;
	r->csv = csv_open(path, o, e);
	if (!r->csv)
		goto fail;
	if (!r->header)
		return r;

	/* Match the model's inputs to the header by name. */
	if (read_names(r->csv, 1, &names, &n_names, e))
		goto fail;
	first = util_malloc_array(n_names, sizeof *first);
	second = util_malloc_array(n_names, sizeof *second);
	if (!first || !second) {
		dnn_error_oom(e);
		goto fail;
	}
	if (index_names(names, n_names, &t, first, second, &dup, e))
		goto fail;
	for (size_t j = 0; j < r->n_src; j++) {
		size_t k = strtab_find(&t, r->in_names[j]);

		if (k == SIZE_MAX) {
			dnn_error_set(e, DNN_EX_DATA, r->csv->name, 0, 0,
				      "input column '%s' is missing", r->in_names[j]);
			goto fail;
		}
		/* A repeated name matters only when it is one of the inputs. */
		if (second[k] != SIZE_MAX) {
			duplicate_error(r->csv, names, second[k], e);
			goto fail;
		}
		r->map[j] = first[k];
	}
	for (size_t j = 0; j < r->n_tgt; j++) {
		size_t k = strtab_find(&t, r->tgt_names[j]);

		if (k == SIZE_MAX) {
			dnn_error_set(e, DNN_EX_DATA, r->csv->name, 0, 0,
				      "target column '%s' is missing", r->tgt_names[j]);
			goto fail;
		}
		if (second[k] != SIZE_MAX) {
			duplicate_error(r->csv, names, second[k], e);
			goto fail;
		}
		r->tgt_map[j] = first[k];
	}
	r->width = n_names;
	if (reader_fast_setup(r, e))
		goto fail;
	strtab_free(&t);
	util_free_strings(names, n_names);
	free(first);
	free(second);
	return r;
fail:
	strtab_free(&t);
	util_free_strings(names, n_names);
	free(first);
	free(second);
	reader_close(r);
	return NULL;
}

/* Decide the layout from the first row of a file without a header. */
static int reader_layout(struct dnn_reader *r, struct dnn_error *e)
{
	size_t n = r->csv->n_fields;

	if (r->n_tgt && n != r->n_train_cols)
		/* The targets are needed: the row must be laid out as in training. */
		return ragged(r->csv, r->n_train_cols, 0, e);
	for (size_t j = 0; j < r->n_tgt; j++)
		r->tgt_map[j] = r->tgt_train[j];
	if (n == r->n_src) {
		for (size_t j = 0; j < r->n_src; j++)
			r->map[j] = j;
	} else if (n == r->n_train_cols) {
		for (size_t j = 0; j < r->n_src; j++)
			r->map[j] = r->in_train[j];
	} else {
		return ragged(r->csv, r->n_src, r->n_train_cols, e);
	}
	r->width = n;
	return 0;
}

/* The inputs of categorical column j for field i of the current row: 1 for
 * its category, 0 for the others; NaN for a missing one (when allowed). */
static int reader_category(struct dnn_reader *r, size_t j, size_t i, float *x,
			   struct dnn_error *e)
{
	struct dnn_csv *c = r->csv;
	const struct dnn_catcol *cc = r->in_cat[j];
	char shown[SHOW_MAX * 4 + 8];
	size_t len, k;
	char *s = field_trim(c, i, &len);

	if (is_missing(s, len)) {
		if (!c->missing_ok)
			return dnn_error_set(e, DNN_EX_DATA, c->name, c->fline[i], c->fcol[i],
					     "missing value in column '%s'", r->in_names[j]);
		for (size_t q = 0; q < cc->n; q++)
			x[q] = NAN;
		c->n_missing++;
		return 0;
	}
	for (size_t q = 0; q < cc->n; q++)
		x[q] = 0.0f;
	k = strtab_find(&r->cat_tab[j], s);
	if (k != SIZE_MAX) {
		x[k] = 1.0f;
		return 0;
	}
	if (r->unknown_ignore)
		return 0;
	show_text(shown, sizeof shown, s);
	return dnn_error_set(e, DNN_EX_DATA, c->name, c->fline[i], c->fcol[i],
			     "unknown category '%s' in column '%s' (not in the training data)",
			     shown, r->in_names[j]);
}

/* The targets of the current row into y (regression) or *label. */
static int reader_row_targets(struct dnn_reader *r, float *y, uint32_t *label,
			      struct dnn_error *e)
{
	struct dnn_csv *c = r->csv;

	if (!r->classify) {
		for (size_t j = 0; j < r->n_tgt; j++)
			if (cell_number(c, r->tgt_map[j], r->tgt_names[j], 0, y + j, e))
				return -1;
		return 0;
	}
	size_t i = r->tgt_map[0], len, k;
	char shown[SHOW_MAX * 4 + 8];
	char *s = field_trim(c, i, &len);

	if (is_missing(s, len))
		return dnn_error_set(e, DNN_EX_DATA, c->name, c->fline[i], c->fcol[i],
				     "missing value in column '%s'", r->tgt_names[0]);
	k = strtab_find(&r->classes, s);
	if (k == SIZE_MAX) {
		show_text(shown, sizeof shown, s);
		return dnn_error_set(e, DNN_EX_DATA, c->name, c->fline[i], c->fcol[i],
				     "unknown class '%s' in column '%s' (not one of the model's)",
				     shown, r->tgt_names[0]);
	}
	*label = (uint32_t)k;
	return 0;
}

int reader_next(struct dnn_reader *r, float *x, size_t max_rows, size_t *n_read,
		struct dnn_error *e)
{
	return reader_next_labelled(r, x, NULL, NULL, max_rows, n_read, e);
}

int reader_next_labelled(struct dnn_reader *r, float *x, float *y, uint32_t *label,
			 size_t max_rows, size_t *n_read, struct dnn_error *e)
{
	locale_t old;
	size_t n = 0;
	int rc = 0;

	if (r->echo_delim && max_rows > r->echo_rows_cap) {
		size_t *off = util_realloc_array(r->echo_off, max_rows, sizeof *off);

		if (!off)
			return dnn_error_oom(e);
		r->echo_off = off;
		r->echo_rows_cap = max_rows;
	}
	r->echo_rows = 0;
	old = uselocale(r->cloc);
	while (n < max_rows) {
		int got;

		if (r->fast_slot && !y && !label) {
			n += reader_fast(r, x + n * r->n_in, max_rows - n);
			if (n == max_rows)
				break;
		}
		/* Rows in hand go out rather than wait on a slow pipe. */
		if (n > 0 && r->csv->in_pos == r->csv->in_len && !input_ready(r->csv->src))
			break;
		got = csv_next(r->csv, e);

		if (got <= 0) {
			rc = got;
			break;
		}
		if (!r->width && (reader_layout(r, e) || reader_fast_setup(r, e))) {
			rc = -1;
			break;
		}
		if (r->csv->n_fields != r->width) {
			rc = ragged(r->csv, r->width, 0, e);
			break;
		}
		for (size_t j = 0; j < r->n_src && rc == 0; j++) {
			float *xj = x + n * r->n_in + r->in_first[j];

			if (r->in_cat[j])
				rc = reader_category(r, j, r->map[j], xj, e);
			else
				rc = cell_number(r->csv, r->map[j], r->in_names[j], 1, xj, e);
		}
		if (!rc && r->echo_delim)
			rc = echo_row(r, n, e);
		if (!rc && r->n_tgt && (y || label))
			rc = reader_row_targets(r, y ? y + n * r->n_tgt : NULL, label ? label + n : NULL,
						e);
		if (rc)
			break;
		n++;
	}
	uselocale(old);
	r->echo_rows = rc ? 0 : n;
	*n_read = rc ? 0 : n;
	return rc ? -1 : 0;
}

void reader_close(struct dnn_reader *r)
{
	if (!r)
		return;
	csv_close(r->csv);
	if (r->cloc)
		freelocale(r->cloc);
	if (r->cat_tab)
		for (size_t j = 0; j < r->n_src; j++)
			strtab_free(&r->cat_tab[j]);
	free(r->cat_tab);
	free(r->in_cat);
	free(r->in_names);
	free(r->in_train);
	free(r->in_first);
	free(r->map);
	free(r->echo);
	free(r->echo_off);
	free(r->fast_slot);
	free(r->tgt_names);
	free(r->tgt_train);
	free(r->tgt_map);
	strtab_free(&r->classes);
	free(r);
}
