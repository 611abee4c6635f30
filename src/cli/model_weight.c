/* The weight column of a trained model (model_weight.h). */
#include "model_weight.h"

#include <stdint.h>
#include <string.h>

#include "dataset.h"
#include "spec.h"

size_t model_weight_column(const struct dnn_model *m)
{
	struct dnn_spec s;
	struct dnn_error e;
	size_t col = SIZE_MAX;

	if (!m->spec_json || spec_parse(&s, m->spec_json, strlen(m->spec_json), "spec", &e))
		return SIZE_MAX;
	for (size_t c = 0; s.data.weight && c < m->n_cols; c++)
		if (m->col_role[c] == DNN_COL_IGNORED &&
		    (s.data.weight->name ? strcmp(m->col_names[c], s.data.weight->name) == 0
					 : (long)c == s.data.weight->index)) {
			col = c;
			break;
		}
	spec_free(&s);
	return col;
}
