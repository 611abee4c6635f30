/* Small helpers: checked allocation sizes, strict number parsing, names, UTF-8. */
#ifndef DNN_UTIL_H
#define DNN_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* *out = a * b; returns 1 on overflow, 0 otherwise. */
int util_mul_overflow(size_t a, size_t b, size_t *out);

/* malloc(n * size) with the product checked; NULL on overflow or failure.
 * util_calloc_array zero-fills. */
void *util_malloc_array(size_t n, size_t size);
void *util_calloc_array(size_t n, size_t size);
void *util_realloc_array(void *p, size_t n, size_t size);
/* util_calloc_array for arrays that are walked through over and over:
 * those of 4 MiB and more start on a 2 MiB boundary and are laid on 2 MiB
 * pages where the system gives them (Linux transparent huge pages). free()
 * releases them. */
void *util_calloc_huge(size_t n, size_t size);

char *util_strdup(const char *s);
char *util_strndup(const char *s, size_t n);

/* Whole-string decimal integer in [min, max]; 0 on success, -1 otherwise. */
int util_parse_long(const char *s, long min, long max, long *out);
/* Whether s is one or more decimal digits and nothing else. */
int util_is_digits(const char *s);
/* Whole-string unsigned 64-bit decimal integer; 0 on success. */
int util_parse_u64(const char *s, uint64_t *out);
/* Whole-string finite number of the data's syntax (num_is_decimal: no hex,
 * inf or nan; leading/trailing blanks allowed); 0 on success. */
int util_parse_double(const char *s, double *out);
/* The interval from min to max as messages write a bounded range, into buf
 * of size n: "[0, 1)", with "(" or ")" for an end that is left out; buf. */
const char *util_interval(char *buf, size_t n, double min, int min_open, double max, int max_open);

/* Levenshtein distance between a and b. */
size_t util_edit_distance(const char *a, const char *b);
/* The candidate closest to word, if it is close enough to be a likely typo
 * (the case of ASCII letters not counted: "MSE" gives "mse"); NULL
 * otherwise. */
const char *util_closest(const char *word, const char *const *cands, size_t n);
/* The length of the UTF-8 character at s (of n bytes), or 0 when s does not
 * start with one (a stray or missing continuation byte, an overlong form, a
 * surrogate, above U+10FFFF). */
size_t util_utf8_len(const char *s, size_t n);

/* Whether the n bytes at s are well-formed UTF-8 (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF). */
int util_utf8_valid(const char *s, size_t n);

/* The offset of the first byte of s[0..n) that does not begin a valid
 * UTF-8 sequence (util_utf8_len), -1 when all of it is valid. */
long util_utf8_bad(const char *s, size_t n);

/* Free an array of n strings and the array itself. */
void util_free_strings(char **v, size_t n);

#endif
