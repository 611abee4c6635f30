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
	s->m = m;
	s->lam_min = s->lam_max = (double)NAN;
	if (!(s->kr = krylov_new(n, m, e))) {
		free(s);
		return NULL;
	}
	s->lam = util_calloc_array(m, sizeof *s->lam);
	s->q = util_calloc_array(m * m, sizeof *s->q);
	s->c = util_calloc_array(m, sizeof *s->c);
	s->u = util_calloc_array(m, sizeof *s->u);
	if (!s->lam || !s->q || !s->c || !s->u) {
		sfn_free(s);
		return dnn_error_oom(e), NULL;
	}
	return s;
}

void sfn_free(struct dnn_sfn *s)
{
	if (!s)
		return;
	krylov_free(s->kr);
	free(s->lam);
	free(s->q);
	free(s->c);
	free(s->u);
	free(s);
}

size_t sfn_direction(struct dnn_sfn *s, dnn_linop a, void *ctx, const double *g, double damping,
		     double *d)
{
	size_t n = s->n, k = krylov_lanczos(s->kr, a, ctx, g, s->m);
	const double *v = s->kr->basis;
	double *c = s->c, *u = s->u, *q = s->q;

	for (size_t i = 0; i < n; i++)
		d[i] = 0.0;
	s->k = k;
	s->lam_min = s->lam_max = (double)NAN;
	if (k == 0)
		return 0;
	krylov_tridiag_eig(s->kr, k, s->lam, q);
	s->lam_min = s->lam[0];
	s->lam_max = s->lam[k - 1];
	/* u = Q^T V^T g, then u_j / (|lambda_j| + damping), then Q u. */
	for (size_t j = 0; j < k; j++) {
		double vg = 0.0;

		for (size_t i = 0; i < n; i++)
			vg += v[j * n + i] * g[i];
		c[j] = vg;
	}
	for (size_t j = 0; j < k; j++) {
		double uj = 0.0, den = fabs(s->lam[j]) + damping;

		for (size_t r = 0; r < k; r++)
			uj += q[r * k + j] * c[r];
		u[j] = den > 0.0 ? uj / den : 0.0;
	}
	for (size_t r = 0; r < k; r++) {
		double y = 0.0;

		for (size_t j = 0; j < k; j++)
			y += q[r * k + j] * u[j];
		c[r] = y;
	}
	for (size_t j = 0; j < k; j++)
		for (size_t i = 0; i < n; i++)
			d[i] -= c[j] * v[j * n + i];
	return k;
}
