#include "prep.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loss.h"
#include "net.h"
#include "util.h"

static const char *display(const char *path)
{
	return strcmp(path, "-") ? path : "<stdin>";
}

static void data_opts(struct dnn_data_opts *o, const struct dnn_spec *s,
		      const struct dnn_csv_opts *csv, int missing_ok)
{
	memset(o, 0, sizeof *o);
	o->csv = *csv;
	o->csv.missing_ok = missing_ok;
	o->targets = s->data.targets;
	o->n_targets = s->data.n_targets;
	o->ignore = s->data.ignore;
	o->n_ignore = s->data.n_ignore;
	o->categorical = s->data.categorical;
	o->n_categorical = s->data.n_categorical;
	o->task = s->loss == DNN_LOSS_MSE ? DNN_TASK_REGRESSION : DNN_TASK_CLASSIFICATION;
}

int prep_output_width(const struct dnn_spec *s, const struct dnn_dataset *d,
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

/* Column means over the rows, NaNs left out; 65 for a column of NaNs. */
static float *column_means(const struct dnn_dataset *d, const char *data_name,
			   struct dnn_error *e)
{
	float *fill = util_malloc_array(d->n_in, sizeof *fill);

	if (!fill)
		return dnn_error_oom(e), NULL;
	for (size_t j = 0, c = 0; j < d->n_in; j++, c++) {
		double sum = 0.0;
		size_t k = 0;

		while (d->col_role[c] != DNN_COL_INPUT)
			c++;
		for (size_t i = 0; i < d->n_rows; i++) {
			float v = d->x[i * d->n_in + j];

			if (!isnan(v)) {
				sum += (double)v;
				k++;
			}
		}
		if (k == 0) {
			free(fill);
			return dnn_error_set(e, DNN_EX_DATA, data_name, 0, 0,
					     "input column '%s' has no values to fill its "
					     "missing cells with",
					     d->col_names[c]),
			       NULL;
		}
		fill[j] = (float)(sum / (double)k);
	}
	return fill;
}

static void fill_nans(float *x, size_t n, size_t w, const float *fill)
{
	for (size_t i = 0; i < n * w; i++)
		if (isnan(x[i]))
			x[i] = fill[i % w];
}

static int build_net(struct dnn_prep *p, size_t n_in, struct dnn_error *e)
{
	const struct dnn_spec *s = &p->spec;
	size_t *units = util_malloc_array(s->n_layers, sizeof *units);
	int *acts = util_malloc_array(s->n_layers, sizeof *acts);

	if (!units || !acts) {
		free(units);
		free(acts);
		return dnn_error_oom(e);
	}
	for (size_t l = 0; l < s->n_layers; l++) {
		units[l] = s->layers[l].units;
		acts[l] = s->layers[l].activation;
	}
	p->model.net = net_new(n_in, s->n_layers, units, acts, s->loss, e);
	free(units);
	free(acts);
	return p->model.net ? 0 : -1;
}

int prep_spec(struct dnn_prep *p, const char *spec_path, const char *data_path,
	      const struct dnn_csv_opts *csv, struct dnn_error *e)
{
	struct dnn_data_opts o;
	struct dnn_dataset d = {0};
	struct dnn_rng rng;
	size_t n_out;
	int rc = -1;

	memset(p, 0, sizeof *p);
	if (spec_load(&p->spec, spec_path, e))
		return -1;
	data_opts(&o, &p->spec, csv, p->spec.data.missing == DNN_MISSING_MEAN);
	if (data_load(&d, data_path, &o, e))
		goto out;
	if (prep_output_width(&p->spec, &d, display(spec_path), display(data_path), &n_out, e))
		goto out;
	p->spec.layers[p->spec.n_layers - 1].units = n_out;
	if (p->spec.data.missing == DNN_MISSING_MEAN) {
		if (!(p->model.fill = column_means(&d, display(data_path), e)))
			goto out;
		fill_nans(d.x, d.n_rows, d.n_in, p->model.fill);
	}
	if (p->spec.data.normalize == DNN_NORM_STANDARD) {
		if (norm_fit(&p->model.in_norm, d.x, d.n_in, NULL, d.n_rows, e))
			goto out;
	} else if (norm_identity(&p->model.in_norm, d.n_in, e)) {
		goto out;
	}
	/* One-hot inputs stay 0 and 1, as dnn train keeps them. */
	for (size_t k = 0; k < d.n_cats; k++)
		for (size_t j = d.cats[k].first; j < d.cats[k].first + d.cats[k].n; j++) {
			p->model.in_norm.mean[j] = 0.0f;
			p->model.in_norm.scale[j] = 1.0f;
		}
	norm_apply(&p->model.in_norm, d.x, d.n_rows);
	if (d.task == DNN_TASK_REGRESSION) {
		if (p->spec.data.normalize == DNN_NORM_STANDARD) {
			if (norm_fit(&p->model.out_norm, d.y, d.n_targets, NULL, d.n_rows, e))
				goto out;
		} else if (norm_identity(&p->model.out_norm, d.n_targets, e)) {
			goto out;
		}
		norm_apply(&p->model.out_norm, d.y, d.n_rows);
		p->t = d.y;
		d.y = NULL;
	} else if (!(p->t = target_matrix(d.label, d.n_rows, n_out, e))) {
		goto out;
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
		prep_free(p);
	return rc;
}

/* Index of the column named name among the columns of d with the given role
 * (counted within that role), or SIZE_MAX. */
int prep_model(struct dnn_prep *p, const char *model_path, const char *data_path,
	       const struct dnn_csv_opts *csv, struct dnn_error *e)
{
	struct dnn_csv_opts co = *csv;
	struct dnn_reader *r = NULL;
	struct dnn_net *net;
	size_t n_in, n_out, n_tgt, cap = 0, got;
	float *y = NULL;
	uint32_t *label = NULL;
	int rc = -1;

	memset(p, 0, sizeof *p);
	if (ckpt_load(&p->model, model_path, e))
		return -1;
	net = p->model.net;
	n_in = net->n_in;
	n_out = net_n_out(net);
	n_tgt = p->model.task == DNN_TASK_CLASSIFICATION ? 1 : n_out;
	if (spec_parse(&p->spec, p->model.spec_json, strlen(p->model.spec_json),
		       display(model_path), e))
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
	if (!r)
		goto out;
	for (;;) {
		if (p->n == cap) {
			size_t c = cap ? cap * 2 : 1024;
			float *x2 = util_realloc_array(p->x, c, n_in * sizeof *x2);
			float *y2 = x2 ? util_realloc_array(y, c, n_tgt * sizeof *y2) : NULL;
			uint32_t *l2 = y2 ? util_realloc_array(label, c, sizeof *l2) : NULL;

			if (x2)
				p->x = x2;
			if (y2)
				y = y2;
			if (!l2)
				goto oom;
			label = l2;
			cap = c;
		}
		if (reader_next_labelled(r, p->x + p->n * n_in, y + p->n * n_tgt, label + p->n,
					 cap - p->n, &got, e))
			goto out;
		if (got == 0)
			break;
		p->n += got;
	}
	if (p->n == 0) {
		dnn_error_set(e, DNN_EX_DATA, display(data_path), 0, 0, "no data rows");
		goto out;
	}
	if (p->model.fill)
		fill_nans(p->x, p->n, n_in, p->model.fill);
	norm_apply(&p->model.in_norm, p->x, p->n);
	if (p->model.task == DNN_TASK_REGRESSION) {
		norm_apply(&p->model.out_norm, y, p->n);
		p->t = y;
		y = NULL;
	} else if (!(p->t = target_matrix(label, p->n, n_out, e))) {
		goto out;
	}
	p->classification = p->model.task == DNN_TASK_CLASSIFICATION;
	rc = 0;
	goto out;
oom:
	dnn_error_oom(e);
out:
	reader_close(r);
	free(y);
	free(label);
	if (rc)
		prep_free(p);
	return rc;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

void prep_subsample(struct dnn_prep *p, size_t k, struct dnn_rng *rng)
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

void prep_free(struct dnn_prep *p)
{
	spec_free(&p->spec);
	model_free(&p->model);
	free(p->x);
	free(p->t);
	memset(p, 0, sizeof *p);
}
