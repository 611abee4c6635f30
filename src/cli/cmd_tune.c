/* dnn tune: a search over the values a space leaves open (random, grid or
 * successive halving), each trial trained and scored as dnn cv's folds are
 * (in this process, in children side by side, or on MPI ranks), logged as
 * it ends, ranked, and the best written as a spec and a model. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "afile.h"
#include "cli.h"
#include "cmds.h"
#include "data.h"
#include "dist.h"
#include "fit.h"
#include "folds.h"
#include "jobs.h"
#include "loss.h"
#include "mat.h"
#include "opts.h"
#include "prepare.h"
#include "report.h"
#include "split.h"
#include "train_job.h"
#include "tune.h"
#include "util.h"

static const char tune_usage[] =
	"Usage: dnn tune [OPTIONS] SPACE DATA\n"
	"Search the values SPACE leaves open: SPACE is a spec (dnn-spec(5)) in\n"
	"which values may be search objects, {\"choice\": [...]}, {\"uniform\": [a, b]},\n"
	"{\"log_uniform\": [a, b]} or {\"int\": [a, b]}. Each trial trains a concrete\n"
	"spec on DATA (CSV, plain or gzip-compressed) and is scored on held-out rows\n"
	"(--validation, --validation-data) or by cross-validation (--folds); the\n"
	"trials are ranked by accuracy (classification) or MSE (regression).\n"
	"\n"
	"Options:\n";

#define TUNE_MAX_GRID 100000
#define TUNE_MAX_TRIALS 100000

struct tune_args {
	const char *method, *budget, *seed, *log_path, *resume_path, *val_path;
	const char *out_path, *model_path, *plot_path;
	unsigned long trials, folds, eta, top, threads;
	double validation;
	int json;
	struct dnn_csv_opts csv;
	const char *space_path, *data_path;
};

/* The search under way. */
struct tune_run {
	const struct tune_args *a;
	struct dnn_space sp;
	struct tune_search s;
	struct dnn_dataset d;
	const char *space_name, *data_name;
	size_t *rows, n_train, n_test; /* validation: the training rows, then the held out */
	uint32_t *fold;		       /* --folds: each row's fold */
	double deadline;	       /* --budget in seconds: when to start no more; else 0 */
	unsigned long epoch_budget;    /* --budget in epochs; else 0 */
	unsigned long epochs_planned;
	struct tune_logged *logged; /* --resume-log */
	size_t n_logged;
	FILE *log;
	int log_err, stop_logging, ended;
	unsigned procs;
	size_t *batch, n_batch; /* the trials a jobs_run runs (indexes into s.t) */
};

/* Set by SIGINT or SIGTERM: no trial starts, those at work stop. */
static volatile sig_atomic_t tune_stop;

static void on_signal(int sig)
{
	(void)sig;
	tune_stop = 1;
}

/* ---- trials ---- */

/* "SPACE (trial N: key=value, ...)": the name that a trial's spec errors
 * carry (malloc'd; NULL when out of memory). */
static char *trial_name(const struct tune_run *r, size_t number, const double *v)
{
	size_t cap = 256, len;
	char *buf = malloc(cap);

	if (!buf)
		return NULL;
	snprintf(buf, cap, "%s (trial %zu:", r->space_name, number + 1);
	for (size_t p = 0; p < r->sp.n_params; p++) {
		char *val = space_value_json(&r->sp, p, v[p]);
		size_t need;

		len = strlen(buf);
		need = len + strlen(r->sp.params[p].path) + (val ? strlen(val) : 1) + 8;
		if (need > cap) {
			char *nb = realloc(buf, need * 2);

			if (!nb) {
				free(val);
				free(buf);
				return NULL;
			}
			buf = nb;
			cap = need * 2;
		}
		snprintf(buf + len, cap - len, "%s %s=%s", p ? "," : "", r->sp.params[p].path,
			 val ? val : "?");
		free(val);
	}
	len = strlen(buf);
	snprintf(buf + len, cap - len, ")");
	return buf;
}

/* Add trial (point, rung) with at most budget epochs (0: its spec's): its
 * values, its concrete spec, checked as dnn train checks a spec. */
static int add_trial(struct tune_run *r, size_t point, size_t rung, unsigned long budget,
		     struct dnn_error *e)
{
	struct tune_search *s = &r->s;
	struct tune_trial *t;
	char *name;
	int rc;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;

		if (!(t = util_realloc_array(s->t, cap, sizeof *t)))
			return dnn_error_oom(e);
		s->t = t;
		s->cap = cap;
	}
	t = &s->t[s->n];
	memset(t, 0, sizeof *t);
	t->number = s->n;
	t->point = point;
	t->rung = rung;
	if (!(t->v = util_malloc_array(r->sp.n_params ? r->sp.n_params : 1, sizeof *t->v)))
		return dnn_error_oom(e);
	s->n++;
	if (strcmp(s->method, "grid") == 0)
		space_grid_point(&r->sp, point, t->v);
	else
		space_sample(&r->sp, s->seed, point, t->v);
	if (!(t->spec_text = space_spec_json(&r->sp, t->v, budget, 0)))
		return dnn_error_oom(e);
	if (!(name = trial_name(r, t->number, t->v)))
		return dnn_error_oom(e);
	rc = spec_parse(&t->spec, t->spec_text, strlen(t->spec_text), name, e);
	if (rc == 0)
		rc = spec_check(&t->spec, name, e);
	free(name);
	if (rc)
		return -1;
	if (r->a->seed)
		t->spec.seed = s->seed;
	t->budget = t->spec.epochs;
	return 0;
}

/* The job of a trial (i: its place in the batch): trained and scored on
 * the held-out rows, or on each fold with the figures averaged. */
static int tune_job(size_t i, void *ctx, void *out, struct dnn_error *e)
{
	const struct tune_run *r = ctx;
	const struct tune_trial *t = &r->s.t[r->batch[i]];
	const struct dnn_fit_opts o = {r->space_name, r->data_name, &tune_stop};
	struct tune_result *res = out;
	unsigned long k = r->fold ? r->a->folds : 1;
	size_t *rows = r->rows, n_train = r->n_train, n = r->d.n_rows, len;
	struct dnn_fit_score sc, sum = {0};
	struct dnn_error err;

	memset(res, 0, sizeof *res);
	res->status = tune_stop ? TUNE_INTERRUPTED
		      : r->deadline > 0.0 && report_now() >= r->deadline ? TUNE_SKIPPED
									 : TUNE_OK;
	if (res->status != TUNE_OK)
		return 0;
	if (r->fold && !(rows = util_malloc_array(n, sizeof *rows)))
		return dnn_error_oom(e);
	for (unsigned long j = 0; j < k; j++) {
		dnn_error_clear(&err);
		if (r->fold)
			folds_rows(r->fold, n, j, rows, &n_train);
		if (fit_score(&t->spec, &r->d, rows, n_train, rows + n_train,
			      r->fold ? n - n_train : r->n_test, &o, &sc, &err)) {
			res->status = err.code == DNN_EX_INTERRUPT ? TUNE_INTERRUPTED : TUNE_FAILED;
			len = strlen(err.msg) < sizeof res->why ? strlen(err.msg)
								: sizeof res->why - 1;
			memcpy(res->why, err.msg, len);
			res->why[len] = '\0';
			break;
		}
		sum.loss += sc.loss / (double)k;
		sum.accuracy += sc.accuracy / (double)k;
		sum.f1 += sc.f1 / (double)k;
		sum.mse += sc.mse / (double)k;
		sum.mae += sc.mae / (double)k;
		sum.r2 += sc.r2 / (double)k;
		sum.epochs += sc.epochs;
		sum.seconds += sc.seconds;
	}
	if (r->fold)
		free(rows);
	res->loss = sum.loss;
	res->accuracy = sum.accuracy;
	res->f1 = sum.f1;
	res->mse = sum.mse;
	res->mae = sum.mae;
	res->r2 = sum.r2;
	res->epochs = (sum.epochs + k / 2) / k;
	res->seconds = sum.seconds;
	return 0;
}

/* A trial of the batch has ended (in order): kept, and logged (rank 0). */
static void tune_done(size_t i, int rc, const void *result, void *ctx)
{
	struct tune_run *r = ctx;
	struct tune_trial *t = &r->s.t[r->batch[i]];

	if (rc) {
		t->r.status = TUNE_INTERRUPTED;
		return;
	}
	memcpy(&t->r, result, sizeof t->r);
	if (t->r.status == TUNE_SKIPPED || t->r.status == TUNE_INTERRUPTED) {
		r->stop_logging = 1; /* the log holds whole runs of trials */
		return;
	}
	t->done = 1;
	if (r->log && !r->stop_logging && !r->log_err && dist_rank() == 0)
		r->log_err = tune_log_write(r->log, &r->s, t) ? errno ? errno : EIO : 0;
}

static int choose_procs(struct tune_run *r, size_t first, struct dnn_error *e);

/* Run the trials from `first` on that the log does not hold (those it
 * holds take its results, checked to be this search's). 0, or -1 with e
 * set (the same on every rank). */
static int run_trials(struct tune_run *r, size_t first, struct dnn_error *e)
{
	struct tune_result *res;
	const struct jobs_watch w = {tune_done, &tune_stop};
	int rc;

	r->n_batch = 0;
	for (size_t i = first; i < r->s.n; i++) {
		struct tune_trial *t = &r->s.t[i];

		if (i < r->n_logged) {
			const struct tune_logged *l = &r->logged[i];

			if (l->point != t->point || l->rung != t->rung || l->budget != t->budget)
				return dnn_error_set(e, DNN_EX_DATA, r->a->resume_path, i + 1, 0,
						     "trial %zu is not the one this search makes "
						     "(the log is of another search or data)",
						     i + 1);
			t->r = l->r;
			t->done = 1;
			continue;
		}
		r->batch[r->n_batch++] = i;
	}
	if (r->n_batch == 0)
		return 0;
	if (!r->procs && choose_procs(r, first, e))
		return -1;
	if (!(res = util_malloc_array(r->n_batch, sizeof *res)))
		return dnn_error_oom(e);
	rc = jobs_run_watched(r->n_batch, sizeof *res, tune_job, r, res, r->procs, &w, e);
	free(res);
	if (rc && tune_stop)
		rc = 0; /* interrupted: the trials that ended are kept */
	if (rc == 0 && r->log_err)
		rc = dnn_error_set(e, DNN_EX_IO, NULL, 0, 0, "cannot write '%s': %s",
				   r->a->log_path ? r->a->log_path : r->a->resume_path,
				   strerror(r->log_err));
	/* Rank 0 alone writes the log: all ranks go on or stop together. */
	return dist_agree(rc, e);
}

/* Whether the search must start no more trials. */
static int search_over(const struct tune_run *r, size_t from)
{
	if (tune_stop || r->ended)
		return 1;
	for (size_t i = from; i < r->s.n; i++)
		if (r->s.t[i].r.status == TUNE_SKIPPED || r->s.t[i].r.status == TUNE_INTERRUPTED)
			return 1;
	return 0;
}

/* Remove the last trial planned. */
static void pop_trial(struct tune_run *r)
{
	struct tune_trial *t = &r->s.t[--r->s.n];

	spec_free(&t->spec);
	free(t->v);
	free(t->spec_text);
}

/* Add trial (point, rung) unless the epochs budget is spent (then the
 * search ends): 1 when added. */
static int plan(struct tune_run *r, size_t point, size_t rung, unsigned long budget,
		struct dnn_error *e, int *err)
{
	if (r->ended)
		return 0;
	if (add_trial(r, point, rung, budget, e)) {
		*err = 1;
		return 0;
	}
	if (r->epoch_budget && r->epochs_planned + r->s.t[r->s.n - 1].budget > r->epoch_budget) {
		pop_trial(r);
		r->ended = 1;
		return 0;
	}
	r->epochs_planned += r->s.t[r->s.n - 1].budget;
	return 1;
}

/* Random search or the grid: the points in order, one batch. */
static int search_flat(struct tune_run *r, size_t n_points, struct dnn_error *e)
{
	int err = 0;

	for (size_t p = 0; p < n_points && plan(r, p, 0, 0, e, &err);)
		p++;
	if (err)
		return -1;
	if (!(r->batch = util_malloc_array(r->s.n ? r->s.n : 1, sizeof *r->batch)))
		return dnn_error_oom(e);
	return run_trials(r, 0, e);
}

/* Successive halving: n points on the smallest budget, the best 1/eta of
 * each rung trained again from the start on eta times the epochs, up to
 * the spec's epochs. */
static int search_halving(struct tune_run *r, size_t n, struct dnn_error *e)
{
	unsigned long eta = r->a->eta, max_epochs, rungs = 0;
	size_t *keep = NULL, n_keep = n, first = 0;
	int err = 0, rc = -1;
	double scale = 1.0;

	/* The spec's epochs: those of point 0, planned and taken back. */
	if (add_trial(r, 0, 0, 0, e))
		return -1;
	max_epochs = r->s.t[0].budget;
	pop_trial(r);
	/* The rungs: while eta^(k+1) trials remain and one epoch at least. */
	while (n_keep >= eta && (double)max_epochs / (scale * (double)eta) >= 1.0) {
		n_keep /= eta;
		scale *= (double)eta;
		rungs++;
	}
	keep = util_malloc_array(n, sizeof *keep);
	r->batch = util_malloc_array(n, sizeof *r->batch);
	if (!keep || !r->batch) {
		dnn_error_oom(e);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		keep[i] = i;
	n_keep = n;
	for (unsigned long k = 0; k <= rungs && n_keep > 0; k++) {
		double eps = (double)max_epochs / pow((double)eta, (double)(rungs - k));
		unsigned long budget = k == rungs ? max_epochs : (unsigned long)floor(eps);

		first = r->s.n;
		for (size_t i = 0; i < n_keep && plan(r, keep[i], k, budget ? budget : 1, e, &err);)
			i++;
		if (err || run_trials(r, first, e))
			goto out;
		if (search_over(r, first) || k == rungs)
			break;
		/* The best of the rung, in rank order, go on. */
		n_keep = (r->s.n - first) / eta;
		for (size_t j = 0; j < n_keep; j++) {
			size_t best = SIZE_MAX;

			for (size_t i = first; i < r->s.n; i++) {
				int taken = 0;

				for (size_t q = 0; q < j; q++)
					taken |= keep[q] == r->s.t[i].point;
				if (!taken && r->s.t[i].r.status == TUNE_OK &&
				    (best == SIZE_MAX ||
				     tune_before(&r->s, &r->s.t[i], &r->s.t[best])))
					best = i;
			}
			if (best == SIZE_MAX) {
				n_keep = j;
				break;
			}
			keep[j] = r->s.t[best].point;
		}
	}
	rc = 0;
out:
	free(keep);
	return rc;
}

/* ---- setting up ---- */

/* --budget: N epochs (all trials together), or Ns, Nm, Nh of wall time. */
static int parse_budget(struct tune_run *r, const char *arg, struct dnn_error *e)
{
	size_t len = strlen(arg);
	char num[64];
	double x, unit = 0.0;

	if (len == 0 || len >= sizeof num)
		goto bad;
	memcpy(num, arg, len + 1);
	if (strchr("smh", num[len - 1])) {
		unit = num[len - 1] == 's' ? 1.0 : num[len - 1] == 'm' ? 60.0 : 3600.0;
		num[len - 1] = '\0';
	}
	if (util_parse_double(num, &x) || !(x > 0.0) || !isfinite(x))
		goto bad;
	if (unit > 0.0) {
		r->deadline = report_now() + x * unit;
		return 0;
	}
	if (x != floor(x) || x > 1e15)
		goto bad;
	r->epoch_budget = (unsigned long)x;
	return 0;
bad:
	return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
			     "option '--budget' needs a number of epochs or a time such as '30s', "
			     "'5m' or '1h', not '%s'",
			     arg);
}

/* The space, with no searched key that changes the data or the task. */
static int load_space(struct tune_run *r, struct dnn_error *e)
{
	char *text;
	size_t len;
	int rc;

	if (spec_read(r->a->space_path, &text, &len, e))
		return -1;
	rc = space_parse(&r->sp, text, len, r->space_name, e);
	free(text);
	if (rc)
		return -1;
	for (size_t p = 0; p < r->sp.n_params; p++) {
		const char *path = r->sp.params[p].path;

		if (strncmp(path, "data", 4) == 0 || strcmp(path, "loss") == 0 ||
		    strncmp(path, "seed", 4) == 0)
			return dnn_error_set(e, DNN_EX_DATA, r->space_name, 0, 0,
					     "%s: cannot be searched (it changes the data, the "
					     "task or the draw, not the model)",
					     path);
		if (strcmp(path, "epochs") == 0 && strcmp(r->s.method, "halving") == 0)
			return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
					     "--method halving chooses the epochs of each rung; "
					     "do not search 'epochs' in %s",
					     r->space_name);
	}
	return 0;
}

/* The data, read with the roles the space's first point gives its columns,
 * and the rows that score: a validation split, --validation-data appended,
 * or the folds. */
static int load_data(struct tune_run *r, const struct dnn_spec *s, struct dnn_error *e)
{
	const struct tune_args *a = r->a;
	struct dnn_data_opts o = {.csv = a->csv};
	int cls;

	o.targets = s->data.targets;
	o.n_targets = s->data.n_targets;
	o.ignore = s->data.ignore;
	o.n_ignore = s->data.n_ignore;
	o.categorical = s->data.categorical;
	o.n_categorical = s->data.n_categorical;
	o.weight = s->data.weight;
	o.task = s->loss == DNN_LOSS_MSE ? DNN_TASK_REGRESSION : DNN_TASK_CLASSIFICATION;
	o.csv.missing_ok = s->data.missing == DNN_MISSING_MEAN;
	if (data_load(&r->d, a->data_path, &o, e))
		return -1;
	cls = r->s.cls = r->d.task == DNN_TASK_CLASSIFICATION;
	if (a->val_path) {
		struct dnn_dataset v = {0};
		size_t n0 = r->d.n_rows;
		int rc;

		o.like = &r->d;
		rc = data_load(&v, a->val_path, &o, e) ||
		     rows_append(&r->d, &v, strcmp(a->val_path, "-") ? a->val_path : "<stdin>", e);
		data_free(&v);
		if (rc)
			return -1;
		r->n_train = n0;
		r->n_test = r->d.n_rows - n0;
	}
	if (a->folds) {
		if (!(r->fold = util_malloc_array(r->d.n_rows, sizeof *r->fold)))
			return dnn_error_oom(e);
		return folds_assign(cls ? r->d.label : NULL, r->d.n_classes, r->d.class_names,
				    r->d.n_rows, a->folds, r->s.seed, 0, r->fold, r->data_name, e);
	}
	if (!(r->rows = util_malloc_array(r->d.n_rows, sizeof *r->rows)))
		return dnn_error_oom(e);
	if (a->val_path) {
		for (size_t i = 0; i < r->d.n_rows; i++)
			r->rows[i] = i;
		return 0;
	} else {
		unsigned char *is_val = util_calloc_array(r->d.n_rows ? r->d.n_rows : 1, 1);
		size_t n_val = split_count(a->validation, r->d.n_rows);
		int rc;

		if (!is_val)
			return dnn_error_oom(e);
		rc = split_choose(cls ? r->d.label : NULL, r->d.n_classes, r->d.class_names,
				  r->d.n_rows, n_val, r->s.seed, is_val, r->data_name, e);
		for (size_t i = 0; rc == 0 && i < r->d.n_rows; i++)
			if (!is_val[i])
				r->rows[r->n_train++] = i;
		for (size_t i = 0; rc == 0 && i < r->d.n_rows; i++)
			if (is_val[i])
				r->rows[r->n_train + r->n_test++] = i;
		free(is_val);
		return rc;
	}
}

/* Children side by side (one thread each) when the largest trial is small
 * enough, else one at a time with the gemm on the cores (dnn-cv(1), PARALLEL
 * FOLDS); one per rank under mpirun. */
static int choose_procs(struct tune_run *r, size_t first, struct dnn_error *e)
{
	unsigned long cores = jobs_cores(r->a->threads);
	int side = 1;
	size_t n_out;

	for (size_t i = first; i < r->s.n && side; i++) {
		if (prepare_output_width(&r->s.t[i].spec, &r->d, r->space_name, r->data_name,
					 &n_out, e))
			return -1;
		side = jobs_side_by_side(&r->s.t[i].spec, &r->d, n_out);
	}
	if (dist_active() || !side) {
		r->procs = 1;
		return mat_set_threads(cores, e);
	}
	r->procs = (unsigned)cores;
	return 0;
}

/* ---- the log, the outputs ---- */

/* --log FILE (new, written in place as it grows) or --resume-log FILE (its
 * trials read, a last line cut short dropped, appended to). */
static int open_log(struct tune_run *r, struct dnn_afile *af, struct dnn_error *e)
{
	const char *path = r->a->resume_path;
	size_t kept;

	if (path) {
		if (tune_log_read(path, &r->s, &r->logged, &r->n_logged, &kept, e))
			return -1;
		if (dist_rank() != 0)
			return 0;
		if (truncate(path, (off_t)kept) || !(r->log = fopen(path, "ab")))
			return dnn_error_set(e, DNN_EX_CANTCREAT, NULL, 0, 0,
					     "cannot append to '%s': %s", path, strerror(errno));
		return 0;
	}
	if (!r->a->log_path || dist_rank() != 0)
		return 0;
	if (afile_open(af, r->a->log_path, AFILE_STREAM, e))
		return -1;
	r->log = af->f;
	return 0;
}

/* -o: the best trial's spec, indented, with the epochs it trained on. */
static int write_best(const struct tune_run *r, const struct tune_trial *b, struct dnn_error *e)
{
	char *text = space_spec_json(&r->sp, b->v, b->budget, 1);
	size_t len;
	int rc;

	if (!text)
		return dnn_error_oom(e);
	len = strlen(text);
	text[len] = '\n'; /* over the NUL: written by length */
	rc = afile_write(r->a->out_path, text, len + 1, e);
	free(text);
	return rc;
}

/* --plot: the score against each searched value (74 on a write error). */
static int write_plot(const struct tune_run *r, struct dnn_error *e)
{
	struct dnn_afile af = {0};

	if (afile_open(&af, r->a->plot_path, 0, e))
		return -1;
	if (tune_plot(af.f, &r->s)) {
		afile_abort(&af);
		return dnn_error_set(e, DNN_EX_IO, NULL, 0, 0, "cannot write '%s': %s",
				     r->a->plot_path, strerror(errno));
	}
	return afile_commit(&af, e);
}

/* --model: the best spec trained on all the rows, as dnn train trains it
 * (collective under mpirun, rank 0 writing). */
static int train_best(const struct tune_run *r, const struct tune_trial *b, struct dnn_error *e)
{
	char *text = space_spec_json(&r->sp, b->v, b->budget, 1), *out;
	char name[64];
	struct train_args ta = {.csv = r->a->csv, .quiet = 1, .threads = r->a->threads};
	char seed[32];
	struct train_job j;
	int rc;

	if (!text || !(out = util_strdup(r->a->model_path))) {
		free(text);
		return dnn_error_oom(e);
	}
	snprintf(name, sizeof name, "the best spec (trial %zu)", b->number + 1);
	snprintf(seed, sizeof seed, "%llu", (unsigned long long)b->spec.seed);
	ta.spec_path = name;
	ta.spec_text = text;
	ta.data_path = r->a->data_path;
	ta.output = r->a->model_path;
	ta.ov.seed = seed;
	if (mat_set_threads(jobs_cores(r->a->threads), e)) {
		free(text);
		free(out);
		return -1;
	}
	train_job_init(&j, &ta, out);
	rc = train_job_load(&j, e) || train_job_data(&j, e) || train_job_prepare(&j, e) ||
	     train_job_build(&j, e) || train_job_run(&j, e) || train_job_save(&j, e);
	train_job_free(&j);
	free(text);
	return rc ? -1 : 0;
}

/* The report and the outputs; then the status: 130 after an interrupt,
 * 65 when no trial trained. */
static int finish(struct tune_run *r, struct dnn_error *e)
{
	const struct tune_trial **ranked;
	const struct tune_trial *best = NULL;
	size_t n_done = 0;
	int root = dist_rank() == 0, rc = 0;

	/* The trials that never ran are not reported. */
	if (!(ranked = tune_ranked(&r->s, &n_done)))
		return dnn_error_oom(e);
	if (n_done && ranked[0]->r.status == TUNE_OK)
		best = ranked[0];
	if (root && n_done) {
		if (r->a->json)
			tune_print_json(&r->s, ranked, n_done);
		else
			tune_print_table(&r->s, ranked, n_done, r->a->top);
	}
	if (!best) {
		const char *why = n_done ? ranked[0]->r.why : "";

		free(ranked);
		if (tune_stop)
			return dnn_error_set(e, DNN_EX_INTERRUPT, NULL, 0, 0,
					     "interrupted before any trial ended");
		if (!n_done)
			return dnn_error_set(e, DNN_EX_FAIL, NULL, 0, 0,
					     "the budget ran out before any trial ended");
		return dnn_error_set(e, DNN_EX_DATA, NULL, 0, 0,
				     "no trial trained; the first failed: %s", why);
	}
	if (root && r->a->out_path)
		rc = write_best(r, best, e);
	if (rc == 0 && root && r->a->plot_path)
		rc = write_plot(r, e);
	rc = dist_agree(rc, e);
	if (rc == 0 && tune_stop)
		rc = dnn_error_set(e, DNN_EX_INTERRUPT, NULL, 0, 0,
				   "interrupted: the best of the %zu trials that ended is reported",
				   n_done);
	if (rc == 0 && r->a->model_path)
		rc = train_best(r, best, e);
	free(ranked);
	return rc;
}

/* ---- the command ---- */

/* Usage checks that need no file. */
static int check_args(const struct tune_args *a, struct dnn_error *e)
{
	static const char *const methods[] = {"random", "grid", "halving"};
	const char *near = util_closest(a->method, methods, 3);

	if (strcmp(a->method, "random") && strcmp(a->method, "grid") &&
	    strcmp(a->method, "halving"))
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--method' needs 'random', 'grid' or 'halving', not "
				     "'%s'%s%s%s",
				     a->method, near ? "; did you mean '" : "", near ? near : "",
				     near ? "'?" : "");
	if (a->val_path && a->validation > 0.0)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "options '--validation' and '--validation-data' exclude each "
				     "other");
	if (a->folds && (a->val_path || a->validation > 0.0))
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--folds' scores by cross-validation; it excludes "
				     "'--validation' and '--validation-data'");
	if (a->log_path && a->resume_path)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--resume-log' appends to the log it resumes; it "
				     "excludes '--log'");
	if (a->folds == 1)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--folds' needs 2 folds at least");
	if (dist_active() && (strcmp(a->space_path, "-") == 0 || strcmp(a->data_path, "-") == 0))
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "standard input reaches only the first MPI rank; give the %s "
				     "as a file",
				     strcmp(a->space_path, "-") == 0 ? "space" : "data");
	return 0;
}

/* Before anything is read: no output over an input, every output
 * creatable (rank 0 alone writes them). */
static int check_outputs(const struct tune_args *a, struct dnn_error *e)
{
	const struct dnn_afile_name out[] = {{a->log_path, "--log"},
					     {a->out_path, "--output"},
					     {a->model_path, "--model"},
					     {a->plot_path, "--plot"}};
	const struct dnn_afile_name in[] = {{a->space_path, "SPACE"},
					    {a->data_path, "DATA"},
					    {a->val_path, "--validation-data"},
					    {a->resume_path, "--resume-log"}};
	int bad;

	if (afile_check_inputs(out, 4, in, 4, e))
		return -1;
	bad = dist_rank() == 0 && (afile_probe(a->log_path, e) || afile_probe(a->out_path, e) ||
				   afile_probe(a->model_path, e) || afile_probe(a->plot_path, e));
	return dist_agree(bad, e);
}

/* The spec of the space's first point, for the roles of the data's
 * columns (no searched key changes them). */
static int first_spec(const struct tune_run *r, struct dnn_spec *s, struct dnn_error *e)
{
	double *v = util_malloc_array(r->sp.n_params, sizeof *v);
	char *text = NULL, *name = NULL;
	int rc = -1;

	if (v) {
		space_sample(&r->sp, r->s.seed, 0, v);
		if (strcmp(r->s.method, "grid") == 0)
			space_grid_point(&r->sp, 0, v);
		text = space_spec_json(&r->sp, v, 0, 0);
		name = trial_name(r, 0, v);
	}
	if (text && name)
		rc = spec_parse(s, text, strlen(text), name, e);
	else
		dnn_error_oom(e);
	free(v);
	free(text);
	free(name);
	return rc;
}

/* Load, search, report. */
static int tune_main(struct tune_run *r, struct dnn_error *e)
{
	const struct tune_args *a = r->a;
	struct dnn_afile logf = {0};
	struct dnn_spec s0 = {0};
	struct sigaction sa, old[2];
	size_t n_points = a->trials, grid = 0;
	int rc;

	if (a->budget && parse_budget(r, a->budget, e))
		return -1;
	if (dist_agree(load_space(r, e), e))
		return -1;
	if (strcmp(r->s.method, "grid") == 0) {
		if (space_grid_size(&r->sp, TUNE_MAX_GRID, &grid, e))
			return -1;
		n_points = a->trials && a->trials < grid ? a->trials : grid;
	} else if (!n_points) {
		n_points = strcmp(r->s.method, "halving") == 0 ? 27 : 20;
	}
	rc = first_spec(r, &s0, e);
	if (rc == 0 && a->seed)
		s0.seed = r->s.seed;
	if (rc == 0 && !a->seed)
		r->s.seed = s0.seed;
	rc = rc || load_data(r, &s0, e);
	spec_free(&s0);
	if (dist_agree(rc, e) || dist_agree(open_log(r, &logf, e), e))
		goto out;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* Caught unless ignored, as for a background job of a script. */
	sigaction(SIGINT, NULL, &old[0]);
	sigaction(SIGTERM, NULL, &old[1]);
	if (old[0].sa_handler != SIG_IGN)
		sigaction(SIGINT, &sa, NULL);
	if (old[1].sa_handler != SIG_IGN)
		sigaction(SIGTERM, &sa, NULL);
	rc = strcmp(r->s.method, "halving") == 0 ? search_halving(r, n_points, e)
						 : search_flat(r, n_points, e);
	sigaction(SIGINT, &old[0], NULL);
	sigaction(SIGTERM, &old[1], NULL);
	if (r->log && a->resume_path && fclose(r->log) && !rc)
		rc = dnn_error_set(e, DNN_EX_IO, NULL, 0, 0, "cannot write '%s': %s",
				   a->resume_path, strerror(errno));
	else if (r->log && !a->resume_path && afile_commit(&logf, rc ? NULL : e) && !rc)
		rc = -1;
	r->log = NULL;
	if (dist_agree(rc, e) == 0)
		return finish(r, e);
	return -1;
out:
	if (r->log && a->resume_path)
		fclose(r->log);
	else if (r->log)
		afile_abort(&logf);
	r->log = NULL;
	return -1;
}

/* Release all the search holds. */
static void tune_free(struct tune_run *r)
{
	for (size_t i = 0; i < r->s.n; i++) {
		free(r->s.t[i].v);
		free(r->s.t[i].spec_text);
		spec_free(&r->s.t[i].spec);
	}
	free(r->s.t);
	free(r->rows);
	free(r->fold);
	free(r->batch);
	free(r->logged);
	data_free(&r->d);
	space_free(&r->sp);
}

int cmd_tune(int argc, char **argv, struct dnn_error *e)
{
	struct tune_args a = {.eta = 3, .top = 10, .csv = {.delimiter = ',', .header = 1}};
	struct tune_run r = {0};
	const struct dnn_opt rows[] = {
		OPT_CHOICE('m', "method", &a.method, "HOW", "random grid halving",
			   "'random' (the default): points drawn from the\n"
			   "space; 'grid': every combination of the choices\n"
			   "and int ranges; 'halving': successive halving"),
		OPT_ULONG('n', "trials", &a.trials, "N", 1, TUNE_MAX_TRIALS,
			  "points to try (default 20; halving 27; grid: all)"),
		OPT_STRING(0, "budget", &a.budget, "B",
			   "start no trial past B: N epochs (all trials\n"
			   "together), or a time such as 30s, 5m, 1h"),
		OPT_ULONG(0, "eta", &a.eta, "ETA", 2, 100,
			  "halving: keep the best 1/ETA of each rung, on\n"
			  "ETA times the epochs (default 3)"),
		OPT_DOUBLE_ABOVE(0, "validation", &a.validation, "F", 0.0, 0.9,
				 "score on a fraction F of the rows held out\n"
				 "(stratified; default 0.2)"),
		OPT_FILENAME(0, "validation-data", &a.val_path, "FILE", OPTC_DATA,
			     "score on the rows of FILE"),
		OPT_ULONG('k', "folds", &a.folds, "K", 1, 1000,
			  "score each trial by K-fold cross-validation"),
		OPT__SEED(&a.seed, "seed of the search, of the held-out rows and of\n"
				   "every trial's spec (default: the space's seed)"),
		OPT_FILENAME(0, "log", &a.log_path, "FILE", OPTC_FILE,
			     "write one JSON object per trial to FILE"),
		OPT_FILENAME(0, "resume-log", &a.resume_path, "FILE", OPTC_FILE,
			     "continue the search FILE logged, appending to it"),
		OPT_FILENAME('o', "output", &a.out_path, "FILE", OPTC_SPEC,
			     "write the best trial's spec to FILE"),
		OPT_FILENAME(0, "model", &a.model_path, "FILE", OPTC_MODEL,
			     "train the best spec on all of DATA, save it"),
		OPT_FILENAME(0, "plot", &a.plot_path, "FILE", OPTC_FILE,
			     "draw the score against each searched value (SVG)"),
		OPT_ULONG(0, "top", &a.top, "N", 1, TUNE_MAX_TRIALS,
			  "rows of the table (default 10)"),
		OPT_FLAG(0, "json", &a.json, "one JSON object: every trial, ranked"),
		OPT__CSV(&a.csv),
		OPT__THREADS(&a.threads),
		OPT__HELP(),
		OPT_END(),
	};
	int rc = opts_parse(tune_usage, rows, argc, argv, e);

	if (rc)
		return rc > 0 ? 0 : -1;
	if (cli_input_operands(argc, argv, "SPACE", NULL, NULL, NULL, &a.space_path, &a.data_path,
			       e))
		return -1;
	if (!a.method)
		a.method = "random";
	if (!a.folds && !a.val_path && !(a.validation > 0.0))
		a.validation = 0.2;
	r.a = &a;
	r.s.sp = &r.sp;
	r.s.method = a.method;
	r.space_name = strcmp(a.space_path, "-") ? a.space_path : "<stdin>";
	r.data_name = strcmp(a.data_path, "-") ? a.data_path : "<stdin>";
	tune_stop = 0;
	if (check_args(&a, e) || check_outputs(&a, e) ||
	    (a.seed && cli_seed(a.seed, &r.s.seed, e)))
		return -1;
	rc = tune_main(&r, e);
	tune_free(&r);
	return rc;
}
