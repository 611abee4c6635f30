/* Stochastic Lanczos quadrature: the spectral density and Hutchinson's trace. */
#include "density.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *const probe_names[] = {NULL, "rademacher", "gaussian", "basis"};

int density_probe_parse(const char *name, enum dnn_probe *kind)
{
	for (int i = DNN_PROBE_RADEMACHER; i <= DNN_PROBE_BASIS; i++)
		if (strcmp(name, probe_names[i]) == 0) {
			*kind = (enum dnn_probe)i;
			return 0;
		}
	return -1;
}

const char *density_probe_name(enum dnn_probe kind)
{
	return kind >= DNN_PROBE_RADEMACHER && kind <= DNN_PROBE_BASIS ? probe_names[kind] : "?";
}

void density_free(struct dnn_density *d)
{
	free(d->node);
	free(d->weight);
	d->node = d->weight = NULL;
}

/* Probe p of kind into v (n): +-1 or N(0, 1) entries of rng, or the unit
 * vector e_perm[p]. */
static void make_probe(double *v, size_t n, enum dnn_probe kind, const size_t *perm, size_t p,
		       struct dnn_rng *rng)
{
	for (size_t i = 0; i < n; i++)
		v[i] = kind == DNN_PROBE_GAUSSIAN     ? rng_normal(rng)
		       : kind == DNN_PROBE_RADEMACHER ? (rng_next(rng) >> 63 ? 1.0 : -1.0)
						      : 0.0;
	if (kind == DNN_PROBE_BASIS)
		v[perm[p]] = 1.0;
}

/* The standard error of the mean of the P values v (NaN for one; basis
 * probes: with the finite-population correction for P of n). */
static double std_error(const double *v, size_t P, size_t n, enum dnn_probe kind)
{
	double s = 0.0, ss = 0.0, m, se;

	if (P < 2)
		return (double)NAN;
	for (size_t p = 0; p < P; p++)
		s += v[p];
	m = s / (double)P;
	for (size_t p = 0; p < P; p++)
		ss += (v[p] - m) * (v[p] - m);
	se = sqrt(ss / ((double)P - 1.0) / (double)P);
	/* Sampling without replacement from the n diagonal entries. */
	if (kind == DNN_PROBE_BASIS)
		se *= n > 1 ? sqrt((double)(n - P) / (double)(n - 1)) : 0.0;
	return se;
}

/* The moments, the negative mass and the extremes of d's nodes; the trace
 * and the standard errors from the probes' q^T H q and q^T H^2 q in qhq
 * and qh2q. */
static void summarize(struct dnn_density *d, double *qhq, double *qh2q, enum dnn_probe kind)
{
	double s = 0.0, n = (double)d->n;

	d->mean = d->moment2 = d->negative = 0.0;
	d->lmin = HUGE_VAL;
	d->lmax = -HUGE_VAL;
	for (size_t j = 0; j < d->n_nodes; j++) {
		double t = d->node[j], w = d->weight[j];

		d->mean += w * t;
		d->moment2 += w * t * t;
		if (t < 0.0)
			d->negative += w;
		d->lmin = fmin(d->lmin, t);
		d->lmax = fmax(d->lmax, t);
	}
	for (size_t p = 0; p < d->n_probes; p++) {
		qhq[p] *= n;
		s += qhq[p];
	}
	d->trace = s / (double)d->n_probes;
	d->trace_se = std_error(qhq, d->n_probes, d->n, kind);
	d->moment2_se = std_error(qh2q, d->n_probes, d->n, kind);
}

/* The workspace of density_slq: a probe, the probes' q^T H q and q^T H^2 q,
 * a permutation. */
struct slq_work {
	struct dnn_lanczos *l;
	double *v, *qhq, *qh2q;
	size_t *perm;
};

static void work_free(struct slq_work *w)
{
	lanczos_free(w->l);
	free(w->v);
	free(w->qhq);
	free(w->qh2q);
	free(w->perm);
}

static int work_new(struct slq_work *w, size_t n, size_t n_probes, size_t steps,
		    enum dnn_probe kind, struct dnn_rng *rng, struct dnn_error *e)
{
	memset(w, 0, sizeof *w);
	if (!(w->l = lanczos_new(n, steps, e)))
		return -1;
	w->v = util_malloc_array(n, sizeof *w->v);
	w->qhq = util_malloc_array(n_probes, sizeof *w->qhq);
	w->qh2q = util_malloc_array(n_probes, sizeof *w->qh2q);
	if (kind == DNN_PROBE_BASIS)
		w->perm = util_malloc_array(n, sizeof *w->perm);
	if (!w->v || !w->qhq || !w->qh2q || (kind == DNN_PROBE_BASIS && !w->perm)) {
		work_free(w);
		return dnn_error_oom(e);
	}
	if (w->perm) {
		for (size_t i = 0; i < n; i++)
			w->perm[i] = i;
		rng_shuffle(rng, w->perm, n);
	}
	return 0;
}

int density_slq(dnn_linop op, void *ctx, size_t n, size_t n_probes, size_t steps,
		enum dnn_probe kind, struct dnn_rng *rng, struct dnn_density *d,
		struct dnn_error *e)
{
	struct slq_work w;
	size_t cells;
	int rc = -1;

	memset(d, 0, sizeof *d);
	if (kind == DNN_PROBE_BASIS && n_probes > n)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "%zu basis probes, but only %zu parameters", n_probes, n);
	if (steps > n)
		steps = n;
	if (!n_probes || !steps)
		return dnn_error_set(e, DNN_EX_SOFTWARE, NULL, 0, 0, "no probes or no steps");
	if (util_mul_overflow(n_probes, steps, &cells))
		return dnn_error_oom(e);
	if (work_new(&w, n, n_probes, steps, kind, rng, e))
		return -1;
	d->n = n;
	d->n_probes = n_probes;
	d->node = util_malloc_array(cells, sizeof *d->node);
	d->weight = util_malloc_array(cells, sizeof *d->weight);
	if (!d->node || !d->weight) {
		dnn_error_oom(e);
		goto out;
	}
	for (size_t p = 0; p < n_probes; p++) {
		make_probe(w.v, n, kind, w.perm, p, rng);
		if (lanczos_run(w.l, op, ctx, w.v, 0, NULL, e))
			goto out;
		/* alpha_0 = q^T H q for the normalized probe q. */
		w.qhq[p] = w.l->alpha[0];
		w.qh2q[p] = 0.0;
		for (size_t j = 0; j < w.l->k; j++) {
			w.qh2q[p] += w.l->weight[j] * w.l->ritz[j] * w.l->ritz[j];
			d->node[d->n_nodes] = w.l->ritz[j];
			d->weight[d->n_nodes++] = w.l->weight[j] / (double)n_probes;
		}
	}
	summarize(d, w.qhq, w.qh2q, kind);
	rc = 0;
out:
	if (rc)
		density_free(d);
	work_free(&w);
	return rc;
}

double density_at(const struct dnn_density *d, double t, double sigma)
{
	const double c = 1.0 / (sigma * sqrt(2.0 * 3.14159265358979323846));
	double s = 0.0;

	for (size_t j = 0; j < d->n_nodes; j++) {
		double z = (t - d->node[j]) / sigma;

		s += d->weight[j] * exp(-0.5 * z * z);
	}
	return c * s;
}
