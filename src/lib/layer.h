/* A layer of the network, and the table of layer kinds: one row per kind
 * holding all of its math, as act.h's table does for activations. The ids
 * reach the checkpoint (format version 2, dnn-checkpoint(5)): never
 * renumber them.
 *
 * A spec layer (layers[i] of dnn-spec(5)) becomes one or more rows of the
 * network, in the order net_spec_rows (net.h) gives them: its dense row (with
 * the layer's activation, or linear when a normalization row follows), then
 * a batch or layer normalization row with the layer's activation when it
 * asks for one, then a dropout row when it asks for one; the inputs' own
 * dropout is a row before the first dense one. A row holds the
 * layout of the kind's parameters, their initial values, the float forward
 * and backward passes over a batch (net.c) and the same passes in double
 * with their R-images (hvp.c). Activations are not part of a kind: every row
 * has one (act.h; linear for none, and always linear for dropout), which a
 * kind may fuse into its products (dense fuses relu into the gemm's
 * epilogue). Each hook runs over a whole batch: one indirect call per row per
 * pass.
 *
 * Adding a kind is one row here, one case in net_spec_rows, its spec key in spec.c and dnn-spec(5), and its fields in
 * dnn-checkpoint(5) (no new format version: version 2 stores each row's kind
 * id, its fields, and the rows' kept state in section STAT):
 *   flags       LAYER_SAME_WIDTH (n_out = n_in), LAYER_HIDDEN (never the
 *               output row), LAYER_OPENS (the first row of a spec layer);
 *   n_fields    the kind's numbers (dropout: p; a normalization: momentum,
 *               epsilon) in ly->field[], written to the checkpoint as f64,
 *               checked by check;
 *   n_params    its trained parameters (batch norm: a scale and a shift per
 *               unit, at w_off and b_off), in net->params with every other
 *               row's so that optimizers and checkpoints see one array;
 *   n_state     its kept state (batch norm: the running mean and variance),
 *               in net->state at ly->s_off, saved in the checkpoint (STAT);
 *               not trained, not in the gradient. The first kind with state
 *               must also carry it in the resume state (train_state_encode:
 *               the state of the last epoch, as params) and in early
 *               stopping's copy of the best epoch (train.c), which today
 *               hold params alone;
 *   n_work      its workspace for a batch of n rows (dropout: the mask;
 *               batch norm: the normalized rows and the batch's statistics),
 *               net->work[l], kept from the forward pass to the backward;
 *   init        the initial parameters (batch norm: scale 1, shift 0) and
 *               state;
 *   forward     out = f(layer(in)) over the n rows of a batch, in the mode
 *               of ctx->pass: training (dropout draws its mask, batch norm
 *               uses the batch's statistics and updates its running ones) or
 *               inference (dropout passes its input on; batch norm uses the
 *               running statistics);
 *   backward    the parameter gradient and dL/dZ of the row below, given
 *               dL/dZ of this one (batch norm: through the batch mean and
 *               variance, which couple the rows; dropout: the mask);
 *   hv_forward, hv_params, hv_down  the three pieces of the exact
 *               Hessian-vector product (hvp.c), in double: Z and R{Z} given
 *               the input and R{input}; the gradient and H v of the
 *               parameters given D = dL/dZ and R{D}; G = dL/dinput and
 *               R{G}. ctx->pass says the mode: inference, or training with
 *               the draws of the last float training pass over the same rows
 *               held fixed (ctx->work: dropout's mask). Dropout with its mask
 *               fixed is linear: R{Z} = mask R{in}, R{G} = mask R{D}. A
 *               normalization differentiates its batch statistics once more:
 *               R{mean} and R{var} enter every row's R{Z}, and R{G} gets the
 *               second-order terms.
 * tests/check_net.c (gradient against finite differences) and
 * tests/check_hvp.c (H v against differences of gradients) then cover the
 * new row as they cover dense. */
#ifndef DNN_LAYER_H
#define DNN_LAYER_H

#include <stddef.h>

#include "act.h"
#include "rng.h"

#include <stdint.h>

enum dnn_layer_type {
	DNN_LAYER_DENSE = 1,
	DNN_LAYER_DROPOUT = 2,
	DNN_LAYER_BATCH_NORM = 3,
	DNN_LAYER_LAYER_NORM = 4
};
#define DNN_LAYER_MAX 4

/* Room for the fields of any kind. */
#define DNN_LAYER_FIELDS 4

/* The flags of a kind. */
#define LAYER_SAME_WIDTH 1u /* n_out = n_in */
#define LAYER_HIDDEN 2u	    /* never the output row */
#define LAYER_OPENS 4u	    /* the first row of a spec layer */

struct dnn_layer {
	const struct dnn_layer_kind *kind;
	size_t n_in, n_out;
	const struct dnn_act_info *act;
	size_t w_off;		/* where its parameters start in params (dense: the n_out x
				 * n_in weights, row-major) */
	size_t b_off;		/* dense: the n_out biases, right after the weights */
	size_t s_off;		/* where its kept state starts in net->state */
	size_t spec_layer;	/* the spec's layers[i] it belongs to; SIZE_MAX: the
				 * inputs' (input_dropout) */
	double field[DNN_LAYER_FIELDS]; /* the kind's fields (dropout: p) */
};

/* How a pass over a batch runs: for inference (predict, eval, hessian,
 * validation figures) or for training, whose random draws are keyed by
 * seed and by each row's key, so that they do not depend on the threads,
 * the MPI ranks or the batch a row falls in. */
struct dnn_pass {
	int training;
	uint64_t seed;	    /* training: the key of this pass's draws */
	const size_t *rows; /* training: the key of each row (NULL: first, first + 1,
			     * ...) */
	size_t first;
};

/* What a pass gives a row beyond its input (net.c and hvp.c fill it). */
struct dnn_layer_ctx {
	const struct dnn_pass *pass; /* never NULL */
	size_t index;		     /* the row's place in the network */
	float *state;		     /* its n_state floats of kept state */
	float *work;		     /* its n_work floats of workspace */
	int rin_zero;		     /* hv_*: rin is all zeros (the network's
				      * inputs), which they may skip */
};

struct dnn_layer_kind {
	enum dnn_layer_type id;
	const char *name;
	unsigned flags;			 /* LAYER_* */
	size_t n_fields;		 /* of ly->field, at most DNN_LAYER_FIELDS */
	const char *const *field_names; /* n_fields names, as dnn info shows them */
	/* The parameters of a layer of n_in inputs and n_out units: *n of
	 * them, its b_off at w_off + *b_rel. -1 when *n overflows a size_t. */
	int (*n_params)(size_t n_in, size_t n_out, size_t *n, size_t *b_rel);
	/* Floats of kept state of a row of n_out units (0 for none). */
	size_t (*n_state)(size_t n_in, size_t n_out);
	/* Floats of workspace for a batch of n rows; SIZE_MAX on overflow. */
	size_t (*n_work)(const struct dnn_layer *ly, size_t n);
	/* Whether ly's fields and activation suit the kind: 0, or -1 with a
	 * reason in why ("p is 1.5, not in [0, 1)"). */
	int (*check)(const struct dnn_layer *ly, char *why, size_t size);
	/* Initial parameters by init (enum dnn_init; DNN_INIT_AUTO is the
	 * activation's own), drawn from rng, and the initial state (state:
	 * the row's n_state floats). */
	void (*init)(const struct dnn_layer *ly, float *params, float *state, int init,
		     struct dnn_rng *rng);
	/* out = f(layer(in)) over the n rows of in (n x n_in), f being the
	 * layer's activation; out is n x n_out. */
	void (*forward)(const struct dnn_layer *ly, const float *params, const float *in,
			float *out, size_t n, const struct dnn_layer_ctx *ctx);
	/* Given d = dL/dZ (n x n_out) and the layer's input in: the gradient
	 * of its parameters into grads (overwritten, at the layer's offsets);
	 * and when below is not NULL (the activation of the layer below, whose
	 * outputs are in), dprev = dL/dZ of the layer below (n x n_in). ctx is
	 * that of the forward pass before it. */
	void (*backward)(const struct dnn_layer *ly, const float *params, const float *in,
			 const float *d, size_t n, float *grads, const struct dnn_act_info *below,
			 float *dprev, const struct dnn_layer_ctx *ctx);
	/* In double, at parameters w, along direction v (may be NULL, then
	 * rin, rz are not used): Z = layer(in) and R{Z} (n x n_out), from in,
	 * R{in} = rin (n x n_in). */
	void (*hv_forward)(const struct dnn_layer *ly, const double *w, const double *v,
			   const double *in, const double *rin, double *z, double *rz, size_t n,
			   const struct dnn_layer_ctx *ctx);
	/* The gradient g and Hessian-vector product hv (either may be NULL;
	 * at the layer's offsets, overwritten) of its parameters, from
	 * D = d, R{D} = rd and in, R{in} = rin. */
	void (*hv_params)(const struct dnn_layer *ly, const double *d, const double *rd,
			  const double *in, const double *rin, size_t n, double *g, double *hv,
			  const struct dnn_layer_ctx *ctx);
	/* G = dL/din into g and, when v is not NULL, R{G} into rg (n x n_in),
	 * from D = d, R{D} = rd and (for a kind whose derivative depends on
	 * its input, as a normalization's does) in, R{in} = rin. */
	void (*hv_down)(const struct dnn_layer *ly, const double *w, const double *v,
			const double *in, const double *rin, const double *d, const double *rd,
			size_t n, double *g, double *rg, const struct dnn_layer_ctx *ctx);
};

/* NULL when the id is unknown. */
const struct dnn_layer_kind *layer_kind_by_id(int id);

/* The parameters of row ly (kind->n_params of its widths, which fit). */
size_t layer_n_params(const struct dnn_layer *ly);

/* Whether row ly (its kind, n_in, n_out, act and fields set) may stand in a
 * network, last when it is the output row: its width (LAYER_SAME_WIDTH),
 * place (LAYER_HIDDEN) and the kind's own check. 0, or -1 with the reason
 * in why. */
int layer_check(const struct dnn_layer *ly, int last, char *why, size_t size);

#endif
