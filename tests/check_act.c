#include <math.h>
#include <string.h>

#include "act.h"
#include "mat.h"
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
	for (int id = 1; id <= DNN_ACT_MAX; id++) {
		const struct dnn_act_info *a = act_by_id(id);
		int rowwise = (a->flags & ACT_ROWWISE) != 0;

		ck_assert(a->forward != NULL);
		ck_assert(a->backward != NULL);
		/* The double hooks hvp.c needs: elementwise or row-wise. */
		ck_assert_int_eq(a->f != NULL, !rowwise);
		ck_assert_int_eq(a->df != NULL, !rowwise);
		ck_assert_int_eq(a->f_rows != NULL, rowwise);
		ck_assert_int_ne(a->init, DNN_INIT_AUTO);
		/* Neither hidden nor output: a row no layer could use. */
		ck_assert(!((a->flags & ACT_OUTPUT_ONLY) && (a->flags & ACT_ZERO_GRAD)));
	}
	/* The facts the rest of the program used to write by id. */
	ck_assert_int_eq(act_by_id(DNN_ACT_RELU)->init, DNN_INIT_HE_NORMAL);
	ck_assert_int_eq(act_by_id(DNN_ACT_TANH)->init, DNN_INIT_GLOROT_UNIFORM);
	ck_assert_int_eq(act_by_id(DNN_ACT_RELU)->gemm_forward, MAT_ACT_RELU);
	ck_assert_int_eq(act_by_id(DNN_ACT_RELU)->gemm_backward, MAT_ACT_RELU_GRAD);
	ck_assert_uint_eq(act_by_id(DNN_ACT_SOFTMAX)->flags, ACT_ROWWISE | ACT_OUTPUT_ONLY);
	ck_assert_uint_eq(act_by_id(DNN_ACT_STEP)->flags, ACT_ZERO_GRAD | ACT_KINK);
	ck_assert_uint_eq(act_by_id(DNN_ACT_RELU)->flags, ACT_KINK);
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

/* In double: f against the float forward, f' against central differences
 * of f and f'' against those of f' (elementwise rows); R{a} = J R{z}
 * against differences of f along R{z} (row-wise rows). A row whose f' is
 * zero (ACT_ZERO_GRAD) passes nothing back; a kink (ACT_KINK) makes f' jump
 * at 0. */
START_TEST(test_double)
{
	const struct dnn_act_info *act = act_by_id(_i);
	const double h = 1e-5;
	double z[NZ], a[NZ], d1[NZ], d2[NZ];
	float af[NZ];

	for (size_t k = 0; k < NZ; k++)
		z[k] = (double)zs[k], af[k] = zs[k];
	act->forward(af, 1, NZ);
	if (act->flags & ACT_ROWWISE) {
		double rz[NZ], ra[NZ], zp[NZ], zm[NZ], ap[NZ], am[NZ];

		for (size_t k = 0; k < NZ; k++)
			rz[k] = 0.1 * (double)k - 0.3;
		act->f_rows(z, a, rz, ra, 1, NZ);
		for (size_t k = 0; k < NZ; k++)
			zp[k] = z[k] + h * rz[k], zm[k] = z[k] - h * rz[k];
		act->f_rows(zp, ap, NULL, NULL, 1, NZ);
		act->f_rows(zm, am, NULL, NULL, 1, NZ);
		for (size_t k = 0; k < NZ; k++) {
			ck_assert_double_eq_tol(a[k], (double)af[k], 1e-6);
			ck_assert_double_eq_tol(ra[k], (ap[k] - am[k]) / (2 * h), 1e-8);
		}
		return;
	}
	act->f(z, a, NZ);
	act->df(z, a, d1, d2, NZ);
	for (size_t k = 0; k < NZ; k++) {
		double zz[4] = {z[k] - h, z[k] + h}, aa[4], e1[4], e2[4];

		act->f(zz, aa, 2);
		act->df(zz, aa, e1, e2, 2);
		ck_assert_double_eq_tol(a[k], (double)af[k], 1e-6 * (1.0 + fabs(a[k])));
		ck_assert_msg(fabs(d1[k] - (aa[1] - aa[0]) / (2 * h)) < 1e-7,
			      "%s at z=%g: f' %g, numeric %g", act->name, z[k], d1[k],
			      (aa[1] - aa[0]) / (2 * h));
		ck_assert_msg(fabs(d2[k] - (e1[1] - e1[0]) / (2 * h)) < 1e-7,
			      "%s at z=%g: f'' %g, numeric %g", act->name, z[k], d2[k],
			      (e1[1] - e1[0]) / (2 * h));
		if (act->flags & ACT_ZERO_GRAD)
			ck_assert_double_eq(d1[k], 0.0);
	}
	if (act->flags & ACT_KINK) {
		double zz[2] = {-1e-9, 1e-9}, aa[2], e1[2], e2[2];

		act->f(zz, aa, 2);
		act->df(zz, aa, e1, e2, 2);
		ck_assert(e1[0] != e1[1] || aa[1] - aa[0] > 1e-3);
	}
}
END_TEST

/* A row's gemm epilogues give the bits of the product followed by its
 * forward (bias added first) or, for the backward product, its backward
 * through the outputs. */
START_TEST(test_gemm_epilogue)
{
	const struct dnn_act_info *act = act_by_id(_i);
	enum { M = 5, N = 7, K = 6 };
	float A[M * K], B[N * K], bias[N], c1[M * N], c2[M * N], out[M * N];

	for (size_t i = 0; i < M * K; i++)
		A[i] = zs[i % NZ] * (float)(1 + i % 3);
	for (size_t i = 0; i < N * K; i++)
		B[i] = zs[(i * 5) % NZ] * 0.25f;
	for (size_t j = 0; j < N; j++)
		bias[j] = zs[j] * 0.5f;
	struct mat_epilogue fwd = {.bias = bias, .act = act->gemm_forward};

	mat_gemm_ex(MAT_NOTRANS, MAT_TRANS, M, N, K, 1.0f, A, K, B, K, 0.0f, c1, N, &fwd);
	mat_gemm(MAT_NOTRANS, MAT_TRANS, M, N, K, 1.0f, A, K, B, K, 0.0f, c2, N);
	for (size_t i = 0; i < M * N; i++)
		c2[i] += bias[i % N];
	act->forward(c2, M, N);
	if (act->gemm_forward != MAT_ACT_NONE)
		ck_assert_mem_eq(c1, c2, sizeof c1);
	memcpy(out, c2, sizeof out);
	struct mat_epilogue bwd = {.act = act->gemm_backward, .mask = out, .ldm = N};

	/* Another product (alpha -1), so that its signs are not the mask's. */
	mat_gemm_ex(MAT_NOTRANS, MAT_TRANS, M, N, K, -1.0f, A, K, B, K, 0.0f, c1, N, &bwd);
	mat_gemm(MAT_NOTRANS, MAT_TRANS, M, N, K, -1.0f, A, K, B, K, 0.0f, c2, N);
	act->backward(out, c2, M, N);
	if (act->gemm_backward != MAT_ACT_NONE)
		ck_assert_mem_eq(c1, c2, sizeof c1);
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
	/* Every row of the table. */
	tcase_add_loop_test(tc, test_derivatives, 1, DNN_ACT_MAX + 1);
	tcase_add_loop_test(tc, test_double, 1, DNN_ACT_MAX + 1);
	tcase_add_loop_test(tc, test_gemm_epilogue, 1, DNN_ACT_MAX + 1);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(act_suite)
