/* The CSV reader: the general RFC 4180 tokenizer over input.c's bytes and
 * its cells (the fast path's scanners are inline in csv.h). */
#include "csv.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"
#include "util.h"

/* ---- the tokenizer ---- */

enum { CH_EOF = -1, CH_ERR = -2 };

static int is_blank(int ch)
{
	return ch == ' ' || ch == '\t';
}

/* What c->in points to when it holds nothing: readable padding. */
static const unsigned char no_input[INPUT_PAD];

/* Append n bytes at p to c->raw (keep_raw). -1 when out of memory. */
static int keep_chunk(struct dnn_csv *c, const unsigned char *p, size_t n)
{
	if (n > c->raw_cap - c->raw_len) {
		size_t cap = c->raw_cap ? c->raw_cap : 65536;
		unsigned char *q;

		while (cap - c->raw_len < n) {
			if (cap > SIZE_MAX / 2)
				return -1;
			cap *= 2;
		}
		if (!(q = realloc(c->raw, cap)))
			return -1;
		c->raw = q;
		c->raw_cap = cap;
	}
	memcpy(c->raw + c->raw_len, p, n);
	c->raw_len += n;
	return 0;
}

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
		if (c->keep_raw && keep_chunk(c, p, n))
			return dnn_error_oom(e);
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
	c->in_err = err;
	switch (err) {
	case INPUT_ERR_CORRUPT:
		return dnn_error_set(e, DNN_EX_DATA, c->name, c->line, 0, "corrupt gzip data");
	case INPUT_ERR_TRUNCATED:
		return dnn_error_set(e, DNN_EX_DATA, c->name, c->line, 0,
				     "truncated gzip data");
	case INPUT_ERR_TRAILING:
		return dnn_error_set(e, DNN_EX_DATA, c->name, 0, 0,
				     "trailing data after the gzip stream");
	case INPUT_ERR_FORMAT:
		return dnn_error_set(e, DNN_EX_DATA, c->name, 0, 0,
				     "this is a %s file; dnn reads plain or gzip CSV",
				     input_format(c->src));
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

/* Make room for n more bytes in the row buffer: a row (its fields, each
 * with a NUL) of more than CSV_ROW_MAX bytes is an error, so that a file
 * without line ends cannot take all memory. */
static int row_reserve(struct dnn_csv *c, size_t n, struct dnn_error *e)
{
	size_t cap;
	char *p;

	if (n <= c->row_cap - c->row_len)
		return 0;
	if (n > CSV_ROW_MAX - c->row_len)
		return dnn_error_set(e, DNN_EX_DATA, c->name, c->row_line, 0,
				     "row longer than %u MiB (the limit)", CSV_ROW_MAX >> 20);
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

/* Begin a field at the current input position (no more than CSV_FIELDS_MAX
 * in a row). */
static int field_start(struct dnn_csv *c, struct dnn_error *e)
{
	if (c->n_fields == CSV_FIELDS_MAX)
		return dnn_error_set(e, DNN_EX_DATA, c->name, c->line, c->col,
				     "row has more than %u fields (the limit)", CSV_FIELDS_MAX);
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
			/* CRLF is a line break in the field; a bare CR is data. */
			c->row[c->row_len++] = '\r';
			ch = csv_peek(c, e);
			if (ch == CH_ERR)
				return -1;
			if (ch == '\n') {
				c->in_pos++;
				c->row[c->row_len++] = '\n';
				c->line++;
				c->col = 1;
			} else {
				c->col++;
			}
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
			if (ch != '\n')
				return dnn_error_set(e, DNN_EX_DATA, c->name, c->end_line,
						     c->end_col,
						     "bare carriage return (lines end in LF or CRLF)");
			c->in_pos++;
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

/* How far past bad data csv_gzip_blame reads: damage shows up as a deflate error
 * within a few KiB of it, or at the checksum of a short stream. */
#define BLAME_BYTES (8u << 20)

/* After bad data in gzip input: a damaged stream garbles what it inflates
 * before zlib notices, so read on a little, and when the stream itself turns
 * out to be corrupt or cut short, blame that instead. */
void csv_gzip_blame(struct dnn_csv *c, struct dnn_error *e)
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
	/* Bytes after the stream do not garble what it holds. */
	if (r < 0 && e2.code == DNN_EX_DATA && c->in_err != INPUT_ERR_TRAILING)
		*e = e2;
}

/* csv_open, from byte offset of a plain file for length bytes when length
 * is not UINT64_MAX. */
struct dnn_csv *csv_open_at(const char *path, const struct dnn_csv_opts *o, uint64_t offset,
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
	free(c->raw);
	free(c);
}

/* ---- cells ---- */

enum { CELL_OK, CELL_MISSING, CELL_NAN, CELL_INF };

/* Field i with its leading and trailing blanks cut off (in place). */
char *csv_trim(struct dnn_csv *c, size_t i, size_t *len)
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
	if (csv_is_missing(s, len))
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

/* s quoted for a message: at most CSV_SHOW_MAX bytes, cut at a character's
 * start (dnn_error_format escapes control bytes). */
void csv_show_text(char *dst, size_t size, const char *s)
{
	size_t len = strlen(s), shown = len;

	if (shown > CSV_SHOW_MAX) {
		shown = CSV_SHOW_MAX;
		while (shown > 0 && ((unsigned char)s[shown] & 0xc0) == 0x80)
			shown--;
	}
	snprintf(dst, size, "%.*s%s", (int)shown, s, shown < len ? "..." : "");
}

/* Field i of the current row as a number, or the error that names its cell. */
int csv_cell_number(struct dnn_csv *c, size_t i, const char *col_name, int input, float *out,
		    struct dnn_error *e)
{
	char shown[CSV_SHOW_MAX * 4 + 8];
	size_t len;
	char *s = csv_trim(c, i, &len);
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
	csv_show_text(shown, sizeof shown, s);
	if (r == CELL_INF)
		return dnn_error_set(e, DNN_EX_DATA, c->name, c->fline[i], c->fcol[i],
				     "not a finite number: '%s'", shown);
	return dnn_error_set(e, DNN_EX_DATA, c->name, c->fline[i], c->fcol[i],
			     "expected a number, got '%s'", shown);
}

/* The error for a row whose width is neither want nor want2 (0: no
 * alternative), placed at the first extra field or just past the row's end. */
int csv_ragged(const struct dnn_csv *c, size_t want, size_t want2, struct dnn_error *e)
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

/* Read the first row as the names of the columns, blanks around them cut
 * (header), or only count its fields and name them "0", "1", ... (no
 * header; the row stays current). */
int csv_read_names(struct dnn_csv *c, int header, char ***names, size_t *n, struct dnn_error *e)
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
			const char *s = csv_trim(c, i, &len);

			if (csv_check_utf8(c, i, s, len, "the column name", e))
				return -1;
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

/* 0 when s[0..len), the trimmed text of field i, is UTF-8; otherwise the
 * error placed at its first bad byte (what: "the column name", ...). */
int csv_check_utf8(const struct dnn_csv *c, size_t i, const char *s, size_t len,
		   const char *what, struct dnn_error *e)
{
	long bad = util_utf8_bad(s, len);

	if (bad < 0)
		return 0;
	/* The column of the byte in a field on one line without quotes. */
	size_t lead = (size_t)(s - (c->row + c->off[i]));
	return dnn_error_set(e, DNN_EX_DATA, c->name, c->fline[i],
			     c->fcol[i] + (unsigned long)(lead + (size_t)bad),
			     "%s is not valid UTF-8 (byte 0x%02x)", what,
			     (unsigned char)s[bad]);
}

/* The error for a header whose column i repeats an earlier name. */
int csv_duplicate_error(const struct dnn_csv *c, char *const *names, size_t i, struct dnn_error *e)
{
	return dnn_error_set(e, DNN_EX_DATA, c->name, c->fline[i], c->fcol[i],
			     "duplicate column name '%s'", names[i]);
}

/* A locale whose numbers use '.', whatever setlocale the caller did. */
locale_t csv_c_locale(struct dnn_error *e)
{
	locale_t l = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);

	if (l == (locale_t)0)
		dnn_error_oom(e);
	return l;
}

int csv_cell_weight(struct dnn_csv *c, size_t i, const char *col_name, float *out,
		    struct dnn_error *e)
{
	if (csv_cell_number(c, i, col_name, 0, out, e))
		return -1;
	if (*out < 0.0f)
		return dnn_error_set(e, DNN_EX_DATA, c->name, c->fline[i], c->fcol[i],
				     "negative weight %g in column '%s'", (double)*out, col_name);
	return 0;
}
