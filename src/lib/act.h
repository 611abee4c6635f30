/* The activation table: one row per activation holding all of its math and
 * every fact looked up by its id. The numeric ids reach the checkpoint:
 * never renumber them.
 *
 * A row holds the float forward and backward over a batch (layer.c,
 * loss.c), the gemm epilogues that do the same work as a dense layer's
 * product stores its tiles (layer.c), f, f' and f'' in double for the exact
 * Hessian-vector product (hvp.c), the weight init that "auto" picks before
 * it, and flags for the rules about where it may stand. Every hook runs over
 * a whole block, so a pass costs one indirect call per layer, never one per
 * element.
 *
 * Adding an activation is one row: a DNN_ACT_* id after the last (ids are
 * written to checkpoints, so they only grow) and DNN_ACT_MAX with it, its
 * functions and its row in act.c (and its name in act_names), and a line in
 * dnn-spec(5). tests/check_act.c then checks the row's backward against
 * differences of its forward, its f', f'' against differences of f, and
 * its gemm epilogues, if any, bit for bit against its forward and backward;
 * tests/check_net.c and check_hvp.c check the gradient and the Hessian-
 * vector product of networks with it in the hidden layers.
 *
 * Layer kinds with parameters or per-batch state (dropout; batch and layer
 * normalization) do not fit this row, which maps a block to a block: they
 * are rows of the table of layer kinds (layer.h), which says how. Every
 * layer of any kind has an activation from this table. */
#ifndef DNN_ACT_H
#define DNN_ACT_H

#include <stddef.h>

#include "init.h"
#include "mat.h"

enum dnn_act {
	DNN_ACT_LINEAR = 1,
	DNN_ACT_STEP = 2,
	DNN_ACT_SIGMOID = 3,
	DNN_ACT_TANH = 4,
	DNN_ACT_RELU = 5,
	DNN_ACT_SOFTMAX = 6
};
#define DNN_ACT_MAX 6

/* What a row's flags say. */
enum {
	/* Each output depends on its whole row (softmax): no elementwise f,
	 * df; f_rows instead. The Hessian code takes it only fused into
	 * cross-entropy. */
	ACT_ROWWISE = 1 << 0,
	/* Only on the output layer (softmax, whose outputs are
	 * probabilities). */
	ACT_OUTPUT_ONLY = 1 << 1,
	/* f' is zero wherever it exists (step): nothing flows back through
	 * it, so it cannot be the output layer. */
	ACT_ZERO_GRAD = 1 << 2,
	/* f' jumps at z = 0 (relu, step): finite differences across the kink
	 * are not its derivative (hvp_kink_pattern). */
	ACT_KINK = 1 << 3
};

struct dnn_act_info {
	enum dnn_act id;
	const char *name;
	unsigned flags;		/* ACT_* */
	enum dnn_init init;	/* what DNN_INIT_AUTO means for the weights before it */
	/* MAT_ACT_* epilogues: gemm_forward applies f as the forward product
	 * stores Z (then forward is not called); gemm_backward applies f'
	 * through the outputs as the product dL/dA stores its tiles (then
	 * backward is not called). MAT_ACT_NONE when there is none. */
	int gemm_forward, gemm_backward;
	/* In place over an n x m row-major block: z := f(z), row by row for
	 * ACT_ROWWISE. */
	void (*forward)(float *z, size_t n, size_t m);
	/* In place: d := dL/dz, given d = dL/da and the outputs a = f(z).
	 * Every derivative is expressed through the outputs, so the pre-
	 * activations need not be kept. */
	void (*backward)(const float *a, float *d, size_t n, size_t m);
	/* In double over n values (NULL for ACT_ROWWISE): a = f(z); and
	 * d1 = f'(z), d2 = f''(z) given z and a = f(z). */
	void (*f)(const double *z, double *a, size_t n);
	void (*df)(const double *z, const double *a, double *d1, double *d2, size_t n);
	/* ACT_ROWWISE only, in double over an n x m block: a = f(z) per row,
	 * and when rz is not NULL, ra = R{a} = J(z) R{z}. */
	void (*f_rows)(const double *z, double *a, const double *rz, double *ra, size_t n,
		       size_t m);
};

/* NULL when the name or id is unknown. */
const struct dnn_act_info *act_by_name(const char *name);
const struct dnn_act_info *act_by_id(int id);

/* The names, in id order, for listings and "did you mean". */
extern const char *const act_names[DNN_ACT_MAX];

#endif
