/* lambda_max of the loss on a fixed sample of rows, warm-started measures. */
#include "sharpness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hvp.h"
#include "lanczos.h"
#include "rng.h"
#include "util.h"

struct dnn_sharpness {
	const struct dnn_net *net;
	struct dnn_hvp *h;
	struct dnn_lanczos *l;
	struct dnn_rng rng;
	float *x, *t; /* the sampled rows */
	size_t n;
	double *w, *v; /* the weights in double; the last top vector */
	int warm;      /* v holds one */
};

void sharpness_free(struct dnn_sharpness *s)
{
	if (!s)
		return;
	hvp_free(s->h);
	lanczos_free(s->l);
	free(s->x);
	free(s->t);
	free(s->w);
	free(s->v);
	free(s);
}

/* Rows idx[0..k) of x and t into s->x and s->t. */
static int copy_rows(struct dnn_sharpness *s, const float *x, const float *t, const size_t *idx,
		     size_t k)
{
	size_t n_in = s->net->n_in, n_out = net_n_out(s->net);

	s->x = util_malloc_array(k, n_in * sizeof *s->x);
	s->t = util_malloc_array(k, n_out * sizeof *s->t);
	if (!s->x || !s->t)
		return -1;
	for (size_t i = 0; i < k; i++) {
		memcpy(s->x + i * n_in, x + idx[i] * n_in, n_in * sizeof *s->x);
		memcpy(s->t + i * n_out, t + idx[i] * n_out, n_out * sizeof *s->t);
	}
	s->n = k;
	return 0;
}

/* The sample: all n rows in order, or the first k of a seeded shuffle. */
static int sample_rows(struct dnn_sharpness *s, const float *x, const float *t, size_t n, size_t k)
{
	size_t *idx = util_malloc_array(n, sizeof *idx);
	int rc;

	if (!idx)
		return -1;
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	if (k < n)
		rng_shuffle(&s->rng, idx, n);
	else
		k = n;
	rc = copy_rows(s, x, t, idx, k);
	free(idx);
	return rc;
}

struct dnn_sharpness *sharpness_new(const struct dnn_net *net, const float *x, const float *t,
				    size_t n, size_t n_samples, size_t steps, uint64_t seed,
				    struct dnn_error *e)
{
	struct dnn_sharpness *s;
	size_t P = net->n_params;

	if (n == 0)
		return dnn_error_set(e, DNN_EX_DATA, NULL, 0, 0, "no rows to analyse"), NULL;
	s = calloc(1, sizeof *s);
	if (!s)
		return dnn_error_oom(e), NULL;
	s->net = net;
	/* A stream of its own: training's draws stay as without it. */
	rng_seed(&s->rng, seed ^ 0x7368617270006e65ULL);
	s->w = util_malloc_array(P, sizeof *s->w);
	s->v = util_malloc_array(P, sizeof *s->v);
	if (!s->w || !s->v || sample_rows(s, x, t, n, n_samples)) {
		sharpness_free(s);
		return dnn_error_oom(e), NULL;
	}
	if (!(s->h = hvp_new(net, s->x, s->t, s->n, e)) || !(s->l = lanczos_new(P, steps, e))) {
		sharpness_free(s);
		return NULL;
	}
	return s;
}

size_t sharpness_rows(const struct dnn_sharpness *s)
{
	return s->n;
}

int sharpness_measure(struct dnn_sharpness *s, double *lmax, struct dnn_error *e)
{
	struct dnn_hvp_op op = {s->h, s->w};
	size_t P = s->net->n_params;

	for (size_t i = 0; i < P; i++)
		s->w[i] = (double)s->net->params[i];
	if (lanczos_run(s->l, hvp_op_apply, &op, s->warm ? s->v : NULL, 1, &s->rng, e))
		return -1;
	*lmax = s->l->ritz[s->l->k - 1];
	lanczos_ritz_vector(s->l, s->l->k - 1, s->v);
	s->warm = 1;
	return 0;
}

double sharpness_limit(const struct dnn_optim_spec *conf, double lr, const char **label)
{
	double mu = conf->momentum;

	*label = NULL;
	if (conf->kind != DNN_OPT_SGD || !(lr > 0))
		return (double)NAN;
	if (mu == 0) {
		*label = "2/lr";
		return 2.0 / lr;
	}
	if (conf->nesterov) {
		*label = "(2+2m)/((1+2m)lr)";
		return (2.0 + 2.0 * mu) / ((1.0 + 2.0 * mu) * lr);
	}
	*label = "(2+2m)/lr";
	return (2.0 + 2.0 * mu) / lr;
}
