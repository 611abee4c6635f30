/* Unit tests for spec.c: bad specs refused, spec_load, --target and --ignore, the locale. */
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

/* A temporary file holding len bytes of data; its name goes into path. */
static void make_temp(char *path, const char *data, size_t len)
{
	int fd;

	strcpy(path, "/tmp/check_spec.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ne(fd, -1);
	ck_assert(write(fd, data, len) == (ssize_t)len);
	ck_assert_int_eq(close(fd), 0);
}

/* spec_load(s, "-") with standard input read from a file holding text. */
static int load_stdin(struct dnn_spec *s, const char *text, struct dnn_error *e)
{
	char path[32];
	int fd, saved, rc;

	make_temp(path, text, strlen(text));
	fd = open(path, O_RDONLY);
	ck_assert_int_ne(fd, -1);
	unlink(path);
	saved = dup(0);
	ck_assert_int_ne(saved, -1);
	ck_assert_int_eq(dup2(fd, 0), 0);
	close(fd);
	clearerr(stdin);
	dnn_error_clear(e);
	rc = spec_load(s, "-", e);
	ck_assert_int_eq(dup2(saved, 0), 0);
	close(saved);
	clearerr(stdin);
	return rc;
}

/* --- bad specs ----------------------------------------------------------- */

/* Each bad spec, its exact message and, for JSON syntax, its position. */
static const struct {
	const char *json;
	unsigned long line, column;
	const char *msg;
} bad[] = {
	/* Syntax. */
	{"", 0, 0, "file is empty"},
	{" \n\t\r\n ", 0, 0, "file is empty"},
	/* PRODUCT.md's spec without the comma between the two layers. */
	{"{\n"
	 "  \"layers\": [\n"
	 "    {\"units\": 16, \"activation\": \"relu\"}\n"
	 "    {\"units\": 3,  \"activation\": \"softmax\"}\n"
	 "  ],\n"
	 "  \"loss\": \"cross_entropy\"\n"
	 "}\n",
	 4, 5, "layers: invalid JSON near '{\"units\": ': expected ',' or ']'"},
	{"{\"layers\":[{\"units\":tru}]}", 1, 21,
	 "layers[0].units: invalid JSON: unknown word 'tru' (JSON's words are true, false and "
	 "null)"},
	{"nul", 1, 1, "invalid JSON: unknown word 'nul' (JSON's words are true, false and null)"},
	{"{\"layers\": [", 1, 13,
	 "layers[0]: invalid JSON: the text ends before every bracket is closed"},
	/* An object that is never closed: the position is the end of the text. */
	{"{\"layers\":[{}]", 1, 15, "invalid JSON: the text ends before every bracket is closed"},
	{"{\n  \"layers\": [{}]\n", 3, 1,
	 "invalid JSON: the text ends before every bracket is closed"},
	/* RFC 8259 kept strictly (tests/check_json.c has the rest). */
	{"{\"layers\":[{}],}", 1, 15, "invalid JSON: trailing comma"},
	{"{\"layers\":[{\"units\":04}]}", 1, 21,
	 "layers[0].units: invalid JSON: leading zero in the number '04'"},
	{"{\"layers\":[{\"activation\":\"relu\\u0000x\"}]}", 1, 31,
	 "layers[0].activation: \\u0000 (NUL) in a string: dnn-spec(5) forbids NUL"},
	{"{\"layers\\u0000junk\":[{}]}", 1, 9,
	 "layers\\u0000junk: the key holds \\u0000 (NUL), which dnn-spec(5) forbids"},
	{"{\"layers\":[{}],\"seed\":9007199254740993}", 1, 23,
	 "seed: 9007199254740993 is not exactly representable as a double (it would read as "
	 "9007199254740992; whole numbers are exact up to 2^53 = 9007199254740992)"},
	{"{\"layers\":[{}],\"seed\":90071992547409930e-1}", 1, 23,
	 "seed: 90071992547409930e-1 is not exactly representable as a double (it would read as "
	 "9007199254740992; whole numbers are exact up to 2^53 = 9007199254740992)"},
	{"{\"layers\":[{}],\"loss\":\"MSE\"}", 0, 0, "loss: unknown loss 'MSE'; did you mean 'mse'?"},
	{"{\"layers\":[{\"activation\":\"ReLU\"}]}", 0, 0,
	 "layers[0].activation: unknown activation 'ReLU'; did you mean 'relu'?"},
	{"{\"Layers\":[{}]}", 0, 0, "Layers: unknown key; did you mean 'layers'?"},
	{"{\"layers\":[{}],\"optimizer\":\"ADAM\"}", 0, 0,
	 "optimizer: unknown optimizer 'ADAM'; did you mean 'adam'?"},
	/* Keys given twice are refused (jq would keep the last). */
	{"{\"layers\":[{}],\"epochs\":1,\"epoch\\u0073\":2}", 0, 0, "epochs: given twice"},
	{"{\"layers\":[{}]} x", 1, 17, "invalid JSON: text after the end of the spec"},
	{"{\"layers\":[{}]}\n{}\n", 2, 1, "invalid JSON: text after the end of the spec"},
	/* The top level. */
	{"[]", 0, 0, "(top level): expected an object, got an array"},
	{"\"spec\"", 0, 0, "(top level): expected an object, got a string"},
	{"42", 0, 0, "(top level): expected an object, got a number"},
	{"null", 0, 0, "(top level): expected an object, got null"},
	{"true", 0, 0, "(top level): expected an object, got a boolean"},
	{"{\"layers\":[{}],\"optimiser\":\"sgd\"}", 0, 0,
	 "optimiser: unknown key; did you mean 'optimizer'?"},
	{"{\"layers\":[{}],\"colour\":1}", 0, 0, "colour: unknown key"},
	{"{\"layers\":[{}],\"epochs\":1,\"epochs\":2}", 0, 0, "epochs: given twice"},
	/* layers */
	{"{}", 0, 0, "layers: missing: the spec must list the layers"},
	{"{\"loss\":\"mse\"}", 0, 0, "layers: missing: the spec must list the layers"},
	{"{\"layers\":{}}", 0, 0, "layers: expected an array of layers, got an object"},
	{"{\"layers\":\"3\"}", 0, 0, "layers: expected an array of layers, got a string"},
	{"{\"layers\":[]}", 0, 0, "layers: needs at least one layer"},
	{"{\"layers\":[3]}", 0, 0,
	 "layers[0]: expected an object like {\"units\": 16, \"activation\": \"relu\"}, got a "
	 "number"},
	{"{\"layers\":[{\"units\":4},null]}", 0, 0,
	 "layers[1]: expected an object like {\"units\": 16, \"activation\": \"relu\"}, got null"},
	{"{\"layers\":[{\"unit\":3}]}", 0, 0, "layers[0].unit: unknown key; did you mean 'units'?"},
	{"{\"layers\":[{\"size\":3}]}", 0, 0, "layers[0].size: unknown key"},
	{"{\"layers\":[{\"units\":4,\"units\":5}]}", 0, 0, "layers[0].units: given twice"},
	/* units */
	{"{\"layers\":[{},{}]}", 0, 0,
	 "layers[0].units: missing (only the output layer may leave it out)"},
	{"{\"layers\":[{\"units\":4},{\"activation\":\"tanh\"},{}]}", 0, 0,
	 "layers[1].units: missing (only the output layer may leave it out)"},
	{"{\"layers\":[{\"units\":0}]}", 0, 0,
	 "layers[0].units: expected a whole number from 1 to 16777216, got 0"},
	{"{\"layers\":[{\"units\":-1}]}", 0, 0,
	 "layers[0].units: expected a whole number from 1 to 16777216, got -1"},
	{"{\"layers\":[{\"units\":16777217}]}", 0, 0,
	 "layers[0].units: expected a whole number from 1 to 16777216, got 16777217"},
	{"{\"layers\":[{\"units\":2.5}]}", 0, 0, "layers[0].units: expected a whole number, got 2.5"},
	{"{\"layers\":[{\"units\":\"8\"}]}", 0, 0,
	 "layers[0].units: expected a whole number, got a string"},
	{"{\"layers\":[{\"units\":true}]}", 0, 0,
	 "layers[0].units: expected a whole number, got a boolean"},
	/* activation */
	{"{\"layers\":[{\"units\":4,\"activation\":\"relux\"},{}]}", 0, 0,
	 "layers[0].activation: unknown activation 'relux'; did you mean 'relu'?"},
	{"{\"layers\":[{\"activation\":\"soft\"}]}", 0, 0,
	 "layers[0].activation: unknown activation 'soft'; did you mean 'softmax'?"},
	{"{\"layers\":[{\"activation\":\"banana\"}]}", 0, 0,
	 "layers[0].activation: unknown activation 'banana' (expected one of: linear, step, "
	 "sigmoid, tanh, relu, softmax)"},
	{"{\"layers\":[{\"activation\":3}]}", 0, 0,
	 "layers[0].activation: expected a string, got a number"},
	{"{\"layers\":[{\"units\":4,\"activation\":\"softmax\"},{}]}", 0, 0,
	 "layers[0].activation: softmax is only allowed in the output layer"},
	{"{\"layers\":[{\"activation\":\"step\"}]}", 0, 0,
	 "layers[0].activation: step cannot be the output activation: its derivative is zero "
	 "everywhere, so the output layer could not learn; use sigmoid"},
	{"{\"layers\":[{\"units\":4,\"activation\":\"step\"},{\"units\":1,\"activation\":\"step\"}]}",
	 0, 0,
	 "layers[1].activation: step cannot be the output activation: its derivative is zero "
	 "everywhere, so the output layer could not learn; use sigmoid"},
	/* loss, and the loss with the output activation */
	{"{\"layers\":[{\"activation\":\"softmax\"}],\"loss\":\"mse\"}", 0, 0,
	 "loss: softmax outputs need loss 'cross_entropy', not 'mse'"},
	{"{\"layers\":[{\"activation\":\"softmax\"}],\"loss\":\"binary_cross_entropy\"}", 0, 0,
	 "loss: softmax outputs need loss 'cross_entropy', not 'binary_cross_entropy'"},
	{"{\"layers\":[{\"activation\":\"linear\"}],\"loss\":\"cross_entropy\"}", 0, 0,
	 "loss: 'cross_entropy' needs a softmax output layer, not linear"},
	{"{\"layers\":[{\"activation\":\"sigmoid\"}],\"loss\":\"cross_entropy\"}", 0, 0,
	 "loss: 'cross_entropy' needs a softmax output layer, not sigmoid"},
	{"{\"layers\":[{\"activation\":\"tanh\"}],\"loss\":\"binary_cross_entropy\"}", 0, 0,
	 "loss: 'binary_cross_entropy' needs a sigmoid output layer, not tanh"},
	{"{\"layers\":[{\"activation\":\"relu\"}],\"loss\":\"binary_cross_entropy\"}", 0, 0,
	 "loss: 'binary_cross_entropy' needs a sigmoid output layer, not relu"},
	{"{\"layers\":[{\"activation\":\"linear\"}],\"loss\":\"binary_cross_entropy\"}", 0, 0,
	 "loss: 'binary_cross_entropy' needs a sigmoid output layer, not linear"},
	{"{\"layers\":[{}],\"loss\":\"mae\"}", 0, 0, "loss: unknown loss 'mae'; did you mean 'mse'?"},
	{"{\"layers\":[{}],\"loss\":\"crossentropy\"}", 0, 0,
	 "loss: unknown loss 'crossentropy'; did you mean 'cross_entropy'?"},
	{"{\"layers\":[{}],\"loss\":\"hinge\"}", 0, 0,
	 "loss: unknown loss 'hinge' (expected one of: mse, cross_entropy, binary_cross_entropy)"},
	{"{\"layers\":[{}],\"loss\":1}", 0, 0, "loss: expected a string, got a number"},
	/* init */
	{"{\"layers\":[{}],\"init\":\"xavier\"}", 0, 0,
	 "init: unknown init 'xavier' (expected one of: auto, glorot, glorot_uniform, "
	 "glorot_normal, he, he_uniform, he_normal)"},
	{"{\"layers\":[{}],\"init\":\"glorot_unifrom\"}", 0, 0,
	 "init: unknown init 'glorot_unifrom'; did you mean 'glorot_uniform'?"},
	{"{\"layers\":[{}],\"init\":null}", 0, 0, "init: expected a string, got null"},
	/* optimizer */
	{"{\"layers\":[{}],\"optimizer\":3}", 0, 0,
	 "optimizer: expected a name or an object, got a number"},
	{"{\"layers\":[{}],\"optimizer\":[]}", 0, 0,
	 "optimizer: expected a name or an object, got an array"},
	{"{\"layers\":[{}],\"optimizer\":true}", 0, 0,
	 "optimizer: expected a name or an object, got a boolean"},
	{"{\"layers\":[{}],\"optimizer\":\"adagrad\"}", 0, 0,
	 "optimizer: unknown optimizer 'adagrad' (expected one of: sgd, adam, rmsprop, lbfgs, "
	 "saddle_free_newton)"},
	{"{\"layers\":[{}],\"optimizer\":{\"name\":\"adagrad\"}}", 0, 0,
	 "optimizer.name: unknown optimizer 'adagrad' (expected one of: sgd, adam, rmsprop, "
	 "lbfgs, saddle_free_newton)"},
	{"{\"layers\":[{}],\"optimizer\":{\"name\":1}}", 0, 0,
	 "optimizer.name: expected a string, got a number"},
	{"{\"layers\":[{}],\"optimizer\":{\"lr\":0.1}}", 0, 0, "optimizer.lr: unknown key; did you mean 'l1'?"},
	{"{\"layers\":[{}],\"optimizer\":{\"mometum\":0.5}}", 0, 0,
	 "optimizer.mometum: unknown key; did you mean 'momentum'?"},
	{"{\"layers\":[{}],\"optimizer\":{\"learning_rate\":0}}", 0, 0,
	 "optimizer.learning_rate: must be above 0, got 0"},
	{"{\"layers\":[{}],\"optimizer\":{\"learning_rate\":-0.5}}", 0, 0,
	 "optimizer.learning_rate: must be above 0, got -0.5"},
	{"{\"layers\":[{}],\"optimizer\":{\"learning_rate\":1e400}}", 1, 45,
	 "optimizer.learning_rate: number out of range (not representable as a double): 1e400"},
	{"{\"layers\":[{}],\"optimizer\":{\"learning_rate\":\"fast\"}}", 0, 0,
	 "optimizer.learning_rate: expected a number, got a string"},
	{"{\"layers\":[{}],\"optimizer\":{\"momentum\":1}}", 0, 0,
	 "optimizer.momentum: must be in [0, 1), got 1"},
	{"{\"layers\":[{}],\"optimizer\":{\"momentum\":-0.1}}", 0, 0,
	 "optimizer.momentum: must be in [0, 1), got -0.1"},
	{"{\"layers\":[{}],\"optimizer\":{\"momentum\":\"x\"}}", 0, 0,
	 "optimizer.momentum: expected a number, got a string"},
	/* epochs, batch_size, seed */
	{"{\"layers\":[{}],\"epochs\":0}", 0, 0,
	 "epochs: expected a whole number from 1 to 1000000000, got 0"},
	{"{\"layers\":[{}],\"epochs\":1e10}", 0, 0,
	 "epochs: expected a whole number from 1 to 1000000000, got 10000000000"},
	{"{\"layers\":[{}],\"epochs\":2.5}", 0, 0, "epochs: expected a whole number, got 2.5"},
	{"{\"layers\":[{}],\"epochs\":\"10\"}", 0, 0, "epochs: expected a whole number, got a string"},
	{"{\"layers\":[{}],\"batch_size\":0}", 0, 0,
	 "batch_size: expected a whole number from 1 to 16777216, got 0"},
	{"{\"layers\":[{}],\"batch_size\":16777217}", 0, 0,
	 "batch_size: expected a whole number from 1 to 16777216, got 16777217"},
	{"{\"layers\":[{}],\"seed\":-1}", 0, 0,
	 "seed: expected a whole number from 0 to 9007199254740992, got -1"},
	{"{\"layers\":[{}],\"seed\":1e16}", 0, 0,
	 "seed: expected a whole number from 0 to 9007199254740992, got 10000000000000000"},
	{"{\"layers\":[{}],\"seed\":1.5}", 0, 0, "seed: expected a whole number, got 1.5"},
	/* data */
	{"{\"layers\":[{}],\"data\":[]}", 0, 0, "data: expected an object, got an array"},
	{"{\"layers\":[{}],\"data\":\"x\"}", 0, 0, "data: expected an object, got a string"},
	{"{\"layers\":[{}],\"data\":{\"targte\":\"y\"}}", 0, 0,
	 "data.targte: unknown key; did you mean 'target'?"},
	{"{\"layers\":[{}],\"data\":{\"bogus\":1}}", 0, 0, "data.bogus: unknown key"},
	{"{\"layers\":[{}],\"data\":{\"target\":\"a\",\"target\":\"b\"}}", 0, 0,
	 "data.target: given twice"},
	{"{\"layers\":[{}],\"data\":{\"target\":\"\"}}", 0, 0, "data.target: empty column name"},
	{"{\"layers\":[{}],\"data\":{\"target\":-1}}", 0, 0,
	 "data.target: expected a whole number from 0 to 1000000000, got -1"},
	{"{\"layers\":[{}],\"data\":{\"target\":1000000001}}", 0, 0,
	 "data.target: expected a whole number from 0 to 1000000000, got 1000000001"},
	{"{\"layers\":[{}],\"data\":{\"target\":1.5}}", 0, 0,
	 "data.target: expected a whole number, got 1.5"},
	{"{\"layers\":[{}],\"data\":{\"target\":true}}", 0, 0,
	 "data.target: expected a column name or a 0-based index, got a boolean"},
	{"{\"layers\":[{}],\"data\":{\"target\":[\"a\",\"\"]}}", 0, 0,
	 "data.target[1]: empty column name"},
	{"{\"layers\":[{}],\"data\":{\"target\":[]}}", 0, 0,
	 "data.target: expected at least one column"},
	{"{\"layers\":[{\"activation\":\"softmax\"}],\"data\":{\"target\":[\"a\",\"b\"]}}", 0, 0,
	 "data.target: several target columns need loss 'mse'; cross_entropy takes one column "
	 "of class labels"},
	{"{\"layers\":[{\"activation\":\"sigmoid\"}],\"data\":{\"target\":[0,1]}}", 0, 0,
	 "data.target: several target columns need loss 'mse'; binary_cross_entropy takes one "
	 "column of class labels"},
	{"{\"layers\":[{}],\"data\":{\"ignore\":[]}}", 0, 0,
	 "data.ignore: expected at least one column"},
	{"{\"layers\":[{}],\"data\":{\"ignore\":{}}}", 0, 0,
	 "data.ignore: expected a column name or a 0-based index, got an object"},
	{"{\"layers\":[{}],\"data\":{\"normalize\":\"minmax\"}}", 0, 0,
	 "data.normalize: unknown normalization 'minmax' (expected one of: none, standard)"},
	{"{\"layers\":[{}],\"data\":{\"normalize\":\"standrd\"}}", 0, 0,
	 "data.normalize: unknown normalization 'standrd'; did you mean 'standard'?"},
	{"{\"layers\":[{}],\"data\":{\"normalize\":1}}", 0, 0,
	 "data.normalize: expected a string, got a number"},
	{"{\"layers\":[{}],\"data\":{\"missing\":\"zero\"}}", 0, 0,
	 "data.missing: unknown missing-value rule 'zero' (expected one of: error, mean)"},
	{"{\"layers\":[{}],\"data\":{\"validation\":1}}", 0, 0,
	 "data.validation: must be in [0, 1), got 1"},
	{"{\"layers\":[{}],\"data\":{\"validation\":-0.1}}", 0, 0,
	 "data.validation: must be in [0, 1), got -0.1"},
	{"{\"layers\":[{}],\"data\":{\"validation\":\"0.2\"}}", 0, 0,
	 "data.validation: expected a fraction, got a string"},
	/* An error after the targets were read frees them. */
	{"{\"layers\":[{}],\"data\":{\"target\":[\"a\",\"b\"],\"ignore\":\"id\","
	 "\"validation\":2}}",
	 0, 0, "data.validation: must be in [0, 1), got 2"},
};

START_TEST(test_bad)
{
	struct dnn_spec s;
	struct dnn_error e;

	ck_assert_msg(parse(&s, bad[_i].json, &e) == -1, "accepted: %s", bad[_i].json);
	ck_assert_int_eq(e.code, 65);
	ck_assert_str_eq(e.file, SPEC_NAME);
	ck_assert_str_eq(e.msg, bad[_i].msg);
	ck_assert_uint_eq(e.line, bad[_i].line);
	ck_assert_uint_eq(e.column, bad[_i].column);
	/* A failed parse leaves nothing behind. */
	ck_assert_ptr_null(s.layers);
	ck_assert_uint_eq(s.n_layers, 0);
	ck_assert_ptr_null(s.data.targets);
	ck_assert_uint_eq(s.data.n_targets, 0);
	ck_assert_ptr_null(s.data.ignore);
	ck_assert_uint_eq(s.data.n_ignore, 0);
	spec_free(&s);
}
END_TEST

/* --- spec_load ------------------------------------------------------------ */

START_TEST(test_load_file)
{
	char path[32];
	const char *text;
	struct dnn_spec s, t;
	struct dnn_error e;
	int rc;

	make_temp(path, product_json, strlen(product_json));
	dnn_error_clear(&e);
	rc = spec_load(&s, path, &e);
	unlink(path);
	ck_assert_msg(rc == 0, "%s", e.msg);
	parse_ok(&t, product_json);
	assert_spec_eq(&s, &t);
	spec_free(&s);
	spec_free(&t);

	/* Errors name the file. */
	text = "{\"layers\":[{}],\n \"epochs\": 0}\n";
	make_temp(path, text, strlen(text));
	dnn_error_clear(&e);
	rc = spec_load(&s, path, &e);
	unlink(path);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(e.code, 65);
	ck_assert_str_eq(e.file, path);
	ck_assert_str_eq(e.msg, "epochs: expected a whole number from 1 to 1000000000, got 0");
	spec_free(&s);

	text = "{\n\"layers\":[{}],\n\"loss\":\"mse\" \"seed\":1}";
	make_temp(path, text, strlen(text));
	dnn_error_clear(&e);
	rc = spec_load(&s, path, &e);
	unlink(path);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(e.code, 65);
	ck_assert_str_eq(e.file, path);
	ck_assert_uint_eq(e.line, 3);
	ck_assert_uint_eq(e.column, 14);
	ck_assert_str_eq(e.msg, "invalid JSON near '\"seed\":1}': expected ',' or '}'");
}
END_TEST

START_TEST(test_load_missing)
{
	struct dnn_spec s;
	struct dnn_error e;

	dnn_error_clear(&e);
	ck_assert_int_eq(spec_load(&s, "/nonexistent/spec.json", &e), -1);
	ck_assert_int_eq(e.code, 66);
	ck_assert_str_eq(e.file, "");
	ck_assert_uint_eq(e.line, 0);
	ck_assert_str_eq(e.msg, "cannot open '/nonexistent/spec.json': No such file or directory");
	ck_assert_ptr_null(s.layers);
	spec_free(&s);
}
END_TEST

START_TEST(test_load_nul)
{
	char path[32];
	struct dnn_spec s;
	struct dnn_error e;
	int rc;

	make_temp(path, "{\"layers\":[{}]}\0", 16);
	dnn_error_clear(&e);
	rc = spec_load(&s, path, &e);
	unlink(path);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(e.code, 65);
	ck_assert_str_eq(e.file, path);
	ck_assert_str_eq(e.msg, "not a JSON text (NUL byte)");
	spec_free(&s);
}
END_TEST

/* More than 64 MiB is refused before it is parsed; a NUL byte as soon as it
 * is read, with its line and column: a sparse file of 65 MiB of zeros is
 * "NUL byte", not "larger than 64 MiB". */
START_TEST(test_load_too_big)
{
	static char blanks[1 << 20];
	char path[32];
	struct dnn_spec s;
	struct dnn_error e;
	int fd, rc;

	strcpy(path, "/tmp/check_spec.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ne(fd, -1);
	memset(blanks, ' ', sizeof blanks);
	for (int k = 0; k < 65; k++)
		ck_assert_int_eq(write(fd, blanks, sizeof blanks), (ssize_t)sizeof blanks);
	close(fd);
	dnn_error_clear(&e);
	rc = spec_load(&s, path, &e);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(e.code, 65);
	ck_assert_str_eq(e.file, path);
	ck_assert_str_eq(e.msg, "spec is larger than 64 MiB");
	spec_free(&s);

	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, "{\n  \"layers\"", 12), 12);
	ck_assert_int_eq(ftruncate(fd, (off_t)65 << 20), 0);
	close(fd);
	dnn_error_clear(&e);
	rc = spec_load(&s, path, &e);
	unlink(path);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(e.code, 65);
	ck_assert_str_eq(e.msg, "not a JSON text (NUL byte)");
	ck_assert_uint_eq(e.line, 2);
	ck_assert_uint_eq(e.column, 11);
	spec_free(&s);
}
END_TEST

#ifdef __linux__
/* A directory is no input: 66, as for data files and checkpoints. */
START_TEST(test_load_directory)
{
	struct dnn_spec s;
	struct dnn_error e;

	dnn_error_clear(&e);
	ck_assert_int_eq(spec_load(&s, "/", &e), -1);
	ck_assert_int_eq(e.code, 66);
	ck_assert_str_eq(e.file, "");
	ck_assert_str_eq(e.msg, "cannot open '/': Is a directory");
	spec_free(&s);
}
END_TEST
#endif

START_TEST(test_load_stdin)
{
	struct dnn_spec s, t;
	struct dnn_error e;

	ck_assert_msg(load_stdin(&s, product_json, &e) == 0, "%s", e.msg);
	parse_ok(&t, product_json);
	assert_spec_eq(&s, &t);
	spec_free(&s);
	spec_free(&t);

	/* Errors call it <stdin>. */
	ck_assert_int_eq(load_stdin(&s, "{\"layers\":[{}],\"x\":1}", &e), -1);
	ck_assert_int_eq(e.code, 65);
	ck_assert_str_eq(e.file, "<stdin>");
	ck_assert_str_eq(e.msg, "x: unknown key");
	spec_free(&s);
	ck_assert_int_eq(load_stdin(&s, "{\"layers\":[{}]}\n}\n", &e), -1);
	ck_assert_int_eq(e.code, 65);
	ck_assert_str_eq(e.file, "<stdin>");
	ck_assert_uint_eq(e.line, 2);
	ck_assert_uint_eq(e.column, 1);
	ck_assert_str_eq(e.msg, "invalid JSON: text after the end of the spec");
	spec_free(&s);
	ck_assert_int_eq(load_stdin(&s, "", &e), -1);
	ck_assert_int_eq(e.code, 65);
	ck_assert_str_eq(e.file, "<stdin>");
	ck_assert_str_eq(e.msg, "file is empty");
	spec_free(&s);
}
END_TEST

/* --- --target and --ignore ------------------------------------------------ */

START_TEST(test_set_targets)
{
	static const char *const bad_lists[] = {"a,,b", ",a", "a,", ""};
	struct dnn_spec s;
	struct dnn_error e;

	parse_ok(&s, "{\"layers\":[{}],\"data\":{\"target\":[\"y\",5]}}");
	dnn_error_clear(&e);
	ck_assert_int_eq(spec_set_targets(&s, "a,b,3", &e), 0);
	ck_assert_int_eq(e.code, 0);
	ck_assert_uint_eq(s.data.n_targets, 3);
	assert_ref(&s.data.targets[0], "a", 0);
	assert_ref(&s.data.targets[1], "b", 0);
	assert_ref(&s.data.targets[2], "3", 0); /* data.c resolves digits */
	for (size_t i = 0; i < sizeof bad_lists / sizeof bad_lists[0]; i++) {
		dnn_error_clear(&e);
		ck_assert_int_eq(spec_set_targets(&s, bad_lists[i], &e), -1);
		ck_assert_int_eq(e.code, 64);
		ck_assert_str_eq(e.file, "");
		ck_assert_str_eq(e.msg, "--target: empty column name");
		/* The old targets stay. */
		ck_assert_uint_eq(s.data.n_targets, 3);
		assert_ref(&s.data.targets[0], "a", 0);
		assert_ref(&s.data.targets[1], "b", 0);
		assert_ref(&s.data.targets[2], "3", 0);
	}
	ck_assert_int_eq(spec_set_targets(&s, "price", &e), 0);
	ck_assert_uint_eq(s.data.n_targets, 1);
	assert_ref(&s.data.targets[0], "price", 0);
	spec_free(&s);
}
END_TEST

START_TEST(test_set_ignore)
{
	struct dnn_spec s;
	struct dnn_error e;

	parse_ok(&s, "{\"layers\":[{}]}");
	ck_assert_int_eq(spec_set_ignore(&s, "id,0", &e), 0);
	ck_assert_uint_eq(s.data.n_ignore, 2);
	assert_ref(&s.data.ignore[0], "id", 0);
	assert_ref(&s.data.ignore[1], "0", 0);
	dnn_error_clear(&e);
	ck_assert_int_eq(spec_set_ignore(&s, "id,", &e), -1);
	ck_assert_int_eq(e.code, 64);
	ck_assert_str_eq(e.msg, "--ignore: empty column name");
	ck_assert_uint_eq(s.data.n_ignore, 2);
	assert_ref(&s.data.ignore[0], "id", 0);
	ck_assert_uint_eq(s.data.n_targets, 0); /* the targets are not touched */
	spec_free(&s);
}
END_TEST

/* --- locale and lifecycle ------------------------------------------------- */

/* Numbers are read and written with a point under a comma locale. Where no
 * such locale is installed, the same checks run in "C". */
START_TEST(test_locale)
{
	static const char *const locales[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8",
					      "fr_FR.utf8"};
	struct dnn_spec s, t;
	const char *used = NULL;
	char *json;

	for (size_t i = 0; i < sizeof locales / sizeof locales[0] && !used; i++)
		if (setlocale(LC_NUMERIC, locales[i]))
			used = locales[i];
	if (used) {
		char buf[16];

		snprintf(buf, sizeof buf, "%.2f", 0.25); /* the locale really has a comma */
		ck_assert_msg(strcmp(buf, "0,25") == 0, "%s prints %s", used, buf);
	}
	parse_ok(&s, "{\"layers\":[{}],\"optimizer\":{\"learning_rate\":0.25,\"momentum\":0.5},"
		     "\"data\":{\"validation\":0.125}}");
	ck_assert_double_eq(s.optim.learning_rate, 0.25);
	ck_assert_double_eq(s.optim.momentum, 0.5);
	ck_assert_double_eq(s.data.validation, 0.125);
	json = spec_to_json(&s);
	ck_assert_ptr_nonnull(json);
	ck_assert_ptr_nonnull(strstr(json, "\"learning_rate\":0.25,"));
	ck_assert_ptr_nonnull(strstr(json, "\"momentum\":0.5}"));
	ck_assert_ptr_nonnull(strstr(json, "\"validation\":0.125}"));
	for (const char *p = strchr(json, ','); p; p = strchr(p + 1, ','))
		ck_assert_msg(!(p[-1] >= '0' && p[-1] <= '9' && p[1] >= '0' && p[1] <= '9'),
			      "decimal comma in %s", json);
	parse_ok(&t, json);
	assert_spec_eq(&s, &t);
	free(json);
	spec_free(&s);
	spec_free(&t);
	setlocale(LC_NUMERIC, "C");
}
END_TEST

START_TEST(test_free)
{
	struct dnn_spec s;

	memset(&s, 0, sizeof s);
	spec_free(&s);
	spec_free(&s);
	spec_free(NULL);
	parse_ok(&s, product_json);
	spec_free(&s);
	ck_assert_ptr_null(s.layers);
	ck_assert_ptr_null(s.data.targets);
	ck_assert_uint_eq(s.n_layers, 0);
	spec_free(&s);
}
END_TEST

static Suite *spec_load_suite(void)
{
	Suite *s = suite_create("spec_load");
	TCase *bad_tc = tcase_create("bad");
	TCase *load = tcase_create("load");
	TCase *misc = tcase_create("misc");

	tcase_add_loop_test(bad_tc, test_bad, 0, (int)(sizeof bad / sizeof bad[0]));
	tcase_add_test(load, test_load_file);
	tcase_add_test(load, test_load_missing);
	tcase_add_test(load, test_load_nul);
	tcase_add_test(load, test_load_too_big);
#ifdef __linux__
	tcase_add_test(load, test_load_directory);
#endif
	tcase_add_test(load, test_load_stdin);
	tcase_add_test(misc, test_set_targets);
	tcase_add_test(misc, test_set_ignore);
	tcase_add_test(misc, test_locale);
	tcase_add_test(misc, test_free);
	suite_add_tcase(s, bad_tc);
	suite_add_tcase(s, load);
	suite_add_tcase(s, misc);
	return s;
}

DNN_CHECK_MAIN(spec_load_suite)
