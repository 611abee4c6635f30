/* Second-order analysis in double (hvp.h); the layers' math comes from layer.h and act.h. */
#include "hvp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lanczos.h"
#include "loss.h"
#include "util.h"

struct dnn_hvp {
	const struct dnn_net *net;
	struct dnn_pass pass; /* inference, or training with net's draws held */
	const float *t;
	size_t n, widest;
	double *x;		/* n x n_in: the inputs, A_0 */
	double *rx;		/* n x n_in zeros: R{A_0} */
	double **z, **a;	/* per layer, n x units: Z_l and A_l = f(Z_l) */
	double **rz, **ra;	/* R{Z_l}, R{A_l} */
	double *d, *rd, *dp, *rdp; /* n x widest: D_l = dL/dZ_l, R{D_l}, and the layer below */
	double *d1, *d2;	/* widest: f'(Z) and f''(Z) of one row */
	double *gp, *gm;	/* n_params: gradients for finite differences */
};

static void free_layers(double **p, size_t n)
{
	if (p)
		for (size_t l = 0; l < n; l++)
			free(p[l]);
	free(p);
}

void hvp_free(struct dnn_hvp *h)
{
	if (!h)
		return;
	size_t L = h->net->n_layers;

	free_layers(h->z, L);
	free_layers(h->a, L);
	free_layers(h->rz, L);
	free_layers(h->ra, L);
	free(h->x);
	free(h->rx);
	free(h->d);
	free(h->rd);
	free(h->dp);
	free(h->rdp);
	free(h->d1);
	free(h->d2);
	free(h->gp);
	free(h->gm);
	free(h);
}

size_t hvp_n_params(const struct dnn_hvp *h)
{
	return h->net->n_params;
}

/* The per-layer arrays Z, A, R{Z}, R{A} of n rows; 0 or -1 when out of memory. */
static int alloc_layers(struct dnn_hvp *h, size_t n)
{
	const struct dnn_net *net = h->net;
	size_t L = net->n_layers, cells;

	h->z = util_calloc_array(L, sizeof *h->z);
	h->a = util_calloc_array(L, sizeof *h->a);
	h->rz = util_calloc_array(L, sizeof *h->rz);
	h->ra = util_calloc_array(L, sizeof *h->ra);
	if (!h->z || !h->a || !h->rz || !h->ra)
		return -1;
	for (size_t l = 0; l < L; l++) {
		size_t m = net->layers[l].n_out;

		if (m > h->widest)
			h->widest = m;
		if (util_mul_overflow(n, m, &cells))
			return -1;
		h->z[l] = util_malloc_array(cells, sizeof(double));
		h->a[l] = util_malloc_array(cells, sizeof(double));
		h->rz[l] = util_malloc_array(cells, sizeof(double));
		h->ra[l] = util_malloc_array(cells, sizeof(double));
		if (!h->z[l] || !h->a[l] || !h->rz[l] || !h->ra[l])
			return -1;
	}
	return 0;
}

struct dnn_hvp *hvp_new(const struct dnn_net *net, const float *x, const float *t, size_t n,
			struct dnn_error *e)
{
	size_t L = net->n_layers, cells;
	struct dnn_hvp *h;

	for (size_t l = 0; l < L; l++) {
		const struct dnn_act_info *act = net->layers[l].act;

		/* A row-wise activation is analysed only fused into the loss. */
		if ((act->flags & ACT_ROWWISE) &&
		    (l + 1 < L || net->loss != DNN_LOSS_CROSS_ENTROPY))
			return dnn_error_set(e, DNN_EX_SOFTWARE, NULL, 0, 0,
					     "%s is only analysed on a cross-entropy output",
					     act->name),
			       NULL;
	}
	if (n == 0)
		return dnn_error_set(e, DNN_EX_DATA, NULL, 0, 0, "no rows to analyse"), NULL;
	h = calloc(1, sizeof *h);
	if (!h)
		return dnn_error_oom(e), NULL;
	h->net = net;
	h->t = t;
	h->n = n;
	h->widest = net->n_in;
	if (alloc_layers(h, n) || util_mul_overflow(n, h->widest, &cells))
		goto oom;
	h->x = util_malloc_array(n * net->n_in, sizeof(double));
	h->rx = util_calloc_array(n * net->n_in, sizeof(double));
	h->d = util_malloc_array(cells, sizeof(double));
	h->rd = util_malloc_array(cells, sizeof(double));
	h->dp = util_malloc_array(cells, sizeof(double));
	h->rdp = util_malloc_array(cells, sizeof(double));
	h->d1 = util_malloc_array(h->widest, sizeof(double));
	h->d2 = util_malloc_array(h->widest, sizeof(double));
	h->gp = util_malloc_array(net->n_params, sizeof(double));
	h->gm = util_malloc_array(net->n_params, sizeof(double));
	if (!h->x || !h->rx || !h->d || !h->rd || !h->dp || !h->rdp || !h->d1 || !h->d2 ||
	    !h->gp || !h->gm)
		goto oom;
	for (size_t i = 0; i < n * net->n_in; i++)
		h->x[i] = (double)x[i];
	return h;
oom:
	hvp_free(h);
	return dnn_error_oom(e), NULL;
}

/* A_l = f(Z_l), and with r, R{A_l} = f'(Z_l) R{Z_l} (the activation's own
 * rule for a row-wise one). */
static void act_forward(struct dnn_hvp *h, size_t l, int r)
{
	const struct dnn_act_info *act = h->net->layers[l].act;
	size_t m = h->net->layers[l].n_out;

	if (act->flags & ACT_ROWWISE) {
		act->f_rows(h->z[l], h->a[l], r ? h->rz[l] : NULL, h->ra[l], h->n, m);
		return;
	}
	act->f(h->z[l], h->a[l], h->n * m);
	if (!r)
		return;
	for (size_t i = 0; i < h->n; i++) {
		const double *rzi = h->rz[l] + i * m;
		double *rai = h->ra[l] + i * m;

		act->df(h->z[l] + i * m, h->a[l] + i * m, h->d1, h->d2, m);
		for (size_t j = 0; j < m; j++)
			rai[j] = h->d1[j] * rzi[j];
	}
}

/* What row l gets: the mode, and the draws of net's last pass. */
static struct dnn_layer_ctx row_ctx(const struct dnn_hvp *h, size_t l)
{
	const struct dnn_net *net = h->net;
	struct dnn_layer_ctx c = {&h->pass, l,
				  net->state ? net->state + net->layers[l].s_off : NULL,
				  net->work[l]};

	return c;
}

void hvp_hold_pass(struct dnn_hvp *h)
{
	h->pass.training = 1;
}

/* The forward pass and, with v, its R-image, layer by layer. */
static void forward(struct dnn_hvp *h, const double *w, const double *v)
{
	const struct dnn_net *net = h->net;
	const double *in = h->x, *rin = h->rx;

	for (size_t l = 0; l < net->n_layers; l++) {
		const struct dnn_layer *ly = &net->layers[l];
		struct dnn_layer_ctx c = row_ctx(h, l);

		ly->kind->hv_forward(ly, w, v, in, rin, h->z[l], h->rz[l], h->n, &c);
		act_forward(h, l, v != NULL);
		in = h->a[l];
		rin = h->ra[l];
	}
}

/* log(1 + e^z) without overflow. */
static double softplus(double z)
{
	return (z > 0.0 ? z : 0.0) + log1p(exp(-fabs(z)));
}

/* The mean loss of the outputs after forward(); with d, also D_L = dL/dZ_L,
 * and with rd, R{D_L}:
 *   cross-entropy (softmax)      L = -(1/n) sum t log a   D = (a - t)/n
 *   binary cross-entropy         L = (1/nm) sum softplus(z) - t z
 *                                D = (a - t)/(nm)          R{D} = R{a}/(nm)
 *   mse                          L = (1/nm) sum (a - t)^2  G = 2 (a - t)/(nm)
 *                                D = G f'(z)  R{D} = 2 R{a}/(nm) f'(z) + G f''(z) R{z}
 * (for cross-entropy R{D} = R{a}/n). */
static double output(struct dnn_hvp *h, double *d, double *rd)
{
	const struct dnn_net *net = h->net;
	size_t L = net->n_layers - 1, m = net->layers[L].n_out, n = h->n;
	const double *z = h->z[L], *a = h->a[L], *rz = h->rz[L], *ra = h->ra[L];
	const struct dnn_act_info *act = net->layers[L].act;
	const double *d1 = h->d1, *d2 = h->d2;
	double sum = 0.0, inv_n = 1.0 / (double)n, inv_nm = inv_n / (double)m;

	for (size_t i = 0; i < n; i++) {
		const double *zi = z + i * m;
		double lse = 0.0;

		if (net->loss == DNN_LOSS_CROSS_ENTROPY) {
			double mx = zi[0], s = 0.0;

			for (size_t j = 1; j < m; j++)
				mx = zi[j] > mx ? zi[j] : mx;
			for (size_t j = 0; j < m; j++)
				s += exp(zi[j] - mx);
			lse = mx + log(s);
		} else if (net->loss != DNN_LOSS_BINARY_CROSS_ENTROPY) {
			act->df(zi, a + i * m, h->d1, h->d2, m);
		}
		for (size_t j = 0; j < m; j++) {
			size_t c = i * m + j;
			double tc = (double)h->t[c];

			switch (net->loss) {
			case DNN_LOSS_CROSS_ENTROPY:
				if (tc != 0.0)
					sum -= tc * (z[c] - lse);
				if (d)
					d[c] = (a[c] - tc) * inv_n;
				if (rd)
					rd[c] = ra[c] * inv_n;
				break;
			case DNN_LOSS_BINARY_CROSS_ENTROPY:
				sum += (softplus(z[c]) - tc * z[c]) / (double)m;
				if (d)
					d[c] = (a[c] - tc) * inv_nm;
				if (rd)
					rd[c] = ra[c] * inv_nm;
				break;
			default:
				sum += (a[c] - tc) * (a[c] - tc) / (double)m;
				if (d)
					d[c] = 2.0 * (a[c] - tc) * inv_nm * d1[j];
				if (rd)
					rd[c] = 2.0 * ra[c] * inv_nm * d1[j] +
						2.0 * (a[c] - tc) * inv_nm * d2[j] * rz[c];
			}
		}
	}
	return sum * inv_n;
}

/* D_{l-1} = G f'(Z_{l-1}) in place of G = dL/dA_{l-1} in g, and when rg is
 * not NULL, R{D_{l-1}} = R{G} f'(Z_{l-1}) + G f''(Z_{l-1}) R{Z_{l-1}} in
 * place of R{G} in rg. Hidden activations are elementwise. */
static void act_down(struct dnn_hvp *h, size_t l, double *g, double *rg)
{
	const struct dnn_act_info *act = h->net->layers[l].act;
	size_t m = h->net->layers[l].n_out;
	const double *z = h->z[l], *a = h->a[l], *rz = h->rz[l];

	for (size_t i = 0; i < h->n; i++) {
		double *gi = g + i * m, *rgi = rg ? rg + i * m : NULL;

		act->df(z + i * m, a + i * m, h->d1, h->d2, m);
		for (size_t k = 0; k < m; k++) {
			if (rgi)
				rgi[k] = rgi[k] * h->d1[k] + gi[k] * h->d2[k] * rz[i * m + k];
			gi[k] *= h->d1[k];
		}
	}
}

/*
 * The backward pass and its R-image, from D_L = dL/dZ_L and R{D_L}
 * (output()), layer by layer: layer l's kind gives its parameters' gradient
 * and H v (hv_params), and G = dL/dA_{l-1} with R{G} (hv_down); then
 *   D_{l-1} = G f'(Z_{l-1})   R{D_{l-1}} = R{G} f'(Z_{l-1}) + G f''(Z_{l-1}) R{Z_{l-1}}
 * (act_down).
 */
static void backward(struct dnn_hvp *h, const double *w, const double *v, double *g,
		     double *hv)
{
	const struct dnn_net *net = h->net;
	double *d = h->d, *rd = h->rd, *dp = h->dp, *rdp = h->rdp;

	for (size_t l = net->n_layers; l-- > 0;) {
		const struct dnn_layer *ly = &net->layers[l];
		const double *in = l ? h->a[l - 1] : h->x, *rin = l ? h->ra[l - 1] : h->rx;
		struct dnn_layer_ctx c = row_ctx(h, l);

		ly->kind->hv_params(ly, d, rd, in, rin, h->n, g, hv, &c);
		if (l == 0)
			break;
		ly->kind->hv_down(ly, w, hv ? v : NULL, in, rin, d, rd, h->n, dp, rdp, &c);
		act_down(h, l - 1, dp, hv ? rdp : NULL);
		double *tmp = d;

		d = dp;
		dp = tmp;
		tmp = rd;
		rd = rdp;
		rdp = tmp;
	}
}

/* FNV-1a over the sign classes of the pre-activations of the kinked
 * activations (relu, step). */
unsigned long long hvp_kink_pattern(const struct dnn_hvp *h)
{
	unsigned long long hash = 14695981039346656037ULL;

	for (size_t l = 0; l < h->net->n_layers; l++) {
		const struct dnn_layer *ly = &h->net->layers[l];

		if (!(ly->act->flags & ACT_KINK))
			continue;
		for (size_t i = 0; i < h->n * ly->n_out; i++) {
			double z = h->z[l][i];

			hash ^= (unsigned long long)(z > 0.0 ? 2 : (z < 0.0 ? 0 : 1));
			hash *= 1099511628211ULL;
		}
	}
	return hash;
}

double hvp_loss(struct dnn_hvp *h, const double *w)
{
	forward(h, w, NULL);
	return output(h, NULL, NULL);
}

double hvp_grad(struct dnn_hvp *h, const double *w, double *g)
{
	double loss;

	forward(h, w, NULL);
	loss = output(h, h->d, NULL);
	backward(h, w, NULL, g, NULL);
	return loss;
}

double hvp_hv(struct dnn_hvp *h, const double *w, const double *v, double *g, double *hv)
{
	double loss;

	forward(h, w, v);
	loss = output(h, h->d, h->rd);
	backward(h, w, v, g, hv);
	return loss;
}

int hvp_hv_fd(struct dnn_hvp *h, const double *w, const double *v, double eps, double *hv,
	      struct dnn_error *e)
{
	size_t P = h->net->n_params;
	double *wp = util_malloc_array(P, sizeof *wp);

	if (!wp)
		return dnn_error_oom(e);
	for (size_t i = 0; i < P; i++)
		wp[i] = w[i] + eps * v[i];
	hvp_grad(h, wp, h->gp);
	for (size_t i = 0; i < P; i++)
		wp[i] = w[i] - eps * v[i];
	hvp_grad(h, wp, h->gm);
	for (size_t i = 0; i < P; i++)
		hv[i] = (h->gp[i] - h->gm[i]) / (2.0 * eps);
	free(wp);
	return 0;
}

static double dot(const double *a, const double *b, size_t n)
{
	double s = 0.0;

	for (size_t i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

void hvp_op_apply(void *ctx, const double *v, double *y)
{
	const struct dnn_hvp_op *o = ctx;

	hvp_hv(o->h, o->w, v, NULL, y);
}

int hvp_lanczos(struct dnn_hvp *h, const double *w, size_t m, struct dnn_rng *rng,
		double *ritz, size_t *n_ritz, struct dnn_error *e)
{
	struct dnn_hvp_op o = {h, w};
	struct dnn_lanczos *l = lanczos_new(h->net->n_params, m, e);
	int rc = -1;

	if (!l)
		return -1;
	if (lanczos_run(l, hvp_op_apply, &o, NULL, 1, rng, e) == 0) {
		memcpy(ritz, l->ritz, l->k * sizeof *ritz);
		*n_ritz = l->k;
		rc = 0;
	}
	lanczos_free(l);
	return rc;
}

static double norm2(const double *v, size_t n)
{
	return sqrt(dot(v, v, n));
}

/* |H v - fd(v)| / |H v| for a random unit v: the R-operator against
 * finite differences of gradients, a cross-check of the curvature. */
static int cross_check(struct dnn_hvp *h, const double *w, struct dnn_rng *rng, double *out,
		       struct dnn_error *e)
{
	size_t P = hvp_n_params(h);
	double *v = util_malloc_array(P, sizeof *v), *hv = util_malloc_array(P, sizeof *hv);
	double *fd = util_malloc_array(P, sizeof *fd), nv;
	int rc = -1;

	if (!v || !hv || !fd) {
		dnn_error_oom(e);
		goto out;
	}
	for (size_t i = 0; i < P; i++)
		v[i] = rng_normal(rng);
	nv = norm2(v, P);
	for (size_t i = 0; i < P; i++)
		v[i] /= nv;
	hvp_hv(h, w, v, NULL, hv);
	if (hvp_hv_fd(h, w, v, 1e-5, fd, e))
		goto out;
	for (size_t i = 0; i < P; i++)
		fd[i] -= hv[i];
	nv = norm2(hv, P);
	*out = nv > 0.0 ? norm2(fd, P) / nv : norm2(fd, P);
	rc = 0;
out:
	free(v);
	free(hv);
	free(fd);
	return rc;
}

int hvp_analyse(const struct dnn_net *net, const float *x, const float *t, size_t n,
		    size_t m, struct dnn_rng *rng, double *ritz, size_t *n_ritz, double *loss,
		    double *grad_norm, double *check, struct dnn_error *e)
{
	size_t P = net->n_params;
	double *w = util_malloc_array(P, sizeof *w), *g = util_malloc_array(P, sizeof *g);
	struct dnn_hvp *h = NULL;
	int rc = -1;

	if (!w || !g) {
		dnn_error_oom(e);
		goto out;
	}
	if (!(h = hvp_new(net, x, t, n, e)))
		goto out;
	for (size_t i = 0; i < P; i++)
		w[i] = (double)net->params[i];
	*loss = hvp_grad(h, w, g);
	*grad_norm = norm2(g, P);
	if (hvp_lanczos(h, w, m, rng, ritz, n_ritz, e))
		goto out;
	if (check && cross_check(h, w, rng, check, e))
		goto out;
	rc = 0;
out:
	hvp_free(h);
	free(w);
	free(g);
	return rc;
}

int hvp_auto_learning_rate(const struct dnn_net *net, const float *x, const float *t, size_t n,
			   double momentum, uint64_t seed, double *lr, double *lmax,
			   struct dnn_error *e)
{
	size_t n_in = net->n_in, n_out = net_n_out(net), stride = (n + 2047) / 2048, k = 0;
	float *xs = NULL, *ts = NULL;
	double ritz[30], loss, gnorm;
	size_t n_ritz;
	struct dnn_rng rng;
	int rc = -1;

	if (stride > 1) {
		xs = util_malloc_array(n / stride + 1, n_in * sizeof *xs);
		ts = util_malloc_array(n / stride + 1, n_out * sizeof *ts);
		if (!xs || !ts) {
			dnn_error_oom(e);
			goto out;
		}
		for (size_t i = 0; i < n; i += stride, k++) {
			memcpy(xs + k * n_in, x + i * n_in, n_in * sizeof *xs);
			memcpy(ts + k * n_out, t + i * n_out, n_out * sizeof *ts);
		}
	}
	/* A stream of its own: the weights and shuffles stay as without it. */
	rng_seed(&rng, seed ^ 0x6375727661747572ULL);
	if (hvp_analyse(net, xs ? xs : x, ts ? ts : t, xs ? k : n, 30, &rng, ritz, &n_ritz, &loss,
			&gnorm, NULL, e))
		goto out;
	*lmax = ritz[n_ritz - 1];
	if (!(*lmax > 0.0) || !isfinite(*lmax)) {
		dnn_error_set(e, DNN_EX_DATA, NULL, 0, 0,
			      "cannot choose a learning rate: the loss has no positive curvature "
			      "at the initial weights; give one with --learning-rate");
		goto out;
	}
	*lr = (1.0 - momentum) / *lmax;
	rc = 0;
out:
	free(xs);
	free(ts);
	return rc;
}
