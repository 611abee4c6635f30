/* Unit tests for spec.c: good specs and their defaults, round trips through spec_to_json. */
#include <fcntl.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "act.h"
#include "err.h"
#include "loss.h"
#include "spec.h"
#include "specutil.h"
#include "testutil.h"

/* spec_to_json of a, parsed again, gives an equal struct and the same text. */
static void assert_round_trip(const struct dnn_spec *a)
{
	struct dnn_spec b;
	char *ja = spec_to_json(a), *jb;

	ck_assert_ptr_nonnull(ja);
	parse_ok(&b, ja);
	assert_spec_eq(a, &b);
	jb = spec_to_json(&b);
	ck_assert_ptr_nonnull(jb);
	ck_assert_str_eq(ja, jb);
	free(ja);
	free(jb);
	spec_free(&b);
}

/* --- good specs ---------------------------------------------------------- */

START_TEST(test_product_example)
{
	struct dnn_spec s;

	parse_ok(&s, product_json);
	ck_assert_uint_eq(s.n_layers, 2);
	ck_assert_uint_eq(s.layers[0].units, 16);
	ck_assert_int_eq(s.layers[0].activation, DNN_ACT_RELU);
	ck_assert_uint_eq(s.layers[1].units, 3);
	ck_assert_int_eq(s.layers[1].activation, DNN_ACT_SOFTMAX);
	ck_assert_int_eq(s.loss, DNN_LOSS_CROSS_ENTROPY);
	ck_assert_int_eq(s.init, DNN_INIT_HE_NORMAL);
	ck_assert_int_eq(s.optim.kind, DNN_OPT_SGD);
	ck_assert_double_eq(s.optim.learning_rate, 0.1);
	ck_assert_double_eq(s.optim.momentum, 0.9);
	ck_assert_uint_eq(s.epochs, 200);
	ck_assert_uint_eq(s.batch_size, 16);
	ck_assert(s.seed == 1);
	ck_assert_uint_eq(s.data.n_targets, 1);
	assert_ref(&s.data.targets[0], "species", 0);
	ck_assert_uint_eq(s.data.n_ignore, 0);
	ck_assert_int_eq(s.data.normalize, DNN_NORM_STANDARD);
	ck_assert_int_eq(s.data.missing, DNN_MISSING_ERROR);
	ck_assert_double_eq(s.data.validation, 0.2);
	spec_free(&s);
}
END_TEST

START_TEST(test_minimal_defaults)
{
	static const char canonical[] =
		"{\"layers\":[{\"units\":3,\"activation\":\"softmax\"}],\"loss\":\"cross_entropy\","
		"\"init\":\"auto\",\"optimizer\":{\"name\":\"sgd\",\"learning_rate\":0.01,"
		"\"momentum\":0.9},\"epochs\":100,\"batch_size\":32,\"seed\":1,\"data\":{"
		"\"normalize\":\"standard\",\"missing\":\"error\",\"validation\":0}}";
	struct dnn_spec s;
	char *json;

	parse_ok(&s, "{\"layers\":[{\"units\":3,\"activation\":\"softmax\"}]}");
	ck_assert_uint_eq(s.n_layers, 1);
	ck_assert_uint_eq(s.layers[0].units, 3);
	ck_assert_int_eq(s.layers[0].activation, DNN_ACT_SOFTMAX);
	ck_assert_int_eq(s.loss, DNN_LOSS_CROSS_ENTROPY);
	ck_assert_int_eq(s.init, DNN_INIT_AUTO);
	ck_assert_int_eq(s.optim.kind, DNN_OPT_SGD);
	ck_assert_double_eq(s.optim.learning_rate, 0.01);
	ck_assert_double_eq(s.optim.momentum, 0.9);
	ck_assert_uint_eq(s.epochs, 100);
	ck_assert_uint_eq(s.batch_size, 32);
	ck_assert(s.seed == 1);
	ck_assert_int_eq(s.data.normalize, DNN_NORM_STANDARD);
	ck_assert_int_eq(s.data.missing, DNN_MISSING_ERROR);
	ck_assert_double_eq(s.data.validation, 0.0);
	ck_assert_uint_eq(s.data.n_targets, 0);
	ck_assert_ptr_null(s.data.targets);
	ck_assert_uint_eq(s.data.n_ignore, 0);
	ck_assert_ptr_null(s.data.ignore);
	/* The macros in spec.h are the same defaults. */
	ck_assert_double_eq(s.optim.learning_rate, DNN_DEFAULT_LEARNING_RATE);
	ck_assert_double_eq(s.optim.momentum, DNN_DEFAULT_MOMENTUM);
	ck_assert_uint_eq(s.epochs, DNN_DEFAULT_EPOCHS);
	ck_assert_uint_eq(s.batch_size, DNN_DEFAULT_BATCH_SIZE);
	ck_assert(s.seed == DNN_DEFAULT_SEED);
	/* The canonical text writes every key out. */
	json = spec_to_json(&s);
	ck_assert_ptr_nonnull(json);
	ck_assert_str_eq(json, canonical);
	free(json);
	spec_free(&s);
}
END_TEST

/* Hidden layers default to relu, the output layer to what the loss needs,
 * and an output layer without units takes its width from the data (0). */
START_TEST(test_default_activations)
{
	static const struct {
		const char *json;
		int out_act, loss;
	} cases[] = {
		{"{\"layers\":[{\"units\":4},{}]}", DNN_ACT_LINEAR, DNN_LOSS_MSE},
		{"{\"layers\":[{\"units\":4},{}],\"loss\":\"mse\"}", DNN_ACT_LINEAR, DNN_LOSS_MSE},
		{"{\"layers\":[{\"units\":4},{}],\"loss\":\"cross_entropy\"}", DNN_ACT_SOFTMAX,
		 DNN_LOSS_CROSS_ENTROPY},
		{"{\"layers\":[{\"units\":4},{}],\"loss\":\"binary_cross_entropy\"}", DNN_ACT_SIGMOID,
		 DNN_LOSS_BINARY_CROSS_ENTROPY},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct dnn_spec s;

		parse_ok(&s, cases[i].json);
		ck_assert_uint_eq(s.n_layers, 2);
		ck_assert_uint_eq(s.layers[0].units, 4);
		ck_assert_int_eq(s.layers[0].activation, DNN_ACT_RELU);
		ck_assert_uint_eq(s.layers[1].units, 0);
		ck_assert_int_eq(s.layers[1].activation, cases[i].out_act);
		ck_assert_int_eq(s.loss, cases[i].loss);
		spec_free(&s);
	}
}
END_TEST

/* Without a loss, the output activation picks it. */
START_TEST(test_default_loss)
{
	static const struct {
		const char *act;
		int loss;
	} cases[] = {
		{"softmax", DNN_LOSS_CROSS_ENTROPY},
		{"sigmoid", DNN_LOSS_BINARY_CROSS_ENTROPY},
		{"linear", DNN_LOSS_MSE},
		{"tanh", DNN_LOSS_MSE},
		{"relu", DNN_LOSS_MSE},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct dnn_spec s;
		char json[128];

		snprintf(json, sizeof json,
			 "{\"layers\":[{\"units\":5,\"activation\":\"step\"},{\"activation\":\"%s\"}]}",
			 cases[i].act);
		parse_ok(&s, json);
		ck_assert_int_eq(s.layers[0].activation, DNN_ACT_STEP); /* hidden: allowed */
		ck_assert_int_eq(s.layers[1].activation, act_by_name(cases[i].act)->id);
		ck_assert_int_eq(s.loss, cases[i].loss);
		spec_free(&s);
	}
}
END_TEST

START_TEST(test_optimizer_forms)
{
	struct dnn_spec s;

	parse_ok(&s, "{\"layers\":[{}],\"optimizer\":\"sgd\"}");
	ck_assert_int_eq(s.optim.kind, DNN_OPT_SGD);
	ck_assert_double_eq(s.optim.learning_rate, 0.01);
	ck_assert_double_eq(s.optim.momentum, 0.9);
	spec_free(&s);
	parse_ok(&s, "{\"layers\":[{}],\"optimizer\":{}}");
	ck_assert_int_eq(s.optim.kind, DNN_OPT_SGD);
	ck_assert_double_eq(s.optim.learning_rate, 0.01);
	ck_assert_double_eq(s.optim.momentum, 0.9);
	spec_free(&s);
	/* Each key alone keeps the default of the other. */
	parse_ok(&s, "{\"layers\":[{}],\"optimizer\":{\"learning_rate\":0.5}}");
	ck_assert_double_eq(s.optim.learning_rate, 0.5);
	ck_assert_double_eq(s.optim.momentum, 0.9);
	spec_free(&s);
	parse_ok(&s, "{\"layers\":[{}],\"optimizer\":{\"name\":\"sgd\",\"momentum\":0}}");
	ck_assert_double_eq(s.optim.learning_rate, 0.01);
	ck_assert_double_eq(s.optim.momentum, 0.0);
	spec_free(&s);
	parse_ok(&s, "{\"layers\":[{}],\"optimizer\":{\"momentum\":0.999,\"learning_rate\":2e-5}}");
	ck_assert_double_eq(s.optim.learning_rate, 2e-5);
	ck_assert_double_eq(s.optim.momentum, 0.999);
	spec_free(&s);
}
END_TEST

START_TEST(test_init_names)
{
	static const struct {
		const char *name;
		int id;
		const char *canonical;
	} cases[] = {
		{"auto", DNN_INIT_AUTO, "auto"},
		{"glorot", DNN_INIT_GLOROT_UNIFORM, "glorot_uniform"},
		{"glorot_uniform", DNN_INIT_GLOROT_UNIFORM, "glorot_uniform"},
		{"glorot_normal", DNN_INIT_GLOROT_NORMAL, "glorot_normal"},
		{"he", DNN_INIT_HE_NORMAL, "he_normal"},
		{"he_uniform", DNN_INIT_HE_UNIFORM, "he_uniform"},
		{"he_normal", DNN_INIT_HE_NORMAL, "he_normal"},
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct dnn_spec s;
		char json[96];

		snprintf(json, sizeof json, "{\"layers\":[{}],\"init\":\"%s\"}", cases[i].name);
		parse_ok(&s, json);
		ck_assert_int_eq(s.init, cases[i].id);
		ck_assert_str_eq(spec_init_name(s.init), cases[i].canonical);
		spec_free(&s);
	}
	ck_assert_str_eq(spec_init_name(99), "auto");
}
END_TEST

START_TEST(test_targets)
{
	struct dnn_spec s;

	/* A name. */
	parse_ok(&s, "{\"layers\":[{}],\"data\":{\"target\":\"price\"}}");
	ck_assert_uint_eq(s.data.n_targets, 1);
	assert_ref(&s.data.targets[0], "price", 0);
	spec_free(&s);
	/* A 0-based index, kept as a number. */
	parse_ok(&s, "{\"layers\":[{\"activation\":\"softmax\"}],\"data\":{\"target\":4}}");
	ck_assert_uint_eq(s.data.n_targets, 1);
	assert_ref(&s.data.targets[0], NULL, 4);
	spec_free(&s);
	parse_ok(&s, "{\"layers\":[{}],\"data\":{\"target\":0}}");
	assert_ref(&s.data.targets[0], NULL, 0);
	spec_free(&s);
	/* A name made of digits stays a name (data.c decides). */
	parse_ok(&s, "{\"layers\":[{}],\"data\":{\"target\":\"7\"}}");
	assert_ref(&s.data.targets[0], "7", 0);
	spec_free(&s);
	/* Several columns, names and indexes mixed, for mse. */
	parse_ok(&s, "{\"layers\":[{\"units\":8},{}],\"loss\":\"mse\","
		     "\"data\":{\"target\":[\"height\",2,\"weight\"]}}");
	ck_assert_int_eq(s.loss, DNN_LOSS_MSE);
	ck_assert_uint_eq(s.data.n_targets, 3);
	assert_ref(&s.data.targets[0], "height", 0);
	assert_ref(&s.data.targets[1], NULL, 2);
	assert_ref(&s.data.targets[2], "weight", 0);
	spec_free(&s);
	/* An array of one is allowed with any loss. */
	parse_ok(&s, "{\"layers\":[{\"activation\":\"sigmoid\"}],\"data\":{\"target\":[\"y\"]}}");
	ck_assert_uint_eq(s.data.n_targets, 1);
	assert_ref(&s.data.targets[0], "y", 0);
	spec_free(&s);
	/* Ignored columns take the same forms. */
	parse_ok(&s, "{\"layers\":[{}],\"data\":{\"ignore\":\"id\",\"missing\":\"mean\","
		     "\"normalize\":\"none\"}}");
	ck_assert_uint_eq(s.data.n_ignore, 1);
	assert_ref(&s.data.ignore[0], "id", 0);
	ck_assert_int_eq(s.data.missing, DNN_MISSING_MEAN);
	ck_assert_int_eq(s.data.normalize, DNN_NORM_NONE);
	spec_free(&s);
	parse_ok(&s, "{\"layers\":[{}],\"data\":{\"ignore\":[0,\"name\"]}}");
	ck_assert_uint_eq(s.data.n_ignore, 2);
	assert_ref(&s.data.ignore[0], NULL, 0);
	assert_ref(&s.data.ignore[1], "name", 0);
	spec_free(&s);
}
END_TEST

/* The limits themselves are allowed; one past them is not. */
START_TEST(test_limits)
{
	const size_t per = sizeof "{\"units\":1}," - 1;
	char *json = malloc(16 + 1001 * per);
	struct dnn_spec s;
	struct dnn_error e;
	size_t len;

	parse_ok(&s, "{\"layers\":[{\"units\":16777216}],\"epochs\":1000000000,"
		     "\"batch_size\":16777216,\"seed\":9007199254740992,"
		     "\"data\":{\"target\":1000000000,\"validation\":0.999}}");
	ck_assert_uint_eq(s.layers[0].units, 16777216);
	ck_assert_uint_eq(s.epochs, 1000000000UL);
	ck_assert_uint_eq(s.batch_size, 16777216);
	ck_assert(s.seed == UINT64_C(9007199254740992));
	assert_ref(&s.data.targets[0], NULL, 1000000000L);
	ck_assert_double_eq(s.data.validation, 0.999);
	spec_free(&s);
	parse_ok(&s, "{\"layers\":[{\"units\":1}],\"epochs\":1,\"batch_size\":1,\"seed\":0}");
	ck_assert_uint_eq(s.epochs, 1);
	ck_assert_uint_eq(s.batch_size, 1);
	ck_assert(s.seed == 0);
	spec_free(&s);

	/* 1000 layers, then 1001. */
	ck_assert_ptr_nonnull(json);
	for (int n = 1000; n <= 1001; n++) {
		strcpy(json, "{\"layers\":[");
		len = strlen(json);
		for (int i = 0; i < n; i++) {
			memcpy(json + len, "{\"units\":1},", per);
			len += per;
		}
		strcpy(json + len - 1, "]}");
		dnn_error_clear(&e);
		if (n == 1000) {
			parse_ok(&s, json);
			ck_assert_uint_eq(s.n_layers, 1000);
		} else {
			ck_assert_int_eq(parse(&s, json, &e), -1);
			ck_assert_int_eq(e.code, 65);
			ck_assert_str_eq(e.file, SPEC_NAME);
			ck_assert_str_eq(e.msg, "layers: at most 1000 layers, got 1001");
			ck_assert_ptr_null(s.layers);
		}
		spec_free(&s);
	}
	free(json);
}
END_TEST

/* spec_parse reads len bytes, not up to a NUL. */
START_TEST(test_parse_length)
{
	static const char text[] = "{\"layers\":[{}]}{\"ignored\":true}";
	struct dnn_spec s;
	struct dnn_error e;

	dnn_error_clear(&e);
	ck_assert_int_eq(spec_parse(&s, text, strlen("{\"layers\":[{}]}"), SPEC_NAME, &e), 0);
	ck_assert_uint_eq(s.n_layers, 1);
	spec_free(&s);
	ck_assert_int_eq(spec_parse(&s, text, sizeof text - 1, SPEC_NAME, &e), -1);
	ck_assert_str_eq(e.msg, "invalid JSON: text after the end of the spec");
	ck_assert_uint_eq(e.line, 1);
	ck_assert_uint_eq(e.column, 16);
}
END_TEST

/* A UTF-8 byte order mark before the spec is skipped, as jq does. */
START_TEST(test_parse_bom)
{
	static const char text[] = "\xef\xbb\xbf{\"layers\":[{\"units\":3}],\"epochs\":7}";
	struct dnn_spec s;

	parse_ok(&s, text);
	ck_assert_uint_eq(s.layers[0].units, 3);
	ck_assert_uint_eq(s.epochs, 7);
	spec_free(&s);
}
END_TEST

/* A checkpoint's spec may hold names that are not UTF-8 (dnn wrote them as
 * the data had them): spec_parse_stored reads them, spec_parse does not; the
 * rest of the strictness holds for both. */
START_TEST(test_parse_stored)
{
	static const char text[] = "{\"layers\":[{}],\"data\":{\"target\":\"\xe9t\xe9\"}}";
	struct dnn_spec s;
	struct dnn_error e;

	dnn_error_clear(&e);
	ck_assert_int_eq(spec_parse(&s, text, strlen(text), SPEC_NAME, &e), -1);
	ck_assert_str_eq(e.msg, "data.target: invalid UTF-8 in a string (byte 0xe9)");
	ck_assert_int_eq(spec_parse_stored(&s, text, SPEC_NAME, &e), 0);
	ck_assert_str_eq(s.data.targets[0].name, "\xe9t\xe9");
	spec_free(&s);
	ck_assert_int_eq(spec_parse_stored(&s, "{\"layers\":[{}],\"seed\":9007199254740993}",
					   SPEC_NAME, &e),
			 -1);
	ck_assert_int_eq(e.code, 65);
	spec_free(&s);
}
END_TEST

/* --- round trips --------------------------------------------------------- */

static const char *const round_specs[] = {
	product_json,
	"{\"layers\":[{\"units\":3,\"activation\":\"softmax\"}]}",
	"{\"layers\":[{}]}",
	"{\"layers\":[{\"units\":8,\"activation\":\"tanh\"},{\"units\":2}],\"loss\":\"mse\","
	"\"init\":\"he_uniform\",\"optimizer\":{\"learning_rate\":0.0003,\"momentum\":0},"
	"\"epochs\":7,\"batch_size\":5,\"seed\":9007199254740992,\"data\":{\"target\":[\"a\",2],"
	"\"ignore\":\"id\",\"normalize\":\"none\",\"missing\":\"mean\",\"validation\":0.1}}",
	"{\"layers\":[{\"units\":5,\"activation\":\"step\"},{\"activation\":\"sigmoid\"}],"
	"\"init\":\"glorot_normal\",\"optimizer\":{\"learning_rate\":0.30000000000000004,"
	"\"momentum\":0.99},\"data\":{\"target\":4,\"ignore\":[0,\"x\"],\"validation\":0.999}}",
	"{\"layers\":[{\"units\":16777216,\"activation\":\"linear\"},{\"activation\":\"relu\"}],"
	"\"optimizer\":\"sgd\",\"epochs\":1000000000,\"batch_size\":16777216,\"seed\":0,"
	"\"data\":{\"target\":[\"y1\",\"y2\"]}}",
	"{\"layers\":[{\"units\":2,\"activation\":\"sigmoid\"}],\"loss\":\"binary_cross_entropy\","
	"\"init\":\"glorot\",\"optimizer\":{\"learning_rate\":1e-7,\"momentum\":0.1},"
	"\"data\":{\"validation\":0.3333333333333333}}",
};

START_TEST(test_round_trip)
{
	struct dnn_spec a;

	parse_ok(&a, round_specs[_i]);
	assert_round_trip(&a);
	spec_free(&a);
}
END_TEST

/* What the command line changes is written out and read back too. */
START_TEST(test_round_trip_overrides)
{
	struct dnn_spec a;
	struct dnn_error e;

	parse_ok(&a, "{\"layers\":[{\"units\":4},{}],\"data\":{\"target\":1}}");
	ck_assert_int_eq(spec_set_targets(&a, "a,b,3", &e), 0);
	ck_assert_int_eq(spec_set_ignore(&a, "id,0", &e), 0);
	a.optim.learning_rate = 0.1 + 0.2;
	a.data.validation = 1.0 / 7.0;
	a.seed = 12345678901234ULL;
	assert_round_trip(&a);
	spec_free(&a);
}
END_TEST

static Suite *spec_suite(void)
{
	Suite *s = suite_create("spec");
	TCase *good = tcase_create("good");
	TCase *round = tcase_create("round trip");

	tcase_add_test(good, test_product_example);
	tcase_add_test(good, test_minimal_defaults);
	tcase_add_test(good, test_default_activations);
	tcase_add_test(good, test_default_loss);
	tcase_add_test(good, test_optimizer_forms);
	tcase_add_test(good, test_init_names);
	tcase_add_test(good, test_targets);
	tcase_add_test(good, test_limits);
	tcase_add_test(good, test_parse_length);
	tcase_add_test(good, test_parse_bom);
	tcase_add_test(good, test_parse_stored);
	tcase_add_loop_test(round, test_round_trip, 0,
			    (int)(sizeof round_specs / sizeof round_specs[0]));
	tcase_add_test(round, test_round_trip_overrides);
	suite_add_tcase(s, good);
	suite_add_tcase(s, round);
	return s;
}

DNN_CHECK_MAIN(spec_suite)
