/* dnn train: options, then spec + data -> network -> trainer -> checkpoint. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "act.h"
#include "afile.h"
#include "ckpt.h"
#include "cli.h"
#include "cmds.h"
#include "data.h"
#include "dist.h"
#include "hparams.h"
#include "hvp.h"
#include "loss.h"
#include "mat.h"
#include "net.h"
#include "optim.h"
#include "opts.h"
#include "plot.h"
#include "prepare.h"
#include "report.h"
#include "rng.h"
#include "schedule.h"
#include "spec.h"
#include "train.h"
#include "util.h"

static const char train_usage[] =
	"Usage: dnn train [OPTIONS] SPEC DATA\n"
	"   or: dnn train --resume MODEL [OPTIONS] DATA\n"
	"Train the network that SPEC (JSON, see dnn-spec(5)) describes on DATA (CSV,\n"
	"plain or gzip-compressed) and write the weights to a checkpoint. Either file\n"
	"may be '-' for standard input. One line per epoch goes to standard error.\n"
	"\n"
	"Options (they override the spec):\n";

struct train_args {
	const char *output;
	const char *val_path;
	const char *spec_path, *data_path;
	const char *log_path, *plot_path;
	const char *resume_path;
	int quiet;
	int verbose;
	unsigned long threads;	/* 0: the default of mat_set_threads */
	struct dnn_csv_opts csv;
};

/* Overrides are applied after the spec is read, so options are kept as
 * text until then. */
struct overrides {
	const char *epochs, *batch_size, *learning_rate, *momentum, *optimizer, *seed,
		*validation, *target, *ignore, *categorical, *missing;
	const char *beta1, *beta2, *rho, *epsilon, *history_size, *weight_decay, *clip_norm,
		*patience;
	int nesterov;
};

/* The operands, and the options that exclude each other. */
static int check_args(int argc, char **argv, struct train_args *a, const struct overrides *ov,
		      struct dnn_error *e)
{
	/* With --resume the spec comes from the checkpoint. */
	if (cli_input_operands(argc, argv, "SPEC", a->resume_path, "MODEL", "--resume",
			       &a->spec_path, &a->data_path, e))
		return -1;
	if (a->log_path && a->output && strcmp(a->log_path, "-") == 0 &&
	    strcmp(a->output, "-") == 0)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "the log and the checkpoint cannot both go to standard "
				     "output");
	if (a->val_path && ov->validation)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "options '--validation' and '--validation-data' exclude each "
				     "other");
	if (a->val_path && strcmp(a->val_path, "-") == 0 &&
	    (strcmp(a->spec_path, "-") == 0 || strcmp(a->data_path, "-") == 0))
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "only one input can be standard input");
	return 0;
}

/* The options: the spec's overrides into ov as text, the rest into a. */
static int parse_args(int argc, char **argv, struct train_args *a, struct overrides *ov,
		      struct dnn_error *e)
{
	const struct dnn_opt rows[] = {
		OPT_FILENAME('o', "output", &a->output, "FILE", OPTC_MODEL,
			     "checkpoint to write (default: SPEC's name with\n"
			     "the extension .dnn, in the current directory)"),
		OPT_STRING('e', "epochs", &ov->epochs, "N", "passes over the training rows"),
		OPT_STRING('b', "batch-size", &ov->batch_size, "N", "rows per gradient step"),
		OPT_STRING('l', "learning-rate", &ov->learning_rate, "X",
			   "step size, or 'auto': (1 - momentum) / lambda_max\n"
			   "of the loss's Hessian at the initial weights"),
		OPT_CHOICE(0, "optimizer", &ov->optimizer, "NAME", "sgd adam rmsprop lbfgs",
			   "optimizer: sgd, adam, rmsprop or lbfgs (full\n"
			   "batch; one iteration per epoch)"),
		OPT_STRING(0, "momentum", &ov->momentum, "X", "momentum of sgd, in [0, 1)"),
		OPT_FLAG(0, "nesterov", &ov->nesterov, "Nesterov momentum (sgd)"),
		OPT_STRING(0, "beta1", &ov->beta1, "X", NULL),
		OPT_STRING(0, "beta2", &ov->beta2, "X",
			   "decay of adam's moment estimates, in [0, 1)"),
		OPT_STRING(0, "rho", &ov->rho, "X",
			   "decay of rmsprop's mean square, in [0, 1)"),
		OPT_STRING(0, "epsilon", &ov->epsilon, "X",
			   "added to adam's and rmsprop's denominator"),
		OPT_STRING(0, "history-size", &ov->history_size, "N", "correction pairs lbfgs keeps"),
		OPT_STRING(0, "weight-decay", &ov->weight_decay, "X",
			   "L2 penalty X/2 |w|^2 added to the loss"),
		OPT_STRING(0, "clip-norm", &ov->clip_norm, "X",
			   "scale gradients down to a global norm of X"),
		OPT_STRING(0, "patience", &ov->patience, "N",
			   "stop when val_loss (loss without validation\n"
			   "rows) has not improved for N epochs, and keep\n"
			   "the weights of the best epoch"),
		OPT_FILENAME(0, "resume", &a->resume_path, "MODEL", OPTC_MODEL,
			     "continue training MODEL, a checkpoint, on DATA\n"
			     "up to --epochs in all, with its spec, weights,\n"
			     "optimizer state and history (writes MODEL\n"
			     "unless -o is given)"),
		OPT_FILENAME(0, "log", &a->log_path, "FILE", OPTC_FILE,
			     "write one JSON object per epoch to FILE"),
		OPT_FILENAME(0, "plot", &a->plot_path, "FILE", OPTC_FILE,
			     "draw the loss (and accuracy) curves as SVG"),
		OPT__SEED(&ov->seed, "seed of the initial weights, shuffles and split"),
		OPT_STRING(0, "validation", &ov->validation, "FRACTION",
			   "hold out this fraction of the rows and report\n"
			   "val_loss and val_acc on them"),
		OPT_FILENAME(0, "validation-data", &a->val_path, "FILE", OPTC_DATA,
			     "report val_loss and val_acc on the rows of FILE\n"
			     "(CSV with the same columns) instead"),
		OPT_STRING(0, "target", &ov->target, "COLUMNS",
			   "target column(s) by name or 0-based index,\n"
			   "comma-separated (default: the last column)"),
		OPT_STRING(0, "ignore", &ov->ignore, "COLUMNS",
			   "columns to leave out, such as ids, by name or\n"
			   "0-based index, comma-separated"),
		OPT_STRING(0, "categorical", &ov->categorical, "COLUMNS",
			   "input columns of categories (text) to one-hot\n"
			   "encode, by name or 0-based index"),
		OPT_CHOICE(0, "missing", &ov->missing, "RULE", "error mean",
			   "a missing input cell (empty, NA, NaN, ?) is an\n"
			   "'error' or filled with the training 'mean'"),
		OPT__NO_HEADER(&a->csv, "the first row is data; columns are named 0, 1, ..."),
		OPT__DELIMITER(&a->csv, OPT__DELIMITER_HELP),
		OPT__THREADS(&a->threads),
		OPT__QUIET(&a->quiet, "print nothing but errors"),
		OPT__VERBOSE(&a->verbose, "also the time of each stage (read, train, save)"),
		OPT__HELP(),
		OPT_END(),
	};
	int rc = opts_parse(train_usage, rows, argc, argv, e);

	return rc ? rc : check_args(argc, argv, a, ov, e);
}

/* The options of the hyperparameter table (hparams.h) that were given, keys[i]
 * set from args[i], checked in the table's order. */
static int apply_hparams(struct dnn_spec *s, const char *const *keys, const char *const *args,
			 size_t n, struct dnn_error *e)
{
	for (size_t i = 0; i < n; i++)
		if (args[i] && hparam_set_arg(s, hparam_find(keys[i]), args[i], e))
			return -1;
	return 0;
}

/* The optimizer's hyperparameters; each must apply to the optimizer. */
static int apply_optim_overrides(struct dnn_spec *s, const struct overrides *ov,
				 struct dnn_error *e)
{
	static const char *const keys[] = {
		"optimizer.momentum",	  "optimizer.beta1",	    "optimizer.beta2",
		"optimizer.rho",	  "optimizer.epsilon",	    "optimizer.history_size",
		"optimizer.weight_decay", "optimizer.clip_norm", "patience"};
	const char *const args[] = {ov->momentum, ov->beta1,	    ov->beta2,
				    ov->rho,	  ov->epsilon,	    ov->history_size,
				    ov->weight_decay, ov->clip_norm, ov->patience};
	struct dnn_optim_spec *o = &s->optim;

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const struct dnn_hparam *h = hparam_find(keys[i]);

		if (args[i] && h->optimizers && !spec_optim_uses(o->kind, h->key))
			return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
					     "option '%s' is not used by %s", h->option,
					     spec_optim_name(o->kind));
	}
	if (ov->nesterov && o->kind != DNN_OPT_SGD)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--nesterov' is not used by %s",
				     spec_optim_name(o->kind));
	if (ov->nesterov)
		o->nesterov = 1;
	return apply_hparams(s, keys, args, sizeof keys / sizeof keys[0], e);
}

static int apply_overrides(struct dnn_spec *s, const struct overrides *ov, struct dnn_error *e)
{
	static const char *const keys[] = {"epochs", "batch_size", "seed",
					   "optimizer.learning_rate"};
	const char *const args[] = {ov->epochs, ov->batch_size, ov->seed, ov->learning_rate};

	if (apply_hparams(s, keys, args, sizeof keys / sizeof keys[0], e))
		return -1;
	if (ov->learning_rate)
		s->optim.learning_rate_given = 1;
	if (ov->optimizer && spec_set_optimizer(s, ov->optimizer, e))
		return -1;
	if (apply_optim_overrides(s, ov, e))
		return -1;
	if (ov->validation && hparam_set_arg(s, hparam_find("data.validation"), ov->validation, e))
		return -1;
	if (ov->target && spec_set_targets(s, ov->target, e))
		return -1;
	if (ov->ignore && spec_set_ignore(s, ov->ignore, e))
		return -1;
	if (ov->categorical && spec_set_categorical(s, ov->categorical, e))
		return -1;
	if (ov->missing) {
		if (strcmp(ov->missing, "mean") == 0)
			s->data.missing = DNN_MISSING_MEAN;
		else if (strcmp(ov->missing, "error") == 0)
			s->data.missing = DNN_MISSING_ERROR;
		else
			return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
					     "option '--missing' needs 'error' or 'mean', not '%s'",
					     ov->missing);
	}
	return 0;
}

/* The default checkpoint name: SPEC's base name with its extension replaced
 * by .dnn, in the current directory ("model.dnn" for standard input). */
static char *default_output(const char *spec_path)
{
	const char *base = strrchr(spec_path, '/');
	const char *dot;
	size_t len;
	char *out;

	if (strcmp(spec_path, "-") == 0)
		return util_strdup("model.dnn");
	base = base ? base + 1 : spec_path;
	dot = strrchr(base, '.');
	len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	out = malloc(len + 5);
	if (!out)
		return NULL;
	memcpy(out, base, len);
	memcpy(out + len, ".dnn", 5);
	return out;
}

/* Refuse, before anything is read, an output that would overwrite an input.
 * The checkpoint may replace the model it resumes (--resume without -o does
 * just that); nothing else may replace an input. */
static int check_outputs(const struct train_args *a, struct dnn_error *e)
{
	char *dflt = a->output || a->resume_path ? NULL : default_output(a->spec_path);
	const struct dnn_afile_name ckpt[] = {{a->output ? a->output : dflt, "--output"}};
	const struct dnn_afile_name out[] = {{a->log_path, "--log"}, {a->plot_path, "--plot"}};
	/* With --resume, SPEC names the model resumed. */
	const struct dnn_afile_name in[] = {{a->spec_path, a->resume_path ? "--resume" : "SPEC"},
					    {a->data_path, "DATA"},
					    {a->val_path, "--validation-data"}};
	size_t skip = a->resume_path ? 1 : 0;
	int rc = afile_check_inputs(ckpt, 1, in + skip, 3 - skip, e) ||
		 afile_check_inputs(out, 2, in, 3, e);

	free(dflt);
	return rc ? -1 : 0;
}

/* Append the rows of the validation file v (loaded like d) to d, its
 * columns matched to d's by name and its class labels and categories to
 * d's. */
static int append_validation(struct dnn_dataset *d, const struct dnn_dataset *v,
			     const char *vname, struct dnn_error *e)
{
	return rows_append(d, v, vname, e);
}

/* A step layer passes no gradient back (its derivative is zero wherever it
 * exists), so the layers up to the last one keep their initial weights. */
/* Bytes that training the network needs: weights, gradients, optimizer
 * state and the best weights (4 x n_params floats), activations and deltas of
 * a batch. -1 when the count overflows a size_t. */
static int train_memory(size_t n_in, const size_t *units, size_t n_layers, size_t batch,
			size_t per_param, size_t *bytes)
{
	size_t params = 0, cells = 0, widest = n_in, fan_in = n_in, t;

	for (size_t l = 0; l < n_layers; l++) {
		if (util_mul_overflow(units[l], fan_in + 1, &t) || t > SIZE_MAX - params)
			return -1;
		params += t;
		if (util_mul_overflow(batch, units[l], &t) || t > SIZE_MAX - cells)
			return -1;
		cells += t;
		widest = units[l] > widest ? units[l] : widest;
		fan_in = units[l];
	}
	if (util_mul_overflow(params, per_param, &params) || util_mul_overflow(batch, widest, &t) ||
	    util_mul_overflow(t, 3, &t) || t > SIZE_MAX - cells || cells + t > SIZE_MAX - params ||
	    util_mul_overflow(params + cells + t, sizeof(float), bytes))
		return -1;
	return 0;
}

/* "1.5 GiB" */
static void human_size(double bytes, char *buf, size_t size)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB"};
	size_t u = 0;

	while (bytes >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
		bytes /= 1024.0;
		u++;
	}
	snprintf(buf, size, "%.1f %s", bytes, units[u]);
}

/* Refuse (71) a network whose training needs more memory than the machine
 * has, before anything is allocated for it. */
static int check_memory(const char *spec_name, size_t n_in, const size_t *units, size_t n_layers,
			size_t batch, const struct dnn_spec *spec, struct dnn_error *e)
{
	/* Floats per parameter: the weights and their gradient, the optimizer's
	 * state, and with early stopping two copies more. */
	size_t per_param = 2 + optim_memory_floats(&spec->optim) + (spec->patience ? 2 : 0);
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	double have = pages > 0 && page > 0 ? (double)pages * (double)page : 0.0;
	char need_s[32], have_s[32];
	size_t bytes;

	if (train_memory(n_in, units, n_layers, batch, per_param, &bytes) == 0 &&
	    (have == 0.0 || (double)bytes <= have))
		return 0;
	human_size(have, have_s, sizeof have_s);
	if (train_memory(n_in, units, n_layers, batch, per_param, &bytes) != 0)
		return dnn_error_set(e, DNN_EX_OSERR, spec_name, 0, 0,
				     "the network needs more than 16.0 EiB of memory to train, "
				     "more than the %s this machine has",
				     have_s);
	human_size((double)bytes, need_s, sizeof need_s);
	return dnn_error_set(e, DNN_EX_OSERR, spec_name, 0, 0,
			     "the network needs %s of memory to train (%zu bytes), more than the "
			     "%s this machine has",
			     need_s, bytes, have_s);
}

static void warn_step_layers(const struct dnn_spec *s, int quiet)
{
	size_t last = s->n_layers;

	for (size_t l = 0; l < s->n_layers; l++)
		if (s->layers[l].activation == DNN_ACT_STEP)
			last = l;
	if (quiet || last == s->n_layers)
		return;
	report_warn("layers[%zu] uses step, whose derivative is zero: layers 0 to %zu keep "
		    "their initial weights",
		    last, last);
}

/* When the checkpoint is written, in Unix seconds: SOURCE_DATE_EPOCH when
 * set (so that runs can give byte-identical files), else now. */
static uint64_t write_time(void)
{
	const char *env = getenv("SOURCE_DATE_EPOCH");
	unsigned long long v;
	char *end;

	if (env && *env) {
		errno = 0;
		v = strtoull(env, &end, 10);
		if (!*end && errno == 0)
			return v;
	}
	return (uint64_t)time(NULL);
}

/* SIGINT or SIGTERM during training: the trainer finishes the minibatch and
 * stops; the checkpoint is saved and dnn exits with 130. A second signal, or
 * one after training (while the outputs are saved), ends dnn as an uncaught
 * signal would, but first removes the temporary files of the outputs being
 * written, so that nothing is left behind. */
static volatile sig_atomic_t got_signal, n_signals, saving;

static void on_signal(int sig)
{
	if (n_signals++ > 0 || saving) {
		afile_remove_temps();
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	got_signal = sig;
}

/* Catch SIGINT and SIGTERM until restore_signals, unless they are ignored,
 * as for a background job of a non-interactive shell. */
static void catch_signals(struct sigaction old[2])
{
	static const int sigs[2] = {SIGINT, SIGTERM};
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGTERM);
	got_signal = n_signals = saving = 0;
	for (int i = 0; i < 2; i++) {
		sigaction(sigs[i], NULL, &old[i]);
		if (old[i].sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
	}
}

static void restore_signals(const struct sigaction old[2])
{
	sigaction(SIGINT, &old[0], NULL);
	sigaction(SIGTERM, &old[1], NULL);
}

/* --resume: the checkpoint, with its training state, and its spec. */
static int load_resume(struct dnn_model *prev, const char *path, struct dnn_spec *spec,
		       struct dnn_error *e)
{
	const char *name = strcmp(path, "-") ? path : "<stdin>";

	if (ckpt_load(prev, path, e))
		return -1;
	if (!prev->train_state)
		return dnn_error_set(e, DNN_EX_DATA, name, 0, 0,
				     "no training state to resume from (written by an older "
				     "dnn, or after training diverged)");
	return spec_parse(spec, prev->spec_json, strlen(prev->spec_json), name, e);
}

/* The data of a resumed run must have the columns and classes the
 * checkpoint was trained on. */
static int check_resume_data(const struct dnn_model *prev, const struct dnn_dataset *d,
			     const char *data_name, const char *model_name, struct dnn_error *e)
{
	const struct dnn_trained m = {prev->col_names, prev->col_role, prev->n_cols,
				      prev->class_names, prev->n_classes, prev->cats,
				      prev->n_cats, prev->net->n_in};

	return rows_check_trained(&m, d, data_name, model_name, e);
}

int cmd_train(int argc, char **argv, struct dnn_error *e)
{
	struct train_args a = {.csv = {.delimiter = ',', .header = 1}};
	struct overrides ov = {0};
	struct dnn_spec spec = {0};
	struct dnn_dataset d = {0};
	struct dnn_model model = {0};
	struct dnn_optim *opt = NULL;
	struct dnn_sched sched;
	struct dnn_model prev = {0};
	struct dnn_train_early early = {(double)INFINITY, 0, NULL, NULL};
	unsigned long done = 0;
	struct sigaction old_sig[2];
	struct dnn_train_stop stop = {0};
	struct report eout = {0};
	struct dnn_afile logf = {0}, plotf = {0};
	int caught = 0, bad = 0;
	size_t *units = NULL, n_out = 0, n_val = 0, n_train;
	int *acts = NULL;
	float *t = NULL;
	char *output = NULL;
	struct dnn_rng rng;
	struct dnn_error train_err;
	int rc = -1, trained;

	rc = parse_args(argc, argv, &a, &ov, e);
	if (rc)
		return rc > 0 ? 0 : -1;
	if (check_outputs(&a, e))
		return -1;
	/* Ranks on one machine share its cores by default. */
	if (!a.threads && !getenv("DNN_THREADS") && dist_local_size() > 1) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		a.threads = cpus > dist_local_size()
				? (unsigned long)cpus / (unsigned long)dist_local_size()
				: 1;
	}
	if (mat_set_threads(a.threads, e))
		return -1;
	rc = -1;
	/* Under mpirun every rank trains and rank 0 alone speaks and writes
	 * files (dist.h). Each step that can fail on one rank alone is followed
	 * by dist_agree, so that all ranks stop together with one message. */
	int shared = dist_active(), root = dist_rank() == 0;

	if (!root) {
		a.quiet = 1;
		a.verbose = 0;
	}
	eout.quiet = a.quiet;
	eout.verbose = a.verbose;
	if (shared) {
		const char *what = strcmp(a.spec_path, "-") == 0		 ? "spec"
				   : strcmp(a.data_path, "-") == 0		 ? "data"
				   : a.val_path && strcmp(a.val_path, "-") == 0 ? "validation data"
										 : NULL;

		if (what) {
			dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				      "standard input reaches only the first MPI rank; give the %s "
				      "as a file",
				      what);
			goto out;
		}
	}
	/* --learning-rate auto: chosen below, once the network exists. */
	int auto_lr = ov.learning_rate && strcmp(ov.learning_rate, "auto") == 0;

	if (auto_lr)
		ov.learning_rate = NULL;
	if (auto_lr && a.resume_path) {
		dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
			      "'--learning-rate auto' chooses the rate at the initial weights; it "
			      "cannot be used with --resume");
		goto out;
	}
	if (dist_agree(a.resume_path ? load_resume(&prev, a.resume_path, &spec, e)
				     : spec_load(&spec, a.spec_path, e),
		       e))
		goto out;
	if (dist_agree(apply_overrides(&spec, &ov, e), e))
		goto out;
	if (auto_lr && spec.optim.kind != DNN_OPT_SGD) {
		dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
			      "'--learning-rate auto' is the step of sgd ((1 - momentum) / "
			      "lambda_max); the optimizer is %s",
			      spec.optim.kind == DNN_OPT_ADAM      ? "adam"
			      : spec.optim.kind == DNN_OPT_RMSPROP ? "rmsprop"
								   : "lbfgs");
		goto out;
	}

	struct dnn_data_opts dopts = {
		.csv = a.csv,
		.targets = spec.data.targets,
		.n_targets = spec.data.n_targets,
		.ignore = spec.data.ignore,
		.n_ignore = spec.data.n_ignore,
		.categorical = spec.data.categorical,
		.n_categorical = spec.data.n_categorical,
		.task = spec.loss == DNN_LOSS_MSE ? DNN_TASK_REGRESSION
						  : DNN_TASK_CLASSIFICATION,
	};
	dopts.csv.missing_ok = spec.data.missing == DNN_MISSING_MEAN;
	dopts.shard = shared;
	double t_start = report_now();
	if (data_load(&d, a.data_path, &dopts, e))
		goto out;
	const char *data_name = strcmp(a.data_path, "-") ? a.data_path : "<stdin>";
	report_read(&eout, &d, data_name, report_now() - t_start, shared);
	const char *spec_name = strcmp(a.spec_path, "-") ? a.spec_path : "<stdin>";
	if (dist_agree(prepare_output_width(&spec, &d, spec_name, data_name, &n_out, e), e))
		goto out;
	if (dist_agree(a.resume_path && check_resume_data(&prev, &d, data_name, spec_name, e), e))
		goto out;
	spec.layers[spec.n_layers - 1].units = n_out;

	if (a.val_path) {
		struct dnn_dataset v = {0};
		const char *vname = strcmp(a.val_path, "-") ? a.val_path : "<stdin>";

		dopts.like = &d; /* its columns matched to the training data's by name */
		if (data_load(&v, a.val_path, &dopts, e)) {
			data_free(&v);
			goto out;
		}
		n_val = v.n_rows;
		rc = append_validation(&d, &v, vname, e);
		data_free(&v);
		if (dist_agree(rc, e))
			goto out;
		rc = -1;
	} else if (spec.data.validation > 0.0) {
		if (dist_agree(
			data_split(&d, spec.data.validation, spec.seed, &n_val, data_name, e), e))
			goto out;
	}
	n_train = d.n_rows - n_val;
	if (dist_agree(data_train_ids(&d, n_train, e), e))
		goto out;

	if (a.resume_path) {
		/* The checkpoint's fill values and normalization. */
		model.fill = prev.fill;
		model.in_norm = prev.in_norm;
		model.out_norm = prev.out_norm;
		prev.fill = NULL;
		memset(&prev.in_norm, 0, sizeof prev.in_norm);
		memset(&prev.out_norm, 0, sizeof prev.out_norm);
	}
	double n_filled;

	if (dist_agree(prepare_rows(&model, &d, n_train, &spec, !a.resume_path, n_out, &t,
				    &n_filled, data_name, e),
		       e))
		goto out;
	report_filled(&eout, n_filled);
	const float *targets = t ? t : d.y;

	units = util_malloc_array(spec.n_layers, sizeof *units);
	acts = util_malloc_array(spec.n_layers, sizeof *acts);
	if (dist_agree(!units || !acts ? dnn_error_oom(e) : 0, e))
		goto out;
	for (size_t l = 0; l < spec.n_layers; l++) {
		units[l] = spec.layers[l].units;
		acts[l] = spec.layers[l].activation;
	}
	if (dist_agree(check_memory(spec_name, d.n_in, units, spec.n_layers,
				    spec.batch_size < n_train ? spec.batch_size : n_train, &spec,
				    e),
		       e))
		goto out;
	warn_step_layers(&spec, a.quiet);
	if (a.resume_path) {
		model.net = prev.net;
		prev.net = NULL;
	} else {
		model.net = net_new(d.n_in, spec.n_layers, units, acts, spec.loss, e);
		if (dist_agree(!model.net, e))
			goto out;
	}
	rng_seed(&rng, spec.seed);
	if (!a.resume_path)
		net_init_spec(model.net, &spec, &rng);
	if (auto_lr) {
		double lmax;

		float *xs = NULL, *ts = NULL;
		size_t k = n_train;

		/* Under MPI, every rank estimates it on the rows one process
		 * would sample. */
		if (shared && prepare_gather_sample(&d, targets, n_train, n_out, &xs, &ts, &k, e))
			goto out;
		rc = hvp_auto_learning_rate(model.net, xs ? xs : d.x, ts ? ts : targets, k,
					    spec.optim.momentum, spec.seed,
					    &spec.optim.learning_rate, &lmax, e);
		free(xs);
		free(ts);
		if (dist_agree(rc, e))
			goto out;
		rc = -1;
		report_auto_lr(&eout, spec.optim.learning_rate, spec.optim.momentum, lmax);
	}
	opt = optim_new(&spec.optim, model.net->n_params, e);
	if (dist_agree(!opt, e))
		goto out;
	if (spec.patience) {
		early.best = util_malloc_array(model.net->n_params, sizeof *early.best);
		early.last = util_malloc_array(model.net->n_params, sizeof *early.last);
		if (dist_agree(!early.best || !early.last ? dnn_error_oom(e) : 0, e))
			goto out;
	}

	struct dnn_rows train_rows = {n_train, d.x, targets};
	struct dnn_rows val_rows = {n_val, d.x + n_train * d.n_in, targets + n_train * n_out};
	sched_init(&sched, &spec.schedule, spec.optim.learning_rate, spec.epochs);
	if (a.resume_path) {
		if (dist_agree(train_state_decode(prev.train_state, prev.train_state_len, spec_name,
						  &done, &rng, model.net->params, opt, &sched,
						  &early, e),
			       e))
			goto out;
		if (done >= spec.epochs) {
			dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				      "%s has trained %lu epochs already; ask for more with "
				      "--epochs",
				      spec_name, done);
			goto out;
		}
		model.history = prev.history;
		memset(&prev.history, 0, sizeof prev.history);
	}
	struct dnn_train_opts topts = {
	    .first_epoch = done + 1,
	    .epochs = spec.epochs,
	    .batch_size = spec.batch_size,
	    .classification = d.task == DNN_TASK_CLASSIFICATION,
	    .target_scale = d.task == DNN_TASK_REGRESSION ? model.out_norm.scale : NULL,
	    .sched = &sched,
	    .patience = spec.patience,
	    .stop = &stop,
	    .early = &early,
	    .on_epoch = root ? report_epoch : NULL,
	    .on_batch = root ? report_progress : NULL,
	    .ctx = &eout,
	    .gid = shared ? d.train_gid : NULL,
	    .n_total = d.n_train_total,
	};
	/* The log is written as training goes (it can be followed); the plot
	 * and the checkpoint replace their files at the end. */
	if (a.log_path && root) {
		bad = afile_open(&logf, a.log_path, AFILE_STREAM, e);
	}
	if (dist_agree(bad, e))
		goto out;
	report_start(&eout, spec.epochs, logf.f);
	dnn_error_clear(&train_err);
	topts.interrupt = &got_signal;
	catch_signals(old_sig);
	caught = 1;
	t_start = report_now();
	trained = train_run(model.net, opt, &rng, &train_rows, &val_rows, &topts,
			    &model.history, &train_err) == 0;
	saving = 1;
	report_progress_clear(&eout);
	report_trained(&eout, model.history.n - done, d.n_train_total, report_now() - t_start,
		       &stop, shared, model.net->n_params);
	if (!trained && train_err.code != DNN_EX_FAIL && train_err.code != DNN_EX_INTERRUPT) {
		*e = train_err;
		goto out;
	}
	if (dist_agree(eout.log_failed
			   ? dnn_error_set(e, DNN_EX_IO, NULL, 0, 0, "write error on '%s': %s",
					   a.log_path, strerror(eout.log_errno))
			   : 0,
		       e))
		goto out;
	report_stop(&eout, &stop, &model.history, spec.patience);
	if (a.plot_path && root)
		bad = afile_open(&plotf, a.plot_path, 0, e) ||
		      plot_history(&plotf, &model.history, d.task == DNN_TASK_CLASSIFICATION, e);
	if (dist_agree(bad, e))
		goto out;

	/* The checkpoint takes over the dataset's names. */
	model.spec_json = spec_to_json(&spec);
	model.writer = util_strdup("dnn " PACKAGE_VERSION);
	model.written = write_time();
	if (!model.spec_json || !model.writer) {
		dnn_error_oom(e);
		goto out;
	}
	model.n_cols = d.n_cols;
	model.col_names = d.col_names;
	model.col_role = d.col_role;
	model.task = d.task;
	model.n_classes = d.n_classes;
	model.class_names = d.class_names;
	model.n_cats = d.n_cats;
	model.cats = d.cats;
	d.cats = NULL;
	d.n_cats = 0;
	d.col_names = NULL;
	d.col_role = NULL;
	d.class_names = NULL;

	/* What --resume needs to continue from this checkpoint. */
	if (trained || train_err.code == DNN_EX_INTERRUPT) {
		model.train_state = train_state_encode(
			model.history.n, &rng, stop.restored ? early.last : model.net->params, opt,
			&sched, &early, &model.train_state_len);
		if (!model.train_state) {
			dnn_error_oom(e);
			goto out;
		}
	}

	output = a.output	   ? util_strdup(a.output)
		 : a.resume_path ? util_strdup(a.resume_path)
				 : default_output(a.spec_path);
	if (!output) {
		dnn_error_oom(e);
		goto out;
	}
	t_start = report_now();
	if (dist_agree(root && ckpt_save(&model, output, e), e))
		goto out;
	/* The checkpoint saved, the plot and the log are kept too. */
	if (dist_agree(root && (afile_commit(&plotf, e) || afile_commit(&logf, e)), e))
		goto out;
	report_wrote(&eout, output, report_now() - t_start);
	if (!trained) {
		/* Diverged: the last finite weights are saved; say so. */
		if (train_err.code == DNN_EX_INTERRUPT)
			dnn_error_set(e, train_err.code, NULL, 0, 0,
				      "%s by %s; saved the weights to %s", train_err.msg,
				      got_signal == SIGTERM  ? "SIGTERM"
				      : got_signal == SIGINT ? "SIGINT"
							     : "a signal to another MPI rank",
				      output);
		else
			dnn_error_set(e, train_err.code, NULL, 0, 0,
				      "%s; saved the weights of epoch %zu to %s", train_err.msg,
				      model.history.n, output);
		goto out;
	}
	report_saved(&eout, output);
	rc = 0;
out:
	/* A failed run leaves no new files behind (a diverged or interrupted
	 * one has committed its checkpoint, log and plot above). */
	afile_abort(&plotf);
	afile_abort(&logf);
	if (caught)
		restore_signals(old_sig);
	free(output);
	free(units);
	free(acts);
	free(t);
	optim_free(opt);
	free(early.best);
	free(early.last);
	model_free(&prev);
	model_free(&model);
	data_free(&d);
	spec_free(&spec);
	return rc;
}
