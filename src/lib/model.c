/* The model's lifecycle (model.h). */
#include "model.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

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
