/* Unit tests for history.c: the best epoch, and the JSON object of
 * history_json (the text dnn info --json and the ONNX metadata share). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "history.h"
#include "testutil.h"

/* Two epochs without validation: null for the validation figures and the
 * best validation epoch, the shortest digits for the rest. */
START_TEST(test_json)
{
	struct dnn_history h = {0};
	struct dnn_epoch e1 = {1, 0.5, (double)NAN, 0.75, (double)NAN, 0.1, 2.0};
	struct dnn_epoch e2 = {2, 0.25, (double)NAN, 1.0 / 3.0, (double)NAN, 0.05, 2.0};
	struct dnn_wbuf b = {0};
	const char *want =
	    "{\"epochs\":2,\"first_loss\":0.5,\"final_loss\":0.25,\"best_loss\":0.25,"
	    "\"best_epoch\":2,\"final_val_loss\":null,\"best_val_loss\":null,"
	    "\"best_val_epoch\":null,\"final_accuracy\":0.3333333333333333,"
	    "\"final_val_accuracy\":null,\"per_epoch\":["
	    "{\"epoch\":1,\"loss\":0.5,\"val_loss\":null,\"accuracy\":0.75,\"val_accuracy\":null,"
	    "\"learning_rate\":0.1},"
	    "{\"epoch\":2,\"loss\":0.25,\"val_loss\":null,\"accuracy\":0.3333333333333333,"
	    "\"val_accuracy\":null,\"learning_rate\":0.05}]}";

	ck_assert_int_eq(history_append(&h, &e1), 0);
	ck_assert_int_eq(history_append(&h, &e2), 0);
	ck_assert_uint_eq(history_best(&h, offsetof(struct dnn_epoch, loss)), 2);
	ck_assert_uint_eq(history_best(&h, offsetof(struct dnn_epoch, val_loss)), 0);
	history_json(&b, &h);
	ck_assert(!b.oom);
	ck_assert_uint_eq(b.n, strlen(want));
	ck_assert(memcmp(b.p, want, b.n) == 0);
	free(b.p);
	history_free(&h);
}
END_TEST

/* No epochs: the count and an empty per_epoch. */
START_TEST(test_json_empty)
{
	struct dnn_history h = {0};
	struct dnn_wbuf b = {0};
	const char *want = "{\"epochs\":0,\"per_epoch\":[]}";

	history_json(&b, &h);
	ck_assert_uint_eq(b.n, strlen(want));
	ck_assert(memcmp(b.p, want, b.n) == 0);
	free(b.p);
}
END_TEST

static Suite *history_suite(void)
{
	Suite *s = suite_create("history");
	TCase *tc = tcase_create("json");

	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_json_empty);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(history_suite)
