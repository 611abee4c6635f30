/* The row reader of predict and eval: rows of a model's inputs (and with
 * eval its targets and weights) read from a CSV whose header names the
 * columns in any order (matched by rows.c), the model's categories and
 * classes, a fast path for rows of plain numbers, and the echo of the input
 * cells. */
#include "rows.h"

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "num.h"
#include "strtab.h"
#include "util.h"

struct dnn_reader {
	struct dnn_csv *csv;
	locale_t cloc;
	size_t n_in;	  /* network inputs */
	size_t n_src;	  /* the model's input columns (numbers and categories) */
	char **in_names;  /* their names (borrowed) */
	size_t *in_train; /* their positions among the training columns */
	size_t *in_first; /* the network input each starts at */
	const struct dnn_catcol **in_cat; /* their categories, or NULL for a number */
	struct strtab *cat_tab;		  /* the categories of each, for lookup */
	size_t *map;	  /* file column of each, for the current layout */
	size_t width;	  /* fields per row; 0 until the first row (no header) */
	size_t n_train_cols;
	int header;
	int unknown_ignore;
	/* Targets (with_targets): names, training and file columns, classes. */
	size_t n_tgt;
	char **tgt_names;
	size_t *tgt_train, *tgt_map;
	struct strtab classes;
	int classify;
	/* The weight column: asked for, its training column and name, found
	 * in the file, at file column w_map. */
	int want_w, has_w;
	size_t w_train, w_map;
	const char *w_name;
	/* Echo of the input cells (echo_delim). */
	char echo_delim;
	char *echo;
	size_t echo_len, echo_cap;
	size_t *echo_off; /* per row of the batch: start in echo */
	size_t echo_rows, echo_rows_cap;
	/* The fast path: for each field of a row, the network input it goes
	 * to, or -1 to skip it; NULL while the layout is unknown or when a row
	 * needs the general reader (categories, echo). */
	long *fast_slot;
};

/* Set up the fast path once the row width is known. */
static int reader_fast_setup(struct dnn_reader *r, struct dnn_error *e)
{
	if (r->echo_delim || !r->width)
		return 0;
	for (size_t j = 0; j < r->n_src; j++)
		if (r->in_cat[j])
			return 0;
	r->fast_slot = util_malloc_array(r->width, sizeof *r->fast_slot);
	if (!r->fast_slot)
		return dnn_error_oom(e);
	for (size_t i = 0; i < r->width; i++)
		r->fast_slot[i] = -1;
	for (size_t j = 0; j < r->n_src; j++)
		r->fast_slot[r->map[j]] = (long)r->in_first[j];
	return 0;
}

/* Rows of plain numbers straight from the input buffer into x (as
 * fast_rows does for data_load): how many, up to max. It stops, consuming
 * nothing of it, at the first line it cannot take whole, which the general
 * reader then takes. */
static size_t reader_fast(struct dnn_reader *r, float *x, size_t max)
{
	struct dnn_csv *c = r->csv;
	const int delim = c->delim;
	size_t n = 0;

	while (n < max) {
		const char *p = (const char *)c->in + c->in_pos;
		const char *end = (const char *)c->in + c->in_len;
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le;
		float *row = x + n * r->n_in;

		if (!nl)
			break;
		le = nl > p && nl[-1] == '\r' ? nl - 1 : nl;
		for (size_t i = 0; i < r->width; i++) {
			long slot = r->fast_slot[i];

			if (i) {
				if (p == le)
					return n;
				p++;
			}
			if (slot >= 0) {
				if (!csv_fast_number(&p, le, delim, row + slot))
					return n;
			} else if (!(p = csv_fast_field_end(p, le, delim))) {
				return n;
			}
		}
		if (p != le)
			return n;
		n++;
		c->in_pos = (size_t)(nl + 1 - (const char *)c->in);
		c->line++;
		c->col = 1;
	}
	return n;
}

/* Make room for need more bytes of echo. */
static int echo_reserve(char **buf, size_t *cap_io, size_t len, size_t need)
{
	size_t cap = *cap_io ? *cap_io : 1024;
	char *p;

	if (*cap_io - len >= need)
		return 0;
	while (cap - len < need) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	if (!(p = realloc(*buf, cap)))
		return -1;
	*buf = p;
	*cap_io = cap;
	return 0;
}

/* Append s[0..len) to buf, after delim unless it is the first cell, quoted
 * as CSV when it holds the delimiter, a quote or a line break. */
static int echo_cell(char **buf, size_t *cap, size_t *len, char delim, int first, const char *s,
		     size_t n)
{
	int quote = 0;

	for (size_t i = 0; i < n; i++)
		if (s[i] == delim || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
			quote = 1;
	if (n > SIZE_MAX / 2 - 8 || echo_reserve(buf, cap, *len, 2 * n + 4))
		return -1;
	if (!first)
		(*buf)[(*len)++] = delim;
	if (quote)
		(*buf)[(*len)++] = '"';
	for (size_t i = 0; i < n; i++) {
		if (quote && s[i] == '"')
			(*buf)[(*len)++] = '"';
		(*buf)[(*len)++] = s[i];
	}
	if (quote)
		(*buf)[(*len)++] = '"';
	(*buf)[*len] = '\0';
	return 0;
}

/* Keep the input cells of the current row as row n of the echo. */
static int echo_row(struct dnn_reader *r, size_t n, struct dnn_error *e)
{
	if (n == 0)
		r->echo_len = 0;
	r->echo_off[n] = r->echo_len;
	for (size_t j = 0; j < r->n_src; j++) {
		size_t len;
		char *s = csv_trim(r->csv, r->map[j], &len);

		if (echo_cell(&r->echo, &r->echo_cap, &r->echo_len, r->echo_delim, j == 0, s, len))
			return dnn_error_oom(e);
	}
	if (r->n_src == 0 && echo_reserve(&r->echo, &r->echo_cap, r->echo_len, 1))
		return dnn_error_oom(e);
	r->echo[r->echo_len++] = '\0';
	return 0;
}

const char *reader_echo(const struct dnn_reader *r, size_t i)
{
	return i < r->echo_rows ? r->echo + r->echo_off[i] : NULL;
}

int reader_echo_header(const struct dnn_reader *r, char **out, struct dnn_error *e)
{
	char *buf = NULL;
	size_t cap = 0, len = 0;

	if (echo_reserve(&buf, &cap, 0, 1))
		return dnn_error_oom(e);
	buf[0] = '\0';
	for (size_t j = 0; j < r->n_src; j++) {
		if (echo_cell(&buf, &cap, &len, r->echo_delim, j == 0, r->in_names[j],
			      strlen(r->in_names[j]))) {
			free(buf);
			return dnn_error_oom(e);
		}
	}
	*out = buf;
	return 0;
}

struct dnn_reader *reader_open(const char *path, const struct dnn_csv_opts *o,
			       char *const *col_names, const unsigned char *col_role, size_t n_cols,
			       struct dnn_error *e)
{
	struct dnn_reader_opts ro = {0};

	return reader_open_model(path, o, col_names, col_role, n_cols, &ro, e);
}

/* Set up the target columns of r (with_targets). */
static int reader_targets(struct dnn_reader *r, char *const *col_names,
			  const unsigned char *col_role, size_t n_cols,
			  const struct dnn_reader_opts *ro, struct dnn_error *e)
{
	for (size_t i = 0; i < n_cols; i++)
		r->n_tgt += col_role[i] == DNN_COL_TARGET;
	r->tgt_names = util_malloc_array(r->n_tgt ? r->n_tgt : 1, sizeof *r->tgt_names);
	r->tgt_train = util_malloc_array(r->n_tgt ? r->n_tgt : 1, sizeof *r->tgt_train);
	r->tgt_map = util_malloc_array(r->n_tgt ? r->n_tgt : 1, sizeof *r->tgt_map);
	if (!r->tgt_names || !r->tgt_train || !r->tgt_map)
		return dnn_error_oom(e);
	for (size_t i = 0, j = 0; i < n_cols; i++) {
		if (col_role[i] == DNN_COL_TARGET) {
			r->tgt_names[j] = col_names[i];
			r->tgt_train[j++] = i;
		}
	}
	r->classify = ro->n_classes > 0;
	for (size_t k = 0; k < ro->n_classes; k++) {
		size_t idx;
		int added;

		if (strtab_add(&r->classes, ro->class_names[k], strlen(ro->class_names[k]), &idx,
			       &added))
			return dnn_error_oom(e);
	}
	return 0;
}

/* Set up the input columns of r: the model's columns with the roles
 * col_role[0..n_cols), their names, network inputs and categories. */
static int reader_inputs(struct dnn_reader *r, char *const *col_names,
			 const unsigned char *col_role, size_t n_cols,
			 const struct dnn_reader_opts *ro, struct dnn_error *e)
{
	const struct dnn_catcol *cats = ro->cats;
	size_t n_cats = ro->n_cats;

	for (size_t i = 0; i < n_cols; i++)
		r->n_src += col_role[i] == DNN_COL_INPUT || col_role[i] == DNN_COL_CATEGORICAL;
	r->in_names = util_malloc_array(r->n_src, sizeof *r->in_names);
	r->in_train = util_malloc_array(r->n_src, sizeof *r->in_train);
	r->in_first = util_malloc_array(r->n_src, sizeof *r->in_first);
	r->in_cat = util_calloc_array(r->n_src, sizeof *r->in_cat);
	r->cat_tab = util_calloc_array(r->n_src, sizeof *r->cat_tab);
	r->map = util_malloc_array(r->n_src, sizeof *r->map);
	if (!r->in_names || !r->in_train || !r->in_first || !r->in_cat || !r->cat_tab || !r->map)
		return dnn_error_oom(e);
	for (size_t i = 0, j = 0, k = 0; i < n_cols; i++) {
		if (col_role[i] != DNN_COL_INPUT && col_role[i] != DNN_COL_CATEGORICAL)
			continue;
		r->in_names[j] = col_names[i];
		r->in_train[j] = i;
		r->in_first[j] = r->n_in;
		if (col_role[i] == DNN_COL_INPUT) {
			r->n_in++;
		} else {
			if (k >= n_cats || cats[k].col != i)
				return dnn_error_set(e, DNN_EX_SOFTWARE, NULL, 0, 0,
						     "reader_open: no categories for column '%s'",
						     col_names[i]);
			r->in_cat[j] = &cats[k];
			for (size_t c = 0; c < cats[k].n; c++) {
				size_t idx;
				int added;

				if (strtab_add(&r->cat_tab[j], cats[k].names[c],
					       strlen(cats[k].names[c]), &idx, &added))
					return dnn_error_oom(e);
			}
			r->n_in += cats[k++].n;
		}
		j++;
	}
	return 0;
}

/* Whether the text s, split at every byte d (quotes aside), holds the name
 * of each of m's columns whose role is in the set roles. */
static int split_holds(const char *s, char d, const struct dnn_trained *m, unsigned roles)
{
	for (size_t i = 0; i < m->n_cols; i++) {
		size_t len = strlen(m->col_names[i]);
		const char *p = s;
		int found = 0;

		if (!(roles & ROWS_ROLE(m->col_role[i])))
			continue;
		while (!found && p) {
			const char *end = strchr(p, d);
			size_t n = end ? (size_t)(end - p) : strlen(p);

			found = n == len && memcmp(p, m->col_names[i], len) == 0;
			p = end ? end + 1 : NULL;
		}
		if (!found)
			return 0;
	}
	return 1;
}

/* Whether one of m's column names is a number. */
static int rows_has_number_name(const struct dnn_trained *m)
{
	for (size_t i = 0; i < m->n_cols; i++)
		if (num_is_decimal(m->col_names[i], strlen(m->col_names[i])))
			return 1;
	return 0;
}

/* What may have gone wrong when the header's names (read with delimiter
 * delim) lack a column of m, into buf ("" when nothing is clear): the same
 * line split at another delimiter gives m's columns, or m was trained on a
 * file without a header row. */
static void header_hint(const struct dnn_trained *m, unsigned roles, char *const *names,
			size_t n_names, char delim, char *buf, size_t size)
{
	static const char others[] = ",;\t|";
	size_t len = 1, at = 0;
	char *line;
	int numbered = m->n_cols > 0;

	buf[0] = '\0';
	for (size_t i = 0; i < m->n_cols && numbered; i++) {
		char want[32];

		snprintf(want, sizeof want, "%zu", i);
		numbered = strcmp(m->col_names[i], want) == 0;
	}
	if (numbered) {
		snprintf(buf, size,
			 "; the model was trained on data without a header row, whose columns "
			 "are named 0, 1, ... (--no-header)");
		return;
	}
	for (size_t i = 0; i < n_names; i++) {
		len += strlen(names[i]) + 1;
		/* A number where the model has none: a data row read as names. */
		if (num_is_decimal(names[i], strlen(names[i])) && !rows_has_number_name(m)) {
			snprintf(buf, size,
				 "; the first line looks like data, not names (--no-header)");
			return;
		}
	}
	if (!(line = malloc(len)))
		return;
	for (size_t i = 0; i < n_names; i++) {
		size_t n = strlen(names[i]);

		memcpy(line + at, names[i], n);
		at += n;
		if (i + 1 < n_names)
			line[at++] = delim;
	}
	line[at] = '\0';
	for (const char *d = others; *d; d++) {
		char shown[8] = "tab";

		if (*d == delim || !split_holds(line, *d, m, roles))
			continue;
		if (*d != '\t')
			snprintf(shown, sizeof shown, "'%c'", *d);
		snprintf(buf, size,
			 "; the header line reads as the model's columns with --delimiter %s",
			 shown);
		break;
	}
	free(line);
}

/* Read the header of r's file and match the model's inputs, then its
 * targets, to its columns by name (m: the model's columns). */
static int reader_header(struct dnn_reader *r, const struct dnn_trained *m, struct dnn_error *e)
{
	const unsigned inputs = ROWS_ROLE(DNN_COL_INPUT) | ROWS_ROLE(DNN_COL_CATEGORICAL);
	char **names = NULL;
	size_t n_names = 0, *map = NULL, bad, dup;
	int got = -1;

	if (csv_read_names(r->csv, 1, &names, &n_names, e))
		goto out;
	if (!(map = util_malloc_array(m->n_cols ? m->n_cols : 1, sizeof *map))) {
		dnn_error_oom(e);
		goto out;
	}
	got = rows_match(m, inputs, names, n_names, map, &bad, &dup, e);
	for (size_t j = 0; got == ROWS_MATCHED && j < r->n_src; j++)
		r->map[j] = map[r->in_train[j]];
	if (got == ROWS_MATCHED && r->n_tgt)
		got = rows_match(m, ROWS_ROLE(DNN_COL_TARGET), names, n_names, map, &bad, &dup, e);
	for (size_t j = 0; got == ROWS_MATCHED && j < r->n_tgt; j++)
		r->tgt_map[j] = map[r->tgt_train[j]];
	if (got == ROWS_MISSING) {
		char hint[160];

		header_hint(m, inputs, names, n_names, r->csv->delim, hint, sizeof hint);
		dnn_error_set(e, DNN_EX_DATA, r->csv->name, 0, 0, "%s column '%s' is missing%s",
			      m->col_role[bad] == DNN_COL_TARGET ? "target" : "input",
			      m->col_names[bad], hint);
	} else if (got == ROWS_REPEATED)
		csv_duplicate_error(r->csv, names, dup, e);
	for (size_t i = 0; got == ROWS_MATCHED && r->want_w && i < n_names; i++)
		if (strcmp(names[i], r->w_name) == 0 && !r->has_w) {
			r->has_w = 1;
			r->w_map = i;
		}
	if (got == ROWS_MATCHED) {
		r->width = n_names;
		got = reader_fast_setup(r, e);
	}
out:
	util_free_strings(names, n_names);
	free(map);
	return got ? -1 : 0;
}

struct dnn_reader *reader_open_model(const char *path, const struct dnn_csv_opts *o,
				     char *const *col_names, const unsigned char *col_role,
				     size_t n_cols, const struct dnn_reader_opts *ro,
				     struct dnn_error *e)
{
	const struct dnn_trained m = {.col_names = col_names, .col_role = col_role, .n_cols = n_cols};
	struct dnn_reader *r = calloc(1, sizeof *r);

	if (!r) {
		dnn_error_oom(e);
		return NULL;
	}
	r->header = o ? o->header : 1;
	r->unknown_ignore = ro->unknown_ignore;
	r->n_train_cols = n_cols;
	if (reader_inputs(r, col_names, col_role, n_cols, ro, e))
		goto fail;
	if (ro->with_targets && reader_targets(r, col_names, col_role, n_cols, ro, e))
		goto fail;
	if (ro->with_targets && ro->has_weight && ro->weight_col < n_cols) {
		r->want_w = 1;
		r->w_train = ro->weight_col;
		r->w_name = col_names[ro->weight_col];
	}
	r->echo_delim = ro->echo_delim;
	if (!(r->cloc = csv_c_locale(e)))
		goto fail;
	r->csv = csv_open(path, o, e);
	if (!r->csv)
		goto fail;
	if (r->header && reader_header(r, &m, e))
		goto fail;
	return r;
fail:
	reader_close(r);
	return NULL;
}

/* Decide the layout from the first row of a file without a header. */
static int reader_layout(struct dnn_reader *r, struct dnn_error *e)
{
	size_t n = r->csv->n_fields;

	if (r->n_tgt && n != r->n_train_cols)
		/* The targets are needed: the row must be laid out as in training. */
		return csv_ragged(r->csv, r->n_train_cols, 0, e);
	for (size_t j = 0; j < r->n_tgt; j++)
		r->tgt_map[j] = r->tgt_train[j];
	/* Laid out as in training, the row has the weight column too. */
	r->has_w = r->want_w;
	r->w_map = r->w_train;
	if (n == r->n_src) {
		for (size_t j = 0; j < r->n_src; j++)
			r->map[j] = j;
	} else if (n == r->n_train_cols) {
		for (size_t j = 0; j < r->n_src; j++)
			r->map[j] = r->in_train[j];
	} else {
		return csv_ragged(r->csv, r->n_src, r->n_train_cols, e);
	}
	r->width = n;
	return 0;
}

/* The inputs of categorical column j for field i of the current row: 1 for
 * its category, 0 for the others; NaN for a missing one (when allowed). */
static int reader_category(struct dnn_reader *r, size_t j, size_t i, float *x,
			   struct dnn_error *e)
{
	struct dnn_csv *c = r->csv;
	const struct dnn_catcol *cc = r->in_cat[j];
	char shown[CSV_SHOW_MAX * 4 + 8];
	size_t len, k;
	char *s = csv_trim(c, i, &len);

	if (csv_is_missing(s, len)) {
		if (!c->missing_ok)
			return dnn_error_set(e, DNN_EX_DATA, c->name, c->fline[i], c->fcol[i],
					     "missing value in column '%s'", r->in_names[j]);
		for (size_t q = 0; q < cc->n; q++)
			x[q] = NAN;
		c->n_missing++;
		return 0;
	}
	for (size_t q = 0; q < cc->n; q++)
		x[q] = 0.0f;
	k = strtab_find(&r->cat_tab[j], s);
	if (k != SIZE_MAX) {
		x[k] = 1.0f;
		return 0;
	}
	if (csv_check_utf8(c, i, s, len, "the category", e))
		return -1;
	if (r->unknown_ignore)
		return 0;
	csv_show_text(shown, sizeof shown, s);
	return dnn_error_set(e, DNN_EX_DATA, c->name, c->fline[i], c->fcol[i],
			     "unknown category '%s' in column '%s' (not in the training data)",
			     shown, r->in_names[j]);
}

/* The targets of the current row into y (regression) or *label. */
static int reader_row_targets(struct dnn_reader *r, float *y, uint32_t *label,
			      struct dnn_error *e)
{
	struct dnn_csv *c = r->csv;

	if (!r->classify) {
		for (size_t j = 0; j < r->n_tgt; j++)
			if (csv_cell_number(c, r->tgt_map[j], r->tgt_names[j], 0, y + j, e))
				return -1;
		return 0;
	}
	size_t i = r->tgt_map[0], len, k;
	char shown[CSV_SHOW_MAX * 4 + 8];
	char *s = csv_trim(c, i, &len);

	if (csv_is_missing(s, len))
		return dnn_error_set(e, DNN_EX_DATA, c->name, c->fline[i], c->fcol[i],
				     "missing value in column '%s'", r->tgt_names[0]);
	k = strtab_find(&r->classes, s);
	if (k == SIZE_MAX) {
		if (csv_check_utf8(c, i, s, len, "the class label", e))
			return -1;
		csv_show_text(shown, sizeof shown, s);
		return dnn_error_set(e, DNN_EX_DATA, c->name, c->fline[i], c->fcol[i],
				     "unknown class '%s' in column '%s' (not one of the model's)",
				     shown, r->tgt_names[0]);
	}
	*label = (uint32_t)k;
	return 0;
}

int reader_next(struct dnn_reader *r, float *x, size_t max_rows, size_t *n_read,
		struct dnn_error *e)
{
	return reader_next_labelled(r, x, NULL, NULL, max_rows, n_read, e);
}

int reader_next_labelled(struct dnn_reader *r, float *x, float *y, uint32_t *label,
			 size_t max_rows, size_t *n_read, struct dnn_error *e)
{
	return reader_next_weighted(r, x, y, label, NULL, max_rows, n_read, e);
}

int reader_has_weight(const struct dnn_reader *r)
{
	return r->has_w;
}

int reader_next_weighted(struct dnn_reader *r, float *x, float *y, uint32_t *label, float *w,
			 size_t max_rows, size_t *n_read, struct dnn_error *e)
{
	locale_t old;
	size_t n = 0;
	int rc = 0;

	if (r->echo_delim && max_rows > r->echo_rows_cap) {
		size_t *off = util_realloc_array(r->echo_off, max_rows, sizeof *off);

		if (!off)
			return dnn_error_oom(e);
		r->echo_off = off;
		r->echo_rows_cap = max_rows;
	}
	r->echo_rows = 0;
	old = uselocale(r->cloc);
	while (n < max_rows) {
		int got;

		if (r->fast_slot && !y && !label) {
			n += reader_fast(r, x + n * r->n_in, max_rows - n);
			if (n == max_rows)
				break;
		}
		/* Rows in hand go out rather than wait on a slow pipe. */
		if (n > 0 && r->csv->in_pos == r->csv->in_len && !input_ready(r->csv->src))
			break;
		got = csv_next(r->csv, e);

		if (got <= 0) {
			rc = got;
			break;
		}
		if (!r->width && (reader_layout(r, e) || reader_fast_setup(r, e))) {
			rc = -1;
			break;
		}
		if (r->csv->n_fields != r->width) {
			rc = csv_ragged(r->csv, r->width, 0, e);
			break;
		}
		for (size_t j = 0; j < r->n_src && rc == 0; j++) {
			float *xj = x + n * r->n_in + r->in_first[j];

			if (r->in_cat[j])
				rc = reader_category(r, j, r->map[j], xj, e);
			else
				rc = csv_cell_number(r->csv, r->map[j], r->in_names[j], 1, xj, e);
		}
		if (!rc && r->echo_delim)
			rc = echo_row(r, n, e);
		if (!rc && r->n_tgt && (y || label))
			rc = reader_row_targets(r, y ? y + n * r->n_tgt : NULL, label ? label + n : NULL,
						e);
		if (!rc && w && r->has_w)
			rc = csv_cell_weight(r->csv, r->w_map, r->w_name, w + n, e);
		else if (w)
			w[n] = 1.0f;
		if (rc)
			break;
		n++;
	}
	uselocale(old);
	r->echo_rows = rc ? 0 : n;
	*n_read = rc ? 0 : n;
	return rc ? -1 : 0;
}

void reader_close(struct dnn_reader *r)
{
	if (!r)
		return;
	csv_close(r->csv);
	if (r->cloc)
		freelocale(r->cloc);
	if (r->cat_tab)
		for (size_t j = 0; j < r->n_src; j++)
			strtab_free(&r->cat_tab[j]);
	free(r->cat_tab);
	free(r->in_cat);
	free(r->in_names);
	free(r->in_train);
	free(r->in_first);
	free(r->map);
	free(r->echo);
	free(r->echo_off);
	free(r->fast_slot);
	free(r->tgt_names);
	free(r->tgt_train);
	free(r->tgt_map);
	strtab_free(&r->classes);
	free(r);
}
