/* A spec trained on rows in memory and scored on others (fit.h). */
#include "fit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "loss.h"
#include "metrics.h"
#include "model.h"
#include "net.h"
#include "norm.h"
#include "optim.h"
#include "prepare.h"
#include "schedule.h"
#include "split.h"
#include "train.h"
#include "util.h"
#include "weights.h"

/* What one fit holds. */
struct fit {
	struct dnn_spec spec;	/* s with its own layers (the output width set) */
	struct dnn_dataset sub; /* the training rows, the validation rows, the test rows */
	size_t n_out, n_train, n_val, n_test;
	struct dnn_model m; /* network, normalization, fill, history */
	float *t;	    /* classification targets */
	float *w;	    /* the training and validation rows' weights, or NULL */
	double *max_norm;   /* per layer, or NULL */
	struct dnn_optim *opt;
	struct dnn_sched sched;
	struct dnn_train_early early;
	struct dnn_train_stop stop;
	struct dnn_rng rng;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Copy row r of d to row i of sub. */
static void copy_row(struct dnn_dataset *sub, const struct dnn_dataset *d, size_t i, size_t r)
{
	memcpy(sub->x + i * d->n_in, d->x + r * d->n_in, d->n_in * sizeof *d->x);
	if (d->y)
		memcpy(sub->y + i * d->n_targets, d->y + r * d->n_targets,
		       d->n_targets * sizeof *d->y);
	if (d->label)
		sub->label[i] = d->label[r];
	if (d->w)
		sub->w[i] = d->w[r];
}

/* sub: d's columns with room for all the rows, the training rows in. */
static int gather(struct fit *f, const struct dnn_dataset *d, const size_t *train,
		  struct dnn_error *e)
{
	struct dnn_dataset *sub = &f->sub;
	size_t n = f->n_train + f->n_test;

	*sub = *d;
	sub->x = util_malloc_array(n * d->n_in, sizeof *sub->x);
	sub->y = d->y ? util_malloc_array(n * d->n_targets, sizeof *sub->y) : NULL;
	sub->label = d->label ? util_malloc_array(n, sizeof *sub->label) : NULL;
	sub->w = d->w ? util_malloc_array(n, sizeof *sub->w) : NULL;
	sub->shared = 0;
	sub->train_gid = NULL;
	if (!sub->x || (d->y && !sub->y) || (d->label && !sub->label) || (d->w && !sub->w))
		return dnn_error_oom(e);
	for (size_t i = 0; i < f->n_train; i++)
		copy_row(sub, d, i, train[i]);
	sub->n_rows = sub->n_rows_total = f->n_train;
	return 0;
}

/* The rows: training rows, the spec's validation rows split off them, then
 * the test rows; all prepared with what the training rows fit. */
static int fit_rows(struct fit *f, const struct dnn_dataset *d, const size_t *train,
		    const size_t *test, const struct dnn_fit_opts *o, struct dnn_error *e)
{
	struct dnn_spec *s = &f->spec;
	double n_filled;

	if (gather(f, d, train, e))
		return -1;
	if (prepare_output_width(s, &f->sub, o->spec_name, o->data_name, &f->n_out, e))
		return -1;
	s->layers[s->n_layers - 1].units = f->n_out;
	if (s->data.validation > 0.0 &&
	    data_split(&f->sub, s->data.validation, s->seed, &f->n_val, o->data_name, e))
		return -1;
	for (size_t i = 0; i < f->n_test; i++)
		copy_row(&f->sub, d, f->n_train + i, test[i]);
	f->sub.n_rows += f->n_test;
	f->n_train -= f->n_val;
	if (prepare_rows(&f->m, &f->sub, f->n_train, s, 1, f->n_out, &f->t, &n_filled,
			 o->data_name, e))
		return -1;
	/* The loss's targets and the rows' weights, as dnn train makes them. */
	if (f->t)
		loss_smooth_targets(s->loss, f->t, f->n_train + f->n_val, f->n_out,
				    s->label_smoothing);
	return weights_rows(s, &f->sub, f->n_train, f->n_val, o->spec_name, &f->w, e);
}

/* The network with its initial weights, the optimizer, early stopping's
 * buffers, the schedule. */
static int fit_build(struct fit *f, struct dnn_error *e)
{
	const struct dnn_spec *s = &f->spec;

	if (!(f->m.net = net_new_spec(f->sub.n_in, s, e)))
		return -1;
	rng_seed(&f->rng, s->seed);
	net_init_spec(f->m.net, s, &f->rng);
	if (!(f->opt = optim_new(&s->optim, f->m.net->n_params, e)))
		return -1;
	for (size_t l = 0; l < s->n_layers && !f->max_norm; l++)
		if (s->layers[l].max_norm > 0.0) {
			const struct dnn_net *net = f->m.net;

			if (!(f->max_norm = util_calloc_array(net->n_layers, sizeof *f->max_norm)))
				return dnn_error_oom(e);
			/* One per row of the net, each spec layer's on its dense row. */
			for (size_t r = 0, k = 0; r < net->n_layers && k < s->n_layers; r++)
				if (net->layers[r].kind->id == DNN_LAYER_DENSE)
					f->max_norm[r] = s->layers[k++].max_norm;
		}
	f->early.best_loss = (double)INFINITY;
	if (s->patience) {
		f->early.best = util_malloc_array(f->m.net->n_params, sizeof *f->early.best);
		if (!f->early.best)
			return dnn_error_oom(e);
	}
	sched_init(&f->sched, &s->schedule, s->optim.learning_rate, s->epochs);
	return 0;
}

static int fit_train(struct fit *f, const struct dnn_fit_opts *o, struct dnn_error *e)
{
	const struct dnn_dataset *d = &f->sub;
	const float *targets = f->t ? f->t : d->y;
	const struct dnn_rows train_rows = {f->n_train, d->x, targets, f->w};
	const struct dnn_rows val_rows = {f->n_val, d->x + f->n_train * d->n_in,
					  targets + f->n_train * f->n_out,
					  f->w ? f->w + f->n_train : NULL};
	const struct dnn_train_opts topts = {
		.first_epoch = 1,
		.epochs = f->spec.epochs,
		.batch_size = f->spec.batch_size,
		.classification = d->task == DNN_TASK_CLASSIFICATION,
		.target_scale = d->task == DNN_TASK_REGRESSION ? f->m.out_norm.scale : NULL,
		.sched = &f->sched,
		.patience = f->spec.patience,
		.stop = &f->stop,
		.early = &f->early,
		.interrupt = o->interrupt,
		.n_total = f->n_train,
		.max_norm = f->max_norm,
		.seed = f->spec.seed,
	};

	return train_run(f->m.net, f->opt, &f->rng, &train_rows, &val_rows, &topts, &f->m.history,
			 e);
}

/* Macro F1 from a k x k confusion matrix (row: true class): the mean over
 * the classes of 2 tp / (2 tp + fp + fn), 0 for a class never seen nor
 * predicted (as scikit-learn's f1_score with average='macro'). */
static double macro_f1(const size_t *conf, size_t k)
{
	double sum = 0.0;

	for (size_t c = 0; c < k; c++) {
		size_t tp = conf[c * k + c], fp = 0, fn = 0;

		for (size_t j = 0; j < k; j++)
			if (j != c) {
				fp += conf[j * k + c];
				fn += conf[c * k + j];
			}
		sum += 2 * tp + fp + fn ? 2.0 * (double)tp / (double)(2 * tp + fp + fn) : 0.0;
	}
	return sum / (double)k;
}

/* Forward the test rows in chunks: the loss, and the confusion matrix or
 * the regression sums in the targets' units. */
static int fit_test(struct fit *f, const struct dnn_dataset *d, const size_t *test,
		    struct dnn_fit_score *out, struct dnn_error *e)
{
	struct dnn_net *net = f->m.net;
	const struct dnn_dataset *s = &f->sub;
	size_t first = f->n_train + f->n_val, m = f->n_out, k = d->n_classes, chunk = 256;
	const float *targets = f->t ? f->t : s->y;
	int cls = d->task == DNN_TASK_CLASSIFICATION;
	size_t *conf = cls ? util_calloc_array(k * k, sizeof *conf) : NULL;
	float *pred = cls ? NULL : util_malloc_array(chunk * m, sizeof *pred);
	struct dnn_regsum rs = {0};
	double loss = 0.0;
	int rc = -1;

	if ((cls ? !conf : !pred || metrics_regsum_init(&rs, m)) || net_reserve(net, chunk, e)) {
		if (!e->code)
			dnn_error_oom(e);
		goto out;
	}
	for (size_t i = 0; i < f->n_test; i += chunk) {
		size_t nb = f->n_test - i < chunk ? f->n_test - i : chunk;
		const float *a = net_forward(net, s->x + (first + i) * s->n_in, nb);

		loss += loss_eval(net->loss, net->layers[net->n_layers - 1].act, a,
				  targets + (first + i) * m, nb, m, 0.0f, NULL);
		for (size_t r = 0; cls && r < nb; r++)
			conf[d->label[test[i + r]] * k + metrics_class(a + r * m, m)]++;
		if (cls)
			continue;
		memcpy(pred, a, nb * m * sizeof *pred);
		norm_invert(&f->m.out_norm, pred, nb);
		for (size_t r = 0; r < nb; r++)
			metrics_regsum_add(&rs, pred + r * m, d->y + test[i + r] * m, 1, NULL);
	}
	out->loss = loss / (double)f->n_test;
	out->accuracy = out->f1 = out->mse = out->mae = out->r2 = (double)NAN;
	if (cls) {
		size_t right = 0;

		for (size_t c = 0; c < k; c++)
			right += conf[c * k + c];
		out->accuracy = (double)right / (double)f->n_test;
		out->f1 = macro_f1(conf, k);
	} else {
		double sq = 0.0;

		for (size_t j = 0; j < m; j++)
			sq += rs.res2[j];
		out->mse = sq / ((double)f->n_test * (double)m);
		metrics_regsum_finish(&rs, &out->mae, &out->r2);
	}
	rc = 0;
out:
	free(conf);
	free(pred);
	metrics_regsum_free(&rs);
	return rc;
}

static void fit_free(struct fit *f)
{
	free(f->spec.layers);
	free(f->sub.x);
	free(f->sub.y);
	free(f->sub.label);
	free(f->sub.w);
	free(f->t);
	free(f->w);
	free(f->max_norm);
	optim_free(f->opt);
	free(f->early.best);
	model_free(&f->m);
}

int fit_score(const struct dnn_spec *s, const struct dnn_dataset *d, const size_t *train,
	      size_t n_train, const size_t *test, size_t n_test, const struct dnn_fit_opts *o,
	      struct dnn_fit_score *out, struct dnn_error *e)
{
	struct fit f = {.spec = *s, .n_train = n_train, .n_test = n_test};
	double t0 = now();
	int rc = -1;

	memset(out, 0, sizeof *out);
	out->n = n_test;
	f.spec.layers = util_malloc_array(s->n_layers, sizeof *s->layers);
	if (!f.spec.layers) {
		dnn_error_oom(e);
		goto out;
	}
	memcpy(f.spec.layers, s->layers, s->n_layers * sizeof *s->layers);
	if (fit_rows(&f, d, train, test, o, e) || fit_build(&f, e) || fit_train(&f, o, e))
		goto out;
	out->seconds = now() - t0;
	out->epochs = f.m.history.n;
	out->best_epoch = f.stop.best_epoch;
	rc = fit_test(&f, d, test, out, e);
out:
	fit_free(&f);
	return rc;
}
