/* The model's lifecycle, and whether two models share a layout (model.h). */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void model_csv_defaults(const struct dnn_model *m, struct dnn_csv_opts *csv)
{
	if (csv->header < 0)
		csv->header = m ? !m->csv_no_header : 1;
	if (!csv->delimiter)
		csv->delimiter = m && m->csv_delimiter ? m->csv_delimiter : ',';
}

void model_set_csv(struct dnn_model *m, const struct dnn_csv_opts *csv)
{
	m->csv_no_header = !csv->header;
	m->csv_delimiter = csv->delimiter == ',' ? 0 : csv->delimiter;
}

void model_free(struct dnn_model *m)
{
	if (!m)
		return;
	net_free(m->net);
	util_free_strings(m->col_names, m->n_cols);
	free(m->col_role);
	data_free_cats(m->cats, m->n_cats);
	util_free_strings(m->class_names, m->n_classes);
	norm_free(&m->in_norm);
	norm_free(&m->out_norm);
	free(m->fill);
	history_free(&m->history);
	free(m->spec_json);
	free(m->writer);
	free(m->train_state);
	memset(m, 0, sizeof *m);
}

/* Whether the n strings of a and b are the same. */
static int same_strings(char *const *a, char *const *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return 1;
}

/* Whether two normalizations are the same, value for value. */
static int same_norm(const struct dnn_norm *a, const struct dnn_norm *b)
{
	return a->n == b->n &&
	       (a->n == 0 || (memcmp(a->mean, b->mean, a->n * sizeof *a->mean) == 0 &&
			      memcmp(a->scale, b->scale, a->n * sizeof *a->scale) == 0));
}

/* The rows of the networks differ: the first difference, into why. */
static int net_differs(const struct dnn_net *a, const struct dnn_net *b, char *why, size_t size)
{
	if (a->n_in != b->n_in) {
		snprintf(why, size, "%zu network inputs against %zu", a->n_in, b->n_in);
		return 1;
	}
	if (a->n_layers != b->n_layers || a->loss != b->loss) {
		snprintf(why, size, "%zu rows of layers against %zu, or another loss",
			 a->n_layers, b->n_layers);
		return 1;
	}
	for (size_t l = 0; l < a->n_layers; l++) {
		const struct dnn_layer *x = &a->layers[l], *y = &b->layers[l];

		if (x->kind != y->kind || x->n_out != y->n_out || x->act != y->act ||
		    memcmp(x->field, y->field, sizeof x->field) != 0) {
			snprintf(why, size, "row %zu is %s(%zu units, %s) against %s(%zu units, %s)",
				 l + 1, x->kind->name, x->n_out, x->act->name, y->kind->name,
				 y->n_out, y->act->name);
			return 1;
		}
	}
	return 0;
}

int model_compare(const struct dnn_model *a, const struct dnn_model *b, char *why, size_t size)
{
	if (net_differs(a->net, b->net, why, size))
		return -1;
	if (a->n_cols != b->n_cols || !same_strings(a->col_names, b->col_names, a->n_cols) ||
	    memcmp(a->col_role, b->col_role, a->n_cols) != 0) {
		snprintf(why, size, "their columns differ (names, order or roles)");
		return -1;
	}
	if (a->task != b->task || a->n_classes != b->n_classes ||
	    !same_strings(a->class_names, b->class_names, a->n_classes)) {
		snprintf(why, size, "their tasks or classes differ");
		return -1;
	}
	int cats = a->n_cats == b->n_cats;

	for (size_t i = 0; cats && i < a->n_cats; i++)
		cats = a->cats[i].col == b->cats[i].col && a->cats[i].n == b->cats[i].n &&
		       same_strings(a->cats[i].names, b->cats[i].names, a->cats[i].n);
	if (!cats) {
		snprintf(why, size, "their categorical columns' categories differ");
		return -1;
	}
	if (!same_norm(&a->in_norm, &b->in_norm) || !same_norm(&a->out_norm, &b->out_norm) ||
	    (a->fill == NULL) != (b->fill == NULL) ||
	    (a->fill && memcmp(a->fill, b->fill, a->net->n_in * sizeof *a->fill) != 0)) {
		snprintf(why, size, "they normalize (or fill) their inputs or targets differently");
		return -1;
	}
	return 0;
}
