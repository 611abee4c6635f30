/* Strict JSON (json.h): RFC 8259 checked byte by byte, the first fault
 * reported with its line, column and key path. */
#include "json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"
#include "util.h"

#define PATH_MAX_LEN 200 /* bytes of the key path shown in a message */
#define KEY_SHOWN 64	 /* bytes of one key in the path */
#define NEAR 10		 /* bytes of text quoted after "near" */
#define LIT_SHOWN 24	 /* bytes of a number quoted in a message */

struct jp {
	const char *s;
	size_t len, i;
	unsigned flags;
	const char *name;
	struct dnn_error *e;
	int depth;
	size_t plen;
	char path[PATH_MAX_LEN + 8];
};

static int value(struct jp *p);

void json_position(const char *text, size_t off, unsigned long *line, unsigned long *column)
{
	*line = 1;
	*column = 1;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*column = 1;
		} else {
			(*column)++;
		}
	}
}

static int fail_at(struct jp *p, size_t off, const char *fmt, ...) DNN_PRINTF(3, 4);

/* The error at byte off: "PATH: message", or the message alone at the top. */
static int fail_at(struct jp *p, size_t off, const char *fmt, ...)
{
	char msg[768];
	unsigned long line, col;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_position(p->s, off, &line, &col);
	if (p->plen)
		return dnn_error_set(p->e, DNN_EX_DATA, p->name, line, col, "%s: %s", p->path, msg);
	return dnn_error_set(p->e, DNN_EX_DATA, p->name, line, col, "%s", msg);
}

static int fail_end(struct jp *p)
{
	if (p->depth)
		return fail_at(p, p->len,
			       "invalid JSON: the text ends before every bracket is closed");
	return fail_at(p, p->len, "invalid JSON: unexpected end of file");
}

/* Byte off is not what the grammar allows there (what: what it allows). */
static int unexpected(struct jp *p, size_t off, const char *what)
{
	size_t n = p->len - off < NEAR ? p->len - off : NEAR;

	if (off >= p->len)
		return fail_end(p);
	switch (p->s[off]) {
	case '\0':
		return fail_at(p, off, "not a JSON text (NUL byte)");
	case '/':
		return fail_at(p, off, "invalid JSON: comments are not allowed");
	case '\'':
		return fail_at(p, off, "invalid JSON: strings take double quotes, not single");
	}
	/* Quote whole UTF-8 characters. */
	while (n > 0 && off + n < p->len && ((unsigned char)p->s[off + n] & 0xc0) == 0x80)
		n--;
	return fail_at(p, off, "invalid JSON near '%.*s': %s", (int)n, p->s + off, what);
}

static void skip_blanks(struct jp *p)
{
	while (p->i < p->len && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' ||
				 p->s[p->i] == '\r'))
		p->i++;
}

/* Append to the key path (cut short with "..." when it is full). */
static void path_add(struct jp *p, const char *s, size_t n)
{
	if (p->plen >= PATH_MAX_LEN)
		return;
	if (n > PATH_MAX_LEN - p->plen) {
		n = PATH_MAX_LEN - p->plen;
		memcpy(p->path + p->plen, s, n);
		memcpy(p->path + p->plen + n, "...", 4);
		p->plen = PATH_MAX_LEN + 3;
		return;
	}
	memcpy(p->path + p->plen, s, n);
	p->plen += n;
	p->path[p->plen] = '\0';
}

static void path_cut(struct jp *p, size_t len)
{
	p->plen = len;
	p->path[len] = '\0';
}

/* The key whose opening quote is at byte q, as written, onto the path. */
static void path_key(struct jp *p, size_t q)
{
	size_t i = q + 1, end = p->len < q + 1 + KEY_SHOWN ? p->len : q + 1 + KEY_SHOWN;

	while (i < end && p->s[i] != '"')
		i += p->s[i] == '\\' ? 2 : 1;
	if (i > end)
		i = end;
	if (p->plen)
		path_add(p, ".", 1);
	path_add(p, p->s + q + 1, i - q - 1);
	if (i == end && i < p->len && p->s[i] != '"')
		path_add(p, "...", 3);
}

static int hex4(const char *s, unsigned *out)
{
	unsigned v = 0;

	for (int k = 0; k < 4; k++) {
		char c = s[k];
		unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
			     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
						    : 16;
		if (d == 16)
			return -1;
		v = v * 16 + d;
	}
	*out = v;
	return 0;
}

/* The \u escape at byte i (the backslash): its length, or -1 after the error. */
static int unicode_escape(struct jp *p, size_t i, int key)
{
	unsigned cp, lo;

	if (p->len - i < 6 || hex4(p->s + i + 2, &cp))
		return fail_at(p, i, "invalid JSON: \\u needs four hexadecimal digits");
	if (cp == 0)
		return fail_at(p, i,
			       key ? "the key holds \\u0000 (NUL), which dnn-spec(5) forbids"
				   : "\\u0000 (NUL) in a string: dnn-spec(5) forbids NUL");
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return fail_at(p, i,
			       "invalid JSON: lone surrogate \\u%04x (a low surrogate must "
			       "follow a high one)",
			       cp);
	if (cp < 0xd800 || cp > 0xdbff)
		return 6;
	if (p->len - i < 12 || p->s[i + 6] != '\\' || p->s[i + 7] != 'u' ||
	    hex4(p->s + i + 8, &lo) || lo < 0xdc00 || lo > 0xdfff)
		return fail_at(p, i,
			       "invalid JSON: lone surrogate \\u%04x (a high surrogate must "
			       "be followed by a low one)",
			       cp);
	return 12;
}

/* The string whose opening quote is at p->i; key: it is an object's key. */
static int string(struct jp *p, int key)
{
	size_t st = p->i, i = p->i + 1;

	for (;;) {
		unsigned char c;
		int n;

		if (i >= p->len)
			return fail_at(p, st,
				       "invalid JSON: the string that starts here is not "
				       "closed");
		c = (unsigned char)p->s[i];
		if (c == '"')
			break;
		if (c == '\\') {
			char x = i + 1 < p->len ? p->s[i + 1] : '\0';

			if (i + 1 >= p->len) {
				i++;
			} else if (x == 'u') {
				if ((n = unicode_escape(p, i, key)) < 0)
					return -1;
				i += (size_t)n;
			} else if (x && strchr("\"\\/bfnrt", x)) {
				i += 2;
			} else if (x == '\0') {
				return fail_at(p, i + 1, "not a JSON text (NUL byte)");
			} else {
				return fail_at(
				    p, i, "invalid JSON: invalid escape '\\%c' in a string", x);
			}
		} else if (c == 0) {
			return fail_at(p, i, "not a JSON text (NUL byte)");
		} else if (c < 0x20) {
			return fail_at(p, i,
				       "invalid JSON: control character 0x%02x in a string "
				       "(write it as \\u%04x)",
				       c, c);
		} else if (c < 0x80) {
			i++;
		} else if ((n = (int)util_utf8_len(p->s + i, p->len - i)) > 0) {
			i += (size_t)n;
		} else if (p->flags & JSON_LAX_UTF8) {
			i++;
		} else {
			return fail_at(p, i, "invalid UTF-8 in a string (byte 0x%02x)", c);
		}
	}
	p->i = i + 1;
	return 0;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_';
}

static size_t word_len(const struct jp *p, size_t i)
{
	size_t n = 0;

	while (i + n < p->len && is_word(p->s[i + n]))
		n++;
	return n;
}

/* A number's literal s (n bytes) equals d when d is a whole number up to
 * 2^53 in magnitude, where doubles hold every whole number: "9007199254740993"
 * reads as 2^53 and is no seed. Other numbers round as doubles do (1e23,
 * 0.1, 4.0000000000000001); whole-number keys refuse those above 2^53. */
static int whole_exact(const char *s, size_t n, double d)
{
	char dig[400], got[32];
	size_t nd = 0, i = 0, nfrac = 0;
	long ex = 0, p;
	int lead = 1;

	if (fabs(d) > 9007199254740992.0)
		return 1;
	if (s[i] == '-')
		i++;
	for (; i < n && (is_digit(s[i]) || s[i] == '.'); i++) {
		if (s[i] == '.') {
			nfrac = 1;
			continue;
		}
		if (nfrac)
			nfrac++;
		if (lead && s[i] == '0')
			continue;
		lead = 0;
		if (nd == sizeof dig - 1)
			return 1; /* beyond any double that is a whole number */
		dig[nd++] = s[i];
	}
	if (nfrac)
		nfrac--;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		int neg = s[++i] == '-';

		/* Clamped: beyond 10^+-100000 the value is 0 or out of range. */
		for (i += s[i] == '-' || s[i] == '+'; i < n && ex < 100000; i++)
			ex = ex * 10 + (s[i] - '0');
		ex = neg ? -ex : ex;
	}
	while (nd > 0 && dig[nd - 1] == '0') {
		nd--;
		ex++;
	}
	p = ex - (long)nfrac;
	if (nd == 0 || p < 0 || (long)nd + p <= 15)
		return 1; /* zero, not whole, or exact */
	if ((long)nd + p > 20)
		return 0; /* far above 2^53, yet read as at most 2^53 */
	for (long k = 0; k < p; k++)
		dig[nd++] = '0';
	dig[nd] = '\0';
	snprintf(got, sizeof got, "%.0f", fabs(d));
	return strcmp(dig, got) == 0;
}

/* The number literal from st to p->i: a double holds it. */
static int number_range(struct jp *p, size_t st)
{
	size_t n = p->i - st;
	char small[128], *buf = n < sizeof small ? small : malloc(n + 1);
	int shown = n > LIT_SHOWN ? LIT_SHOWN : (int)n, nonzero = 0, rc = 0;
	const char *more = n > LIT_SHOWN ? "..." : "";
	double d;

	if (!buf)
		return dnn_error_oom(p->e);
	memcpy(buf, p->s + st, n);
	buf[n] = '\0';
	for (size_t k = 0; k < n && !nonzero && buf[k] != 'e' && buf[k] != 'E'; k++)
		nonzero = buf[k] >= '1' && buf[k] <= '9';
	d = num_strtod(buf);
	if (isinf(d))
		rc = fail_at(p, st, "number out of range (not representable as a double): %.*s%s",
			     shown, buf, more);
	else if (d == 0 && nonzero)
		rc = fail_at(p, st,
			     "number out of range (too small for a double: it would read "
			     "as 0): %.*s%s",
			     shown, buf, more);
	else if (!whole_exact(buf, n, d))
		rc = fail_at(p, st,
			     "%.*s%s is not exactly representable as a double (it would read "
			     "as %.0f; whole numbers are exact up to 2^53 = "
			     "9007199254740992)",
			     shown, buf, more, d);
	if (buf != small)
		free(buf);
	return rc;
}

/* A number starting with '-' or a digit at p->i, in RFC 8259's grammar. */
static int number(struct jp *p)
{
	size_t st = p->i, i = p->i;

	if (p->s[i] == '-')
		i++;
	if (i >= p->len || !is_digit(p->s[i])) {
		if (i < p->len && word_len(p, i))
			return fail_at(p, st,
				       "invalid JSON: NaN and Infinity are not JSON numbers");
		if (i < p->len && p->s[i] == '.')
			return fail_at(p, st,
				       "invalid JSON: a number needs a digit before its "
				       "decimal point");
		return fail_at(p, st, "invalid JSON: '-' must be followed by a digit");
	}
	if (p->s[i] == '0') {
		i++;
		if (i < p->len && (p->s[i] == 'x' || p->s[i] == 'X'))
			return fail_at(p, st, "invalid JSON: hexadecimal numbers are not JSON");
		if (i < p->len && is_digit(p->s[i])) {
			size_t n = i - st + 1;

			while (st + n < p->len && is_digit(p->s[st + n]) && n < LIT_SHOWN)
				n++;
			return fail_at(p, st, "invalid JSON: leading zero in the number '%.*s'",
				       (int)n, p->s + st);
		}
	}
	while (i < p->len && is_digit(p->s[i]))
		i++;
	if (i < p->len && p->s[i] == '.') {
		if (++i >= p->len || !is_digit(p->s[i]))
			return fail_at(p, st,
				       "invalid JSON: a number needs a digit after its "
				       "decimal point");
		while (i < p->len && is_digit(p->s[i]))
			i++;
	}
	if (i < p->len && (p->s[i] == 'e' || p->s[i] == 'E')) {
		i++;
		if (i < p->len && (p->s[i] == '+' || p->s[i] == '-'))
			i++;
		if (i >= p->len || !is_digit(p->s[i]))
			return fail_at(p, st,
				       "invalid JSON: a number needs a digit in its exponent");
		while (i < p->len && is_digit(p->s[i]))
			i++;
	}
	p->i = i;
	return number_range(p, st);
}

/* The n bytes at w are the word lower, in any case. */
static int word_is(const char *w, size_t n, const char *lower)
{
	if (n != strlen(lower))
		return 0;
	for (size_t k = 0; k < n; k++)
		if ((w[k] >= 'A' && w[k] <= 'Z' ? w[k] - 'A' + 'a' : w[k]) != lower[k])
			return 0;
	return 1;
}

/* true, false, null, or the error for another word or byte at p->i. */
static int word(struct jp *p)
{
	static const char *const ok[] = {"true", "false", "null"};
	size_t n = word_len(p, p->i);
	const char *w = p->s + p->i;

	for (int k = 0; k < 3; k++)
		if (n == strlen(ok[k]) && memcmp(w, ok[k], n) == 0) {
			p->i += n;
			return 0;
		}
	if (word_is(w, n, "nan") || word_is(w, n, "inf") || word_is(w, n, "infinity"))
		return fail_at(p, p->i, "invalid JSON: NaN and Infinity are not JSON numbers");
	if (*w == '+')
		return fail_at(p, p->i, "invalid JSON: a number cannot start with '+'");
	if (*w == '.')
		return fail_at(p, p->i,
			       "invalid JSON: a number needs a digit before its decimal "
			       "point");
	if (n)
		return fail_at(p, p->i,
			       "invalid JSON: unknown word '%.*s' (JSON's words are true, "
			       "false and null)",
			       (int)(n > 20 ? 20 : n), w);
	return unexpected(p, p->i, "expected a value");
}

/* Entering the array or object at p->i: 1 when it closes at once (empty),
 * 0 when it has contents, -1 past the nesting limit. */
static int nest(struct jp *p, char close)
{
	if (++p->depth > JSON_MAX_DEPTH) {
		path_cut(p, 0); /* a path of 256 brackets says less than the limit */
		return fail_at(p, p->i,
			       "arrays and objects nested deeper than %d levels (the limit "
			       "of dnn-spec(5))",
			       JSON_MAX_DEPTH);
	}
	p->i++;
	skip_blanks(p);
	if (p->i < p->len && p->s[p->i] == close) {
		p->i++;
		p->depth--;
		return 1;
	}
	return 0;
}

/* After a member or element: 1 at the closing bracket, 0 after a comma. */
static int next(struct jp *p, char close, const char *what)
{
	size_t comma;

	skip_blanks(p);
	if (p->i < p->len && p->s[p->i] == close) {
		p->i++;
		p->depth--;
		return 1;
	}
	if (p->i >= p->len || p->s[p->i] != ',')
		return unexpected(p, p->i, what);
	comma = p->i++;
	skip_blanks(p);
	if (p->i < p->len && p->s[p->i] == close)
		return fail_at(p, comma, "invalid JSON: trailing comma");
	return 0;
}

/* The value of a member or element, whose path ends after byte base, then
 * what follows it (next). */
static int member(struct jp *p, size_t base, char close, const char *what)
{
	if (value(p))
		return -1;
	path_cut(p, base);
	return next(p, close, what);
}

static int object(struct jp *p)
{
	size_t base = p->plen;
	int r;

	if ((r = nest(p, '}')) != 0)
		return r < 0 ? -1 : 0;
	do {
		skip_blanks(p);
		if (p->i >= p->len || p->s[p->i] != '"')
			return unexpected(p, p->i, "expected a key in double quotes");
		path_key(p, p->i);
		if (string(p, 1))
			return -1;
		skip_blanks(p);
		if (p->i >= p->len || p->s[p->i] != ':')
			return unexpected(p, p->i, "expected ':' after the key");
		p->i++;
	} while ((r = member(p, base, '}', "expected ',' or '}'")) == 0);
	return r < 0 ? -1 : 0;
}

static int array(struct jp *p)
{
	size_t base = p->plen, k = 0;
	char idx[32];
	int r;

	if ((r = nest(p, ']')) != 0)
		return r < 0 ? -1 : 0;
	do {
		snprintf(idx, sizeof idx, "[%zu]", k++);
		path_add(p, idx, strlen(idx));
	} while ((r = member(p, base, ']', "expected ',' or ']'")) == 0);
	return r < 0 ? -1 : 0;
}

static int value(struct jp *p)
{
	char c;

	skip_blanks(p);
	if (p->i >= p->len)
		return fail_end(p);
	c = p->s[p->i];
	if (c == '{')
		return object(p);
	if (c == '[')
		return array(p);
	if (c == '"')
		return string(p, 0);
	if (c == '-' || is_digit(c))
		return number(p);
	return word(p);
}

int json_check(const char *text, size_t len, unsigned flags, const char *name, size_t *start,
	       struct dnn_error *e)
{
	struct jp p = {.s = text, .len = len, .flags = flags, .name = name, .e = e};

	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		p.i = 3;
	*start = p.i;
	if (value(&p))
		return -1;
	skip_blanks(&p);
	if (p.i < len) {
		if (text[p.i] == '\0')
			return fail_at(&p, p.i, "not a JSON text (NUL byte)");
		return fail_at(&p, p.i, "invalid JSON: text after the end of the spec");
	}
	return 0;
}
