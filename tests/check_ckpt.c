/* Unit tests for ckpt.c: round trips bit for bit, the dnn-checkpoint(5) layout, saving. */
#include <check.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "act.h"
#include "ckpt.h"
#include "ckptutil.h"
#include "loss.h"
#include "net.h"
#include "testutil.h"

/* ---- round trips and layout ---- */

START_TEST(test_roundtrip_classification)
{
	struct dnn_model a, b;
	struct dnn_error e;

	make_cls(&a);
	ck_assert_int_eq(ckpt_save(&a, tpath("m.dnn"), &e), 0);
	ck_assert_msg(ckpt_load(&b, tpath("m.dnn"), &e) == 0, "%s", e.msg);
	assert_model_eq(&a, &b);
	ck_assert_ptr_null(b.out_norm.mean);
	model_free(&a);
	model_free(&b);
}
END_TEST

/* The classification model with dropout rows: of its 3 inputs (p = 0.25)
 * and after its hidden layer (p = 0.5). */
static void make_dropout(struct dnn_model *m)
{
	const struct dnn_layer_def rows[] = {
	    {DNN_LAYER_DROPOUT, 3, DNN_ACT_LINEAR, {0.25}},
	    {DNN_LAYER_DENSE, 4, DNN_ACT_RELU, {0}},
	    {DNN_LAYER_DROPOUT, 4, DNN_ACT_LINEAR, {0.5}},
	    {DNN_LAYER_DENSE, 3, DNN_ACT_SOFTMAX, {0}},
	};
	struct dnn_error e;

	make_cls(m);
	net_free(m->net);
	m->net = net_new_rows(3, 4, rows, DNN_LOSS_CROSS_ENTROPY, &e);
	ck_assert_msg(m->net != NULL, "%s", e.msg);
	fill_params(m->net);
}

/* Version 2: the rows, their kinds and fields come back; the file is
 * dnn-checkpoint(5)'s size; its predictions are those of the dense model
 * with the same weights, saved as version 1. */
START_TEST(test_roundtrip_dropout)
{
	struct dnn_model a, b, d;
	struct dnn_error e;
	const float x[6] = {0.5f, -1.0f, 2.0f, 1.5f, 0.25f, -0.75f};
	size_t len;
	unsigned char *buf;

	make_dropout(&a);
	ck_assert_int_eq(ckpt_save(&a, tpath("d.dnn"), &e), 0);
	ck_assert_msg(ckpt_load(&b, tpath("d.dnn"), &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(b.format_version, 2);
	ck_assert_uint_eq(b.net->n_layers, 4);
	ck_assert_int_eq(b.net->layers[0].kind->id, DNN_LAYER_DROPOUT);
	ck_assert(b.net->layers[2].field[0] == 0.5);
	assert_model_eq(&a, &b);
	buf = slurp(tpath("d.dnn"), &len);
	/* The v1 size, less the dense rows' 8 bytes, plus 16 per row and 8 per field. */
	ck_assert_uint_eq(len, layout_size(&a) - 8 * 4 + 16 * 4 + 8 * 2);
	free(buf);
	make_cls(&d);
	memcpy(d.net->params, b.net->params, d.net->n_params * sizeof(float));
	ck_assert_int_eq(ckpt_save(&d, tpath("dense.dnn"), &e), 0);
	model_free(&d);
	ck_assert_msg(ckpt_load(&d, tpath("dense.dnn"), &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(d.format_version, 1);
	ck_assert_int_eq(net_reserve(b.net, 2, &e), 0);
	ck_assert_int_eq(net_reserve(d.net, 2, &e), 0);
	assert_same_bits(net_forward(b.net, x, 2), net_forward(d.net, x, 2), 6 * sizeof(float),
			 "predictions");
	model_free(&a);
	model_free(&b);
	model_free(&d);
}
END_TEST

START_TEST(test_roundtrip_regression)
{
	struct dnn_model a, b;
	struct dnn_error e;

	make_reg(&a);
	ck_assert_int_eq(ckpt_save(&a, tpath("r.dnn"), &e), 0);
	ck_assert_msg(ckpt_load(&b, tpath("r.dnn"), &e) == 0, "%s", e.msg);
	assert_model_eq(&a, &b);
	model_free(&a);
	model_free(&b);
}
END_TEST

START_TEST(test_layout)
{
	static const unsigned char magic[8] = {0x89, 'D', 'N', 'N', 0x0D, 0x0A, 0x1A, 0x0A};
	static const char *const order[7] = {"SPEC", "LAYR", "COLS", "CLAS",
					     "NORM", "WGHT", "HIST"};
	struct dnn_model m;
	struct dnn_error e;
	size_t len, pos = 12;
	unsigned char *buf;

	/* The reference CRC's check value. */
	ck_assert_uint_eq(crc32_ref((const unsigned char *)"123456789", 9), 0xCBF43926u);
	make_cls(&m);
	ck_assert_int_eq(ckpt_save(&m, tpath("m.dnn"), &e), 0);
	buf = slurp(tpath("m.dnn"), &len);
	ck_assert_uint_eq(len, layout_size(&m));
	ck_assert_int_eq(memcmp(buf, magic, 8), 0);
	ck_assert_uint_eq(rd_le(buf + 8, 4), 1);
	for (int s = 0; s < 7; s++) {
		ck_assert_int_eq(memcmp(buf + pos, order[s], 4), 0);
		pos += 12 + (size_t)rd_le(buf + pos + 4, 8);
	}
	ck_assert_uint_eq(pos, len - 4);
	ck_assert_uint_eq(rd_le(buf + len - 4, 4), crc32_ref(buf, len - 4));

	/* Field by field, as the man page has them. */
	pos = find_section(buf, len, "SPEC");
	ck_assert_uint_eq(rd_le(buf + pos + 4, 8), strlen(spec_text));
	ck_assert_int_eq(memcmp(buf + pos + 12, spec_text, strlen(spec_text)), 0);
	pos = find_section(buf, len, "LAYR") + 12;
	static const uint32_t layr[8] = {2, 2, 3, 2, 4, 5, 3, 6};
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(rd_le(buf + pos + 4 * i, 4), layr[i]);
	pos = find_section(buf, len, "COLS") + 12;
	ck_assert_uint_eq(rd_le(buf + pos, 4), 4);
	ck_assert_uint_eq(buf[pos + 4], 1);
	ck_assert_uint_eq(rd_le(buf + pos + 5, 4), 12);
	ck_assert_int_eq(memcmp(buf + pos + 9, "sepal length", 12), 0);
	ck_assert_uint_eq(buf[pos + 21], 2);
	pos = find_section(buf, len, "NORM") + 12;
	ck_assert_uint_eq(rd_le(buf + pos, 4), 3);
	ck_assert_uint_eq(rd_le(buf + pos + 4, 4), 0x40B80000u);  /* 5.75f */
	ck_assert_uint_eq(rd_le(buf + pos + 16, 4), 0x3E800000u); /* 0.25f */
	ck_assert_uint_eq(rd_le(buf + pos + 28, 4), 0);
	pos = find_section(buf, len, "WGHT") + 12;
	ck_assert_uint_eq(rd_le(buf + pos, 8), m.net->n_params);
	ck_assert_uint_eq(rd_le(buf + pos + 8, 4), 0x80000000u);  /* -0.0f */
	ck_assert_uint_eq(rd_le(buf + pos + 20, 4), 0x40490FDBu); /* pi */
	pos = find_section(buf, len, "HIST") + 12;
	ck_assert_uint_eq(rd_le(buf + pos, 4), 3);
	ck_assert_uint_eq(rd_le(buf + pos + 4, 4), 5);
	ck_assert_uint_eq(rd_le(buf + pos + 8, 8), 0x3FF0000000000000u);      /* 1.0 */
	ck_assert_uint_eq(rd_le(buf + pos + 8 + 32, 8), 0x3FB999999999999Au); /* 0.1 */
	free(buf);
	model_free(&m);
}
END_TEST

START_TEST(test_deterministic)
{
	size_t n1, n2;
	unsigned char *a = saved_cls("a.dnn", &n1), *b = saved_cls("b.dnn", &n2);

	ck_assert_uint_eq(n1, n2);
	ck_assert_int_eq(memcmp(a, b, n1), 0);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_replace_existing)
{
	const char *p = tpath("m.dnn");
	struct dnn_model a, b;
	struct dnn_error e;
	struct stat st;
	mode_t mask = umask(022);

	umask(mask);
	spit(p, (const unsigned char *)"old contents", 12);
	make_reg(&a);
	ck_assert_int_eq(ckpt_save(&a, p, &e), 0);
	ck_assert_int_eq(ckpt_load(&b, p, &e), 0);
	assert_model_eq(&a, &b);
	ck_assert_int_eq(count_entries(".tmp."), 0);
	ck_assert_int_eq(count_entries(""), 1);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0666 & ~mask);
	model_free(&a);
	model_free(&b);
}
END_TEST

START_TEST(test_long_name)
{
	char name[251];
	struct dnn_model a, b;
	struct dnn_error e;

	/* NAME.tmp.XXXXXX would be too long a name: the fallback is used. */
	memset(name, 'n', sizeof name - 1);
	name[sizeof name - 1] = '\0';
	make_cls(&a);
	ck_assert_msg(ckpt_save(&a, tpath(name), &e) == 0, "%s", e.msg);
	ck_assert_int_eq(ckpt_load(&b, tpath(name), &e), 0);
	assert_model_eq(&a, &b);
	ck_assert_int_eq(count_entries("tmp"), 0);
	ck_assert_int_eq(count_entries(""), 1);
	model_free(&a);
	model_free(&b);
}
END_TEST

START_TEST(test_no_directory)
{
	const char *p = tpath("nodir/m.dnn");
	char want[1200];
	struct dnn_model a;
	struct dnn_error e;

	make_cls(&a);
	ck_assert_int_eq(ckpt_save(&a, p, &e), -1);
	ck_assert_int_eq(e.code, 73);
	ck_assert_str_eq(e.file, "");
	snprintf(want, sizeof want, "cannot create '%s': No such file or directory", p);
	ck_assert_str_eq(e.msg, want);
	ck_assert_int_eq(count_entries(""), 0);
	model_free(&a);
}
END_TEST

START_TEST(test_save_over_directory)
{
	struct dnn_model a;
	struct dnn_error e;

	ck_assert_int_eq(mkdir(tpath("d"), 0777), 0);
	make_cls(&a);
	ck_assert_int_eq(ckpt_save(&a, tpath("d"), &e), -1);
	ck_assert_int_eq(e.code, 73);
	ck_assert_str_eq(e.msg, "is a directory");
	ck_assert_int_eq(count_entries(""), 1);
	rmdir(tpath("d"));
	model_free(&a);
}
END_TEST

START_TEST(test_save_inconsistent)
{
	struct dnn_model a;
	struct dnn_error e;

	/* Two classes for three softmax units: the writer refuses to write a
	 * file that the reader would refuse. */
	make_cls(&a);
	a.n_classes = 2;
	ck_assert_int_eq(ckpt_save(&a, tpath("m.dnn"), &e), -1);
	ck_assert_int_eq(e.code, 70);
	ck_assert_ptr_nonnull(strstr(e.msg, "2 classes for an output layer of 3 softmax units"));
	ck_assert_int_eq(count_entries(""), 0);
	a.n_classes = 3;
	a.in_norm.n = 2;
	ck_assert_int_eq(ckpt_save(&a, tpath("m.dnn"), &e), -1);
	ck_assert_int_eq(e.code, 70);
	ck_assert_int_eq(count_entries(""), 0);
	a.in_norm.n = 3;
	model_free(&a);
}
END_TEST

/* Standard output gets the same bytes as a file; a write error is 74. */
START_TEST(test_stdout)
{
	struct dnn_model a;
	struct dnn_error e;
	size_t n1, n2;
	unsigned char *f1, *f2;
	int fd = open(tpath("out.dnn"), O_WRONLY | O_CREAT | O_TRUNC, 0666), full;
	int saved = dup(STDOUT_FILENO);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(saved, 0);
	make_cls(&a);
	ck_assert_int_eq(ckpt_save(&a, tpath("file.dnn"), &e), 0);
	fflush(stdout);
	ck_assert_int_eq(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
	close(fd);
	ck_assert_int_eq(ckpt_save(&a, "-", &e), 0);
	ck_assert_int_eq(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
	close(saved);
	f1 = slurp(tpath("file.dnn"), &n1);
	f2 = slurp(tpath("out.dnn"), &n2);
	ck_assert_uint_eq(n1, n2);
	ck_assert_int_eq(memcmp(f1, f2, n1), 0);

	/* A failed flush may leave the bytes in stdout's buffer: only in a
	 * forked test, whose stdout is thrown away. */
	const char *fork_mode = getenv("CK_FORK");

	full = fork_mode && strcmp(fork_mode, "no") == 0 ? -1 : open("/dev/full", O_WRONLY);
	if (full >= 0) {
		ck_assert_int_eq(dup2(full, STDOUT_FILENO), STDOUT_FILENO);
		close(full);
		ck_assert_int_eq(ckpt_save(&a, "-", &e), -1);
		ck_assert_int_eq(e.code, 74);
		ck_assert_ptr_nonnull(strstr(e.msg, "No space left on device"));
		clearerr(stdout);
	}
	free(f1);
	free(f2);
	model_free(&a);
}
END_TEST

START_TEST(test_stdin)
{
	struct dnn_model a, b;
	struct dnn_error e;
	int fd, saved = dup(STDIN_FILENO);

	ck_assert_int_ge(saved, 0);
	make_cls(&a);
	ck_assert_int_eq(ckpt_save(&a, tpath("m.dnn"), &e), 0);
	fd = open(tpath("m.dnn"), O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	ck_assert_int_eq(ckpt_load(&b, "-", &e), 0);
	assert_model_eq(&a, &b);
	model_free(&b);

	/* Errors on standard input name it. */
	fd = open("/dev/null", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(dup2(fd, STDIN_FILENO), STDIN_FILENO);
	close(fd);
	ck_assert_int_eq(ckpt_load(&b, "-", &e), -1);
	ck_assert_int_eq(e.code, 65);
	ck_assert_str_eq(e.file, "<stdin>");
	ck_assert_str_eq(e.msg, "not a dnn checkpoint (the file is empty)");
	ck_assert_int_eq(dup2(saved, STDIN_FILENO), STDIN_FILENO);
	close(saved);
	model_free(&a);
}
END_TEST

START_TEST(test_model_free)
{
	struct dnn_model m = {0};

	model_free(&m);
	model_free(&m);
	model_free(NULL);
	make_reg(&m);
	model_free(&m);
	ck_assert_ptr_null(m.net);
	ck_assert_uint_eq(m.n_cols, 0);
	model_free(&m);
}
END_TEST

START_TEST(test_section_order)
{
	size_t len, n, off, plen;
	unsigned char *buf = saved_cls("m.dnn", &len), *p, *q, *payload;
	struct dnn_model a, b;
	struct dnn_error e;

	/* Move SPEC to the end (after a skipped ancillary section). */
	off = find_section(buf, len, "SPEC");
	plen = (size_t)rd_le(buf + off + 4, 8);
	payload = malloc(plen);
	ck_assert_ptr_nonnull(payload);
	memcpy(payload, buf + off + 12, plen);
	p = splice(buf, len, off, NULL, NULL, 0, &n);
	q = splice(p, n, 0, "anc1", "xy", 2, &n);
	free(p);
	p = splice(q, n, 0, "SPEC", payload, plen, &n);
	spit(tpath("moved.dnn"), p, n);
	make_cls(&a);
	ck_assert_msg(ckpt_load(&b, tpath("moved.dnn"), &e) == 0, "%s", e.msg);
	assert_model_eq(&a, &b);
	model_free(&a);
	model_free(&b);
	free(payload);
	free(p);
	free(q);
	free(buf);
}
END_TEST

/* The training data's format: written as csvf only when not the default,
 * read back, filling what the user did not give; a csvf that does not parse
 * is ignored, as an ancillary section is. */
START_TEST(test_data_format)
{
	/* A wrong length, header flag or delimiter (the first three bytes,
	 * the first two for all but the first). */
	static const unsigned char bad[][3] = {
	    {0, ';', 'x'}, {2, ';'}, {0, '"'}, {0, 0}, {0, '\n'}};
	struct dnn_csv_opts unset = {'\0', -1, 0}, given = {'|', 1, 0}, none = {'\0', -1, 0};
	size_t len, n, off;
	unsigned char *buf = saved_cls("plain.dnn", &len), *p;
	struct dnn_model a, b;
	struct dnn_error e;

	ck_assert_uint_eq(find_section(buf, len, "csvf"), 0);
	free(buf);
	make_cls(&a);
	model_set_csv(&a, &(struct dnn_csv_opts){';', 0, 0});
	ck_assert_int_eq(ckpt_save(&a, tpath("semi.dnn"), &e), 0);
	buf = slurp(tpath("semi.dnn"), &len);
	ck_assert_uint_eq(len, layout_size(&a) + 12 + 2);
	off = find_section(buf, len, "csvf");
	ck_assert_uint_ne(off, 0);
	ck_assert_uint_eq(rd_le(buf + off + 4, 8), 2);
	ck_assert_uint_eq(buf[off + 12], 0);
	ck_assert_uint_eq(buf[off + 13], ';');
	ck_assert_msg(ckpt_load(&b, tpath("semi.dnn"), &e) == 0, "%s", e.msg);
	ck_assert_int_eq(b.csv_no_header, 1);
	ck_assert_int_eq(b.csv_delimiter, ';');
	model_csv_defaults(&b, &unset);
	ck_assert_int_eq(unset.header, 0);
	ck_assert_int_eq(unset.delimiter, ';');
	model_csv_defaults(&b, &given);
	ck_assert_int_eq(given.header, 1);
	ck_assert_int_eq(given.delimiter, '|');
	model_csv_defaults(NULL, &none);
	ck_assert_int_eq(none.header, 1);
	ck_assert_int_eq(none.delimiter, ',');
	model_free(&b);
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		p = splice(buf, len, off, "csvf", bad[k], k == 0 ? 3 : 2, &n);
		spit(tpath("bad.dnn"), p, n);
		ck_assert_msg(ckpt_load(&b, tpath("bad.dnn"), &e) == 0, "%s", e.msg);
		ck_assert_int_eq(b.csv_no_header, 0);
		ck_assert_int_eq(b.csv_delimiter, 0);
		model_free(&b);
		free(p);
	}
	model_free(&a);
	free(buf);
}
END_TEST

/* A single sigmoid unit for two classes is accepted; for three it is not. */
START_TEST(test_single_sigmoid)
{
	static const char *const cols[] = {"x", "y"};
	static const char *const classes[] = {"no", "yes", "maybe"};
	size_t units[1] = {1};
	int acts[1] = {DNN_ACT_SIGMOID};
	struct dnn_model a, b;
	struct dnn_error e;

	memset(&a, 0, sizeof a);
	a.spec_json = xstrdup("{}");
	a.n_cols = 2;
	a.col_names = xstrings(cols, 2);
	a.col_role = malloc(2);
	ck_assert_ptr_nonnull(a.col_role);
	a.col_role[0] = DNN_COL_INPUT;
	a.col_role[1] = DNN_COL_TARGET;
	a.task = DNN_TASK_CLASSIFICATION;
	a.n_classes = 2;
	a.class_names = xstrings(classes, 3);
	xnorm(&a.in_norm, 1, 0.0f, 1.0f);
	a.net = net_new(1, 1, units, acts, DNN_LOSS_BINARY_CROSS_ENTROPY, &e);
	ck_assert_ptr_nonnull(a.net);
	fill_params(a.net);
	ck_assert_msg(ckpt_save(&a, tpath("s.dnn"), &e) == 0, "%s", e.msg);
	ck_assert_int_eq(ckpt_load(&b, tpath("s.dnn"), &e), 0);
	assert_model_eq(&a, &b);
	model_free(&b);
	a.n_classes = 3;
	ck_assert_int_eq(ckpt_save(&a, tpath("s3.dnn"), &e), -1);
	ck_assert_int_eq(e.code, 70);
	model_free(&a);
}
END_TEST

static Suite *ckpt_suite(void)
{
	Suite *s = suite_create("ckpt");
	TCase *tc = tcase_create("format");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_roundtrip_classification);
	tcase_add_test(tc, test_roundtrip_regression);
	tcase_add_test(tc, test_roundtrip_dropout);
	tcase_add_test(tc, test_layout);
	tcase_add_test(tc, test_deterministic);
	tcase_add_test(tc, test_replace_existing);
	tcase_add_test(tc, test_long_name);
	tcase_add_test(tc, test_no_directory);
	tcase_add_test(tc, test_save_over_directory);
	tcase_add_test(tc, test_save_inconsistent);
	tcase_add_test(tc, test_stdout);
	tcase_add_test(tc, test_stdin);
	tcase_add_test(tc, test_model_free);
	tcase_add_test(tc, test_section_order);
	tcase_add_test(tc, test_single_sigmoid);
	tcase_add_test(tc, test_data_format);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(ckpt_suite)
