/* What every export reads of a model beyond its rows' weights: the raw
 * input columns in the model's order, the numeric code of each category,
 * the outputs' count and the rows' parameters as inference uses them
 * (batch normalization as a scale and shift). dnn export --format c and
 * --format onnx both build on it. */
#ifndef DNN_EXPORT_GRAPH_H
#define DNN_EXPORT_GRAPH_H

#include <stddef.h>

#include "err.h"
#include "layer.h"
#include "model.h"

/* The inputs and outputs of an exported model. */
struct dnn_export_graph {
	size_t n_raw;	 /* raw input columns: the inputs and categorical columns */
	size_t *raw_col; /* their file columns, in file order */
	size_t n_out;	 /* outputs: the classes' probabilities, or the targets */
	size_t width;	 /* the widest row of the network, inputs included */
	int two_class;	 /* a single sigmoid unit: outputs 1 - p, p */
	/* per categorical column in m->cats order, its categories' codes: the
	 * numbers their names spell when every name is a number, else their
	 * indexes 0, 1, ...; n_codes of them in all */
	float *codes;
	size_t n_codes;
};

/* g from m. 65 when a weight is not finite (nothing worth exporting), 70 out
 * of memory; export_graph_free frees what it holds either way. */
int export_graph_init(struct dnn_export_graph *g, const struct dnn_model *m, struct dnn_error *e);
void export_graph_free(struct dnn_export_graph *g);

/* The categorical column of file column col of m, or NULL. */
const struct dnn_catcol *export_graph_cat(const struct dnn_model *m, size_t col);

/* Batch normalization row ly of net in inference as y = x s + t per unit:
 * s_j = gamma_j / sqrt(var_j + epsilon) rounded to float as dnn rounds it,
 * and, when t is not NULL, t_j = beta_j - mean_j s_j (in double, then
 * rounded). s and t have ly->n_out floats. */
void export_graph_batch_norm(const struct dnn_net *net, const struct dnn_layer *ly, float *s,
			     float *t);

#endif
