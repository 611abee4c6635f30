#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "act.h"
#include "loss.h"
#include "spec.h"
#include "testutil.h"

static int parse(struct dnn_spec *s, const char *json, struct dnn_error *e)
{
	dnn_error_clear(e);
	return spec_parse(s, json, strlen(json), "s.json", e);
}

START_TEST(test_product_example)
{
	const char *json = "{\n"
			   "  \"layers\": [\n"
			   "    {\"units\": 16, \"activation\": \"relu\"},\n"
			   "    {\"units\": 3,  \"activation\": \"softmax\"}\n"
			   "  ],\n"
			   "  \"loss\": \"cross_entropy\",\n"
			   "  \"init\": \"he\",\n"
			   "  \"optimizer\": {\"name\": \"sgd\", \"learning_rate\": 0.1, "
			   "\"momentum\": 0.9},\n"
			   "  \"epochs\": 200,\n"
			   "  \"batch_size\": 16,\n"
			   "  \"seed\": 1,\n"
			   "  \"data\": {\"target\": \"species\", \"normalize\": \"standard\", "
			   "\"validation\": 0.2}\n"
			   "}\n";
	struct dnn_spec s;
	struct dnn_error e;

	ck_assert_int_eq(parse(&s, json, &e), 0);
	ck_assert_uint_eq(s.n_layers, 2);
	ck_assert_uint_eq(s.layers[0].units, 16);
	ck_assert_int_eq(s.layers[0].activation, DNN_ACT_RELU);
	ck_assert_int_eq(s.layers[1].activation, DNN_ACT_SOFTMAX);
	ck_assert_int_eq(s.loss, DNN_LOSS_CROSS_ENTROPY);
	ck_assert_int_eq(s.init, DNN_INIT_HE_NORMAL);
	ck_assert_double_eq(s.optim.learning_rate, 0.1);
	ck_assert_double_eq(s.optim.momentum, 0.9);
	ck_assert_uint_eq(s.epochs, 200);
	ck_assert_uint_eq(s.batch_size, 16);
	ck_assert_uint_eq(s.seed, 1);
	ck_assert_uint_eq(s.data.n_targets, 1);
	ck_assert_str_eq(s.data.targets[0].name, "species");
	ck_assert_int_eq(s.data.normalize, DNN_NORM_STANDARD);
	ck_assert_double_eq(s.data.validation, 0.2);
	spec_free(&s);
	spec_free(&s);
}
END_TEST

START_TEST(test_defaults)
{
	struct dnn_spec s;
	struct dnn_error e;

	ck_assert_int_eq(parse(&s, "{\"layers\":[{\"units\":4},{}]}", &e), 0);
	ck_assert_int_eq(s.layers[0].activation, DNN_ACT_RELU);
	ck_assert_uint_eq(s.layers[1].units, 0); /* from the data */
	ck_assert_int_eq(s.layers[1].activation, DNN_ACT_LINEAR);
	ck_assert_int_eq(s.loss, DNN_LOSS_MSE);
	ck_assert_int_eq(s.init, DNN_INIT_AUTO);
	ck_assert_int_eq(s.optim.kind, DNN_OPT_SGD);
	ck_assert_double_eq(s.optim.learning_rate, DNN_DEFAULT_LEARNING_RATE);
	ck_assert_double_eq(s.optim.momentum, DNN_DEFAULT_MOMENTUM);
	ck_assert_uint_eq(s.epochs, DNN_DEFAULT_EPOCHS);
	ck_assert_uint_eq(s.batch_size, DNN_DEFAULT_BATCH_SIZE);
	ck_assert_uint_eq(s.seed, DNN_DEFAULT_SEED);
	ck_assert_uint_eq(s.data.n_targets, 0);
	ck_assert_int_eq(s.data.missing, DNN_MISSING_ERROR);
	spec_free(&s);
	/* The output activation follows the loss, and the loss the output. */
	ck_assert_int_eq(parse(&s, "{\"layers\":[{}],\"loss\":\"binary_cross_entropy\"}", &e), 0);
	ck_assert_int_eq(s.layers[0].activation, DNN_ACT_SIGMOID);
	spec_free(&s);
	ck_assert_int_eq(parse(&s, "{\"layers\":[{\"activation\":\"softmax\"}],\"optimizer\":"
				   "\"sgd\",\"init\":\"glorot\"}",
			       &e),
			 0);
	ck_assert_int_eq(s.loss, DNN_LOSS_CROSS_ENTROPY);
	ck_assert_int_eq(s.init, DNN_INIT_GLOROT_UNIFORM);
	spec_free(&s);
}
END_TEST

START_TEST(test_round_trip)
{
	static const char *const specs[] = {
		"{\"layers\":[{\"units\":3,\"activation\":\"softmax\"}]}",
		"{\"layers\":[{\"units\":8,\"activation\":\"tanh\"},{\"units\":2}],\"loss\":\"mse\","
		"\"init\":\"he_uniform\",\"optimizer\":{\"learning_rate\":0.0003,\"momentum\":0},"
		"\"epochs\":7,\"batch_size\":5,\"seed\":9007199254740992,\"data\":{\"target\":[\"a\","
		"2],\"ignore\":\"id\",\"normalize\":\"none\",\"missing\":\"mean\",\"validation\":0.1"
		"}}",
		"{\"layers\":[{\"units\":5,\"activation\":\"step\"},{\"activation\":\"sigmoid\"}],"
		"\"data\":{\"target\":4}}",
	};

	for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
		struct dnn_spec a, b;
		struct dnn_error e;
		char *ja, *jb;

		ck_assert_int_eq(parse(&a, specs[i], &e), 0);
		ja = spec_to_json(&a);
		ck_assert_ptr_nonnull(ja);
		ck_assert_msg(parse(&b, ja, &e) == 0, "%s: %s", ja, e.msg);
		jb = spec_to_json(&b);
		ck_assert_str_eq(ja, jb);
		ck_assert_uint_eq(a.n_layers, b.n_layers);
		for (size_t l = 0; l < a.n_layers; l++) {
			ck_assert_uint_eq(a.layers[l].units, b.layers[l].units);
			ck_assert_int_eq(a.layers[l].activation, b.layers[l].activation);
		}
		ck_assert_int_eq(a.loss, b.loss);
		ck_assert_int_eq(a.init, b.init);
		ck_assert(a.optim.learning_rate == b.optim.learning_rate);
		ck_assert(a.optim.momentum == b.optim.momentum);
		ck_assert(a.epochs == b.epochs && a.batch_size == b.batch_size && a.seed == b.seed);
		ck_assert_uint_eq(a.data.n_targets, b.data.n_targets);
		ck_assert_uint_eq(a.data.n_ignore, b.data.n_ignore);
		ck_assert(a.data.normalize == b.data.normalize && a.data.missing == b.data.missing);
		ck_assert(a.data.validation == b.data.validation);
		free(ja);
		free(jb);
		spec_free(&a);
		spec_free(&b);
	}
}
END_TEST

/* Each bad spec, the exact message and, for syntax errors, the position. */
static const struct {
	const char *json;
	unsigned long line, column;
	const char *msg;
} bad[] = {
	{"", 0, 0, "file is empty"},
	{"{\n  \"layers\": [\n    {\"units\": 2}\n    {\"units\": 3}\n  ]\n}", 4, 5,
	 "invalid JSON near '{\"units\": '"},
	{"{\"layers\": [", 1, 12, "invalid JSON near '['"},
	{"{\"layers\": [{}\n", 1, 15, "invalid JSON: the text ends before every bracket is closed"},
	{"{\"layers\":[{}]} x", 1, 17, "invalid JSON: text after the end of the spec"},
	{"[]", 0, 0, "(top level): expected an object, got an array"},
	{"{}", 0, 0, "layers: missing: the spec must list the layers"},
	{"{\"layers\":[{}],\"optimiser\":\"sgd\"}", 0, 0,
	 "optimiser: unknown key; did you mean 'optimizer'?"},
	{"{\"layers\":[{}],\"colour\":1}", 0, 0, "colour: unknown key"},
	{"{\"layers\":[{}],\"epochs\":1,\"epochs\":2}", 0, 0, "epochs: given twice"},
	{"{\"layers\":{}}", 0, 0, "layers: expected an array of layers, got an object"},
	{"{\"layers\":[]}", 0, 0, "layers: needs at least one layer"},
	{"{\"layers\":[3]}", 0, 0,
	 "layers[0]: expected an object like {\"units\": 16, \"activation\": \"relu\"}, got a "
	 "number"},
	{"{\"layers\":[{},{}]}", 0, 0,
	 "layers[0].units: missing (only the output layer may leave it out)"},
	{"{\"layers\":[{\"units\":0}]}", 0, 0,
	 "layers[0].units: expected a whole number from 1 to 16777216, got 0"},
	{"{\"layers\":[{\"units\":2.5}]}", 0, 0, "layers[0].units: expected a whole number, got 2.5"},
	{"{\"layers\":[{\"units\":\"8\"}]}", 0, 0,
	 "layers[0].units: expected a whole number, got a string"},
	{"{\"layers\":[{\"units\":4,\"activation\":\"relux\"},{}]}", 0, 0,
	 "layers[0].activation: unknown activation 'relux'; did you mean 'relu'?"},
	{"{\"layers\":[{\"activation\":\"banana\"}]}", 0, 0,
	 "layers[0].activation: unknown activation 'banana' (expected one of: linear, step, "
	 "sigmoid, tanh, relu, softmax)"},
	{"{\"layers\":[{\"units\":4,\"activation\":\"softmax\"},{}]}", 0, 0,
	 "layers[0].activation: softmax is only allowed in the output layer"},
	{"{\"layers\":[{\"activation\":\"step\"}]}", 0, 0,
	 "layers[0].activation: step cannot be the output activation: its derivative is zero "
	 "everywhere, so the output layer could not learn; use sigmoid"},
	{"{\"layers\":[{\"activation\":\"softmax\"}],\"loss\":\"mse\"}", 0, 0,
	 "loss: softmax outputs need loss 'cross_entropy', not 'mse'"},
	{"{\"layers\":[{\"activation\":\"linear\"}],\"loss\":\"cross_entropy\"}", 0, 0,
	 "loss: 'cross_entropy' needs a softmax output layer, not linear"},
	{"{\"layers\":[{\"activation\":\"tanh\"}],\"loss\":\"binary_cross_entropy\"}", 0, 0,
	 "loss: 'binary_cross_entropy' needs a sigmoid output layer, not tanh"},
	{"{\"layers\":[{}],\"loss\":\"mae\"}", 0, 0,
	 "loss: unknown loss 'mae'; did you mean 'mse'?"},
	{"{\"layers\":[{}],\"init\":\"xavier\"}", 0, 0,
	 "init: unknown init 'xavier' (expected one of: auto, glorot, glorot_uniform, "
	 "glorot_normal, he, he_uniform, he_normal)"},
	{"{\"layers\":[{}],\"optimizer\":3}", 0, 0,
	 "optimizer: expected a name or an object, got a number"},
	{"{\"layers\":[{}],\"optimizer\":{\"name\":\"adam\"}}", 0, 0,
	 "optimizer.name: unknown optimizer 'adam' (expected one of: sgd)"},
	{"{\"layers\":[{}],\"optimizer\":{\"learning_rate\":0}}", 0, 0,
	 "optimizer.learning_rate: must be above 0, got 0"},
	{"{\"layers\":[{}],\"optimizer\":{\"learning_rate\":\"fast\"}}", 0, 0,
	 "optimizer.learning_rate: expected a number, got a string"},
	{"{\"layers\":[{}],\"optimizer\":{\"momentum\":1}}", 0, 0,
	 "optimizer.momentum: must be from 0 to below 1, got 1"},
	{"{\"layers\":[{}],\"epochs\":0}", 0, 0,
	 "epochs: expected a whole number from 1 to 1000000000, got 0"},
	{"{\"layers\":[{}],\"batch_size\":16777217}", 0, 0,
	 "batch_size: expected a whole number from 1 to 16777216, got 16777217"},
	{"{\"layers\":[{}],\"seed\":-1}", 0, 0,
	 "seed: expected a whole number from 0 to 9007199254740992, got -1"},
	{"{\"layers\":[{}],\"data\":[]}", 0, 0, "data: expected an object, got an array"},
	{"{\"layers\":[{}],\"data\":{\"targte\":\"y\"}}", 0, 0,
	 "data.targte: unknown key; did you mean 'target'?"},
	{"{\"layers\":[{}],\"data\":{\"target\":\"\"}}", 0, 0, "data.target: empty column name"},
	{"{\"layers\":[{}],\"data\":{\"target\":-1}}", 0, 0,
	 "data.target: expected a whole number from 0 to 1000000000, got -1"},
	{"{\"layers\":[{}],\"data\":{\"target\":[]}}", 0, 0,
	 "data.target: expected at least one column"},
	{"{\"layers\":[{\"activation\":\"softmax\"}],\"data\":{\"target\":[\"a\",\"b\"]}}", 0, 0,
	 "data.target: several target columns need loss 'mse'; cross_entropy takes one column "
	 "of class labels"},
	{"{\"layers\":[{}],\"data\":{\"normalize\":\"minmax\"}}", 0, 0,
	 "data.normalize: unknown normalization 'minmax' (expected one of: none, standard)"},
	{"{\"layers\":[{}],\"data\":{\"missing\":\"zero\"}}", 0, 0,
	 "data.missing: unknown missing-value rule 'zero' (expected one of: error, mean)"},
	{"{\"layers\":[{}],\"data\":{\"validation\":1}}", 0, 0,
	 "data.validation: must be from 0 to below 1, got 1"},
};

START_TEST(test_bad)
{
	struct dnn_spec s;
	struct dnn_error e;

	ck_assert_int_eq(parse(&s, bad[_i].json, &e), -1);
	ck_assert_int_eq(e.code, DNN_EX_DATA);
	ck_assert_str_eq(e.file, "s.json");
	ck_assert_str_eq(e.msg, bad[_i].msg);
	ck_assert_uint_eq(e.line, bad[_i].line);
	ck_assert_uint_eq(e.column, bad[_i].column);
	/* A failed parse leaves nothing behind. */
	ck_assert_ptr_null(s.layers);
	ck_assert_uint_eq(s.n_layers, 0);
	spec_free(&s);
}
END_TEST

START_TEST(test_load)
{
	char path[] = "/tmp/check_spec.XXXXXX";
	int fd = mkstemp(path), saved;
	const char *json = "{\"layers\":[{\"units\":2,\"activation\":\"softmax\"}]}";
	struct dnn_spec s;
	struct dnn_error e;

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, json, strlen(json)), (int)strlen(json));
	close(fd);
	ck_assert_int_eq(spec_load(&s, path, &e), 0);
	ck_assert_uint_eq(s.layers[0].units, 2);
	spec_free(&s);

	/* Standard input, named <stdin> in messages. */
	saved = dup(0);
	ck_assert_ptr_nonnull(freopen(path, "r", stdin));
	ck_assert_int_eq(spec_load(&s, "-", &e), 0);
	spec_free(&s);
	dup2(saved, 0);
	close(saved);
	clearerr(stdin);
	unlink(path);

	dnn_error_clear(&e);
	ck_assert_int_eq(spec_load(&s, "/nonexistent/spec.json", &e), -1);
	ck_assert_int_eq(e.code, DNN_EX_NOINPUT);
	ck_assert_str_eq(e.msg, "cannot open '/nonexistent/spec.json': No such file or directory");
}
END_TEST

START_TEST(test_set_columns)
{
	struct dnn_spec s;
	struct dnn_error e;

	ck_assert_int_eq(parse(&s, "{\"layers\":[{}],\"data\":{\"target\":\"y\"}}", &e), 0);
	ck_assert_int_eq(spec_set_targets(&s, "a,b,3", &e), 0);
	ck_assert_uint_eq(s.data.n_targets, 3);
	ck_assert_str_eq(s.data.targets[2].name, "3"); /* data.c resolves digits */
	ck_assert_int_eq(spec_set_targets(&s, "a,,b", &e), -1);
	ck_assert_int_eq(e.code, DNN_EX_USAGE);
	ck_assert_str_eq(e.msg, "--target: empty column name");
	ck_assert_uint_eq(s.data.n_targets, 3); /* unchanged */
	ck_assert_int_eq(spec_set_ignore(&s, "id", &e), 0);
	ck_assert_str_eq(s.data.ignore[0].name, "id");
	spec_free(&s);
}
END_TEST

/* Numbers read and written with a point whatever the numeric locale. */
START_TEST(test_locale)
{
	static const char *const locales[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8"};
	struct dnn_spec s;
	struct dnn_error e;
	char *json;

	for (size_t i = 0; i < 3; i++)
		if (setlocale(LC_NUMERIC, locales[i]))
			break;
	ck_assert_int_eq(parse(&s, "{\"layers\":[{}],\"optimizer\":{\"learning_rate\":0.25}}",
			       &e),
			 0);
	ck_assert_double_eq(s.optim.learning_rate, 0.25);
	json = spec_to_json(&s);
	ck_assert_ptr_nonnull(strstr(json, "\"learning_rate\":0.25"));
	free(json);
	spec_free(&s);
	setlocale(LC_NUMERIC, "C");
}
END_TEST

static Suite *spec_suite(void)
{
	Suite *s = suite_create("spec");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_product_example);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_round_trip);
	tcase_add_loop_test(tc, test_bad, 0, sizeof bad / sizeof bad[0]);
	tcase_add_test(tc, test_load);
	tcase_add_test(tc, test_set_columns);
	tcase_add_test(tc, test_locale);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(spec_suite)
