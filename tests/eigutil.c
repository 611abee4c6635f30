/* Dense symmetric operators and cyclic Jacobi, the tests' reference (eigutil.h). */
#include "eigutil.h"

#include <math.h>

#include "rng.h"

void dense_op_apply(void *ctx, const double *v, double *y)
{
	struct dense_op *d = ctx;

	d->calls++;
	for (size_t i = 0; i < d->n; i++) {
		double s = 0.0;

		for (size_t j = 0; j < d->n; j++)
			s += d->a[i * d->n + j] * v[j];
		y[i] = s;
	}
}

void sym_of_spectrum(size_t n, double *u, const double *lam, double *a, uint64_t seed)
{
	struct dnn_rng r;

	rng_seed(&r, seed);
	for (size_t i = 0; i < n * n; i++)
		u[i] = rng_normal(&r);
	for (size_t j = 0; j < n; j++) {
		for (int pass = 0; pass < 2; pass++)
			for (size_t p = 0; p < j; p++) {
				double c = 0.0;

				for (size_t i = 0; i < n; i++)
					c += u[i * n + p] * u[i * n + j];
				for (size_t i = 0; i < n; i++)
					u[i * n + j] -= c * u[i * n + p];
			}
		double nrm = 0.0;

		for (size_t i = 0; i < n; i++)
			nrm += u[i * n + j] * u[i * n + j];
		for (size_t i = 0; i < n; i++)
			u[i * n + j] /= sqrt(nrm);
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			double s = 0.0;

			for (size_t p = 0; p < n; p++)
				s += u[i * n + p] * lam[p] * u[j * n + p];
			a[i * n + j] = s;
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
void eig_sym(double *a, size_t n, double *eval, double *evec)
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
