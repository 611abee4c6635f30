/* The C export: a model written as one C99 header that needs only libm. */
#include "export_c.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "export_graph.h"
#include "layer.h"
#include "util.h"

#define N_TESTS 3

/* What the writer knows of the model beyond m. */
struct cx {
	struct dnn_model *m;
	struct dnn_wbuf *w;	       /* the text */
	const char *p;		       /* the prefix */
	const struct dnn_quant *quant; /* or NULL */
	struct dnn_export_graph g;     /* the raw columns, codes and outputs */
};

/* Append the formatted text to c's buffer (w->oom on failure). */
static void emit(struct cx *c, const char *fmt, ...) DNN_PRINTF(2, 3);
static void emit(struct cx *c, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		c->w->oom = 1;
		return;
	}
	if ((size_t)n < sizeof small) {
		wbuf_bytes(c->w, small, (size_t)n);
		return;
	}
	unsigned char *q = wbuf_grow(c->w, (size_t)n + 1);

	if (!q)
		return;
	va_start(ap, fmt);
	vsnprintf((char *)q, (size_t)n + 1, fmt, ap);
	va_end(ap);
	c->w->n -= 1; /* the NUL */
}

int export_c_prefix_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return 0;
	}
	return 1;
}

/* v as a C float literal that reads back as v ("1.0f", "-2.5e-07f"). */
static void put_float(struct cx *c, float v)
{
	char buf[48];

	snprintf(buf, sizeof buf, "%.9g", (double)v);
	emit(c, "%s", buf);
	if (!strpbrk(buf, ".e"))
		emit(c, "%s", ".0");
	emit(c, "%c", 'f');
}

/* static const float NAME[n] = {...}; six values a line. */
static void put_floats(struct cx *c, const char *name, const float *v, size_t n)
{
	emit(c, "static const float %s_%s[%zu] = {", c->p, name, n);
	for (size_t i = 0; i < n; i++) {
		emit(c, "%s", i % 6 ? ", " : (i ? ",\n\t" : "\n\t"));
		put_float(c, v[i]);
	}
	emit(c, "%s", "\n};\n");
}

/* static const signed char NAME[n] = {...}; sixteen values a line. */
static void put_int8s(struct cx *c, const char *name, const int8_t *v, size_t n)
{
	emit(c, "static const signed char %s_%s[%zu] = {", c->p, name, n);
	for (size_t i = 0; i < n; i++)
		emit(c, "%s%d", i % 16 ? ", " : (i ? ",\n\t" : "\n\t"), v[i]);
	emit(c, "%s", "\n};\n");
}

/* s as a C string literal: quotes, backslashes, '?' (trigraphs) and every
 * byte outside printable ASCII escaped. */
static void put_string(struct cx *c, const char *s)
{
	emit(c, "%c", '"');
	for (const unsigned char *q = (const unsigned char *)s; *q; q++) {
		if (*q == '"' || *q == '\\' || *q == '?')
			emit(c, "\\%c", *q);
		else if (*q < 0x20 || *q >= 0x7f)
			emit(c, "\\%03o", *q);
		else
			emit(c, "%c", *q);
	}
	emit(c, "%c", '"');
}

/* const char *const NAME[n] with its extern declaration before (so that an
 * unused table draws no warning). */
static void put_strings(struct cx *c, const char *name, char *const *v, size_t n)
{
	emit(c, "extern const char *const %s_%s[%zu];\n", c->p, name, n);
	emit(c, "const char *const %s_%s[%zu] = {", c->p, name, n);
	for (size_t i = 0; i < n; i++) {
		emit(c, "%s", i ? ",\n\t" : "\n\t");
		put_string(c, v[i]);
	}
	emit(c, "%s", "\n};\n");
}

/* The categorical column of file column col, or NULL. */
static const struct dnn_catcol *cat_of(const struct dnn_model *m, size_t col)
{
	return export_graph_cat(m, col);
}

/* Whether s may stand in a comment: printable ASCII without a comment's end. */
static int comment_safe(const char *s)
{
	for (const char *q = s; *q; q++)
		if (*q < 0x20 || *q > 0x7e || (q[0] == '*' && q[1] == '/'))
			return 0;
	return 1;
}

static void put_act_helpers(struct cx *c, const int *act);

/* The opening comment, the guard, the sizes and the prototypes. */
static void put_head(struct cx *c, const struct dnn_export_c *o)
{
	const struct dnn_model *m = c->m;
	const char *p = c->p;

	emit(c, "/* %s.h: the dnn model %s as C99 code, written by dnn export.\n", p,
	     o->source && comment_safe(o->source) ? o->source : "");
	emit(c, " * %s_predict(inputs, outputs) takes %s_N_INPUTS floats, the raw values of\n", p,
	     p);
	emit(c, "%s", " * the model's input columns in the order of its training file (names in\n");
	emit(c, " * %s_input_names; a categorical column takes its category's code in\n", p);
	emit(c, " * %s_category_codes), and gives %s_N_OUTPUTS floats: ", p, p);
	if (m->task == DNN_TASK_CLASSIFICATION)
		emit(c, "the probability of each\n * class (%s_class_names).", p);
	else
		emit(c, "%s", "the predicted values in\n * the target's units.");
	emit(c, "%s", " A missing input (NaN) is");
	emit(c, "%s",
	     m->fill ? " filled with the\n * training mean.\n" : " not filled: NaN\n * outputs.\n");
	emit(c,
	     " * %s_selftest() returns 0 when this code reproduces dnn's outputs on the\n"
	     " * golden vectors %s_test_inputs. Needs libm only; no allocation, no\n"
	     " * mutable global state. Include it from one translation unit. */\n",
	     p, p);
	if (c->quant)
		emit(c, "%s",
		     "/* The dense rows hold int8 weights with a float scale per output unit;\n"
		     " * each row's input vector is quantized to int8 by its largest magnitude,\n"
		     " * the products are summed in a long; the rest computes in float. */\n");
	emit(c, "#ifndef DNN_EXPORT_%s_H\n#define DNN_EXPORT_%s_H\n\n", p, p);
	emit(c, "%s", "#include <math.h>\n#include <stddef.h>\n\n");
	emit(c, "#define %s_N_INPUTS %zu\n#define %s_N_OUTPUTS %zu\n", p, c->g.n_raw, p,
	     c->g.n_out);
	emit(c, "#define %s_N_TESTS %d\n\n", p, N_TESTS);
	emit(c, "void %s_predict(const float *inputs, float *outputs);\n", p);
	emit(c, "int %s_selftest(void);\n\n", p);
}

/* The names of the inputs and classes, and the categories' codes. */
static void put_names(struct cx *c)
{
	const struct dnn_model *m = c->m;
	char **names = util_malloc_array(c->g.n_raw ? c->g.n_raw : 1, sizeof *names);

	if (names) {
		for (size_t j = 0; j < c->g.n_raw; j++)
			names[j] = m->col_names[c->g.raw_col[j]];
		put_strings(c, "input_names", names, c->g.n_raw);
		free(names);
	}
	if (m->task == DNN_TASK_CLASSIFICATION)
		put_strings(c, "class_names", m->class_names, m->n_classes);
	if (c->g.n_codes) {
		emit(c, "extern const float %s_category_codes[%zu];\n", c->p, c->g.n_codes);
		emit(c, "const float %s_category_codes[%zu] = {", c->p, c->g.n_codes);
		for (size_t i = 0; i < c->g.n_codes; i++) {
			emit(c, "%s", i % 6 ? ", " : (i ? ",\n\t" : "\n\t"));
			put_float(c, c->g.codes[i]);
		}
		emit(c, "%s", "\n};\n");
	}
	emit(c, "%c", '\n');
}

/* The input transform's tables and NAME_inputs: raw columns to the
 * network's inputs (one-hot categories, fill, standardization). */
static void put_inputs(struct cx *c)
{
	const struct dnn_model *m = c->m;
	const char *p = c->p;
	size_t n_in = m->net->n_in;

	put_floats(c, "in_mean", m->in_norm.mean, n_in);
	put_floats(c, "in_scale", m->in_norm.scale, n_in);
	if (m->fill)
		put_floats(c, "fill", m->fill, n_in);
	emit(c, "\nstatic void %s_inputs(const float *in, float *x)\n{\n\tsize_t k;\n", p);
	if (m->n_cats) {
		size_t code = 0;

		emit(c, "%s", "\tsize_t j, q;\n");
		emit(c, "\tstatic const unsigned first[%zu] = {", c->g.n_raw);
		for (size_t j = 0; j < c->g.n_raw; j++)
			emit(c, "%s%zu", j ? ", " : "",
			     data_input_of(m->col_role, c->g.raw_col[j], m->cats, m->n_cats));
		emit(c, "};\n\tstatic const unsigned ncat[%zu] = {", c->g.n_raw);
		for (size_t j = 0; j < c->g.n_raw; j++) {
			const struct dnn_catcol *cc = cat_of(m, c->g.raw_col[j]);

			emit(c, "%s%zu", j ? ", " : "", cc ? cc->n : 0);
		}
		emit(c, "};\n\tstatic const unsigned code[%zu] = {", c->g.n_raw);
		for (size_t j = 0; j < c->g.n_raw; j++) {
			const struct dnn_catcol *cc = cat_of(m, c->g.raw_col[j]);

			emit(c, "%s%zu", j ? ", " : "", code);
			code += cc ? cc->n : 0;
		}
		emit(c,
		     "};\n\n\tfor (j = 0; j < %s_N_INPUTS; j++) {\n"
		     "\t\tfloat v = in[j];\n\n"
		     "\t\tif (ncat[j] == 0)\n\t\t\tx[first[j]] = v;\n"
		     "\t\tfor (q = 0; q < ncat[j]; q++)\n"
		     "\t\t\tx[first[j] + q] = v != v ? v\n"
		     "\t\t\t\t: (%s_category_codes[code[j] + q] == v ? 1.0f : 0.0f);\n\t}\n",
		     p, p);
	} else {
		emit(c, "%s", "\tfor (k = 0; k < ");
		emit(c, "%zu; k++)\n\t\tx[k] = in[k];\n", n_in);
	}
	emit(c, "\tfor (k = 0; k < %zu; k++) {\n", n_in);
	if (m->fill)
		emit(c, "\t\tif (x[k] != x[k])\n\t\t\tx[k] = %s_fill[k];\n", p);
	emit(c, "\t\tx[k] = (x[k] - %s_in_mean[k]) / %s_in_scale[k];\n\t}\n}\n\n", p, p);
}

/* The weights of row l (dense: w, b; batch norm: mean, gamma / sqrt(var +
 * eps) as dnn rounds it, beta; layer norm: gamma, beta). */
static int put_row_weights(struct cx *c, size_t l, struct dnn_error *e)
{
	const struct dnn_net *net = c->m->net;
	const struct dnn_layer *ly = &net->layers[l];
	const float *w = net->params + ly->w_off, *b = net->params + ly->b_off;
	char name[32];
	size_t n = ly->n_out;

	if (ly->kind->id == DNN_LAYER_DENSE && c->quant) {
		snprintf(name, sizeof name, "q%zu", l);
		put_int8s(c, name, c->quant->q[l], n * ly->n_in);
		snprintf(name, sizeof name, "s%zu", l);
		put_floats(c, name, c->quant->scale[l], n);
	} else if (ly->kind->id == DNN_LAYER_DENSE) {
		snprintf(name, sizeof name, "w%zu", l);
		put_floats(c, name, w, n * ly->n_in);
	} else if (ly->kind->id == DNN_LAYER_BATCH_NORM) {
		const float *mean = net->state + ly->s_off;
		float *s = util_malloc_array(n, sizeof *s);

		if (!s)
			return dnn_error_oom(e);
		export_graph_batch_norm(net, ly, s, NULL);
		snprintf(name, sizeof name, "mean%zu", l);
		put_floats(c, name, mean, n);
		snprintf(name, sizeof name, "w%zu", l);
		put_floats(c, name, s, n);
		free(s);
	} else if (ly->kind->id == DNN_LAYER_LAYER_NORM) {
		snprintf(name, sizeof name, "w%zu", l);
		put_floats(c, name, w, n);
	} else {
		return 0;
	}
	snprintf(name, sizeof name, "b%zu", l);
	put_floats(c, name, b, n);
	return 0;
}

/* The int8 dense row of quant.h: its code rule, then y = W x + b with W
 * = s q per output channel, x quantized per vector, the sums in a long. */
static void put_dense_q8(struct cx *c)
{
	const char *p = c->p;

	emit(c,
	     "/* x's int8 code under scale s: round half away from 0, clamp to 127. */\n"
	     "static int %s_code(float x, float s)\n{\n\tfloat v = x / s;\n"
	     "\tint q = (int)(v < 0.0f ? v - 0.5f : v + 0.5f);\n\n"
	     "\treturn q > 127 ? 127 : (q < -127 ? -127 : q);\n}\n\n",
	     p);
	emit(c,
	     "/* y = W x + b, W = s_j q_j per output channel, x = s_x q_x with\n"
	     " * s_x = max |x| / 127, the int8 products summed in a long (32 bits). */\n"
	     "static void %s_dense_q8(const signed char *q, const float *s, const float *b,\n"
	     "\t\t\tsize_t n_in, size_t n_out, const float *x, float *y)\n{\n"
	     "\tsigned char xq[%zu];\n\tfloat mx = 0.0f, sx;\n\tsize_t i, k;\n\n"
	     "\tfor (k = 0; k < n_in; k++)\n"
	     "\t\tmx = fabsf(x[k]) > mx ? fabsf(x[k]) : mx;\n"
	     "\tsx = mx > 0.0f ? mx / 127.0f : 1.0f;\n"
	     "\tfor (k = 0; k < n_in; k++)\n\t\txq[k] = (signed char)%s_code(x[k], sx);\n"
	     "\tfor (i = 0; i < n_out; i++) {\n\t\tlong acc = 0;\n\n"
	     "\t\tfor (k = 0; k < n_in; k++)\n"
	     "\t\t\tacc += (long)q[i * n_in + k] * (long)xq[k];\n"
	     "\t\ty[i] = (float)acc * (s[i] * sx) + b[i];\n\t}\n}\n\n",
	     p, c->g.width, p);
}

/* The helper functions the rows use, each written once. */
static void put_helpers(struct cx *c)
{
	const struct dnn_net *net = c->m->net;
	const char *p = c->p;
	int kind[DNN_LAYER_MAX + 1] = {0}, act[DNN_ACT_MAX + 1] = {0};

	for (size_t l = 0; l < net->n_layers; l++) {
		kind[net->layers[l].kind->id] = 1;
		if (net->layers[l].kind->id != DNN_LAYER_DROPOUT)
			act[net->layers[l].act->id] = 1;
	}
	if (kind[DNN_LAYER_DENSE] && c->quant)
		put_dense_q8(c);
	else if (kind[DNN_LAYER_DENSE])
		emit(c,
		     "/* y = W x + b, W n_out x n_in row-major, summed in double. */\n"
		     "static void %s_dense(const float *w, const float *b, size_t n_in,\n"
		     "\t\t\tsize_t n_out, const float *x, float *y)\n{\n"
		     "\tsize_t i, k;\n\n\tfor (i = 0; i < n_out; i++) {\n"
		     "\t\tdouble s = (double)b[i];\n\n\t\tfor (k = 0; k < n_in; k++)\n"
		     "\t\t\ts += (double)w[i * n_in + k] * (double)x[k];\n"
		     "\t\ty[i] = (float)s;\n\t}\n}\n\n",
		     p);
	if (kind[DNN_LAYER_BATCH_NORM])
		emit(
		    c,
		    "/* Batch normalization with the running statistics: y = (x - mean) s + b,\n"
		    " * s = gamma / sqrt(var + epsilon). */\n"
		    "static void %s_batch_norm(const float *mean, const float *s, const float *b,\n"
		    "\t\t\t size_t n, const float *x, float *y)\n{\n\tsize_t j;\n\n"
		    "\tfor (j = 0; j < n; j++)\n\t\ty[j] = (x[j] - mean[j]) * s[j] + b[j];\n}\n\n",
		    p);
	if (kind[DNN_LAYER_LAYER_NORM])
		emit(
		    c,
		    "/* Layer normalization: y = (x - mu) / sqrt(var + epsilon) gamma + beta,\n"
		    " * mu and the biased var over the row, in double. */\n"
		    "static void %s_layer_norm(const float *g, const float *b, size_t n,\n"
		    "\t\t\t double eps, const float *x, float *y)\n{\n"
		    "\tdouble mu = 0.0, var = 0.0;\n\tfloat m, r;\n\tsize_t j;\n\n"
		    "\tfor (j = 0; j < n; j++)\n\t\tmu += (double)x[j];\n\tmu /= (double)n;\n"
		    "\tfor (j = 0; j < n; j++)\n"
		    "\t\tvar += ((double)x[j] - mu) * ((double)x[j] - mu);\n"
		    "\tvar /= (double)n;\n\tm = (float)mu;\n\tr = (float)(1.0 / sqrt(var + eps));\n"
		    "\tfor (j = 0; j < n; j++)\n\t\ty[j] = (x[j] - m) * r * g[j] + b[j];\n}\n\n",
		    p);
	put_act_helpers(c, act);
}

/* The activations the rows use (act[id] set), as act.c computes them. */
static void put_act_helpers(struct cx *c, const int *act)
{
	const char *p = c->p;

	if (act[DNN_ACT_STEP])
		emit(c,
		     "static void %s_step(float *z, size_t n)\n{\n\tsize_t j;\n\n"
		     "\tfor (j = 0; j < n; j++)\n"
		     "\t\tz[j] = z[j] > 0.0f ? 1.0f : (z[j] < 0.0f ? 0.0f : 0.5f);\n}\n\n",
		     p);
	if (act[DNN_ACT_SIGMOID])
		emit(c,
		     "static void %s_sigmoid(float *z, size_t n)\n{\n\tsize_t j;\n\n"
		     "\tfor (j = 0; j < n; j++) {\n\t\tif (z[j] >= 0.0f) {\n"
		     "\t\t\tz[j] = 1.0f / (1.0f + expf(-z[j]));\n\t\t} else {\n"
		     "\t\t\tfloat t = expf(z[j]);\n\n\t\t\tz[j] = t / (1.0f + t);\n"
		     "\t\t}\n\t}\n}\n\n",
		     p);
	if (act[DNN_ACT_TANH])
		emit(c,
		     "static void %s_tanh(float *z, size_t n)\n{\n\tsize_t j;\n\n"
		     "\tfor (j = 0; j < n; j++)\n\t\tz[j] = tanhf(z[j]);\n}\n\n",
		     p);
	if (act[DNN_ACT_RELU])
		emit(c,
		     "static void %s_relu(float *z, size_t n)\n{\n\tsize_t j;\n\n"
		     "\tfor (j = 0; j < n; j++)\n\t\tz[j] = z[j] > 0.0f ? z[j] : 0.0f;\n}\n\n",
		     p);
	if (act[DNN_ACT_SOFTMAX])
		emit(c,
		     "static void %s_softmax(float *z, size_t n)\n{\n"
		     "\tfloat mx = z[0], inv;\n\tdouble sum = 0.0;\n\tsize_t j;\n\n"
		     "\tfor (j = 1; j < n; j++)\n\t\tif (z[j] > mx)\n\t\t\tmx = z[j];\n"
		     "\tfor (j = 0; j < n; j++) {\n\t\tz[j] = expf(z[j] - mx);\n"
		     "\t\tsum += (double)z[j];\n\t}\n\tinv = (float)(1.0 / sum);\n"
		     "\tfor (j = 0; j < n; j++)\n\t\tz[j] *= inv;\n}\n\n",
		     p);
}

/* NAME_predict: the rows in turn over two buffers, then the outputs. */
static void put_predict(struct cx *c)
{
	const struct dnn_model *m = c->m;
	const struct dnn_net *net = m->net;
	const char *p = c->p;
	const char *buf[2] = {"a", "b"};
	int cur = 0;

	emit(c, "void %s_predict(const float *inputs, float *outputs)\n{\n", p);
	emit(c, "\tfloat a[%zu], b[%zu];\n", c->g.width, c->g.width);
	if (m->task == DNN_TASK_REGRESSION || !c->g.two_class)
		emit(c, "%s", "\tsize_t j;\n");
	emit(c, "\n\t%s_inputs(inputs, a);\n", p);
	for (size_t l = 0; l < net->n_layers; l++) {
		const struct dnn_layer *ly = &net->layers[l];
		const char *in = buf[cur], *out = buf[!cur];

		switch (ly->kind->id) {
		case DNN_LAYER_DENSE:
			if (c->quant) {
				emit(
				    c,
				    "\t%s_dense_q8(%s_q%zu, %s_s%zu, %s_b%zu, %zu, %zu, %s, %s);\n",
				    p, p, l, p, l, p, l, ly->n_in, ly->n_out, in, out);
				break;
			}
			emit(c, "\t%s_dense(%s_w%zu, %s_b%zu, %zu, %zu, %s, %s);\n", p, p, l, p, l,
			     ly->n_in, ly->n_out, in, out);
			break;
		case DNN_LAYER_BATCH_NORM:
			emit(c, "\t%s_batch_norm(%s_mean%zu, %s_w%zu, %s_b%zu, %zu, %s, %s);\n", p,
			     p, l, p, l, p, l, ly->n_out, in, out);
			break;
		case DNN_LAYER_LAYER_NORM:
			emit(c, "\t%s_layer_norm(%s_w%zu, %s_b%zu, %zu, %.17g, %s, %s);\n", p, p, l,
			     p, l, ly->n_out, ly->field[0], in, out);
			break;
		default: /* dropout: nothing at inference */
			continue;
		}
		cur = !cur;
		if (ly->act->id != DNN_ACT_LINEAR)
			emit(c, "\t%s_%s(%s, %zu);\n", p, ly->act->name, buf[cur], ly->n_out);
	}
	if (c->g.two_class)
		emit(c, "\toutputs[0] = 1.0f - %s[0];\n\toutputs[1] = %s[0];\n", buf[cur],
		     buf[cur]);
	else if (m->task == DNN_TASK_REGRESSION)
		emit(c,
		     "\tfor (j = 0; j < %zu; j++)\n"
		     "\t\toutputs[j] = %s[j] * %s_out_scale[j] + %s_out_mean[j];\n",
		     c->g.n_out, buf[cur], p, p);
	else
		emit(c, "\tfor (j = 0; j < %zu; j++)\n\t\toutputs[j] = %s[j];\n", c->g.n_out,
		     buf[cur]);
	emit(c, "%s", "}\n\n");
}

/* The raw inputs of golden vector t: each number its column's mean plus
 * -1, 0.25 or 1.5 standard deviations, each category the t-th. */
static void test_inputs(const struct cx *c, size_t t, float *raw)
{
	static const float dev[N_TESTS] = {-1.0f, 0.25f, 1.5f};
	const struct dnn_model *m = c->m;
	size_t code = 0;

	for (size_t j = 0; j < c->g.n_raw; j++) {
		size_t col = c->g.raw_col[j],
		       k = data_input_of(m->col_role, col, m->cats, m->n_cats);
		const struct dnn_catcol *cc = cat_of(m, col);

		if (cc) {
			raw[j] = c->g.codes[code + t % cc->n];
			code += cc->n;
		} else {
			raw[j] = m->in_norm.mean[k] + dev[t] * m->in_norm.scale[k];
		}
	}
}

/* The network's inputs of raw row raw, as dnn predict makes them. */
static void test_net_inputs(const struct cx *c, const float *raw, float *x)
{
	const struct dnn_model *m = c->m;
	size_t code = 0;

	for (size_t j = 0; j < c->g.n_raw; j++) {
		size_t col = c->g.raw_col[j],
		       k = data_input_of(m->col_role, col, m->cats, m->n_cats);
		const struct dnn_catcol *cc = cat_of(m, col);

		if (!cc) {
			x[k] = raw[j];
			continue;
		}
		for (size_t q = 0; q < cc->n; q++)
			x[k + q] = c->g.codes[code + q] == raw[j] ? 1.0f : 0.0f;
		code += cc->n;
	}
	norm_apply(&m->in_norm, x, 1);
}

/* The quantized network's outputs for the N_TESTS rows of x (n floats,
 * malloc'd), or NULL out of memory. */
static float *q8_tests(const struct cx *c, const float *x, size_t n, struct dnn_error *e)
{
	const struct dnn_net *net = c->m->net;
	size_t n_net = net_n_out(net);
	float *a = util_malloc_array(n, sizeof *a);
	float *work = util_malloc_array(3 * c->quant->width, sizeof *work);

	if (!a || !work) {
		free(a);
		free(work);
		dnn_error_oom(e);
		return NULL;
	}
	for (size_t t = 0; t < N_TESTS; t++)
		quant_forward(c->quant, net, x + t * net->n_in, a + t * n_net, work);
	free(work);
	return a;
}

/* The golden vectors: raw inputs and the model's outputs for them. */
static int put_tests(struct cx *c, struct dnn_error *e)
{
	struct dnn_model *m = c->m;
	size_t n_in = m->net->n_in, n_net = net_n_out(m->net);
	float *raw = util_malloc_array(N_TESTS * (c->g.n_raw ? c->g.n_raw : 1), sizeof *raw);
	float *x = util_malloc_array(N_TESTS * n_in, sizeof *x);
	float *y = util_malloc_array(N_TESTS * c->g.n_out, sizeof *y);
	int rc = -1;

	if (!raw || !x || !y) {
		dnn_error_oom(e);
		goto out;
	}
	for (size_t t = 0; t < N_TESTS; t++) {
		test_inputs(c, t, raw + t * c->g.n_raw);
		test_net_inputs(c, raw + t * c->g.n_raw, x + t * n_in);
	}
	const float *a = c->quant ? q8_tests(c, x, N_TESTS * n_net, e) : NULL;

	if (c->quant && !a)
		goto out;
	if (!c->quant && net_reserve(m->net, N_TESTS, e))
		goto out;
	if (!c->quant)
		a = net_forward(m->net, x, N_TESTS);

	for (size_t t = 0; t < N_TESTS; t++) {
		float *yt = y + t * c->g.n_out;

		if (c->g.two_class) {
			yt[0] = 1.0f - a[t], yt[1] = a[t];
			continue;
		}
		memcpy(yt, a + t * n_net, n_net * sizeof *yt);
		if (m->task == DNN_TASK_REGRESSION)
			norm_invert(&m->out_norm, yt, 1);
	}
	if (c->quant)
		free((void *)a);
	put_floats(c, "test_inputs", raw, N_TESTS * c->g.n_raw);
	put_floats(c, "test_outputs", y, N_TESTS * c->g.n_out);
	rc = 0;
out:
	free(raw);
	free(x);
	free(y);
	return rc;
}

/* NAME_selftest: every golden vector to 1e-4 relative (plus 1e-5). */
static void put_selftest(struct cx *c)
{
	emit(c,
	     "int %s_selftest(void)\n{\n\tfloat out[%s_N_OUTPUTS];\n\tsize_t t, j;\n\n"
	     "\tfor (t = 0; t < %s_N_TESTS; t++) {\n"
	     "\t\t%s_predict(%s_test_inputs + t * %s_N_INPUTS, out);\n"
	     "\t\tfor (j = 0; j < %s_N_OUTPUTS; j++) {\n"
	     "\t\t\tdouble want = (double)%s_test_outputs[t * %s_N_OUTPUTS + j];\n\n"
	     "\t\t\tif (!(fabs((double)out[j] - want) <= 1e-4 * fabs(want) + 1e-5))\n"
	     "\t\t\t\treturn 1;\n\t\t}\n\t}\n\treturn 0;\n}\n\n",
	     c->p, c->p, c->p, c->p, c->p, c->p, c->p, c->p, c->p);
}

int export_c_write(struct dnn_model *m, const struct dnn_export_c *o, char **text, size_t *len,
		   struct dnn_error *e)
{
	struct dnn_wbuf w = {0};
	struct cx c = {.m = m, .w = &w, .p = o->prefix, .quant = o->quant};
	int rc = -1;

	*text = NULL, *len = 0;
	if (export_graph_init(&c.g, m, e))
		goto out;
	put_head(&c, o);
	put_names(&c);
	put_inputs(&c);
	for (size_t l = 0; l < m->net->n_layers; l++)
		if (put_row_weights(&c, l, e))
			goto out;
	if (m->task == DNN_TASK_REGRESSION) {
		put_floats(&c, "out_mean", m->out_norm.mean, m->out_norm.n);
		put_floats(&c, "out_scale", m->out_norm.scale, m->out_norm.n);
	}
	if (put_tests(&c, e))
		goto out;
	emit(&c, "\n");
	put_helpers(&c);
	put_predict(&c);
	put_selftest(&c);
	emit(&c, "#endif\n");
	if (w.oom) {
		dnn_error_oom(e);
		goto out;
	}
	*text = (char *)w.p, *len = w.n;
	w.p = NULL;
	rc = 0;
out:
	free(w.p);
	export_graph_free(&c.g);
	return rc;
}
