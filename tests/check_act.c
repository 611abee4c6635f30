#include <math.h>
#include <string.h>

#include "act.h"
#include "testutil.h"

static const float zs[] = {-6.0f, -2.5f, -0.7f, -0.1f, 0.2f, 0.9f, 3.0f, 7.5f};
#define NZ (sizeof zs / sizeof zs[0])

START_TEST(test_table)
{
	for (int id = 1; id <= DNN_ACT_MAX; id++) {
		const struct dnn_act_info *a = act_by_id(id);

		ck_assert_ptr_nonnull(a);
		ck_assert_int_eq((int)a->id, id);
		ck_assert_ptr_eq(act_by_name(act_names[id - 1]), a);
	}
	ck_assert_ptr_null(act_by_name("relux"));
	ck_assert_ptr_null(act_by_id(0));
	ck_assert_ptr_null(act_by_id(DNN_ACT_MAX + 1));
}
END_TEST

START_TEST(test_values)
{
	float z[5] = {-2.0f, -0.0f, 0.0f, 0.5f, 3.0f};
	float v[5];

	memcpy(v, z, sizeof v);
	act_by_id(DNN_ACT_STEP)->forward(v, 1, 5);
	ck_assert_float_eq(v[0], 0.0f);
	ck_assert_float_eq(v[2], 0.5f); /* (sign(0) + 1) / 2 */
	ck_assert_float_eq(v[4], 1.0f);
	memcpy(v, z, sizeof v);
	act_by_id(DNN_ACT_RELU)->forward(v, 1, 5);
	ck_assert_float_eq(v[0], 0.0f);
	ck_assert_float_eq(v[3], 0.5f);
	memcpy(v, z, sizeof v);
	act_by_id(DNN_ACT_SIGMOID)->forward(v, 1, 5);
	ck_assert_float_eq_tol(v[2], 0.5f, 1e-7f);
	ck_assert_float_eq_tol(v[4], 1.0f / (1.0f + expf(-3.0f)), 1e-7f);
	memcpy(v, z, sizeof v);
	act_by_id(DNN_ACT_TANH)->forward(v, 1, 5);
	ck_assert_float_eq_tol(v[3], tanhf(0.5f), 1e-7f);
	memcpy(v, z, sizeof v);
	act_by_id(DNN_ACT_LINEAR)->forward(v, 1, 5);
	ck_assert_float_eq(v[4], 3.0f);
}
END_TEST

START_TEST(test_sigmoid_extremes)
{
	float v[2] = {-100.0f, 100.0f};

	act_by_id(DNN_ACT_SIGMOID)->forward(v, 1, 2);
	ck_assert(isfinite(v[0]) && v[0] >= 0.0f && v[0] < 1e-30f);
	ck_assert_float_eq(v[1], 1.0f);
}
END_TEST

START_TEST(test_softmax_rows)
{
	float v[6] = {1.0f, 2.0f, 3.0f, 1000.0f, 1000.0f, -1000.0f};

	act_by_id(DNN_ACT_SOFTMAX)->forward(v, 2, 3);
	ck_assert_float_eq_tol(v[0] + v[1] + v[2], 1.0f, 1e-6f);
	ck_assert_float_eq_tol(v[2] / v[1], expf(1.0f), 1e-5f);
	ck_assert_float_eq_tol(v[3], 0.5f, 1e-6f); /* no overflow */
	ck_assert_float_eq_tol(v[5], 0.0f, 1e-30f);
}
END_TEST

/* backward against central differences of forward, in double-checked
 * float: for elementwise activations dz = d * f'(z); for softmax the full
 * Jacobian-vector product. */
START_TEST(test_derivatives)
{
	int id = _i;
	const struct dnn_act_info *act = act_by_id(id);
	const size_t m = 4;
	const float d_up[4] = {0.3f, -1.2f, 0.7f, 2.0f};
	const double h = 1e-3;

	for (size_t s = 0; s + m <= NZ; s++) {
		float a[4], d[4];

		memcpy(a, zs + s, sizeof a);
		act->forward(a, 1, m);
		memcpy(d, d_up, sizeof d);
		act->backward(a, d, 1, m);
		for (size_t k = 0; k < m; k++) {
			/* dL/dz_k with L = sum_j d_up_j a_j. */
			float zp[4], zm[4];
			double num = 0.0;

			memcpy(zp, zs + s, sizeof zp);
			memcpy(zm, zs + s, sizeof zm);
			zp[k] += (float)h;
			zm[k] -= (float)h;
			act->forward(zp, 1, m);
			act->forward(zm, 1, m);
			for (size_t j = 0; j < m; j++)
				num += (double)d_up[j] * ((double)zp[j] - (double)zm[j]) / (2 * h);
			ck_assert_msg(fabs((double)d[k] - num) < 2e-3 * (1.0 + fabs(num)),
				      "%s at z=%g: backward %g, numeric %g", act->name,
				      (double)zs[s + k], (double)d[k], num);
		}
	}
}
END_TEST

static Suite *act_suite(void)
{
	Suite *s = suite_create("act");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_sigmoid_extremes);
	tcase_add_test(tc, test_softmax_rows);
	tcase_add_loop_test(tc, test_derivatives, 1, DNN_ACT_MAX + 1);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(act_suite)
