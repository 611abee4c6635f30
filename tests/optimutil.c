/* Shared by the unit tests of the optimizers: their configuration and a
 * badly conditioned quadratic to minimize. */
#include "optimutil.h"

#include <check.h>

struct dnn_optim_spec conf_of(int kind, double lr)
{
	struct dnn_optim_spec c = {
	    .kind = kind,
	    .learning_rate = lr,
	    .beta1 = DNN_DEFAULT_BETA1,
	    .beta2 = DNN_DEFAULT_BETA2,
	    .rho = DNN_DEFAULT_RHO,
	    .epsilon = DNN_DEFAULT_EPSILON,
	    .history_size = DNN_DEFAULT_HISTORY_SIZE,
	};
	return c;
}

struct dnn_optim *xnew(const struct dnn_optim_spec *c, size_t n)
{
	struct dnn_error e;
	struct dnn_optim *o = optim_new(c, n, &e);

	ck_assert_ptr_nonnull(o);
	return o;
}

void quad_make(struct quad *q)
{
	/* A = B' D B, B upper-triangular with unit diagonal. */
	double b[QN][QN] = {{0}}, d[QN] = {100, 10, 1, 0.1, 0.01, 3};

	for (int i = 0; i < QN; i++) {
		b[i][i] = 1.0;
		for (int j = i + 1; j < QN; j++)
			b[i][j] = 0.1 * (double)(i + j) - 0.3;
		q->c[i] = 0.5 * (double)i - 1.0;
	}
	for (int i = 0; i < QN; i++)
		for (int j = 0; j < QN; j++) {
			q->a[i][j] = 0.0;
			for (int k = 0; k < QN; k++)
				q->a[i][j] += b[k][i] * d[k] * b[k][j];
		}
	q->evals = 0;
}

double quad_f(void *ctx, const float *w, float *grad)
{
	struct quad *q = ctx;
	double f = 3.0;

	q->evals++;
	for (int i = 0; i < QN; i++) {
		double gi = 0.0;

		for (int j = 0; j < QN; j++)
			gi += q->a[i][j] * ((double)w[j] - q->c[j]);
		grad[i] = (float)gi;
		f += 0.5 * ((double)w[i] - q->c[i]) * gi;
	}
	return f;
}
