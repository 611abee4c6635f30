/* dnn train: its options, then the stages of train_job.h in order. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "afile.h"
#include "cli.h"
#include "cmds.h"
#include "dist.h"
#include "env.h"
#include "mat.h"
#include "opts.h"
#include "train_job.h"
#include "util.h"

static const char train_usage[] =
	"Usage: dnn train [OPTIONS] SPEC DATA\n"
	"   or: dnn train --resume MODEL [OPTIONS] DATA\n"
	"Train the network that SPEC (JSON, see dnn-spec(5)) describes on DATA (CSV,\n"
	"plain or gzip-compressed) and write the weights to a checkpoint. Either file\n"
	"may be '-' for standard input. One line per epoch goes to standard error.\n"
	"\n"
	"Options (they override the spec):\n";

/* The operands, and the options that exclude each other. */
static int check_args(int argc, char **argv, struct train_args *a, struct dnn_error *e)
{
	const struct train_overrides *ov = &a->ov;

	/* With --resume the spec comes from the checkpoint. */
	if (a->resume_path && argc - optind == 2)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "with --resume the spec comes from the checkpoint '%s': give "
				     "DATA alone, not '%s' too",
				     a->resume_path, argv[optind]);
	if (ov->more_epochs && (!a->resume_path || ov->epochs))
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     ov->epochs ? "options '--more-epochs' and '--epochs' exclude "
						  "each other"
						: "option '--more-epochs' continues a checkpoint: "
						  "give it with --resume MODEL");
	if (cli_input_operands(argc, argv, "SPEC", a->resume_path, "MODEL", "--resume",
			       &a->spec_path, &a->data_path, e))
		return -1;
	/* The model from standard input: no file to update. */
	if (a->resume_path && strcmp(a->resume_path, "-") == 0 && !a->output)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "'--resume -' reads the model from standard input: give the "
				     "checkpoint to write with option '--output'");
	if (a->log_path && a->output && strcmp(a->log_path, "-") == 0 &&
	    strcmp(a->output, "-") == 0)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "the log and the checkpoint cannot both go to standard "
				     "output");
	if (a->sharpness_samples && !a->sharpness)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--sharpness-samples' needs '--sharpness'");
	if (a->init_path && a->resume_path)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "options '--save-init' and '--resume' exclude each other: a "
				     "resumed run starts from the weights of its model");
	if (a->init_path && strcmp(a->init_path, "-") == 0 &&
	    ((a->output && strcmp(a->output, "-") == 0) ||
	     (a->log_path && strcmp(a->log_path, "-") == 0)))
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "'--save-init -' writes the initial weights to standard "
				     "output, which the checkpoint or the log already takes");
	if (a->cache_path && (a->resume_path || strcmp(a->data_path, "-") == 0 || dist_size() > 1))
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--cache' needs DATA to be a file, %s",
				     a->resume_path	  ? "and no '--resume'"
				     : dist_size() > 1 ? "read by a single process (not MPI ranks)"
						       : "not standard input");
	if (a->dry_run && dist_size() > 1)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--dry-run' measures one process: run it without "
				     "mpirun");
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

/* Room for the rows of dnn train's table: each half below takes at most half. */
#define TRAIN_ROWS 64

/* The first rows of the table, into out: the checkpoint to write and the
 * spec's overrides of training (into a->ov, as text); how many. */
static size_t rows_training(struct dnn_opt *out, struct train_args *a)
{
	struct train_overrides *ov = &a->ov;
	const struct dnn_opt rows[] = {
		OPT_FILENAME('o', "output", &a->output, "FILE", OPTC_MODEL,
			     "checkpoint to write (default: SPEC's name with\n"
			     "the extension .dnn, in the current directory)"),
		OPT_STRING('e', "epochs", &ov->epochs, "N", "passes over the training rows"),
		OPT_STRING('b', "batch-size", &ov->batch_size, "N", "rows per gradient step"),
		OPT_STRING('l', "learning-rate", &ov->learning_rate, "X",
			   "step size, or 'auto': (1 - momentum) / lambda_max\n"
			   "of the loss's Hessian at the initial weights"),
		OPT_CHOICE(0, "optimizer", &ov->optimizer, "NAME",
			   "sgd adam rmsprop lbfgs saddle_free_newton",
			   "optimizer: sgd, adam, rmsprop, lbfgs (full\n"
			   "batch; one iteration per epoch) or\n"
			   "saddle_free_newton (-|H|^-1 g in a Krylov space)"),
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
		OPT_STRING(0, "krylov-dim", &ov->krylov_dim, "K",
			   "Lanczos vectors per saddle_free_newton step"),
		OPT_STRING(0, "damping", &ov->damping, "X",
			   "added to |lambda| by saddle_free_newton"),
		OPT_STRING(0, "weight-decay", &ov->weight_decay, "X",
			   "L2 penalty X/2 |w|^2 added to the loss"),
		OPT_STRING(0, "l1", &ov->l1, "X", "L1 penalty X |w|_1 added to the loss"),
		OPT_STRING(0, "clip-norm", &ov->clip_norm, "X",
			   "scale gradients down to a global norm of X"),
		OPT_STRING(0, "max-norm", &ov->max_norm, "C",
			   "after every step, rescale each hidden unit's\n"
			   "incoming weights to a norm of at most C"),
		OPT_STRING(0, "label-smoothing", &ov->label_smoothing, "EPS",
			   "cross-entropy targets (1 - EPS) t + EPS / K"),
		OPT_STRING(0, "class-weight", &ov->class_weight, "W",
			   "'balanced' (n / (K n_k)) or LABEL=W,...: each\n"
			   "row's loss weighted by its class"),
		OPT_STRING(0, "weight", &ov->weight, "COLUMN",
			   "weigh each row's loss by its number in COLUMN\n"
			   "(not an input)"),
		OPT_STRING(0, "dropout", &ov->dropout, "P",
			   "drop this fraction of every hidden layer's\n"
			   "outputs in training, in [0, 1) (inverted dropout)"),
		OPT_STRING(0, "input-dropout", &ov->input_dropout, "P",
			   "drop this fraction of the inputs in training"),
		OPT_STRING(0, "norm", &ov->norm, "KIND",
			   "normalize every hidden layer's pre-activation:\n"
			   "'batch' or 'layer'"),
		OPT_STRING(0, "patience", &ov->patience, "N",
			   "stop when val_loss (loss without validation\n"
			   "rows) has not improved for N epochs, and keep\n"
			   "the weights of the best epoch"),
	};

	_Static_assert(sizeof rows / sizeof rows[0] <= TRAIN_ROWS / 2, "TRAIN_ROWS is too small");
	memcpy(out, rows, sizeof rows);
	return sizeof rows / sizeof rows[0];
}

/* The rest of the table, into out: resuming, the log and plot, the seed, the
 * validation rows and the data's columns, then the program's own options and
 * OPT_END(); how many. */
static size_t rows_data(struct dnn_opt *out, struct train_args *a)
{
	struct train_overrides *ov = &a->ov;
	const struct dnn_opt rows[] = {
		OPT_FILENAME(0, "resume", &a->resume_path, "MODEL", OPTC_MODEL,
			     "continue training MODEL, a checkpoint, on DATA\n"
			     "up to --epochs in all, with its spec, weights,\n"
			     "optimizer state and history (writes MODEL\n"
			     "unless -o is given)"),
		OPT_STRING(0, "more-epochs", &ov->more_epochs, "N",
			   "with --resume: train N epochs after the\n"
			   "checkpoint's last (instead of --epochs)"),
		OPT_FILENAME(0, "log", &a->log_path, "FILE", OPTC_FILE,
			     "write one JSON object per epoch to FILE"),
		OPT_FILENAME(0, "plot", &a->plot_path, "FILE", OPTC_FILE,
			     "draw the loss (and accuracy) curves as SVG"),
		OPT_ULONG(0, "sharpness", &a->sharpness, "N", 1, 1000000000,
			  "every N epochs, lambda_max of the loss's Hessian\n"
			  "on a sample of the training rows, against 2/lr"),
		OPT_ULONG(0, "sharpness-samples", &a->sharpness_samples, "N", 1, 1 << 30,
			  "rows of that sample (default 1000, or all)"),
		OPT_FILENAME(0, "save-init", &a->init_path, "FILE", OPTC_MODEL,
			     "also write the initial weights, before the\n"
			     "first step, as a checkpoint (MODEL0 of dnn\n"
			     "landscape --from)"),
		OPT_FLAG(0, "dry-run", &a->dry_run,
			 "train nothing and write nothing: print the\n"
			 "network's size, its FLOPs and memory, and the\n"
			 "time an epoch takes, measured on a share of DATA"),
		OPT__SEED(&ov->seed, "seed of the initial weights, shuffles and split"),
		OPT_STRING(0, "validation", &ov->validation, "FRACTION",
			   "hold out this fraction of the rows and report\n"
			   "val_loss and val_acc on them"),
		OPT_FILENAME(0, "validation-data", &a->val_path, "FILE", OPTC_DATA,
			     "report val_loss and val_acc on the rows of FILE\n"
			     "(CSV with the same columns) instead"),
		OPT_FILENAME(0, "cache", &a->cache_path, "FILE", OPTC_FILE,
			     "keep DATA parsed in FILE, a binary cache read\n"
			     "on later runs instead of the CSV (rebuilt when\n"
			     "DATA changes)"),
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
		OPT__PRECISION(&ov->precision),
		OPT__QUIET(&a->quiet, "print nothing but errors"),
		OPT__VERBOSE(&a->verbose, "also the time of each stage (read, train, save)"),
		OPT__HELP(),
		OPT_END(),
	};

	_Static_assert(sizeof rows / sizeof rows[0] <= TRAIN_ROWS / 2, "TRAIN_ROWS is too small");
	memcpy(out, rows, sizeof rows);
	return sizeof rows / sizeof rows[0];
}

/* The options: the spec's overrides into a->ov as text, the rest into a. */
static int parse_args(int argc, char **argv, struct train_args *a, struct dnn_error *e)
{
	struct dnn_opt rows[TRAIN_ROWS];
	size_t n = rows_training(rows, a);
	int rc;

	rows_data(rows + n, a);
	rc = opts_parse(train_usage, rows, argc, argv, e);
	return rc ? rc : check_args(argc, argv, a, e);
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

/* The checkpoint to write: -o, else the model resumed, else the default
 * name. NULL when out of memory. */
static char *output_name(const struct train_args *a)
{
	return a->output	? util_strdup(a->output)
	       : a->resume_path ? util_strdup(a->resume_path)
				: default_output(a->spec_path);
}

/* Refuse, before anything is read, an output that would overwrite an input
 * (ckpt_path: the checkpoint to write). The checkpoint may replace the model
 * it resumes (--resume without -o does just that); nothing else may replace
 * an input. */
static int check_outputs(const struct train_args *a, const char *ckpt_path, struct dnn_error *e)
{
	const struct dnn_afile_name ckpt[] = {
		{a->output || !a->resume_path ? ckpt_path : NULL, "--output"}};
	const struct dnn_afile_name out[] = {{a->log_path, "--log"},
					     {a->plot_path, "--plot"},
					     {a->init_path, "--save-init"},
					     {a->cache_path, "--cache"}};
	/* With --resume, SPEC names the model resumed. */
	const struct dnn_afile_name in[] = {{a->spec_path, a->resume_path ? "--resume" : "SPEC"},
					    {a->data_path, "DATA"},
					    {a->val_path, "--validation-data"}};
	size_t skip = a->resume_path ? 1 : 0;

	if (afile_check_inputs(ckpt, 1, in + skip, 3 - skip, e) ||
	    afile_check_inputs(out, 4, in, 3, e))
		return -1;
	if (a->init_path && strcmp(a->init_path, "-") && strcmp(a->init_path, ckpt_path) == 0)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "options '--save-init' and '--output' name the same file "
				     "'%s'",
				     ckpt_path);
	return 0;
}

/* Check, before anything is read, that the checkpoint, the log and the plot
 * can be created, so that a run is not lost to a mistyped directory (rank 0
 * alone writes them). */
static int probe_outputs(const struct train_args *a, const char *ckpt_path, struct dnn_error *e)
{
	int bad = dist_rank() == 0 && (afile_probe(ckpt_path, e) || afile_probe(a->log_path, e) ||
				       afile_probe(a->plot_path, e) || afile_probe(a->init_path, e) ||
				       afile_probe(a->cache_path, e));

	return dist_agree(bad, e);
}

/* The gemm's threads: -j, else DNN_THREADS, else the machine's cores, which
 * ranks on one machine share. */
static int set_threads(unsigned long threads, struct dnn_error *e)
{
	if (!threads)
		threads = env_threads();
	if (!threads && dist_local_size() > 1) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		threads = cpus > dist_local_size()
				  ? (unsigned long)cpus / (unsigned long)dist_local_size()
				  : 1;
	}
	return mat_set_threads(threads, e);
}

int cmd_train(int argc, char **argv, struct dnn_error *e)
{
	/* The data's format unset: a resumed run takes the checkpoint's. */
	struct train_args a = {.csv = {.delimiter = '\0', .header = -1}};
	struct train_job j;
	char *output;
	int rc = parse_args(argc, argv, &a, e);

	if (rc)
		return rc > 0 ? 0 : -1;
	output = output_name(&a);
	if (!output)
		return dnn_error_oom(e);
	if (check_outputs(&a, output, e) || probe_outputs(&a, output, e) ||
	    set_threads(a.threads, e)) {
		free(output);
		return -1;
	}
	train_job_init(&j, &a, output);
	rc = train_job_load(&j, e) || train_job_data(&j, e) || train_job_prepare(&j, e) ||
	     train_job_build(&j, e) ||
	     (a.dry_run ? train_job_dry_run(&j, e)
			: train_job_save_init(&j, e) || train_job_run(&j, e) || train_job_save(&j, e));
	train_job_free(&j);
	return rc ? -1 : 0;
}
