/* The math of the normalization layers: batch normalization (Ioffe and
 * Szegedy 2015) and layer normalization (Ba et al. 2016) of a layer's
 * pre-activation, in float over a batch and in double with their R-images
 * for the Hessian-vector product. The caller owns every array.
 *
 * Over the n x m batch x, with gamma and beta m-vectors:
 *   batch   per unit j, over the rows:   mu_j = (1/n) sum_i x_ij,
 *           var_j = (1/n) sum_i (x_ij - mu_j)^2 (biased), in training;
 *           in inference the running estimates instead;
 *   layer   per row i, over the units:   mu_i = (1/m) sum_j x_ij,
 *           var_i = (1/m) sum_j (x_ij - mu_i)^2, in training and inference;
 *   z_ij = gamma_j (x_ij - mu) / sqrt(var + eps) + beta_j.
 * Training updates the running estimates of batch normalization as
 * PyTorch's BatchNorm1d does:
 *   run_mean = (1 - momentum) run_mean + momentum mu
 *   run_var  = (1 - momentum) run_var  + momentum var n / (n - 1)
 * (the unbiased variance; a batch of one row leaves run_var as it was). */
#ifndef DNN_LAYER_NORM_H
#define DNN_LAYER_NORM_H

#include <stddef.h>

enum dnn_norm_type { DNN_NORM_BATCH = 1, DNN_NORM_LAYER = 2 };

#define LAYER_NORM_EPS 1e-5
#define LAYER_NORM_MOMENTUM 0.1

/* One normalization of m units and the arrays it works in (m each, the
 * caller's; batch normalization only, except ws). */
struct dnn_layer_norm {
	int type; /* enum dnn_norm_type */
	size_t m;
	double eps, momentum;
	float *run_mean, *run_var; /* the running estimates (kept state) */
	float *mean, *rstd;	   /* mu and 1 / sqrt(var + eps) of the last
				    * training batch, for the backward pass */
	double *ws;		   /* 2 m doubles of scratch (both types) */
	int relu;		   /* forward: out = max(0, z), relu fused (0: out = z) */
};

/* Floats of workspace of a normalization of m units (layer_norm_bind):
 * room for 2 m doubles of scratch and, for batch, the batch's statistics;
 * SIZE_MAX when that overflows a size_t. */
size_t layer_norm_n_work(int type, size_t m);

/* Point nm at a row's kept state (batch: the running mean, then the running
 * variance, m floats each; layer: none, NULL) and its workspace of
 * layer_norm_n_work floats, aligned as malloc aligns. */
void layer_norm_bind(struct dnn_layer_norm *nm, int type, size_t m, double momentum, double eps,
		     float *state, float *work);

/* out = z (with relu, max(0, z)) over the n rows of x (n x m; out is another array). training
 * selects the batch's statistics (then kept in mean, rstd, and the running estimates updated) or
 * the running ones; layer normalization ignores it. */
void layer_norm_forward(const struct dnn_layer_norm *nm, const float *gamma, const float *beta,
			const float *x, size_t n, int training, float *out);

/* Given d = dL/dz (n x m) of the rows x of the last forward pass, in the
 * same mode: dgamma, dbeta (m each, overwritten) and, when dx is not NULL,
 * dL/dx (n x m) through the statistics:
 *   dx = gamma rstd (d - mean(d) - xhat mean(d xhat))
 * (the means over the rows for batch, over the units for layer; batch
 * normalization in inference: dx = gamma rstd d). */
void layer_norm_backward(const struct dnn_layer_norm *nm, int training, const float *gamma,
			 const float *x, const float *d, size_t n, float *dgamma, float *dbeta,
			 float *dx);

/* In double, in training mode with the statistics of the n rows, or (batch
 * normalization, training 0) in inference mode with the running ones; nm's
 * mean, rstd and ws are not used. The parameters' direction is vgamma,
 * vbeta (NULL for none: then rin and rz are not used). z (n x m) from in;
 * R{z} from R{in} = rin. */
void layer_norm_hv_forward(const struct dnn_layer_norm *nm, int training, const double *gamma,
			   const double *beta, const double *vgamma, const double *vbeta,
			   const double *in, const double *rin, size_t n, double *z, double *rz);

/* The gradient g and H v (either may be NULL) of gamma and beta, 2 m each
 * (gamma then beta, overwritten), from D = d, R{D} = rd and in, R{in}. */
void layer_norm_hv_params(const struct dnn_layer_norm *nm, int training, const double *d,
			  const double *rd, const double *in, const double *rin, size_t n,
			  double *g, double *hv);

/* G = dL/din into g and, when vgamma is not NULL, R{G} into rg (n x m),
 * from D = d, R{D} = rd and in, R{in}. */
void layer_norm_hv_down(const struct dnn_layer_norm *nm, int training, const double *gamma,
			const double *vgamma, const double *in, const double *rin, const double *d,
			const double *rd, size_t n, double *g, double *rg);

#endif
