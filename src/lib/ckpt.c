/* Checkpoints in the format of dnn-checkpoint(5), the reader: every section
 * checked before it is believed, then the model built from them. The frame
 * (magic, version, tagged sections, CRC-32) is ckpt_frame.c's; ckpt_write.c
 * writes the format; ckpt_format.h holds what the three share. */
#include "ckpt.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "bytes.h"
#include "ckpt_format.h"
#include "json.h"
#include "layer.h"
#include "loss.h"
#include "net.h"
#include "util.h"

/* ---- loading ---- */

struct loader {
	const char *name; /* the file, in messages */
	struct dnn_error *e;
	struct ckpt_frame fr; /* the sections */
	size_t n_num_inputs;  /* numeric input columns, from COLS */
	/* From LAYR. */
	int task, loss;
	size_t n_in, n_layers, n_out, n_params, n_state;
	struct dnn_layer_def *rows;
};

static int load_err(struct loader *ld, const char *fmt, ...) DNN_PRINTF(2, 3);
static int sect_err(struct loader *ld, int s, const char *fmt, ...) DNN_PRINTF(3, 4);

/* Error 65 naming the file. */
static int load_err(struct loader *ld, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return dnn_error_set(ld->e, DNN_EX_DATA, ld->name, 0, 0, "%s", msg);
}

/* Error 65 naming the file and the section. */
static int sect_err(struct loader *ld, int s, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return dnn_error_set(ld->e, DNN_EX_DATA, ld->name, 0, 0, "section '%s': %s",
			     ckpt_sect_tag[s], msg);
}

static struct dnn_rbuf sect_reader(const struct loader *ld, int s)
{
	struct dnn_rbuf r = {ld->fr.sect[s], ld->fr.sect_len[s], 0, 0};

	return r;
}

/* The payload must have been read exactly to its end. */
static int sect_done(struct loader *ld, int s, const struct dnn_rbuf *r)
{
	if (r->overrun)
		return sect_err(ld, s, "payload length %zu is too short for its contents", r->n);
	if (r->pos != r->n)
		return sect_err(ld, s, "payload length %zu disagrees with its contents (%zu bytes)",
				r->n, r->pos);
	return 0;
}

/* A string: u32 length and that many bytes of UTF-8, none of them NUL. NULL
 * with the error set when it does not fit, is not UTF-8 or out of memory. */
static char *rb_str(struct loader *ld, int s, struct dnn_rbuf *r, const char *what, size_t i)
{
	uint32_t len = rbuf_u32(r);
	char *str;

	if (r->overrun || !rbuf_fits(r, len, 1)) {
		r->overrun = 1;
		sect_err(ld, s, "payload length %zu is too short for its contents", r->n);
		return NULL;
	}
	if (memchr(r->p + r->pos, '\0', len)) {
		sect_err(ld, s, "%s %zu contains a NUL byte", what, i + 1);
		return NULL;
	}
	if (!util_utf8_valid((const char *)r->p + r->pos, len)) {
		sect_err(ld, s, "%s %zu is not valid UTF-8", what, i + 1);
		return NULL;
	}
	str = util_strndup((const char *)r->p + r->pos, len);
	if (!str) {
		dnn_error_oom(ld->e);
		return NULL;
	}
	r->pos += len;
	return str;
}

static const char *task_name(int task)
{
	return task == DNN_TASK_REGRESSION ? "regression" : "classification";
}

/* Row l of LAYR into def: version 1 (units, activation), a dense row;
 * version 2 (kind, units, activation, n_fields, the fields as f64). */
static int read_row(struct loader *ld, struct dnn_rbuf *r, size_t l, struct dnn_layer_def *def)
{
	uint32_t kind = ld->fr.version > 1 ? rbuf_u32(r) : DNN_LAYER_DENSE;
	uint32_t units = rbuf_u32(r), act = rbuf_u32(r), n_fields;
	const struct dnn_layer_kind *k = layer_kind_by_id((int)kind);

	if (r->overrun)
		return sect_done(ld, S_LAYR, r);
	if (!k)
		return sect_err(ld, S_LAYR, "kind id %lu of layer %zu is out of range (1-%d)",
				(unsigned long)kind, l + 1, DNN_LAYER_MAX);
	if (units == 0)
		return sect_err(ld, S_LAYR, "layer %zu has no units", l + 1);
	if (act < 1 || act > DNN_ACT_MAX)
		return sect_err(ld, S_LAYR, "activation id %lu of layer %zu is out of range (1-%d)",
				(unsigned long)act, l + 1, DNN_ACT_MAX);
	def->kind = (int)kind;
	def->units = units;
	def->act = (int)act;
	if (ld->fr.version == 1)
		return 0;
	n_fields = rbuf_u32(r);
	if (r->overrun)
		return sect_done(ld, S_LAYR, r);
	if (n_fields != k->n_fields)
		return sect_err(ld, S_LAYR, "layer %zu (%s) has %lu fields, not %zu", l + 1,
				k->name, (unsigned long)n_fields, k->n_fields);
	for (size_t f = 0; f < n_fields; f++)
		def->field[f] = rbuf_f64(r);
	return r->overrun ? sect_done(ld, S_LAYR, r) : 0;
}

/* Whether row l (def, after fan_in inputs) may stand there; its parameters
 * and state added to ld's. */
static int check_row(struct loader *ld, size_t l, const struct dnn_layer_def *def, size_t fan_in)
{
	struct dnn_layer ly = {.kind = layer_kind_by_id(def->kind),
			       .n_in = fan_in,
			       .n_out = def->units,
			       .act = act_by_id(def->act)};
	size_t np, b_rel, ns;
	char why[160];

	memcpy(ly.field, def->field, sizeof ly.field);
	if (layer_check(&ly, l + 1 == ld->n_layers, why, sizeof why))
		return sect_err(ld, S_LAYR, "layer %zu: %s", l + 1, why);
	ns = ly.kind->n_state(fan_in, def->units);
	if (ly.kind->n_params(fan_in, def->units, &np, &b_rel) || np > SIZE_MAX - ld->n_params ||
	    ns > SIZE_MAX - ld->n_state)
		return sect_err(ld, S_LAYR, "the layers are too large");
	ld->n_params += np;
	ld->n_state += ns;
	return 0;
}

/* LAYR: task, loss, n_in, n_layers, then the rows (read_row); n_params
 * (dense: units * (inputs + 1)) and n_state summed over the rows. */
static int parse_layr(struct loader *ld)
{
	struct dnn_rbuf r = sect_reader(ld, S_LAYR);
	uint32_t task = rbuf_u32(&r), loss = rbuf_u32(&r), n_in = rbuf_u32(&r),
		 n_layers = rbuf_u32(&r);
	size_t fan_in = n_in;

	if (r.overrun)
		return sect_done(ld, S_LAYR, &r);
	if (task != DNN_TASK_REGRESSION && task != DNN_TASK_CLASSIFICATION)
		return sect_err(ld, S_LAYR, "unknown task %lu", (unsigned long)task);
	if (loss < 1 || loss > DNN_LOSS_MAX)
		return sect_err(ld, S_LAYR, "loss id %lu is out of range (1-%d)",
				(unsigned long)loss, DNN_LOSS_MAX);
	if ((task == DNN_TASK_REGRESSION) != (loss == DNN_LOSS_MSE))
		return sect_err(ld, S_LAYR, "task %lu (%s) does not go with loss %lu (%s)",
				(unsigned long)task, task_name((int)task), (unsigned long)loss,
				loss_name((int)loss));
	if (n_in == 0)
		return sect_err(ld, S_LAYR, "the network has no inputs");
	if (n_layers == 0)
		return sect_err(ld, S_LAYR, "the network has no layers");
	if (!rbuf_fits(&r, n_layers, ld->fr.version > 1 ? 16 : 8))
		return sect_err(ld, S_LAYR, "payload length %zu is too short for %lu layers", r.n,
				(unsigned long)n_layers);
	ld->rows = util_calloc_array(n_layers, sizeof *ld->rows);
	if (!ld->rows)
		return dnn_error_oom(ld->e);
	ld->n_layers = n_layers;
	for (size_t l = 0; l < n_layers; l++) {
		if (read_row(ld, &r, l, &ld->rows[l]) || check_row(ld, l, &ld->rows[l], fan_in))
			return -1;
		fan_in = ld->rows[l].units;
	}
	if (sect_done(ld, S_LAYR, &r))
		return -1;
	ld->task = (int)task;
	ld->loss = (int)loss;
	ld->n_in = n_in;
	ld->n_out = ld->rows[n_layers - 1].units;
	return 0;
}

/* COLS: n_cols, then (u8 role, string name) per column. */
static int parse_cols(struct loader *ld, struct dnn_model *m)
{
	struct dnn_rbuf r = sect_reader(ld, S_COLS);
	uint32_t n = rbuf_u32(&r);
	size_t n_inputs = 0, n_targets = 0, n_catcols = 0;

	if (r.overrun || !rbuf_fits(&r, n, 5))
		return sect_err(ld, S_COLS, "payload length %zu is too short for its contents",
				r.n);
	m->col_names = util_calloc_array(n, sizeof *m->col_names);
	m->col_role = util_malloc_array(n, 1);
	if (!m->col_names || !m->col_role)
		return dnn_error_oom(ld->e);
	m->n_cols = n;
	for (size_t c = 0; c < n; c++) {
		unsigned role = (unsigned)rbuf_uint(&r, 1);

		if (r.overrun)
			return sect_done(ld, S_COLS, &r);
		if (role != DNN_COL_INPUT && role != DNN_COL_TARGET && role != DNN_COL_IGNORED &&
		    role != DNN_COL_CATEGORICAL)
			return sect_err(ld, S_COLS, "column %zu has unknown role %u", c + 1, role);
		m->col_role[c] = (unsigned char)role;
		m->col_names[c] = rb_str(ld, S_COLS, &r, "column name", c);
		if (!m->col_names[c])
			return -1;
		n_inputs += role == DNN_COL_INPUT;
		n_targets += role == DNN_COL_TARGET;
	}
	if (sect_done(ld, S_COLS, &r))
		return -1;
	/* Categorical columns add their categories' inputs (parse_cats). */
	ld->n_num_inputs = n_inputs;
	for (size_t c = 0; c < n; c++)
		n_catcols += m->col_role[c] == DNN_COL_CATEGORICAL;
	if (!n_catcols && n_inputs != ld->n_in)
		return sect_err(ld, S_COLS, "%zu input columns for a network of %zu inputs",
				n_inputs, ld->n_in);
	if (ld->task == DNN_TASK_CLASSIFICATION && n_targets != 1)
		return sect_err(ld, S_COLS, "%zu target columns in a classification model",
				n_targets);
	if (ld->task == DNN_TASK_REGRESSION && n_targets != ld->n_out)
		return sect_err(ld, S_COLS, "%zu target columns for %zu network outputs", n_targets,
				ld->n_out);
	return 0;
}

/* CLAS: n_classes, then the names. Softmax outputs one unit per class; other
 * outputs may also give two classes with one unit. */
static int parse_clas(struct loader *ld, struct dnn_model *m)
{
	struct dnn_rbuf r = sect_reader(ld, S_CLAS);
	uint32_t n = rbuf_u32(&r);
	int out_act = ld->rows[ld->n_layers - 1].act;

	if (r.overrun || !rbuf_fits(&r, n, 4))
		return sect_err(ld, S_CLAS, "payload length %zu is too short for its contents",
				r.n);
	m->class_names = util_calloc_array(n, sizeof *m->class_names);
	if (!m->class_names)
		return dnn_error_oom(ld->e);
	m->n_classes = n;
	for (size_t k = 0; k < n; k++) {
		m->class_names[k] = rb_str(ld, S_CLAS, &r, "class name", k);
		if (!m->class_names[k])
			return -1;
	}
	if (sect_done(ld, S_CLAS, &r))
		return -1;
	if (ld->task == DNN_TASK_REGRESSION) {
		if (n != 0)
			return sect_err(ld, S_CLAS, "%lu classes in a regression model",
					(unsigned long)n);
		return 0;
	}
	if (n < 2)
		return sect_err(ld, S_CLAS,
				"a classification model needs 2 or more classes, not %lu",
				(unsigned long)n);
	if (ld->n_out != n && !(ld->n_out == 1 && n == 2 && out_act != DNN_ACT_SOFTMAX))
		return sect_err(ld, S_CLAS, "%lu classes for an output layer of %zu %s units",
				(unsigned long)n, ld->n_out, act_by_id(out_act)->name);
	return 0;
}

/* n f32 means then n f32 scales into nm; every one finite, scales nonzero. */
static int read_norm(struct loader *ld, struct dnn_rbuf *r, struct dnn_norm *nm, size_t n,
		     const char *what)
{
	if (!rbuf_fits(r, n, 8))
		return sect_err(ld, S_NORM, "payload length %zu is too short for its contents",
				r->n);
	if (n == 0)
		return 0;
	nm->mean = util_malloc_array(n, sizeof *nm->mean);
	nm->scale = util_malloc_array(n, sizeof *nm->scale);
	if (!nm->mean || !nm->scale)
		return dnn_error_oom(ld->e);
	nm->n = n;
	for (size_t j = 0; j < n; j++)
		nm->mean[j] = rbuf_f32(r);
	for (size_t j = 0; j < n; j++) {
		nm->scale[j] = rbuf_f32(r);
		if (!isfinite(nm->mean[j]) || !isfinite(nm->scale[j]) || nm->scale[j] == 0.0f)
			return sect_err(ld, S_NORM, "%s %zu has mean %g and scale %g", what, j + 1,
					(double)nm->mean[j], (double)nm->scale[j]);
	}
	return 0;
}

/* NORM: n, mean[n], scale[n] of the inputs; m, mean[m], scale[m] of the
 * regression outputs. */
static int parse_norm(struct loader *ld, struct dnn_model *m)
{
	struct dnn_rbuf r = sect_reader(ld, S_NORM);
	uint32_t n = rbuf_u32(&r), n_out;
	size_t want_out = ld->task == DNN_TASK_REGRESSION ? ld->n_out : 0;

	if (r.overrun)
		return sect_done(ld, S_NORM, &r);
	if (n != ld->n_in)
		return sect_err(ld, S_NORM, "%lu input columns for a network of %zu inputs",
				(unsigned long)n, ld->n_in);
	if (read_norm(ld, &r, &m->in_norm, n, "input"))
		return -1;
	n_out = rbuf_u32(&r);
	if (r.overrun)
		return sect_done(ld, S_NORM, &r);
	if (n_out != want_out)
		return sect_err(ld, S_NORM, "%lu output columns where the %s model has %zu",
				(unsigned long)n_out, task_name(ld->task), want_out);
	if (read_norm(ld, &r, &m->out_norm, n_out, "output"))
		return -1;
	return sect_done(ld, S_NORM, &r);
}

/* WGHT: u64 n_params, then the f32 weights; checked before anything is
 * allocated for them. */
static int check_wght(struct loader *ld)
{
	struct dnn_rbuf r = sect_reader(ld, S_WGHT);
	uint64_t n = rbuf_uint(&r, 8);

	if (r.overrun)
		return sect_done(ld, S_WGHT, &r);
	if (n != ld->n_params)
		return sect_err(ld, S_WGHT, "%llu parameters where the layers have %zu",
				(unsigned long long)n, ld->n_params);
	if (!rbuf_fits(&r, n, 4))
		return sect_err(ld, S_WGHT, "payload length %zu is too short for its contents",
				r.n);
	r.pos += (size_t)n * 4;
	return sect_done(ld, S_WGHT, &r);
}

/* HIST: n_epochs, n_fields (5 or more), then n_epochs records of n_fields
 * f64, of which the first 5 are known. */
static int parse_hist(struct loader *ld, struct dnn_model *m)
{
	struct dnn_rbuf r = sect_reader(ld, S_HIST);
	uint32_t n = rbuf_u32(&r), fields = rbuf_u32(&r);
	size_t rec;

	if (r.overrun)
		return sect_done(ld, S_HIST, &r);
	if (fields < HIST_FIELDS)
		return sect_err(ld, S_HIST, "%lu fields per epoch, expected at least %d",
				(unsigned long)fields, HIST_FIELDS);
	if (util_mul_overflow(fields, 8, &rec) || !rbuf_fits(&r, n, rec))
		return sect_err(ld, S_HIST, "payload length %zu is too short for its contents",
				r.n);
	for (size_t i = 0; i < n; i++) {
		struct dnn_epoch ep;

		ep.epoch = (unsigned long)(i + 1);
		ep.loss = bytes_bits_f64(rbuf_uint(&r, 8));
		ep.val_loss = bytes_bits_f64(rbuf_uint(&r, 8));
		ep.accuracy = bytes_bits_f64(rbuf_uint(&r, 8));
		ep.val_accuracy = bytes_bits_f64(rbuf_uint(&r, 8));
		ep.learning_rate = bytes_bits_f64(rbuf_uint(&r, 8));
		ep.seconds = (double)NAN;
		r.pos += (fields - HIST_FIELDS) * (size_t)8;
		if (history_append(&m->history, &ep))
			return dnn_error_oom(ld->e);
	}
	return sect_done(ld, S_HIST, &r);
}

/* STAT (version 2, when the rows keep state): u64 n_state, then that many
 * finite f32 values, the rows' state in row order. */
static int parse_stat(struct loader *ld)
{
	struct dnn_rbuf r = sect_reader(ld, S_STAT);
	uint64_t n;

	if (!ld->fr.sect[S_STAT]) {
		if (ld->n_state)
			return load_err(ld, "missing section 'STAT' (the layers keep %zu values)",
					ld->n_state);
		return 0;
	}
	if (ld->fr.version == 1)
		return load_err(ld, "section 'STAT' in a version 1 checkpoint");
	n = rbuf_uint(&r, 8);
	if (r.overrun)
		return sect_done(ld, S_STAT, &r);
	if (n != ld->n_state || n == 0)
		return sect_err(ld, S_STAT, "%llu values where the layers keep %zu",
				(unsigned long long)n, ld->n_state);
	if (!rbuf_fits(&r, n, 4))
		return sect_err(ld, S_STAT, "payload length %zu is too short for its contents",
				r.n);
	for (size_t i = 0; i < n; i++)
		if (!isfinite(rbuf_f32(&r)))
			return sect_err(ld, S_STAT, "value %zu is not finite", i + 1);
	return sect_done(ld, S_STAT, &r);
}

/* FILL (optional): n_in finite values that replace missing inputs. */
static int parse_fill(struct loader *ld, struct dnn_model *m)
{
	struct dnn_rbuf r = sect_reader(ld, S_FILL);
	uint32_t n;

	if (!ld->fr.sect[S_FILL])
		return 0;
	n = rbuf_u32(&r);
	if (r.overrun)
		return sect_done(ld, S_FILL, &r);
	if (n != ld->n_in)
		return sect_err(ld, S_FILL, "%lu values for a network of %zu inputs",
				(unsigned long)n, ld->n_in);
	if (!rbuf_fits(&r, n, 4))
		return sect_err(ld, S_FILL, "payload length %zu is too short for its contents",
				r.n);
	m->fill = util_malloc_array(n, sizeof *m->fill);
	if (!m->fill)
		return dnn_error_oom(ld->e);
	for (size_t j = 0; j < n; j++) {
		m->fill[j] = rbuf_f32(&r);
		if (!isfinite(m->fill[j]))
			return sect_err(ld, S_FILL, "value %zu is not finite", j + 1);
	}
	return sect_done(ld, S_FILL, &r);
}

/* CATS (only with categorical columns): n_cats, then per column its file
 * column, n categories and their names. With COLS it must give exactly the
 * network's inputs. */
static int parse_cats(struct loader *ld, struct dnn_model *m)
{
	struct dnn_rbuf r = sect_reader(ld, S_CATS);
	size_t n_inputs = ld->n_num_inputs, n_catcols = 0;
	uint32_t n = 0;

	for (size_t c = 0; c < m->n_cols; c++)
		n_catcols += m->col_role[c] == DNN_COL_CATEGORICAL;
	if (ld->fr.sect[S_CATS]) {
		n = rbuf_u32(&r);
		if (r.overrun || !rbuf_fits(&r, n, 8))
			return sect_err(ld, S_CATS,
					"payload length %zu is too short for its contents", r.n);
		/* Present exactly when COLS has categorical columns. */
		if (n == 0)
			return sect_err(ld, S_CATS,
					"empty: the section is present only with "
					"categorical columns");
		if (n != n_catcols)
			return sect_err(ld, S_CATS, "%lu columns, but COLS has %zu categorical",
					(unsigned long)n, n_catcols);
		m->cats = util_calloc_array(n ? n : 1, sizeof *m->cats);
		if (!m->cats)
			return dnn_error_oom(ld->e);
		m->n_cats = n;
		for (size_t k = 0; k < n; k++) {
			struct dnn_catcol *cc = &m->cats[k];
			uint32_t col = rbuf_u32(&r), count = rbuf_u32(&r);

			if (r.overrun)
				return sect_done(ld, S_CATS, &r);
			if (col >= m->n_cols || m->col_role[col] != DNN_COL_CATEGORICAL ||
			    (k && col <= m->cats[k - 1].col))
				return sect_err(ld, S_CATS,
						"entry %zu names column %lu, which is not the next "
						"categorical column",
						k + 1, (unsigned long)col);
			if (count == 0 || !rbuf_fits(&r, count, 4))
				return sect_err(ld, S_CATS,
						"column %lu has %lu categories (payload length "
						"%zu)",
						(unsigned long)col, (unsigned long)count, r.n);
			cc->col = col;
			cc->first = data_input_of(m->col_role, col, m->cats, k);
			cc->names = util_calloc_array(count, sizeof *cc->names);
			if (!cc->names)
				return dnn_error_oom(ld->e);
			cc->n = count;
			for (size_t q = 0; q < count; q++)
				if (!(cc->names[q] = rb_str(ld, S_CATS, &r, "category", q)))
					return -1;
			if (count > SIZE_MAX - n_inputs)
				return sect_err(ld, S_CATS, "too many categories");
			n_inputs += count;
		}
		if (sect_done(ld, S_CATS, &r))
			return -1;
	} else if (n_catcols) {
		return dnn_error_set(ld->e, DNN_EX_DATA, ld->name, 0, 0,
				     "missing section 'CATS' (COLS has categorical columns)");
	}
	if (n_inputs != ld->n_in && !n_catcols)
		return sect_err(ld, S_COLS, "%zu input columns for a network of %zu inputs",
				n_inputs, ld->n_in);
	if (n_inputs != ld->n_in)
		return sect_err(ld, S_CATS,
				"%zu inputs (numbers and categories) for a network of %zu inputs",
				n_inputs, ld->n_in);
	return 0;
}

/* meta (ancillary): the writer and the time of writing. Being ancillary, a
 * section that does not parse is ignored, not an error. */
static int parse_meta(struct loader *ld, struct dnn_model *m)
{
	const unsigned char *p = ld->fr.meta;
	uint64_t len;

	if (!p || ld->fr.meta_len < 4)
		return 0;
	len = bytes_get_le(p, 4);
	if (len > ld->fr.meta_len - 4 || ld->fr.meta_len - 4 - len != 8 ||
	    memchr(p + 4, '\0', len) || !util_utf8_valid((const char *)p + 4, (size_t)len))
		return 0;
	m->writer = util_strndup((const char *)p + 4, (size_t)len);
	if (!m->writer)
		return dnn_error_oom(ld->e);
	m->written = bytes_get_le(p + 4 + len, 8);
	return 0;
}

/* csvf (ancillary): the format of the training data, a u8 header flag and
 * the u8 delimiter. Being ancillary, a section that does not parse is
 * ignored: the defaults hold. */
static void parse_csvf(const struct loader *ld, struct dnn_model *m)
{
	const unsigned char *p = ld->fr.csvf;

	if (!p || ld->fr.csvf_len != 2 || p[0] > 1 || !p[1] || p[1] == '"' || p[1] == '\n' ||
	    p[1] == '\r')
		return;
	m->csv_no_header = !p[0];
	m->csv_delimiter = p[1] == ',' ? 0 : (char)p[1];
}

/* SPEC: one JSON object (RFC 8259) in UTF-8, kept as a NUL-terminated
 * string, so that dnn info --json can embed it as it is. */
static int parse_spec(struct loader *ld, struct dnn_model *m)
{
	const char *p = (const char *)ld->fr.sect[S_SPEC];
	size_t n = ld->fr.sect_len[S_SPEC], off = 0;
	struct dnn_error je = {0};

	if (memchr(p, '\0', n))
		return sect_err(ld, S_SPEC, "the spec contains a NUL byte");
	if (!util_utf8_valid(p, n))
		return sect_err(ld, S_SPEC, "the spec is not valid UTF-8");
	if (json_check(p, n, 0, NULL, &off, &je)) {
		/* "invalid JSON: " says again what the sentence does. */
		char *why = strstr(je.msg, "invalid JSON: ");
		if (why)
			memmove(why, why + 14, strlen(why + 14) + 1);
		return sect_err(ld, S_SPEC, "the spec is not valid JSON (line %lu, column %lu: %s)",
				je.line, je.column, je.msg);
	}
	while (off < n && strchr(" \t\r\n", p[off]))
		off++;
	if (off == n || p[off] != '{')
		return sect_err(ld, S_SPEC, "the spec is not a JSON object");
	m->spec_json = util_strndup(p + off, n - off);
	if (!m->spec_json)
		return dnn_error_oom(ld->e);
	return 0;
}

/* Read everything but the weights from the sections of ld->fr into m
 * (zeroed); the sizes it leaves in ld describe the network. */
static int parse_sections(struct dnn_model *m, struct loader *ld)
{
	if (parse_layr(ld) || parse_cols(ld, m) || parse_cats(ld, m) || parse_clas(ld, m) ||
	    parse_norm(ld, m) || parse_fill(ld, m) || check_wght(ld) || parse_stat(ld) ||
	    parse_hist(ld, m) || parse_spec(ld, m) || parse_meta(ld, m))
		return -1;
	parse_csvf(ld, m);
	m->task = ld->task;
	return 0;
}

/* Build the network that LAYR describes with the weights of WGHT and the
 * state of STAT. */
static int build_net(struct dnn_model *m, struct loader *ld)
{
	const unsigned char *w = ld->fr.sect[S_WGHT] + 8;

	m->net = net_new_rows(ld->n_in, ld->n_layers, ld->rows, ld->loss, ld->e);
	if (!m->net)
		return -1;
	if (m->net->n_params != ld->n_params)
		return dnn_error_set(ld->e, DNN_EX_SOFTWARE, ld->name, 0, 0,
				     "internal error: %zu parameters where the file has %zu",
				     m->net->n_params, ld->n_params);
	for (size_t i = 0; i < ld->n_params; i++)
		m->net->params[i] = bytes_bits_f32((uint32_t)bytes_get_le(w + 4 * i, 4));
	if (m->net->n_state != ld->n_state)
		return dnn_error_set(ld->e, DNN_EX_SOFTWARE, ld->name, 0, 0,
				     "internal error: %zu state values where the file has %zu",
				     m->net->n_state, ld->n_state);
	w = ld->fr.sect[S_STAT] ? ld->fr.sect[S_STAT] + 8 : NULL;
	for (size_t i = 0; w && i < ld->n_state; i++)
		m->net->state[i] = bytes_bits_f32((uint32_t)bytes_get_le(w + 4 * i, 4));
	return 0;
}

/* Run the reader's checks over an image about to be written, so that dnn
 * never writes a checkpoint it would refuse to load (70 if it would). */
int ckpt_verify_image(const unsigned char *buf, size_t size, const char *path, struct dnn_error *e)
{
	struct dnn_model scratch = {0};
	struct loader ld = {0};
	struct dnn_error le;
	int rc;

	dnn_error_clear(&le);
	ld.name = path;
	ld.e = &le;
	if (size > CKPT_MAX_SIZE)
		return dnn_error_set(e, DNN_EX_SOFTWARE, NULL, 0, 0,
				     "cannot save the model: %zu bytes, more than the %s of the "
				     "largest checkpoint dnn reads",
				     size, CKPT_MAX_SHOWN);
	rc = ckpt_frame_parse(&ld.fr, buf, size, path, &le) || parse_sections(&scratch, &ld);
	free(ld.rows);
	model_free(&scratch);
	if (rc == 0)
		return 0;
	if (le.code == DNN_EX_SOFTWARE) {
		*e = le;
		return -1;
	}
	return dnn_error_set(e, DNN_EX_SOFTWARE, NULL, 0, 0,
			     "cannot save the model: it would not load back: %s", le.msg);
}

int ckpt_load(struct dnn_model *m, const char *path, struct dnn_error *e)
{
	const char *name = strcmp(path, "-") ? path : "<stdin>";
	struct loader ld = {0};
	unsigned char *buf = NULL;
	size_t size = 0;
	int rc;

	memset(m, 0, sizeof *m);
	if (ckpt_frame_read(&ld.fr, path, name, &buf, &size, e))
		return -1;
	ld.name = name;
	ld.e = e;
	rc = parse_sections(m, &ld) || build_net(m, &ld) ? -1 : 0;
	if (rc == 0) {
		m->file_size = size;
		m->format_version = (uint32_t)bytes_get_le(buf + 8, 4);
		m->crc = (uint32_t)bytes_get_le(buf + size - CRC_SIZE, 4);
	}
	if (rc == 0 && ld.fr.trst) {
		m->train_state = malloc(ld.fr.trst_len ? ld.fr.trst_len : 1);
		if (m->train_state) {
			memcpy(m->train_state, ld.fr.trst, ld.fr.trst_len);
			m->train_state_len = ld.fr.trst_len;
		} else {
			rc = dnn_error_oom(e);
		}
	}
	free(ld.rows);
	free(buf);
	if (rc)
		model_free(m);
	return rc;
}

int ckpt_parse(struct dnn_model *m, const unsigned char *buf, size_t size, const char *name,
	       struct dnn_error *e)
{
	struct loader ld = {0};
	int rc;

	memset(m, 0, sizeof *m);
	ld.name = name;
	ld.e = e;
	rc = ckpt_frame_parse(&ld.fr, buf, size, name, e) || parse_sections(m, &ld) ||
		     build_net(m, &ld)
		 ? -1
		 : 0;
	free(ld.rows);
	if (rc)
		model_free(m);
	return rc;
}
