/* dnn train: options, then spec + data -> network -> trainer -> checkpoint. */
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "ckpt.h"
#include "cli.h"
#include "cmds.h"
#include "data.h"
#include "loss.h"
#include "mat.h"
#include "net.h"
#include "optim.h"
#include "rng.h"
#include "spec.h"
#include "train.h"
#include "util.h"

const char cmd_train_help[] =
	"Usage: dnn train [OPTIONS] SPEC DATA\n"
	"Train the network that SPEC (JSON, see dnn-spec(5)) describes on DATA (CSV,\n"
	"plain or gzip-compressed) and write the weights to a checkpoint. Either file\n"
	"may be '-' for standard input. One line per epoch goes to standard error.\n"
	"\n"
	"Options (they override the spec):\n"
	"  -o, --output FILE          checkpoint to write (default: SPEC's name with\n"
	"                             the extension .dnn, in the current directory)\n"
	"  -e, --epochs N             passes over the training rows\n"
	"  -b, --batch-size N         rows per gradient step\n"
	"  -l, --learning-rate X      step size\n"
	"      --momentum X           momentum of SGD, in [0, 1)\n"
	"      --optimizer NAME       optimizer: sgd\n"
	"  -s, --seed N               seed of the initial weights, shuffles and split\n"
	"      --validation FRACTION  hold out this fraction of the rows and report\n"
	"                             val_loss and val_acc on them\n"
	"      --validation-data FILE report val_loss and val_acc on the rows of FILE\n"
	"                             (CSV with the same columns) instead\n"
	"      --target COLUMNS       target column(s) by name or 0-based index,\n"
	"                             comma-separated (default: the last column)\n"
	"      --ignore COLUMNS       columns to leave out, such as ids, by name or\n"
	"                             0-based index, comma-separated\n"
	"      --missing RULE         a missing input cell (empty, NA, NaN, ?) is an\n"
	"                             'error' or filled with the training 'mean'\n"
	"      --no-header            the first row is data; columns are named 0, 1, ...\n"
	"      --delimiter C          field separator (default ','; 'tab' for tabs)\n"
	"  -j, --threads N            threads (default: DNN_THREADS, else all CPUs)\n"
	"  -q, --quiet                print nothing but errors\n"
	"  -h, --help                 show this help\n";

struct train_args {
	const char *output;
	const char *val_path;
	const char *spec_path, *data_path;
	int quiet;
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
	OPT_MISSING,
	OPT_NO_HEADER,
	OPT_DELIMITER
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
	{"missing", required_argument, NULL, OPT_MISSING},
	{"no-header", no_argument, NULL, OPT_NO_HEADER},
	{"delimiter", required_argument, NULL, OPT_DELIMITER},
	{"threads", required_argument, NULL, 'j'},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* Overrides are applied after the spec is read, so options are kept as
 * text until then. */
struct overrides {
	const char *epochs, *batch_size, *learning_rate, *momentum, *optimizer, *seed,
		*validation, *target, *ignore, *missing;
};

static int parse_args(int argc, char **argv, struct train_args *a, struct overrides *ov,
		      struct dnn_error *e)
{
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:e:b:l:s:j:qh", long_opts, NULL)) != -1) {
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
	if (argc - optind != 2)
		return cli_operands("SPEC and DATA", e);
	a->spec_path = argv[optind];
	a->data_path = argv[optind + 1];
	if (strcmp(a->spec_path, "-") == 0 && strcmp(a->data_path, "-") == 0)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "SPEC and DATA cannot both be standard input");
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
	if (ov->learning_rate &&
	    cli_double("--learning-rate", ov->learning_rate, 0.0, 1, 1e6,
		       &s->optim.learning_rate, e))
		return -1;
	if (ov->momentum) {
		if (cli_double("--momentum", ov->momentum, 0.0, 0, 1.0, &s->optim.momentum, e))
			return -1;
		if (s->optim.momentum >= 1.0)
			return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
					     "option '--momentum' needs a number from 0 to below "
					     "1, not '%s'",
					     ov->momentum);
	}
	if (ov->optimizer && strcmp(ov->optimizer, "sgd") != 0)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--optimizer': unknown optimizer '%s' (known: sgd)",
				     ov->optimizer);
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

/* The output layer's width for this data, checked against the spec. */
static int output_width(const struct dnn_spec *s, const struct dnn_dataset *d,
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

/* Reorder rows in place: row i becomes the old row order[i]. */
static int permute_rows(void *base, size_t n, size_t row_bytes, const size_t *order,
			struct dnn_error *e)
{
	unsigned char *p = base, *tmp = malloc(row_bytes ? row_bytes : 1);
	unsigned char *done = calloc(n ? n : 1, 1);

	if (!tmp || !done) {
		free(tmp);
		free(done);
		return dnn_error_oom(e);
	}
	for (size_t start = 0; start < n; start++) {
		size_t i = start;

		if (done[start])
			continue;
		memcpy(tmp, p + start * row_bytes, row_bytes);
		/* Follow the cycle: slot i takes the row from order[i]. */
		while (order[i] != start) {
			memcpy(p + i * row_bytes, p + order[i] * row_bytes, row_bytes);
			done[i] = 1;
			i = order[i];
		}
		memcpy(p + i * row_bytes, tmp, row_bytes);
		done[i] = 1;
	}
	free(tmp);
	free(done);
	return 0;
}

/* The position of column name among the columns of d with the given role,
 * or SIZE_MAX. */
static size_t find_column(const struct dnn_dataset *d, const char *name, int role)
{
	for (size_t i = 0, k = 0; i < d->n_cols; i++) {
		if (d->col_role[i] != role)
			continue;
		if (strcmp(d->col_names[i], name) == 0)
			return k;
		k++;
	}
	return SIZE_MAX;
}

/* Append the rows of the validation file v to d, its columns matched to
 * d's by name and its class labels to d's classes. */
static int append_validation(struct dnn_dataset *d, const struct dnn_dataset *v,
			     const char *vname, struct dnn_error *e)
{
	size_t n = d->n_rows + v->n_rows, *in_map = NULL, *t_map = NULL, *cls = NULL;
	size_t w = d->task == DNN_TASK_REGRESSION ? d->n_targets : 0;
	int rc = -1;

	in_map = util_malloc_array(d->n_in, sizeof *in_map);
	t_map = util_malloc_array(d->n_targets, sizeof *t_map);
	cls = util_malloc_array(v->n_classes ? v->n_classes : 1, sizeof *cls);
	if (!in_map || !t_map || !cls)
		goto oom;
	for (size_t i = 0, ki = 0, kt = 0; i < d->n_cols; i++) {
		int role = d->col_role[i];
		size_t *slot;

		if (role == DNN_COL_IGNORED)
			continue;
		slot = role == DNN_COL_INPUT ? &in_map[ki++] : &t_map[kt++];
		*slot = find_column(v, d->col_names[i], role);
		if (*slot == SIZE_MAX) {
			dnn_error_set(e, DNN_EX_DATA, vname, 0, 0, "%s column '%s' is missing",
				      role == DNN_COL_INPUT ? "input" : "target", d->col_names[i]);
			goto out;
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
		for (size_t j = 0; j < d->n_in; j++)
			x[(d->n_rows + r) * d->n_in + j] = v->x[r * v->n_in + in_map[j]];
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
	free(in_map);
	free(t_map);
	free(cls);
	return rc;
}

/* Replace the missing (NaN) input cells of every row by the mean of their
 * column over the first n_train rows; *fill_out gets the means. */
static int fill_missing(struct dnn_dataset *d, size_t n_train, float **fill_out, int quiet,
			const char *data_name, struct dnn_error *e)
{
	float *fill = util_malloc_array(d->n_in, sizeof *fill);
	size_t filled = 0;

	if (!fill)
		return dnn_error_oom(e);
	for (size_t j = 0, c = 0; j < d->n_in; j++, c++) {
		double sum = 0.0;
		size_t n = 0;

		while (d->col_role[c] != DNN_COL_INPUT)
			c++;
		for (size_t i = 0; i < n_train; i++) {
			float v = d->x[i * d->n_in + j];

			if (!isnan(v)) {
				sum += (double)v;
				n++;
			}
		}
		if (n == 0) {
			free(fill);
			return dnn_error_set(e, DNN_EX_DATA, data_name, 0, 0,
					     "input column '%s' has no values in the training "
					     "rows to fill its missing cells with",
					     d->col_names[c]);
		}
		fill[j] = (float)(sum / (double)n);
	}
	for (size_t i = 0; i < d->n_rows * d->n_in; i++)
		if (isnan(d->x[i])) {
			d->x[i] = fill[i % d->n_in];
			filled++;
		}
	if (!quiet && filled)
		fprintf(stderr, "filled %zu missing input cell%s with the training means\n", filled,
			filled == 1 ? "" : "s");
	*fill_out = fill;
	return 0;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

/* Hold out n_val rows drawn from the seed: reorder the dataset so that the
 * training rows come first and the validation rows last, each in file
 * order. */
static int split_rows(struct dnn_dataset *d, size_t n_val, uint64_t seed, struct dnn_error *e)
{
	size_t n = d->n_rows, *order = util_malloc_array(n, sizeof *order);
	unsigned char *is_val = calloc(n ? n : 1, 1);
	struct dnn_rng rng;
	int rc = -1;

	if (!order || !is_val) {
		dnn_error_oom(e);
		goto out;
	}
	/* A stream of its own, so that the split does not shift the weights. */
	rng_seed(&rng, seed ^ 0x76616c6964617465ULL);
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	rng_shuffle(&rng, order, n);
	for (size_t i = 0; i < n_val; i++)
		is_val[order[i]] = 1;
	for (size_t i = 0, a = 0, b = n - n_val; i < n; i++)
		order[is_val[i] ? b++ : a++] = i;
	qsort(order + n - n_val, n_val, sizeof *order, cmp_size);
	if (permute_rows(d->x, n, d->n_in * sizeof(float), order, e))
		goto out;
	if (d->y && permute_rows(d->y, n, d->n_targets * sizeof(float), order, e))
		goto out;
	if (d->label && permute_rows(d->label, n, sizeof(uint32_t), order, e))
		goto out;
	rc = 0;
out:
	free(order);
	free(is_val);
	return rc;
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

/* A step layer passes no gradient back (its derivative is zero wherever it
 * exists), so the layers up to the last one keep their initial weights. */
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

static void print_epoch(const struct dnn_epoch *ep, unsigned long n_epochs, void *ctx)
{
	(void)ctx;
	fprintf(stderr, "epoch %lu/%lu  loss %.4g", ep->epoch, n_epochs, ep->loss);
	if (!isnan(ep->val_loss))
		fprintf(stderr, "  val_loss %.4g", ep->val_loss);
	if (!isnan(ep->accuracy))
		fprintf(stderr, "  acc %.4f", ep->accuracy);
	if (!isnan(ep->val_accuracy))
		fprintf(stderr, "  val_acc %.4f", ep->val_accuracy);
	fprintf(stderr, "  lr %g  %.2fs\n", ep->learning_rate, ep->seconds);
}

int cmd_train(int argc, char **argv, struct dnn_error *e)
{
	struct train_args a = {.csv = {.delimiter = ',', .header = 1}};
	struct overrides ov = {0};
	struct dnn_spec spec = {0};
	struct dnn_dataset d = {0};
	struct dnn_model model = {0};
	struct dnn_optim *opt = NULL;
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
	if (mat_set_threads(a.threads, e))
		return -1;
	rc = -1;
	if (spec_load(&spec, a.spec_path, e) || apply_overrides(&spec, &ov, e))
		goto out;

	struct dnn_data_opts dopts = {
		.csv = a.csv,
		.targets = spec.data.targets,
		.n_targets = spec.data.n_targets,
		.ignore = spec.data.ignore,
		.n_ignore = spec.data.n_ignore,
		.task = spec.loss == DNN_LOSS_MSE ? DNN_TASK_REGRESSION
						  : DNN_TASK_CLASSIFICATION,
	};
	dopts.csv.missing_ok = spec.data.missing == DNN_MISSING_MEAN;
	if (data_load(&d, a.data_path, &dopts, e))
		goto out;
	const char *data_name = strcmp(a.data_path, "-") ? a.data_path : "<stdin>";
	const char *spec_name = strcmp(a.spec_path, "-") ? a.spec_path : "<stdin>";
	if (output_width(&spec, &d, spec_name, data_name, &n_out, e))
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
		if (rc)
			goto out;
		rc = -1;
	} else if (spec.data.validation > 0.0) {
		n_val = (size_t)floor(spec.data.validation * (double)d.n_rows + 0.5);
		if (n_val == 0)
			n_val = 1;
		if (n_val >= d.n_rows) {
			dnn_error_set(e, DNN_EX_DATA, data_name, 0, 0,
				      "%zu rows are too few to hold out a validation fraction of "
				      "%g",
				      d.n_rows, spec.data.validation);
			goto out;
		}
		if (split_rows(&d, n_val, spec.seed, e))
			goto out;
	}
	n_train = d.n_rows - n_val;

	if (spec.data.missing == DNN_MISSING_MEAN &&
	    fill_missing(&d, n_train, &model.fill, a.quiet, data_name, e))
		goto out;

	/* Statistics from the training rows only, applied to all. */
	if (spec.data.normalize == DNN_NORM_STANDARD) {
		if (norm_fit(&model.in_norm, d.x, d.n_in, NULL, n_train, e))
			goto out;
	} else if (norm_identity(&model.in_norm, d.n_in, e)) {
		goto out;
	}
	norm_apply(&model.in_norm, d.x, d.n_rows);
	if (d.task == DNN_TASK_REGRESSION) {
		if (spec.data.normalize == DNN_NORM_STANDARD) {
			if (norm_fit(&model.out_norm, d.y, d.n_targets, NULL, n_train, e))
				goto out;
		} else if (norm_identity(&model.out_norm, d.n_targets, e)) {
			goto out;
		}
		norm_apply(&model.out_norm, d.y, d.n_rows);
	} else if (!(t = target_matrix(&d, n_out, e))) {
		goto out;
	}
	const float *targets = t ? t : d.y;

	units = util_malloc_array(spec.n_layers, sizeof *units);
	acts = util_malloc_array(spec.n_layers, sizeof *acts);
	if (!units || !acts) {
		dnn_error_oom(e);
		goto out;
	}
	for (size_t l = 0; l < spec.n_layers; l++) {
		units[l] = spec.layers[l].units;
		acts[l] = spec.layers[l].activation;
	}
	warn_step_layers(&spec, a.quiet);
	model.net = net_new(d.n_in, spec.n_layers, units, acts, spec.loss, e);
	if (!model.net)
		goto out;
	rng_seed(&rng, spec.seed);
	net_init(model.net, spec.init, &rng);
	opt = optim_new(spec.optim.kind, model.net->n_params, spec.optim.learning_rate,
			spec.optim.momentum, e);
	if (!opt)
		goto out;

	struct dnn_rows train_rows = {n_train, d.x, targets};
	struct dnn_rows val_rows = {n_val, d.x + n_train * d.n_in, targets + n_train * n_out};
	struct dnn_train_opts topts = {
		.epochs = spec.epochs,
		.batch_size = spec.batch_size,
		.classification = d.task == DNN_TASK_CLASSIFICATION,
		.on_epoch = a.quiet ? NULL : print_epoch,
	};
	dnn_error_clear(&train_err);
	trained = train_run(model.net, opt, &rng, &train_rows, &val_rows, &topts,
			    &model.history, &train_err) == 0;
	if (!trained && train_err.code != DNN_EX_FAIL) {
		*e = train_err;
		goto out;
	}

	/* The checkpoint takes over the dataset's names. */
	model.spec_json = spec_to_json(&spec);
	if (!model.spec_json) {
		dnn_error_oom(e);
		goto out;
	}
	model.n_cols = d.n_cols;
	model.col_names = d.col_names;
	model.col_role = d.col_role;
	model.task = d.task;
	model.n_classes = d.n_classes;
	model.class_names = d.class_names;
	d.col_names = NULL;
	d.col_role = NULL;
	d.class_names = NULL;

	output = a.output ? util_strdup(a.output) : default_output(a.spec_path);
	if (!output) {
		dnn_error_oom(e);
		goto out;
	}
	if (ckpt_save(&model, output, e))
		goto out;
	if (!trained) {
		/* Diverged: the last finite weights are saved; say so. */
		dnn_error_set(e, train_err.code, NULL, 0, 0, "%s; saved the weights of epoch %zu to %s",
			      train_err.msg, model.history.n, output);
		goto out;
	}
	if (!a.quiet)
		fprintf(stderr, "saved %s\n", output);
	rc = 0;
out:
	free(output);
	free(units);
	free(acts);
	free(t);
	optim_free(opt);
	model_free(&model);
	data_free(&d);
	spec_free(&spec);
	return rc;
}
