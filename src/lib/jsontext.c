/* The RFC 8259 grammar checker of jsontext.h: one pass, no allocation, an
 * explicit stack of the open objects and arrays instead of recursion. */
#include "jsontext.h"

#include <string.h>

struct scan {
	const unsigned char *p, *end;
};

static void skip_blanks(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int is_digit(const struct scan *s)
{
	return s->p < s->end && *s->p >= '0' && *s->p <= '9';
}

static int is_hex(unsigned c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A string from its opening quote: no control characters, the escapes of
 * RFC 8259 section 7. 0 with s->p past the closing quote, or -1 at the
 * byte that does not fit. */
static int scan_string(struct scan *s)
{
	s->p++;
	while (s->p < s->end && *s->p != '"') {
		if (*s->p < 0x20)
			return -1;
		if (*s->p++ != '\\')
			continue;
		if (s->p == s->end)
			return -1;
		if (*s->p == 'u') {
			for (int k = 1; k <= 4; k++)
				if (s->end - s->p <= k || !is_hex(s->p[k])) {
					s->p += k;
					return -1;
				}
			s->p += 5;
		} else if (*s->p && strchr("\"\\/bfnrt", *s->p)) {
			s->p++;
		} else {
			return -1;
		}
	}
	if (s->p == s->end)
		return -1;
	s->p++;
	return 0;
}

/* -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static int scan_number(struct scan *s)
{
	if (*s->p == '-')
		s->p++;
	if (!is_digit(s))
		return -1;
	if (*s->p++ != '0')
		while (is_digit(s))
			s->p++;
	else if (is_digit(s))
		return -1; /* a leading zero */
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (!is_digit(s))
			return -1;
		while (is_digit(s))
			s->p++;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (!is_digit(s))
			return -1;
		while (is_digit(s))
			s->p++;
	}
	return 0;
}

/* A scalar: string, number, true, false or null. */
static int scan_scalar(struct scan *s)
{
	static const char *const words[] = {"true", "false", "null"};

	if (*s->p == '"')
		return scan_string(s);
	if (*s->p == '-' || is_digit(s))
		return scan_number(s);
	for (int i = 0; i < 3; i++) {
		size_t len = strlen(words[i]);

		if (*s->p == (unsigned char)words[i][0]) {
			if ((size_t)(s->end - s->p) < len || memcmp(s->p, words[i], len) != 0)
				return -1;
			s->p += len;
			return 0;
		}
	}
	return -1;
}

/* An object's key and its colon, blanks around them. */
static int scan_key(struct scan *s)
{
	skip_blanks(s);
	if (s->p == s->end || *s->p != '"' || scan_string(s))
		return -1;
	skip_blanks(s);
	if (s->p == s->end || *s->p != ':')
		return -1;
	s->p++;
	return 0;
}

int jsontext_check(const char *text, size_t n, size_t *off)
{
	unsigned char open[JSONTEXT_MAX_DEPTH];
	struct scan s = {(const unsigned char *)text, (const unsigned char *)text + n};
	size_t depth = 0;

	for (;;) {
		/* A value. */
		skip_blanks(&s);
		if (s.p == s.end)
			goto bad;
		if (*s.p == '{' || *s.p == '[') {
			if (depth == JSONTEXT_MAX_DEPTH)
				goto bad;
			open[depth++] = (unsigned char)(*s.p++ == '{' ? '}' : ']');
			skip_blanks(&s);
			if (s.p < s.end && *s.p == open[depth - 1]) {
				s.p++;
				depth--;
			} else {
				if (open[depth - 1] == '}' && scan_key(&s))
					goto bad;
				continue;
			}
		} else if (scan_scalar(&s)) {
			goto bad;
		}
		/* After a value: a comma, or the ends of the containers it closes. */
		for (;;) {
			skip_blanks(&s);
			if (depth == 0 || s.p == s.end || *s.p != open[depth - 1])
				break;
			s.p++;
			depth--;
		}
		if (depth == 0)
			break;
		if (s.p == s.end || *s.p != ',')
			goto bad;
		s.p++;
		if (open[depth - 1] == '}' && scan_key(&s))
			goto bad;
	}
	if (s.p == s.end)
		return 0;
bad:
	*off = (size_t)(s.p - (const unsigned char *)text);
	return -1;
}
