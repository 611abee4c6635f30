/* The loss landscape: points of weight space evaluated on the thread pool,
 * and the directions of a plane (landscape.h). */
#include "landscape.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hvp.h"
#include "pool.h"
#include "util.h"

/* Rows per forward pass of a point. */
#define LANDSCAPE_BATCH 256

/* What one part of the job (one thread) owns: a copy of the network, the
 * point's weights, the sums. */
struct worker {
	struct dnn_net *net;
	float *w;
	struct dnn_tally tally;
	int tally_ok;
};

struct job {
	const struct dnn_landscape *ls;
	const double *c;
	size_t n;
	double *loss, *acc;
	struct worker *wk;
};

/* The weights of point i into w: base + c0 dir0 + c1 dir1, in double, then
 * rounded (c = 0 gives the base exactly). */
static void point_weights(const struct dnn_landscape *ls, const double *c, float *w)
{
	size_t n = net_n_saved(ls->net);
	const double *d0 = ls->dir[0], *d1 = ls->dir[1];

	for (size_t j = 0; j < n; j++) {
		double v = (double)ls->base[j] + c[0] * d0[j];

		if (d1)
			v += c[1] * d1[j];
		w[j] = (float)v;
	}
}

/* Points part, part + n_parts, ... on the part's own worker. */
static void eval_part(void *ctx, size_t part, size_t n_parts, size_t t)
{
	struct job *jb = ctx;
	struct worker *wk = &jb->wk[part];
	const struct dnn_rows rows = {jb->ls->rows.n, jb->ls->rows.x, jb->ls->rows.t, NULL};

	(void)t;
	for (size_t i = part; i < jb->n; i += n_parts) {
		struct dnn_metrics m;

		point_weights(jb->ls, jb->c + 2 * i, wk->w);
		net_restore(wk->net, wk->w);
		metrics_tally_reset(&wk->tally);
		metrics_tally_rows(&wk->tally, wk->net, &rows, NULL);
		metrics_tally_finish(&wk->tally, &m);
		jb->loss[i] = m.loss;
		if (jb->acc)
			jb->acc[i] = m.accuracy;
	}
}

static void free_workers(struct worker *wk, size_t n)
{
	for (size_t p = 0; wk && p < n; p++) {
		net_free(wk[p].net);
		free(wk[p].w);
		if (wk[p].tally_ok)
			metrics_tally_free(&wk[p].tally);
	}
	free(wk);
}

/* n workers, each with its copy of the network. */
static struct worker *new_workers(const struct dnn_landscape *ls, size_t n, struct dnn_error *e)
{
	struct worker *wk = util_calloc_array(n, sizeof *wk);
	size_t out = net_n_out(ls->net);

	if (!wk)
		return dnn_error_oom(e), NULL;
	for (size_t p = 0; p < n; p++) {
		wk[p].net = net_copy(ls->net, e);
		if (!wk[p].net || net_reserve(wk[p].net, LANDSCAPE_BATCH, e))
			goto fail;
		wk[p].w = util_malloc_array(net_n_saved(ls->net), sizeof *wk[p].w);
		if (!wk[p].w || metrics_tally_init(&wk[p].tally, ls->classification, out)) {
			dnn_error_oom(e);
			goto fail;
		}
		wk[p].tally_ok = 1;
	}
	return wk;
fail:
	free_workers(wk, n);
	return NULL;
}

int landscape_eval(const struct dnn_landscape *ls, const double *c, size_t n, double *loss,
		   double *acc, struct dnn_error *e)
{
	size_t parts = pool_threads() < n ? pool_threads() : n;
	struct job jb = {ls, c, n, loss, acc, NULL};

	if (n == 0)
		return 0;
	jb.wk = new_workers(ls, parts, e);
	if (!jb.wk)
		return -1;
	pool_run(eval_part, &jb, parts);
	free_workers(jb.wk, parts);
	return 0;
}

void landscape_filter_normalize(const struct dnn_net *net, const float *theta, double *d)
{
	size_t n = net_n_saved(net), pos = 0;

	/* The rows' parameters lie in order in params, the state after them:
	 * everything between two dense rows' weights is a bias, a
	 * normalization row's parameter or state, and goes to 0. */
	for (size_t l = 0; l < net->n_layers; l++) {
		const struct dnn_layer *ly = &net->layers[l];

		if (ly->kind->id != DNN_LAYER_DENSE)
			continue;
		for (size_t j = pos; j < ly->w_off; j++)
			d[j] = 0.0;
		for (size_t i = 0; i < ly->n_out; i++) {
			size_t o = ly->w_off + i * ly->n_in;
			double nd = 0.0, nt = 0.0, s;

			for (size_t k = 0; k < ly->n_in; k++) {
				nd += d[o + k] * d[o + k];
				nt += (double)theta[o + k] * (double)theta[o + k];
			}
			s = nd > 0.0 ? sqrt(nt / nd) : 0.0;
			for (size_t k = 0; k < ly->n_in; k++)
				d[o + k] *= s;
		}
		pos = ly->w_off + ly->n_out * ly->n_in;
	}
	for (size_t j = pos; j < n; j++)
		d[j] = 0.0;
}

void landscape_random_direction(const struct dnn_net *net, const float *theta, struct dnn_rng *rng,
				double *d)
{
	size_t n = net_n_saved(net);

	memset(d, 0, n * sizeof *d);
	for (size_t l = 0; l < net->n_layers; l++) {
		const struct dnn_layer *ly = &net->layers[l];

		if (ly->kind->id != DNN_LAYER_DENSE)
			continue;
		for (size_t j = 0; j < ly->n_out * ly->n_in; j++)
			d[ly->w_off + j] = rng_normal(rng);
	}
	landscape_filter_normalize(net, theta, d);
}

int landscape_hessian_directions(const struct dnn_net *net, const struct dnn_rows *rows, size_t m,
				 struct dnn_rng *rng, double *d0, double *d1, double lambda[2],
				 struct dnn_error *e)
{
	size_t P = net->n_params, n_ritz;
	double *w = util_malloc_array(P ? P : 1, sizeof *w);
	double *ritz = util_malloc_array(m < 2 ? 2 : m, sizeof *ritz);
	double *vec = util_malloc_array(P ? 2 * P : 1, sizeof *vec);
	struct dnn_hvp *h = NULL;
	int rc = -1;

	if (P < 2) {
		dnn_error_set(e, DNN_EX_DATA, NULL, 0, 0,
			      "the network has %zu parameters: no plane of Hessian directions", P);
		goto out;
	}
	if (!w || !ritz || !vec) {
		dnn_error_oom(e);
		goto out;
	}
	if (!(h = hvp_new(net, rows->x, rows->t, rows->n, e)))
		goto out;
	for (size_t i = 0; i < P; i++)
		w[i] = (double)net->params[i];
	if (hvp_lanczos_top(h, w, m < 2 ? 2 : m, rng, 2, ritz, &n_ritz, vec, e))
		goto out;
	lambda[0] = ritz[n_ritz - 1];
	lambda[1] = ritz[n_ritz - 2];
	memset(d0, 0, net_n_saved(net) * sizeof *d0);
	memset(d1, 0, net_n_saved(net) * sizeof *d1);
	memcpy(d0, vec, P * sizeof *d0);
	memcpy(d1, vec + P, P * sizeof *d1);
	rc = 0;
out:
	hvp_free(h);
	free(w);
	free(ritz);
	free(vec);
	return rc;
}
