/* dnn lr-find: the learning-rate range test. Train from the initial weights
 * with a rate that grows geometrically each step, watch the smoothed loss,
 * stop when it explodes, and suggest a rate. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "afile.h"
#include "cli.h"
#include "cmds.h"
#include "env.h"
#include "mat.h"
#include "net.h"
#include "optim.h"
#include "opts.h"
#include "plot.h"
#include "prepare.h"
#include "rng.h"
#include "util.h"

static const char lrfind_usage[] =
	"Usage: dnn lr-find [OPTIONS] SPEC DATA\n"
	"The learning-rate range test: from the initial weights of SPEC, take\n"
	"minibatch steps with SPEC's optimizer and batch size on the rows of DATA\n"
	"while the learning rate grows geometrically from --start to --end; print\n"
	"each step's rate, loss and smoothed loss, stop when the smoothed loss\n"
	"explodes (4 times its minimum), and suggest a learning rate: the rate at\n"
	"which the smoothed loss had come halfway down from its start to its lowest.\n"
	"\n"
	"Options:\n";

struct lr_args {
	const char *spec_path, *data_path, *seed, *plot;
	double start, end;
	unsigned long steps;
	int quiet;
	struct dnn_csv_opts csv;
};

static int parse_args(int argc, char **argv, struct lr_args *a, struct dnn_error *e)
{
	const struct dnn_opt rows[] = {
		OPT_DOUBLE_ABOVE(0, "start", &a->start, "X", 0.0, 1e6,
				 "first learning rate (default 1e-6)"),
		OPT_DOUBLE_ABOVE(0, "end", &a->end, "X", 0.0, 1e6, "last learning rate (default 10)"),
		OPT_ULONG(0, "steps", &a->steps, "N", 2, 1000000,
			  "steps from --start to --end (default 100)"),
		OPT_FILENAME(0, "plot", &a->plot, "FILE", OPTC_FILE,
			     "draw the smoothed loss against the rate as SVG"),
		OPT__SEED(&a->seed, "seed of the weights and shuffles (default: the\n"
				    "spec's)"),
		OPT__CSV(&a->csv),
		OPT__QUIET(&a->quiet, "print only the suggested rate"),
		OPT__HELP(),
		OPT_END(),
	};
	int rc = opts_parse(lrfind_usage, rows, argc, argv, e);

	if (rc)
		return rc;
	if (cli_input_operands(argc, argv, "SPEC", NULL, NULL, NULL, &a->spec_path, &a->data_path,
			       e))
		return -1;
	if (a->end <= a->start)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--end' must be above '--start' (%g)", a->start);
	return 0;
}

/* Exponential moving average of the losses, bias-corrected:
 * s_k = avg_k / (1 - beta^(k+1)), avg_k = beta avg_{k-1} + (1 - beta) loss_k. */
#define SMOOTHING 0.9
/* The loss has exploded when the smoothed loss exceeds this multiple of its
 * minimum. */
#define EXPLODED 4.0

/* The range test proper: up to `steps` minibatch steps of spec's optimizer
 * and batch size, lr[k] = start * (end/start)^(k/(steps-1)); loss[k] is the
 * minibatch loss before step k, in training mode as dnn train computes it
 * (dropout masks drawn, keyed by spec's seed, the step and the row); stops
 * after the step where the smoothed loss explodes or the loss is not
 * finite. */
static int lrfind_run(struct dnn_net *net, const struct dnn_spec *spec, const float *x, const float *t, size_t n, double start, double end,
		      size_t steps, struct dnn_rng *rng, double *lr, double *loss, double *smooth,
		      size_t *n_done, struct dnn_error *e)
{
	size_t n_in = net->n_in, n_out = net_n_out(net), pos = n, *order = NULL;
	float *xb = NULL, *tb = NULL;
	struct dnn_optim *opt = NULL;
	double avg = 0.0, best = (double)INFINITY, bias = 1.0;
	size_t batch = spec->batch_size;
	int rc = -1;

	if (batch > n)
		batch = n;
	*n_done = 0;
	order = util_malloc_array(n, sizeof *order);
	xb = util_malloc_array(batch, n_in * sizeof *xb);
	tb = util_malloc_array(batch, n_out * sizeof *tb);
	if (!order || !xb || !tb) {
		dnn_error_oom(e);
		goto out;
	}
	struct dnn_optim_spec c = spec->optim;

	c.learning_rate = start;
	if (net_reserve(net, batch, e) || !(opt = optim_new(&c, net->n_params, e)))
		goto out;
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	for (size_t k = 0; k < steps; k++) {
		if (pos + batch > n) {
			rng_shuffle(rng, order, n);
			pos = 0;
		}
		for (size_t b = 0; b < batch; b++) {
			memcpy(xb + b * n_in, x + order[pos + b] * n_in, n_in * sizeof *xb);
			memcpy(tb + b * n_out, t + order[pos + b] * n_out, n_out * sizeof *tb);
		}
		pos += batch;
		lr[k] = start * pow(end / start, (double)k / (double)(steps - 1));
		struct dnn_pass pass = {1, rng_mix(spec->seed, k), order + pos - batch, 0};

		loss[k] = net_loss_grad(net, xb, tb, batch, &pass);
		bias *= SMOOTHING;
		avg = SMOOTHING * avg + (1.0 - SMOOTHING) * loss[k];
		smooth[k] = avg / (1.0 - bias);
		*n_done = k + 1;
		if (!isfinite(loss[k]) || !isfinite(smooth[k]) || smooth[k] > EXPLODED * best)
			break;
		if (smooth[k] < best)
			best = smooth[k];
		opt->learning_rate = lr[k];
		optim_step(opt, net->params, net->grads);
	}
	rc = 0;
out:
	optim_free(opt);
	free(order);
	free(xb);
	free(tb);
	return rc;
}

/* The suggestion: the first rate at which the smoothed loss has come
 * halfway down from its starting level (its mean over the first quarter of
 * the steps before the minimum, which are not searched: a lucky minibatch
 * there is noise) to its minimum: the middle of the stretch
 * where the loss falls fastest, well below the rates at which it stops
 * falling. *at gets the step of the minimum. 0 when there is no descent. */
static double lrfind_suggest(const double *lr, const double *smooth, size_t n, size_t *at)
{
	size_t best = 0, q;
	double start = 0.0, half;

	for (size_t k = 1; k < n; k++)
		if (isfinite(smooth[k]) && smooth[k] < smooth[best])
			best = k;
	*at = best;
	q = best / 4 ? best / 4 : 1;
	for (size_t k = 0; k < q; k++)
		start += smooth[k];
	start /= (double)q;
	if (!(start > smooth[best]))
		return 0.0;
	half = start - 0.5 * (start - smooth[best]);
	for (size_t k = q; k <= best; k++)
		if (smooth[k] <= half)
			return lr[k];
	return lr[best];
}

/* Refuse, before anything is read, a plot that would overwrite an input. */
static int check_plot_path(const struct lr_args *a, struct dnn_error *e)
{
	const struct dnn_afile_name out[] = {{a->plot, "--plot"}};
	const struct dnn_afile_name in[] = {{a->spec_path, "SPEC"}, {a->data_path, "DATA"}};

	return afile_check_inputs(out, 1, in, 2, e);
}

/* lr-find's messages name the file first ("FILE: cannot create: ...", "FILE:
 * write error: ..."), as they always have; e holds afile's message for af
 * ("FILE: is a directory" stays as it is). */
static int plot_error(const struct dnn_afile *af, const char *path, struct dnn_error *e)
{
	if (af->err == EISDIR && e->code == DNN_EX_CANTCREAT)
		return -1;
	if (e->code == DNN_EX_CANTCREAT)
		return dnn_error_set(e, DNN_EX_CANTCREAT, path, 0, 0, "cannot create: %s",
				     strerror(af->err));
	if (e->code == DNN_EX_IO)
		return dnn_error_set(e, DNN_EX_IO, path, 0, 0, "write error: %s",
				     strerror(af->err ? af->err : EIO));
	return -1;
}

/* The smoothed loss against log10 of the rate, as an SVG line chart, with
 * the suggestion marked, written to af (opened before the run, afile.h)
 * and committed; af is closed in every case. */
static int write_plot(struct dnn_afile *af, const char *path, const double *lr,
		      const double *smooth, size_t n, double suggestion, struct dnn_error *e)
{
	double *x = util_malloc_array(n, sizeof *x);
	struct plot_line c = {x, smooth, n, "learning rate", 0.0, suggestion, NULL};
	int rc = -1;

	if (!x) {
		afile_abort(af);
		return dnn_error_oom(e);
	}
	for (size_t k = 0; k < n; k++)
		x[k] = log10(lr[k]);
	if (suggestion > 0.0) {
		c.mark = log10(suggestion);
		c.mark_label = "suggested";
	}
	if (plot_line_svg(af->f, &c) != 0) {
		af->err = errno;
		dnn_error_set(e, DNN_EX_IO, NULL, 0, 0, "write error");
		afile_abort(af);
	} else {
		rc = afile_commit(af, e);
	}
	free(x);
	return rc ? plot_error(af, path, e) : 0;
}

/* The suggestion and the table (or the suggestion alone, quiet) on
 * standard output. */
static void print_result(const double *lr, const double *loss, const double *smooth,
			 size_t n_done, size_t steps, size_t at, double suggestion, int quiet)
{
	int w;

	if (quiet) {
		printf("%.3g\n", suggestion);
		return;
	}
	/* Right-aligned columns, each as wide as its header or as %.6g's widest
	 * (-1.23457e-06), the step's as its largest. */
	w = snprintf(NULL, 0, "%zu", steps);
	w = w < 4 ? 4 : w;
	printf("%*s  %13s  %12s  %13s\n", w, "step", "learning_rate", "loss", "smoothed_loss");
	for (size_t k = 0; k < n_done; k++)
		printf("%*zu  %13.6g  %12.6g  %13.6g\n", w, k + 1, lr[k], loss[k], smooth[k]);
	if (n_done < steps)
		printf("stopped at step %zu: the smoothed loss exploded\n", n_done);
	printf("lowest smoothed loss %.6g at learning rate %.6g (step %zu)\n", smooth[at], lr[at],
	       at + 1);
	if (suggestion > 0.0)
		printf("suggested learning rate: %.3g (where the smoothed loss had come "
		       "halfway down to its lowest)\n",
		       suggestion);
	else
		printf("no suggestion: the loss did not fall\n");
}

int cmd_lrfind(int argc, char **argv, struct dnn_error *e)
{
	struct lr_args a = {
		.start = 1e-6, .end = 10.0, .steps = 100, .csv = {.delimiter = ',', .header = 1}};
	struct dnn_prepared p;
	struct dnn_afile plot = {0};
	struct dnn_rng rng;
	double *lr = NULL, *loss = NULL, *smooth = NULL, suggestion;
	size_t n_done, at;
	uint64_t seed;
	int rc;

	rc = parse_args(argc, argv, &a, e);
	if (rc)
		return rc > 0 ? 0 : -1;
	if (check_plot_path(&a, e))
		return -1;
	if (a.seed && cli_seed(a.seed, &seed, e))
		return -1;
	/* The gemm on DNN_THREADS threads, else one per CPU. */
	if (env_set_threads(0, e))
		return -1;
	/* The plot is opened before the run, so that a plot that cannot be
	 * created does not cost it. */
	if (a.plot && afile_open(&plot, a.plot, 0, e))
		return plot_error(&plot, a.plot, e);
	if (prepare_spec(&p, a.spec_path, a.data_path, &a.csv, e)) {
		afile_abort(&plot);
		return -1;
	}
	rc = -1;
	/* The initial weights drawn again, as train draws them (from --seed
	 * if given), leave rng where train's shuffles start. */
	if (a.seed)
		p.spec.seed = seed;
	if (p.spec.optim.kind == DNN_OPT_LBFGS) {
		dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
			      "lr-find tests the rate of a minibatch optimizer; lbfgs finds its "
			      "step by a line search");
		goto out;
	}
	if (p.spec.optim.kind == DNN_OPT_SFN) {
		dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
			      "lr-find tests the rate of a first-order optimizer; "
			      "saddle_free_newton's steps are scaled by the curvature (its "
			      "learning_rate is 1 for the whole step)");
		goto out;
	}
	rng_seed(&rng, p.spec.seed);
	net_init_spec(p.model.net, &p.spec, &rng);
	lr = util_malloc_array(a.steps, sizeof *lr);
	loss = util_malloc_array(a.steps, sizeof *loss);
	smooth = util_malloc_array(a.steps, sizeof *smooth);
	if (!lr || !loss || !smooth) {
		dnn_error_oom(e);
		goto out;
	}
	if (lrfind_run(p.model.net, &p.spec, p.x, p.t, p.n, a.start, a.end, a.steps, &rng, lr, loss, smooth, &n_done,
		       e))
		goto out;
	suggestion = lrfind_suggest(lr, smooth, n_done, &at);
	print_result(lr, loss, smooth, n_done, a.steps, at, suggestion, a.quiet);
	if (a.plot && write_plot(&plot, a.plot, lr, smooth, n_done, suggestion, e))
		goto out;
	rc = 0;
out:
	afile_abort(&plot);
	free(lr);
	free(loss);
	free(smooth);
	prepare_free(&p);
	return rc;
}
