/* A layer of the network, and the table of layer kinds: one row per kind
 * holding all of its math, as act.h's table does for activations. The ids
 * name kinds in code only for now (every layer of a checkpoint is dense);
 * once they reach the checkpoint, never renumber them.
 *
 * A row holds the layout of the kind's parameters, their initial values,
 * the float forward and backward passes over a batch (net.c) and the same
 * passes in double with their R-images (hvp.c). Activations are not part of
 * a kind: every layer has one (act.h; linear for none), which a kind may
 * fuse into its products (dense fuses relu into the gemm's epilogue). Each
 * hook runs over a whole batch: one indirect call per layer per pass.
 *
 * The dense layer is the first row. Adding a kind (dropout; batch or layer
 * normalization) is one row here, its name in the spec and dnn-spec(5), and
 * a kind id per layer in the checkpoint (with a new format version):
 *   n_params    its trained parameters (batch norm: a scale and a shift per
 *               unit, at w_off and b_off), in net->params with every other
 *               layer's so that optimizers and checkpoints see one array;
 *   init        their initial values (batch norm: scale 1, shift 0);
 *   forward     out = f(layer(in)) over the n rows of a batch; a kind with
 *               per-batch statistics or a random mask computes them here.
 *               Kept state (running means, the mask) needs one more field,
 *               an n_state(n_in, n_out) beside n_params, with its storage
 *               in struct dnn_net next to out[], and a training flag;
 *   backward    the parameter gradient and dL/dZ of the layer below, given
 *               dL/dZ of this one (batch norm: through the batch mean and
 *               variance, which couple the rows; dropout: the mask);
 *   hv_forward, hv_params, hv_down  the three pieces of the exact
 *               Hessian-vector product (hvp.c), in double: Z and R{Z} given
 *               the input and R{input}; the gradient and H v of the
 *               parameters given D = dL/dZ and R{D}; G = dL/dinput and
 *               R{G}. Dropout with its mask fixed is linear: R{Z} = mask
 *               R{in}, R{G} = mask R{D}. A normalization differentiates its
 *               batch statistics once more: R{mean} and R{var} enter every
 *               row's R{Z}, and R{G} gets the second-order terms.
 * tests/check_net.c (gradient against finite differences) and
 * tests/check_hvp.c (H v against differences of gradients) then cover the
 * new row as they cover dense. */
#ifndef DNN_LAYER_H
#define DNN_LAYER_H

#include <stddef.h>

#include "act.h"
#include "rng.h"

enum dnn_layer_type { DNN_LAYER_DENSE = 1 };
#define DNN_LAYER_MAX 1

struct dnn_layer {
	const struct dnn_layer_kind *kind;
	size_t n_in, n_out;
	const struct dnn_act_info *act;
	size_t w_off;		/* where its parameters start in params (dense: the n_out x
				 * n_in weights, row-major) */
	size_t b_off;		/* dense: the n_out biases, right after the weights */
};

struct dnn_layer_kind {
	enum dnn_layer_type id;
	const char *name;
	/* The parameters of a layer of n_in inputs and n_out units: *n of
	 * them, its b_off at w_off + *b_rel. -1 when *n overflows a size_t. */
	int (*n_params)(size_t n_in, size_t n_out, size_t *n, size_t *b_rel);
	/* Initial parameters by init (enum dnn_init; DNN_INIT_AUTO is the
	 * activation's own), drawn from rng. */
	void (*init)(const struct dnn_layer *ly, float *params, int init, struct dnn_rng *rng);
	/* out = f(layer(in)) over the n rows of in (n x n_in), f being the
	 * layer's activation; out is n x n_out. */
	void (*forward)(const struct dnn_layer *ly, const float *params, const float *in,
			float *out, size_t n);
	/* Given d = dL/dZ (n x n_out) and the layer's input in: the gradient
	 * of its parameters into grads (overwritten, at the layer's offsets);
	 * and when below is not NULL (the activation of the layer below, whose
	 * outputs are in), dprev = dL/dZ of the layer below (n x n_in). */
	void (*backward)(const struct dnn_layer *ly, const float *params, const float *in,
			 const float *d, size_t n, float *grads, const struct dnn_act_info *below,
			 float *dprev);
	/* In double, at parameters w, along direction v (may be NULL, then
	 * rin, rz are not used): Z = layer(in) and R{Z} (n x n_out), from in,
	 * R{in} = rin (n x n_in). */
	void (*hv_forward)(const struct dnn_layer *ly, const double *w, const double *v,
			   const double *in, const double *rin, double *z, double *rz, size_t n);
	/* The gradient g and Hessian-vector product hv (either may be NULL;
	 * at the layer's offsets, overwritten) of its parameters, from
	 * D = d, R{D} = rd and in, R{in} = rin. */
	void (*hv_params)(const struct dnn_layer *ly, const double *d, const double *rd,
			  const double *in, const double *rin, size_t n, double *g, double *hv);
	/* G = dL/din into g and, when v is not NULL, R{G} into rg (n x n_in),
	 * from D = d, R{D} = rd. */
	void (*hv_down)(const struct dnn_layer *ly, const double *w, const double *v,
			const double *d, const double *rd, size_t n, double *g, double *rg);
};

/* NULL when the id is unknown. */
const struct dnn_layer_kind *layer_kind_by_id(int id);

#endif
