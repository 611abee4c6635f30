/* The Lanczos iteration with full reorthogonalization on a symmetric operator,
 * and the cyclic Jacobi eigensolver for its tridiagonal matrix. */
#include "lanczos.h"

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
	free(l->t);
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
	l->t = util_malloc_array(mm, sizeof *l->t);
	l->y = util_malloc_array(mm, sizeof *l->y);
	if (!l->ritz || !l->weight || !l->q || !l->r || !l->alpha || !l->beta || !l->t || !l->y) {
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
 * enough to keep orthogonality to working precision). */
static void orthogonalize(double *r, const double *q, size_t k, size_t n)
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

/* T (k x k) from alpha and beta, its eigenvalues into l->ritz and the
 * squared first components of its eigenvectors into l->weight. */
static void finish(struct dnn_lanczos *l, size_t k)
{
	memset(l->t, 0, k * k * sizeof *l->t);
	for (size_t i = 0; i < k; i++) {
		l->t[i * k + i] = l->alpha[i];
		if (i + 1 < k)
			l->t[i * k + i + 1] = l->t[(i + 1) * k + i] = l->beta[i];
	}
	lanczos_eig_sym(l->t, k, l->ritz, l->y);
	for (size_t i = 0; i < k; i++)
		l->weight[i] = l->y[i] * l->y[i];
	l->k = k;
}

/* T = Q^T A Q is tridiagonal: A q_k = beta_{k-1} q_{k-1} + alpha_k q_k +
 * beta_k q_{k+1}; every new vector is orthogonalized against all of Q. */
int lanczos_run(struct dnn_lanczos *l, dnn_linop op, void *ctx, const double *start, int restart,
		struct dnn_rng *rng, struct dnn_error *e)
{
	size_t n = l->n, m = l->m, k;
	double *q = l->q, *r = l->r, scale = 0.0;

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
		scale = fmax(scale, fmax(fabs(l->alpha[k]), l->beta[k]));
		if (k + 1 == m)
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
	finish(l, k < m ? k + 1 : m);
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

/* Rotate rows and columns p and q2 of a (and columns of v) by the Jacobi
 * angle that zeroes a_pq: tan(2 theta) = 2 a_pq / (a_qq - a_pp). */
static void rotate(double *a, double *v, size_t n, size_t p, size_t q2)
{
	double apq = a[p * n + q2], theta, t, c, s;

	theta = (a[q2 * n + q2] - a[p * n + p]) / (2.0 * apq);
	t = (theta >= 0.0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1.0));
	c = 1.0 / sqrt(t * t + 1.0);
	s = t * c;
	for (size_t k = 0; k < n; k++) {
		double akp = a[k * n + p], akq = a[k * n + q2];

		a[k * n + p] = c * akp - s * akq;
		a[k * n + q2] = s * akp + c * akq;
	}
	for (size_t k = 0; k < n; k++) {
		double apk = a[p * n + k], aqk = a[q2 * n + k];

		a[p * n + k] = c * apk - s * aqk;
		a[q2 * n + k] = s * apk + c * aqk;
	}
	if (v)
		for (size_t k = 0; k < n; k++) {
			double vkp = v[k * n + p], vkq = v[k * n + q2];

			v[k * n + p] = c * vkp - s * vkq;
			v[k * n + q2] = s * vkp + c * vkq;
		}
}

/* Sort eval ascending, and v's columns with it (selection sort: n swaps). */
static void sort_pairs(double *eval, double *v, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		size_t lo = i;

		for (size_t j = i + 1; j < n; j++)
			if (eval[j] < eval[lo])
				lo = j;
		if (lo == i)
			continue;
		double t = eval[i];

		eval[i] = eval[lo];
		eval[lo] = t;
		if (v)
			for (size_t r = 0; r < n; r++) {
				t = v[r * n + i];
				v[r * n + i] = v[r * n + lo];
				v[r * n + lo] = t;
			}
	}
}

/* Cyclic Jacobi: rotate away each off-diagonal a_pq in turn until they are
 * all negligible. */
void lanczos_eig_sym(double *a, size_t n, double *eval, double *evec)
{
	if (evec)
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++)
				evec[i * n + j] = i == j ? 1.0 : 0.0;
	for (int sweep = 0; sweep < 100; sweep++) {
		double off = 0.0, diag = 0.0;

		for (size_t p = 0; p < n; p++) {
			diag += a[p * n + p] * a[p * n + p];
			for (size_t q2 = p + 1; q2 < n; q2++)
				off += a[p * n + q2] * a[p * n + q2];
		}
		if (off <= 1e-30 * diag || off == 0.0)
			break;
		for (size_t p = 0; p < n; p++)
			for (size_t q2 = p + 1; q2 < n; q2++)
				if (a[p * n + q2] != 0.0)
					rotate(a, evec, n, p, q2);
	}
	for (size_t i = 0; i < n; i++)
		eval[i] = a[i * n + i];
	sort_pairs(eval, evec, n);
}
