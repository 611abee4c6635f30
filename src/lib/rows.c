/* Rows matched to a model by name: the matcher of a file's columns to the
 * columns a model was trained on, the resume check, and validation rows
 * appended to the training rows. The reader of predict and eval that uses
 * the matcher is in reader.c. */
#include "rows.h"

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "num.h"
#include "strtab.h"
#include "util.h"

/* ---- the columns of a file matched to a model's by name ---- */

int rows_match(const struct dnn_trained *m, unsigned roles, char *const *names, size_t n_names,
	       size_t *map, size_t *bad, size_t *dup, struct dnn_error *e)
{
	struct strtab t = {0};
	size_t *first = util_malloc_array(n_names ? n_names : 1, sizeof *first);
	size_t *second = util_malloc_array(n_names ? n_names : 1, sizeof *second), first_dup;
	int rc = -1;

	if (!first || !second) {
		dnn_error_oom(e);
		goto out;
	}
	if (strtab_index(names, n_names, &t, first, second, &first_dup, e))
		goto out;
	rc = ROWS_MATCHED;
	for (size_t i = 0; i < m->n_cols; i++) {
		size_t k;

		map[i] = SIZE_MAX;
		if (!(roles & ROWS_ROLE(m->col_role[i])))
			continue;
		k = strtab_find(&t, m->col_names[i]);
		if (k == SIZE_MAX) {
			*bad = i;
			rc = ROWS_MISSING;
			break;
		}
		/* A repeated name matters only when it is one the model reads. */
		if (second[k] != SIZE_MAX) {
			*bad = i;
			*dup = second[k];
			rc = ROWS_REPEATED;
			break;
		}
		map[i] = first[k];
	}
out:
	strtab_free(&t);
	free(first);
	free(second);
	return rc;
}

int rows_check_trained(const struct dnn_trained *m, const struct dnn_dataset *d,
		       const char *data_name, const char *model_name, struct dnn_error *e)
{
	const unsigned all = ROWS_ROLE(DNN_COL_INPUT) | ROWS_ROLE(DNN_COL_TARGET) |
			     ROWS_ROLE(DNN_COL_IGNORED) | ROWS_ROLE(DNN_COL_CATEGORICAL);
	int same = m->n_cols == d->n_cols && m->n_classes == d->n_classes;

	if (same) {
		size_t *map = util_malloc_array(m->n_cols ? m->n_cols : 1, sizeof *map), bad, dup;
		int got;

		if (!map)
			return dnn_error_oom(e);
		got = rows_match(m, all, d->col_names, d->n_cols, map, &bad, &dup, e);
		/* By name, and in the same place with the same role: the network
		 * reads its inputs in the order it was trained on. */
		for (size_t c = 0; same && c < d->n_cols; c++)
			same = got == ROWS_MATCHED && map[c] == c && m->col_role[c] == d->col_role[c];
		free(map);
		if (got < 0)
			return -1;
	}
	if (!same)
		return dnn_error_set(e, DNN_EX_DATA, data_name, 0, 0,
				     "the columns differ from those %s was trained on",
				     model_name);
	for (size_t k = 0; k < d->n_classes; k++)
		if (strcmp(m->class_names[k], d->class_names[k]) != 0)
			return dnn_error_set(e, DNN_EX_DATA, data_name, 0, 0,
					     "the classes differ from those %s was trained on",
					     model_name);
	/* Other categories would change the network's inputs. */
	same = m->n_cats == d->n_cats && m->n_in == d->n_in;
	for (size_t k = 0; same && k < d->n_cats; k++) {
		same = m->cats[k].n == d->cats[k].n;
		for (size_t q = 0; same && q < d->cats[k].n; q++)
			same = strcmp(m->cats[k].names[q], d->cats[k].names[q]) == 0;
		if (!same)
			return dnn_error_set(e, DNN_EX_DATA, data_name, 0, 0,
					     "the categories of column '%s' differ from those %s "
					     "was trained on",
					     d->col_names[d->cats[k].col], model_name);
	}
	if (!same)
		return dnn_error_set(e, DNN_EX_DATA, data_name, 0, 0,
				     "the inputs differ from those %s was trained on", model_name);
	return 0;
}

/* ---- a resumed run's columns put in the checkpoint's order ---- */

/* The columns of d in m's order (map[i]: d's column of m's column i), d
 * checked to have m's columns and no other. */
static int trained_map(const struct dnn_dataset *d, const struct dnn_trained *m, size_t *map,
		       const char *data_name, const char *model_name, struct dnn_error *e)
{
	const unsigned all = ROWS_ROLE(DNN_COL_INPUT) | ROWS_ROLE(DNN_COL_TARGET) |
			     ROWS_ROLE(DNN_COL_IGNORED) | ROWS_ROLE(DNN_COL_CATEGORICAL);
	size_t bad = 0, dup = 0;
	int got = rows_match(m, all, d->col_names, d->n_cols, map, &bad, &dup, e);

	if (got < 0)
		return -1;
	if (got == ROWS_MISSING)
		return dnn_error_set(e, DNN_EX_DATA, data_name, 0, 0,
				     "column '%s', which %s was trained on, is missing",
				     m->col_names[bad], model_name);
	if (got == ROWS_REPEATED)
		return dnn_error_set(e, DNN_EX_DATA, data_name, 0, 0, "column '%s' is given twice",
				     d->col_names[dup]);
	if (d->n_cols > m->n_cols) {
		unsigned char *seen = calloc(d->n_cols, 1);
		size_t c = 0;

		if (!seen)
			return dnn_error_oom(e);
		for (size_t i = 0; i < m->n_cols; i++)
			seen[map[i]] = 1;
		while (seen[c])
			c++;
		free(seen);
		return dnn_error_set(e, DNN_EX_DATA, data_name, 0, 0,
				     "column '%s' is not one %s was trained on", d->col_names[c],
				     model_name);
	}
	return 0;
}

/* d's names, roles, categorical columns and inputs permuted by map (as
 * trained_map gives it); x into the new x of d->n_rows x d->n_in. */
static void permute_columns(struct dnn_dataset *d, const size_t *map, char **names,
			    unsigned char *role, struct dnn_catcol *cats, float *x)
{
	size_t in = 0, k = 0, w = d->weight_col;

	for (size_t i = 0; i < d->n_cols; i++) {
		size_t c = map[i], from = data_input_of(d->col_role, c, d->cats, d->n_cats);
		const struct dnn_catcol *cat = data_cat_of(d->cats, d->n_cats, c);
		size_t width = cat ? cat->n : from == SIZE_MAX ? 0 : 1;

		names[i] = d->col_names[c];
		role[i] = d->col_role[c];
		if (d->has_weight && c == w)
			d->weight_col = i;
		if (cat) {
			cats[k] = *cat;
			cats[k].col = i;
			cats[k++].first = in;
		}
		for (size_t r = 0; r < d->n_rows && width; r++)
			memcpy(x + r * d->n_in + in, d->x + r * d->n_in + from, width * sizeof *x);
		in += width;
	}
}

int rows_to_trained_order(struct dnn_dataset *d, const struct dnn_trained *m, const char *data_name,
			  const char *model_name, struct dnn_error *e)
{
	size_t *map = util_malloc_array(m->n_cols ? m->n_cols : 1, sizeof *map), cells;
	char **names = NULL;
	unsigned char *role = NULL;
	struct dnn_catcol *cats = NULL;
	float *x = NULL;
	int rc = -1, moved = 0;

	if (!map)
		return dnn_error_oom(e);
	if (trained_map(d, m, map, data_name, model_name, e))
		goto out;
	for (size_t i = 0; i < d->n_cols; i++)
		moved |= map[i] != i;
	rc = 0;
	if (!moved)
		goto out;
	rc = -1;
	names = util_malloc_array(d->n_cols, sizeof *names);
	role = malloc(d->n_cols);
	cats = util_malloc_array(d->n_cats ? d->n_cats : 1, sizeof *cats);
	if (!names || !role || !cats || util_mul_overflow(d->n_rows, d->n_in, &cells) ||
	    !(x = util_malloc_array(cells ? cells : 1, sizeof *x))) {
		dnn_error_oom(e);
		goto out;
	}
	permute_columns(d, map, names, role, cats, x);
	free(d->col_names);
	free(d->col_role);
	free(d->cats);
	free(d->x);
	d->col_names = names;
	d->col_role = role;
	d->cats = cats;
	d->x = x;
	names = NULL, role = NULL, cats = NULL, x = NULL;
	rc = 0;
out:
	free(map);
	free(names);
	free(role);
	free(cats);
	free(x);
	return rc;
}

/* ---- validation rows appended to the training rows ---- */

/* The categorical column of v at file column col. */
static const struct dnn_catcol *find_cat(const struct dnn_dataset *v, size_t col)
{
	return data_cat_of(v->cats, v->n_cats, col);
}

/* Copy the inputs of v's row r into d's layout (dst, d->n_in wide): numbers
 * by column name (vcol[i]: v's column of d's column i), categories by their
 * names among d's categories. */
static int map_val_row(const struct dnn_dataset *d, const struct dnn_dataset *v, size_t r,
		       const size_t *vcol, float *dst, const char *vname, struct dnn_error *e)
{
	const float *src = v->x + r * v->n_in;

	for (size_t i = 0, k = 0; i < d->n_cols; i++) {
		size_t in, vin;

		if (d->col_role[i] == DNN_COL_INPUT) {
			in = data_input_of(d->col_role, i, d->cats, d->n_cats);
			vin = data_input_of(v->col_role, vcol[i], v->cats, v->n_cats);
			dst[in] = src[vin];
		} else if (d->col_role[i] == DNN_COL_CATEGORICAL) {
			const struct dnn_catcol *dc = &d->cats[k++], *vc = find_cat(v, vcol[i]);
			const float *vs = src + vc->first;
			size_t q = 0, hot = SIZE_MAX;

			if (isnan(vs[0])) { /* missing: filled later */
				for (size_t z = 0; z < dc->n; z++)
					dst[dc->first + z] = NAN;
				continue;
			}
			for (size_t z = 0; z < dc->n; z++)
				dst[dc->first + z] = 0.0f;
			while (q < vc->n && vs[q] == 0.0f)
				q++;
			for (size_t z = 0; z < dc->n && hot == SIZE_MAX; z++)
				if (strcmp(dc->names[z], vc->names[q]) == 0)
					hot = z;
			if (hot == SIZE_MAX)
				return dnn_error_set(e, DNN_EX_DATA, vname, 0, 0,
						     "category '%s' of column '%s' does not occur "
						     "in the training data",
						     vc->names[q], d->col_names[i]);
			dst[dc->first + hot] = 1.0f;
		}
	}
	return 0;
}

/* The class of d of each class of v (cls[c]), or an error naming one that
 * d lacks. */
static int map_classes(const struct dnn_dataset *d, const struct dnn_dataset *v, size_t *cls,
		       const char *vname, struct dnn_error *e)
{
	for (size_t c = 0; c < v->n_classes; c++) {
		size_t k;

		for (k = 0; k < d->n_classes; k++)
			if (strcmp(d->class_names[k], v->class_names[c]) == 0)
				break;
		if (k == d->n_classes)
			return dnn_error_set(e, DNN_EX_DATA, vname, 0, 0,
					     "class '%s' does not occur in the training data",
					     v->class_names[c]);
		cls[c] = k;
	}
	return 0;
}

/* The targets and labels of v's rows after d's rows (n in all). */
static int append_targets(struct dnn_dataset *d, const struct dnn_dataset *v, size_t n,
			  const size_t *cls, struct dnn_error *e)
{
	size_t w = d->task == DNN_TASK_REGRESSION ? d->n_targets : 0;

	if (w) {
		float *y = util_realloc_array(d->y, n * w, sizeof *y);

		if (!y)
			return dnn_error_oom(e);
		d->y = y;
		/* v's targets are in d's order (loaded like d). */
		for (size_t r = 0; r < v->n_rows; r++)
			for (size_t j = 0; j < w; j++)
				y[(d->n_rows + r) * w + j] = v->y[r * v->n_targets + j];
	} else {
		uint32_t *lab = util_realloc_array(d->label, n, sizeof *lab);

		if (!lab)
			return dnn_error_oom(e);
		d->label = lab;
		for (size_t r = 0; r < v->n_rows; r++)
			lab[d->n_rows + r] = (uint32_t)cls[v->label[r]];
	}
	return 0;
}

int rows_append(struct dnn_dataset *d, const struct dnn_dataset *v, const char *vname,
		struct dnn_error *e)
{
	const struct dnn_trained m = {
	    .col_names = d->col_names, .col_role = d->col_role, .n_cols = d->n_cols};
	const unsigned roles = ROWS_ROLE(DNN_COL_INPUT) | ROWS_ROLE(DNN_COL_CATEGORICAL) |
			       ROWS_ROLE(DNN_COL_TARGET);
	size_t n = d->n_rows + v->n_rows, *vcol = NULL, *cls = NULL, bad, dup, cells;
	float *x;
	int rc = -1, got;

	vcol = util_malloc_array(d->n_cols, sizeof *vcol);
	cls = util_malloc_array(v->n_classes ? v->n_classes : 1, sizeof *cls);
	if (!vcol || !cls)
		goto oom;
	got = rows_match(&m, roles, v->col_names, v->n_cols, vcol, &bad, &dup, e);
	if (got > 0 || (got == 0 && v->n_targets != d->n_targets)) {
		dnn_error_set(e, DNN_EX_SOFTWARE, vname, 0, 0,
			      "rows_append: the rows were not loaded like the training data");
		goto out;
	}
	if (got < 0 || map_classes(d, v, cls, vname, e))
		goto out;
	if (util_mul_overflow(n, d->n_in, &cells) ||
	    !(x = util_realloc_array(d->x, cells, sizeof *x)))
		goto oom;
	d->x = x;
	for (size_t r = 0; r < v->n_rows; r++)
		if (map_val_row(d, v, r, vcol, x + (d->n_rows + r) * d->n_in, vname, e))
			goto out;
	if (append_targets(d, v, n, cls, e))
		goto out;
	if (d->has_weight) {
		float *w = util_realloc_array(d->w, n, sizeof *w);

		if (!w)
			goto oom;
		d->w = w;
		memcpy(w + d->n_rows, v->w, v->n_rows * sizeof *w);
	}
	d->n_rows = n;
	rc = 0;
	goto out;
oom:
	dnn_error_oom(e);
out:
	free(vcol);
	free(cls);
	return rc;
}
