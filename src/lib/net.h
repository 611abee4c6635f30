/* The network: a stack of layers (layer.h) whose weights and gradients live
 * in two flat arrays, so that optimizers and checkpoints never look inside
 * layers. Forward and backward passes over a minibatch run each layer's
 * kind in turn; for dense layers they are gemm calls. */
#ifndef DNN_NET_H
#define DNN_NET_H

#include <stddef.h>

#include "act.h"
#include "err.h"
#include "layer.h"
#include "rng.h"
#include "spec.h"

#define NET_GRADS_SPARE 2

struct dnn_net {
	size_t n_in;
	size_t n_layers;
	struct dnn_layer *layers;
	size_t n_params;
	float *params;
	/* n_params + NET_GRADS_SPARE floats: room after the gradient for
	 * values that travel with it in one MPI sum (train.c). */
	float *grads;
	int loss;		/* enum dnn_loss */
	/* Workspace for batches of up to max_batch rows: the output of every
	 * layer, and two gradient buffers the width of the widest layer. */
	size_t max_batch;
	float **out;
	float *d0, *d1;
};

/* Build a network with n_in inputs and dense layers of the given widths and
 * activation ids; weights zeroed. */
struct dnn_net *net_new(size_t n_in, size_t n_layers, const size_t *units, const int *acts,
			int loss, struct dnn_error *e);
void net_free(struct dnn_net *net);

/* Draw the weights from rng by the given init (enum dnn_init), biases zero. */
void net_init(struct dnn_net *net, int init, struct dnn_rng *rng);
/* The same with the spec's init, or a layer's own (layers[i].init) where it
 * has one. */
void net_init_spec(struct dnn_net *net, const struct dnn_spec *s, struct dnn_rng *rng);

/* Make the workspace hold batches of up to n rows (allocates only when it
 * grows). */
int net_reserve(struct dnn_net *net, size_t n, struct dnn_error *e);

/* Forward pass of n <= max_batch rows of x (n x n_in); returns the output
 * layer's n x n_out activations, valid until the next call. */
const float *net_forward(struct dnn_net *net, const float *x, size_t n);

/* Forward and backward pass: the mean loss of the n rows against targets t
 * (n x n_out), with grads set to its gradient (not accumulated). */
double net_loss_grad(struct dnn_net *net, const float *x, const float *t, size_t n);
/* The same for a part of a batch that MPI ranks share (dist.h): the summed
 * loss of the n rows (n may be 0), and grads the gradient of that sum times
 * scale (1 / the rows of the whole batch), so that adding up the ranks'
 * grads gives the batch's. */
double net_loss_grad_part(struct dnn_net *net, const float *x, const float *t, size_t n,
			  float scale);
/* The same with row i's loss weighing w[i] (w NULL: net_loss_grad_part). */
double net_loss_grad_weighted(struct dnn_net *net, const float *x, const float *t,
			      const float *w, size_t n, float scale);
/* Max-norm: rescale each row of layer l's weights (a unit's incoming
 * weights, its bias left out) whose norm is above c to norm c. */
void net_max_norm(struct dnn_net *net, size_t l, double c);

/* Width of the output layer. */
size_t net_n_out(const struct dnn_net *net);

#endif
