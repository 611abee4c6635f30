/* The exports' shared view of a model: raw columns, category codes, outputs. */
#include "export_graph.h"

#include <math.h>
#include <stdlib.h>

#include "util.h"

/* Whether every category name of cc spells a finite float. */
static int category_numeric(const struct dnn_catcol *cc)
{
	for (size_t k = 0; k < cc->n; k++) {
		char *end;
		double v = strtod(cc->names[k], &end);

		if (end == cc->names[k] || *end || !isfinite(v) || fabs(v) > 3.0e38)
			return 0;
	}
	return 1;
}

/* The raw columns of m into g (g->raw_col allocated). */
static int raw_columns(struct dnn_export_graph *g, const struct dnn_model *m, struct dnn_error *e)
{
	for (size_t i = 0; i < m->n_cols; i++)
		g->n_raw +=
		    m->col_role[i] == DNN_COL_INPUT || m->col_role[i] == DNN_COL_CATEGORICAL;
	g->raw_col = util_malloc_array(g->n_raw ? g->n_raw : 1, sizeof *g->raw_col);
	if (!g->raw_col)
		return dnn_error_oom(e);
	for (size_t i = 0, j = 0; i < m->n_cols; i++)
		if (m->col_role[i] == DNN_COL_INPUT || m->col_role[i] == DNN_COL_CATEGORICAL)
			g->raw_col[j++] = i;
	return 0;
}

/* The categories' codes of m into g. */
static int category_codes(struct dnn_export_graph *g, const struct dnn_model *m,
			  struct dnn_error *e)
{
	size_t n_codes = 0;

	for (size_t k = 0; k < m->n_cats; k++)
		n_codes += m->cats[k].n;
	g->codes = util_malloc_array(n_codes ? n_codes : 1, sizeof *g->codes);
	if (!g->codes)
		return dnn_error_oom(e);
	for (size_t k = 0; k < m->n_cats; k++) {
		const struct dnn_catcol *cc = &m->cats[k];
		int numeric = category_numeric(cc);

		for (size_t q = 0; q < cc->n; q++)
			g->codes[g->n_codes++] =
			    numeric ? (float)strtod(cc->names[q], NULL) : (float)q;
	}
	return 0;
}

int export_graph_init(struct dnn_export_graph *g, const struct dnn_model *m, struct dnn_error *e)
{
	const struct dnn_net *net = m->net;

	*g = (struct dnn_export_graph){0};
	if (raw_columns(g, m, e) || category_codes(g, m, e))
		return -1;
	g->width = net->n_in;
	for (size_t l = 0; l < net->n_layers; l++)
		if (net->layers[l].n_out > g->width)
			g->width = net->layers[l].n_out;
	g->n_out = net_n_out(net);
	g->two_class = m->task == DNN_TASK_CLASSIFICATION && g->n_out == 1;
	if (g->two_class)
		g->n_out = 2;
	for (size_t i = 0; i < net->n_params; i++)
		if (!isfinite(net->params[i]))
			return dnn_error_set(e, DNN_EX_DATA, NULL, 0, 0,
					     "weight %zu is not finite: nothing to export", i + 1);
	return 0;
}

void export_graph_free(struct dnn_export_graph *g)
{
	if (!g)
		return;
	free(g->raw_col);
	free(g->codes);
	*g = (struct dnn_export_graph){0};
}

const struct dnn_catcol *export_graph_cat(const struct dnn_model *m, size_t col)
{
	return data_cat_of(m->cats, m->n_cats, col);
}

void export_graph_batch_norm(const struct dnn_net *net, const struct dnn_layer *ly, float *s,
			     float *t)
{
	const float *gamma = net->params + ly->w_off, *beta = net->params + ly->b_off;
	const float *mean = net->state + ly->s_off, *var = mean + ly->n_out;

	for (size_t j = 0; j < ly->n_out; j++) {
		s[j] = (float)(1.0 / sqrt((double)var[j] + ly->field[1])) * gamma[j];
		if (t)
			t[j] = (float)((double)beta[j] - (double)mean[j] * (double)s[j]);
	}
}
