/* Unit tests for ckpt.c: round trips compared bit for bit, the byte layout of
 * dnn-checkpoint(5), atomic replacement, and the refusal of every kind of
 * damaged or inconsistent file with its code and message. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
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
#include "loss.h"
#include "net.h"
#include "testutil.h"
#include "util.h"

static char tmpdir[512];

/* A path in the test's scratch directory (four rotating buffers). */
static const char *tpath(const char *name)
{
	static char buf[4][1024];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
	return buf[k];
}

static void setup(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof tmpdir, "%s/check_ckpt.XXXXXX", base && *base ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

/* Remove the scratch directory and what is in it (one level deep). */
static void teardown(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlink(tpath(de->d_name));
	}
	closedir(d);
	rmdir(tmpdir);
}

/* Entries of the scratch directory whose name contains s. */
static int count_entries(const char *s)
{
	DIR *d = opendir(tmpdir);
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && strstr(de->d_name, s))
			n++;
	closedir(d);
	return n;
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t n = 0, cap = 0, k;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	do {
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
		k = fread(buf + n, 1, cap - n, f);
		n += k;
	} while (k > 0);
	ck_assert_int_eq(ferror(f), 0);
	fclose(f);
	*len = n;
	return buf;
}

static void spit(const char *path, const unsigned char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_msg(f != NULL, "cannot create %s", path);
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* CRC-32 (ISO-HDLC: reflected polynomial 0xEDB88320, initial and final
 * complement), bit by bit: independent of zlib. */
static uint32_t crc32_ref(const unsigned char *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
	}
	return c ^ 0xFFFFFFFFu;
}

static uint64_t rd_le(const unsigned char *p, int k)
{
	uint64_t v = 0;

	for (int i = 0; i < k; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void wr_le(unsigned char *p, uint64_t v, int k)
{
	for (int i = 0; i < k; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* Rewrite the trailing CRC after an edit. */
static void fix_crc(unsigned char *buf, size_t len)
{
	wr_le(buf + len - 4, crc32_ref(buf, len - 4), 4);
}

/* Offset of the header of the section with this tag; 0 when absent. */
static size_t find_section(const unsigned char *buf, size_t len, const char *tag)
{
	for (size_t pos = 12; pos + 12 <= len - 4;) {
		if (memcmp(buf + pos, tag, 4) == 0)
			return pos;
		pos += 12 + (size_t)rd_le(buf + pos + 4, 8);
	}
	return 0;
}

/* A copy of buf with the section at off (0: none) replaced by, or the new
 * section inserted before the CRC, tag + payload; the CRC fixed. */
static unsigned char *splice(const unsigned char *buf, size_t len, size_t off, const char *tag,
			     const void *payload, size_t plen, size_t *out_len)
{
	size_t at = off ? off : len - 4;
	size_t old = off ? 12 + (size_t)rd_le(buf + off + 4, 8) : 0;
	size_t n = len - old + (tag ? 12 + plen : 0);
	unsigned char *p = malloc(n), *q = p;

	ck_assert_ptr_nonnull(p);
	memcpy(q, buf, at);
	q += at;
	if (tag) {
		memcpy(q, tag, 4);
		wr_le(q + 4, plen, 8);
		if (plen)
			memcpy(q + 12, payload, plen);
		q += 12 + plen;
	}
	memcpy(q, buf + at + old, len - at - old);
	fix_crc(p, n);
	*out_len = n;
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = util_strdup(s);

	ck_assert_ptr_nonnull(d);
	return d;
}

static char **xstrings(const char *const *v, size_t n)
{
	char **d = calloc(n, sizeof *d);

	ck_assert_ptr_nonnull(d);
	for (size_t i = 0; i < n; i++)
		d[i] = xstrdup(v[i]);
	return d;
}

static void xnorm(struct dnn_norm *nm, size_t n, float mean0, float scale0)
{
	nm->n = n;
	nm->mean = malloc(n * sizeof *nm->mean);
	nm->scale = malloc(n * sizeof *nm->scale);
	ck_assert(nm->mean && nm->scale);
	for (size_t j = 0; j < n; j++) {
		nm->mean[j] = mean0 + 0.5f * (float)j;
		nm->scale[j] = scale0 * (float)(j + 1);
	}
}

/* Weights that are all different, with a few awkward values among them. */
static void fill_params(struct dnn_net *net)
{
	for (size_t i = 0; i < net->n_params; i++)
		net->params[i] = (float)((double)i * 0.37 - 5.0);
	if (net->n_params < 4)
		return;
	net->params[0] = -0.0f;
	net->params[1] = 1e-40f; /* subnormal */
	net->params[2] = 3.4e38f;
	net->params[3] = 3.14159265358979f;
}

static const char spec_text[] =
    "{\"layers\":[{\"units\":4,\"activation\":\"relu\"},{\"units\":3,\"activation\":"
    "\"softmax\"}],\"loss\":\"cross_entropy\"}";

/* Classification: 3 inputs in columns 0, 2, 3 (target in column 1),
 * 3 -> 4 relu -> 3 softmax, 3 epochs of history with NaN figures. */
static void make_cls(struct dnn_model *m)
{
	static const char *const cols[] = {"sepal length", "species", "petal,width", "x\xc3\xa9"};
	static const char *const classes[] = {"setosa", "versicolor", "virginica"};
	size_t units[2] = {4, 3};
	int acts[2] = {DNN_ACT_RELU, DNN_ACT_SOFTMAX};
	struct dnn_error e;

	memset(m, 0, sizeof *m);
	m->spec_json = xstrdup(spec_text);
	m->n_cols = 4;
	m->col_names = xstrings(cols, 4);
	m->col_role = malloc(4);
	ck_assert_ptr_nonnull(m->col_role);
	memcpy(m->col_role, (unsigned char[]){1, 2, 1, 1}, 4);
	m->task = DNN_TASK_CLASSIFICATION;
	m->n_classes = 3;
	m->class_names = xstrings(classes, 3);
	xnorm(&m->in_norm, 3, 5.75f, 0.25f);
	m->net = net_new(3, 2, units, acts, DNN_LOSS_CROSS_ENTROPY, &e);
	ck_assert_ptr_nonnull(m->net);
	fill_params(m->net);
	for (unsigned long i = 1; i <= 3; i++) {
		struct dnn_epoch ep = {i,
				       1.0 / (double)i,
				       i == 2 ? (double)NAN : 2.0 / (double)i,
				       0.5 + 0.1 * (double)i,
				       (double)NAN,
				       0.1,
				       0.25 * (double)i};

		ck_assert_int_eq(history_append(&m->history, &ep), 0);
	}
}

/* Regression: 2 inputs and 2 targets, 2 -> 5 tanh -> 2 linear. */
static void make_reg(struct dnn_model *m)
{
	static const char *const cols[] = {"a", "b", "y1", "y2"};
	size_t units[2] = {5, 2};
	int acts[2] = {DNN_ACT_TANH, DNN_ACT_LINEAR};
	struct dnn_error e;

	memset(m, 0, sizeof *m);
	m->spec_json = xstrdup("{\"loss\":\"mse\"}");
	m->n_cols = 4;
	m->col_names = xstrings(cols, 4);
	m->col_role = malloc(4);
	ck_assert_ptr_nonnull(m->col_role);
	memcpy(m->col_role, (unsigned char[]){1, 1, 2, 2}, 4);
	m->task = DNN_TASK_REGRESSION;
	xnorm(&m->in_norm, 2, -1.0f, 2.0f);
	xnorm(&m->out_norm, 2, 150.0f, 75.5f);
	m->net = net_new(2, 2, units, acts, DNN_LOSS_MSE, &e);
	ck_assert_ptr_nonnull(m->net);
	fill_params(m->net);
	struct dnn_epoch ep = {1, 0.5, (double)NAN, (double)NAN, (double)NAN, 0.01, 1.0};
	ck_assert_int_eq(history_append(&m->history, &ep), 0);
}

static void assert_same_bits(const void *a, const void *b, size_t n, const char *what)
{
	ck_assert_msg(memcmp(a, b, n) == 0, "%s differs", what);
}

static void assert_norm_eq(const struct dnn_norm *a, const struct dnn_norm *b)
{
	ck_assert_uint_eq(a->n, b->n);
	if (a->n) {
		assert_same_bits(a->mean, b->mean, a->n * sizeof *a->mean, "mean");
		assert_same_bits(a->scale, b->scale, a->n * sizeof *a->scale, "scale");
	}
}

/* Every field of b equals a's, bit for bit; b's epochs are numbered 1, 2, ...
 * and have no seconds. */
static void assert_model_eq(const struct dnn_model *a, const struct dnn_model *b)
{
	ck_assert_str_eq(a->spec_json, b->spec_json);
	ck_assert_uint_eq(a->n_cols, b->n_cols);
	for (size_t c = 0; c < a->n_cols; c++) {
		ck_assert_str_eq(a->col_names[c], b->col_names[c]);
		ck_assert_uint_eq(a->col_role[c], b->col_role[c]);
	}
	ck_assert_int_eq(a->task, b->task);
	ck_assert_uint_eq(a->n_classes, b->n_classes);
	for (size_t k = 0; k < a->n_classes; k++)
		ck_assert_str_eq(a->class_names[k], b->class_names[k]);
	assert_norm_eq(&a->in_norm, &b->in_norm);
	assert_norm_eq(&a->out_norm, &b->out_norm);
	ck_assert_uint_eq(a->history.n, b->history.n);
	for (size_t i = 0; i < a->history.n; i++) {
		const struct dnn_epoch *x = &a->history.epochs[i], *y = &b->history.epochs[i];

		ck_assert_uint_eq(y->epoch, i + 1);
		assert_same_bits(&x->loss, &y->loss, sizeof x->loss, "loss");
		assert_same_bits(&x->val_loss, &y->val_loss, sizeof x->loss, "val_loss");
		assert_same_bits(&x->accuracy, &y->accuracy, sizeof x->loss, "accuracy");
		assert_same_bits(&x->val_accuracy, &y->val_accuracy, sizeof x->loss,
				 "val_accuracy");
		assert_same_bits(&x->learning_rate, &y->learning_rate, sizeof x->loss,
				 "learning_rate");
		ck_assert(isnan(y->seconds));
	}
	ck_assert_uint_eq(a->net->n_in, b->net->n_in);
	ck_assert_uint_eq(a->net->n_layers, b->net->n_layers);
	ck_assert_int_eq(a->net->loss, b->net->loss);
	for (size_t l = 0; l < a->net->n_layers; l++) {
		ck_assert_uint_eq(a->net->layers[l].n_in, b->net->layers[l].n_in);
		ck_assert_uint_eq(a->net->layers[l].n_out, b->net->layers[l].n_out);
		ck_assert_int_eq(a->net->layers[l].act->id, b->net->layers[l].act->id);
		ck_assert_ptr_eq(a->net->layers[l].kind, b->net->layers[l].kind);
		assert_same_bits(a->net->layers[l].field, b->net->layers[l].field,
				 sizeof a->net->layers[l].field, "fields");
	}
	ck_assert_uint_eq(a->net->n_params, b->net->n_params);
	assert_same_bits(a->net->params, b->net->params, a->net->n_params * sizeof(float),
			 "params");
}

/* The size dnn-checkpoint(5) gives for m. */
static size_t layout_size(const struct dnn_model *m)
{
	size_t n = 12 + 4 + 7 * 12;

	n += strlen(m->spec_json);
	n += 16 + 8 * m->net->n_layers;
	n += 4;
	for (size_t c = 0; c < m->n_cols; c++)
		n += 1 + 4 + strlen(m->col_names[c]);
	n += 4;
	for (size_t k = 0; k < m->n_classes; k++)
		n += 4 + strlen(m->class_names[k]);
	n += 4 + 8 * m->in_norm.n + 4 + 8 * m->out_norm.n;
	n += 8 + 4 * m->net->n_params;
	n += 8 + 40 * m->history.n;
	return n;
}

/* Save the classification model to name; return the file's bytes. */
static unsigned char *saved_cls(const char *name, size_t *len)
{
	struct dnn_model m;
	struct dnn_error e;

	make_cls(&m);
	ck_assert_int_eq(ckpt_save(&m, tpath(name), &e), 0);
	model_free(&m);
	return slurp(tpath(name), len);
}

/* Loading buf (written to a file) fails with 65, naming the file, with a
 * message that contains want (NULL: any). */
static void assert_refused(const unsigned char *buf, size_t len, const char *want)
{
	const char *p = tpath("bad.dnn");
	struct dnn_model m;
	struct dnn_error e;

	spit(p, buf, len);
	dnn_error_clear(&e);
	ck_assert_int_eq(ckpt_load(&m, p, &e), -1);
	ck_assert_int_eq(e.code, 65);
	ck_assert_str_eq(e.file, p);
	ck_assert_msg(e.msg[0] != '\0', "no message");
	if (want)
		ck_assert_msg(strstr(e.msg, want) != NULL, "message '%s' lacks '%s'", e.msg, want);
	ck_assert_ptr_null(m.net);
	ck_assert_ptr_null(m.col_names);
	ck_assert_ptr_null(m.spec_json);
}

static void assert_loads(const unsigned char *buf, size_t len)
{
	const char *p = tpath("ok.dnn");
	struct dnn_model m;
	struct dnn_error e;

	spit(p, buf, len);
	ck_assert_msg(ckpt_load(&m, p, &e) == 0, "refused: %s", e.msg);
	model_free(&m);
}

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
	TCase *tr = tcase_create("refusals");

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
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(tr, setup, teardown);
	tcase_set_timeout(tr, 60);
	tcase_add_test(tr, test_missing_file);
	tcase_add_test(tr, test_truncated);
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

DNN_CHECK_MAIN(ckpt_suite)
