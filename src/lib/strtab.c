/* A string table: open addressing over insertion-ordered keys, and the
 * sort that orders classes and categories. */
#include "strtab.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static uint64_t str_hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603u;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211u;
	}
	return h;
}

/* The slot holding s, or the empty slot where it would go. */
static size_t strtab_slot(const struct strtab *t, const char *s, size_t len)
{
	size_t mask = t->cap - 1, i = (size_t)str_hash(s, len) & mask;

	while (t->slot[i]) {
		const char *k = t->keys[t->slot[i] - 1];

		if (strncmp(k, s, len) == 0 && k[len] == '\0')
			return i;
		i = (i + 1) & mask;
	}
	return i;
}

/* Index of key s, or SIZE_MAX when absent. */
size_t strtab_find(const struct strtab *t, const char *s)
{
	size_t i;

	if (!t->cap)
		return SIZE_MAX;
	i = strtab_slot(t, s, strlen(s));
	return t->slot[i] ? t->slot[i] - 1 : SIZE_MAX;
}

static int strtab_grow(struct strtab *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	size_t *old = t->slot, old_cap = t->cap;

	if (cap > SIZE_MAX / 4)
		return -1;
	t->slot = util_calloc_array(cap, sizeof *t->slot);
	if (!t->slot) {
		t->slot = old;
		return -1;
	}
	t->cap = cap;
	for (size_t i = 0; i < old_cap; i++) {
		if (old[i]) {
			const char *k = t->keys[old[i] - 1];

			t->slot[strtab_slot(t, k, strlen(k))] = old[i];
		}
	}
	free(old);
	return 0;
}

/* Index of s[0..len), added (copied) when absent; *added says which. -1: out of
 * memory. */
int strtab_add(struct strtab *t, const char *s, size_t len, size_t *idx, int *added)
{
	size_t i;

	if ((t->n + 1) * 2 > t->cap && strtab_grow(t))
		return -1;
	i = strtab_slot(t, s, len);
	if (t->slot[i]) {
		*idx = t->slot[i] - 1;
		*added = 0;
		return 0;
	}
	if (t->n == t->cap_keys) {
		size_t cap = t->cap_keys ? t->cap_keys * 2 : 16;
		char **k = util_realloc_array(t->keys, cap, sizeof *k);

		if (!k)
			return -1;
		t->keys = k;
		t->cap_keys = cap;
	}
	t->keys[t->n] = util_strndup(s, len);
	if (!t->keys[t->n])
		return -1;
	t->slot[i] = ++t->n;
	*idx = t->n - 1;
	*added = 1;
	return 0;
}

void strtab_free(struct strtab *t)
{
	util_free_strings(t->keys, t->n);
	free(t->slot);
	memset(t, 0, sizeof *t);
}

/* Whether s is a decimal integer: optional sign, then digits only. */
static int is_integer(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	return util_is_digits(s);
}

struct class_ent {
	const char *name;
	size_t old;
};

/* Compare decimal integers of any length by value, ties by text. */
static int cmp_integer(const void *pa, const void *pb)
{
	const char *a = ((const struct class_ent *)pa)->name;
	const char *b = ((const struct class_ent *)pb)->name;
	const char *da = a + (*a == '+' || *a == '-'), *db = b + (*b == '+' || *b == '-');
	int na = *a == '-', nb = *b == '-';
	int r;

	while (*da == '0' && da[1])
		da++;
	while (*db == '0' && db[1])
		db++;
	/* -0 equals 0. */
	if (strcmp(da, "0") == 0)
		na = 0;
	if (strcmp(db, "0") == 0)
		nb = 0;
	if (na != nb)
		return na ? -1 : 1;
	size_t la = strlen(da), lb = strlen(db);
	if (la != lb)
		r = la < lb ? -1 : 1;
	else
		r = strcmp(da, db);
	if (na)
		r = -r;
	return r ? r : strcmp(a, b);
}

static int cmp_text(const void *pa, const void *pb)
{
	return strcmp(((const struct class_ent *)pa)->name, ((const struct class_ent *)pb)->name);
}

/* Sort the keys of t (numerically when all are integers): *names gets them
 * in order (taking them over from t, which is left empty) and *map the new
 * index of each old one. */
int strtab_sort(struct strtab *t, char ***names, uint32_t **map, struct dnn_error *e)
{
	struct class_ent *ent = util_malloc_array(t->n ? t->n : 1, sizeof *ent);
	int numeric = 1;

	*map = util_malloc_array(t->n ? t->n : 1, sizeof **map);
	*names = util_malloc_array(t->n ? t->n : 1, sizeof **names);
	if (!ent || !*map || !*names) {
		free(ent);
		free(*map);
		free(*names);
		*map = NULL;
		*names = NULL;
		return dnn_error_oom(e);
	}
	for (size_t i = 0; i < t->n; i++) {
		ent[i].name = t->keys[i];
		ent[i].old = i;
		numeric = numeric && is_integer(t->keys[i]);
	}
	qsort(ent, t->n, sizeof *ent, numeric ? cmp_integer : cmp_text);
	for (size_t i = 0; i < t->n; i++) {
		(*map)[ent[i].old] = (uint32_t)i;
		(*names)[i] = t->keys[ent[i].old];
	}
	free(ent);
	/* The names now belong to the caller. */
	free(t->keys);
	t->keys = NULL;
	t->n = 0;
	t->cap_keys = 0;
	return 0;
}

/* Index the header names in t: key k is first in column first[k] and again
 * in column second[k] (SIZE_MAX: never); *first_dup is the first repeat. */
int strtab_index(char *const *names, size_t n, struct strtab *t, size_t *first, size_t *second,
		 size_t *first_dup, struct dnn_error *e)
{
	*first_dup = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		size_t k;
		int added;

		if (strtab_add(t, names[i], strlen(names[i]), &k, &added))
			return dnn_error_oom(e);
		if (added) {
			first[k] = i;
			second[k] = SIZE_MAX;
		} else if (second[k] == SIZE_MAX) {
			second[k] = i;
			if (*first_dup == SIZE_MAX)
				*first_dup = i;
		}
	}
	return 0;
}
