/* A CSV file held whole as its bytes, with its rows' places and key columns
 * (rowfile.h). */
#include "rowfile.h"

#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "gzout.h"
#include "strtab.h"
#include "util.h"

/* The line end that bytes [0, end) finish with: "\r\n", "\n", "\r", or
 * NULL when none. */
static const char *line_end(const unsigned char *p, size_t end)
{
	if (end >= 2 && p[end - 2] == '\r' && p[end - 1] == '\n')
		return "\r\n";
	if (end >= 1 && p[end - 1] == '\n')
		return "\n";
	if (end >= 1 && p[end - 1] == '\r')
		return "\r";
	return NULL;
}

/* Resolve the key columns and ready their tables. */
static int open_keys(struct dnn_rowfile *f, const struct dnn_column_ref *const keys[], size_t cap,
		     const char *name, struct dnn_error *e)
{
	static const char *const what[ROWFILE_KEYS] = {"target", "group"};

	for (size_t j = 0; j < ROWFILE_KEYS; j++) {
		if (!keys[j])
			continue;
		if (!keys[j]->name && keys[j]->index < 0)
			f->key[j].col = f->n_cols - 1;
		else if (data_resolve_column(keys[j], what[j], f->col_names, f->n_cols, name,
					&f->key[j].col, e))
			return -1;
		if (!(f->key[j].of = util_malloc_array(cap, sizeof *f->key[j].of)))
			return dnn_error_oom(e);
	}
	return 0;
}

/* Take the current row of c as row r: its end, its width, its keys. */
static int take_row(struct dnn_rowfile *f, struct dnn_csv *c, struct strtab *tab, size_t r,
		    struct dnn_error *e)
{
	if (c->n_fields != f->n_cols)
		return csv_ragged(c, f->n_cols, 0, e);
	f->end[r] = (size_t)csv_offset(c);
	for (size_t j = 0; j < ROWFILE_KEYS; j++) {
		size_t len, k, col = f->key[j].col;
		int added;
		char *s;

		if (!f->key[j].of)
			continue;
		s = csv_trim(c, col, &len);
		if (j == 0 && csv_is_missing(s, len))
			return dnn_error_set(e, DNN_EX_DATA, c->name, c->fline[col], c->fcol[col],
					     "missing value in column '%s'", f->col_names[col]);
		if (strtab_add(&tab[j], s, len, &k, &added))
			return dnn_error_oom(e);
		if (k > UINT32_MAX - 1)
			return dnn_error_set(e, DNN_EX_DATA, c->name, c->fline[col], c->fcol[col],
					     "too many values in column '%s'", f->col_names[col]);
		f->key[j].of[r] = (uint32_t)k;
	}
	return 0;
}

/* Grow the per-row arrays to hold cap rows. */
static int grow(struct dnn_rowfile *f, size_t cap, struct dnn_error *e)
{
	size_t *end = util_realloc_array(f->end, cap, sizeof *end);

	if (!end)
		return dnn_error_oom(e);
	f->end = end;
	for (size_t j = 0; j < ROWFILE_KEYS; j++) {
		uint32_t *of;

		if (!f->key[j].of)
			continue;
		if (!(of = util_realloc_array(f->key[j].of, cap, sizeof *of)))
			return dnn_error_oom(e);
		f->key[j].of = of;
	}
	return 0;
}

/* Read every row of c (the first one current without a header). */
static int read_rows(struct dnn_rowfile *f, struct dnn_csv *c, int have_row, struct strtab *tab,
		     struct dnn_error *e)
{
	size_t cap = 1024;

	if (grow(f, cap, e))
		return -1;
	for (;;) {
		if (!have_row) {
			int r = csv_next(c, e);

			if (r < 0)
				return -1;
			if (r == 0)
				return 0;
		}
		have_row = 0;
		if (f->n_rows == cap && grow(f, cap *= 2, e))
			return -1;
		if (take_row(f, c, tab, f->n_rows, e))
			return -1;
		f->n_rows++;
	}
}

/* Sort each key's values into names and renumber the rows. */
static int sort_keys(struct dnn_rowfile *f, struct strtab *tab, const char *name,
		     struct dnn_error *e)
{
	for (size_t j = 0; j < ROWFILE_KEYS; j++) {
		struct dnn_rowkey *k = &f->key[j];
		uint32_t *map;

		if (!k->of)
			continue;
		if (j == 0 && tab[j].n < 2)
			return dnn_error_set(e, DNN_EX_DATA, name, 0, 0,
					     "target column '%s' has only one class",
					     f->col_names[k->col]);
		k->n = tab[j].n;
		if (strtab_sort(&tab[j], &k->names, &map, e))
			return -1;
		for (size_t r = 0; r < f->n_rows; r++)
			k->of[r] = map[k->of[r]];
		free(map);
	}
	return 0;
}

/* The header (or first row), the keys, the rows; f->bytes taken from c. */
static int read_all(struct dnn_rowfile *f, struct dnn_csv *c, const struct dnn_csv_opts *o,
		    const struct dnn_column_ref *const keys[], struct strtab *tab,
		    struct dnn_error *e)
{
	if (csv_read_names(c, o->header, &f->col_names, &f->n_cols, e))
		return -1;
	f->bom = c->raw_len >= 3 && memcmp(c->raw, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	f->head_end = o->header ? (size_t)csv_offset(c) : f->bom;
	if (open_keys(f, keys, 1, c->name, e) || read_rows(f, c, !o->header, tab, e))
		return -1;
	if (f->n_rows == 0)
		return dnn_error_set(e, DNN_EX_DATA, c->name, 0, 0,
				     o->header ? "no data rows (only a header)" : "no data rows");
	if (sort_keys(f, tab, c->name, e))
		return -1;
	f->bytes = c->raw;
	f->len = c->raw_len;
	c->raw = NULL;
	f->eol = line_end(f->bytes, o->header ? f->head_end : f->end[0]);
	if (!f->eol)
		f->eol = "\n";
	return 0;
}

int rowfile_read(struct dnn_rowfile *f, const char *path, const struct dnn_csv_opts *o,
		 const struct dnn_column_ref *const keys[ROWFILE_KEYS], struct dnn_error *e)
{
	struct strtab tab[ROWFILE_KEYS] = {{0}};
	struct dnn_csv *c;
	int rc;

	memset(f, 0, sizeof *f);
	if (!(c = csv_open(path, o, e)))
		return -1;
	c->keep_raw = 1;
	rc = read_all(f, c, o, keys, tab, e);
	if (rc)
		csv_gzip_blame(c, e);
	for (size_t j = 0; j < ROWFILE_KEYS; j++)
		strtab_free(&tab[j]);
	csv_close(c);
	if (rc)
		rowfile_free(f);
	return rc;
}

/* Write n bytes at p, plain or through z. */
static int put(FILE *out, struct dnn_gzout *z, const void *p, size_t n)
{
	if (z)
		return gzout_write(z, p, n);
	return n && fwrite(p, 1, n, out) != n ? -1 : 0;
}

int rowfile_write(const struct dnn_rowfile *f, const unsigned char *side, int which, FILE *out,
		  int gzip)
{
	struct dnn_gzout *z = NULL;
	int rc = -1;

	if (gzip && !(z = gzout_new(out)))
		return -1;
	if (put(out, z, f->bytes, f->head_end))
		goto out;
	for (size_t r = 0; r < f->n_rows; r++) {
		size_t start = r ? f->end[r - 1] : f->head_end;

		if (side[r] != which)
			continue;
		if (put(out, z, f->bytes + start, f->end[r] - start))
			goto out;
		if (!line_end(f->bytes + start, f->end[r] - start) &&
		    put(out, z, f->eol, strlen(f->eol)))
			goto out;
	}
	rc = z ? gzout_finish(z) : 0;
out:
	gzout_free(z);
	return rc;
}

void rowfile_free(struct dnn_rowfile *f)
{
	if (!f)
		return;
	free(f->bytes);
	free(f->end);
	util_free_strings(f->col_names, f->n_cols);
	for (size_t j = 0; j < ROWFILE_KEYS; j++) {
		util_free_strings(f->key[j].names, f->key[j].n);
		free(f->key[j].of);
	}
	memset(f, 0, sizeof *f);
}
