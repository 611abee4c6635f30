/* The loss landscape of a network on a fixed set of rows: the loss and
 * accuracy at points of weight space along one or two directions through
 * a base point (a line between two models, a plane around one), and the
 * directions of such a plane: random ones, filter-normalized as Li et al.
 * (2018) do, or the top eigenvectors of the Hessian. Points are evaluated
 * in parallel on the thread pool, each point by one thread from start to
 * end, so the figures do not depend on the thread count. */
#ifndef DNN_LANDSCAPE_H
#define DNN_LANDSCAPE_H

#include <stddef.h>

#include "err.h"
#include "metrics.h"
#include "net.h"
#include "rng.h"

/* A slice of weight space: the point c0, c1 is
 * base + c0 dir[0] + c1 dir[1], over net_n_saved(net) numbers (the
 * weights, then the kept state: batch normalization's running statistics),
 * each rounded to float once. dir[1] may be NULL (a line). */
struct dnn_landscape {
	const struct dnn_net *net; /* the layout; its own weights are not used */
	const float *base;
	const double *dir[2];
	struct dnn_rows rows; /* rows.w is not used: every row weighs 1 */
	int classification;
};

/* At each of the n points (c[2i], c[2i+1]) of ls (c[2i+1] unused for a
 * line): loss[i], the mean loss over the rows in inference mode (dropout
 * off, batch normalization by its running statistics; no weight decay or
 * other penalty), and acc[i] (may be NULL), the accuracy, or NaN for a
 * regression. Runs on the thread pool. Errors: out of memory. */
int landscape_eval(const struct dnn_landscape *ls, const double *c, size_t n, double *loss,
		   double *acc, struct dnn_error *e);

/* Filter normalization of a direction d (net_n_saved(net) numbers) for the
 * weights theta: each dense unit's incoming weights in d scaled to the
 * norm of that unit's incoming weights in theta (left 0 when d's are 0);
 * the biases, the parameters of normalization rows and the kept state set
 * to 0, as Li et al. do for biases and batch normalization. */
void landscape_filter_normalize(const struct dnn_net *net, const float *theta, double *d);

/* A random direction for theta: standard normal draws from rng for every
 * dense weight, then landscape_filter_normalize. */
void landscape_random_direction(const struct dnn_net *net, const float *theta, struct dnn_rng *rng,
				double *d);

/* The unit eigenvectors of the two largest eigenvalues of the Hessian of
 * the loss of net (at its weights, in inference mode) on rows, by m steps
 * of Lanczos on exact Hessian-vector products (hvp.h) from a start drawn
 * from rng, into d0 and d1 (net_n_saved(net) numbers each, the kept
 * state's 0), and the eigenvalues into lambda[0] >= lambda[1]. Errors:
 * those of hvp_new, out of memory; 65 when the net has fewer than two
 * parameters. */
int landscape_hessian_directions(const struct dnn_net *net, const struct dnn_rows *rows, size_t m,
				 struct dnn_rng *rng, double *d0, double *d1, double lambda[2],
				 struct dnn_error *e);

#endif
