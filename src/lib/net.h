/* The network: a stack of rows (layer.h; a spec layer is one or more rows)
 * whose weights and gradients live in two flat arrays, so that optimizers
 * and checkpoints never look inside rows, and whose kept state (running
 * statistics) lives in a third. Forward and backward passes over a
 * minibatch run each row's kind in turn, for training or for inference;
 * for dense rows they are gemm calls. */
#ifndef DNN_NET_H
#define DNN_NET_H

#include <stddef.h>

#include "act.h"
#include "err.h"
#include "layer.h"
#include "rng.h"
#include "spec.h"

#define NET_GRADS_SPARE 2

/* A row as the constructor takes it. */
struct dnn_layer_def {
	int kind;			/* enum dnn_layer_type */
	size_t units;			/* its n_out (LAYER_SAME_WIDTH: the row below's) */
	int act;			/* enum dnn_act (dropout: linear) */
	double field[DNN_LAYER_FIELDS]; /* the kind's fields (dropout: p) */
};

/* The most rows one spec layer becomes, the inputs' dropout aside. */
#define NET_ROWS_PER_LAYER 3

struct dnn_net {
	size_t n_in;
	size_t n_layers; /* rows */
	struct dnn_layer *layers;
	size_t n_params;
	float *params;
	size_t n_state;	     /* every row's kept state, at their s_off */
	float *state;	     /* NULL when n_state is 0 */
	size_t first_params; /* the first row with parameters: backward stops there */
	/* n_params + NET_GRADS_SPARE floats: room after the gradient for
	 * values that travel with it in one MPI sum (train.c). */
	float *grads;
	int loss;		/* enum dnn_loss */
	/* Workspace for batches of up to max_batch rows: the output of every
	 * layer, and two gradient buffers the width of the widest layer. */
	size_t max_batch;
	float **out;
	float **work; /* per row: its n_work floats for max_batch rows, or NULL */
	float *d0, *d1;
};

/* Build a network with n_in inputs and dense layers of the given widths and
 * activation ids; weights zeroed. */
struct dnn_net *net_new(size_t n_in, size_t n_layers, const size_t *units, const int *acts,
			int loss, struct dnn_error *e);
/* The same from rows of any kind; weights and state zeroed. Each row must
 * pass layer_check (70 naming the row when one does not: the caller was to
 * check). */
struct dnn_net *net_new_rows(size_t n_in, size_t n_rows, const struct dnn_layer_def *rows,
			     int loss, struct dnn_error *e);
void net_free(struct dnn_net *net);

/* The rows that the spec's layers become over n_in inputs, in order (at
 * most n_layers * NET_ROWS_PER_LAYER + 1, malloc'd into *rows): the one
 * place that says what a spec layer is made of. input_dropout > 0 first
 * makes a dropout row of the inputs; then each layers[i] is
 *   dense(units, activation)               without norm, or
 *   dense(units, linear),                  with norm "batch" or "layer",
 *   batch_norm(momentum, epsilon) or layer_norm(epsilon) with the
 *                                          activation; and, when dropout > 0,
 *   dropout(p)                             after them.
 * The output layer's units must be known (not 0). -1 when out of memory. */
int net_spec_rows(const struct dnn_spec *s, size_t n_in, struct dnn_layer_def **rows,
		  size_t *n_rows);
/* net_new_rows of the spec's rows. */
struct dnn_net *net_new_spec(size_t n_in, const struct dnn_spec *s, struct dnn_error *e);
/* Whether every row is dense (a version 1 checkpoint holds the network). */
int net_is_dense(const struct dnn_net *net);

/* Draw the weights from rng by the given init (enum dnn_init), biases zero. */
void net_init(struct dnn_net *net, int init, struct dnn_rng *rng);
/* The same with the spec's init, or a layer's own (layers[i].init) where it
 * has one. */
void net_init_spec(struct dnn_net *net, const struct dnn_spec *s, struct dnn_rng *rng);

/* Make the workspace hold batches of up to n rows (allocates only when it
 * grows). */
int net_reserve(struct dnn_net *net, size_t n, struct dnn_error *e);

/* Forward pass for inference of n <= max_batch rows of x (n x n_in); returns
 * the output layer's n x n_out activations, valid until the next call. */
const float *net_forward(struct dnn_net *net, const float *x, size_t n);
/* The same in the mode of pass (NULL: inference). A training pass draws
 * each row's random choices (dropout's mask) from pass's seed and the row's
 * key, and keeps them in the rows' workspace until the next pass. */
const float *net_forward_pass(struct dnn_net *net, const float *x, size_t n,
			      const struct dnn_pass *pass);

/* Forward and backward pass in the mode of pass (NULL: inference): the mean
 * loss of the n rows against targets t (n x n_out), with grads set to its
 * gradient (not accumulated). The same pass gives the same draws: a
 * gradient with them held fixed. */
double net_loss_grad(struct dnn_net *net, const float *x, const float *t, size_t n,
		     const struct dnn_pass *pass);
/* The same for a part of a batch that MPI ranks share (dist.h): the summed
 * loss of the n rows (n may be 0), and grads the gradient of that sum times
 * scale (1 / the rows of the whole batch), so that adding up the ranks'
 * grads gives the batch's. */
double net_loss_grad_part(struct dnn_net *net, const float *x, const float *t, size_t n,
			  float scale, const struct dnn_pass *pass);
/* The same with row i's loss weighing w[i] (w NULL: net_loss_grad_part). */
double net_loss_grad_weighted(struct dnn_net *net, const float *x, const float *t,
			      const float *w, size_t n, float scale, const struct dnn_pass *pass);
/* The gradient of the loss with respect to the network's inputs, in
 * inference mode: dx (n x n_in) row i = d(w_i L_i)/dx_i, the derivative of
 * row i's own loss (times its weight w[i]; w NULL: 1), which is the
 * gradient of the summed loss, not of the mean. Returns the summed loss;
 * grads is overwritten along the way. n <= max_batch. */
double net_input_grad(struct dnn_net *net, const float *x, const float *t, const float *w,
		      size_t n, float *dx);
/* Max-norm: rescale each row of row l's weights (a unit's incoming
 * weights, its bias left out; l a dense row) whose norm is above c to
 * norm c. */
void net_max_norm(struct dnn_net *net, size_t l, double c);

/* A new network of net's rows, with its weights and kept state (no
 * workspace: net_reserve it). NULL with e set when out of memory. */
struct dnn_net *net_copy(const struct dnn_net *net, struct dnn_error *e);

/* Floats of a copy of net's weights and kept state: n_params + n_state. */
size_t net_n_saved(const struct dnn_net *net);
/* Copy the weights, then the kept state, into buf (net_n_saved floats);
 * net_restore puts such a copy back. */
void net_save(const struct dnn_net *net, float *buf);
void net_restore(struct dnn_net *net, const float *buf);

/* Width of the output layer. */
size_t net_n_out(const struct dnn_net *net);

#endif
