#include "train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "loss.h"
#include "util.h"

int history_append(struct dnn_history *h, const struct dnn_epoch *ep)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 64;
		struct dnn_epoch *p = util_realloc_array(h->epochs, cap, sizeof *p);

		if (!p)
			return -1;
		h->epochs = p;
		h->cap = cap;
	}
	h->epochs[h->n++] = *ep;
	return 0;
}

void history_free(struct dnn_history *h)
{
	free(h->epochs);
	h->epochs = NULL;
	h->n = h->cap = 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static size_t argmax(const float *v, size_t m)
{
	size_t best = 0;

	for (size_t j = 1; j < m; j++)
		if (v[j] > v[best])
			best = j;
	return best;
}

/* Rows of outputs a whose predicted class matches the targets t: the
 * largest output for several units, output >= 1/2 for a single one. */
static size_t count_correct(const float *a, const float *t, size_t n, size_t m)
{
	size_t ok = 0;

	for (size_t i = 0; i < n; i++) {
		const float *ar = a + i * m, *tr = t + i * m;

		if (m == 1)
			ok += (ar[0] >= 0.5f) == (tr[0] >= 0.5f);
		else
			ok += argmax(ar, m) == argmax(tr, m);
	}
	return ok;
}

int train_evaluate(struct dnn_net *net, const struct dnn_rows *rows, int classification,
		   double *loss, double *accuracy, struct dnn_error *e)
{
	size_t n_in = net->n_in, m = net_n_out(net), chunk, correct = 0;
	const struct dnn_layer *last = &net->layers[net->n_layers - 1];
	double sum = 0.0;

	if (net_reserve(net, 1, e))
		return -1;
	chunk = net->max_batch;
	for (size_t i = 0; i < rows->n; i += chunk) {
		size_t nb = rows->n - i < chunk ? rows->n - i : chunk;
		const float *a = net_forward(net, rows->x + i * n_in, nb);

		sum += loss_eval(net->loss, last->act, a, rows->t + i * m, nb, m, 0.0f, NULL);
		if (classification)
			correct += count_correct(a, rows->t + i * m, nb, m);
	}
	*loss = rows->n ? sum / (double)rows->n : (double)NAN;
	*accuracy = classification && rows->n ? (double)correct / (double)rows->n : (double)NAN;
	return 0;
}

int train_run(struct dnn_net *net, struct dnn_optim *opt, struct dnn_rng *rng,
	      const struct dnn_rows *train, const struct dnn_rows *val,
	      const struct dnn_train_opts *o, struct dnn_history *hist, struct dnn_error *e)
{
	size_t n = train->n, n_in = net->n_in, m = net_n_out(net);
	size_t bs = o->batch_size < n ? o->batch_size : n;
	size_t *idx = NULL;
	float *xb = NULL, *tb = NULL, *good = NULL;
	int rc = -1;

	if (n == 0)
		return dnn_error_set(e, DNN_EX_DATA, NULL, 0, 0, "no training rows");
	if (net_reserve(net, bs, e))
		return -1;
	idx = util_malloc_array(n, sizeof *idx);
	xb = util_malloc_array(bs * n_in, sizeof *xb);
	tb = util_malloc_array(bs * m, sizeof *tb);
	good = util_malloc_array(net->n_params, sizeof *good);
	if (!idx || !xb || !tb || !good) {
		dnn_error_oom(e);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		idx[i] = i;

	for (unsigned long ep = 1; ep <= o->epochs; ep++) {
		double t0 = now(), sum = 0.0;
		size_t correct = 0;
		struct dnn_epoch rec;

		/* The weights at the start of the epoch, restored if it
		 * diverges. */
		memcpy(good, net->params, net->n_params * sizeof *good);
		rng_shuffle(rng, idx, n);
		for (size_t s = 0; s < n; s += bs) {
			size_t nb = n - s < bs ? n - s : bs;
			double loss;

			for (size_t r = 0; r < nb; r++) {
				memcpy(xb + r * n_in, train->x + idx[s + r] * n_in,
				       n_in * sizeof *xb);
				memcpy(tb + r * m, train->t + idx[s + r] * m, m * sizeof *tb);
			}
			loss = net_loss_grad(net, xb, tb, nb);
			if (!isfinite(loss)) {
				memcpy(net->params, good, net->n_params * sizeof *good);
				dnn_error_set(e, DNN_EX_FAIL, NULL, 0, 0,
					      "training diverged in epoch %lu (loss is %s); try a "
					      "lower learning rate than %g",
					      ep, isnan(loss) ? "NaN" : "infinite",
					      opt->learning_rate);
				goto out;
			}
			if (o->classification)
				correct += count_correct(net->out[net->n_layers - 1], tb, nb, m);
			sum += loss * (double)nb;
			optim_step(opt, net->params, net->grads);
		}
		rec.epoch = ep;
		rec.loss = sum / (double)n;
		rec.accuracy = o->classification ? (double)correct / (double)n : (double)NAN;
		rec.val_loss = rec.val_accuracy = (double)NAN;
		if (val && val->n &&
		    train_evaluate(net, val, o->classification, &rec.val_loss, &rec.val_accuracy,
				   e))
			goto out;
		rec.learning_rate = opt->learning_rate;
		rec.seconds = now() - t0;
		if (history_append(hist, &rec)) {
			dnn_error_oom(e);
			goto out;
		}
		if (o->on_epoch)
			o->on_epoch(&rec, o->epochs, o->ctx);
	}
	rc = 0;
out:
	free(idx);
	free(xb);
	free(tb);
	free(good);
	return rc;
}
