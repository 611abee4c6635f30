/* The model's lifecycle (model.h). */
#include "model.h"

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
