/* Shared by the unit tests of ckpt.c: a scratch directory, two models to save,
 * bit-for-bit comparisons and the editing of a checkpoint's bytes. */
#include "ckptutil.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "act.h"
#include "loss.h"
#include "util.h"

char tmpdir[512];

/* A path in the test's scratch directory (four rotating buffers). */
const char *tpath(const char *name)
{
	static char buf[4][1024];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
	return buf[k];
}

void setup(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof tmpdir, "%s/check_ckpt.XXXXXX", base && *base ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

/* Remove the scratch directory and what is in it (one level deep). */
void teardown(void)
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
int count_entries(const char *s)
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

unsigned char *slurp(const char *path, size_t *len)
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

void spit(const char *path, const unsigned char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_msg(f != NULL, "cannot create %s", path);
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* CRC-32 (ISO-HDLC: reflected polynomial 0xEDB88320, initial and final
 * complement), bit by bit: independent of zlib. */
uint32_t crc32_ref(const unsigned char *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
	}
	return c ^ 0xFFFFFFFFu;
}

uint64_t rd_le(const unsigned char *p, int k)
{
	uint64_t v = 0;

	for (int i = 0; i < k; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

void wr_le(unsigned char *p, uint64_t v, int k)
{
	for (int i = 0; i < k; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* Rewrite the trailing CRC after an edit. */
void fix_crc(unsigned char *buf, size_t len)
{
	wr_le(buf + len - 4, crc32_ref(buf, len - 4), 4);
}

/* Offset of the header of the section with this tag; 0 when absent. */
size_t find_section(const unsigned char *buf, size_t len, const char *tag)
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
unsigned char *splice(const unsigned char *buf, size_t len, size_t off, const char *tag,
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

char *xstrdup(const char *s)
{
	char *d = util_strdup(s);

	ck_assert_ptr_nonnull(d);
	return d;
}

char **xstrings(const char *const *v, size_t n)
{
	char **d = calloc(n, sizeof *d);

	ck_assert_ptr_nonnull(d);
	for (size_t i = 0; i < n; i++)
		d[i] = xstrdup(v[i]);
	return d;
}

void xnorm(struct dnn_norm *nm, size_t n, float mean0, float scale0)
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
void fill_params(struct dnn_net *net)
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

const char spec_text[] =
    "{\"layers\":[{\"units\":4,\"activation\":\"relu\"},{\"units\":3,\"activation\":"
    "\"softmax\"}],\"loss\":\"cross_entropy\"}";

/* Classification: 3 inputs in columns 0, 2, 3 (target in column 1),
 * 3 -> 4 relu -> 3 softmax, 3 epochs of history with NaN figures. */
void make_cls(struct dnn_model *m)
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
void make_reg(struct dnn_model *m)
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

void assert_same_bits(const void *a, const void *b, size_t n, const char *what)
{
	ck_assert_msg(memcmp(a, b, n) == 0, "%s differs", what);
}

void assert_norm_eq(const struct dnn_norm *a, const struct dnn_norm *b)
{
	ck_assert_uint_eq(a->n, b->n);
	if (a->n) {
		assert_same_bits(a->mean, b->mean, a->n * sizeof *a->mean, "mean");
		assert_same_bits(a->scale, b->scale, a->n * sizeof *a->scale, "scale");
	}
}

/* Every field of b equals a's, bit for bit; b's epochs are numbered 1, 2, ...
 * and have no seconds. */
void assert_model_eq(const struct dnn_model *a, const struct dnn_model *b)
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
size_t layout_size(const struct dnn_model *m)
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
unsigned char *saved_cls(const char *name, size_t *len)
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
void assert_refused(const unsigned char *buf, size_t len, const char *want)
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

void assert_loads(const unsigned char *buf, size_t len)
{
	const char *p = tpath("ok.dnn");
	struct dnn_model m;
	struct dnn_error e;

	spit(p, buf, len);
	ck_assert_msg(ckpt_load(&m, p, &e) == 0, "refused: %s", e.msg);
	model_free(&m);
}
