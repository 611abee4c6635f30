/* Decimal numbers in data: a fast parser whose result equals strtof's
 * (correctly rounded to float) on the "C" locale's syntax. */
#ifndef DNN_NUM_H
#define DNN_NUM_H

#include <stddef.h>

enum { NUM_OK = 0, NUM_BAD = 1, NUM_RANGE = 2 };

/* Parse s[0..len) in full as [sign]digits[.digits][(e|E)[sign]digits] (also
 * ".5", "5.") into *out, rounded to nearest float as strtof does.
 * NUM_RANGE: the value overflows float; NUM_BAD: not such a number (the
 * words inf and nan included). Needs no NUL terminator and no locale. */
int num_parse(const char *s, size_t len, float *out);

/* strtod of the NUL-terminated s in the "C" locale, whatever the caller's. */
double num_strtod(const char *s);

/* Whether s[0..len) is in full a number of num_parse's syntax: the one rule
 * for numbers in data and on the command line (no hex, inf, nan, blanks). */
int num_is_decimal(const char *s, size_t len);

#endif
