/* Data preparation: missing-value fill, normalization, target encoding and
 * the model's input transform, for every command that reads rows. */
#include "prepare.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "loss.h"
#include "net.h"
#include "util.h"

static const char *display(const char *path)
{
	return strcmp(path, "-") ? path : "<stdin>";
}

void prepare_fill_apply(float *x, size_t n, size_t w, const float *fill)
{
	for (size_t i = 0; i < n * w; i++)
		if (isnan(x[i]))
			x[i] = fill[i % w];
}

/* The first input of file column c of d and its width (1, or a categorical
 * column's categories); 0 for a column that is no input. *k counts the
 * categorical columns passed. */
static size_t input_span(const struct dnn_dataset *d, size_t c, size_t *k, size_t *first)
{
	if (d->col_role[c] == DNN_COL_INPUT) {
		*first = data_input_of(d->col_role, c, d->cats, d->n_cats);
		return 1;
	}
	if (d->col_role[c] == DNN_COL_CATEGORICAL) {
		*first = d->cats[*k].first;
		return d->cats[(*k)++].n;
	}
	return 0;
}

int prepare_fill(struct dnn_dataset *d, size_t n_train, float **fill_out, double *n_missing,
		 const char *data_name, struct dnn_error *e)
{
	float *fill = util_malloc_array(d->n_in, sizeof *fill);
	/* Per input, the sum and the count of its values in the training rows,
	 * and the missing cells of all rows; a shared dataset adds up those of
	 * all MPI ranks. */
	double *sum = util_calloc_array(2 * d->n_in + 1, sizeof *sum), *cnt = sum + d->n_in;
	size_t first, width;

	int bad = !fill || !sum ? dnn_error_oom(e) : 0;

	/* A shared dataset's ranks leave together. */
	if (d->shared ? dist_agree(bad, e) : bad) {
		free(fill);
		free(sum);
		return -1;
	}
	for (size_t i = 0; i < n_train; i++)
		for (size_t j = 0; j < d->n_in; j++) {
			float v = d->x[i * d->n_in + j];

			if (!isnan(v)) {
				sum[j] += (double)v;
				cnt[j]++;
			}
		}
	/* A missing cell counts once, however many inputs it has. */
	for (size_t c = 0, k = 0; c < d->n_cols; c++)
		if (input_span(d, c, &k, &first))
			for (size_t i = 0; i < d->n_rows; i++)
				cnt[d->n_in] += isnan(d->x[i * d->n_in + first]);
	if (d->shared)
		dist_sum_f64(sum, 2 * d->n_in + 1);
	for (size_t c = 0, k = 0; c < d->n_cols; c++) {
		width = input_span(d, c, &k, &first);
		for (size_t j = first; j < first + width; j++) {
			if (cnt[j] == 0.0) {
				free(fill);
				free(sum);
				return dnn_error_set(e, DNN_EX_DATA, data_name, 0, 0,
						     "input column '%s' has no values in the "
						     "training rows to fill its missing cells with",
						     d->col_names[c]);
			}
			fill[j] = (float)(sum[j] / cnt[j]);
		}
	}
	prepare_fill_apply(d->x, d->n_rows, d->n_in, fill);
	*n_missing = cnt[d->n_in];
	free(sum);
	*fill_out = fill;
	return 0;
}

/* nm fitted on the first n_train rows of x (cols wide; across the MPI ranks
 * when shared) for standard normalization, else the identity. */
static int norm_fit_rows(struct dnn_norm *nm, const float *x, size_t cols, size_t n_train,
			 int normalize, int shared, struct dnn_error *e)
{
	if (normalize != DNN_NORM_STANDARD)
		return norm_identity(nm, cols, e);
	if (shared)
		return norm_fit_shared(nm, x, cols, n_train, e);
	return norm_fit(nm, x, cols, NULL, n_train, e);
}

/* Targets in the form the loss wants: one-hot rows, or a 0/1 column for a
 * single sigmoid unit, from the class index of each row. */
static float *target_matrix(const uint32_t *label, size_t n, size_t n_out, struct dnn_error *e)
{
	size_t cells;
	float *t;

	if (util_mul_overflow(n, n_out, &cells) || !(t = util_calloc_array(cells, sizeof *t)))
		return dnn_error_oom(e), NULL;
	for (size_t i = 0; i < n; i++) {
		if (n_out == 1)
			t[i] = (float)label[i];
		else
			t[i * n_out + label[i]] = 1.0f;
	}
	return t;
}

int prepare_rows(struct dnn_model *m, struct dnn_dataset *d, size_t n_train,
		 const struct dnn_spec *s, int fit, size_t n_out, float **t, double *n_missing,
		 const char *data_name, struct dnn_error *e)
{
	*t = NULL;
	*n_missing = 0.0;
	if (!fit) {
		if (m->fill)
			prepare_fill_apply(d->x, d->n_rows, d->n_in, m->fill);
	} else if (s->data.missing == DNN_MISSING_MEAN &&
		   prepare_fill(d, n_train, &m->fill, n_missing, data_name, e)) {
		return -1;
	}
	/* Statistics from the training rows only, applied to all. */
	if (fit &&
	    norm_fit_rows(&m->in_norm, d->x, d->n_in, n_train, s->data.normalize, d->shared, e))
		return -1;
	/* One-hot inputs stay 0 and 1: an unknown category (all 0) at predict
	 * time then adds nothing. */
	for (size_t k = 0; k < d->n_cats; k++)
		for (size_t j = d->cats[k].first; j < d->cats[k].first + d->cats[k].n; j++) {
			m->in_norm.mean[j] = 0.0f;
			m->in_norm.scale[j] = 1.0f;
		}
	norm_apply(&m->in_norm, d->x, d->n_rows);
	if (d->task != DNN_TASK_REGRESSION)
		return (*t = target_matrix(d->label, d->n_rows, n_out, e)) ? 0 : -1;
	if (fit && norm_fit_rows(&m->out_norm, d->y, d->n_targets, n_train, s->data.normalize,
				 d->shared, e))
		return -1;
	norm_apply(&m->out_norm, d->y, d->n_rows);
	return 0;
}

void prepare_inputs(const struct dnn_model *m, float *x, size_t n)
{
	if (m->fill)
		prepare_fill_apply(x, n, m->net->n_in, m->fill);
	norm_apply(&m->in_norm, x, n);
}

void prepare_targets(const struct dnn_model *m, const uint32_t *label, const float *y, size_t n,
		     size_t n_out, float *t)
{
	if (m->task == DNN_TASK_CLASSIFICATION) {
		memset(t, 0, n * n_out * sizeof *t);
		for (size_t i = 0; i < n; i++) {
			if (n_out == 1)
				t[i] = (float)label[i];
			else
				t[i * n_out + label[i]] = 1.0f;
		}
	} else {
		memcpy(t, y, n * n_out * sizeof *t);
		norm_apply(&m->out_norm, t, n);
	}
}

static void data_opts(struct dnn_data_opts *o, const struct dnn_spec *s,
		      const struct dnn_csv_opts *csv, int missing_ok)
{
	memset(o, 0, sizeof *o);
	o->csv = *csv;
	model_csv_defaults(NULL, &o->csv);
	o->csv.missing_ok = missing_ok;
	o->targets = s->data.targets;
	o->n_targets = s->data.n_targets;
	o->ignore = s->data.ignore;
	o->n_ignore = s->data.n_ignore;
	o->categorical = s->data.categorical;
	o->n_categorical = s->data.n_categorical;
	o->weight = s->data.weight;
	o->task = s->loss == DNN_LOSS_MSE ? DNN_TASK_REGRESSION : DNN_TASK_CLASSIFICATION;
}

int prepare_output_width(const struct dnn_spec *s, const struct dnn_dataset *d,
			 const char *spec_name, const char *data_name, size_t *out,
			 struct dnn_error *e)
{
	size_t last = s->n_layers - 1, units = s->layers[last].units, want;

	if (d->task == DNN_TASK_REGRESSION) {
		want = d->n_targets;
		if (units && units != want)
			return dnn_error_set(e, DNN_EX_DATA, spec_name, 0, 0,
					     "layers[%zu].units: the output layer has %zu units "
					     "but %s has %zu target column%s",
					     last, units, data_name, want, want == 1 ? "" : "s");
	} else {
		want = d->n_classes;
		if (s->layers[last].activation == DNN_ACT_SIGMOID && d->n_classes == 2 &&
		    units != 2)
			want = 1;
		if (units && units != want)
			return dnn_error_set(e, DNN_EX_DATA, spec_name, 0, 0,
					     "layers[%zu].units: the output layer has %zu units "
					     "but %s has %zu classes",
					     last, units, data_name, d->n_classes);
	}
	*out = want;
	return 0;
}

static int build_net(struct dnn_prepared *p, size_t n_in, struct dnn_error *e)
{
	p->model.net = net_new_spec(n_in, &p->spec, e);
	return p->model.net ? 0 : -1;
}

int prepare_spec(struct dnn_prepared *p, const char *spec_path, const char *data_path,
		 const struct dnn_csv_opts *csv, struct dnn_error *e)
{
	struct dnn_data_opts o;
	struct dnn_dataset d = {0};
	struct dnn_rng rng;
	size_t n_out;
	double n_missing;
	int rc = -1;

	memset(p, 0, sizeof *p);
	if (spec_load(&p->spec, spec_path, e))
		return -1;
	data_opts(&o, &p->spec, csv, p->spec.data.missing == DNN_MISSING_MEAN);
	if (data_load(&d, data_path, &o, e))
		goto out;
	if (prepare_output_width(&p->spec, &d, display(spec_path), display(data_path), &n_out, e))
		goto out;
	p->spec.layers[p->spec.n_layers - 1].units = n_out;
	if (prepare_rows(&p->model, &d, d.n_rows, &p->spec, 1, n_out, &p->t, &n_missing,
			 display(data_path), e))
		goto out;
	if (!p->t) {
		p->t = d.y;
		d.y = NULL;
	}
	if (build_net(p, d.n_in, e))
		goto out;
	rng_seed(&rng, p->spec.seed);
	net_init_spec(p->model.net, &p->spec, &rng);
	p->n = d.n_rows;
	p->x = d.x;
	d.x = NULL;
	p->classification = d.task == DNN_TASK_CLASSIFICATION;
	p->model.task = d.task;
	p->model.n_classes = d.n_classes;
	rc = 0;
out:
	data_free(&d);
	if (rc)
		prepare_free(p);
	return rc;
}

/* Every row of the reader r: inputs into p->x (p->n rows), targets into
 * *y (n_tgt wide) and the classes into *label. */
static int read_all(struct dnn_prepared *p, struct dnn_reader *r, size_t n_tgt, float **y,
		    uint32_t **label, struct dnn_error *e)
{
	size_t n_in = p->model.net->n_in, cap = 0, got;

	for (;;) {
		if (p->n == cap) {
			size_t c = cap ? cap * 2 : 1024;
			float *x2 = util_realloc_array(p->x, c, n_in * sizeof *x2);
			float *y2 = x2 ? util_realloc_array(*y, c, n_tgt * sizeof *y2) : NULL;
			uint32_t *l2 = y2 ? util_realloc_array(*label, c, sizeof *l2) : NULL;

			if (x2)
				p->x = x2;
			if (y2)
				*y = y2;
			if (!l2)
				return dnn_error_oom(e);
			*label = l2;
			cap = c;
		}
		if (reader_next_labelled(r, p->x + p->n * n_in, *y + p->n * n_tgt, *label + p->n,
					 cap - p->n, &got, e))
			return -1;
		if (got == 0)
			return 0;
		p->n += got;
	}
}

int prepare_model(struct dnn_prepared *p, const char *model_path, const char *data_path,
		  const struct dnn_csv_opts *csv, struct dnn_error *e)
{
	struct dnn_csv_opts co = *csv;
	struct dnn_reader *r = NULL;
	size_t n_out, n_tgt, cells;
	float *y = NULL;
	uint32_t *label = NULL;
	int rc = -1;

	memset(p, 0, sizeof *p);
	if (ckpt_load(&p->model, model_path, e))
		return -1;
	model_csv_defaults(&p->model, &co);
	n_out = net_n_out(p->model.net);
	n_tgt = p->model.task == DNN_TASK_CLASSIFICATION ? 1 : n_out;
	if (spec_parse_stored(&p->spec, p->model.spec_json, display(model_path), e))
		goto out;
	/* The reader of dnn eval: inputs, categories, targets and classes
	 * matched to the model's by name. */
	co.missing_ok = p->model.fill != NULL;
	struct dnn_reader_opts ro = {.cats = p->model.cats,
				     .n_cats = p->model.n_cats,
				     .with_targets = 1,
				     .class_names = p->model.class_names,
				     .n_classes = p->model.n_classes};
	r = reader_open_model(data_path, &co, p->model.col_names, p->model.col_role,
			      p->model.n_cols, &ro, e);
	if (!r || read_all(p, r, n_tgt, &y, &label, e))
		goto out;
	if (p->n == 0) {
		dnn_error_set(e, DNN_EX_DATA, display(data_path), 0, 0, "no data rows");
		goto out;
	}
	prepare_inputs(&p->model, p->x, p->n);
	if (util_mul_overflow(p->n, n_out, &cells) ||
	    !(p->t = util_malloc_array(cells, sizeof *p->t))) {
		dnn_error_oom(e);
		goto out;
	}
	prepare_targets(&p->model, label, y, p->n, n_out, p->t);
	p->classification = p->model.task == DNN_TASK_CLASSIFICATION;
	rc = 0;
out:
	reader_close(r);
	free(y);
	free(label);
	if (rc)
		prepare_free(p);
	return rc;
}

int prepare_gather_sample(const struct dnn_dataset *d, const float *targets, size_t n_train,
			  size_t n_out, float **xs, float **ts, size_t *k, struct dnn_error *e)
{
	size_t stride = (d->n_train_total + 2047) / 2048, rec, mine = 0, all_len = 0;
	size_t w = d->n_in + n_out, *order = NULL;
	unsigned char *buf = NULL, *all = NULL;
	int rc = -1;

	*xs = *ts = NULL;
	rec = sizeof(uint64_t) + w * sizeof(float);
	for (size_t j = 0; j < n_train; j++)
		mine += d->train_gid[j] % stride == 0;
	buf = util_malloc_array(mine + 1, rec);
	if (dist_agree(buf ? 0 : dnn_error_oom(e), e))
		goto out;
	for (size_t j = 0, q = 0; j < n_train; j++) {
		uint64_t g = d->train_gid[j];
		unsigned char *r = buf + q * rec;

		if (g % stride)
			continue;
		memcpy(r, &g, sizeof g);
		memcpy(r + sizeof g, d->x + j * d->n_in, d->n_in * sizeof(float));
		memcpy(r + sizeof g + d->n_in * sizeof(float), targets + j * n_out,
		       n_out * sizeof(float));
		q++;
	}
	/* dist_allgather fails on every rank alike. */
	if (dist_allgather(buf, mine * rec, &all, &all_len, NULL)) {
		dnn_error_oom(e);
		goto out;
	}
	*k = all_len / rec;
	*xs = util_malloc_array(*k + 1, d->n_in * sizeof **xs);
	*ts = util_malloc_array(*k + 1, n_out * sizeof **ts);
	order = util_malloc_array(*k + 1, sizeof *order);
	if (dist_agree(*xs && *ts && order ? 0 : dnn_error_oom(e), e))
		goto out;
	/* In the order of the rows in the file: by their number. */
	for (size_t i = 0; i < *k; i++) {
		uint64_t g;

		memcpy(&g, all + i * rec, sizeof g);
		order[g / stride] = i;
	}
	for (size_t i = 0; i < *k; i++) {
		const unsigned char *r = all + order[i] * rec + sizeof(uint64_t);

		memcpy(*xs + i * d->n_in, r, d->n_in * sizeof(float));
		memcpy(*ts + i * n_out, r + d->n_in * sizeof(float), n_out * sizeof(float));
	}
	rc = 0;
out:
	if (rc) {
		free(*xs);
		free(*ts);
		*xs = *ts = NULL;
	}
	free(order);
	free(buf);
	free(all);
	return rc;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

void prepare_subsample(struct dnn_prepared *p, size_t k, struct dnn_rng *rng)
{
	size_t n_in = p->model.net->n_in, n_out = net_n_out(p->model.net);
	size_t *idx;

	if (k >= p->n || !(idx = util_malloc_array(p->n, sizeof *idx)))
		return;
	for (size_t i = 0; i < p->n; i++)
		idx[i] = i;
	/* A partial Fisher-Yates shuffle picks k rows; then keep file order. */
	for (size_t i = 0; i < k; i++) {
		size_t j = i + (size_t)rng_below(rng, p->n - i), tmp = idx[i];

		idx[i] = idx[j];
		idx[j] = tmp;
	}
	qsort(idx, k, sizeof *idx, cmp_size);
	for (size_t i = 0; i < k; i++) {
		memmove(p->x + i * n_in, p->x + idx[i] * n_in, n_in * sizeof *p->x);
		memmove(p->t + i * n_out, p->t + idx[i] * n_out, n_out * sizeof *p->t);
	}
	p->n = k;
	free(idx);
}

void prepare_free(struct dnn_prepared *p)
{
	if (!p)
		return;
	spec_free(&p->spec);
	model_free(&p->model);
	free(p->x);
	free(p->t);
	memset(p, 0, sizeof *p);
}
