/* Saddle-free Newton's direction in a Krylov space (sfn.h). */
#include "sfn.h"

#include <math.h>
#include <stdlib.h>

#include "util.h"

struct dnn_sfn *sfn_new(size_t n, size_t m, struct dnn_error *e)
{
	struct dnn_sfn *s = calloc(1, sizeof *s);

	if (!s)
		return dnn_error_oom(e), NULL;
	s->n = n;
	s->lam_min = s->lam_max = (double)NAN;
	if (!(s->l = lanczos_new(n, m, e))) {
		free(s);
		return NULL;
	}
	s->m = m = s->l->m;
	s->c = util_calloc_array(m, sizeof *s->c);
	s->u = util_calloc_array(m, sizeof *s->u);
	s->cq = util_calloc_array(m, sizeof *s->cq);
	if (!s->c || !s->u || !s->cq) {
		sfn_free(s);
		return dnn_error_oom(e), NULL;
	}
	return s;
}

void sfn_free(struct dnn_sfn *s)
{
	if (!s)
		return;
	lanczos_free(s->l);
	free(s->c);
	free(s->u);
	free(s->cq);
	free(s);
}

/* The dot product of the n-vectors a and b. */
static double dot(const double *a, const double *b, size_t n)
{
	double s = 0.0;

	for (size_t i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

size_t sfn_build(struct dnn_sfn *s, dnn_linop a, void *ctx, const double *g)
{
	size_t n = s->n, k;
	const double *v = s->l->q, *q = s->l->y;
	double *c = s->c, gg = dot(g, g, n);
	struct dnn_error e;

	s->k = 0;
	s->lam_min = s->lam_max = (double)NAN;
	/* A g that is 0 or not finite makes no Krylov space. */
	if (!(gg > 0.0) || !isfinite(gg) || lanczos_run(s->l, a, ctx, g, 0, NULL, &e) ||
	    !isfinite(s->l->ritz[0]))
		return 0;
	s->k = k = s->l->k;
	s->lam_min = s->l->ritz[0];
	s->lam_max = s->l->ritz[k - 1];
	/* c = V^T g, then u = Q^T c. */
	for (size_t j = 0; j < k; j++) {
		double vg = 0.0;

		for (size_t i = 0; i < n; i++)
			vg += v[j * n + i] * g[i];
		c[j] = vg;
	}
	for (size_t j = 0; j < k; j++) {
		double uj = 0.0;

		for (size_t r = 0; r < k; r++)
			uj += q[r * k + j] * c[r];
		s->u[j] = uj;
	}
	return k;
}

void sfn_solve(struct dnn_sfn *s, double damping, double *d, double *gd, double *dad)
{
	size_t n = s->n, k = s->k;
	const double *v = s->l->q, *q = s->l->y, *u = s->u, *lam = s->l->ritz;
	double *c = s->c, *cq = s->cq;

	*gd = *dad = 0.0;
	for (size_t i = 0; i < n; i++)
		d[i] = 0.0;
	/* In the eigenbasis: cq_j = -u_j / (|lambda_j| + damping). */
	for (size_t j = 0; j < k; j++) {
		double den = fabs(lam[j]) + damping;

		cq[j] = den > 0.0 ? -u[j] / den : 0.0;
		*gd += u[j] * cq[j];
		*dad += lam[j] * cq[j] * cq[j];
	}
	/* c = Q cq, d = V c. */
	for (size_t r = 0; r < k; r++) {
		double y = 0.0;

		for (size_t j = 0; j < k; j++)
			y += q[r * k + j] * cq[j];
		c[r] = y;
	}
	for (size_t j = 0; j < k; j++)
		for (size_t i = 0; i < n; i++)
			d[i] += c[j] * v[j * n + i];
}

size_t sfn_direction(struct dnn_sfn *s, dnn_linop a, void *ctx, const double *g, double damping,
		     double *d)
{
	double gd, dad;
	size_t k = sfn_build(s, a, ctx, g);

	sfn_solve(s, damping, d, &gd, &dad);
	return k;
}
