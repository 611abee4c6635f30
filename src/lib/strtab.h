/* A string table: open addressing over insertion-ordered keys, used for
 * header names, class labels and categories; its keys sorted (numerically
 * when all are integers) into the order classes and categories are kept. */
#ifndef DNN_STRTAB_H
#define DNN_STRTAB_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct strtab {
	char **keys; /* n keys, in insertion order */
	size_t n, cap_keys;
	size_t *slot; /* cap slots: key index + 1, or 0 when empty */
	size_t cap;   /* a power of two */
};

/* Index of key s, or SIZE_MAX when absent. */
size_t strtab_find(const struct strtab *t, const char *s);
/* Index of s[0..len), added (copied) when absent; *added says which. -1: out of
 * memory. */
int strtab_add(struct strtab *t, const char *s, size_t len, size_t *idx, int *added);
/* Free the keys and the slots; t is left empty (a zeroed table is empty). */
void strtab_free(struct strtab *t);
/* Sort the keys of t (numerically when all are integers): *names gets them
 * in order (taking them over from t, which is left empty) and *map the new
 * index of each old one. */
int strtab_sort(struct strtab *t, char ***names, uint32_t **map, struct dnn_error *e);
/* Index the header names in t: key k is first in column first[k] and again
 * in column second[k] (SIZE_MAX: never); *first_dup is the first repeat. */
int strtab_index(char *const *names, size_t n, struct strtab *t, size_t *first, size_t *second,
		 size_t *first_dup, struct dnn_error *e);

#endif
