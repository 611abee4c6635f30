/* The CSV reader: a streaming RFC 4180 tokenizer over plain, gzip-compressed
 * (recognised by content) or standard input (bytes from input.c), the cells
 * it hands out (trimmed, parsed as numbers, quoted in messages) and the fast
 * path's scanners that datasets and the row reader share. */
#ifndef DNN_CSV_H
#define DNN_CSV_H

#include <locale.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "err.h"
#include "num.h"

struct dnn_csv_opts {
	char delimiter;		/* ',' by default; 0: not given (model_csv_defaults) */
	int header;		/* 1: the first row names the columns; -1: not given */
	int missing_ok;		/* a missing input cell reads as NaN, not an error */
};

struct dnn_csv;

/* Open path ("-": standard input) for reading; gzip is detected by its magic
 * bytes. Errors: 66 when missing or unreadable. */
struct dnn_csv *csv_open(const char *path, const struct dnn_csv_opts *o, struct dnn_error *e);
/* Read the next row: 1 when a row was read, 0 at end of input, -1 on error
 * (65 for malformed CSV, 74 for a read error). Blank lines are skipped. */
int csv_next(struct dnn_csv *c, struct dnn_error *e);
size_t csv_nfields(const struct dnn_csv *c);
/* Field i of the current row, unquoted and NUL-terminated; valid until the
 * next csv_next. */
const char *csv_field(const struct dnn_csv *c, size_t i);
/* 1-based line on which the current row starts, and the 1-based column
 * (in bytes) at which field i starts. */
unsigned long csv_line(const struct dnn_csv *c);
unsigned long csv_column(const struct dnn_csv *c, size_t i);
/* The name used in messages: the path, or "<stdin>". */
const char *csv_name(const struct dnn_csv *c);
void csv_close(struct dnn_csv *c);

/* ---- inside the library: the reader's state and its cells, for the
 * dataset loader, the MPI shares and the row reader ---- */

#define CSV_SHOW_MAX 40 /* bytes of a cell quoted in a message */
#define CSV_ROW_MAX (64u << 20) /* bytes of a row's fields (with a NUL each) */
#define CSV_FIELDS_MAX (1u << 20) /* fields in a row */

struct dnn_csv {
	struct dnn_input *src;
	char *name;
	int delim; /* as an unsigned char */
	int missing_ok; /* missing input cells read as NaN */
	size_t n_missing;
	int eof;   /* the input is exhausted */
	int in_err; /* the INPUT_ERR_ value that ended the input, if any */
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
	/* keep_raw: every byte read is kept in raw (raw_len bytes), so that
	 * byte csv_offset() on is where the next row starts. */
	int keep_raw;
	unsigned char *raw;
	size_t raw_len, raw_cap;
};

/* Bytes of (decompressed) input consumed so far: the end of the current
 * row's line terminator once csv_next has read it. */
static inline uint64_t csv_offset(const struct dnn_csv *c)
{
	return c->taken + c->in_pos;
}

/* csv_open, from byte offset of a plain file for length bytes when length
 * is not UINT64_MAX. */
struct dnn_csv *csv_open_at(const char *path, const struct dnn_csv_opts *o, uint64_t offset,
			    uint64_t length, struct dnn_error *e);
/* After bad data in gzip input: a damaged stream garbles what it inflates
 * before zlib notices, so read on a little, and when the stream itself turns
 * out to be corrupt or cut short, blame that instead. */
void csv_gzip_blame(struct dnn_csv *c, struct dnn_error *e);
/* Field i with its leading and trailing blanks cut off (in place). */
char *csv_trim(struct dnn_csv *c, size_t i, size_t *len);
/* s quoted for a message: at most CSV_SHOW_MAX bytes and "..." when it is
 * longer (dnn_error_format escapes its control bytes). */
void csv_show_text(char *dst, size_t size, const char *s);
/* Field i of the current row as a number, or the error that names its cell;
 * input: a missing cell may read as NaN (missing_ok). */
/* Field i of the current row as a row's weight: a number, 0 or above; an
 * error naming its cell when it is not. */
int csv_cell_weight(struct dnn_csv *c, size_t i, const char *col_name, float *out,
		    struct dnn_error *e);
int csv_cell_number(struct dnn_csv *c, size_t i, const char *col_name, int input, float *out,
		    struct dnn_error *e);
/* The error for a row whose width is neither want nor want2 (0: no
 * alternative), placed at the first extra field or just past the row's end. */
int csv_ragged(const struct dnn_csv *c, size_t want, size_t want2, struct dnn_error *e);
/* Read the first row as the names of the columns, blanks around them cut
 * (header), or only count its fields and name them "0", "1", ... (no
 * header; the row stays current). */
int csv_read_names(struct dnn_csv *c, int header, char ***names, size_t *n,
		   struct dnn_error *e);
/* 0 when s[0..len), the trimmed text of field i, is UTF-8; otherwise the
 * error placed at its first bad byte (what: "the column name", ...). */
int csv_check_utf8(const struct dnn_csv *c, size_t i, const char *s, size_t len,
		   const char *what, struct dnn_error *e);
/* The error for a header whose column i repeats an earlier name. */
int csv_duplicate_error(const struct dnn_csv *c, char *const *names, size_t i,
			struct dnn_error *e);
/* A locale whose numbers use '.', whatever setlocale the caller did. */
locale_t csv_c_locale(struct dnn_error *e);

/* Whether a trimmed cell spells a missing value. */
static inline int csv_is_missing(const char *s, size_t len)
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

/* ---- the fast path: whole plain lines straight from the input buffer ---- */

/* A little-endian load's value on any host. */
static inline uint64_t csv_le64(uint64_t w)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return __builtin_bswap64(w);
#else
	return w;
#endif
}

static inline int csv_fast_blank(int ch, int delim)
{
	return ch == ' ' || (ch == '\t' && delim != '\t');
}

/* The end of the unquoted field at p (its delimiter or le), or NULL when the
 * field holds a quote, a NUL byte or a bare CR, which only the general
 * reader takes. */
static inline const char *csv_fast_field_end(const char *p, const char *le, int delim)
{
	for (; p < le && *p != delim; p++)
		if (*p == '"' || *p == '\0' || *p == '\r')
			return NULL;
	return p;
}

/* The general case of csv_fast_number below: blanks around the number, more
 * digits, a sign, decimals or an exponent. */
static inline int csv_fast_number_general(const char **pp, const char *le, int delim, float *out)
{
	const char *p = *pp, *start, *end, *t;

	while (p < le && csv_fast_blank(*p, delim))
		p++;
	start = p;
	end = csv_fast_field_end(p, le, delim);
	if (!end)
		return 0;
	for (t = end; t > start && csv_fast_blank(t[-1], delim); t--)
		;
	if (num_parse(start, (size_t)(t - start), out) != NUM_OK)
		return 0;
	*pp = end;
	return 1;
}

/* Parse the number field at *pp, leaving *pp at its end: 1, or 0 when the
 * field is anything but a finite number with optional blanks around it. */
static inline __attribute__((always_inline)) int csv_fast_number(const char **pp, const char *le,
							     int delim, float *out)
{
	const char *p = *pp;
	uint64_t w, nd;

	/* 1 to 7 digits then the delimiter or the line end: the common case,
	 * parsed eight bytes at a time without a branch per digit (SWAR). The
	 * chunk has INPUT_PAD readable bytes past its end. */
	memcpy(&w, p, sizeof w);
	w = csv_le64(w) - UINT64_C(0x3030303030303030);
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
	return csv_fast_number_general(pp, le, delim, out);
}

#endif
