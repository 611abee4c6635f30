/* Shared by the unit tests of spec.c: a spec to parse, parsing with the file
 * name errors are to name, and comparisons of parsed specs. */
#include "specutil.h"

#include <check.h>
#include <string.h>

/* The spec of PRODUCT.md, as a user would write it. */
const char product_json[] =
	"{\n"
	"  \"layers\": [\n"
	"    {\"units\": 16, \"activation\": \"relu\"},\n"
	"    {\"units\": 3,  \"activation\": \"softmax\"}\n"
	"  ],\n"
	"  \"loss\": \"cross_entropy\",\n"
	"  \"init\": \"he\",\n"
	"  \"optimizer\": {\"name\": \"sgd\", \"learning_rate\": 0.1, \"momentum\": 0.9},\n"
	"  \"epochs\": 200,\n"
	"  \"batch_size\": 16,\n"
	"  \"seed\": 1,\n"
	"  \"data\": {\"target\": \"species\", \"normalize\": \"standard\", \"validation\": 0.2}\n"
	"}\n";

int parse(struct dnn_spec *s, const char *json, struct dnn_error *e)
{
	dnn_error_clear(e);
	return spec_parse(s, json, strlen(json), SPEC_NAME, e);
}

/* Parse json, which must be good. */
void parse_ok(struct dnn_spec *s, const char *json)
{
	struct dnn_error e;

	ck_assert_msg(parse(s, json, &e) == 0, "%s: %s", json, e.msg);
	ck_assert_int_eq(e.code, 0);
}

/* A column reference: by name, or by index when name is NULL. */
void assert_ref(const struct dnn_column_ref *r, const char *name, long index)
{
	if (name) {
		ck_assert_ptr_nonnull(r->name);
		ck_assert_str_eq(r->name, name);
	} else {
		ck_assert_ptr_null(r->name);
		ck_assert_int_eq(r->index, index);
	}
}

static void assert_refs_eq(const struct dnn_column_ref *a, size_t na,
			   const struct dnn_column_ref *b, size_t nb)
{
	ck_assert_uint_eq(na, nb);
	for (size_t i = 0; i < na; i++)
		assert_ref(&b[i], a[i].name, a[i].index);
}

/* Every field of a and b is the same (doubles bit for bit). */
void assert_spec_eq(const struct dnn_spec *a, const struct dnn_spec *b)
{
	ck_assert_uint_eq(a->n_layers, b->n_layers);
	for (size_t l = 0; l < a->n_layers; l++) {
		ck_assert_uint_eq(a->layers[l].units, b->layers[l].units);
		ck_assert_int_eq(a->layers[l].activation, b->layers[l].activation);
	}
	ck_assert_int_eq(a->loss, b->loss);
	ck_assert_int_eq(a->init, b->init);
	ck_assert_int_eq(a->optim.kind, b->optim.kind);
	ck_assert(a->optim.learning_rate == b->optim.learning_rate);
	ck_assert(a->optim.momentum == b->optim.momentum);
	ck_assert_uint_eq(a->epochs, b->epochs);
	ck_assert_uint_eq(a->batch_size, b->batch_size);
	ck_assert(a->seed == b->seed);
	assert_refs_eq(a->data.targets, a->data.n_targets, b->data.targets, b->data.n_targets);
	assert_refs_eq(a->data.ignore, a->data.n_ignore, b->data.ignore, b->data.n_ignore);
	ck_assert_int_eq(a->data.normalize, b->data.normalize);
	ck_assert_int_eq(a->data.missing, b->data.missing);
	ck_assert(a->data.validation == b->data.validation);
}
