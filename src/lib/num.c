/* A decimal-to-float parser that is exact for integers and correctly rounded
 * for decimals, with strtof as its fallback in the rare hard cases. */
#include "num.h"

#include <float.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DIGITS 19 /* significant digits that fit a uint64_t */

static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
				     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
				     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Whether the double q lies exactly halfway between two adjacent normal
 * floats: its 29 mantissa bits below float precision are 1000...0. */
static int float_midpoint(double q)
{
	uint64_t bits;

	memcpy(&bits, &q, sizeof bits);
	return (bits & ((UINT64_C(1) << 29) - 1)) == (UINT64_C(1) << 28);
}

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
	c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

double num_strtod(const char *s)
{
	locale_t old;
	double v;

	pthread_once(&c_locale_once, c_locale_init);
	if (c_locale == (locale_t)0)
		return strtod(s, NULL);
	old = uselocale(c_locale);
	v = strtod(s, NULL);
	uselocale(old);
	return v;
}

/* The digits at *p (up to end), moving *p past them: how many. */
static size_t skip_digits(const char **p, const char *end)
{
	const char *q = *p;
	size_t n;

	while (q < end && (unsigned)(*q - '0') < 10)
		q++;
	n = (size_t)(q - *p);
	*p = q;
	return n;
}

int num_is_decimal(const char *s, size_t len)
{
	const char *p = s, *end = s + len;
	size_t n;

	if (p < end && (*p == '+' || *p == '-'))
		p++;
	n = skip_digits(&p, end);
	if (p < end && *p == '.') {
		p++;
		n += skip_digits(&p, end);
	}
	if (!n)
		return 0;
	if (p < end && (*p | 0x20) == 'e') {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (!skip_digits(&p, end))
			return 0;
	}
	return p == end;
}

/* strtof on a copy of s[0..len) in the "C" locale. */
static int slow_path(const char *s, size_t len, float *out)
{
	char buf[128], *copy = buf, *end;
	locale_t old;
	float v;
	int r = NUM_OK;

	pthread_once(&c_locale_once, c_locale_init);
	if (c_locale == (locale_t)0)
		return NUM_BAD;
	if (len >= sizeof buf && !(copy = malloc(len + 1)))
		return NUM_BAD;
	memcpy(copy, s, len);
	copy[len] = '\0';
	old = uselocale(c_locale);
	v = strtof(copy, &end);
	uselocale(old);
	if (end != copy + len)
		r = NUM_BAD;
	else if (!isfinite(v))
		r = NUM_RANGE;
	else
		*out = v;
	if (copy != buf)
		free(copy);
	return r;
}

/*
 * The value is m * 10^e with m the significant digits as an integer. When
 * m <= 2^53 and |e| <= 22, both m and 10^|e| are exact doubles, so one
 * multiplication or division gives x rounded to double (Clinger's fast
 * path). Rounding that double to float gives x rounded to float unless it
 * landed exactly on the midpoint of two floats (rounding to double cannot
 * carry x across a midpoint, which is itself a double): that case, values
 * outside the normal float range, and longer inputs go to strtof.
 */
int num_parse(const char *s, size_t len, float *out)
{
	const char *p = s, *end = s + len;
	uint64_t m = 0;
	int neg = 0, n_digits = 0, n_sig = 0, dropped = 0;
	long e = 0;

	if (p < end && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	for (; p < end && (unsigned)(*p - '0') < 10; p++, n_digits++) {
		if (m == 0 && *p == '0')
			continue;
		if (n_sig < MAX_DIGITS) {
			m = m * 10 + (uint64_t)(*p - '0');
			n_sig++;
		} else {
			e++;
			dropped |= *p != '0';
		}
	}
	if (p < end && *p == '.') {
		for (p++; p < end && (unsigned)(*p - '0') < 10; p++, n_digits++) {
			if (m == 0 && *p == '0') {
				e--;
				continue;
			}
			if (n_sig < MAX_DIGITS) {
				m = m * 10 + (uint64_t)(*p - '0');
				n_sig++;
				e--;
			} else {
				dropped |= *p != '0';
			}
		}
	}
	if (n_digits == 0)
		return NUM_BAD;
	if (p < end && (*p | 0x20) == 'e') {
		long x = 0;
		int xneg = 0, xd = 0;

		p++;
		if (p < end && (*p == '+' || *p == '-'))
			xneg = *p++ == '-';
		for (; p < end && (unsigned)(*p - '0') < 10; p++, xd++)
			if (x < 100000)
				x = x * 10 + (*p - '0');
		if (!xd)
			return NUM_BAD;
		e += xneg ? -x : x;
	}
	if (p != end)
		return NUM_BAD;
	if (m == 0) {
		*out = neg ? -0.0f : 0.0f;
		return NUM_OK;
	}
#if FLT_EVAL_METHOD == 0
	/* (With wider evaluation the double operations would round twice.) */
	if (!dropped && m <= (UINT64_C(1) << 53) && e >= -22 && e <= 22) {
		double q = (double)m;

		q = e < 0 ? q / pow10_exact[-e] : q * pow10_exact[e];
		if (q >= (double)FLT_MIN && q <= (double)FLT_MAX && !float_midpoint(q)) {
			float v = (float)q;

			*out = neg ? -v : v;
			return NUM_OK;
		}
	}
#endif
	return slow_path(s, len, out);
}
