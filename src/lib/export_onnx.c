/* The ONNX export: a model's inference graph as an ONNX ModelProto. */
#include "export_onnx.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export_graph.h"
#include "layer.h"
#include "pb.h"
#include "util.h"

/* Field numbers of onnx.proto. */
enum {
	MODEL_IR_VERSION = 1,
	MODEL_PRODUCER_NAME = 2,
	MODEL_PRODUCER_VERSION = 3,
	MODEL_DOC_STRING = 6,
	MODEL_GRAPH = 7,
	MODEL_OPSET_IMPORT = 8,
	MODEL_METADATA_PROPS = 14,
	OPSET_VERSION = 2,
	ENTRY_KEY = 1,
	ENTRY_VALUE = 2,
	GRAPH_NODE = 1,
	GRAPH_NAME = 2,
	GRAPH_INITIALIZER = 5,
	GRAPH_INPUT = 11,
	GRAPH_OUTPUT = 12,
	NODE_INPUT = 1,
	NODE_OUTPUT = 2,
	NODE_NAME = 3,
	NODE_OP_TYPE = 4,
	NODE_ATTRIBUTE = 5,
	ATTR_NAME = 1,
	ATTR_F = 2,
	ATTR_I = 3,
	ATTR_TYPE = 20,
	TENSOR_DIMS = 1,
	TENSOR_DATA_TYPE = 2,
	TENSOR_NAME = 8,
	TENSOR_RAW_DATA = 9,
	VALUE_NAME = 1,
	VALUE_TYPE = 2,
	VALUE_DOC_STRING = 3,
	TYPE_TENSOR = 1,
	TENSOR_TYPE_ELEM = 1,
	TENSOR_TYPE_SHAPE = 2,
	SHAPE_DIM = 1,
	DIM_VALUE = 1,
	DIM_PARAM = 2
};

/* TensorProto.DataType and AttributeProto.AttributeType values. */
enum { ONNX_FLOAT = 1, ONNX_INT64 = 7, ONNX_BOOL = 9 };
enum { ATTR_FLOAT = 1, ATTR_INT = 2 };

/* One attribute of a node: an int or a float. */
struct attr {
	const char *name;
	int type; /* ATTR_FLOAT or ATTR_INT */
	int64_t i;
	float f;
};

/* The writer's state: the model, the graph's fields so far, the tensor the
 * next operation takes. */
struct ox {
	const struct dnn_model *m;
	struct dnn_export_graph g;
	struct dnn_wbuf *w; /* the GraphProto's fields: nodes and initializers */
	char cur[32];	    /* the tensor the graph computed last */
	unsigned next;	    /* the number of the next intermediate tensor */
};

/* Append the formatted text (at most 63 bytes: numbers) to b. */
static void put_fmt(struct dnn_wbuf *b, const char *fmt, ...) DNN_PRINTF(2, 3);
static void put_fmt(struct dnn_wbuf *b, const char *fmt, ...)
{
	char s[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s, sizeof s, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof s)
		b->oom = 1;
	else
		wbuf_bytes(b, s, (size_t)n);
}

/* s as a JSON string: quotes, backslashes and control bytes escaped, other
 * bytes (UTF-8) as they are. */
static void put_json_string(struct dnn_wbuf *b, const char *s)
{
	wbuf_bytes(b, "\"", 1);
	for (const unsigned char *q = (const unsigned char *)s; *q; q++) {
		if (*q == '"' || *q == '\\')
			put_fmt(b, "\\%c", *q);
		else if (*q < 0x20)
			put_fmt(b, "\\u%04x", *q);
		else
			wbuf_bytes(b, q, 1);
	}
	wbuf_bytes(b, "\"", 1);
}

/* v as a JSON number that reads back as v, or null when not finite. */
static void put_json_number(struct dnn_wbuf *b, double v)
{
	if (isfinite(v))
		put_fmt(b, "%.17g", v);
	else
		wbuf_bytes(b, "null", 4);
}

/* The n strings as a JSON array. */
static void put_json_strings(struct dnn_wbuf *b, char *const *s, size_t n)
{
	wbuf_bytes(b, "[", 1);
	for (size_t i = 0; i < n; i++) {
		if (i)
			wbuf_bytes(b, ",", 1);
		put_json_string(b, s[i]);
	}
	wbuf_bytes(b, "]", 1);
}

/* The names of m's columns of role role as a JSON array. */
static void put_json_columns(struct dnn_wbuf *b, const struct dnn_model *m, int role)
{
	int first = 1;

	wbuf_bytes(b, "[", 1);
	for (size_t c = 0; c < m->n_cols; c++) {
		if (m->col_role[c] != role &&
		    !(role == DNN_COL_INPUT && m->col_role[c] == DNN_COL_CATEGORICAL))
			continue;
		if (!first)
			wbuf_bytes(b, ",", 1);
		put_json_string(b, m->col_names[c]);
		first = 0;
	}
	wbuf_bytes(b, "]", 1);
}

/* A tensor of n floats named name, of shape [rows, cols] (rows 0: [cols]). */
static void init_floats(struct ox *o, const char *name, const float *v, int64_t rows, int64_t cols)
{
	size_t at = pb_open(o->w, GRAPH_INITIALIZER), raw;

	if (rows)
		pb_int(o->w, TENSOR_DIMS, rows);
	pb_int(o->w, TENSOR_DIMS, cols);
	pb_int(o->w, TENSOR_DATA_TYPE, ONNX_FLOAT);
	pb_string(o->w, TENSOR_NAME, name);
	raw = pb_open(o->w, TENSOR_RAW_DATA);
	wbuf_f32s(o->w, v, (size_t)(rows ? rows : 1) * (size_t)cols);
	pb_close(o->w, raw);
	pb_close(o->w, at);
}

/* A tensor of n int64 (type ONNX_INT64) or bool (ONNX_BOOL) values, shape [n]. */
static void init_ints(struct ox *o, const char *name, int type, const int64_t *v, size_t n)
{
	size_t at = pb_open(o->w, GRAPH_INITIALIZER), raw;

	pb_int(o->w, TENSOR_DIMS, (int64_t)n);
	pb_int(o->w, TENSOR_DATA_TYPE, type);
	pb_string(o->w, TENSOR_NAME, name);
	raw = pb_open(o->w, TENSOR_RAW_DATA);
	for (size_t i = 0; i < n; i++)
		wbuf_uint(o->w, (uint64_t)v[i], type == ONNX_BOOL ? 1 : 8);
	pb_close(o->w, raw);
	pb_close(o->w, at);
}

/* A node op of the n_in inputs in, the one output out and the n_a
 * attributes a; named after its output. */
static void node(struct ox *o, const char *op, const char *const *in, size_t n_in, const char *out,
		 const struct attr *a, size_t n_a)
{
	size_t at = pb_open(o->w, GRAPH_NODE);

	for (size_t i = 0; i < n_in; i++)
		pb_string(o->w, NODE_INPUT, in[i]);
	pb_string(o->w, NODE_OUTPUT, out);
	pb_string(o->w, NODE_NAME, out);
	pb_string(o->w, NODE_OP_TYPE, op);
	for (size_t k = 0; k < n_a; k++) {
		size_t aa = pb_open(o->w, NODE_ATTRIBUTE);

		pb_string(o->w, ATTR_NAME, a[k].name);
		if (a[k].type == ATTR_FLOAT)
			pb_float(o->w, ATTR_F, a[k].f);
		else
			pb_int(o->w, ATTR_I, a[k].i);
		pb_int(o->w, ATTR_TYPE, a[k].type);
		pb_close(o->w, aa);
	}
	pb_close(o->w, at);
}

/* op of the current tensor and, unless NULL, b (then c, unless NULL) into a
 * new tensor, which becomes the current one. */
static void step(struct ox *o, const char *op, const char *b, const char *c, const struct attr *a,
		 size_t n_a)
{
	const char *in[3] = {o->cur, b, c};
	char out[32];

	snprintf(out, sizeof out, "t%u", o->next++);
	node(o, op, in, c ? 3 : (b ? 2 : 1), out, a, n_a);
	snprintf(o->cur, sizeof o->cur, "%s", out);
}

/* An input or output of the graph: float [N, n] named name. */
static void value_info(struct dnn_wbuf *w, uint32_t field, const char *name, size_t n,
		       const char *doc)
{
	size_t at = pb_open(w, field), t, tt, sh, d;

	pb_string(w, VALUE_NAME, name);
	t = pb_open(w, VALUE_TYPE);
	tt = pb_open(w, TYPE_TENSOR);
	pb_int(w, TENSOR_TYPE_ELEM, ONNX_FLOAT);
	sh = pb_open(w, TENSOR_TYPE_SHAPE);
	d = pb_open(w, SHAPE_DIM);
	pb_string(w, DIM_PARAM, "N");
	pb_close(w, d);
	d = pb_open(w, SHAPE_DIM);
	pb_int(w, DIM_VALUE, (int64_t)n);
	pb_close(w, d);
	pb_close(w, sh);
	pb_close(w, tt);
	pb_close(w, t);
	pb_string(w, VALUE_DOC_STRING, doc);
	pb_close(w, at);
}

/* Where network input k comes from: raw column src[k], compared with
 * code[k] when is_cat[k] (one-hot), taken as it is otherwise. Returns
 * whether the network's inputs are the raw columns as they are. */
static int input_map(const struct ox *o, int64_t *src, float *code, int64_t *is_cat)
{
	const struct dnn_model *m = o->m;
	size_t at = 0;
	int same = o->g.n_raw == m->net->n_in;

	for (size_t j = 0; j < o->g.n_raw; j++) {
		size_t col = o->g.raw_col[j];
		size_t k = data_input_of(m->col_role, col, m->cats, m->n_cats);
		const struct dnn_catcol *cc = export_graph_cat(m, col);
		size_t n = cc ? cc->n : 1;

		for (size_t q = 0; q < n; q++) {
			src[k + q] = (int64_t)j;
			code[k + q] = cc ? o->g.codes[at + q] : 0.0f;
			is_cat[k + q] = cc != NULL;
		}
		at += cc ? cc->n : 0;
		same = same && !cc && k == j;
	}
	return same;
}

/* The raw columns to the network's inputs: the one-hot categories, the
 * missing values and the standardization. */
static int put_inputs(struct ox *o, struct dnn_error *e)
{
	const struct dnn_model *m = o->m;
	size_t n_in = m->net->n_in;
	int64_t *src = util_malloc_array(n_in, sizeof *src);
	int64_t *is_cat = util_malloc_array(n_in, sizeof *is_cat);
	float *code = util_malloc_array(n_in, sizeof *code);
	char expanded[32];
	int rc = -1;

	if (!src || !is_cat || !code) {
		dnn_error_oom(e);
		goto out;
	}
	if (!input_map(o, src, code, is_cat)) {
		static const struct attr axis1 = {"axis", ATTR_INT, 1, 0.0f};

		init_ints(o, "input_columns", ONNX_INT64, src, n_in);
		step(o, "Gather", "input_columns", NULL, &axis1, 1);
	}
	snprintf(expanded, sizeof expanded, "%s", o->cur);
	if (m->n_cats) {
		static const struct attr to_float = {"to", ATTR_INT, ONNX_FLOAT, 0.0f};
		char onehot[32];

		init_floats(o, "category_codes", code, 0, (int64_t)n_in);
		init_ints(o, "is_category", ONNX_BOOL, is_cat, n_in);
		step(o, "Equal", "category_codes", NULL, NULL, 0);
		step(o, "Cast", NULL, NULL, &to_float, 1);
		snprintf(onehot, sizeof onehot, "%s", o->cur);
		snprintf(o->cur, sizeof o->cur, "%s", "is_category");
		step(o, "Where", onehot, expanded, NULL, 0);
	}
	if (m->n_cats || m->fill) {
		/* NaN stays NaN, or becomes the column's training mean. */
		char done[32];

		snprintf(done, sizeof done, "%s", o->cur);
		if (m->fill)
			init_floats(o, "fill", m->fill, 0, (int64_t)n_in);
		snprintf(o->cur, sizeof o->cur, "%s", expanded);
		step(o, "IsNaN", NULL, NULL, NULL, 0);
		step(o, "Where", m->fill ? "fill" : expanded, done, NULL, 0);
	}
	init_floats(o, "input_mean", m->in_norm.mean, 0, (int64_t)n_in);
	init_floats(o, "input_scale", m->in_norm.scale, 0, (int64_t)n_in);
	step(o, "Sub", "input_mean", NULL, NULL, 0);
	step(o, "Div", "input_scale", NULL, NULL, 0);
	rc = 0;
out:
	free(src);
	free(is_cat);
	free(code);
	return rc;
}

/* The activation act on the current tensor, with the ONNX operator of the
 * same formula; step as (Sign(z) + 1) / 2 = Sign(z) 0.5 + 0.5. */
static void put_act(struct ox *o, const struct dnn_act_info *act, int *have_half)
{
	static const struct attr last_axis = {"axis", ATTR_INT, -1, 0.0f};

	switch (act->id) {
	case DNN_ACT_SIGMOID:
		step(o, "Sigmoid", NULL, NULL, NULL, 0);
		break;
	case DNN_ACT_TANH:
		step(o, "Tanh", NULL, NULL, NULL, 0);
		break;
	case DNN_ACT_RELU:
		step(o, "Relu", NULL, NULL, NULL, 0);
		break;
	case DNN_ACT_SOFTMAX:
		step(o, "Softmax", NULL, NULL, &last_axis, 1);
		break;
	case DNN_ACT_STEP:
		if (!*have_half) {
			static const float half = 0.5f;

			init_floats(o, "half", &half, 0, 1);
			*have_half = 1;
		}
		step(o, "Sign", NULL, NULL, NULL, 0);
		step(o, "Mul", "half", NULL, NULL, 0);
		step(o, "Add", "half", NULL, NULL, 0);
		break;
	default: /* linear */
		break;
	}
}

/* Dense row l as a Gemm, folding the batch normalization row after it into
 * its weights and biases: W'_jk = s_j W_jk, b'_j = s_j b_j + t_j (s, t of
 * export_graph_batch_norm). *skip: 1 when it took the row after. */
static int put_dense(struct ox *o, size_t l, size_t *skip, struct dnn_error *e)
{
	static const struct attr trans_b = {"transB", ATTR_INT, 1, 0.0f};
	const struct dnn_net *net = o->m->net;
	const struct dnn_layer *ly = &net->layers[l], *bn = NULL;
	size_t n_w = ly->n_out * ly->n_in;
	float *w = util_malloc_array(n_w + 3 * ly->n_out, sizeof *w);
	char wn[32], bname[32];

	if (!w)
		return dnn_error_oom(e);
	float *b = w + n_w, *s = b + ly->n_out, *t = s + ly->n_out;

	memcpy(w, net->params + ly->w_off, n_w * sizeof *w);
	memcpy(b, net->params + ly->b_off, ly->n_out * sizeof *b);
	if (l + 1 < net->n_layers && net->layers[l + 1].kind->id == DNN_LAYER_BATCH_NORM) {
		bn = &net->layers[l + 1];
		export_graph_batch_norm(net, bn, s, t);
		for (size_t j = 0; j < ly->n_out; j++) {
			for (size_t k = 0; k < ly->n_in; k++)
				w[j * ly->n_in + k] *= s[j];
			b[j] = (float)((double)b[j] * (double)s[j] + (double)t[j]);
		}
	}
	snprintf(wn, sizeof wn, "w%zu", l);
	snprintf(bname, sizeof bname, "b%zu", l);
	init_floats(o, wn, w, (int64_t)ly->n_out, (int64_t)ly->n_in);
	init_floats(o, bname, b, 0, (int64_t)ly->n_out);
	free(w);
	step(o, "Gemm", wn, bname, &trans_b, 1);
	*skip = bn != NULL;
	return 0;
}

/* Layer normalization row l: LayerNormalization over the last axis. */
static void put_layer_norm(struct ox *o, size_t l)
{
	const struct dnn_net *net = o->m->net;
	const struct dnn_layer *ly = &net->layers[l];
	const struct attr a[2] = {{"axis", ATTR_INT, -1, 0.0f},
				  {"epsilon", ATTR_FLOAT, 0, (float)ly->field[0]}};
	char gn[32], bname[32];

	snprintf(gn, sizeof gn, "gamma%zu", l);
	snprintf(bname, sizeof bname, "beta%zu", l);
	init_floats(o, gn, net->params + ly->w_off, 0, (int64_t)ly->n_out);
	init_floats(o, bname, net->params + ly->b_off, 0, (int64_t)ly->n_out);
	step(o, "LayerNormalization", gn, bname, a, 2);
}

/* The network's rows, each with its activation; dropout left out. */
static int put_rows(struct ox *o, struct dnn_error *e)
{
	const struct dnn_net *net = o->m->net;
	int have_half = 0;

	for (size_t l = 0; l < net->n_layers; l++) {
		const struct dnn_layer *ly = &net->layers[l];
		size_t skip = 0;

		switch (ly->kind->id) {
		case DNN_LAYER_DENSE:
			if (put_dense(o, l, &skip, e))
				return -1;
			break;
		case DNN_LAYER_LAYER_NORM:
			put_layer_norm(o, l);
			break;
		case DNN_LAYER_BATCH_NORM: /* folded into the dense row before it */
			return dnn_error_set(e, DNN_EX_SOFTWARE, NULL, 0, 0,
					     "a batch normalization row without a dense row "
					     "before it cannot be exported");
		default: /* dropout: nothing at inference */
			continue;
		}
		l += skip;
		put_act(o, net->layers[l].act, &have_half);
	}
	return 0;
}

/* The outputs from the network's: 1 - p, p for a single sigmoid unit;
 * y scale + mean, the targets' units, for regression; then the graph's
 * output, named name. */
static void put_outputs(struct ox *o, const char *name)
{
	const struct dnn_model *m = o->m;
	const char *in[1] = {o->cur};

	if (o->g.two_class) {
		static const float one = 1.0f;
		static const struct attr axis1 = {"axis", ATTR_INT, 1, 0.0f};
		char p[32];

		snprintf(p, sizeof p, "%s", o->cur);
		init_floats(o, "one", &one, 0, 1);
		snprintf(o->cur, sizeof o->cur, "%s", "one");
		step(o, "Sub", p, NULL, NULL, 0);
		step(o, "Concat", p, NULL, &axis1, 1);
	} else if (m->task == DNN_TASK_REGRESSION) {
		init_floats(o, "output_scale", m->out_norm.scale, 0, (int64_t)m->out_norm.n);
		init_floats(o, "output_mean", m->out_norm.mean, 0, (int64_t)m->out_norm.n);
		step(o, "Mul", "output_scale", NULL, NULL, 0);
		step(o, "Add", "output_mean", NULL, NULL, 0);
	}
	node(o, "Identity", in, 1, name, NULL, 0);
}

/* One metadata_props entry key: value, the n bytes of v. */
static void put_prop(struct dnn_wbuf *w, const char *key, const void *v, size_t n)
{
	size_t at = pb_open(w, MODEL_METADATA_PROPS);

	pb_string(w, ENTRY_KEY, key);
	pb_bytes(w, ENTRY_VALUE, v, n);
	pb_close(w, at);
}

/* The categorical columns as a JSON array of {"column", "categories",
 * "codes"}: the code each category takes in the input. */
static void put_json_categories(struct dnn_wbuf *b, const struct ox *o)
{
	const struct dnn_model *m = o->m;
	size_t at = 0;

	wbuf_bytes(b, "[", 1);
	for (size_t k = 0; k < m->n_cats; k++) {
		const struct dnn_catcol *cc = &m->cats[k];

		put_fmt(b, "%s{\"column\":", k ? "," : "");
		put_json_string(b, m->col_names[cc->col]);
		put_fmt(b, "%s", ",\"categories\":");
		put_json_strings(b, cc->names, cc->n);
		put_fmt(b, "%s", ",\"codes\":[");
		for (size_t q = 0; q < cc->n; q++) {
			put_fmt(b, "%s", q ? "," : "");
			put_json_number(b, (double)o->g.codes[at + q]);
		}
		at += cc->n;
		wbuf_bytes(b, "]}", 2);
	}
	wbuf_bytes(b, "]", 1);
}

/* The model's metadata_props; b is scratch. */
static void put_metadata(struct dnn_wbuf *w, const struct ox *o, const char *version,
			 struct dnn_wbuf *b)
{
	const struct dnn_model *m = o->m;
	int cls = m->task == DNN_TASK_CLASSIFICATION;

	put_prop(w, "dnn_version", version, strlen(version));
	put_prop(w, "task", cls ? "classification" : "regression",
		 strlen(cls ? "classification" : "regression"));
	b->n = 0;
	put_json_columns(b, m, DNN_COL_INPUT);
	put_prop(w, "input_names", b->p, b->n);
	if (m->n_cats) {
		b->n = 0;
		put_json_categories(b, o);
		put_prop(w, "categories", b->p, b->n);
	}
	if (cls) {
		b->n = 0;
		put_json_strings(b, m->class_names, m->n_classes);
		put_prop(w, "class_names", b->p, b->n);
	}
	b->n = 0;
	put_json_columns(b, m, DNN_COL_TARGET);
	put_prop(w, "target_names", b->p, b->n);
	if (m->spec_json)
		put_prop(w, "spec", m->spec_json, strlen(m->spec_json));
	b->n = 0;
	history_json(b, &m->history);
	put_prop(w, "history", b->p, b->n);
}

/* The graph: its nodes and initializers (o->w), then its name, input and
 * output into w; b is scratch. */
static int put_graph(struct dnn_wbuf *w, struct ox *o, struct dnn_wbuf *b, struct dnn_error *e)
{
	const struct dnn_model *m = o->m;
	const char *out = m->task == DNN_TASK_CLASSIFICATION ? "probabilities" : "predictions";
	size_t at;

	snprintf(o->cur, sizeof o->cur, "%s", "input");
	if (put_inputs(o, e) || put_rows(o, e))
		return -1;
	put_outputs(o, out);
	at = pb_open(w, MODEL_GRAPH);
	wbuf_bytes(w, o->w->p, o->w->n);
	pb_string(w, GRAPH_NAME, "dnn");
	b->n = 0;
	put_fmt(b, "%s", "the raw values of the model's input columns, in this order: ");
	put_json_columns(b, m, DNN_COL_INPUT);
	put_fmt(b, "%s", "; a categorical column takes its category's code (metadata ");
	put_fmt(b, "%s", "\"categories\"); NaN for a missing value");
	wbuf_bytes(b, "", 1);
	value_info(w, GRAPH_INPUT, "input", o->g.n_raw, b->oom ? "" : (const char *)b->p);
	b->n = 0;
	if (m->task == DNN_TASK_CLASSIFICATION) {
		put_fmt(b, "%s", "the probability of each class, in this order: ");
		put_json_strings(b, m->class_names, m->n_classes);
	} else {
		put_fmt(b, "%s", "the predicted values, in the targets' units: ");
		put_json_columns(b, m, DNN_COL_TARGET);
	}
	wbuf_bytes(b, "", 1);
	value_info(w, GRAPH_OUTPUT, out, o->g.n_out, b->oom ? "" : (const char *)b->p);
	pb_close(w, at);
	return 0;
}

/* Whether net has a layer normalization row. */
static int has_layer_norm(const struct dnn_net *net)
{
	for (size_t l = 0; l < net->n_layers; l++)
		if (net->layers[l].kind->id == DNN_LAYER_LAYER_NORM)
			return 1;
	return 0;
}

int export_onnx_write(const struct dnn_model *m, const struct dnn_export_onnx *opt,
		      unsigned char **bytes, size_t *len, struct dnn_error *e)
{
	struct dnn_wbuf w = {0}, graph = {0}, b = {0};
	struct ox o = {.m = m, .w = &graph};
	int ln = has_layer_norm(m->net), rc = -1;
	size_t at;

	*bytes = NULL, *len = 0;
	if (export_graph_init(&o.g, m, e))
		goto out;
	pb_int(&w, MODEL_IR_VERSION, ln ? EXPORT_ONNX_IR_LN : EXPORT_ONNX_IR);
	pb_string(&w, MODEL_PRODUCER_NAME, "dnn");
	pb_string(&w, MODEL_PRODUCER_VERSION, opt->version);
	put_fmt(&b, "%s", "a dnn model");
	if (opt->source) {
		put_fmt(&b, "%s", ": ");
		wbuf_bytes(&b, opt->source, strlen(opt->source));
	}
	pb_bytes(&w, MODEL_DOC_STRING, b.p, b.n);
	at = pb_open(&w, MODEL_OPSET_IMPORT);
	pb_int(&w, OPSET_VERSION, ln ? EXPORT_ONNX_OPSET_LN : EXPORT_ONNX_OPSET);
	pb_close(&w, at);
	if (put_graph(&w, &o, &b, e))
		goto out;
	put_metadata(&w, &o, opt->version, &b);
	if (w.oom || graph.oom || b.oom) {
		dnn_error_oom(e);
		goto out;
	}
	if (w.n > INT32_MAX) {
		dnn_error_set(e, DNN_EX_DATA, NULL, 0, 0,
			      "the ONNX model would take %zu bytes, more than the 2 GiB a protocol "
			      "buffers message may hold",
			      w.n);
		goto out;
	}
	*bytes = w.p, *len = w.n;
	w.p = NULL;
	rc = 0;
out:
	free(w.p);
	free(graph.p);
	free(b.p);
	export_graph_free(&o.g);
	return rc;
}
