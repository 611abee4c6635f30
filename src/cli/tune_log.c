/* dnn tune's log: one JSON object per trial, written as each ends, and read
 * back to resume a search (tune.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "spec.h"
#include "tune.h"
#include "util.h"

static const char *const status_names[] = {"ok", "failed", "skipped", "interrupted"};

/* "key":number, after a comma. */
static void put_num(FILE *f, const char *key, double x)
{
	fprintf(f, ",\"%s\":", key);
	cli_write_json_number(f, x);
}

int tune_log_write(FILE *f, const struct tune_search *s, const struct tune_trial *t)
{
	const struct tune_result *r = &t->r;

	fprintf(f,
		"{\"trial\":%zu,\"point\":%zu,\"rung\":%zu,\"method\":\"%s\",\"seed\":%llu,"
		"\"space\":\"%016llx\",\"status\":\"%s\"",
		t->number + 1, t->point, t->rung, s->method, (unsigned long long)s->seed,
		(unsigned long long)s->sp->fingerprint, status_names[r->status]);
	put_num(f, "score", tune_score(s, r));
	put_num(f, "loss", r->loss);
	if (s->cls) {
		put_num(f, "accuracy", r->accuracy);
		put_num(f, "f1", r->f1);
	} else {
		put_num(f, "mse", r->mse);
		put_num(f, "mae", r->mae);
		put_num(f, "r2", r->r2);
	}
	fprintf(f, ",\"epochs\":%lu,\"budget_epochs\":%lu", r->epochs, t->budget);
	put_num(f, "seconds", r->seconds);
	if (r->status == TUNE_FAILED) {
		fputs(",\"error\":", f);
		cli_write_json_string(f, r->why);
	}
	fputs(",\"values\":{", f);
	for (size_t p = 0; p < s->sp->n_params; p++) {
		char *val = space_value_json(s->sp, p, t->v[p]);

		if (p)
			putc(',', f);
		cli_write_json_string(f, s->sp->params[p].path);
		fprintf(f, ":%s", val ? val : "null");
		free(val);
	}
	fprintf(f, "},\"spec\":%s}\n", t->spec_text);
	return fflush(f) || ferror(f) ? -1 : 0;
}

/* A number member as a size, or -1. */
static int get_size(const struct dnn_space_record *r, const char *key, size_t *out)
{
	double x;

	if (space_record_number(r, key, &x) || x < 0.0 || x != floor(x) || x > 1e15)
		return -1;
	*out = (size_t)x;
	return 0;
}

/* A figure: its number, NaN when null or absent. */
static double get_fig(const struct dnn_space_record *r, const char *key)
{
	double x;

	return space_record_number(r, key, &x) ? (double)NAN : x;
}

/* Line `line` (number lineno) of the log as the trial it records, checked
 * to belong to search s at position `want`. */
static int read_line(const char *path, size_t lineno, const char *line, size_t len,
		     const struct tune_search *s, size_t want, struct tune_logged *o,
		     struct dnn_error *e)
{
	struct dnn_space_record *r = space_record_parse(line, len);
	char method[32] = "", space[32] = "", status[32] = "", mine[32];
	size_t trial = 0, budget = 0;
	double seed = -1.0;
	int rc = -1;

	snprintf(mine, sizeof mine, "%016llx", (unsigned long long)s->sp->fingerprint);
	if (!r || get_size(r, "trial", &trial) || get_size(r, "point", &o->point) ||
	    get_size(r, "rung", &o->rung) || get_size(r, "budget_epochs", &budget) ||
	    space_record_string(r, "space", space, sizeof space) ||
	    space_record_string(r, "method", method, sizeof method) ||
	    space_record_string(r, "status", status, sizeof status) ||
	    space_record_number(r, "seed", &seed)) {
		dnn_error_set(e, DNN_EX_DATA, path, lineno, 0, "not a trial of dnn tune's log");
		goto out;
	}
	if (strcmp(space, mine) != 0 || strcmp(method, s->method) != 0 || seed != (double)s->seed) {
		dnn_error_set(e, DNN_EX_DATA, path, lineno, 0,
			      "the log is of another search (space %s, --method %s, --seed %.0f; "
			      "this one: space %s, --method %s, --seed %llu)",
			      space, method, seed, mine, s->method, (unsigned long long)s->seed);
		goto out;
	}
	if (trial != want + 1) {
		dnn_error_set(e, DNN_EX_DATA, path, lineno, 0,
			      "trial %zu where trial %zu was expected", trial, want + 1);
		goto out;
	}
	memset(&o->r, 0, sizeof o->r);
	o->budget = (unsigned long)budget;
	o->r.status = strcmp(status, "ok") == 0 ? TUNE_OK : TUNE_FAILED;
	o->r.loss = get_fig(r, "loss");
	o->r.accuracy = get_fig(r, "accuracy");
	o->r.f1 = get_fig(r, "f1");
	o->r.mse = get_fig(r, "mse");
	o->r.mae = get_fig(r, "mae");
	o->r.r2 = get_fig(r, "r2");
	o->r.seconds = get_fig(r, "seconds");
	o->r.epochs = (unsigned long)(isfinite(get_fig(r, "epochs")) ? get_fig(r, "epochs") : 0.0);
	if (space_record_string(r, "error", o->r.why, sizeof o->r.why))
		o->r.why[0] = '\0';
	rc = 0;
out:
	space_record_free(r);
	return rc;
}

int tune_log_read(const char *path, const struct tune_search *s, struct tune_logged **out,
		  size_t *n, size_t *kept, struct dnn_error *e)
{
	char *text = NULL, *p, *nl;
	size_t len = 0, cap = 0, lineno = 0;
	FILE *f;

	*out = NULL;
	*n = 0;
	*kept = 0;
	/* A spec's reader: the whole file, NUL bytes refused. */
	if (!(f = fopen(path, "rb")))
		return dnn_error_set(e, DNN_EX_NOINPUT, NULL, 0, 0, "cannot open '%s': %s", path,
				     strerror(errno));
	fclose(f);
	if (spec_read(path, &text, &len, e))
		return -1;
	for (p = text; p < text + len; p = nl + 1) {
		struct tune_logged *o;

		lineno++;
		if (!(nl = memchr(p, '\n', (size_t)(text + len - p))))
			break; /* a last line cut short by a kill: written again */
		if (*n == cap) {
			o = util_realloc_array(*out, cap ? 2 * cap : 64, sizeof *o);
			if (!o) {
				free(text);
				return dnn_error_oom(e);
			}
			*out = o;
			cap = cap ? 2 * cap : 64;
		}
		if (read_line(path, lineno, p, (size_t)(nl - p), s, *n, *out + *n, e)) {
			free(text);
			free(*out);
			*out = NULL;
			*n = 0;
			return -1;
		}
		++*n;
		*kept = (size_t)(nl + 1 - text);
	}
	free(text);
	return 0;
}
