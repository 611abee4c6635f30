/* Datasets: a labelled CSV file loaded whole (the fast path for rows of
 * plain numbers, then the general reader), its columns' roles, its classes
 * and the one-hot categories of its categorical columns. */
#include "dataset.h"

#include <float.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "rows.h"
#include "shard.h"
#include "strtab.h"
#include "util.h"

#define LIST_MAX 200 /* bytes of a column list in a message */


/* Sort the labels' classes into d->class_names and renumber d->label. */
static int sort_classes(struct dnn_dataset *d, struct strtab *t, struct dnn_error *e)
{
	size_t n = t->n;
	uint32_t *map;

	if (strtab_sort(t, &d->class_names, &map, e))
		return -1;
	for (size_t r = 0; r < d->n_rows; r++)
		d->label[r] = map[d->label[r]];
	d->n_classes = n;
	free(map);
	return 0;
}

/* "a, b, c", cut short with ", ..." when it gets long. */
static void column_list(char *buf, size_t size, char *const *names, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		size_t need = strlen(names[i]) + (i ? 2 : 0);

		if (i && (len + need > LIST_MAX || len + need + 6 > size)) {
			snprintf(buf + len, size - len, ", ...");
			return;
		}
		int k =
		    snprintf(buf + len, size - len, "%s%.*s", i ? ", " : "", LIST_MAX, names[i]);
		len += k > 0 ? (size_t)k : 0;
		if (len >= size)
			return;
	}
}

/* The file column that reference r names, or an error calling it a `what`
 * column ("target", "ignored"). */
static int resolve_column(const struct dnn_column_ref *r, const char *what, char *const *names,
			  size_t n, const char *file, size_t *col, struct dnn_error *e)
{
	long idx = r->index;

	if (r->name) {
		for (size_t i = 0; i < n; i++) {
			if (strcmp(names[i], r->name) == 0) {
				*col = i;
				return 0;
			}
		}
		if (!util_is_digits(r->name)) { /* a name, not a column index */
			const char *near = util_closest(r->name, (const char *const *)names, n);
			char list[LIST_MAX + 64];

			if (near)
				return dnn_error_set(e, DNN_EX_DATA, file, 0, 0,
						     "%s column '%s' not found; did you mean "
						     "'%s'?",
						     what, r->name, near);
			column_list(list, sizeof list, names, n);
			return dnn_error_set(e, DNN_EX_DATA, file, 0, 0,
					     "%s column '%s' not found; columns are: %s", what,
					     r->name, list);
		}
		/* All digits and not a name: an index. */
		if (util_parse_long(r->name, 0, LONG_MAX, &idx) || (unsigned long)idx >= n)
			return dnn_error_set(e, DNN_EX_DATA, file, 0, 0,
					     "%s column '%s' not found; the file has %zu "
					     "column%s (0 to %zu)",
					     what, r->name, n, n == 1 ? "" : "s", n - 1);
	}
	if (idx < 0 || (unsigned long)idx >= n)
		return dnn_error_set(e, DNN_EX_DATA, file, 0, 0,
				     "%s column %ld not found; the file has %zu column%s "
				     "(0 to %zu)",
				     what, idx, n, n == 1 ? "" : "s", n - 1);
	*col = (size_t)idx;
	return 0;
}

/* Grow the row arrays of d to hold at least need rows. */
static int grow_rows(struct dnn_dataset *d, size_t *cap, size_t need, struct dnn_error *e)
{
	size_t n = *cap ? *cap : 1024;

	while (n < need) {
		if (n > SIZE_MAX / 2)
			return dnn_error_oom(e);
		n *= 2;
	}
	if (n == *cap)
		return 0;
	float *x = util_realloc_array(d->x, n, d->n_in * sizeof *x);
	if (!x)
		return dnn_error_oom(e);
	d->x = x;
	if (d->has_weight) {
		float *w = util_realloc_array(d->w, n, sizeof *w);

		if (!w)
			return dnn_error_oom(e);
		d->w = w;
	}
	if (d->task == DNN_TASK_REGRESSION) {
		float *y = util_realloc_array(d->y, n, d->n_targets * sizeof *y);

		if (!y)
			return dnn_error_oom(e);
		d->y = y;
	} else {
		uint32_t *l = util_realloc_array(d->label, n, sizeof *l);

		if (!l)
			return dnn_error_oom(e);
		d->label = l;
	}
	*cap = n;
	return 0;
}

/* Give back the unused tail of the row arrays (a failure only keeps it). */
static void shrink_rows(struct dnn_dataset *d)
{
	float *x = util_realloc_array(d->x, d->n_rows, d->n_in * sizeof *x);

	if (x)
		d->x = x;
	if (d->y) {
		float *y = util_realloc_array(d->y, d->n_rows, d->n_targets * sizeof *y);

		if (y)
			d->y = y;
	}
	if (d->label) {
		uint32_t *l = util_realloc_array(d->label, d->n_rows, sizeof *l);

		if (l)
			d->label = l;
	}
	if (d->w) {
		float *w = util_realloc_array(d->w, d->n_rows, sizeof *w);

		if (w)
			d->w = w;
	}
}

/* Resolve the column references of o (targets, ignored, categorical) into
 * roles, and slot[i] of a target column i into its place among the targets. */
static int resolve_roles(struct dnn_dataset *d, const struct dnn_data_opts *o, const char *file,
			 size_t *slot, struct dnn_error *e)
{
	size_t n_t = o->n_targets ? o->n_targets : 1;

	for (size_t i = 0; i < d->n_cols; i++)
		d->col_role[i] = DNN_COL_INPUT;
	for (size_t t = 0; t < n_t; t++) {
		size_t col = d->n_cols - 1;

		if (o->n_targets &&
		    resolve_column(&o->targets[t], "target", d->col_names, d->n_cols, file, &col,
				   e))
			return -1;
		if (d->col_role[col] == DNN_COL_TARGET)
			return dnn_error_set(e, DNN_EX_DATA, file, 0, 0,
					     "target column '%s' is given twice",
					     d->col_names[col]);
		d->col_role[col] = DNN_COL_TARGET;
		slot[col] = t;
	}
	for (size_t k = 0; k < o->n_ignore; k++) {
		size_t col;

		if (resolve_column(&o->ignore[k], "ignored", d->col_names, d->n_cols, file, &col,
				   e))
			return -1;
		if (d->col_role[col] != DNN_COL_INPUT)
			return dnn_error_set(e, DNN_EX_DATA, file, 0, 0,
					     d->col_role[col] == DNN_COL_TARGET
						     ? "column '%s' cannot be both the target and "
						       "ignored"
						     : "ignored column '%s' is given twice",
					     d->col_names[col]);
		d->col_role[col] = DNN_COL_IGNORED;
	}
	for (size_t k = 0; k < o->n_categorical; k++) {
		size_t col;

		if (resolve_column(&o->categorical[k], "categorical", d->col_names, d->n_cols,
				   file, &col, e))
			return -1;
		switch (d->col_role[col]) {
		case DNN_COL_TARGET:
			return dnn_error_set(e, DNN_EX_DATA, file, 0, 0,
					     "column '%s' cannot be both the target and "
					     "categorical",
					     d->col_names[col]);
		case DNN_COL_IGNORED:
			return dnn_error_set(e, DNN_EX_DATA, file, 0, 0,
					     "column '%s' cannot be both ignored and categorical",
					     d->col_names[col]);
		case DNN_COL_CATEGORICAL:
			return dnn_error_set(e, DNN_EX_DATA, file, 0, 0,
					     "categorical column '%s' is given twice",
					     d->col_names[col]);
		}
		d->col_role[col] = DNN_COL_CATEGORICAL;
	}
	d->n_targets = n_t;
	return 0;
}

/* The roles of d's columns from those of the columns of o->like with the
 * same names, and the place of each target among the targets (slot[]) as in
 * o->like, whose targets o->targets named. */
static int match_roles(struct dnn_dataset *d, const struct dnn_data_opts *o,
		       const struct dnn_csv *c, size_t *slot, struct dnn_error *e)
{
	const struct dnn_dataset *like = o->like;
	const struct dnn_trained m = {
	    .col_names = like->col_names, .col_role = like->col_role, .n_cols = like->n_cols};
	const unsigned roles = ROWS_ROLE(DNN_COL_INPUT) | ROWS_ROLE(DNN_COL_CATEGORICAL) |
			       ROWS_ROLE(DNN_COL_TARGET);
	size_t *map = util_malloc_array(like->n_cols, sizeof *map), bad, dup;
	int got;

	if (!map)
		return dnn_error_oom(e);
	got = rows_match(&m, roles, d->col_names, d->n_cols, map, &bad, &dup, e);
	if (got == ROWS_MISSING)
		dnn_error_set(e, DNN_EX_DATA, c->name, 0, 0, "%s column '%s' is missing",
			      like->col_role[bad] == DNN_COL_TARGET  ? "target"
			      : like->col_role[bad] == DNN_COL_INPUT ? "input"
								     : "categorical",
			      like->col_names[bad]);
	else if (got == ROWS_REPEATED)
		csv_duplicate_error(c, d->col_names, dup, e);
	if (got) {
		free(map);
		return -1;
	}
	for (size_t i = 0; i < d->n_cols; i++)
		d->col_role[i] = DNN_COL_IGNORED;
	for (size_t i = 0; i < like->n_cols; i++)
		if (map[i] != SIZE_MAX)
			d->col_role[map[i]] = like->col_role[i];
	d->n_targets = like->n_targets;
	for (size_t t = 0; t < d->n_targets; t++) {
		size_t col = like->n_cols - 1;

		/* Named as like's were, they resolve as like's did. */
		if (o->n_targets && resolve_column(&o->targets[t], "target", like->col_names,
						   like->n_cols, c->name, &col, e)) {
			free(map);
			return -1;
		}
		slot[map[col]] = t;
	}
	free(map);
	return 0;
}

/* The weight column: o->weight resolved (an input column until now), or
 * with o->like the column of like's weight column's name; its role becomes
 * ignored, as it is no input. */
static int resolve_weight(struct dnn_dataset *d, const struct dnn_data_opts *o, const char *file,
			  struct dnn_error *e)
{
	static const char *const roles[] = {"", "", "the target", "ignored", "categorical"};
	size_t col = 0;

	if (o->like) {
		const char *name;

		if (!o->like->has_weight)
			return 0;
		name = o->like->col_names[o->like->weight_col];
		while (col < d->n_cols && strcmp(d->col_names[col], name) != 0)
			col++;
		if (col == d->n_cols)
			return dnn_error_set(e, DNN_EX_DATA, file, 0, 0,
					     "weight column '%s' is missing", name);
	} else if (!o->weight) {
		return 0;
	} else if (resolve_column(o->weight, "weight", d->col_names, d->n_cols, file, &col, e)) {
		return -1;
	} else if (d->col_role[col] != DNN_COL_INPUT) {
		return dnn_error_set(e, DNN_EX_DATA, file, 0, 0,
				     "column '%s' cannot be both %s and the weight",
				     d->col_names[col], roles[d->col_role[col]]);
	}
	d->col_role[col] = DNN_COL_IGNORED;
	d->has_weight = 1;
	d->weight_col = col;
	return 0;
}

/* With the roles known: count the inputs (a categorical column one slot
 * while loading) and the categorical columns, and give each input its slot. */
static int count_roles(struct dnn_dataset *d, const char *file, size_t *slot, struct dnn_error *e)
{
	/* While loading, a categorical column takes one slot: its category's
	 * code; expand_categories makes the one-hot inputs at the end. */
	d->n_in = 0;
	d->n_cats = 0;
	for (size_t i = 0; i < d->n_cols; i++) {
		d->n_in += d->col_role[i] == DNN_COL_INPUT ||
			   d->col_role[i] == DNN_COL_CATEGORICAL;
		d->n_cats += d->col_role[i] == DNN_COL_CATEGORICAL;
	}
	if (d->n_in == 0)
		return dnn_error_set(e, DNN_EX_DATA, file, 0, 0,
				     "no input columns: every column is a target or ignored");
	for (size_t i = 0, j = 0; i < d->n_cols; i++)
		if (d->col_role[i] == DNN_COL_INPUT || d->col_role[i] == DNN_COL_CATEGORICAL)
			slot[i] = j++;
	if (d->n_cats) {
		d->cats = util_calloc_array(d->n_cats, sizeof *d->cats);
		if (!d->cats)
			return dnn_error_oom(e);
		for (size_t i = 0, k = 0; i < d->n_cols; i++)
			if (d->col_role[i] == DNN_COL_CATEGORICAL)
				d->cats[k++].col = i;
	}
	return 0;
}

/* Field i of the current row as a category of table t: its code, or NaN
 * when missing (and missing cells are allowed). */
static int cell_category(struct dnn_csv *c, size_t i, const char *col_name, struct strtab *t,
			 float *out, struct dnn_error *e)
{
	size_t len, k;
	int added;
	char *s = csv_trim(c, i, &len);

	if (csv_is_missing(s, len)) {
		if (!c->missing_ok)
			return dnn_error_set(e, DNN_EX_DATA, c->name, c->fline[i], c->fcol[i],
					     "missing value in column '%s'", col_name);
		*out = NAN;
		c->n_missing++;
		return 0;
	}
	if (csv_check_utf8(c, i, s, len, "the category", e))
		return -1;
	if (strtab_add(t, s, len, &k, &added))
		return dnn_error_oom(e);
	if (k >= (1u << 24))
		return dnn_error_set(e, DNN_EX_DATA, c->name, c->fline[i], c->fcol[i],
				     "too many categories in column '%s' (over %u)", col_name,
				     1u << 24);
	*out = (float)k;
	return 0;
}

/* A regression target that is no number (e set by csv_cell_number): the
 * message says what the loss made of it, and what to write for a class
 * label. Returns -1. */
static int text_target(struct dnn_error *e)
{
	static const char hint[] = " in the target of a regression (loss mse, the default "
				   "when the spec names none); for a class label set \"loss\": "
				   "\"cross_entropy\" and a softmax output";
	size_t n = strlen(e->msg);

	if (strncmp(e->msg, "expected a number", 17) == 0 && n + sizeof hint <= sizeof e->msg)
		memcpy(e->msg + n, hint, sizeof hint);
	return -1;
}

/* Store the current row of c as row r of d; cat_tab[k] collects the
 * categories of the k-th categorical column. */
static int take_row(struct dnn_dataset *d, struct dnn_csv *c, const size_t *slot,
		    struct strtab *classes, struct strtab *cat_tab, size_t r, struct dnn_error *e)
{
	float *x = d->x + r * d->n_in;
	size_t kc = 0;

	if (c->n_fields != d->n_cols)
		return csv_ragged(c, d->n_cols, 0, e);
	for (size_t i = 0; i < d->n_cols; i++) {
		if (d->col_role[i] == DNN_COL_INPUT) {
			if (csv_cell_number(c, i, d->col_names[i], 1, x + slot[i], e))
				return -1;
		} else if (d->col_role[i] == DNN_COL_CATEGORICAL) {
			if (cell_category(c, i, d->col_names[i], &cat_tab[kc++], x + slot[i], e))
				return -1;
		} else if (d->col_role[i] == DNN_COL_IGNORED) {
			if (d->has_weight && i == d->weight_col &&
			    csv_cell_weight(c, i, d->col_names[i], d->w + r, e))
				return -1;
		} else if (d->task == DNN_TASK_REGRESSION) {
			if (csv_cell_number(c, i, d->col_names[i], 0, d->y + r * d->n_targets + slot[i],
					e))
				return text_target(e);
		} else {
			size_t len, k;
			int added;
			char *s = csv_trim(c, i, &len);

			if (csv_is_missing(s, len))
				return dnn_error_set(e, DNN_EX_DATA, c->name, c->fline[i],
						     c->fcol[i], "missing value in column '%s'",
						     d->col_names[i]);
			if (csv_check_utf8(c, i, s, len, "the class label", e))
				return -1;
			if (strtab_add(classes, s, len, &k, &added))
				return dnn_error_oom(e);
			if (k > UINT32_MAX - 1)
				return dnn_error_set(e, DNN_EX_DATA, c->name, c->fline[i],
						     c->fcol[i], "too many classes");
			d->label[r] = (uint32_t)k;
		}
	}
	return 0;
}

/* Take as many rows as possible straight from c's input buffer: whole lines
 * without quotes whose cells are all plain numbers (or class labels in the
 * target column of a classification). It stops, consuming nothing of it, at
 * the first line it cannot take whole (one that runs past the buffer, holds
 * a quote, a missing or malformed cell, or the wrong number of fields, or a
 * blank line), which the general reader then takes, with its exact error
 * messages. Returns 0, or -1 when out of memory. */
static int fast_rows(struct dnn_dataset *d, struct dnn_csv *c, const size_t *slot,
		     struct strtab *classes, size_t *cap, struct shard *sh, struct dnn_error *e)
{
	const int delim = c->delim;
	const size_t n_cols = d->n_cols;
	const unsigned char *role = d->col_role;

	if (d->n_cats)
		return 0; /* categories are read by the general reader */
	for (;;) {
		const char *p = (const char *)c->in + c->in_pos;
		const char *end = (const char *)c->in + c->in_len;
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le, *label = NULL;
		size_t label_len = 0;
		float *x, *y;

		if (!nl)
			return 0;
		le = nl > p && nl[-1] == '\r' ? nl - 1 : nl;
		if (d->n_rows == *cap && grow_rows(d, cap, d->n_rows + 1, e))
			return -1;
		x = d->x + d->n_rows * d->n_in;
		y = d->y ? d->y + d->n_rows * d->n_targets : NULL;
		for (size_t i = 0; i < n_cols; i++) {
			if (i) {
				if (p == le)
					return 0; /* too few fields */
				p++;	  /* the delimiter */
			}
			if (role[i] == DNN_COL_INPUT) {
				if (!csv_fast_number(&p, le, delim, x + slot[i]))
					return 0;
			} else if (role[i] == DNN_COL_IGNORED && d->has_weight &&
				   i == d->weight_col) {
				float *w = d->w + d->n_rows;

				if (!csv_fast_number(&p, le, delim, w) || !(*w >= 0.0f))
					return 0; /* the general reader says why */
			} else if (role[i] == DNN_COL_IGNORED) {
				if (!(p = csv_fast_field_end(p, le, delim)))
					return 0;
			} else if (y) {
				if (!csv_fast_number(&p, le, delim, y + slot[i]))
					return 0;
			} else {
				const char *f = p, *t;

				if (!(p = csv_fast_field_end(p, le, delim)))
					return 0;
				while (f < p && csv_fast_blank(*f, delim))
					f++;
				for (t = p; t > f && csv_fast_blank(t[-1], delim); t--)
					;
				if (csv_is_missing(f, (size_t)(t - f)))
					return 0;
				label = f;
				label_len = (size_t)(t - f);
			}
		}
		if (p != le)
			return 0; /* too many fields */
		if (label) {
			size_t k;
			int added;

			if (strtab_add(classes, label, label_len, &k, &added))
				return dnn_error_oom(e);
			/* The general reader says why (it checks every label). */
			if (k > UINT32_MAX - 1 ||
			    (added && util_utf8_bad(label, label_len) >= 0))
				return 0;
			d->label[d->n_rows] = (uint32_t)k;
		}
		d->n_rows += shard_keep(sh);
		c->in_pos = (size_t)(nl + 1 - (const char *)c->in);
		c->line++;
		c->col = 1;
	}
}

/* Replace the category codes of the categorical columns by one-hot inputs:
 * sort each column's categories, and widen x from one slot per input column
 * (slot[i] for file column i) to one input per number and per category. A
 * missing category (NaN) makes all its inputs NaN. */
static int expand_categories(struct dnn_dataset *d, struct strtab *cat_tab, const size_t *slot,
			     struct dnn_error *e)
{
	size_t n_raw = d->n_in, n_in = 0, cells, *in_of = NULL;
	uint32_t **map = util_calloc_array(d->n_cats, sizeof *map);
	float *nx = NULL;
	int rc = -1;

	in_of = util_malloc_array(d->n_cols, sizeof *in_of);
	if (!map || !in_of)
		goto oom;
	for (size_t i = 0, k = 0; i < d->n_cols; i++) {
		in_of[i] = n_in;
		if (d->col_role[i] == DNN_COL_INPUT) {
			n_in++;
		} else if (d->col_role[i] == DNN_COL_CATEGORICAL) {
			struct dnn_catcol *cc = &d->cats[k];

			cc->first = n_in;
			cc->n = cat_tab[k].n;
			if (strtab_sort(&cat_tab[k], &cc->names, &map[k], e))
				goto out;
			if (cc->n > SIZE_MAX / 2 - n_in)
				goto oom;
			n_in += cc->n;
			k++;
		}
	}
	if (util_mul_overflow(d->n_rows, n_in, &cells) ||
	    !(nx = util_calloc_array(cells ? cells : 1, sizeof *nx)))
		goto oom;
	for (size_t r = 0; r < d->n_rows; r++) {
		const float *src = d->x + r * n_raw;
		float *dst = nx + r * n_in;

		for (size_t i = 0, k = 0; i < d->n_cols; i++) {
			if (d->col_role[i] == DNN_COL_INPUT) {
				dst[in_of[i]] = src[slot[i]];
			} else if (d->col_role[i] == DNN_COL_CATEGORICAL) {
				float v = src[slot[i]];

				if (isnan(v))
					for (size_t j = 0; j < d->cats[k].n; j++)
						dst[in_of[i] + j] = NAN;
				else
					dst[in_of[i] + map[k][(size_t)v]] = 1.0f;
				k++;
			}
		}
	}
	free(d->x);
	d->x = nx;
	d->n_in = n_in;
	rc = 0;
	goto out;
oom:
	dnn_error_oom(e);
out:
	if (map)
		for (size_t k = 0; k < d->n_cats; k++)
			free(map[k]);
	free(map);
	free(in_of);
	return rc;
}

size_t data_input_of(const unsigned char *col_role, size_t col, const struct dnn_catcol *cats,
		     size_t n_cats)
{
	size_t in = 0, k = 0;

	for (size_t i = 0; i < col; i++) {
		if (col_role[i] == DNN_COL_INPUT)
			in++;
		else if (col_role[i] == DNN_COL_CATEGORICAL && k < n_cats)
			in += cats[k++].n;
	}
	if (col_role[col] != DNN_COL_INPUT && col_role[col] != DNN_COL_CATEGORICAL)
		return SIZE_MAX;
	return in;
}

const struct dnn_catcol *data_cat_of(const struct dnn_catcol *cats, size_t n_cats, size_t col)
{
	for (size_t k = 0; k < n_cats; k++)
		if (cats[k].col == col)
			return &cats[k];
	return NULL;
}

void data_free_cats(struct dnn_catcol *cats, size_t n_cats)
{
	if (!cats)
		return;
	for (size_t k = 0; k < n_cats; k++)
		util_free_strings(cats[k].names, cats[k].n);
	free(cats);
}

/* What data_load holds while it reads a file. */
struct load {
	struct dnn_csv *c;
	struct strtab classes; /* the class labels seen */
	struct strtab *cat_tab; /* the categories seen, per categorical column */
	size_t *slot;		/* per file column: its place among the inputs or targets */
	size_t cap;		/* rows the arrays of d hold */
	struct shard sh;
	int have_row;		/* the current row of c is still to be taken */
	locale_t cloc, old;
};

/* Reject a header that names a column twice (slot[] is scratch space). */
static int check_header(struct dnn_dataset *d, struct load *ld, struct dnn_error *e)
{
	struct strtab names = {0};
	size_t dup, *first = util_malloc_array(d->n_cols, sizeof *first);
	int rc = -1;

	if (!first)
		return dnn_error_oom(e);
	if (strtab_index(d->col_names, d->n_cols, &names, first, ld->slot, &dup, e))
		goto out;
	if (dup != SIZE_MAX) {
		csv_duplicate_error(ld->c, d->col_names, dup, e);
		goto out;
	}
	rc = 0;
out:
	strtab_free(&names);
	free(first);
	return rc;
}

/* Open path in the "C" numeric locale, read its header (or count the
 * columns of its first row), give the columns their roles, and with shared
 * open this rank's share. */
static int load_open(struct dnn_dataset *d, struct load *ld, const char *path,
		     const struct dnn_data_opts *o, int shared, struct dnn_error *e)
{
	if (o->task == DNN_TASK_CLASSIFICATION && o->n_targets > 1)
		return dnn_error_set(e, DNN_EX_DATA, NULL, 0, 0,
				     "classification takes one target column, not %zu",
				     o->n_targets);
	if (!(ld->cloc = csv_c_locale(e)))
		return -1;
	ld->old = uselocale(ld->cloc);
	if (!(ld->c = csv_open(path, &o->csv, e)))
		return -1;
	if (csv_read_names(ld->c, o->csv.header, &d->col_names, &d->n_cols, e))
		return -1;
	ld->have_row = !o->csv.header;
	d->col_role = malloc(d->n_cols);
	ld->slot = util_malloc_array(d->n_cols, sizeof *ld->slot);
	if (!d->col_role || !ld->slot)
		return dnn_error_oom(e);
	if (o->csv.header && check_header(d, ld, e))
		return -1;
	if (o->like ? match_roles(d, o, ld->c, ld->slot, e)
		    : resolve_roles(d, o, ld->c->name, ld->slot, e))
		return -1;
	if (resolve_weight(d, o, ld->c->name, e))
		return -1;
	if (count_roles(d, ld->c->name, ld->slot, e))
		return -1;
	if (d->n_cats && !(ld->cat_tab = util_calloc_array(d->n_cats, sizeof *ld->cat_tab)))
		return dnn_error_oom(e);
	if (SIZE_MAX / sizeof(float) < d->n_cols)
		return dnn_error_oom(e);
	if (shared && (shard_open(&ld->sh, &ld->c, path, &o->csv, &ld->have_row, e) ||
		       grow_rows(d, &ld->cap, 1, e)))
		return -1;
	return 0;
}

/* Read the rows of the file (of this rank's share) into d. */
static int load_rows(struct dnn_dataset *d, struct load *ld, struct dnn_error *e)
{
	for (;;) {
		if (!ld->have_row) {
			int r;

			if (fast_rows(d, ld->c, ld->slot, &ld->classes, &ld->cap, &ld->sh, e))
				return -1;
			r = csv_next(ld->c, e);
			if (r < 0)
				return -1;
			if (r == 0)
				return 0;
		}
		ld->have_row = 0;
		if (d->n_rows == ld->cap && grow_rows(d, &ld->cap, d->n_rows + 1, e))
			return -1;
		if (take_row(d, ld->c, ld->slot, &ld->classes, ld->cat_tab, d->n_rows, e))
			return -1;
		d->n_rows += shard_keep(&ld->sh);
	}
}

/* Collective, after the ranks sharing a file have read their shares (rc:
 * this rank's outcome): agree on the outcome, a share's line numbers
 * counted in the whole file, then count the rows and missing cells of all,
 * number this rank's rows among them, and give every rank the classes and
 * categories of all. */
static int agree_shares(struct dnn_dataset *d, struct load *ld, int rc, struct dnn_error *e)
{
	struct dnn_csv *c = ld->c;
	/* A share's line numbers start after the lines of the shares before it. */
	uint64_t base = ld->sh.header_lines +
			dist_exscan_u64(ld->sh.mode == SHARD_BYTES && c ? c->line - 1 : 0);

	if (rc && ld->sh.mode == SHARD_BYTES && e->line && c && strcmp(e->file, c->name) == 0) {
		e->line += (unsigned long)base;
		/* A share ends at a line end, which may be one inside a quoted
		 * field: then its last row is cut short. */
		if (c->eof && e->code == DNN_EX_DATA && dist_rank() + 1 < dist_size()) {
			size_t len = strlen(e->msg);

			snprintf(e->msg + len, sizeof e->msg - len, "%s",
				 "; if a quoted field holds a line break, it may cross the "
				 "boundary between two MPI ranks' shares of the file: give the "
				 "file gzip-compressed (shared by rows, not bytes)");
		}
	}
	if (dist_agree(rc, e))
		return -1;
	d->shared = 1;
	uint64_t t[2] = {d->n_rows, c->n_missing};

	dist_sum_u64(t, 2);
	d->n_rows_total = (size_t)t[0];
	c->n_missing = (size_t)t[1];
	if (ld->sh.mode == SHARD_BYTES) {
		d->gid_first = (size_t)dist_exscan_u64(d->n_rows);
	} else {
		d->gid_first = (size_t)dist_rank();
		d->gid_stride = (size_t)dist_size();
	}
	/* Every rank ends with the classes and categories of all. */
	if (shard_union(&ld->classes, e))
		return -1;
	for (size_t k = 0; k < d->n_cats; k++)
		if (shard_union(&ld->cat_tab[k], e))
			return -1;
	return 0;
}

/* With all rows read: check there are some (and two classes), sort the
 * classes, and make the one-hot inputs of the categories. */
static int load_finish(struct dnn_dataset *d, struct load *ld, const struct dnn_data_opts *o,
		       struct dnn_error *e)
{
	struct dnn_csv *c = ld->c;

	if (d->n_rows_total == 0)
		return dnn_error_set(e, DNN_EX_DATA, c->name, 0, 0,
				     o->csv.header ? "no data rows (only a header)"
						   : "no data rows");
	if (d->task == DNN_TASK_CLASSIFICATION) {
		size_t t = 0;

		while (d->col_role[t] != DNN_COL_TARGET)
			t++;
		if (ld->classes.n < 2) {
			char shown[CSV_SHOW_MAX * 4 + 8];

			csv_show_text(shown, sizeof shown, ld->classes.keys[0]);
			return dnn_error_set(e, DNN_EX_DATA, c->name, 0, 0,
					     "target column '%s' has only one class ('%s')",
					     d->col_names[t], shown);
		}
		if (sort_classes(d, &ld->classes, e))
			return -1;
	}
	if (d->has_weight) {
		double sum = 0.0;

		for (size_t i = 0; i < d->n_rows; i++)
			sum += (double)d->w[i];
		if (d->shared)
			dist_sum_f64(&sum, 1);
		if (!(sum > 0.0))
			return dnn_error_set(e, DNN_EX_DATA, c->name, 0, 0,
					     "every weight in column '%s' is 0",
					     d->col_names[d->weight_col]);
	}
	d->n_missing = c->n_missing;
	shrink_rows(d);
	if (d->n_cats && expand_categories(d, ld->cat_tab, ld->slot, e))
		return -1;
	return 0;
}

static void load_close(struct dnn_dataset *d, struct load *ld)
{
	if (ld->cat_tab)
		for (size_t k = 0; k < d->n_cats; k++)
			strtab_free(&ld->cat_tab[k]);
	free(ld->cat_tab);
	strtab_free(&ld->classes);
	free(ld->slot);
	csv_close(ld->c);
	if (ld->cloc) {
		uselocale(ld->old);
		freelocale(ld->cloc);
	}
}

int data_load(struct dnn_dataset *d, const char *path, const struct dnn_data_opts *o,
	      struct dnn_error *e)
{
	struct load ld = {.sh = {SHARD_NONE, 0, 0}};
	int shared = o->shard && dist_active(), rc;

	memset(d, 0, sizeof *d);
	d->task = o->task;
	d->gid_stride = 1;
	if (o->task != DNN_TASK_REGRESSION && o->task != DNN_TASK_CLASSIFICATION)
		return dnn_error_set(e, DNN_EX_SOFTWARE, NULL, 0, 0, "data_load: bad task %d",
				     o->task);
	rc = load_open(d, &ld, path, o, shared, e);
	if (!rc)
		rc = load_rows(d, &ld, e);
	if (rc)
		csv_gzip_blame(ld.c, e);
	if (shared)
		rc = agree_shares(d, &ld, rc, e);
	else if (!rc)
		d->n_rows_total = d->n_rows;
	if (!rc)
		rc = load_finish(d, &ld, o, e);
	/* All sharing ranks fail, or none does. */
	if (shared)
		rc = dist_agree(rc, e);
	load_close(d, &ld);
	if (rc)
		data_free(d);
	return rc ? -1 : 0;
}

int data_resolve_column(const struct dnn_column_ref *r, const char *what, char *const *names,
			size_t n, const char *file, size_t *col, struct dnn_error *e)
{
	return resolve_column(r, what, names, n, file, col, e);
}

void data_free(struct dnn_dataset *d)
{
	if (!d)
		return;
	util_free_strings(d->col_names, d->n_cols);
	free(d->col_role);
	free(d->x);
	free(d->y);
	util_free_strings(d->class_names, d->n_classes);
	free(d->label);
	free(d->w);
	free(d->train_gid);
	data_free_cats(d->cats, d->n_cats);
	memset(d, 0, sizeof *d);
}
