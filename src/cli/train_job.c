/* The stages of dnn train (load, data, prepare, build, run, save) over one job. */
#include "config.h"

#include <errno.h>
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
#include "data.h"
#include "dcache.h"
#include "dist.h"
#include "env.h"
#include "hparams.h"
#include "hvp.h"
#include "loss.h"
#include "net.h"
#include "optim.h"
#include "plot.h"
#include "prepare.h"
#include "report.h"
#include "rng.h"
#include "schedule.h"
#include "spec.h"
#include "train.h"
#include "train_job.h"
#include "util.h"
#include "weights.h"

/* "<stdin>" for '-', else path. */
static const char *input_name(const char *path)
{
	return strcmp(path, "-") ? path : "<stdin>";
}

void train_job_init(struct train_job *j, const struct train_args *a, char *output)
{
	memset(j, 0, sizeof *j);
	j->a = a;
	j->output = output;
	j->shared = dist_active();
	j->root = dist_rank() == 0;
	/* Only rank 0 speaks. */
	j->rep.quiet = a->quiet || !j->root;
	j->rep.verbose = a->verbose && j->root;
	j->spec_name = input_name(a->spec_path);
	j->data_name = input_name(a->data_path);
	j->early.best_loss = (double)INFINITY;
	dnn_error_clear(&j->train_err);
}

/* ---- 1. load: the spec or the checkpoint, and the overrides ---- */

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
static int apply_optim_overrides(struct dnn_spec *s, const struct train_overrides *ov,
				 struct dnn_error *e)
{
	static const char *const keys[] = {
	    "optimizer.momentum",     "optimizer.beta1",     "optimizer.beta2",
	    "optimizer.rho",	      "optimizer.epsilon",   "optimizer.history_size",
	    "optimizer.krylov_dim",   "optimizer.damping",   "optimizer.weight_decay",
	    "optimizer.l1",	      "optimizer.clip_norm", "patience"};
	const char *const args[] = {ov->momentum,     ov->beta1,    ov->beta2,
				    ov->rho,	      ov->epsilon,  ov->history_size,
				    ov->krylov_dim,   ov->damping,  ov->weight_decay,
				    ov->l1,	      ov->clip_norm, ov->patience};
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

/* --label-smoothing, --max-norm and --class-weight, then the checks across
 * keys (spec_check) as usage errors when one of them, or --optimizer, made
 * the spec fail them. */
static int apply_weight_overrides(struct dnn_spec *s, const struct train_overrides *ov,
				  struct dnn_error *e)
{
	static const char *const keys[] = {"label_smoothing", "layers[].max_norm"};
	const char *const args[] = {ov->label_smoothing, ov->max_norm};
	const char *ce = (ov->label_smoothing && s->loss == DNN_LOSS_MSE) ? "--label-smoothing"
			 : (ov->class_weight && s->loss == DNN_LOSS_MSE) ? "--class-weight"
									  : NULL;

	if (apply_hparams(s, keys, args, 2, e))
		return -1;
	if (ov->class_weight && spec_set_class_weight(s, ov->class_weight, e))
		return -1;
	if (ce)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '%s' needs loss 'cross_entropy' or "
				     "'binary_cross_entropy', not 'mse'",
				     ce);
	if (ov->max_norm && s->optim.kind == DNN_OPT_LBFGS)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--max-norm' is not used by lbfgs");
	if (ov->weight && spec_set_weight(s, ov->weight, e))
		return -1;
	if (spec_check(s, NULL, e)) {
		e->code = DNN_EX_USAGE;
		return -1;
	}
	return 0;
}

/* The options that override the spec s (the learning rate left out for
 * --learning-rate auto). */
static int apply_overrides(struct dnn_spec *s, const struct train_overrides *ov, int auto_lr,
			   struct dnn_error *e)
{
	static const char *const keys[] = {"epochs", "batch_size", "seed",
					   "optimizer.learning_rate"};
	const char *lr = auto_lr ? NULL : ov->learning_rate;
	const char *const args[] = {ov->epochs, ov->batch_size, ov->seed, lr};

	if (apply_hparams(s, keys, args, sizeof keys / sizeof keys[0], e))
		return -1;
	if (lr)
		s->optim.learning_rate_given = 1;
	if (ov->optimizer && spec_set_optimizer(s, ov->optimizer, e))
		return -1;
	if (apply_optim_overrides(s, ov, e))
		return -1;
	if (ov->validation && hparam_set_arg(s, hparam_find("data.validation"), ov->validation, e))
		return -1;
	if (ov->dropout && hparam_set_arg(s, hparam_find("layers[].dropout"), ov->dropout, e))
		return -1;
	if (ov->input_dropout &&
	    hparam_set_arg(s, hparam_find("input_dropout"), ov->input_dropout, e))
		return -1;
	if (ov->norm && spec_set_norm(s, ov->norm, e))
		return -1;
	if (apply_weight_overrides(s, ov, e))
		return -1;
	if (ov->target && spec_set_targets(s, ov->target, e))
		return -1;
	if (ov->ignore && spec_set_ignore(s, ov->ignore, e))
		return -1;
	if (ov->categorical && spec_set_categorical(s, ov->categorical, e))
		return -1;
	if (ov->precision)
		s->precision = ov->precision - 1;
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

/* --resume: the checkpoint, with its training state, and its spec. */
static int load_resume(struct dnn_model *prev, const char *path, struct dnn_spec *spec,
		       struct dnn_error *e)
{
	const char *name = input_name(path);

	if (ckpt_load(prev, path, e))
		return -1;
	if (!prev->train_state)
		return dnn_error_set(e, DNN_EX_DATA, name, 0, 0,
				     "no training state to resume from (written by an older "
				     "dnn, or after training diverged)");
	return spec_parse_stored(spec, prev->spec_json, name, e);
}

/* --more-epochs N: the spec's epochs become the checkpoint's and N more,
 * within the range of --epochs. */
static int more_epochs(struct train_job *j, struct dnn_error *e)
{
	const struct dnn_hparam *h = hparam_find("epochs");
	unsigned long n, done = (unsigned long)j->prev.history.n;

	if (cli_ulong("--more-epochs", j->a->ov.more_epochs, 1, (unsigned long)h->max, &n, e))
		return -1;
	if (n > (unsigned long)h->max - done)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--more-epochs': %lu epochs after the %lu of %s pass "
				     "the most, %.0f",
				     n, done, j->spec_name, h->max);
	j->spec.epochs = done + n;
	return 0;
}

/* Under MPI, standard input reaches rank 0 alone: a usage error. */
static int check_stdin_shared(const struct train_job *j, struct dnn_error *e)
{
	const struct train_args *a = j->a;
	const char *what = strcmp(a->spec_path, "-") == 0		  ? "spec"
			   : strcmp(a->data_path, "-") == 0		  ? "data"
			   : a->val_path && strcmp(a->val_path, "-") == 0 ? "validation data"
									  : NULL;

	if (!j->shared || !what)
		return 0;
	return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
			     "standard input reaches only the first MPI rank; give the %s as a "
			     "file",
			     what);
}

int train_job_load(struct train_job *j, struct dnn_error *e)
{
	const struct train_args *a = j->a;

	if (check_stdin_shared(j, e))
		return -1;
	/* --learning-rate auto: chosen once the network exists (build). */
	j->auto_lr = a->ov.learning_rate && strcmp(a->ov.learning_rate, "auto") == 0;
	if (j->auto_lr && a->resume_path)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "'--learning-rate auto' chooses the rate at the initial "
				     "weights; it cannot be used with --resume");
	/* The checkpoint's network is trained on as it is. */
	if (a->resume_path && (a->ov.dropout || a->ov.input_dropout || a->ov.norm))
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '%s' changes the network; it cannot be used with "
				     "--resume",
				     a->ov.dropout	 ? "--dropout"
				     : a->ov.input_dropout ? "--input-dropout"
							   : "--norm");
	if (dist_agree(a->resume_path ? load_resume(&j->prev, a->resume_path, &j->spec, e)
		       : a->spec_text ? spec_parse(&j->spec, a->spec_text, strlen(a->spec_text),
						   a->spec_path, e)
				      : spec_load(&j->spec, a->spec_path, e),
		       e))
		return -1;
	if (dist_agree(apply_overrides(&j->spec, &a->ov, j->auto_lr, e), e))
		return -1;
	if (a->ov.more_epochs && more_epochs(j, e))
		return -1;
	if (j->auto_lr && j->spec.optim.kind != DNN_OPT_SGD)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "'--learning-rate auto' is the step of sgd ((1 - momentum) / "
				     "lambda_max); the optimizer is %s",
				     spec_optim_name(j->spec.optim.kind));
	return 0;
}

/* ---- 2. data: the training rows and the validation rows ---- */

/* The data of a resumed run must have the columns and classes the
 * checkpoint was trained on. */
static int check_resume_data(const struct train_job *j, struct dnn_error *e)
{
	const struct dnn_model *prev = &j->prev;
	const struct dnn_trained m = {prev->col_names,	 prev->col_role,  prev->n_cols,
				      prev->class_names, prev->n_classes, prev->cats,
				      prev->n_cats,	 prev->net->n_in};

	return rows_check_trained(&m, &j->d, j->data_name, j->spec_name, e);
}

/* The loss decides the task: warn when a classification's target looks
 * like a number to predict: numbers all, with more classes than a tenth of
 * the rows or with fractions among them. */
static void warn_task(const struct train_job *j)
{
	const struct dnn_dataset *d = &j->d;
	size_t rows = d->n_rows_total ? d->n_rows_total : d->n_rows, col = 0, frac = SIZE_MAX;
	int numbers = d->n_classes > 0;
	double v;

	if (j->a->quiet || !j->root || j->a->resume_path || d->task != DNN_TASK_CLASSIFICATION)
		return;
	for (size_t k = 0; k < d->n_classes && numbers; k++) {
		numbers = util_parse_double(d->class_names[k], &v) == 0;
		if (numbers && frac == SIZE_MAX && v != floor(v))
			frac = k;
	}
	while (col < d->n_cols && d->col_role[col] != DNN_COL_TARGET)
		col++;
	/* Text labels are classes, however many. */
	if (col == d->n_cols || !numbers || (frac == SIZE_MAX && d->n_classes * 10 <= rows))
		return;
	if (frac != SIZE_MAX)
		report_warn("target '%s' holds numbers with fractions (such as %s), taken as %zu "
			    "class labels by the loss %s; to predict the number, set \"loss\": "
			    "\"mse\" and a linear output",
			    d->col_names[col], d->class_names[frac], d->n_classes,
			    loss_name(j->spec.loss));
	else
		report_warn("target '%s' has %zu classes in %zu rows (more than a tenth of the "
			    "rows) under the loss %s; to predict a number, set \"loss\": \"mse\" "
			    "and a linear output",
			    d->col_names[col], d->n_classes, rows, loss_name(j->spec.loss));
}

/* A resumed run's data is loaded like the checkpoint's (like): its columns'
 * names, roles, targets and weight column, so that the file's columns are
 * matched to them by name, in any order. */
static int resume_like(const struct train_job *j, struct dnn_dataset *like, struct dnn_error *e)
{
	const struct dnn_model *prev = &j->prev;
	const struct dnn_column_ref *w = j->spec.data.weight;

	memset(like, 0, sizeof *like);
	like->col_names = prev->col_names;
	like->col_role = prev->col_role;
	like->n_cols = prev->n_cols;
	for (size_t c = 0; c < prev->n_cols; c++)
		like->n_targets += prev->col_role[c] == DNN_COL_TARGET;
	like->has_weight = w != NULL;
	return w ? data_resolve_column(w, "weight", prev->col_names, prev->n_cols, j->spec_name,
				       &like->weight_col, e)
		 : 0;
}

/* The columns of a resumed run's data put in the checkpoint's order. */
static int order_resume_data(struct train_job *j, struct dnn_error *e)
{
	const struct dnn_model *prev = &j->prev;
	const struct dnn_trained m = {prev->col_names,	 prev->col_role,  prev->n_cols,
				      prev->class_names, prev->n_classes, prev->cats,
				      prev->n_cats,	 prev->net->n_in};

	return rows_to_trained_order(&j->d, &m, j->data_name, j->spec_name, e);
}

/* --validation-data: its rows, loaded with the columns of the training data
 * matched by name (dopts.like), appended to them. */
static int load_validation(struct train_job *j, struct dnn_data_opts *dopts, struct dnn_error *e)
{
	struct dnn_dataset v = {0};
	int rc;

	dopts->like = &j->d; /* its columns matched to the training data's by name */
	if (data_load(&v, j->a->val_path, dopts, e)) {
		data_free(&v);
		return -1;
	}
	j->n_val = v.n_rows;
	rc = rows_append(&j->d, &v, input_name(j->a->val_path), e);
	data_free(&v);
	return dist_agree(rc, e);
}

/* DATA, through its cache with --cache (one process: check_args). */
static int load_data(struct train_job *j, const struct dnn_data_opts *o, struct dnn_error *e)
{
	int how;

	if (!j->a->cache_path)
		return data_load(&j->d, j->a->data_path, o, e);
	if (dcache_data_load(&j->d, j->a->data_path, o, j->a->cache_path, &how, e))
		return -1;
	if (how == DCACHE_REBUILT && !j->a->quiet)
		report_warn("%s: dataset cache stale (%s or the options changed), rebuilt",
			    j->a->cache_path, j->a->data_path);
	return 0;
}

int train_job_data(struct train_job *j, struct dnn_error *e)
{
	const struct dnn_spec *s = &j->spec;
	struct dnn_data_opts dopts = {
	    .csv = j->a->csv,
	    .targets = s->data.targets,
	    .n_targets = s->data.n_targets,
	    .ignore = s->data.ignore,
	    .n_ignore = s->data.n_ignore,
	    .categorical = s->data.categorical,
	    .n_categorical = s->data.n_categorical,
	    .weight = s->data.weight,
	    .task = s->loss == DNN_LOSS_MSE ? DNN_TASK_REGRESSION : DNN_TASK_CLASSIFICATION,
	    .shard = j->shared,
	};
	struct dnn_dataset like;
	double t_start = report_now();

	model_csv_defaults(j->a->resume_path ? &j->prev : NULL, &dopts.csv);
	j->csv = dopts.csv;
	dopts.csv.missing_ok = s->data.missing == DNN_MISSING_MEAN;
	if (j->a->resume_path) {
		if (dist_agree(resume_like(j, &like, e), e))
			return -1;
		dopts.like = &like;
	}
	/* Collective: all ranks fail alike. */
	if (load_data(j, &dopts, e))
		return -1;
	dopts.like = NULL;
	if (dist_agree(j->a->resume_path && order_resume_data(j, e), e))
		return -1;
	report_read(&j->rep, &j->d, j->data_name, report_now() - t_start, j->shared);
	if (dist_agree(prepare_output_width(s, &j->d, j->spec_name, j->data_name, &j->n_out, e), e))
		return -1;
	if (dist_agree(j->a->resume_path && check_resume_data(j, e), e))
		return -1;
	j->spec.layers[s->n_layers - 1].units = j->n_out;
	if (j->a->val_path) {
		if (load_validation(j, &dopts, e))
			return -1;
	} else if (s->data.validation > 0.0) {
		if (dist_agree(
			data_split(&j->d, s->data.validation, s->seed, &j->n_val, j->data_name, e),
			e))
			return -1;
	}
	j->n_train = j->d.n_rows - j->n_val;
	warn_task(j);
	return dist_agree(data_train_ids(&j->d, j->n_train, e), e);
}

/* ---- 3. prepare: fill, normalization, targets ---- */

int train_job_prepare(struct train_job *j, struct dnn_error *e)
{
	struct dnn_model *m = &j->model, *prev = &j->prev;
	double n_filled;

	if (j->a->resume_path) {
		/* The checkpoint's fill values and normalization. */
		m->fill = prev->fill;
		m->in_norm = prev->in_norm;
		m->out_norm = prev->out_norm;
		prev->fill = NULL;
		memset(&prev->in_norm, 0, sizeof prev->in_norm);
		memset(&prev->out_norm, 0, sizeof prev->out_norm);
	}
	if (dist_agree(prepare_rows(m, &j->d, j->n_train, &j->spec, !j->a->resume_path, j->n_out,
				    &j->t, &n_filled, j->data_name, e),
		       e))
		return -1;
	report_filled(&j->rep, n_filled);
	j->targets = j->t ? j->t : j->d.y;
	/* The loss's targets and the rows' weights, validation rows too. */
	if (j->t)
		loss_smooth_targets(j->spec.loss, j->t, j->n_train + j->n_val, j->n_out,
				    j->spec.label_smoothing);
	return dist_agree(weights_rows(&j->spec, &j->d, j->n_train, j->n_val, j->spec_name,
				       &j->w, e),
			  e);
}

/* ---- 4. build: network, learning rate, optimizer, resume state ---- */

/* Bytes that training the network needs: weights, gradients, optimizer
 * state and the best weights (per_param floats per parameter), activations
 * and deltas of a batch. -1 when the count overflows a size_t. */
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

/* Floats per parameter: the weights and their gradient, the optimizer's
 * state, and with early stopping two copies more. */
static size_t floats_per_param(const struct dnn_spec *spec)
{
	return 2 + optim_memory_floats(&spec->optim) + (spec->patience ? 2 : 0);
}

/* Refuse (71) a network whose training needs more memory than the machine
 * has, before anything is allocated for it. */
static int check_memory(const char *spec_name, size_t n_in, const size_t *units, size_t n_layers,
			size_t batch, const struct dnn_spec *spec, struct dnn_error *e)
{
	size_t per_param = floats_per_param(spec);
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
	double have = pages > 0 && page > 0 ? (double)pages * (double)page : 0.0;
	char need_s[32], have_s[32];
	size_t bytes;

	if (train_memory(n_in, units, n_layers, batch, per_param, &bytes) == 0 &&
	    (have == 0.0 || (double)bytes <= have))
		return 0;
	report_human_size(have, have_s, sizeof have_s);
	if (train_memory(n_in, units, n_layers, batch, per_param, &bytes) != 0)
		return dnn_error_set(e, DNN_EX_OSERR, spec_name, 0, 0,
				     "the network needs more than 16.0 EiB of memory to train, "
				     "more than the %s this machine has",
				     have_s);
	report_human_size((double)bytes, need_s, sizeof need_s);
	return dnn_error_set(e, DNN_EX_OSERR, spec_name, 0, 0,
			     "the network needs %s of memory to train (%zu bytes), more than the "
			     "%s this machine has",
			     need_s, bytes, have_s);
}

int train_job_memory(const struct train_job *j, size_t *bytes)
{
	const struct dnn_spec *s = &j->spec;
	size_t *units = util_malloc_array(s->n_layers, sizeof *units);
	int rc;

	if (!units)
		return -1;
	for (size_t l = 0; l < s->n_layers; l++)
		units[l] = s->layers[l].units;
	rc = train_memory(j->d.n_in, units, s->n_layers,
			  s->batch_size < j->n_train ? s->batch_size : j->n_train,
			  floats_per_param(s), bytes);
	free(units);
	return rc;
}

/* A step layer passes no gradient back (its derivative is zero wherever it
 * exists), so the layers up to the last one keep their initial weights. */
static void warn_step_layers(const struct dnn_spec *s, const struct report *r)
{
	size_t last = s->n_layers;

	for (size_t l = 0; l < s->n_layers; l++)
		if (s->layers[l].activation == DNN_ACT_STEP)
			last = l;
	if (r->quiet || last == s->n_layers)
		return;
	report_warn("layers[%zu] uses step, whose derivative is zero: layers 0 to %zu keep "
		    "their initial weights",
		    last, last);
}

/* The spec's network, once its memory is known to fit: a new one with its
 * initial weights, or the checkpoint's. */
static int build_net(struct train_job *j, struct dnn_error *e)
{
	const struct dnn_spec *s = &j->spec;
	size_t *units = util_malloc_array(s->n_layers, sizeof *units);
	int *acts = util_malloc_array(s->n_layers, sizeof *acts);
	int rc = dist_agree(!units || !acts ? dnn_error_oom(e) : 0, e);

	if (rc == 0) {
		for (size_t l = 0; l < s->n_layers; l++) {
			units[l] = s->layers[l].units;
			acts[l] = s->layers[l].activation;
		}
		rc = dist_agree(
		    check_memory(j->spec_name, j->d.n_in, units, s->n_layers,
				 s->batch_size < j->n_train ? s->batch_size : j->n_train, s, e),
		    e);
	}
	if (rc == 0) {
		warn_step_layers(s, &j->rep);
		if (j->a->resume_path) {
			j->model.net = j->prev.net;
			j->prev.net = NULL;
		} else {
			j->model.net = net_new_spec(j->d.n_in, s, e);
			rc = dist_agree(!j->model.net, e);
		}
	}
	free(units);
	free(acts);
	if (rc)
		return -1;
	rng_seed(&j->rng, s->seed);
	if (!j->a->resume_path)
		net_init_spec(j->model.net, s, &j->rng);
	return 0;
}

/* --learning-rate auto: (1 - momentum) / lambda_max of the loss's Hessian at
 * the initial weights, on the rows one process would sample. */
static int choose_rate(struct train_job *j, struct dnn_error *e)
{
	struct dnn_optim_spec *o = &j->spec.optim;
	float *xs = NULL, *ts = NULL;
	size_t k = j->n_train;
	double lmax;
	int rc;

	/* Collective: all ranks fail alike. */
	if (j->shared &&
	    prepare_gather_sample(&j->d, j->targets, j->n_train, j->n_out, &xs, &ts, &k, e))
		return -1;
	rc = hvp_auto_learning_rate(j->model.net, xs ? xs : j->d.x, ts ? ts : j->targets, k,
				    o->momentum, j->spec.seed, &o->learning_rate, &lmax, e);
	free(xs);
	free(ts);
	if (dist_agree(rc, e))
		return -1;
	report_auto_lr(&j->rep, o->learning_rate, o->momentum, lmax);
	return 0;
}

/* j->max_norm, one value per row of the net (0: none), when a spec layer
 * has a max_norm: each spec layer is one dense row, in order
 * (net_spec_rows), whatever rows follow it. */
static int build_max_norm(struct train_job *j, struct dnn_error *e)
{
	const struct dnn_spec *s = &j->spec;
	const struct dnn_net *net = j->model.net;
	size_t l = 0;

	while (l < s->n_layers && !(s->layers[l].max_norm > 0.0))
		l++;
	if (l == s->n_layers)
		return 0;
	j->max_norm = util_calloc_array(net->n_layers, sizeof *j->max_norm);
	if (!j->max_norm)
		return dnn_error_oom(e);
	for (size_t r = 0, k = 0; r < net->n_layers && k < s->n_layers; r++)
		if (net->layers[r].kind->id == DNN_LAYER_DENSE)
			j->max_norm[r] = s->layers[k++].max_norm;
	return 0;
}

/* The optimizer, early stopping's buffers, the schedule; with --resume, the
 * state the checkpoint's training left off in. */
static int build_optim(struct train_job *j, struct dnn_error *e)
{
	const struct dnn_spec *s = &j->spec;
	struct dnn_net *net = j->model.net;
	size_t n_params = net->n_params;

	j->opt = optim_new(&s->optim, n_params, e);
	/* A spec key the network cannot take names the spec. */
	if (!j->opt && e->code == DNN_EX_DATA && !e->file[0])
		snprintf(e->file, sizeof e->file, "%s", j->spec_name);
	if (dist_agree(!j->opt, e))
		return -1;
	if (dist_agree(build_max_norm(j, e), e))
		return -1;
	if (s->patience) {
		j->early.best = util_malloc_array(net_n_saved(net), sizeof *j->early.best);
		j->early.last = util_malloc_array(net_n_saved(net), sizeof *j->early.last);
		if (dist_agree(!j->early.best || !j->early.last ? dnn_error_oom(e) : 0, e))
			return -1;
	}
	sched_init(&j->sched, &s->schedule, s->optim.learning_rate, s->epochs);
	if (!j->a->resume_path)
		return 0;
	if (dist_agree(train_state_decode(j->prev.train_state, j->prev.train_state_len,
					  j->spec_name, &j->done, &j->rng, net->params, net->state,
					  net->n_state, j->opt, &j->sched, &j->early, e),
		       e))
		return -1;
	if (j->done >= s->epochs)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "%s has trained %lu epochs already; ask for more with "
				     "--more-epochs N, or --epochs in all",
				     j->spec_name, j->done);
	j->model.history = j->prev.history;
	memset(&j->prev.history, 0, sizeof j->prev.history);
	return 0;
}

int train_job_build(struct train_job *j, struct dnn_error *e)
{
	if (build_net(j, e))
		return -1;
	if (j->auto_lr && choose_rate(j, e))
		return -1;
	return build_optim(j, e);
}

/* ---- 5. run: signals, training, the log ---- */

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

/* train_run over the job's rows, with the epochs reported (rank 0) and
 * SIGINT and SIGTERM caught; sets j->trained, or j->train_err. */
static void run_training(struct train_job *j)
{
	const struct dnn_dataset *d = &j->d;
	const struct dnn_rows train_rows = {j->n_train, d->x, j->targets, j->w};
	const struct dnn_rows val_rows = {j->n_val, d->x + j->n_train * d->n_in,
					  j->targets + j->n_train * j->n_out,
					  j->w ? j->w + j->n_train : NULL};
	const struct dnn_train_opts topts = {
	    .first_epoch = j->done + 1,
	    .epochs = j->spec.epochs,
	    .batch_size = j->spec.batch_size,
	    .classification = d->task == DNN_TASK_CLASSIFICATION,
	    .target_scale = d->task == DNN_TASK_REGRESSION ? j->model.out_norm.scale : NULL,
	    .sched = &j->sched,
	    .patience = j->spec.patience,
	    .stop = &j->stop,
	    .early = &j->early,
	    .interrupt = &got_signal,
	    .on_epoch = j->root ? report_epoch : NULL,
	    .on_batch = j->root ? report_progress : NULL,
	    .ctx = &j->rep,
	    .gid = j->shared ? d->train_gid : NULL,
	    .n_total = d->n_train_total,
	    .max_norm = j->max_norm,
	    .seed = j->spec.seed,
	};

	catch_signals(j->old_sig);
	j->caught = 1;
	j->trained = train_run(j->model.net, j->opt, &j->rng, &train_rows, &val_rows, &topts,
			       &j->model.history, &j->train_err) == 0;
	saving = 1;
}

int train_job_run(struct train_job *j, struct dnn_error *e)
{
	const struct train_args *a = j->a;
	int bad = 0;
	double t_start;

	/* The log is written as training goes (it can be followed); the plot
	 * and the checkpoint replace their files at the end. */
	if (a->log_path && j->root)
		bad = afile_open(&j->logf, a->log_path, AFILE_STREAM, e);
	if (dist_agree(bad, e))
		return -1;
	mat_set_precision(j->spec.precision);
	report_precision(&j->rep, j->spec.precision);
	report_start(&j->rep, j->spec.epochs, j->logf.f);
	if (a->sharpness && j->root &&
	    train_sharp_init(&j->sharp, j->model.net, j->d.x, j->targets, j->n_train,
			     &j->spec.optim,
			     a->sharpness_samples ? a->sharpness_samples : 1000, a->sharpness,
			     j->spec.epochs, j->spec.seed, &j->rep, e))
		bad = 1;
	if (dist_agree(bad, e))
		return -1;
	t_start = report_now();
	run_training(j);
	report_progress_clear(&j->rep);
	report_trained(&j->rep, j->model.history.n - j->done, j->d.n_train_total,
		       report_now() - t_start, &j->stop, j->shared, j->model.net->n_params);
	train_sharp_report(&j->sharp, &j->rep);
	if (!j->trained && j->train_err.code != DNN_EX_FAIL &&
	    j->train_err.code != DNN_EX_INTERRUPT) {
		*e = j->train_err;
		return -1;
	}
	report_stop(&j->rep, &j->stop, &j->model.history, j->spec.patience);
	return 0;
}

/* ---- 6. save: plot, checkpoint, log ---- */

static int fill_names(struct train_job *j, struct dnn_error *e);

/* The checkpoint's contents beyond the network: fill_names, and what
 * --resume needs to continue (unless training diverged). */
static int fill_model(struct train_job *j, struct dnn_error *e)
{
	struct dnn_model *m = &j->model;

	if (fill_names(j, e))
		return -1;
	if (!j->trained && j->train_err.code != DNN_EX_INTERRUPT)
		return 0;
	const struct dnn_net *net = m->net;
	const float *last = j->stop.restored ? j->early.last : net->params;
	const float *state = j->stop.restored ? j->early.last + net->n_params : net->state;

	m->train_state = train_state_encode(m->history.n, &j->rng, last, state, net->n_state, j->opt,
					    &j->sched, &j->early, &m->train_state_len);
	return m->train_state ? 0 : dnn_error_oom(e);
}

int train_job_save_init(struct train_job *j, struct dnn_error *e)
{
	if (!j->a->init_path)
		return 0;
	if (dist_agree(fill_names(j, e), e))
		return -1;
	return dist_agree(j->root && ckpt_save(&j->model, j->a->init_path, e), e);
}

/* The checkpoint's contents beyond the network and the resume state: the
 * spec, what wrote it, the dataset's names (taken over from it, once). */
static int fill_names(struct train_job *j, struct dnn_error *e)
{
	struct dnn_model *m = &j->model;
	struct dnn_dataset *d = &j->d;

	if (m->spec_json)
		return 0;
	m->spec_json = spec_to_json(&j->spec);
	m->writer = util_strdup("dnn " PACKAGE_VERSION);
	model_set_csv(m, &j->csv);
	m->written = env_write_time();
	if (!m->spec_json || !m->writer)
		return dnn_error_oom(e);
	m->n_cols = d->n_cols;
	m->col_names = d->col_names;
	m->col_role = d->col_role;
	m->task = d->task;
	m->n_classes = d->n_classes;
	m->class_names = d->class_names;
	m->n_cats = d->n_cats;
	m->cats = d->cats;
	d->cats = NULL;
	d->n_cats = 0;
	d->col_names = NULL;
	d->col_role = NULL;
	d->class_names = NULL;
	return 0;
}

/* Training diverged or was interrupted, and its weights were saved: the
 * error that says so. */
static int stopped_error(const struct train_job *j, struct dnn_error *e)
{
	const struct dnn_error *te = &j->train_err;

	if (te->code == DNN_EX_INTERRUPT)
		return dnn_error_set(e, te->code, NULL, 0, 0, "%s by %s; saved the weights to %s",
				     te->msg,
				     got_signal == SIGTERM  ? "SIGTERM"
				     : got_signal == SIGINT ? "SIGINT"
							    : "a signal to another MPI rank",
				     j->output);
	return dnn_error_set(e, te->code, NULL, 0, 0, "%s; saved the weights of epoch %zu to %s",
			     te->msg, j->model.history.n, j->output);
}

/* A write to the log failed (its reader closed a pipe, a full disk):
 * logging stopped there, training went on and its checkpoint was saved;
 * the error (74) that says so. */
static int log_error(const struct train_job *j, struct dnn_error *e)
{
	const char *log = j->a->log_path;

	return dnn_error_set(e, DNN_EX_IO, NULL, 0, 0,
			     "write error on the log%s%s%s: %s; logging stopped at epoch %lu, "
			     "training went on and saved the checkpoint to %s",
			     strcmp(log, "-") ? " '" : " (standard output)",
			     strcmp(log, "-") ? log : "", strcmp(log, "-") ? "'" : "",
			     strerror(j->rep.log_errno), j->rep.log_epoch, j->output);
}

int train_job_save(struct train_job *j, struct dnn_error *e)
{
	struct plot_sharpness sh;
	int bad = 0;
	double t_start;

	if (j->a->plot_path && j->root)
		bad = afile_open(&j->plotf, j->a->plot_path, 0, e) ||
		      plot_history(&j->plotf, &j->model.history,
				   j->d.task == DNN_TASK_CLASSIFICATION,
				   train_sharp_plot(&j->sharp, &sh), e);
	if (dist_agree(bad, e))
		return -1;
	if (dist_agree(fill_model(j, e), e))
		return -1;
	t_start = report_now();
	if (dist_agree(j->root && ckpt_save(&j->model, j->output, e), e))
		return -1;
	/* The checkpoint saved, the plot and the log are kept too (a log whose
	 * writes failed is removed). */
	if (j->rep.log_failed)
		afile_abort(&j->logf);
	if (dist_agree(j->root && (afile_commit(&j->plotf, e) || afile_commit(&j->logf, e)), e))
		return -1;
	report_wrote(&j->rep, j->output, report_now() - t_start);
	if (!j->trained)
		return stopped_error(j, e);
	report_saved(&j->rep, j->output);
	return dist_agree(j->rep.log_failed ? log_error(j, e) : 0, e);
}

void train_job_free(struct train_job *j)
{
	/* A failed run leaves no new files behind (a diverged or interrupted
	 * one has committed its checkpoint, log and plot in save). */
	afile_abort(&j->plotf);
	afile_abort(&j->logf);
	if (j->caught)
		restore_signals(j->old_sig);
	free(j->output);
	free(j->t);
	free(j->w);
	free(j->max_norm);
	optim_free(j->opt);
	free(j->early.best);
	free(j->early.last);
	train_sharp_free(&j->sharp);
	model_free(&j->prev);
	model_free(&j->model);
	data_free(&j->d);
	spec_free(&j->spec);
}
