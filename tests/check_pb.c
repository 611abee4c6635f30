/* Unit tests for pb.c: keys and varints as the protocol buffers encoding
 * spells them (the examples of its documentation), negative ints as ten
 * bytes, floats as four little-endian bytes, and nested messages whose
 * lengths need one and two bytes. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pb.h"
#include "testutil.h"

/* Whether w holds exactly the n bytes of want. */
static int holds(const struct dnn_wbuf *w, const unsigned char *want, size_t n)
{
	return !w->oom && w->n == n && memcmp(w->p, want, n) == 0;
}

START_TEST(test_varints)
{
	struct dnn_wbuf w = {0};
	static const unsigned char one[] = {0x08, 0x96, 0x01};
	static const unsigned char neg[] = {0x18, 0xff, 0xff, 0xff, 0xff, 0xff,
					    0xff, 0xff, 0xff, 0xff, 0x01};
	static const unsigned char big[] = {0xff, 0xff, 0xff, 0xff, 0xff,
					    0xff, 0xff, 0xff, 0xff, 0x01};

	/* Field 1 = 150: 08 96 01. */
	pb_int(&w, 1, 150);
	ck_assert(holds(&w, one, sizeof one));
	w.n = 0;
	pb_int(&w, 3, -1);
	ck_assert(holds(&w, neg, sizeof neg));
	w.n = 0;
	pb_varint(&w, UINT64_MAX);
	ck_assert(holds(&w, big, sizeof big));
	w.n = 0;
	pb_varint(&w, 0);
	ck_assert_uint_eq(w.n, 1);
	ck_assert_uint_eq(w.p[0], 0);
	w.n = 0;
	/* A large field number: (1000 << 3) | 2 = 8002 = 0xc2 0x3e. */
	pb_key(&w, 1000, PB_LEN);
	ck_assert_uint_eq(w.n, 2);
	ck_assert_uint_eq(w.p[0], 0xc2);
	ck_assert_uint_eq(w.p[1], 0x3e);
	free(w.p);
}
END_TEST

START_TEST(test_strings_floats)
{
	struct dnn_wbuf w = {0};
	/* Field 2 = "testing": 12 07 74 65 73 74 69 6e 67. */
	static const unsigned char str[] = {0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g'};
	/* Field 2 = 1.0f: 15 00 00 80 3f. */
	static const unsigned char flt[] = {0x15, 0x00, 0x00, 0x80, 0x3f};

	pb_string(&w, 2, "testing");
	ck_assert(holds(&w, str, sizeof str));
	w.n = 0;
	pb_float(&w, 2, 1.0f);
	ck_assert(holds(&w, flt, sizeof flt));
	w.n = 0;
	pb_bytes(&w, 4, "", 0);
	ck_assert_uint_eq(w.n, 2);
	ck_assert_uint_eq(w.p[0], 0x22);
	ck_assert_uint_eq(w.p[1], 0x00);
	free(w.p);
}
END_TEST

START_TEST(test_nested)
{
	struct dnn_wbuf w = {0};
	/* Field 3 = {field 1 = 150}: 1a 03 08 96 01. */
	static const unsigned char msg[] = {0x1a, 0x03, 0x08, 0x96, 0x01};
	size_t at, inner;

	at = pb_open(&w, 3);
	pb_int(&w, 1, 150);
	pb_close(&w, at);
	ck_assert(holds(&w, msg, sizeof msg));
	/* 300 bytes inside two levels: lengths 0xaf 0x02 (303) and 0xac 0x02. */
	w.n = 0;
	at = pb_open(&w, 1);
	inner = pb_open(&w, 2);
	for (int i = 0; i < 300; i++)
		wbuf_bytes(&w, "x", 1);
	pb_close(&w, inner);
	pb_close(&w, at);
	ck_assert_uint_eq(w.n, 1 + 2 + 1 + 2 + 300);
	ck_assert_uint_eq(w.p[0], 0x0a);
	ck_assert_uint_eq(w.p[1], 0xaf);
	ck_assert_uint_eq(w.p[2], 0x02);
	ck_assert_uint_eq(w.p[3], 0x12);
	ck_assert_uint_eq(w.p[4], 0xac);
	ck_assert_uint_eq(w.p[5], 0x02);
	ck_assert_uint_eq(w.p[6], 'x');
	ck_assert_uint_eq(w.p[w.n - 1], 'x');
	/* An empty message: key and a zero length. */
	w.n = 0;
	at = pb_open(&w, 5);
	pb_close(&w, at);
	ck_assert_uint_eq(w.n, 2);
	ck_assert_uint_eq(w.p[1], 0);
	free(w.p);
}
END_TEST

START_TEST(test_oom_dropped)
{
	struct dnn_wbuf w = {0};
	size_t at;

	w.oom = 1;
	at = pb_open(&w, 1);
	pb_string(&w, 2, "x");
	pb_close(&w, at);
	ck_assert_uint_eq(w.n, 0);
	ck_assert_ptr_null(w.p);
}
END_TEST

static Suite *pb_suite(void)
{
	Suite *s = suite_create("pb");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_varints);
	tcase_add_test(tc, test_strings_floats);
	tcase_add_test(tc, test_nested);
	tcase_add_test(tc, test_oom_dropped);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(pb_suite)
