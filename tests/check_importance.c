#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "dataset.h"
#include "importance.h"
#include "loss.h"
#include "net.h"
#include "rng.h"
#include "testutil.h"

/* A model of one linear layer over the columns of roles role[0..n_cols)
 * (a categorical column with n_cat categories, when there is one), k
 * outputs; weights w (k x n_in, biases 0), identity output normalization. */
static void make_model(struct dnn_model *m, const unsigned char *role, size_t n_cols, size_t n_cat,
		       size_t n_in, size_t k, int act, int loss, const float *w)
{
	struct dnn_error e;
	size_t units[1] = {k};
	int acts[1] = {act};

	memset(m, 0, sizeof *m);
	m->n_cols = n_cols;
	m->col_role = malloc(n_cols);
	memcpy(m->col_role, role, n_cols);
	for (size_t c = 0; c < n_cols; c++)
		if (role[c] == DNN_COL_CATEGORICAL) {
			m->n_cats = 1;
			m->cats = calloc(1, sizeof *m->cats);
			m->cats[0].col = c;
			m->cats[0].first = data_input_of(role, c, NULL, 0);
			m->cats[0].n = n_cat;
		}
	m->task = act == DNN_ACT_LINEAR ? DNN_TASK_REGRESSION : DNN_TASK_CLASSIFICATION;
	m->net = net_new(n_in, 1, units, acts, loss, &e);
	ck_assert_ptr_nonnull(m->net);
	memcpy(m->net->params, w, k * n_in * sizeof *w);
	ck_assert_int_eq(norm_identity(&m->out_norm, k, &e), 0);
}

static void free_model(struct dnn_model *m)
{
	net_free(m->net);
	norm_free(&m->out_norm);
	free(m->col_role);
	free(m->cats);
}

/* Inputs columns become groups in file order; a categorical column is one
 * group of its one-hot inputs; targets and ignored columns are none. */
START_TEST(test_groups)
{
	const unsigned char role[] = {DNN_COL_INPUT, DNN_COL_TARGET, DNN_COL_CATEGORICAL,
				      DNN_COL_IGNORED, DNN_COL_INPUT};
	const float w[6] = {0};
	struct dnn_model m;
	struct dnn_imp_group *g;
	struct dnn_error e = {0};
	size_t n;

	make_model(&m, role, 5, 3, 5, 1, DNN_ACT_LINEAR, DNN_LOSS_MSE, w);
	ck_assert_int_eq(importance_groups(&m, &g, &n, &e), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(g[0].col, 0);
	ck_assert_uint_eq(g[0].first, 0);
	ck_assert_uint_eq(g[0].n, 1);
	ck_assert_uint_eq(g[1].col, 2);
	ck_assert_uint_eq(g[1].first, 1);
	ck_assert_uint_eq(g[1].n, 3);
	ck_assert_uint_eq(g[2].col, 4);
	ck_assert_uint_eq(g[2].first, 4);
	ck_assert_uint_eq(g[2].n, 1);
	free(g);
	free_model(&m);
}
END_TEST

/* y = x0 exactly, by a linear model that reads x0 alone: R^2 1; shuffling
 * x1 or x2 changes nothing (importance 0, sd 0); shuffling x0 gives
 * R^2 = 1 - sum (y - y_perm)^2 / sum (y - ybar)^2, about -1, a drop
 * near 2. The same seed gives the same figures. */
START_TEST(test_permutation_regression)
{
	const unsigned char role[] = {DNN_COL_INPUT, DNN_COL_INPUT, DNN_COL_INPUT, DNN_COL_TARGET};
	const float w[3] = {1.0f, 0.0f, 0.0f};
	enum { N = 400 };
	static float x[N * 3], y[N];
	struct dnn_model m;
	struct dnn_imp_group *g;
	struct dnn_error e = {0};
	struct dnn_rng r;
	double base, mean[3], sd[3], mean2[3], sd2[3];
	size_t n;

	make_model(&m, role, 4, 0, 3, 1, DNN_ACT_LINEAR, DNN_LOSS_MSE, w);
	rng_seed(&r, 3);
	for (size_t i = 0; i < N; i++) {
		for (size_t j = 0; j < 3; j++)
			x[i * 3 + j] = (float)rng_normal(&r);
		y[i] = x[i * 3];
	}
	struct dnn_imp_rows rows = {N, x, y, NULL, y, NULL};

	ck_assert_int_eq(importance_groups(&m, &g, &n, &e), 0);
	ck_assert_int_eq(
	    importance_permutation(&m, &rows, g, n, DNN_IMP_R2, 10, 42, 64, &base, mean, sd, &e),
	    0);
	ck_assert_double_eq_tol(base, 1.0, 1e-9);
	ck_assert_double_eq_tol(mean[0], 2.0, 0.3);
	ck_assert(sd[0] > 0.0 && sd[0] < 0.3);
	for (int j = 1; j < 3; j++) {
		ck_assert_double_eq(mean[j], 0.0);
		ck_assert_double_eq(sd[j], 0.0);
	}
	ck_assert_int_eq(
	    importance_permutation(&m, &rows, g, n, DNN_IMP_R2, 10, 42, 7, &base, mean2, sd2, &e),
	    0);
	ck_assert_double_eq_tol(mean2[0], mean[0], 1e-9);
	ck_assert_double_eq_tol(sd2[0], sd[0], 1e-9);
	/* The loss scoring: baseline -0 (a perfect fit), the drop in -MSE
	 * about 2 var(x0) = 2. */
	ck_assert_int_eq(
	    importance_permutation(&m, &rows, g, n, DNN_IMP_LOSS, 10, 42, 64, &base, mean, sd, &e),
	    0);
	ck_assert_double_eq_tol(base, 0.0, 1e-9);
	ck_assert_double_eq_tol(mean[0], 2.0, 0.4);
	free(g);
	free_model(&m);
}
END_TEST

/* Classes by the one-hot column alone (a categorical column of 2 values,
 * the class its category): accuracy 1; shuffling the group keeps each
 * row one-hot and drops the accuracy to about 1/2; the number column
 * counts for nothing. Row weights: a row of weight 0 does not count. */
START_TEST(test_permutation_classes)
{
	const unsigned char role[] = {DNN_COL_INPUT, DNN_COL_CATEGORICAL, DNN_COL_TARGET};
	const float w[6] = {0.0f, 5.0f, -5.0f, 0.0f, -5.0f, 5.0f};
	enum { N = 500 };
	static float x[N * 3], t[N * 2], wt[N];
	static uint32_t label[N];
	struct dnn_model m;
	struct dnn_imp_group *g;
	struct dnn_error e = {0};
	struct dnn_rng r;
	double base, mean[2], sd[2];
	size_t n;

	make_model(&m, role, 3, 2, 3, 2, DNN_ACT_SOFTMAX, DNN_LOSS_CROSS_ENTROPY, w);
	rng_seed(&r, 5);
	for (size_t i = 0; i < N; i++) {
		label[i] = (uint32_t)rng_below(&r, 2);
		x[i * 3] = (float)rng_normal(&r);
		x[i * 3 + 1] = (float)(label[i] == 0);
		x[i * 3 + 2] = (float)(label[i] == 1);
		t[i * 2] = (float)(label[i] == 0);
		t[i * 2 + 1] = (float)(label[i] == 1);
		wt[i] = i % 2 ? 1.0f : 3.0f;
	}
	struct dnn_imp_rows rows = {N, x, t, label, NULL, NULL};

	ck_assert_int_eq(importance_groups(&m, &g, &n, &e), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(importance_permutation(&m, &rows, g, n, DNN_IMP_ACCURACY, 20, 1, 100,
						&base, mean, sd, &e),
			 0);
	ck_assert_double_eq(base, 1.0);
	ck_assert_double_eq(mean[0], 0.0);
	ck_assert_double_eq_tol(mean[1], 0.5, 0.08);
	rows.w = wt;
	ck_assert_int_eq(importance_permutation(&m, &rows, g, n, DNN_IMP_ACCURACY, 20, 1, 100,
						&base, mean, sd, &e),
			 0);
	ck_assert_double_eq(base, 1.0);
	ck_assert_double_eq_tol(mean[1], 0.5, 0.08);
	free(g);
	free_model(&m);
}
END_TEST

/* Input x gradient of a linear model with MSE on one output: L_i =
 * (a_i - t_i)^2, dL_i/dx_ij = 2 (a_i - t_i) w_j, so the score of column
 * j is mean_i |x_ij 2 (a_i - t_i) w_j|; with weights, times w_i over
 * sum w_i. */
START_TEST(test_gradient)
{
	const unsigned char role[] = {DNN_COL_INPUT, DNN_COL_INPUT, DNN_COL_TARGET};
	const float w[2] = {0.5f, -2.0f};
	enum { N = 37 };
	float x[N * 2], t[N], wt[N];
	struct dnn_model m;
	struct dnn_imp_group *g;
	struct dnn_error e = {0};
	struct dnn_rng r;
	double score[2], want[2] = {0, 0}, wantw[2] = {0, 0}, sw = 0.0, loss;
	size_t n;

	make_model(&m, role, 3, 0, 2, 1, DNN_ACT_LINEAR, DNN_LOSS_MSE, w);
	rng_seed(&r, 9);
	for (size_t i = 0; i < N; i++) {
		x[i * 2] = (float)rng_normal(&r);
		x[i * 2 + 1] = (float)rng_normal(&r);
		t[i] = (float)rng_normal(&r);
		wt[i] = (float)rng_uniform(&r);
		sw += wt[i];
	}
	for (size_t i = 0; i < N; i++) {
		double a = 0.5 * x[i * 2] - 2.0 * x[i * 2 + 1], d = 2.0 * (a - t[i]);

		for (int j = 0; j < 2; j++) {
			want[j] += fabs(x[i * 2 + j] * d * w[j]) / N;
			wantw[j] += wt[i] * fabs(x[i * 2 + j] * d * w[j]) / sw;
		}
	}
	struct dnn_imp_rows rows = {N, x, t, NULL, t, NULL};

	ck_assert_int_eq(importance_groups(&m, &g, &n, &e), 0);
	ck_assert_int_eq(importance_gradient(&m, &rows, g, n, 8, score, &loss, &e), 0);
	for (int j = 0; j < 2; j++)
		ck_assert_double_eq_tol(score[j], want[j], 1e-4 * want[j]);
	rows.w = wt;
	ck_assert_int_eq(importance_gradient(&m, &rows, g, n, 8, score, &loss, &e), 0);
	for (int j = 0; j < 2; j++)
		ck_assert_double_eq_tol(score[j], wantw[j], 1e-4 * wantw[j]);
	free(g);
	free_model(&m);
}
END_TEST

static Suite *importance_suite(void)
{
	Suite *s = suite_create("importance");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_groups);
	tcase_add_test(tc, test_permutation_regression);
	tcase_add_test(tc, test_permutation_classes);
	tcase_add_test(tc, test_gradient);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(importance_suite)
