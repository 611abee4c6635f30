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
#include "ckpt.h"
#include "cli.h"
#include "cmds.h"
#include "data.h"
#include "dist.h"
#include "hvp.h"
#include "loss.h"
#include "mat.h"
#include "net.h"
#include "optim.h"
#include "plot.h"
#include "prep.h"
#include "rng.h"
#include "schedule.h"
#include "spec.h"
#include "train.h"
#include "util.h"

const char cmd_train_help[] =
	"Usage: dnn train [OPTIONS] SPEC DATA\n"
	"   or: dnn train --resume MODEL [OPTIONS] DATA\n"
	"Train the network that SPEC (JSON, see dnn-spec(5)) describes on DATA (CSV,\n"
	"plain or gzip-compressed) and write the weights to a checkpoint. Either file\n"
	"may be '-' for standard input. One line per epoch goes to standard error.\n"
	"\n"
	"Options (they override the spec):\n"
	"  -o, --output FILE          checkpoint to write (default: SPEC's name with\n"
	"                             the extension .dnn, in the current directory)\n"
	"  -e, --epochs N             passes over the training rows\n"
	"  -b, --batch-size N         rows per gradient step\n"
	"  -l, --learning-rate X      step size, or 'auto': (1 - momentum) / lambda_max\n"
	"                             of the loss's Hessian at the initial weights\n"
	"      --optimizer NAME       optimizer: sgd, adam, rmsprop or lbfgs (full\n"
	"                             batch; one iteration per epoch)\n"
	"      --momentum X           momentum of sgd, in [0, 1)\n"
	"      --nesterov             Nesterov momentum (sgd)\n"
	"      --beta1 X, --beta2 X   decay of adam's moment estimates, in [0, 1)\n"
	"      --rho X                decay of rmsprop's mean square, in [0, 1)\n"
	"      --epsilon X            added to adam's and rmsprop's denominator\n"
	"      --history-size N       correction pairs lbfgs keeps\n"
	"      --weight-decay X       L2 penalty X/2 |w|^2 added to the loss\n"
	"      --clip-norm X          scale gradients down to a global norm of X\n"
	"      --patience N           stop when val_loss (loss without validation\n"
	"                             rows) has not improved for N epochs, and keep\n"
	"                             the weights of the best epoch\n"
	"      --resume MODEL         continue training MODEL, a checkpoint, on DATA\n"
	"                             up to --epochs in all, with its spec, weights,\n"
	"                             optimizer state and history (writes MODEL\n"
	"                             unless -o is given)\n"
	"      --log FILE             write one JSON object per epoch to FILE\n"
	"      --plot FILE            draw the loss (and accuracy) curves as SVG\n"
	"  -s, --seed N               seed of the initial weights, shuffles and split\n"
	"      --validation FRACTION  hold out this fraction of the rows and report\n"
	"                             val_loss and val_acc on them\n"
	"      --validation-data FILE report val_loss and val_acc on the rows of FILE\n"
	"                             (CSV with the same columns) instead\n"
	"      --target COLUMNS       target column(s) by name or 0-based index,\n"
	"                             comma-separated (default: the last column)\n"
	"      --ignore COLUMNS       columns to leave out, such as ids, by name or\n"
	"                             0-based index, comma-separated\n"
	"      --categorical COLUMNS  input columns of categories (text) to one-hot\n"
	"                             encode, by name or 0-based index\n"
	"      --missing RULE         a missing input cell (empty, NA, NaN, ?) is an\n"
	"                             'error' or filled with the training 'mean'\n"
	"      --no-header            the first row is data; columns are named 0, 1, ...\n"
	"      --delimiter C          field separator (default ','; 'tab' for tabs)\n"
	"  -j, --threads N            threads (default: DNN_THREADS, else all CPUs)\n"
	"  -q, --quiet                print nothing but errors\n"
	"  -v, --verbose              also the time of each stage (read, train, save)\n"
	"  -h, --help                 show this help\n";

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

enum {
	OPT_MOMENTUM = 256,
	OPT_OPTIMIZER,
	OPT_VALIDATION,
	OPT_VALIDATION_DATA,
	OPT_TARGET,
	OPT_IGNORE,
	OPT_CATEGORICAL,
	OPT_MISSING,
	OPT_NO_HEADER,
	OPT_DELIMITER,
	OPT_NESTEROV,
	OPT_BETA1,
	OPT_BETA2,
	OPT_RHO,
	OPT_EPSILON,
	OPT_HISTORY_SIZE,
	OPT_WEIGHT_DECAY,
	OPT_CLIP_NORM,
	OPT_PATIENCE,
	OPT_LOG,
	OPT_PLOT,
	OPT_RESUME
};

static const struct option long_opts[] = {
	{"output", required_argument, NULL, 'o'},
	{"epochs", required_argument, NULL, 'e'},
	{"batch-size", required_argument, NULL, 'b'},
	{"learning-rate", required_argument, NULL, 'l'},
	{"momentum", required_argument, NULL, OPT_MOMENTUM},
	{"optimizer", required_argument, NULL, OPT_OPTIMIZER},
	{"seed", required_argument, NULL, 's'},
	{"validation", required_argument, NULL, OPT_VALIDATION},
	{"validation-data", required_argument, NULL, OPT_VALIDATION_DATA},
	{"target", required_argument, NULL, OPT_TARGET},
	{"ignore", required_argument, NULL, OPT_IGNORE},
	{"categorical", required_argument, NULL, OPT_CATEGORICAL},
	{"missing", required_argument, NULL, OPT_MISSING},
	{"no-header", no_argument, NULL, OPT_NO_HEADER},
	{"delimiter", required_argument, NULL, OPT_DELIMITER},
	{"nesterov", no_argument, NULL, OPT_NESTEROV},
	{"beta1", required_argument, NULL, OPT_BETA1},
	{"beta2", required_argument, NULL, OPT_BETA2},
	{"rho", required_argument, NULL, OPT_RHO},
	{"epsilon", required_argument, NULL, OPT_EPSILON},
	{"history-size", required_argument, NULL, OPT_HISTORY_SIZE},
	{"weight-decay", required_argument, NULL, OPT_WEIGHT_DECAY},
	{"clip-norm", required_argument, NULL, OPT_CLIP_NORM},
	{"patience", required_argument, NULL, OPT_PATIENCE},
	{"log", required_argument, NULL, OPT_LOG},
	{"plot", required_argument, NULL, OPT_PLOT},
	{"resume", required_argument, NULL, OPT_RESUME},
	{"threads", required_argument, NULL, 'j'},
	{"quiet", no_argument, NULL, 'q'},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
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

static int parse_args(int argc, char **argv, struct train_args *a, struct overrides *ov,
		      struct dnn_error *e)
{
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:e:b:l:s:j:qvh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			a->output = optarg;
			break;
		case 'e':
			ov->epochs = optarg;
			break;
		case 'b':
			ov->batch_size = optarg;
			break;
		case 'l':
			ov->learning_rate = optarg;
			break;
		case OPT_MOMENTUM:
			ov->momentum = optarg;
			break;
		case OPT_OPTIMIZER:
			ov->optimizer = optarg;
			break;
		case 's':
			ov->seed = optarg;
			break;
		case OPT_VALIDATION:
			ov->validation = optarg;
			break;
		case OPT_VALIDATION_DATA:
			a->val_path = optarg;
			break;
		case OPT_TARGET:
			ov->target = optarg;
			break;
		case OPT_IGNORE:
			ov->ignore = optarg;
			break;
		case OPT_CATEGORICAL:
			ov->categorical = optarg;
			break;
		case OPT_MISSING:
			ov->missing = optarg;
			break;
		case OPT_NO_HEADER:
			a->csv.header = 0;
			break;
		case OPT_DELIMITER:
			if (cli_delimiter(optarg, &a->csv.delimiter, e))
				return -1;
			break;
		case OPT_NESTEROV:
			ov->nesterov = 1;
			break;
		case OPT_BETA1:
			ov->beta1 = optarg;
			break;
		case OPT_BETA2:
			ov->beta2 = optarg;
			break;
		case OPT_RHO:
			ov->rho = optarg;
			break;
		case OPT_EPSILON:
			ov->epsilon = optarg;
			break;
		case OPT_HISTORY_SIZE:
			ov->history_size = optarg;
			break;
		case OPT_WEIGHT_DECAY:
			ov->weight_decay = optarg;
			break;
		case OPT_CLIP_NORM:
			ov->clip_norm = optarg;
			break;
		case OPT_PATIENCE:
			ov->patience = optarg;
			break;
		case OPT_LOG:
			a->log_path = optarg;
			break;
		case OPT_PLOT:
			a->plot_path = optarg;
			break;
		case OPT_RESUME:
			a->resume_path = optarg;
			break;
		case 'v':
			a->verbose = 1;
			break;
		case 'j':
			if (cli_ulong("--threads", optarg, 1, 256, &a->threads, e))
				return -1;
			break;
		case 'q':
			a->quiet = 1;
			break;
		case 'h':
			fputs(cmd_train_help, stdout);
			return 1;
		case ':':
			return cli_bad_option(argv, optopt, 1, e);
		default:
			return cli_bad_option(argv, optopt, 0, e);
		}
	}
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

/* A number in [0, 1) for option opt. */
static int unit_interval(const char *opt, const char *arg, double *out, struct dnn_error *e)
{
	if (cli_double(opt, arg, 0.0, 0, 1.0, out, e))
		return -1;
	if (*out >= 1.0)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '%s' needs a number from 0 to below 1, not '%s'", opt,
				     arg);
	return 0;
}

/* The optimizer's hyperparameters; each must apply to the optimizer. */
static int apply_optim_overrides(struct dnn_spec *s, const struct overrides *ov,
				 struct dnn_error *e)
{
	static const char *const opts[] = {"momentum", "beta1",	       "beta2",    "rho",
					   "epsilon",  "history_size", "clip_norm"};
	const char *const args[] = {ov->momentum, ov->beta1,	    ov->beta2,	  ov->rho,
				    ov->epsilon,  ov->history_size, ov->clip_norm};
	struct dnn_optim_spec *o = &s->optim;
	unsigned long v;

	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
		if (args[i] && !spec_optim_uses(o->kind, opts[i])) {
			char opt[32];

			snprintf(opt, sizeof opt, "--%s", opts[i]);
			for (char *p = opt; *p; p++)
				if (*p == '_')
					*p = '-';
			return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
					     "option '%s' is not used by %s", opt,
					     spec_optim_name(o->kind));
		}
	if (ov->nesterov && o->kind != DNN_OPT_SGD)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--nesterov' is not used by %s",
				     spec_optim_name(o->kind));
	if (ov->nesterov)
		o->nesterov = 1;
	if (ov->momentum && unit_interval("--momentum", ov->momentum, &o->momentum, e))
		return -1;
	if (ov->beta1 && unit_interval("--beta1", ov->beta1, &o->beta1, e))
		return -1;
	if (ov->beta2 && unit_interval("--beta2", ov->beta2, &o->beta2, e))
		return -1;
	if (ov->rho && unit_interval("--rho", ov->rho, &o->rho, e))
		return -1;
	if (ov->epsilon && cli_double("--epsilon", ov->epsilon, 0.0, 1, 1.0, &o->epsilon, e))
		return -1;
	if (ov->history_size) {
		if (cli_ulong("--history-size", ov->history_size, 1, 1000, &v, e))
			return -1;
		o->history_size = v;
	}
	if (ov->weight_decay &&
	    cli_double("--weight-decay", ov->weight_decay, 0.0, 0, 1e6, &o->weight_decay, e))
		return -1;
	if (ov->clip_norm && cli_double("--clip-norm", ov->clip_norm, 0.0, 1, 1e30, &o->clip_norm, e))
		return -1;
	if (ov->patience) {
		if (cli_ulong("--patience", ov->patience, 1, 1000000000UL, &v, e))
			return -1;
		s->patience = v;
	}
	return 0;
}

static int apply_overrides(struct dnn_spec *s, const struct overrides *ov, struct dnn_error *e)
{
	unsigned long v;

	if (ov->epochs) {
		if (cli_ulong("--epochs", ov->epochs, 1, 1000000000UL, &v, e))
			return -1;
		s->epochs = v;
	}
	if (ov->batch_size) {
		if (cli_ulong("--batch-size", ov->batch_size, 1, 16777216UL, &v, e))
			return -1;
		s->batch_size = v;
	}
	if (ov->seed) {
		uint64_t seed;

		if (util_parse_u64(ov->seed, &seed))
			return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
					     "option '--seed' needs a whole number, not '%s'",
					     ov->seed);
		s->seed = seed;
	}
	if (ov->learning_rate) {
		if (cli_double("--learning-rate", ov->learning_rate, 0.0, 1, 1e6,
			       &s->optim.learning_rate, e))
			return -1;
		s->optim.learning_rate_given = 1;
	}
	if (ov->optimizer && spec_set_optimizer(s, ov->optimizer, e))
		return -1;
	if (apply_optim_overrides(s, ov, e))
		return -1;
	if (ov->validation) {
		if (cli_double("--validation", ov->validation, 0.0, 0, 1.0, &s->data.validation,
			       e))
			return -1;
		if (s->data.validation >= 1.0)
			return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
					     "option '--validation' needs a fraction from 0 to "
					     "below 1, not '%s'",
					     ov->validation);
	}
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

/* The file column of v named name, or SIZE_MAX. */
static size_t find_column(const struct dnn_dataset *v, const char *name)
{
	for (size_t i = 0; i < v->n_cols; i++)
		if (strcmp(v->col_names[i], name) == 0)
			return i;
	return SIZE_MAX;
}

/* The categorical column of v at file column col. */
static const struct dnn_catcol *find_cat(const struct dnn_dataset *v, size_t col)
{
	for (size_t k = 0; k < v->n_cats; k++)
		if (v->cats[k].col == col)
			return &v->cats[k];
	return NULL;
}

/* Copy the inputs of v's row r into d's layout (dst, d->n_in wide): numbers
 * by column name, categories by their names among d's categories. */
static int map_val_row(const struct dnn_dataset *d, const struct dnn_dataset *v, size_t r,
		       const size_t *vcol, float *dst, const char *vname, struct dnn_error *e)
{
	const float *src = v->x + r * v->n_in;

	for (size_t i = 0, k = 0; i < d->n_cols; i++) {
		size_t in, vin;

		if (d->col_role[i] == DNN_COL_INPUT) {
			in = data_input_of(d->col_role, i, d->cats, d->n_cats);
			vin = data_input_of(v->col_role, vcol[i], v->cats, v->n_cats);
			dst[in] = src[vin];
		} else if (d->col_role[i] == DNN_COL_CATEGORICAL) {
			const struct dnn_catcol *dc = &d->cats[k++], *vc = find_cat(v, vcol[i]);
			const float *vs = src + vc->first;
			size_t q = 0, hot = SIZE_MAX;

			if (isnan(vs[0])) { /* missing: filled later */
				for (size_t z = 0; z < dc->n; z++)
					dst[dc->first + z] = NAN;
				continue;
			}
			for (size_t z = 0; z < dc->n; z++)
				dst[dc->first + z] = 0.0f;
			while (q < vc->n && vs[q] == 0.0f)
				q++;
			for (size_t z = 0; z < dc->n && hot == SIZE_MAX; z++)
				if (strcmp(dc->names[z], vc->names[q]) == 0)
					hot = z;
			if (hot == SIZE_MAX)
				return dnn_error_set(e, DNN_EX_DATA, vname, 0, 0,
						     "category '%s' of column '%s' does not occur "
						     "in the training data",
						     vc->names[q], d->col_names[i]);
			dst[dc->first + hot] = 1.0f;
		}
	}
	return 0;
}

/* Append the rows of the validation file v to d, its columns matched to
 * d's by name and its class labels and categories to d's. */
static int append_validation(struct dnn_dataset *d, const struct dnn_dataset *v,
			     const char *vname, struct dnn_error *e)
{
	size_t n = d->n_rows + v->n_rows, *vcol = NULL, *t_map = NULL, *cls = NULL;
	size_t w = d->task == DNN_TASK_REGRESSION ? d->n_targets : 0;
	int rc = -1;

	vcol = util_malloc_array(d->n_cols, sizeof *vcol);
	t_map = util_malloc_array(d->n_targets, sizeof *t_map);
	cls = util_malloc_array(v->n_classes ? v->n_classes : 1, sizeof *cls);
	if (!vcol || !t_map || !cls)
		goto oom;
	for (size_t i = 0, kt = 0; i < d->n_cols; i++) {
		int role = d->col_role[i];

		if (role == DNN_COL_IGNORED)
			continue;
		vcol[i] = find_column(v, d->col_names[i]);
		if (vcol[i] == SIZE_MAX || v->col_role[vcol[i]] != role) {
			dnn_error_set(e, DNN_EX_DATA, vname, 0, 0, "%s column '%s' is missing",
				      role == DNN_COL_TARGET ? "target"
				      : role == DNN_COL_INPUT ? "input"
							      : "categorical",
				      d->col_names[i]);
			goto out;
		}
		if (role == DNN_COL_TARGET) {
			/* The position of the target among v's targets. */
			size_t pos = 0;

			for (size_t c = 0; c < vcol[i]; c++)
				pos += v->col_role[c] == DNN_COL_TARGET;
			t_map[kt++] = pos;
		}
	}
	for (size_t c = 0; c < v->n_classes; c++) {
		size_t k;

		for (k = 0; k < d->n_classes; k++)
			if (strcmp(d->class_names[k], v->class_names[c]) == 0)
				break;
		if (k == d->n_classes) {
			dnn_error_set(e, DNN_EX_DATA, vname, 0, 0,
				      "class '%s' does not occur in the training data",
				      v->class_names[c]);
			goto out;
		}
		cls[c] = k;
	}
	size_t cells;
	float *x;

	if (util_mul_overflow(n, d->n_in, &cells) || !(x = util_realloc_array(d->x, cells,
									    sizeof *x)))
		goto oom;
	d->x = x;
	for (size_t r = 0; r < v->n_rows; r++)
		if (map_val_row(d, v, r, vcol, x + (d->n_rows + r) * d->n_in, vname, e))
			goto out;
	if (w) {
		float *y = util_realloc_array(d->y, n * w, sizeof *y);

		if (!y)
			goto oom;
		d->y = y;
		for (size_t r = 0; r < v->n_rows; r++)
			for (size_t j = 0; j < w; j++)
				y[(d->n_rows + r) * w + j] = v->y[r * v->n_targets + t_map[j]];
	} else {
		uint32_t *lab = util_realloc_array(d->label, n, sizeof *lab);

		if (!lab)
			goto oom;
		d->label = lab;
		for (size_t r = 0; r < v->n_rows; r++)
			lab[d->n_rows + r] = (uint32_t)cls[v->label[r]];
	}
	d->n_rows = n;
	rc = 0;
	goto out;
oom:
	dnn_error_oom(e);
out:
	free(vcol);
	free(t_map);
	free(cls);
	return rc;
}

/* Replace the missing (NaN) inputs of every row by the mean of their input
 * over the first n_train rows; *fill_out gets the means. For a categorical
 * column those are the frequencies of its categories. */
static int fill_missing(struct dnn_dataset *d, size_t n_train, float **fill_out, int quiet,
			const char *data_name, struct dnn_error *e)
{
	float *fill = util_malloc_array(d->n_in, sizeof *fill);
	/* Per input, the sum and the count of its values in the training rows,
	 * and the missing cells of all rows; a shared dataset adds up those of
	 * all MPI ranks. */
	double *sum = util_calloc_array(2 * d->n_in + 1, sizeof *sum), *cnt = sum + d->n_in;

	if (!fill || !sum) {
		free(fill);
		free(sum);
		dnn_error_oom(e);
		if (d->shared)
			dist_abort(e);
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
	for (size_t c = 0, k = 0; c < d->n_cols; c++) {
		size_t first;

		if (d->col_role[c] == DNN_COL_INPUT)
			first = data_input_of(d->col_role, c, d->cats, d->n_cats);
		else if (d->col_role[c] == DNN_COL_CATEGORICAL)
			first = d->cats[k++].first;
		else
			continue;
		/* A missing cell counts once, however many inputs it has. */
		for (size_t i = 0; i < d->n_rows; i++)
			cnt[d->n_in] += isnan(d->x[i * d->n_in + first]);
	}
	if (d->shared)
		dist_sum_f64(sum, 2 * d->n_in + 1);
	for (size_t c = 0, k = 0; c < d->n_cols; c++) {
		size_t first, width;

		if (d->col_role[c] == DNN_COL_INPUT) {
			first = data_input_of(d->col_role, c, d->cats, d->n_cats);
			width = 1;
		} else if (d->col_role[c] == DNN_COL_CATEGORICAL) {
			first = d->cats[k].first;
			width = d->cats[k++].n;
		} else {
			continue;
		}
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
	for (size_t i = 0; i < d->n_rows * d->n_in; i++)
		if (isnan(d->x[i]))
			d->x[i] = fill[i % d->n_in];
	if (!quiet && cnt[d->n_in] > 0.0)
		fprintf(stderr, "filled %.0f missing input cell%s with the training means\n",
			cnt[d->n_in], cnt[d->n_in] == 1.0 ? "" : "s");
	free(sum);
	*fill_out = fill;
	return 0;
}

/* Targets in the form the loss wants: one-hot rows, a 0/1 column for a
 * single sigmoid unit, or the (normalized) values for regression. */
static float *target_matrix(const struct dnn_dataset *d, size_t n_out, struct dnn_error *e)
{
	size_t cells;
	float *t;

	if (util_mul_overflow(d->n_rows, n_out, &cells) ||
	    !(t = util_calloc_array(cells, sizeof *t)))
		return dnn_error_oom(e), NULL;
	for (size_t i = 0; i < d->n_rows; i++) {
		if (n_out == 1)
			t[i] = (float)d->label[i];
		else
			t[i * n_out + d->label[i]] = 1.0f;
	}
	return t;
}

/* --learning-rate auto under MPI: the rows that one process would sample
 * (every stride-th training row, for at most 2048), gathered from the ranks
 * in order, so that every rank estimates the same rate from the same rows
 * as one process. */
static int gather_sample(const struct dnn_dataset *d, const float *targets, size_t n_train,
			 size_t n_out, float **xs, float **ts, size_t *k, struct dnn_error *e)
{
	size_t stride = (d->n_train_total + 2047) / 2048, rec, mine = 0, all_len, *order = NULL;
	size_t w = d->n_in + n_out;
	unsigned char *buf = NULL, *all = NULL;

	rec = sizeof(uint64_t) + w * sizeof(float);
	for (size_t j = 0; j < n_train; j++)
		mine += d->train_gid[j] % stride == 0;
	if (!(buf = util_malloc_array(mine + 1, rec))) {
		dnn_error_oom(e);
		dist_abort(e);
	}
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
	if (dist_allgather(buf, mine * rec, &all, &all_len, NULL)) {
		dnn_error_oom(e);
		dist_abort(e);
	}
	*k = all_len / rec;
	*xs = util_malloc_array(*k + 1, d->n_in * sizeof **xs);
	*ts = util_malloc_array(*k + 1, n_out * sizeof **ts);
	order = util_malloc_array(*k + 1, sizeof *order);
	if (!*xs || !*ts || !order) {
		dnn_error_oom(e);
		dist_abort(e);
	}
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
	free(order);
	free(buf);
	free(all);
	return 0;
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
	fprintf(stderr,
		"dnn: warning: layers[%zu] uses step, whose derivative is zero: layers 0 to %zu "
		"keep their initial weights\n",
		last, last);
}

/* Where the figures of each epoch go. */
struct epoch_out {
	int quiet;
	FILE *log;		/* --log, or NULL */
	int log_failed;		/* a write to it failed */
	/* The progress bar (standard error a terminal, not --quiet). */
	int progress;
	unsigned long n_epochs, bar_epoch;
	double epoch_start, last_draw;
	int drawn;		/* a bar is on the line */
};

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#define BAR_WIDTH 30
#define BAR_DELAY 0.25	  /* seconds into an epoch before a bar shows */
#define BAR_INTERVAL 0.1 /* seconds between redraws */

/* Within an epoch: one line that redraws itself, with the share of the rows
 * done, rows/s and the epoch's time left. */
static void progress(unsigned long epoch, size_t done, size_t total, void *ctx)
{
	struct epoch_out *out = ctx;
	double t = now_seconds(), rate, left;
	char bar[BAR_WIDTH + 1];
	size_t fill;

	if (!out->progress)
		return;
	if (epoch != out->bar_epoch) {
		out->bar_epoch = epoch;
		out->epoch_start = out->last_draw = t;
	}
	if (t - out->epoch_start < BAR_DELAY || t - out->last_draw < BAR_INTERVAL || !total)
		return;
	out->last_draw = t;
	rate = (double)done / (t - out->epoch_start);
	left = rate > 0.0 ? (double)(total - done) / rate : 0.0;
	fill = done * BAR_WIDTH / total;
	for (size_t i = 0; i < BAR_WIDTH; i++)
		bar[i] = i < fill ? '=' : i == fill ? '>' : ' ';
	bar[BAR_WIDTH] = '\0';
	fprintf(stderr, "\repoch %lu/%lu [%s] %3d%%  %.0f rows/s  ETA %.0fs\033[K", epoch,
		out->n_epochs, bar, (int)(100.0 * (double)done / (double)total), rate, left);
	out->drawn = 1;
}

/* Clear the bar's line, if one is drawn. */
static void progress_clear(struct epoch_out *out)
{
	if (out->drawn) {
		fputs("\r\033[K", stderr);
		out->drawn = 0;
	}
}

/* ,"key":value with so many significant digits, left out when not
 * finite. */
static void json_field(FILE *f, const char *key, int digits, double v)
{
	if (isfinite(v))
		fprintf(f, ",\"%s\":%.*g", key, digits, v);
}

/* One line of --log, as in dnn(1); keys of figures that do not apply (NaN)
 * are left out. printf's numbers use '.': dnn never calls setlocale. */
static int log_epoch(FILE *f, const struct dnn_epoch *ep, const struct dnn_epoch_reg *reg)
{
	fprintf(f, "{\"epoch\":%lu", ep->epoch);
	json_field(f, "loss", 4, ep->loss);
	json_field(f, "val_loss", 4, ep->val_loss);
	json_field(f, "accuracy", 4, ep->accuracy);
	json_field(f, "val_accuracy", 4, ep->val_accuracy);
	if (reg) {
		json_field(f, "mae", 4, reg->mae);
		json_field(f, "val_mae", 4, reg->val_mae);
		json_field(f, "r2", 4, reg->r2);
		json_field(f, "val_r2", 4, reg->val_r2);
	}
	json_field(f, "learning_rate", 6, ep->learning_rate);
	json_field(f, "seconds", 4, ep->seconds);
	fputs("}\n", f);
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

static void print_epoch(const struct dnn_epoch *ep, const struct dnn_epoch_reg *reg,
			unsigned long n_epochs, void *ctx)
{
	struct epoch_out *out = ctx;

	if (out->log && !out->log_failed && log_epoch(out->log, ep, reg))
		out->log_failed = 1;
	if (out->quiet)
		return;
	progress_clear(out);
	fprintf(stderr, "epoch %lu/%lu  loss %.4g", ep->epoch, n_epochs, ep->loss);
	if (!isnan(ep->val_loss))
		fprintf(stderr, "  val_loss %.4g", ep->val_loss);
	if (!isnan(ep->accuracy))
		fprintf(stderr, "  acc %.4f", ep->accuracy);
	if (!isnan(ep->val_accuracy))
		fprintf(stderr, "  val_acc %.4f", ep->val_accuracy);
	if (reg) {
		fprintf(stderr, "  mae %.4g", reg->mae);
		if (!isnan(reg->val_mae))
			fprintf(stderr, "  val_mae %.4g", reg->val_mae);
		fprintf(stderr, "  r2 %.4f", reg->r2);
		if (!isnan(reg->val_r2))
			fprintf(stderr, "  val_r2 %.4f", reg->val_r2);
	}
	fprintf(stderr, "  lr %g  %.2fs\n", ep->learning_rate, ep->seconds);
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
 * stops; the checkpoint is saved and dnn exits with 130. */
static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

/* Catch SIGINT and SIGTERM (once: a second one acts as usual), unless they
 * are ignored, as for a background job of a non-interactive shell. */
static void catch_signals(struct sigaction old[2])
{
	static const int sigs[2] = {SIGINT, SIGTERM};
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	got_signal = 0;
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

/* How training ended, when it ended early or kept other weights than the
 * last. */
static void print_stop(const struct dnn_train_stop *st, const struct dnn_history *h,
		       unsigned long patience)
{
	const char *watched = st->monitor_val ? "val_loss" : "loss";

	if (st->early)
		fprintf(stderr,
			"early stopping: %s has not improved for %lu epochs; kept the weights of "
			"epoch %lu\n",
			watched, patience, st->best_epoch);
	else if (patience && st->best_epoch && st->best_epoch != h->n)
		fprintf(stderr, "kept the weights of epoch %lu, the lowest %s\n", st->best_epoch,
			watched);
	if (st->converged)
		fprintf(stderr, "lbfgs converged in epoch %zu\n", h->n);
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
	int same = prev->n_cols == d->n_cols && prev->n_classes == d->n_classes;

	for (size_t c = 0; same && c < d->n_cols; c++)
		same = prev->col_role[c] == d->col_role[c] &&
		       strcmp(prev->col_names[c], d->col_names[c]) == 0;
	if (!same)
		return dnn_error_set(e, DNN_EX_DATA, data_name, 0, 0,
				     "the columns differ from those %s was trained on",
				     model_name);
	for (size_t k = 0; k < d->n_classes; k++)
		if (strcmp(prev->class_names[k], d->class_names[k]) != 0)
			return dnn_error_set(e, DNN_EX_DATA, data_name, 0, 0,
					     "the classes differ from those %s was trained on",
					     model_name);
	/* Other categories would change the network's inputs. */
	same = prev->n_cats == d->n_cats && prev->net->n_in == d->n_in;
	for (size_t k = 0; same && k < d->n_cats; k++) {
		same = prev->cats[k].n == d->cats[k].n;
		for (size_t q = 0; same && q < d->cats[k].n; q++)
			same = strcmp(prev->cats[k].names[q], d->cats[k].names[q]) == 0;
		if (!same)
			return dnn_error_set(e, DNN_EX_DATA, data_name, 0, 0,
					     "the categories of column '%s' differ from those %s "
					     "was trained on",
					     d->col_names[d->cats[k].col], model_name);
	}
	if (!same)
		return dnn_error_set(e, DNN_EX_DATA, data_name, 0, 0,
				     "the inputs differ from those %s was trained on", model_name);
	return 0;
}

/* Missing inputs of a resumed run: the checkpoint's fill values. */
static void apply_fill(struct dnn_dataset *d, const float *fill)
{
	for (size_t i = 0; i < d->n_rows * d->n_in; i++)
		if (isnan(d->x[i]))
			d->x[i] = fill[i % d->n_in];
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
	struct epoch_out eout = {0};
	int log_made = 0, plot_made = 0, bad = 0;
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
	double t_start = now_seconds();
	if (data_load(&d, a.data_path, &dopts, e))
		goto out;
	const char *data_name = strcmp(a.data_path, "-") ? a.data_path : "<stdin>";
	if (a.verbose && !a.quiet)
		fprintf(stderr,
			"read %zu rows of %zu columns (%zu network inputs) from %s in %.3fs%s\n",
			d.n_rows_total, d.n_cols, d.n_in, data_name, now_seconds() - t_start,
			shared ? " (shared among the MPI ranks)" : "");
	const char *spec_name = strcmp(a.spec_path, "-") ? a.spec_path : "<stdin>";
	if (dist_agree(prep_output_width(&spec, &d, spec_name, data_name, &n_out, e), e))
		goto out;
	if (dist_agree(a.resume_path && check_resume_data(&prev, &d, data_name, spec_name, e), e))
		goto out;
	spec.layers[spec.n_layers - 1].units = n_out;

	if (a.val_path) {
		struct dnn_dataset v = {0};
		const char *vname = strcmp(a.val_path, "-") ? a.val_path : "<stdin>";

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
		if (model.fill)
			apply_fill(&d, model.fill);
	} else if (spec.data.missing == DNN_MISSING_MEAN &&
		   dist_agree(fill_missing(&d, n_train, &model.fill, a.quiet, data_name, e), e)) {
		goto out;
	}

	/* Statistics from the training rows only, applied to all. */
	if (a.resume_path) {
		/* Taken over above. */
	} else if (spec.data.normalize == DNN_NORM_STANDARD) {
		if (norm_fit_shared(&model.in_norm, d.x, d.n_in, n_train, e))
			goto out;
	} else if (dist_agree(norm_identity(&model.in_norm, d.n_in, e), e)) {
		goto out;
	}
	/* One-hot inputs stay 0 and 1: an unknown category (all 0) at predict
	 * time then adds nothing. */
	for (size_t k = 0; k < d.n_cats; k++)
		for (size_t j = d.cats[k].first; j < d.cats[k].first + d.cats[k].n; j++) {
			model.in_norm.mean[j] = 0.0f;
			model.in_norm.scale[j] = 1.0f;
		}
	norm_apply(&model.in_norm, d.x, d.n_rows);
	if (d.task == DNN_TASK_REGRESSION) {
		if (a.resume_path) {
			/* Taken over above. */
		} else if (spec.data.normalize == DNN_NORM_STANDARD) {
			if (norm_fit_shared(&model.out_norm, d.y, d.n_targets, n_train, e))
				goto out;
		} else if (dist_agree(norm_identity(&model.out_norm, d.n_targets, e), e)) {
			goto out;
		}
		norm_apply(&model.out_norm, d.y, d.n_rows);
	} else if (dist_agree(!(t = target_matrix(&d, n_out, e)), e)) {
		goto out;
	}
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
		if (shared)
			gather_sample(&d, targets, n_train, n_out, &xs, &ts, &k, e);
		rc = hvp_auto_learning_rate(model.net, xs ? xs : d.x, ts ? ts : targets, k,
					    spec.optim.momentum, spec.seed,
					    &spec.optim.learning_rate, &lmax, e);
		free(xs);
		free(ts);
		if (dist_agree(rc, e))
			goto out;
		rc = -1;
		if (!a.quiet)
			fprintf(stderr,
				"learning rate auto: %.3g = (1 - momentum %g) / lambda_max %.4g, the "
				"largest eigenvalue of the loss's Hessian at the initial weights: "
				"Newton's step along the sharpest direction\n",
				spec.optim.learning_rate, spec.optim.momentum, lmax);
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
	    .on_epoch = root ? print_epoch : NULL,
	    .on_batch = root ? progress : NULL,
	    .ctx = &eout,
	    .gid = shared ? d.train_gid : NULL,
	    .n_total = d.n_train_total,
	};
	eout.quiet = a.quiet;
	eout.progress = !a.quiet && isatty(STDERR_FILENO);
	eout.n_epochs = spec.epochs;
	if (a.log_path && root) {
		if (strcmp(a.log_path, "-") == 0) {
			eout.log = stdout;
		} else if ((eout.log = fopen(a.log_path, "w"))) {
			log_made = 1;
		} else {
			bad = dnn_error_set(e, DNN_EX_CANTCREAT, NULL, 0, 0,
					    "cannot create '%s': %s", a.log_path, strerror(errno));
		}
	}
	if (dist_agree(bad, e))
		goto out;
	dnn_error_clear(&train_err);
	topts.interrupt = &got_signal;
	catch_signals(old_sig);
	t_start = now_seconds();
	trained = train_run(model.net, opt, &rng, &train_rows, &val_rows, &topts,
			    &model.history, &train_err) == 0;
	restore_signals(old_sig);
	progress_clear(&eout);
	if (a.verbose && !a.quiet) {
		double secs = now_seconds() - t_start;
		size_t epochs = model.history.n - done;

		fprintf(stderr, "trained %zu epoch%s on %zu rows in %.3fs (%.0f rows/s)\n", epochs,
			epochs == 1 ? "" : "s", d.n_train_total, secs,
			secs > 0.0 ? (double)d.n_train_total * (double)epochs / secs : 0.0);
		if (shared && stop.reductions)
			fprintf(
			    stderr,
			    "%d MPI ranks: %lu gradient sums of %zu bytes %s took %.3fs (%.1f%% "
			    "of rank 0's training time), %.1f us each\n",
			    dist_size(), stop.reductions, 4 * (model.net->n_params + 2),
			    dist_sum_f32_how(), stop.reduce_seconds,
			    secs > 0.0 ? 100.0 * stop.reduce_seconds / secs : 0.0,
			    1e6 * stop.reduce_seconds / (double)stop.reductions);
	}
	if (!trained && train_err.code != DNN_EX_FAIL && train_err.code != DNN_EX_INTERRUPT) {
		*e = train_err;
		goto out;
	}
	if (dist_agree(eout.log_failed
			   ? dnn_error_set(e, DNN_EX_IO, NULL, 0, 0, "write error on '%s': %s",
					   a.log_path, strerror(errno))
			   : 0,
		       e))
		goto out;
	if (!a.quiet)
		print_stop(&stop, &model.history, spec.patience);
	if (a.plot_path && root) {
		bad = plot_write(a.plot_path, &model.history, d.task == DNN_TASK_CLASSIFICATION, e);
		plot_made = !bad;
	}
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
	t_start = now_seconds();
	if (dist_agree(root && ckpt_save(&model, output, e), e))
		goto out;
	if (a.verbose && !a.quiet)
		fprintf(stderr, "wrote %s in %.3fs\n", output, now_seconds() - t_start);
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
	if (!a.quiet)
		fprintf(stderr, "saved %s\n", output);
	rc = 0;
out:
	if (eout.log && eout.log != stdout && fclose(eout.log) && rc == 0) {
		dnn_error_set(e, DNN_EX_IO, NULL, 0, 0, "write error on '%s': %s", a.log_path,
			      strerror(errno));
		rc = -1;
	}
	/* A failed run leaves no new files behind, but a diverged one keeps
	 * its checkpoint, log and plot. */
	if (rc && e->code != DNN_EX_FAIL && e->code != DNN_EX_INTERRUPT) {
		if (log_made)
			remove(a.log_path);
		if (plot_made)
			remove(a.plot_path);
	}
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
