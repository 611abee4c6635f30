/* Unit tests for spec_space.c: the search objects of a space found and
 * checked, points drawn (the same for a seed, within their ranges, uniform
 * in log for log_uniform), the grid enumerated, concrete specs written. */
#include <math.h>
#include <string.h>

#include "space.h"
#include "spec.h"
#include "testutil.h"

static const char space_text[] =
    "{\"layers\": [{\"units\": {\"int\": [2, 5]}, \"activation\": \"relu\","
    " \"dropout\": {\"uniform\": [0.1, 0.4]}}, {\"units\": 3, \"activation\": \"softmax\"}],"
    " \"loss\": \"cross_entropy\","
    " \"optimizer\": {\"name\": {\"choice\": [\"sgd\", \"adam\", \"rmsprop\"]},"
    " \"learning_rate\": {\"log_uniform\": [0.0001, 1]}}, \"epochs\": 10}";

static void parse_ok(struct dnn_space *sp, const char *text)
{
	struct dnn_error e;

	dnn_error_clear(&e);
	ck_assert_msg(space_parse(sp, text, strlen(text), "s.json", &e) == 0, "%s", e.msg);
}

/* The parameters in document order, with their paths and bounds. */
START_TEST(test_params)
{
	struct dnn_space sp;

	parse_ok(&sp, space_text);
	ck_assert_uint_eq(sp.n_params, 4);
	ck_assert_str_eq(sp.params[0].path, "layers[0].units");
	ck_assert_int_eq(sp.params[0].kind, DNN_SPACE_INT);
	ck_assert_str_eq(sp.params[1].path, "layers[0].dropout");
	ck_assert_str_eq(sp.params[2].path, "optimizer.name");
	ck_assert_uint_eq(sp.params[2].n_choices, 3);
	ck_assert_str_eq(sp.params[2].choices[1], "\"adam\"");
	ck_assert_str_eq(sp.params[3].path, "optimizer.learning_rate");
	ck_assert(sp.params[3].lo == 0.0001 && sp.params[3].hi == 1.0);
	space_free(&sp);
}
END_TEST

/* A point depends on the seed and its number alone. */
START_TEST(test_sample_deterministic)
{
	struct dnn_space sp;
	double a[4], b[4], c[4];
	int differ = 0;

	parse_ok(&sp, space_text);
	for (size_t t = 0; t < 50; t++) {
		space_sample(&sp, 7, t, a);
		space_sample(&sp, 7, 49 - t, c); /* another order between */
		space_sample(&sp, 7, t, b);
		ck_assert(memcmp(a, b, sizeof a) == 0);
		space_sample(&sp, 8, t, c);
		differ += memcmp(a, c, sizeof a) != 0;
	}
	ck_assert_int_gt(differ, 45);
	space_free(&sp);
}
END_TEST

/* Every value within its range: ints whole and every one drawn, choices
 * every one drawn, continuous values within the bounds. */
START_TEST(test_sample_ranges)
{
	struct dnn_space sp;
	size_t seen_int[4] = {0}, seen_choice[3] = {0};
	double v[4];

	parse_ok(&sp, space_text);
	for (size_t t = 0; t < 3000; t++) {
		space_sample(&sp, 1, t, v);
		ck_assert(v[0] >= 2.0 && v[0] <= 5.0 && v[0] == floor(v[0]));
		seen_int[(size_t)v[0] - 2]++;
		ck_assert(v[1] >= 0.1 && v[1] <= 0.4);
		ck_assert(v[2] >= 0.0 && v[2] < 3.0 && v[2] == floor(v[2]));
		seen_choice[(size_t)v[2]]++;
		ck_assert(v[3] >= 0.0001 && v[3] <= 1.0);
	}
	for (size_t i = 0; i < 4; i++)
		ck_assert_uint_gt(seen_int[i], 600); /* 750 expected */
	for (size_t i = 0; i < 3; i++)
		ck_assert_uint_gt(seen_choice[i], 850); /* 1000 expected */
	space_free(&sp);
}
END_TEST

/* log_uniform over [1e-4, 1]: each of the four decades holds a quarter of
 * the draws (CDF of log10 x uniform on [-4, 0]); uniform holds a quarter
 * in each quarter of its range. Bounds: 5 sd of a binomial at n = 20000. */
START_TEST(test_log_uniform_distribution)
{
	struct dnn_space sp;
	const size_t n = 20000;
	size_t decade[4] = {0}, quarter[4] = {0};
	double v[4], sd = sqrt((double)n * 0.25 * 0.75);

	parse_ok(&sp, space_text);
	for (size_t t = 0; t < n; t++) {
		int d;

		space_sample(&sp, 3, t, v);
		d = (int)floor(log10(v[3])) + 4;
		decade[d > 3 ? 3 : d]++;
		d = (int)floor((v[1] - 0.1) / 0.075);
		quarter[d > 3 ? 3 : d]++;
	}
	for (size_t i = 0; i < 4; i++) {
		ck_assert_msg(fabs((double)decade[i] - (double)n / 4.0) < 5.0 * sd + 30.0,
			      "decade %zu: %zu of %zu", i, decade[i], n);
		ck_assert_msg(fabs((double)quarter[i] - (double)n / 4.0) < 5.0 * sd + 30.0,
			      "quarter %zu: %zu of %zu", i, quarter[i], n);
	}
	space_free(&sp);
}
END_TEST

/* The grid: the product of the widths, every point once, the last key
 * fastest; a uniform range refused, an oversized grid refused. */
START_TEST(test_grid)
{
	static const char text[] =
	    "{\"layers\": [{\"units\": {\"int\": [1, 4]}}, {\"units\": {\"choice\": [2, 3]},"
	    " \"activation\": \"softmax\"}], \"batch_size\": {\"choice\": [8, 16, 32]}}";
	struct dnn_space sp;
	struct dnn_error e;
	size_t n = 0, seen[4][2][3] = {{{0}}};
	double v[3];

	parse_ok(&sp, text);
	ck_assert_int_eq(space_grid_size(&sp, 1000, &n, &e), 0);
	ck_assert_uint_eq(n, 4 * 2 * 3);
	for (size_t i = 0; i < n; i++) {
		space_grid_point(&sp, i, v);
		seen[(size_t)v[0] - 1][(size_t)v[1]][(size_t)v[2]]++;
	}
	space_grid_point(&sp, 1, v);
	ck_assert(v[0] == 1.0 && v[1] == 0.0 && v[2] == 1.0);
	for (size_t a = 0; a < 4; a++)
		for (size_t b = 0; b < 2; b++)
			for (size_t c = 0; c < 3; c++)
				ck_assert_uint_eq(seen[a][b][c], 1);
	ck_assert_int_eq(space_grid_size(&sp, 23, &n, &e), -1);
	ck_assert_int_eq(e.code, DNN_EX_USAGE);
	space_free(&sp);
	parse_ok(&sp, space_text);
	ck_assert_int_eq(space_grid_size(&sp, 1000, &n, &e), -1);
	ck_assert_int_eq(e.code, DNN_EX_USAGE);
	ck_assert(strstr(e.msg, "layers[0].dropout is a uniform range"));
	space_free(&sp);
}
END_TEST

/* The concrete spec: a spec dnn reads, with the point's values and the
 * epochs given. */
START_TEST(test_spec_json)
{
	struct dnn_space sp;
	struct dnn_spec s;
	struct dnn_error e;
	double v[4] = {3.0, 0.25, 1.0, 0.003};
	char *text;

	parse_ok(&sp, space_text);
	text = space_spec_json(&sp, v, 7, 0);
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(spec_parse(&s, text, strlen(text), "t", &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(s.layers[0].units, 3);
	ck_assert(s.layers[0].dropout == 0.25);
	ck_assert_int_eq(s.optim.kind, DNN_OPT_ADAM);
	ck_assert(s.optim.learning_rate == 0.003);
	ck_assert_uint_eq(s.epochs, 7);
	spec_free(&s);
	free(text);
	text = space_spec_json(&sp, v, 0, 1);
	ck_assert_msg(spec_parse(&s, text, strlen(text), "t", &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(s.epochs, 10);
	spec_free(&s);
	free(text);
	text = space_value_json(&sp, 2, 2.0);
	ck_assert_str_eq(text, "\"rmsprop\"");
	free(text);
	space_free(&sp);
}
END_TEST

/* Each bad space: code 65 and the key in the message. */
START_TEST(test_errors)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
	    {"{\"epochs\": 5}", "the space has no search object"},
	    {"{\"epochs\": {\"choise\": [1, 2]}}", "epochs.choise: unknown search key; did you "
						   "mean 'choice'?"},
	    {"{\"epochs\": {\"choice\": [1], \"lg\": 1}}", "epochs.lg: unknown key in a search"},
	    {"{\"epochs\": {\"choice\": [1], \"int\": [1, 2]}}", "not two"},
	    {"{\"epochs\": {\"choice\": []}}", "epochs.choice: the choice is empty"},
	    {"{\"epochs\": {\"int\": [3, 2]}}", "epochs.int: expected [a, b] with a <= b"},
	    {"{\"epochs\": {\"int\": [1, 2.5]}}", "needs whole numbers"},
	    {"{\"epochs\": {\"uniform\": [1]}}", "epochs.uniform: expected [a, b], two numbers"},
	    {"{\"x\": {\"log_uniform\": [-1, 2]}}",
	     "x.log_uniform: a log_uniform range needs a > 0"},
	    {"{\"x\": {\"choice\": [{\"int\": [1, 2]}]}}", "inside another"},
	    {"{\"x\": 1,}", "s.json"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct dnn_space sp;
		struct dnn_error e;

		dnn_error_clear(&e);
		ck_assert_int_eq(
		    space_parse(&sp, cases[i].text, strlen(cases[i].text), "s.json", &e), -1);
		ck_assert_int_eq(e.code, DNN_EX_DATA);
		ck_assert_msg(strstr(e.msg, cases[i].msg) || strstr(e.file, cases[i].msg),
			      "case %zu: %s", i, e.msg);
		ck_assert_uint_eq(sp.n_params, 0);
		space_free(&sp);
	}
}
END_TEST

/* A log record read back: numbers and strings by key. */
START_TEST(test_record)
{
	static const char line[] = "{\"trial\":3,\"space\":\"ab\",\"score\":null}";
	struct dnn_space_record *r = space_record_parse(line, strlen(line));
	char buf[8];
	double x;

	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(space_record_number(r, "trial", &x), 0);
	ck_assert(x == 3.0);
	ck_assert_int_eq(space_record_number(r, "score", &x), -1);
	ck_assert_int_eq(space_record_string(r, "space", buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "ab");
	ck_assert_int_eq(space_record_string(r, "trial", buf, sizeof buf), -1);
	space_record_free(r);
	ck_assert_ptr_null(space_record_parse("[1]", 3));
	ck_assert_ptr_null(space_record_parse("{\"a\":", 5));
}
END_TEST

static Suite *space_suite(void)
{
	Suite *s = suite_create("space");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_params);
	tcase_add_test(tc, test_sample_deterministic);
	tcase_add_test(tc, test_sample_ranges);
	tcase_add_test(tc, test_log_uniform_distribution);
	tcase_add_test(tc, test_grid);
	tcase_add_test(tc, test_spec_json);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_record);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(space_suite)
