/* The weight column of a trained model (its spec's data.weight), for the
 * commands that read labelled rows for a model. */
#ifndef DNN_MODEL_WEIGHT_H
#define DNN_MODEL_WEIGHT_H

#include <stddef.h>

#include "model.h"

/* The training column of m's rows' weights (its spec's data.weight, an
 * ignored column), or SIZE_MAX when it has none. */
size_t model_weight_column(const struct dnn_model *m);

#endif
