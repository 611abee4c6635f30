#include <math.h>
#include <string.h>

#include "act.h"
#include "loss.h"
#include "testutil.h"

START_TEST(test_names)
{
	ck_assert_int_eq(loss_by_name("mse"), DNN_LOSS_MSE);
	ck_assert_int_eq(loss_by_name("cross_entropy"), DNN_LOSS_CROSS_ENTROPY);
	ck_assert_int_eq(loss_by_name("binary_cross_entropy"), DNN_LOSS_BINARY_CROSS_ENTROPY);
	ck_assert_int_eq(loss_by_name("mae"), -1);
	ck_assert_str_eq(loss_name(DNN_LOSS_MSE), "mse");
	ck_assert_ptr_null(loss_name(0));
}
END_TEST

START_TEST(test_known_values)
{
	const struct dnn_act_info *lin = act_by_id(DNN_ACT_LINEAR);
	float a[4] = {1.0f, 2.0f, 0.0f, 0.0f}, t[4] = {0.0f, 0.0f, 0.0f, 1.0f};
	float p[3] = {0.7f, 0.2f, 0.1f}, oh[3] = {1.0f, 0.0f, 0.0f};
	float s[2] = {0.8f, 0.25f}, y[2] = {1.0f, 0.0f};

	/* Row 1: (1 + 4) / 2; row 2: (0 + 1) / 2. */
	ck_assert_double_eq_tol(loss_eval(DNN_LOSS_MSE, lin, a, t, 2, 2, 0, NULL), 3.0, 1e-12);
	ck_assert_double_eq_tol(loss_eval(DNN_LOSS_CROSS_ENTROPY, act_by_id(DNN_ACT_SOFTMAX), p,
					  oh, 1, 3, 0, NULL),
				-log(0.7), 1e-7);
	ck_assert_double_eq_tol(loss_eval(DNN_LOSS_BINARY_CROSS_ENTROPY,
					  act_by_id(DNN_ACT_SIGMOID), s, y, 2, 1, 0, NULL),
				-log(0.8) - log(0.75), 1e-7);
}
END_TEST

START_TEST(test_clamped_finite)
{
	float p[2] = {0.0f, 1.0f}, oh[2] = {1.0f, 0.0f};
	double v = loss_eval(DNN_LOSS_CROSS_ENTROPY, act_by_id(DNN_ACT_SOFTMAX), p, oh, 1, 2, 0,
			     NULL);

	ck_assert(isfinite(v) && v > 20.0);
	v = loss_eval(DNN_LOSS_BINARY_CROSS_ENTROPY, act_by_id(DNN_ACT_SIGMOID), p, oh, 2, 1, 0,
		      NULL);
	ck_assert(isfinite(v) && v > 40.0);
}
END_TEST

/* dL/dz against central differences through the output activation, for
 * every loss and every output activation it allows. */
static void check_grad(int loss, int act_id, const float *t)
{
	const struct dnn_act_info *act = act_by_id(act_id);
	const float z0[6] = {0.4f, -1.1f, 0.3f, 1.5f, -0.2f, 0.9f};
	const size_t n = 2, m = 3;
	const float h = 1e-2f;
	float a[6], dz[6];

	memcpy(a, z0, sizeof a);
	act->forward(a, n, m);
	loss_eval(loss, act, a, t, n, m, 1.0f, dz);
	for (size_t k = 0; k < n * m; k++) {
		float zp[6], zm[6];

		memcpy(zp, z0, sizeof zp);
		memcpy(zm, z0, sizeof zm);
		zp[k] += h;
		zm[k] -= h;
		act->forward(zp, n, m);
		act->forward(zm, n, m);
		double num = (loss_eval(loss, act, zp, t, n, m, 0, NULL) -
			      loss_eval(loss, act, zm, t, n, m, 0, NULL)) /
			     (2.0 * (double)h);

		ck_assert_msg(fabs((double)dz[k] - num) < 1e-3 * (1.0 + fabs(num)),
			      "loss %d act %s element %zu: %g vs %g", loss, act->name, k,
			      (double)dz[k], num);
	}
}

START_TEST(test_gradients)
{
	const float reg[6] = {0.5f, -1.0f, 0.25f, 2.0f, 0.0f, -0.3f};
	const float onehot[6] = {0, 1, 0, 1, 0, 0};

	check_grad(DNN_LOSS_MSE, DNN_ACT_LINEAR, reg);
	check_grad(DNN_LOSS_MSE, DNN_ACT_SIGMOID, reg);
	check_grad(DNN_LOSS_MSE, DNN_ACT_TANH, reg);
	check_grad(DNN_LOSS_MSE, DNN_ACT_RELU, reg);
	check_grad(DNN_LOSS_CROSS_ENTROPY, DNN_ACT_SOFTMAX, onehot);
	check_grad(DNN_LOSS_BINARY_CROSS_ENTROPY, DNN_ACT_SIGMOID, onehot);
}
END_TEST

/* Label smoothing by hand: three classes, eps 0.1, the target (0, 1, 0)
 * becomes (0.1/3, 0.9 + 0.1/3, 0.1/3), and the loss of outputs a is
 * -sum t' log a (PyTorch's CrossEntropyLoss(label_smoothing=0.1) on the
 * logits log a); binary cross-entropy: t (1 - eps) + eps / 2. */
START_TEST(test_label_smoothing)
{
	float t[3] = {0, 1, 0}, a[3] = {0.2f, 0.7f, 0.1f}, b[2] = {1, 0};
	double want = -((0.1 / 3) * log(0.2) + (0.9 + 0.1 / 3) * log(0.7) + (0.1 / 3) * log(0.1));
	const struct dnn_act_info *sm = act_by_id(DNN_ACT_SOFTMAX);

	loss_smooth_targets(DNN_LOSS_CROSS_ENTROPY, t, 1, 3, 0.1);
	ck_assert_float_eq_tol(t[0], (float)(0.1 / 3), 1e-7f);
	ck_assert_float_eq_tol(t[1], (float)(0.9 + 0.1 / 3), 1e-7f);
	ck_assert_double_eq_tol(loss_eval(DNN_LOSS_CROSS_ENTROPY, sm, a, t, 1, 3, 0.0f, NULL), want,
				1e-6);
	loss_smooth_targets(DNN_LOSS_BINARY_CROSS_ENTROPY, b, 2, 1, 0.2);
	ck_assert_float_eq_tol(b[0], 0.9f, 1e-7f);
	ck_assert_float_eq_tol(b[1], 0.1f, 1e-7f);
	/* mse and eps 0 leave targets alone. */
	b[0] = 1.0f;
	loss_smooth_targets(DNN_LOSS_MSE, b, 1, 1, 0.2);
	loss_smooth_targets(DNN_LOSS_CROSS_ENTROPY, b, 1, 1, 0.0);
	ck_assert(b[0] == 1.0f);
}
END_TEST

/* Weighted: the weighted sum of the rows' losses, and each row's gradient
 * times its weight. */
START_TEST(test_weighted)
{
	float a[4] = {0.2f, 0.8f, 0.6f, 0.4f}, t[4] = {0, 1, 1, 0}, w[2] = {0.5f, 2.0f};
	float d[4], d1[4];
	const struct dnn_act_info *sm = act_by_id(DNN_ACT_SOFTMAX);
	double l0 = loss_eval(DNN_LOSS_CROSS_ENTROPY, sm, a, t, 1, 2, 1.0f, d1);
	double l1 = loss_eval(DNN_LOSS_CROSS_ENTROPY, sm, a + 2, t + 2, 1, 2, 1.0f, d1 + 2);

	ck_assert_double_eq_tol(loss_eval_weighted(DNN_LOSS_CROSS_ENTROPY, sm, a, t, w, 2, 2, 1.0f,
						   d),
				0.5 * l0 + 2.0 * l1, 1e-12);
	for (int i = 0; i < 4; i++)
		ck_assert_float_eq_tol(d[i], w[i / 2] * d1[i], 1e-7f);
}
END_TEST


static Suite *loss_suite(void)
{
	Suite *s = suite_create("loss");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_known_values);
	tcase_add_test(tc, test_clamped_finite);
	tcase_add_test(tc, test_gradients);
	tcase_add_test(tc, test_label_smoothing);
	tcase_add_test(tc, test_weighted);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(loss_suite)
