/* dnn export --format onnx: a trained model as an ONNX model (the protocol
 * buffers ModelProto of onnx.proto), made as bytes in memory for the caller
 * to write. */
#ifndef DNN_EXPORT_ONNX_H
#define DNN_EXPORT_ONNX_H

#include <stddef.h>

#include "err.h"
#include "model.h"

/* The operator set and IR version of the models written: opset 13 with IR
 * 7, or opset 17 with IR 8 when the network has a layer normalization (the
 * LayerNormalization operator is new in opset 17). */
#define EXPORT_ONNX_OPSET 13
#define EXPORT_ONNX_IR 7
#define EXPORT_ONNX_OPSET_LN 17
#define EXPORT_ONNX_IR_LN 8

/* How to export. */
struct dnn_export_onnx {
	const char *version; /* dnn's version: producer_version, metadata dnn_version */
	const char *source;  /* the model's file name for the doc string, or NULL */
};

/* Model m as an ONNX model: *bytes (malloc'd, *len of them) for the caller
 * to write and free. The graph's one input "input" is float [N, n] with a
 * symbolic batch dimension N: the raw values of m's n input columns in
 * their training order (names in the input's doc string and in
 * metadata_props "input_names"); a categorical column takes the number its
 * category's name spells when every name is a number, otherwise the
 * category's index among m's categories (metadata_props "categories"), and
 * is one-hot encoded in the graph (Gather, Equal, Cast, Where); a missing
 * value (NaN) is filled with the training mean when m has fill values
 * (IsNaN, Where). Standardization is Sub and Div ops; each dense row a
 * Gemm (transB = 1) with a batch normalization after it folded into its
 * weights; layer normalization the LayerNormalization operator; dropout
 * absent. The one output is "probabilities" [N, classes] (a single sigmoid
 * unit gives 1 - p, p) or "predictions" [N, targets] in the targets' units.
 * metadata_props also holds dnn_version, task, class_names, target_names,
 * spec and history. 65 when a weight is not finite or the model would
 * pass the 2 GiB of a protocol buffers message, 70 out of memory; then
 * *bytes is NULL. */
int export_onnx_write(const struct dnn_model *m, const struct dnn_export_onnx *o,
		      unsigned char **bytes, size_t *len, struct dnn_error *e);

#endif
