/* Floats as text: the shortest decimal that reads back (strtof) to the same
 * float, or that float rounded to fewer significant digits; doubles as the
 * shortest of 15 to 17 significant digits that reads back. */
#ifndef DNN_FMT_H
#define DNN_FMT_H

#include <stddef.h>

/* Room for any fmt_float output and its NUL ("-1.23456789e-45"). */
enum { FMT_FLOAT_MAX = 24 };

/* Write f into buf (FMT_FLOAT_MAX bytes) as the shortest decimal, of at
 * most 9 significant digits, that strtof reads back to f; with digits in
 * 1..9 and that decimal longer than digits, f rounded to digits significant
 * digits instead (trailing zeros dropped). Fixed notation for decimal
 * exponents -4..8, else d[.ddd]e[+-]XX as printf's %g; "inf", "-inf",
 * "nan", "0", "-0". Returns the length written. */
int fmt_float(char *buf, float f, int digits);

/* Room for any fmt_double output and its NUL. */
enum { FMT_DOUBLE_MAX = 32 };

/* Write x into buf (FMT_DOUBLE_MAX bytes) as the shortest of printf's %.15g,
 * %.16g and %.17g that strtod reads back to x ("inf", "nan" as printf has
 * them). Returns the length written. */
int fmt_double(char *buf, double x);

#endif
