/* Lanczos with its basis and the tridiagonal eigenproblem (krylov.h). */
#include "krylov.h"

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
	kr->jac = util_calloc_array(sq, sizeof *kr->jac);
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

/* One Jacobi rotation zeroing a[p][r] of the k x k a, accumulated into the
 * columns p and r of v. */
static void rotate(double *a, double *v, size_t k, size_t p, size_t r)
{
	double apr = a[p * k + r], theta = (a[r * k + r] - a[p * k + p]) / (2.0 * apr);
	double t = (theta >= 0.0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1.0));
	double c = 1.0 / sqrt(t * t + 1.0), s = t * c;

	for (size_t i = 0; i < k; i++) {
		double aip = a[i * k + p], air = a[i * k + r];

		a[i * k + p] = c * aip - s * air;
		a[i * k + r] = s * aip + c * air;
	}
	for (size_t i = 0; i < k; i++) {
		double api = a[p * k + i], ari = a[r * k + i];

		a[p * k + i] = c * api - s * ari;
		a[r * k + i] = s * api + c * ari;
	}
	for (size_t i = 0; i < k; i++) {
		double vip = v[i * k + p], vir = v[i * k + r];

		v[i * k + p] = c * vip - s * vir;
		v[i * k + r] = s * vip + c * vir;
	}
}

/* Cyclic Jacobi: rotate away each off-diagonal element in turn,
 * tan(2 theta) = 2 a_pr / (a_rr - a_pp), until they are negligible; then the
 * eigenvalues sorted with their columns. */
void krylov_tridiag_eig(struct dnn_krylov *kr, size_t k, double *lam, double *q)
{
	double *a = kr->jac;

	for (size_t i = 0; i < k * k; i++)
		a[i] = q[i] = 0.0;
	for (size_t i = 0; i < k; i++) {
		a[i * k + i] = kr->alpha[i];
		q[i * k + i] = 1.0;
		if (i + 1 < k)
			a[i * k + i + 1] = a[(i + 1) * k + i] = kr->beta[i];
	}
	for (int sweep = 0; sweep < 100; sweep++) {
		double off = 0.0, diag = 0.0;

		for (size_t p = 0; p < k; p++) {
			diag += a[p * k + p] * a[p * k + p];
			for (size_t r = p + 1; r < k; r++)
				off += a[p * k + r] * a[p * k + r];
		}
		if (off == 0.0 || off <= 1e-32 * diag)
			break;
		for (size_t p = 0; p < k; p++)
			for (size_t r = p + 1; r < k; r++)
				if (a[p * k + r] != 0.0)
					rotate(a, q, k, p, r);
	}
	for (size_t i = 0; i < k; i++)
		lam[i] = a[i * k + i];
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
