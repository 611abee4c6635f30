/* fmt_float: one conversion to 9 significant digits (snprintf %.8e, which
 * always reads back to the float), then, for each shorter length, the two
 * decimals of that length around the float, tested against the interval of
 * reals that round to it: exactly in double arithmetic, with strtof only
 * where a candidate lies within a few double ulps of the interval's ends. */
#include "fmt.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint32_t pow10_u[10] = {1,      10,      100,      1000,      10000,
				     100000, 1000000, 10000000, 100000000, 1000000000};

/* 10^k as a double, 0 <= k <= 60 (exact to 10^22, else correctly rounded). */
static const double pow10_t[61] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
	1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
	1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23,
	1e24, 1e25, 1e26, 1e27, 1e28, 1e29, 1e30, 1e31,
	1e32, 1e33, 1e34, 1e35, 1e36, 1e37, 1e38, 1e39,
	1e40, 1e41, 1e42, 1e43, 1e44, 1e45, 1e46, 1e47,
	1e48, 1e49, 1e50, 1e51, 1e52, 1e53, 1e54, 1e55,
	1e56, 1e57, 1e58, 1e59, 1e60};

/* Write m (ndig digits, first digit at decimal exponent x) in %g's style. */
static int put_digits(char *buf, int neg, uint32_t m, int ndig, int x)
{
	char d[10];
	int n = 0;

	while (ndig > 1 && m % 10 == 0) {
		m /= 10;
		ndig--;
	}
	for (int i = ndig - 1; i >= 0; i--, m /= 10)
		d[i] = (char)('0' + m % 10);
	if (neg)
		buf[n++] = '-';
	if (x >= -4 && x < 9) {
		if (x < 0) {
			buf[n++] = '0';
			buf[n++] = '.';
			for (int i = -1; i > x; i--)
				buf[n++] = '0';
			memcpy(buf + n, d, (size_t)ndig);
			n += ndig;
		} else {
			for (int i = 0; i <= x || i < ndig; i++) {
				if (i == x + 1)
					buf[n++] = '.';
				buf[n++] = i < ndig ? d[i] : '0';
			}
		}
	} else {
		buf[n++] = d[0];
		if (ndig > 1) {
			buf[n++] = '.';
			memcpy(buf + n, d + 1, (size_t)ndig - 1);
			n += ndig - 1;
		}
		int ax = abs(x);

		buf[n++] = 'e';
		buf[n++] = x < 0 ? '-' : '+';
		buf[n++] = (char)('0' + ax / 10);
		buf[n++] = (char)('0' + ax % 10);
	}
	buf[n] = '\0';
	return n;
}

/* The 9 significant digits of a (> 0, finite) into *m, its exponent into *x;
 * or with p < 9, a rounded to p digits. */
static void digits_of(float a, int p, uint32_t *m, int *x)
{
	char s[32];
	uint32_t v = 0;
	int i = 0;

	snprintf(s, sizeof s, "%.*e", p - 1, (double)a);
	for (; s[i] && s[i] != 'e'; i++)
		if (s[i] >= '0' && s[i] <= '9')
			v = v * 10 + (uint32_t)(s[i] - '0');
	int neg = s[i + 1] == '-', ex = 0;

	for (i += 2; s[i]; i++)
		ex = ex * 10 + (s[i] - '0');
	*m = v;
	*x = neg ? -ex : ex;
}

/* Whether m * 10^k reads back to a, given the interval (lo, hi) of reals
 * that round to a (its ends, where a tie goes to even, left to strtof). */
static int reads_back(float a, uint32_t m, int k, double lo, double hi)
{
	double v = k >= 0 ? (double)m * pow10_t[k] : (double)m / pow10_t[-k];
	const double eps = 1e-15;

	if (v < lo * (1 - eps) || v > hi * (1 + eps))
		return 0;
	if (v > lo * (1 + eps) && v < hi * (1 - eps))
		return 1;
	/* Within rounding error of an end: decide by strtof. */
	char s[32];

	snprintf(s, sizeof s, "%ue%d", m, k);
	return strtof(s, NULL) == a;
}

/* The shortest p-digit decimal (p <= 8) that reads back to a, from its
 * 9-digit form m9 at exponent x; 0 if none. */
static int shortest(float a, uint32_t m9, int x, uint32_t *m, int *xo)
{
	uint32_t u;
	float below, above;

	/* The neighbours of a > 0: one unit less or more in its bits. */
	memcpy(&u, &a, sizeof u);
	u--;
	memcpy(&below, &u, sizeof u);
	u += 2;
	memcpy(&above, &u, sizeof u);
	double lo = ((double)a + (double)below) / 2;
	double hi = isinf(above) ? (double)a + ldexp(1.0, 103) : ((double)a + (double)above) / 2;
	for (int p = 1; p <= 8; p++) {
		uint32_t q = pow10_u[9 - p], t = m9 / q, r = m9 % q;
		uint32_t c[2] = {t, t + 1};

		if (2 * r >= q) {
			c[0] = t + 1;
			c[1] = t;
		}
		for (int j = 0; j < 2; j++) {
			if (c[j] == 0 || !reads_back(a, c[j], x - p + 1, lo, hi))
				continue;
			if (c[j] == pow10_u[p]) {
				*m = 1;
				*xo = x + 1;
				return 1;
			}
			*m = c[j];
			*xo = x;
			return p;
		}
	}
	return 0;
}

int fmt_float(char *buf, float f, int digits)
{
	int neg = signbit(f) != 0;
	float a = fabsf(f);
	uint32_t m9, m;
	int x, xo, p;

	if (isnan(f))
		return (int)(strcpy(buf, "nan"), 3);
	if (isinf(f))
		return (int)(strcpy(buf, neg ? "-inf" : "inf"), 3 + neg);
	if (a == 0.0f)
		return (int)(strcpy(buf, neg ? "-0" : "0"), 1 + neg);
	digits_of(a, 9, &m9, &x);
	p = shortest(a, m9, x, &m, &xo);
	if (!p) {
		m = m9;
		xo = x;
		p = 9;
	}
	if (digits >= 1 && digits < p) {
		digits_of(a, digits, &m, &xo);
		p = digits;
	}
	return put_digits(buf, neg, m, p, xo);
}

int fmt_double(char *buf, double x)
{
	int n = 0;

	for (int digits = 15; digits <= 17; digits++) {
		n = snprintf(buf, FMT_DOUBLE_MAX, "%.*g", digits, x);
		if (!isfinite(x) || strtod(buf, NULL) == x)
			break;
	}
	return n;
}
