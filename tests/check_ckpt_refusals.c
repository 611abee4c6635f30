/* Unit tests for ckpt.c: damaged or inconsistent checkpoints refused, with code and message. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "ckpt.h"
#include "ckptutil.h"
#include "testutil.h"

/* ---- refusals ---- */

START_TEST(test_missing_file)
{
	struct dnn_model m;
	struct dnn_error e;
	char want[1200];

	ck_assert_int_eq(ckpt_load(&m, tpath("nope.dnn"), &e), -1);
	ck_assert_int_eq(e.code, 66);
	snprintf(want, sizeof want, "cannot open '%s': No such file or directory",
		 tpath("nope.dnn"));
	ck_assert_str_eq(e.msg, want);
	ck_assert_str_eq(e.file, "");
	ck_assert_int_eq(ckpt_load(&m, tmpdir, &e), -1);
	ck_assert_int_eq(e.code, 66);
}
END_TEST

/* CATS is present exactly when COLS has categorical columns: an empty one,
 * in a model without them, is refused. */
START_TEST(test_empty_cats)
{
	static const unsigned char zero[4] = {0};
	size_t len, n;
	unsigned char *buf = saved_cls("m.dnn", &len), *p;

	ck_assert_uint_eq(find_section(buf, len, "CATS"), 0);
	p = splice(buf, len, 0, "CATS", zero, sizeof zero, &n);
	assert_refused(p, n, "section 'CATS': empty: the section is present only with categorical");
	free(p);
	free(buf);
}
END_TEST

START_TEST(test_truncated)
{
	size_t len;
	unsigned char *buf = saved_cls("m.dnn", &len);

	for (size_t cut = 0; cut < len; cut++)
		assert_refused(buf, cut, NULL);
	/* A cut inside the weights says what happened. */
	assert_refused(buf, len / 2 + find_section(buf, len, "WGHT") / 2, "truncated");
	assert_refused(buf, 5, "truncated");
	free(buf);
}
END_TEST

START_TEST(test_bit_flips)
{
	size_t len, wght, wend;
	unsigned char *buf = saved_cls("m.dnn", &len);

	wght = find_section(buf, len, "WGHT") + 12;
	wend = wght + (size_t)rd_le(buf + wght - 8, 8);
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			buf[i] ^= (unsigned char)(1u << bit);
			/* Inside the weights only the CRC can tell. */
			assert_refused(buf, len, i >= wght && i < wend ? "checksum" : NULL);
			buf[i] ^= (unsigned char)(1u << bit);
		}
	}
	assert_loads(buf, len);
	free(buf);
}
END_TEST

START_TEST(test_wrong_magic)
{
	size_t len;
	unsigned char *buf = saved_cls("m.dnn", &len);

	buf[1] = 'X';
	fix_crc(buf, len);
	assert_refused(buf, len, "not a dnn checkpoint");
	assert_refused((const unsigned char *)"species,x\n1,2\n", 14, "not a dnn checkpoint");
	free(buf);
}
END_TEST

START_TEST(test_bad_version)
{
	size_t len;
	unsigned char *buf = saved_cls("m.dnn", &len);
	const char *p = tpath("bad.dnn");
	struct dnn_model m;
	struct dnn_error e;

	wr_le(buf + 8, 3, 4);
	fix_crc(buf, len);
	spit(p, buf, len);
	ck_assert_int_eq(ckpt_load(&m, p, &e), -1);
	ck_assert_int_eq(e.code, 65);
	ck_assert_str_eq(e.msg, "unsupported checkpoint version 3 (this dnn reads versions 1 to 2)");
	wr_le(buf + 8, 0, 4);
	fix_crc(buf, len);
	assert_refused(buf, len, "unsupported checkpoint version 0");
	free(buf);
}
END_TEST

START_TEST(test_checksum_message)
{
	size_t len;
	unsigned char *buf = saved_cls("m.dnn", &len);
	const char *p = tpath("bad.dnn");
	struct dnn_model m;
	struct dnn_error e;

	buf[len - 1] ^= 0x80;
	spit(p, buf, len);
	ck_assert_int_eq(ckpt_load(&m, p, &e), -1);
	ck_assert_int_eq(e.code, 65);
	ck_assert_str_eq(e.msg, "checksum mismatch: the file is damaged");
	free(buf);
}
END_TEST

START_TEST(test_unknown_sections)
{
	size_t len, n;
	unsigned char *buf = saved_cls("m.dnn", &len), *p;

	p = splice(buf, len, 0, "ZZZZ", "abc", 3, &n);
	assert_refused(p, n, "unknown critical section 'ZZZZ'");
	free(p);
	/* Ancillary: skipped, wherever it is, even empty. */
	p = splice(buf, len, 0, "zinf", "future data", 11, &n);
	assert_loads(p, n);
	free(p);
	p = splice(buf, len, 0, "zer0", NULL, 0, &n);
	assert_loads(p, n);
	free(p);
	/* Not a tag at all. */
	p = splice(buf, len, 0, "1abc", "x", 1, &n);
	assert_refused(p, n, "bad section tag");
	free(p);
	free(buf);
}
END_TEST

START_TEST(test_missing_and_duplicate)
{
	static const char *const tags[7] = {"SPEC", "LAYR", "COLS", "CLAS", "NORM", "WGHT", "HIST"};
	size_t len, n;
	unsigned char *buf = saved_cls("m.dnn", &len), *p;
	char want[64];

	for (int s = 0; s < 7; s++) {
		size_t off = find_section(buf, len, tags[s]);

		p = splice(buf, len, off, NULL, NULL, 0, &n);
		snprintf(want, sizeof want, "missing section '%s'", tags[s]);
		assert_refused(p, n, want);
		free(p);
		p = splice(buf, len, 0, tags[s], buf + off + 12, (size_t)rd_le(buf + off + 4, 8),
			   &n);
		snprintf(want, sizeof want, "duplicate section '%s'", tags[s]);
		assert_refused(p, n, want);
		free(p);
	}
	free(buf);
}
END_TEST

START_TEST(test_bad_n_params)
{
	size_t len;
	unsigned char *buf = saved_cls("m.dnn", &len);
	size_t w = find_section(buf, len, "WGHT") + 12;
	uint64_t n = rd_le(buf + w, 8);

	wr_le(buf + w, n - 1, 8);
	fix_crc(buf, len);
	assert_refused(buf, len, "section 'WGHT': 30 parameters where the layers have 31");
	wr_le(buf + w, UINT64_MAX, 8);
	fix_crc(buf, len);
	assert_refused(buf, len, "WGHT");
	free(buf);
}
END_TEST

/* Payload lengths that disagree with what the payload holds. */
START_TEST(test_payload_length)
{
	size_t len, n, off, plen;
	unsigned char *buf = saved_cls("m.dnn", &len), *p, *payload;
	static const char *const tags[6] = {"LAYR", "COLS", "CLAS", "NORM", "WGHT", "HIST"};

	for (int s = 0; s < 6; s++) {
		off = find_section(buf, len, tags[s]);
		plen = (size_t)rd_le(buf + off + 4, 8);
		payload = calloc(1, plen + 1);
		ck_assert_ptr_nonnull(payload);
		memcpy(payload, buf + off + 12, plen);
		/* One byte too many, then one too few. */
		p = splice(buf, len, off, tags[s], payload, plen + 1, &n);
		assert_refused(p, n, tags[s]);
		free(p);
		p = splice(buf, len, off, tags[s], payload, plen - 1, &n);
		assert_refused(p, n, tags[s]);
		free(p);
		free(payload);
	}
	free(buf);
}
END_TEST

/* Counts far beyond what the file holds are refused before allocating. */
START_TEST(test_absurd_counts)
{
	static const struct {
		const char *tag;
		size_t at; /* offset of the count in the payload */
		int bytes;
		const char *want;
	} cases[] = {
	    {"LAYR", 12, 4, "LAYR"}, {"LAYR", 8, 4, "COLS"}, {"LAYR", 16, 4, "WGHT"},
	    {"COLS", 0, 4, "COLS"},  {"COLS", 5, 4, "COLS"}, {"CLAS", 0, 4, "CLAS"},
	    {"CLAS", 4, 4, "CLAS"},  {"NORM", 0, 4, "NORM"}, {"WGHT", 0, 8, "WGHT"},
	    {"HIST", 0, 4, "HIST"},  {"HIST", 4, 4, "HIST"},
	};
	size_t len;
	unsigned char *buf = saved_cls("m.dnn", &len);

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t at = find_section(buf, len, cases[i].tag) + 12 + cases[i].at;
		unsigned char save[8];

		memcpy(save, buf + at, 8);
		wr_le(buf + at, UINT64_MAX, cases[i].bytes);
		fix_crc(buf, len);
		assert_refused(buf, len, cases[i].want);
		wr_le(buf + at, 0xFFFFFFF0u, cases[i].bytes);
		fix_crc(buf, len);
		assert_refused(buf, len, cases[i].want);
		memcpy(buf + at, save, 8);
	}
	fix_crc(buf, len);
	assert_loads(buf, len);
	free(buf);
}
END_TEST

/* Values that are out of range or that disagree between sections. */
START_TEST(test_inconsistent)
{
	static const struct {
		const char *tag;
		size_t at;
		int bytes;
		uint32_t value;
		const char *want; /* NULL: the file loads */
	} cases[] = {
	    {"LAYR", 0, 4, 3, "section 'LAYR': unknown task 3"},
	    {"LAYR", 0, 4, 1, "task 1 (regression) does not go with loss 2 (cross_entropy)"},
	    {"LAYR", 4, 4, 0, "loss id 0 is out of range (1-3)"},
	    {"LAYR", 4, 4, 4, "loss id 4 is out of range"},
	    {"LAYR", 4, 4, 1, "task 2 (classification) does not go with loss 1 (mse)"},
	    {"LAYR", 8, 4, 0, "no inputs"},
	    {"LAYR", 8, 4, 4, "section 'COLS': 3 input columns for a network of 4 inputs"},
	    {"LAYR", 20, 4, 7, "activation id 7 of layer 1 is out of range (1-6)"},
	    {"LAYR", 28, 4, 0, "activation id 0 of layer 2"},
	    {"LAYR", 16, 4, 0, "layer 1 has no units"},
	    {"LAYR", 12, 4, 0, "no layers"},
	    {"LAYR", 28, 4, DNN_ACT_SIGMOID, NULL}, /* 3 sigmoid units, 3 classes */
	    {"COLS", 4, 1, 2, "section 'COLS': 2 input columns for a network of 3 inputs"},
	    {"COLS", 4, 1, 3, "section 'COLS': 2 input columns for a network of 3 inputs"},
	    {"COLS", 4, 1, 4, "missing section 'CATS' (COLS has categorical columns)"},
	    {"COLS", 4, 1, 5, "column 1 has unknown role 5"},
	    {"COLS", 21, 1, 1, "4 input columns"},
	    {"COLS", 21, 1, 0, "column 2 has unknown role 0"},
	    {"CLAS", 0, 4, 2, "section 'CLAS': payload length"},
	    {"NORM", 0, 4, 2, "2 input columns for a network of 3 inputs"},
	    {"NORM", 16, 4, 0, "input 1 has mean 5.75 and scale 0"},
	    {"NORM", 16, 4, 0x7FC00000u, "input 1 has mean 5.75 and scale nan"},
	    {"NORM", 4, 4, 0x7F800000u, "input 1 has mean inf"},
	    {"NORM", 28, 4, 1, "1 output columns where the classification model has 0"},
	    {"HIST", 4, 4, 4, "4 fields per epoch, expected at least 5"},
	    {"HIST", 4, 4, 6, "section 'HIST': payload length"},
	};
	size_t len;
	unsigned char *buf = saved_cls("m.dnn", &len);

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t at = find_section(buf, len, cases[i].tag) + 12 + cases[i].at;
		unsigned char save[4];

		memcpy(save, buf + at, 4);
		wr_le(buf + at, cases[i].value, cases[i].bytes);
		fix_crc(buf, len);
		if (cases[i].want)
			assert_refused(buf, len, cases[i].want);
		else
			assert_loads(buf, len);
		memcpy(buf + at, save, 4);
	}
	fix_crc(buf, len);
	assert_loads(buf, len);
	free(buf);
}
END_TEST

/* Class counts against the output layer, rebuilt section by section. */
START_TEST(test_class_counts)
{
	size_t len, n, off;
	unsigned char *buf = saved_cls("m.dnn", &len), *p;
	/* Two classes "a", "b"; one class "a"; none. */
	static const unsigned char two[] = {2, 0, 0, 0, 1, 0, 0, 0, 'a', 1, 0, 0, 0, 'b'};
	static const unsigned char one[] = {1, 0, 0, 0, 1, 0, 0, 0, 'a'};
	static const unsigned char none[] = {0, 0, 0, 0};
	static const unsigned char nul[] = {1, 0, 0, 0, 3, 0, 0, 0, 'a', 0, 'b'};

	off = find_section(buf, len, "CLAS");
	p = splice(buf, len, off, "CLAS", two, sizeof two, &n);
	assert_refused(p, n, "2 classes for an output layer of 3 softmax units");
	free(p);
	p = splice(buf, len, off, "CLAS", one, sizeof one, &n);
	assert_refused(p, n, "needs 2 or more classes, not 1");
	free(p);
	p = splice(buf, len, off, "CLAS", none, sizeof none, &n);
	assert_refused(p, n, "not 0");
	free(p);
	p = splice(buf, len, off, "CLAS", nul, sizeof nul, &n);
	assert_refused(p, n, "class name 1 contains a NUL byte");
	free(p);
	free(buf);

	/* Regression: classes are refused, and the output norm must match. */
	struct dnn_model m;
	struct dnn_error e;

	make_reg(&m);
	ck_assert_int_eq(ckpt_save(&m, tpath("r.dnn"), &e), 0);
	model_free(&m);
	buf = slurp(tpath("r.dnn"), &len);
	off = find_section(buf, len, "CLAS");
	p = splice(buf, len, off, "CLAS", two, sizeof two, &n);
	assert_refused(p, n, "2 classes in a regression model");
	free(p);
	off = find_section(buf, len, "NORM") + 12 + 4 + 16;
	wr_le(buf + off, 1, 4);
	fix_crc(buf, len);
	assert_refused(buf, len, "1 output columns where the regression model has 2");
	free(buf);
}
END_TEST

static Suite *ckpt_refusals_suite(void)
{
	Suite *s = suite_create("ckpt_refusals");
	TCase *tr = tcase_create("refusals");

	tcase_add_checked_fixture(tr, setup, teardown);
	tcase_set_timeout(tr, 60);
	tcase_add_test(tr, test_missing_file);
	tcase_add_test(tr, test_truncated);
	tcase_add_test(tr, test_empty_cats);
	tcase_add_test(tr, test_bit_flips);
	tcase_add_test(tr, test_wrong_magic);
	tcase_add_test(tr, test_bad_version);
	tcase_add_test(tr, test_checksum_message);
	tcase_add_test(tr, test_unknown_sections);
	tcase_add_test(tr, test_missing_and_duplicate);
	tcase_add_test(tr, test_bad_n_params);
	tcase_add_test(tr, test_payload_length);
	tcase_add_test(tr, test_absurd_counts);
	tcase_add_test(tr, test_inconsistent);
	tcase_add_test(tr, test_class_counts);
	suite_add_tcase(s, tr);
	return s;
}

DNN_CHECK_MAIN(ckpt_refusals_suite)
