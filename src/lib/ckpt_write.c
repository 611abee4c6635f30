/* Checkpoints in the format of dnn-checkpoint(5), the writer: a model
 * checked, laid out section by section in little-endian bytes (bytes.h),
 * CRC-32 appended, read back by the reader's checks, then written through
 * the atomic output (afile.h). */
#include "ckpt.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "afile.h"
#include "bytes.h"
#include "ckpt_format.h"

/* What building the image relies on: pointers present, array lengths that
 * agree, counts that fit the format. A failure is a bug in the caller (70);
 * ckpt_verify_image checks the rest. */
static int check_model(const struct dnn_model *m, struct dnn_error *e)
{
	const struct dnn_net *net = m->net;
	size_t n_inputs = 0, n_out;

#define BAD(...)                                                                                   \
	dnn_error_set(e, DNN_EX_SOFTWARE, NULL, 0, 0, "cannot save the model: " __VA_ARGS__)
	if (!net || !net->layers || !net->params || net->n_layers == 0)
		return BAD("no network");
	if (!m->spec_json)
		return BAD("no spec");
	if (net->n_in > UINT32_MAX || net->n_layers > UINT32_MAX || m->n_cols > UINT32_MAX ||
	    m->n_classes > UINT32_MAX || m->history.n > UINT32_MAX)
		return BAD("too large for the checkpoint format");
	for (size_t l = 0; l < net->n_layers; l++)
		if (net->layers[l].n_out > UINT32_MAX || !net->layers[l].act)
			return BAD("layer %zu is too wide or has no activation", l + 1);
	if (net->n_state && !net->state)
		return BAD("no state");
	n_out = net_n_out(net);
	if (m->n_cols && (!m->col_names || !m->col_role))
		return BAD("no column names");
	for (size_t c = 0; c < m->n_cols; c++) {
		if (!m->col_names[c] || strlen(m->col_names[c]) > UINT32_MAX)
			return BAD("column %zu has no name or too long a name", c + 1);
		n_inputs += m->col_role[c] == DNN_COL_INPUT;
	}
	for (size_t k = 0; k < m->n_cats; k++) {
		const struct dnn_catcol *cc = &m->cats[k];

		if (cc->col >= m->n_cols || m->col_role[cc->col] != DNN_COL_CATEGORICAL ||
		    (k && cc->col <= m->cats[k - 1].col) || cc->n == 0 || cc->n > UINT32_MAX ||
		    !cc->names || cc->first != data_input_of(m->col_role, cc->col, m->cats, k + 1))
			return BAD("categorical column %zu is inconsistent", k + 1);
		for (size_t q = 0; q < cc->n; q++)
			if (!cc->names[q] || strlen(cc->names[q]) > UINT32_MAX)
				return BAD("category %zu of column %zu has no name or too long a "
					   "name",
					   q + 1, k + 1);
		n_inputs += cc->n;
	}
	for (size_t c = 0, k = 0; c < m->n_cols; c++)
		if (m->col_role[c] == DNN_COL_CATEGORICAL &&
		    (k >= m->n_cats || m->cats[k++].col != c))
			return BAD("column %zu is categorical but has no categories", c + 1);
	if (n_inputs != net->n_in)
		return BAD("%zu input columns for %zu network inputs", n_inputs, net->n_in);
	if (m->n_classes && !m->class_names)
		return BAD("no class names");
	for (size_t k = 0; k < m->n_classes; k++)
		if (!m->class_names[k] || strlen(m->class_names[k]) > UINT32_MAX)
			return BAD("class %zu has no name or too long a name", k + 1);
	if (m->in_norm.n != net->n_in || (m->in_norm.n && (!m->in_norm.mean || !m->in_norm.scale)))
		return BAD("input normalization of %zu columns for %zu inputs", m->in_norm.n,
			   net->n_in);
	if (m->task == DNN_TASK_REGRESSION) {
		if (m->out_norm.n != n_out || !m->out_norm.mean || !m->out_norm.scale)
			return BAD("output normalization of %zu columns for %zu outputs",
				   m->out_norm.n, n_out);
	} else if (m->task == DNN_TASK_CLASSIFICATION) {
		if (m->out_norm.n != 0)
			return BAD("output normalization in a classification model");
	} else {
		return BAD("unknown task %d", m->task);
	}
	if (m->history.n && !m->history.epochs)
		return BAD("no history");
#undef BAD
	return 0;
}

/* Start a section: its tag and a length filled in by sect_end. Returns the
 * offset of the payload. */
static size_t sect_begin(struct dnn_wbuf *w, const char *tag)
{
	wbuf_bytes(w, tag, 4);
	wbuf_u64(w, 0);
	return w->n;
}

static void sect_end(struct dnn_wbuf *w, size_t start)
{
	if (!w->oom)
		bytes_put_le(w->p + start - 8, (uint64_t)(w->n - start), 8);
}

/* LAYR: task, loss, n_in, n_layers, then per row: version 1 (dense rows
 * only) (units, activation); version 2 (kind, units, activation, n_fields,
 * the fields as f64). */
static void put_layr(struct dnn_wbuf *w, const struct dnn_model *m, int version)
{
	const struct dnn_net *net = m->net;
	size_t s = sect_begin(w, "LAYR");

	wbuf_u32(w, (uint32_t)m->task);
	wbuf_u32(w, (uint32_t)net->loss);
	wbuf_u32(w, (uint32_t)net->n_in);
	wbuf_u32(w, (uint32_t)net->n_layers);
	for (size_t l = 0; l < net->n_layers; l++) {
		const struct dnn_layer *ly = &net->layers[l];

		if (version > 1)
			wbuf_u32(w, (uint32_t)ly->kind->id);
		wbuf_u32(w, (uint32_t)ly->n_out);
		wbuf_u32(w, (uint32_t)ly->act->id);
		if (version == 1)
			continue;
		wbuf_u32(w, (uint32_t)ly->kind->n_fields);
		for (size_t f = 0; f < ly->kind->n_fields; f++)
			wbuf_f64(w, ly->field[f]);
	}
	sect_end(w, s);
}

/* COLS, then CATS when there are categorical columns, then CLAS: the names
 * of the columns, categories and classes. */
static void put_names(struct dnn_wbuf *w, const struct dnn_model *m)
{
	size_t s = sect_begin(w, "COLS");

	wbuf_u32(w, (uint32_t)m->n_cols);
	for (size_t c = 0; c < m->n_cols; c++) {
		wbuf_uint(w, m->col_role[c], 1);
		wbuf_str(w, m->col_names[c]);
	}
	sect_end(w, s);
	if (m->n_cats) {
		s = sect_begin(w, "CATS");
		wbuf_u32(w, (uint32_t)m->n_cats);
		for (size_t k = 0; k < m->n_cats; k++) {
			wbuf_u32(w, (uint32_t)m->cats[k].col);
			wbuf_u32(w, (uint32_t)m->cats[k].n);
			for (size_t q = 0; q < m->cats[k].n; q++)
				wbuf_str(w, m->cats[k].names[q]);
		}
		sect_end(w, s);
	}
	s = sect_begin(w, "CLAS");
	wbuf_u32(w, (uint32_t)m->n_classes);
	for (size_t k = 0; k < m->n_classes; k++)
		wbuf_str(w, m->class_names[k]);
	sect_end(w, s);
}

/* NORM, then FILL when missing inputs are filled, then WGHT: the numbers of
 * the input transform and the weights. */
static void put_numbers(struct dnn_wbuf *w, const struct dnn_model *m)
{
	const struct dnn_net *net = m->net;
	size_t s = sect_begin(w, "NORM");

	wbuf_u32(w, (uint32_t)m->in_norm.n);
	wbuf_f32s(w, m->in_norm.mean, m->in_norm.n);
	wbuf_f32s(w, m->in_norm.scale, m->in_norm.n);
	wbuf_u32(w, (uint32_t)m->out_norm.n);
	wbuf_f32s(w, m->out_norm.mean, m->out_norm.n);
	wbuf_f32s(w, m->out_norm.scale, m->out_norm.n);
	sect_end(w, s);
	if (m->fill) {
		s = sect_begin(w, "FILL");
		wbuf_u32(w, (uint32_t)m->in_norm.n);
		wbuf_f32s(w, m->fill, m->in_norm.n);
		sect_end(w, s);
	}
	s = sect_begin(w, "WGHT");
	wbuf_u64(w, (uint64_t)net->n_params);
	wbuf_f32s(w, net->params, net->n_params);
	sect_end(w, s);
	if (net->n_state) {
		s = sect_begin(w, "STAT");
		wbuf_u64(w, (uint64_t)net->n_state);
		wbuf_f32s(w, net->state, net->n_state);
		sect_end(w, s);
	}
}

/* HIST: n_epochs, HIST_FIELDS, then the known fields of every epoch; then
 * the ancillary sections meta (the writer and the time of writing), trst
 * (where training left off) and csvf (the data's format, when not the
 * default), which readers that do not know them skip. */
static void put_history(struct dnn_wbuf *w, const struct dnn_model *m)
{
	size_t s = sect_begin(w, "HIST");

	wbuf_u32(w, (uint32_t)m->history.n);
	wbuf_u32(w, HIST_FIELDS);
	for (size_t i = 0; i < m->history.n; i++) {
		const struct dnn_epoch *ep = &m->history.epochs[i];

		wbuf_f64(w, ep->loss);
		wbuf_f64(w, ep->val_loss);
		wbuf_f64(w, ep->accuracy);
		wbuf_f64(w, ep->val_accuracy);
		wbuf_f64(w, ep->learning_rate);
	}
	sect_end(w, s);
	if (m->writer) {
		s = sect_begin(w, "meta");
		wbuf_str(w, m->writer);
		wbuf_u64(w, m->written);
		sect_end(w, s);
	}
	if (m->train_state) {
		s = sect_begin(w, "trst");
		wbuf_bytes(w, m->train_state, m->train_state_len);
		sect_end(w, s);
	}
	/* The default format (a header row, commas) writes nothing, so that
	 * such a model's bytes stay as they were. */
	if (m->csv_no_header || (m->csv_delimiter && m->csv_delimiter != ',')) {
		unsigned char f[2] = {!m->csv_no_header,
				      (unsigned char)(m->csv_delimiter ? m->csv_delimiter : ',')};

		s = sect_begin(w, "csvf");
		wbuf_bytes(w, f, sizeof f);
		sect_end(w, s);
	}
}

/* The whole file image of m, CRC included. */
static int build_image(const struct dnn_model *m, struct dnn_wbuf *w, struct dnn_error *e)
{
	/* Today's dense networks keep the bytes of version 1. */
	int version = net_is_dense(m->net) ? 1 : DNN_CKPT_VERSION;
	size_t s;

	wbuf_bytes(w, ckpt_magic, sizeof ckpt_magic);
	wbuf_u32(w, (uint32_t)version);
	s = sect_begin(w, "SPEC");
	wbuf_bytes(w, m->spec_json, strlen(m->spec_json));
	sect_end(w, s);
	put_layr(w, m, version);
	put_names(w, m);
	put_numbers(w, m);
	put_history(w, m);
	if (w->oom)
		return dnn_error_oom(e);
	wbuf_u32(w, ckpt_crc(w->p, w->n));
	if (w->oom)
		return dnn_error_oom(e);
	return 0;
}

int ckpt_save(const struct dnn_model *m, const char *path, struct dnn_error *e)
{
	struct dnn_wbuf w = {0};
	int rc = -1;

	if (check_model(m, e) == 0 && build_image(m, &w, e) == 0 &&
	    ckpt_verify_image(w.p, w.n, path, e) == 0)
		rc = afile_write(path, w.p, w.n, e);
	free(w.p);
	return rc;
}
