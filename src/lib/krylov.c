/* Lanczos with its basis and the tridiagonal eigenproblem (krylov.h). */
#include "krylov.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "util.h"

struct dnn_krylov *krylov_new(size_t n, size_t m, struct dnn_error *e)
{
	struct dnn_krylov *kr;
	size_t cells, sq;

	if (m == 0 || n == 0 || util_mul_overflow(m + 1, n, &cells) || util_mul_overflow(m, m, &sq))
		return dnn_error_set(e, DNN_EX_SOFTWARE, NULL, 0, 0,
				     "a Krylov space of %zu vectors of %zu", m, n),
		       NULL;
	kr = calloc(1, sizeof *kr);
	if (!kr)
		return dnn_error_oom(e), NULL;
	kr->n = n;
	kr->m = m;
	kr->basis = util_calloc_array(cells, sizeof *kr->basis);
	kr->alpha = util_calloc_array(m, sizeof *kr->alpha);
	kr->beta = util_calloc_array(m, sizeof *kr->beta);
	kr->jac = util_calloc_array(m, sizeof *kr->jac);
	if (!kr->basis || !kr->alpha || !kr->beta || !kr->jac) {
		krylov_free(kr);
		return dnn_error_oom(e), NULL;
	}
	return kr;
}

void krylov_free(struct dnn_krylov *kr)
{
	if (!kr)
		return;
	free(kr->basis);
	free(kr->alpha);
	free(kr->beta);
	free(kr->jac);
	free(kr);
}

static double dot(const double *a, const double *b, size_t n)
{
	double s = 0.0;

	for (size_t i = 0; i < n; i++)
		s += a[i] * b[i];
	return s;
}

/* r -= (q_i . r) q_i for the k rows q_i of q, twice (classical Gram-Schmidt
 * twice keeps orthogonality to working precision). */
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

size_t krylov_lanczos(struct dnn_krylov *kr, dnn_linop a, void *ctx, const double *b, size_t m)
{
	size_t n = kr->n;
	double *q = kr->basis, nb = sqrt(dot(b, b, n)), scale = 0.0;

	if (m > kr->m)
		m = kr->m;
	if (!(nb > 0.0) || !isfinite(nb))
		return 0;
	for (size_t i = 0; i < n; i++)
		q[i] = b[i] / nb;
	for (size_t k = 0; k < m; k++) {
		double *qk = q + k * n, *r = q + (k + 1) * n;
		const double *qprev = k ? qk - n : NULL;

		a(ctx, qk, r);
		kr->alpha[k] = dot(qk, r, n);
		for (size_t i = 0; i < n; i++)
			r[i] -= kr->alpha[k] * qk[i] + (qprev ? kr->beta[k - 1] * qprev[i] : 0.0);
		orthogonalize(r, q, k + 1, n);
		kr->beta[k] = sqrt(dot(r, r, n));
		scale = fmax(scale, fmax(fabs(kr->alpha[k]), kr->beta[k]));
		if (!isfinite(kr->beta[k]) || !isfinite(kr->alpha[k]))
			return 0;
		/* A residual at rounding level: the space is invariant. */
		if (!(kr->beta[k] > 1e-10 * scale)) {
			kr->beta[k] = 0.0;
			return k + 1;
		}
		if (k + 1 < m)
			for (size_t i = 0; i < n; i++)
				r[i] /= kr->beta[k];
	}
	return m;
}

/* The implicit QL iteration with Wilkinson shifts on the symmetric
 * tridiagonal matrix of diagonal d and off-diagonal e (e[i] couples d[i]
 * and d[i + 1]; e[k - 1] = 0; destroyed), the rotations accumulated into
 * the columns of the row-major k x k z (Numerical Recipes' tqli, EISPACK's
 * tql2): d gets the eigenvalues, z's columns the eigenvectors. */
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

/* The QL iteration on T, then the eigenvalues sorted with their columns. */
void krylov_tridiag_eig(struct dnn_krylov *kr, size_t k, double *lam, double *q)
{
	double *e = kr->jac;

	for (size_t i = 0; i < k * k; i++)
		q[i] = 0.0;
	for (size_t i = 0; i < k; i++) {
		lam[i] = kr->alpha[i];
		e[i] = i + 1 < k ? kr->beta[i] : 0.0;
		q[i * k + i] = 1.0;
	}
	tridiag_ql(lam, e, k, q);
	/* Selection sort, swapping columns of q with their eigenvalues. */
	for (size_t i = 0; i < k; i++) {
		size_t lo = i;

		for (size_t j = i + 1; j < k; j++)
			if (lam[j] < lam[lo])
				lo = j;
		if (lo == i)
			continue;
		double t = lam[i];

		lam[i] = lam[lo];
		lam[lo] = t;
		for (size_t r = 0; r < k; r++) {
			t = q[r * k + i];
			q[r * k + i] = q[r * k + lo];
			q[r * k + lo] = t;
		}
	}
}
