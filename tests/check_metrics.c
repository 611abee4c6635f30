/* Figures over rows: predicted classes, accuracy, MAE and R^2 against
 * answers computed by hand, and sums that add up the same in pieces. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "loss.h"
#include "metrics.h"
#include "net.h"
#include "testutil.h"
#include "weights.h"

/* The largest unit, the first of equals; one unit: 1 from 1/2 up. */
START_TEST(test_class_of_a_row)
{
	float a[4] = {0.1f, 0.7f, 0.7f, 0.2f}, one[3] = {0.5f, 0.49999997f, 1.0f};

	ck_assert_uint_eq(metrics_argmax(a, 4), 1);
	ck_assert_uint_eq(metrics_argmax(a, 1), 0);
	ck_assert_uint_eq(metrics_class(a, 4), 1);
	ck_assert_uint_eq(metrics_class(a + 2, 2), 0);
	ck_assert_uint_eq(metrics_class(one, 1), 1);
	ck_assert_uint_eq(metrics_class(one + 1, 1), 0);
	ck_assert_uint_eq(metrics_class(one + 2, 1), 1);
}
END_TEST

START_TEST(test_count_correct)
{
	/* Three rows of two units: right, wrong, right. */
	float a[6] = {0.9f, 0.1f, 0.2f, 0.8f, 0.4f, 0.6f}, t[6] = {1, 0, 1, 0, 0, 1};
	/* One unit: 0.7 vs 1, 0.2 vs 1, 0.5 vs 1, 0.1 vs 0. */
	float a1[4] = {0.7f, 0.2f, 0.5f, 0.1f}, t1[4] = {1, 1, 1, 0};

	ck_assert_uint_eq(metrics_count_correct(a, t, 3, 2), 2);
	ck_assert_uint_eq(metrics_count_correct(a1, t1, 4, 1), 3);
	ck_assert_uint_eq(metrics_count_correct(a, t, 0, 2), 0);
}
END_TEST

/* MAE and R^2 of a linear unit with w = 1, b = 0 (outputs = inputs),
 * against targets computed by hand. */
START_TEST(test_regression_metrics)
{
	size_t units[1] = {1};
	int acts[1] = {DNN_ACT_LINEAR};
	struct dnn_error e;
	struct dnn_net *net = net_new(1, 1, units, acts, DNN_LOSS_MSE, &e);
	float x[4] = {1, 2, 3, 4}, t[4] = {1, 3, 3, 5}, scale[1] = {10.0f};
	struct dnn_rows rows = {4, x, t, NULL};
	struct dnn_metrics mt;

	net->params[0] = 1.0f;
	net->params[1] = 0.0f;
	/* Residuals 0, -1, 0, -1: MAE 0.5; SS_res = 2; mean of t = 3,
	 * SS_tot = 4 + 0 + 0 + 4 = 8: R^2 = 1 - 2/8. */
	ck_assert_int_eq(metrics_measure(net, &rows, 0, NULL, &mt, &e), 0);
	ck_assert_double_eq_tol(mt.mae, 0.5, 1e-12);
	ck_assert_double_eq_tol(mt.r2, 0.75, 1e-12);
	ck_assert(isnan(mt.accuracy));
	/* In the target's units: residuals scale by 10, R^2 does not. */
	ck_assert_int_eq(metrics_measure(net, &rows, 0, scale, &mt, &e), 0);
	ck_assert_double_eq_tol(mt.mae, 5.0, 1e-12);
	ck_assert_double_eq_tol(mt.r2, 0.75, 1e-12);
	/* No rows: no figures. */
	rows.n = 0;
	ck_assert_int_eq(metrics_measure(net, &rows, 0, NULL, &mt, &e), 0);
	ck_assert(isnan(mt.loss) && isnan(mt.mae) && isnan(mt.r2));
	net_free(net);
}
END_TEST

/* An output with constant targets: R^2 1 when predicted exactly, else 0
 * (scikit-learn's r2_score); R^2 averages over the outputs. */
START_TEST(test_r2_of_constant_targets)
{
	struct dnn_regsum r;
	float t[6] = {2, 1, 2, 3, 2, 5}, exact[6] = {2, 1, 2, 3, 2, 5};
	float off[6] = {2.5f, 1, 2, 3, 2, 5};
	double mae, r2;

	ck_assert_int_eq(metrics_regsum_init(&r, 2), 0);
	metrics_regsum_add(&r, exact, t, 3, NULL);
	metrics_regsum_finish(&r, &mae, &r2);
	ck_assert_double_eq(mae, 0.0);
	ck_assert_double_eq(r2, 1.0);
	metrics_regsum_reset(&r);
	metrics_regsum_finish(&r, &mae, &r2);
	ck_assert(isnan(mae) && isnan(r2));
	/* Output 0 off by 0.5 on one row: it counts 0, output 1 counts 1. */
	metrics_regsum_add(&r, off, t, 3, NULL);
	metrics_regsum_finish(&r, &mae, &r2);
	ck_assert_double_eq_tol(mae, 0.5 / 6.0, 1e-15);
	ck_assert_double_eq(r2, 0.5);
	metrics_regsum_free(&r);
	metrics_regsum_free(&r); /* a second free is harmless */
}
END_TEST

/* A tally over rows in pieces gives the same figures, bit for bit, as one
 * over all of them; classification counts the rows right. */
START_TEST(test_tally_in_pieces)
{
	float a[8] = {0.9f, 0.1f, 0.3f, 0.7f, 0.6f, 0.4f, 0.2f, 0.8f};
	float t[8] = {1, 0, 0, 1, 0, 1, 0, 1};
	struct dnn_metrics whole, parts;
	struct dnn_tally ty;

	for (int cls = 0; cls <= 1; cls++) {
		ck_assert_int_eq(metrics_tally_init(&ty, cls, 2), 0);
		metrics_tally_add(&ty, a, t, 4, NULL);
		ty.loss = 2.0;
		metrics_tally_finish(&ty, &whole);
		metrics_tally_reset(&ty);
		ck_assert_uint_eq(ty.n, 0);
		metrics_tally_add(&ty, a, t, 1, NULL);
		metrics_tally_add(&ty, a + 2, t + 2, 3, NULL);
		ty.loss = 2.0;
		metrics_tally_finish(&ty, &parts);
		ck_assert_int_eq(memcmp(&whole, &parts, sizeof whole), 0);
		ck_assert_double_eq(whole.loss, 0.5);
		if (cls) {
			ck_assert_double_eq(whole.accuracy, 0.75);
			ck_assert(isnan(whole.mae) && isnan(whole.r2));
		} else {
			ck_assert(isnan(whole.accuracy));
			ck_assert(isfinite(whole.mae) && isfinite(whole.r2));
		}
		metrics_tally_free(&ty);
	}
}
END_TEST

/* A network's figures do not depend on the size of its workspace: rows
 * forwarded in chunks of one, or all at once. */
START_TEST(test_measure_in_chunks)
{
	size_t units[2] = {3, 2};
	int acts[2] = {DNN_ACT_TANH, DNN_ACT_SOFTMAX};
	struct dnn_error e;
	struct dnn_net *net = net_new(2, 2, units, acts, DNN_LOSS_CROSS_ENTROPY, &e);
	float x[10] = {0, 1, 1, 0, -1, 2, 0.5f, -0.5f, 2, 2},
	      t[10] = {1, 0, 0, 1, 1, 0, 0, 1, 1, 0};
	struct dnn_rows rows = {5, x, t, NULL};
	struct dnn_metrics one, all;
	struct dnn_tally ty;

	for (size_t k = 0; k < net->n_params; k++)
		net->params[k] = 0.1f * (float)(k % 7) - 0.3f;
	ck_assert_int_eq(metrics_measure(net, &rows, 1, NULL, &one, &e), 0);
	ck_assert_int_eq(net_reserve(net, 5, &e), 0);
	ck_assert_int_eq(metrics_tally_init(&ty, 1, 2), 0);
	metrics_tally_rows(&ty, net, &rows, NULL);
	metrics_tally_finish(&ty, &all);
	metrics_tally_free(&ty);
	ck_assert_double_eq_tol(one.loss, all.loss, 1e-6);
	ck_assert_double_eq(one.accuracy, all.accuracy);
	ck_assert(isfinite(one.loss) && one.loss > 0.0);
	net_free(net);
}
END_TEST

/* A sigmoid unit p = sigmoid(0.5 x + 0.1) on four rows, three of class "a"
 * (target 0) and one of "b" (target 1): the weighted mean of the binary
 * cross-entropy sum_i c_i L_i / sum_i c_i by hand, c_i the row's class
 * weight. */
static double hand_weighted(const float *x, const float *t, const double *c, size_t n)
{
	double num = 0.0, den = 0.0;

	for (size_t i = 0; i < n; i++) {
		double p = 1.0 / (1.0 + exp(-(0.5 * (double)x[i] + 0.1)));
		double l = t[i] > 0.5f ? -log(p) : -log(1.0 - p);

		num += c[i] * l;
		den += c[i];
	}
	return num / den;
}

static double weighted_loss(const struct dnn_spec *s, struct dnn_dataset *d, const float *x,
			    const float *t)
{
	size_t units[1] = {1};
	int acts[1] = {DNN_ACT_SIGMOID};
	struct dnn_error e = {0};
	struct dnn_net *net = net_new(1, 1, units, acts, DNN_LOSS_BINARY_CROSS_ENTROPY, &e);
	struct dnn_metrics mt;
	float *w;
	struct dnn_rows rows = {4, x, t, NULL};

	ck_assert_int_eq(weights_rows(s, d, 4, 0, "s.json", &w, &e), 0);
	ck_assert_ptr_nonnull(w);
	rows.w = w;
	net->params[0] = 0.5f;
	net->params[1] = 0.1f;
	ck_assert_int_eq(metrics_measure(net, &rows, 1, NULL, &mt, &e), 0);
	free(w);
	net_free(net);
	return mt.loss;
}

START_TEST(test_class_weight_loss)
{
	char *names[2] = {"a", "b"};
	uint32_t label[4] = {0, 1, 0, 0};
	float x[4] = {1, 2, -1, 3}, t[4] = {0, 1, 0, 0};
	struct dnn_class_weight given[1] = {{"b", 3.0}};
	struct dnn_dataset d = {.n_rows = 4, .task = DNN_TASK_CLASSIFICATION, .n_classes = 2,
				.class_names = names, .label = label};
	struct dnn_spec s = {.loss = DNN_LOSS_BINARY_CROSS_ENTROPY};
	double c_given[4] = {1, 3, 1, 1}, c_bal[4] = {2.0 / 3, 2, 2.0 / 3, 2.0 / 3};
	struct dnn_error e = {0};
	float *w;

	s.data.class_weighting = DNN_CW_GIVEN;
	s.data.class_weights = given;
	s.data.n_class_weights = 1;
	ck_assert_double_eq_tol(weighted_loss(&s, &d, x, t), hand_weighted(x, t, c_given, 4),
				1e-6);
	/* balanced: n / (K n_k) = 4 / (2 3) and 4 / (2 1) */
	s.data.class_weighting = DNN_CW_BALANCED;
	ck_assert_double_eq_tol(weighted_loss(&s, &d, x, t), hand_weighted(x, t, c_bal, 4), 1e-6);
	/* Weights of 1 give the plain mean, which differs. */
	ck_assert_double_gt(fabs(hand_weighted(x, t, c_given, 4) -
				 hand_weighted(x, t, (double[4]){1, 1, 1, 1}, 4)),
			    0.01);
	/* A label that is no class. */
	given[0].label = "bb";
	s.data.class_weighting = DNN_CW_GIVEN;
	ck_assert_int_eq(weights_rows(&s, &d, 4, 0, "s.json", &w, &e), -1);
	ck_assert_int_eq(e.code, DNN_EX_DATA);
	ck_assert_str_eq(e.msg, "data.class_weight: unknown class 'bb'; did you mean 'b'?");
	/* Every training row weighing 0. */
	given[0].label = "a";
	given[0].weight = 0.0;
	label[1] = 0;
	ck_assert_int_eq(weights_rows(&s, &d, 4, 0, "s.json", &w, &e), -1);
	ck_assert_str_eq(e.msg, "data.class_weight: every training row weighs 0");
	s.data.class_weighting = DNN_CW_NONE;
	ck_assert_int_eq(weights_rows(&s, &d, 4, 0, "s.json", &w, &e), 0);
	ck_assert_ptr_null(w);
}
END_TEST


static Suite *metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *cw = tcase_create("class weights");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_class_of_a_row);
	tcase_add_test(tc, test_count_correct);
	tcase_add_test(tc, test_regression_metrics);
	tcase_add_test(tc, test_r2_of_constant_targets);
	tcase_add_test(tc, test_tally_in_pieces);
	tcase_add_test(tc, test_measure_in_chunks);
	tcase_add_test(cw, test_class_weight_loss);
	suite_add_tcase(s, cw);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(metrics_suite)
