/* The Lanczos iteration with full reorthogonalization on a symmetric operator,
 * and the implicit QL eigensolver for its tridiagonal matrix. */
#include "lanczos.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void lanczos_free(struct dnn_lanczos *l)
{
	if (!l)
		return;
	free(l->ritz);
	free(l->weight);
	free(l->q);
	free(l->r);
	free(l->alpha);
	free(l->beta);
	free(l->e);
	free(l->y);
	free(l);
}

struct dnn_lanczos *lanczos_new(size_t n, size_t m, struct dnn_error *e)
{
	struct dnn_lanczos *l;
	size_t cells, mm;

	if (m > n)
		m = n;
	if (!m || util_mul_overflow(m, n, &cells) || util_mul_overflow(m, m, &mm)) {
		dnn_error_oom(e);
		return NULL;
	}
	l = calloc(1, sizeof *l);
	if (!l) {
		dnn_error_oom(e);
		return NULL;
	}
	l->n = n;
	l->m = m;
	l->ritz = util_malloc_array(m, sizeof *l->ritz);
	l->weight = util_malloc_array(m, sizeof *l->weight);
	l->q = util_malloc_array(cells, sizeof *l->q);
	l->r = util_malloc_array(n, sizeof *l->r);
	l->alpha = util_malloc_array(m, sizeof *l->alpha);
	l->beta = util_malloc_array(m, sizeof *l->beta);
	l->e = util_malloc_array(m, sizeof *l->e);
	l->y = util_malloc_array(mm, sizeof *l->y);
	if (!l->ritz || !l->weight || !l->q || !l->r || !l->alpha || !l->beta || !l->e || !l->y) {
		lanczos_free(l);
		dnn_error_oom(e);
		return NULL;
	}
	return l;
}

static double dot(const double *a, const double *b, size_t n)
{
	double s = 0.0;

	for (size_t i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

/* r -= (q_i . r) q_i for the k rows q_i of q, twice (Gram-Schmidt twice is
 * enough to keep orthogonality to working precision). Inline: in the
 * Lanczos step the compiler keeps its loops tight. */
static inline void orthogonalize(double *r, const double *q, size_t k, size_t n)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < k; i++) {
			const double *qi = q + i * n;
			double c = dot(qi, r, n);

			for (size_t j = 0; j < n; j++)
				r[j] -= c * qi[j];
		}
}

/* A unit vector into r orthogonal to the k rows of q: start (when not NULL
 * and not zero) or a Gaussian random vector of rng; 0 when there is none
 * left (k == n, up to rounding, or no rng). */
static int start_vector(double *r, const double *start, const double *q, size_t k, size_t n,
			struct dnn_rng *rng)
{
	double nrm = 0.0, left;

	if (start) {
		memcpy(r, start, n * sizeof *r);
		nrm = sqrt(dot(r, r, n));
	}
	if (!(nrm > 0.0)) {
		if (!rng)
			return 0;
		for (size_t i = 0; i < n; i++)
			r[i] = rng_normal(rng);
		nrm = sqrt(dot(r, r, n));
	}
	orthogonalize(r, q, k, n);
	/* What is left of a random vector after removing k of n directions
	 * has norm about sqrt((n - k) / n); much less is rounding. */
	left = sqrt(dot(r, r, n));
	if (k >= n || !(left >= 1e-8 * nrm))
		return 0;
	for (size_t i = 0; i < n; i++)
		r[i] /= left;
	return 1;
}

/* The implicit QL iteration with Wilkinson shifts on the symmetric
 * tridiagonal matrix of diagonal d and off-diagonal e (e[i] couples d[i]
 * and d[i + 1]; e[k - 1] = 0; destroyed), the rotations accumulated into
 * the columns of the row-major k x k z (Numerical Recipes' tqli, EISPACK's
 * tql2): d gets the eigenvalues, z's columns the eigenvectors. An exact 0
 * in e splits the matrix: the blocks are solved apart, without mixing. */
static void tridiag_ql(double *d, double *e, size_t k, double *z)
{
	for (size_t l = 0; l < k; l++) {
		for (int iter = 0; iter < 60; iter++) {
			size_t m = l;

			while (m + 1 < k &&
			       fabs(e[m]) > DBL_EPSILON * (fabs(d[m]) + fabs(d[m + 1])))
				m++;
			if (m == l)
				break;
			double g = (d[l + 1] - d[l]) / (2.0 * e[l]), r = sqrt(g * g + 1.0);
			double s = 1.0, c = 1.0, p = 0.0;
			int split = 0;

			g = d[m] - d[l] + e[l] / (g + (g >= 0.0 ? r : -r));
			for (size_t i = m; i-- > l;) {
				double f = s * e[i], b = c * e[i];

				e[i + 1] = r = sqrt(f * f + g * g);
				if (r == 0.0) {
					/* Underflow: the matrix splits here. */
					d[i + 1] -= p;
					e[m] = 0.0;
					split = 1;
					break;
				}
				s = f / r;
				c = g / r;
				g = d[i + 1] - p;
				r = (d[i] - g) * s + 2.0 * c * b;
				p = s * r;
				d[i + 1] = g + p;
				g = c * r - b;
				for (size_t q = 0; q < k; q++) {
					f = z[q * k + i + 1];
					z[q * k + i + 1] = s * z[q * k + i] + c * f;
					z[q * k + i] = c * z[q * k + i] - s * f;
				}
			}
			if (split)
				continue;
			d[l] -= p;
			e[l] = g;
			e[m] = 0.0;
		}
	}
}

/* Sort eval ascending, and z's columns with it (selection sort: k swaps). */
static void sort_pairs(double *eval, double *z, size_t k)
{
	for (size_t i = 0; i + 1 < k; i++) {
		size_t lo = i;

		for (size_t j = i + 1; j < k; j++)
			if (eval[j] < eval[lo])
				lo = j;
		if (lo == i)
			continue;
		double t = eval[i];

		eval[i] = eval[lo];
		eval[lo] = t;
		for (size_t r = 0; r < k; r++) {
			t = z[r * k + i];
			z[r * k + i] = z[r * k + lo];
			z[r * k + lo] = t;
		}
	}
}

/* T (k x k) of alpha and beta: its eigenvalues into l->ritz, its
 * eigenvectors into l->y and the squared first components of these into
 * l->weight; all NaN when T is not finite. */
static void finish(struct dnn_lanczos *l, size_t k, int finite)
{
	l->k = k;
	if (!finite) {
		for (size_t i = 0; i < k; i++)
			l->ritz[i] = l->weight[i] = (double)NAN;
		for (size_t i = 0; i < k * k; i++)
			l->y[i] = (double)NAN;
		return;
	}
	memset(l->y, 0, k * k * sizeof *l->y);
	for (size_t i = 0; i < k; i++) {
		l->ritz[i] = l->alpha[i];
		l->e[i] = i + 1 < k ? l->beta[i] : 0.0;
		l->y[i * k + i] = 1.0;
	}
	tridiag_ql(l->ritz, l->e, k, l->y);
	sort_pairs(l->ritz, l->y, k);
	for (size_t i = 0; i < k; i++)
		l->weight[i] = l->y[i] * l->y[i];
}

/* T = Q^T A Q is tridiagonal: A q_k = beta_{k-1} q_{k-1} + alpha_k q_k +
 * beta_k q_{k+1}; every new vector is orthogonalized against all of Q. A
 * value that is not finite ends the run (a restart would not mend it). */
int lanczos_run(struct dnn_lanczos *l, dnn_linop op, void *ctx, const double *start, int restart,
		struct dnn_rng *rng, struct dnn_error *e)
{
	size_t n = l->n, m = l->m, k;
	double *q = l->q, *r = l->r, scale = 0.0;
	int finite = 1;

	l->k = 0;
	if (!start_vector(q, start, q, 0, n, rng))
		return dnn_error_set(e, DNN_EX_SOFTWARE, NULL, 0, 0, "Lanczos: no start vector");
	for (k = 0; k < m; k++) {
		const double *qk = q + k * n, *qprev = k ? q + (k - 1) * n : NULL;

		op(ctx, qk, r);
		l->alpha[k] = dot(qk, r, n);
		for (size_t i = 0; i < n; i++)
			r[i] -= l->alpha[k] * qk[i] + (qprev ? l->beta[k - 1] * qprev[i] : 0.0);
		orthogonalize(r, q, k + 1, n);
		l->beta[k] = sqrt(dot(r, r, n));
		finite = isfinite(l->alpha[k]) && isfinite(l->beta[k]);
		scale = fmax(scale, fmax(fabs(l->alpha[k]), l->beta[k]));
		if (k + 1 == m || !finite)
			break;
		if (l->beta[k] > 1e-10 * scale) {
			for (size_t i = 0; i < n; i++)
				q[(k + 1) * n + i] = r[i] / l->beta[k];
			continue;
		}
		/* The Krylov space is invariant: its Ritz values are exact. */
		l->beta[k] = 0.0;
		if (!restart || !start_vector(q + (k + 1) * n, NULL, q, k + 1, n, rng))
			break;
	}
	finish(l, k < m ? k + 1 : m, finite);
	return 0;
}

void lanczos_ritz_vector(const struct dnn_lanczos *l, size_t i, double *out)
{
	size_t n = l->n, k = l->k;

	memset(out, 0, n * sizeof *out);
	for (size_t j = 0; j < k; j++) {
		double c = l->y[j * k + i];

		for (size_t p = 0; p < n; p++)
			out[p] += c * l->q[j * n + p];
	}
}
