/* Shared by the unit tests of spec.c: a spec to parse, parsing with the file
 * name errors are to name, and comparisons of parsed specs. */
#ifndef DNN_SPECUTIL_H
#define DNN_SPECUTIL_H

#include "err.h"
#include "spec.h"

/* The file name every spec_parse call passes, to be found again in errors. */
#define SPEC_NAME "specs/net.json"

/* The spec of PRODUCT.md, as a user would write it. */
extern const char product_json[];

/* spec_parse of json, named SPEC_NAME, with e cleared first. */
int parse(struct dnn_spec *s, const char *json, struct dnn_error *e);
/* Parse json, which must be good. */
void parse_ok(struct dnn_spec *s, const char *json);
/* A column reference: by name, or by index when name is NULL. */
void assert_ref(const struct dnn_column_ref *r, const char *name, long index);
/* Every field of a and b is the same (doubles bit for bit). */
void assert_spec_eq(const struct dnn_spec *a, const struct dnn_spec *b);

#endif
