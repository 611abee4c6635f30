/* Int8 quantization of a network for dnn export --quantize int8: per
 * output channel symmetric int8 weights of the dense rows, inputs of each
 * dense row quantized per row to int8, int32 sums, float between rows; the
 * reference forward pass the exported header reproduces, and its figures
 * next to the float network's on rows of data. */
#ifndef DNN_QUANT_H
#define DNN_QUANT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "net.h"
#include "prepare.h"

/* A quantized network: for each row l of net (dense rows only, NULL for
 * others), q[l] its n_out x n_in weights w = scale[l][j] q, q in
 * [-127, 127], scale[l][j] = max_k |w_jk| / 127 (1 for a zero row). */
struct dnn_quant {
	size_t n_layers;
	int8_t **q;
	float **scale;
	size_t width; /* the widest row of net, inputs included */
};

/* Quantize net's dense rows into qn (zeroed first). 70 out of memory. */
int quant_int8(struct dnn_quant *qn, const struct dnn_net *net, struct dnn_error *e);
void quant_free(struct dnn_quant *qn);

/* x's int8 code under scale s (round half away from zero, clamped to 127):
 * the rule the header's code uses too. */
int quant_code(float x, float s);

/* The network's n_out outputs (before any mapping to target units) for one
 * row x of normalized inputs, the dense rows quantized: each input vector
 * x of a dense row as s_x q_x (s_x = max |x| / 127), y_j = (float)(sum_k
 * q_jk q_xk) (scale_j s_x) + b_j; normalizations and activations in float.
 * work: 3 * qn->width floats. */
void quant_forward(const struct dnn_quant *qn, const struct dnn_net *net, const float *x,
		   float *out, float *work);

/* Bytes of the dense rows' weights: float (4 each) and int8 (1 each, plus 4
 * per output channel for its scale). */
void quant_sizes(const struct dnn_quant *qn, const struct dnn_net *net, size_t *float_bytes,
		 size_t *int8_bytes);

/* Accuracy (classification) or R^2 (regression) of p's network on p's rows,
 * in float and quantized by qn. 70 out of memory. */
int quant_check(struct dnn_prepared *p, const struct dnn_quant *qn, double *figure_float,
		double *figure_int8, struct dnn_error *e);

#endif
