/* dnn train --dry-run: what a run would cost, from the built job, without
 * training it or writing anything: the network's size, the arithmetic of a
 * row, the memory estimate that refuses a network too big (exit 71), and a
 * time per epoch measured on a share of the training rows. */
#include <math.h>
#include <stdio.h>

#include "history.h"
#include "layer.h"
#include "mat.h"
#include "net.h"
#include "optim.h"
#include "train_job.h"
#include "util.h"

/* The measured share grows fourfold until one epoch of it takes this long
 * (seconds), or it is all the training rows. */
#define DRY_MIN_SECONDS 0.2
/* A short epoch over all rows is repeated until the repeats take this long,
 * up to DRY_MAX_REPEATS of them. */
#define DRY_REPEAT_SECONDS 0.1
#define DRY_MAX_REPEATS 1000
/* A measure shorter than this (seconds) is taken twice. */
#define DRY_MAX_SECONDS 2.0

/* Floating-point operations of the matrix products of one row (2 per
 * multiply-add): through the network (*predict), and for a training step,
 * forward and backward (*train: each dense row's weight gradient, and the
 * gradient to its inputs except for the first row with parameters, which
 * passes none down). */
static void row_flops(const struct dnn_net *net, double *predict, double *train)
{
	*predict = *train = 0.0;
	for (size_t l = 0; l < net->n_layers; l++) {
		const struct dnn_layer *ly = &net->layers[l];
		double f;

		if (ly->kind->id != DNN_LAYER_DENSE)
			continue;
		f = 2.0 * (double)ly->n_in * (double)ly->n_out;
		*predict += f;
		*train += l > net->first_params ? 3.0 * f : 2.0 * f;
	}
}

/* The network's widths, "4-16-3": the inputs, then each dense row's. */
static void print_widths(const struct dnn_net *net)
{
	printf("%zu", net->n_in);
	for (size_t l = 0; l < net->n_layers; l++)
		if (net->layers[l].kind->id == DNN_LAYER_DENSE)
			printf("-%zu", net->layers[l].n_out);
}

/* Seconds of `reps` epochs of training on the first n training rows and
 * the first nv validation rows; -1 with e set when training fails (a loss
 * that diverges, say). The network's weights move: nothing is kept. */
static double time_epochs(struct train_job *j, size_t n, size_t nv, unsigned long reps,
			  struct dnn_error *e)
{
	const struct dnn_dataset *d = &j->d;
	const struct dnn_rows train_rows = {n, d->x, j->targets, j->w};
	const struct dnn_rows val_rows = {nv, d->x + j->n_train * d->n_in,
					  j->targets + j->n_train * j->n_out,
					  j->w ? j->w + j->n_train : NULL};
	const struct dnn_train_opts topts = {
	    .first_epoch = 1,
	    .epochs = reps,
	    .batch_size = j->spec.batch_size,
	    .classification = d->task == DNN_TASK_CLASSIFICATION,
	    .target_scale = d->task == DNN_TASK_REGRESSION ? j->model.out_norm.scale : NULL,
	    .max_norm = j->max_norm,
	    .seed = j->spec.seed,
	};
	struct dnn_history h = {0};
	double t0 = report_now(), t;
	int rc = train_run(j->model.net, j->opt, &j->rng, &train_rows, &val_rows, &topts, &h, e);

	t = report_now() - t0;
	history_free(&h);
	return rc ? -1.0 : t;
}

/* Seconds one epoch over all training rows takes, measured on a share of
 * them (*n_rows rows, *reps epochs, *secs in all). -1 with e set when
 * training failed. */
static double time_epoch(struct train_job *j, size_t *n_rows, unsigned long *reps, double *secs,
			 struct dnn_error *e)
{
	size_t n = j->spec.batch_size > 256 ? 4 * j->spec.batch_size : 1024, nv;
	double t;

	*reps = 1;
	for (;;) {
		n = n < j->n_train ? n : j->n_train;
		nv = (size_t)((double)j->n_val * (double)n / (double)j->n_train);
		t = time_epochs(j, n, nv, 1, e);
		if (t < 0.0)
			return -1.0;
		if (t >= DRY_MIN_SECONDS || n == j->n_train)
			break;
		n *= 4;
	}
	if (t < DRY_REPEAT_SECONDS / 2) {
		double per = t > 1e-6 ? t : 1e-6;

		*reps = (unsigned long)fmin(DRY_MAX_REPEATS, ceil(DRY_REPEAT_SECONDS / per));
	}
	/* Once more, warm: the first pass pays for first touches and threads
	 * starting; the faster of the two stands. */
	if (*reps > 1 || t < DRY_MAX_SECONDS) {
		double t2 = time_epochs(j, n, nv, *reps, e);

		if (t2 < 0.0)
			return -1.0;
		t = *reps > 1 || t2 < t ? t2 : t;
	}
	*n_rows = n;
	*secs = t;
	return t / (double)*reps * (double)j->n_train / (double)n;
}

/* "12.3 ms", "4.5 s", "2.1 h": t seconds in a unit that suits them. */
static void print_time(double t)
{
	if (t < 1e-3)
		printf("%.3g us", t * 1e6);
	else if (t < 1.0)
		printf("%.3g ms", t * 1e3);
	else if (t < 120.0)
		printf("%.3g s", t);
	else if (t < 7200.0)
		printf("%.3g min", t / 60.0);
	else
		printf("%.3g h", t / 3600.0);
}

/* The time lines: an epoch and the run, from the measure, or why there is
 * none. */
static void print_timing(struct train_job *j)
{
	unsigned long left = j->spec.epochs > j->done ? j->spec.epochs - j->done : 0, reps = 0;
	size_t n = 0;
	double secs = 0.0, flops, pred, epoch;
	struct dnn_error err = {0};

	epoch = time_epoch(j, &n, &reps, &secs, &err);
	if (epoch < 0.0) {
		printf("time        not measured: %s\n", err.msg);
		return;
	}
	row_flops(j->model.net, &pred, &flops);
	printf("time        ");
	print_time(epoch);
	printf(" per epoch, %lu epochs in ", left);
	print_time(epoch * (double)left);
	printf("\nmeasured    %lu epoch%s of %zu rows in ", reps, reps == 1 ? "" : "s", n);
	print_time(secs);
	printf(" on %zu thread%s (%.3g GFLOP/s)\n", mat_threads(), mat_threads() == 1 ? "" : "s",
	       flops * (double)n * (double)reps / secs * 1e-9);
}

int train_job_dry_run(struct train_job *j, struct dnn_error *e)
{
	const struct dnn_net *net = j->model.net;
	const struct dnn_spec *s = &j->spec;
	size_t bytes, dense = 0, batch = s->batch_size < j->n_train ? s->batch_size : j->n_train;
	double pred, train;
	char mem[32];

	if (train_job_memory(j, &bytes))
		return dnn_error_oom(e);
	for (size_t l = 0; l < net->n_layers; l++)
		dense += net->layers[l].kind->id == DNN_LAYER_DENSE;
	row_flops(net, &pred, &train);
	report_human_size((double)bytes, mem, sizeof mem);
	printf("dry run     nothing is trained or written\nnetwork     ");
	print_widths(net);
	printf(", %zu dense layer%s, %zu parameters\n", dense, dense == 1 ? "" : "s",
	       net->n_params);
	printf("rows        %zu training, %zu validation; %zu input%s, %zu output%s\n", j->n_train,
	       j->n_val, net->n_in, net->n_in == 1 ? "" : "s", j->n_out, j->n_out == 1 ? "" : "s");
	printf("flops       %.0f per row to predict, %.0f per row to train\n", pred, train);
	printf("memory      %s to train (%zu bytes)\n", mem, bytes);
	if (optim_full_batch(j->opt))
		printf("steps       %s: one step per epoch over all %zu rows\n",
		       spec_optim_name(s->optim.kind), j->n_train);
	else
		printf("steps       %s: %zu per epoch of batches of %zu\n",
		       spec_optim_name(s->optim.kind), (j->n_train + batch - 1) / batch, batch);
	fflush(stdout);
	print_timing(j);
	return 0;
}
