/* dnn tune's report: the trials scored and ranked, the table, the JSON
 * object, the plot of the score against each searched parameter (tune.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "plot.h"
#include "tune.h"
#include "util.h"

double tune_score(const struct tune_search *s, const struct tune_result *r)
{
	if (r->status != TUNE_OK)
		return (double)NAN;
	return s->cls ? r->accuracy : r->mse;
}

/* -1, 0, 1 as x ranks before, with or after y (NaN last), higher first
 * when high. */
static int cmp_num(double x, double y, int high)
{
	if (isnan(x) || isnan(y))
		return isnan(x) ? (isnan(y) ? 0 : 1) : -1;
	if (x == y)
		return 0;
	return (x > y) == (high != 0) ? -1 : 1;
}

int tune_before(const struct tune_search *s, const struct tune_trial *a, const struct tune_trial *b)
{
	int c = a->rung == b->rung ? 0 : a->rung > b->rung ? -1 : 1;

	if (!c)
		c = cmp_num(tune_score(s, &a->r), tune_score(s, &b->r), s->cls);
	if (!c)
		c = cmp_num(a->r.loss, b->r.loss, 0);
	if (!c)
		c = a->number < b->number ? -1 : 1;
	return c < 0;
}

const struct tune_trial **tune_ranked(const struct tune_search *s, size_t *n)
{
	const struct tune_trial **r = util_malloc_array(s->n ? s->n : 1, sizeof *r);

	*n = 0;
	if (!r)
		return NULL;
	/* Insertion sort: a search has hundreds of trials, not millions. */
	for (size_t i = 0; i < s->n; i++) {
		size_t j = (*n)++;

		if (!s->t[i].done) {
			(*n)--;
			continue;
		}
		while (j > 0 && tune_before(s, &s->t[i], r[j - 1])) {
			r[j] = r[j - 1];
			j--;
		}
		r[j] = &s->t[i];
	}
	return r;
}

/* Parameter p's value at t as the table shows it: a number to 4 digits, a
 * string without its quotes, a choice of layer lists as its units
 * ("8-8-3"), another list or object as its choice's number ("#2"); cut at
 * width bytes. */
static void show_value(const struct tune_search *s, const struct tune_trial *t, size_t p, int width)
{
	char buf[64], *json;

	if (s->sp->params[p].kind != DNN_SPACE_CHOICE) {
		snprintf(buf, sizeof buf, "%.4g", t->v[p]);
		printf("  %*s", width, buf);
		return;
	}
	json = space_value_json(s->sp, p, t->v[p]);
	if (!json) {
		printf("  %*s", width, "?");
		return;
	}
	if (json[0] == '"' && strlen(json) >= 2) {
		snprintf(buf, sizeof buf, "%.*s", (int)strlen(json) - 2, json + 1);
	} else if (strcmp(s->sp->params[p].path, "layers") == 0) {
		/* A choice of layer lists: the units, layer by layer. */
		buf[0] = '\0';
		for (size_t l = 0; l < t->spec.n_layers; l++) {
			size_t len = strlen(buf);

			snprintf(buf + len, sizeof buf - len, "%s%zu", l ? "-" : "",
				 t->spec.layers[l].units);
		}
	} else if (json[0] == '[' || json[0] == '{') {
		/* Other lists and objects: which of the choices. */
		snprintf(buf, sizeof buf, "#%zu", (size_t)t->v[p] + 1);
	} else {
		snprintf(buf, sizeof buf, "%s", json);
	}
	if (strlen(buf) > (size_t)width && width > 3)
		memcpy(buf + width - 3, "...", 4);
	printf("  %*s", width, buf);
	free(json);
}

/* A parameter's column: as wide as its path, 8 to 24 bytes. */
static int col_width(const char *path)
{
	size_t n = strlen(path);

	return n < 8 ? 8 : n > 24 ? 24 : (int)n;
}

void tune_print_table(const struct tune_search *s, const struct tune_trial **ranked, size_t n,
		      size_t top)
{
	const struct dnn_space *sp = s->sp;
	int halving = strcmp(s->method, "halving") == 0;

	printf("%4s  %5s", "rank", "trial");
	if (halving)
		printf("  %4s", "rung");
	printf("  %10s  %10s", s->cls ? "accuracy" : "mse", "loss");
	for (size_t p = 0; p < sp->n_params; p++) {
		int w = col_width(sp->params[p].path);
		const char *path = sp->params[p].path;
		size_t len = strlen(path);

		/* A long key keeps its end, where its name is. */
		printf("  %*s", w, len > (size_t)w ? path + len - (size_t)w : path);
	}
	printf("  %6s  %8s\n", "epochs", "seconds");
	for (size_t i = 0; i < n && i < top; i++) {
		const struct tune_trial *t = ranked[i];

		printf("%4zu  %5zu", i + 1, t->number + 1);
		if (halving)
			printf("  %4zu", t->rung);
		if (t->r.status == TUNE_OK)
			printf("  %10.4f  %10.4f", tune_score(s, &t->r), t->r.loss);
		else
			printf("  %10s  %10s", "failed", "-");
		for (size_t p = 0; p < sp->n_params; p++)
			show_value(s, t, p, col_width(sp->params[p].path));
		printf("  %6lu  %8.3f\n", t->r.epochs, t->r.seconds);
	}
}

void tune_print_json(const struct tune_search *s, const struct tune_trial **ranked, size_t n)
{
	printf("{\"method\":\"%s\",\"seed\":%llu,\"space\":\"%016llx\",\"metric\":\"%s\","
	       "\"trials\":%zu,\"ranked\":[",
	       s->method, (unsigned long long)s->seed, (unsigned long long)s->sp->fingerprint,
	       s->cls ? "accuracy" : "mse", n);
	for (size_t i = 0; i < n; i++) {
		const struct tune_trial *t = ranked[i];

		if (i)
			putchar(',');
		printf("{\"rank\":%zu,\"trial\":%zu,\"rung\":%zu,\"status\":\"%s\",\"score\":",
		       i + 1, t->number + 1, t->rung, t->r.status == TUNE_OK ? "ok" : "failed");
		cli_write_json_number(stdout, tune_score(s, &t->r));
		fputs(",\"loss\":", stdout);
		cli_write_json_number(stdout, t->r.loss);
		printf(",\"epochs\":%lu,\"seconds\":", t->r.epochs);
		cli_write_json_number(stdout, t->r.seconds);
		fputs(",\"values\":{", stdout);
		for (size_t p = 0; p < s->sp->n_params; p++) {
			char *val = space_value_json(s->sp, p, t->v[p]);

			if (p)
				putchar(',');
			cli_write_json_string(stdout, s->sp->params[p].path);
			printf(":%s", val ? val : "null");
			free(val);
		}
		printf("},\"spec\":%s}", t->spec_text);
	}
	fputs("]}\n", stdout);
}

int tune_plot(FILE *f, const struct tune_search *s)
{
	const struct dnn_space *sp = s->sp;
	struct plot_scatter *pan = util_calloc_array(sp->n_params, sizeof *pan);
	double *x = util_malloc_array(sp->n_params * (s->n ? s->n : 1), sizeof *x);
	double *y = util_malloc_array(s->n ? s->n : 1, sizeof *y);
	int rc = -1;

	if (!pan || !x || !y)
		goto out;
	for (size_t i = 0; i < s->n; i++)
		y[i] = s->t[i].done ? tune_score(s, &s->t[i].r) : (double)NAN;
	for (size_t p = 0; p < sp->n_params; p++) {
		pan[p].title = sp->params[p].path;
		pan[p].x = x + p * s->n;
		pan[p].y = y;
		pan[p].n = s->n;
		pan[p].log_x = sp->params[p].kind == DNN_SPACE_LOG_UNIFORM;
		pan[p].n_cats =
		    sp->params[p].kind == DNN_SPACE_CHOICE ? sp->params[p].n_choices : 0;
		pan[p].cats = sp->params[p].choices;
		for (size_t i = 0; i < s->n; i++)
			x[p * s->n + i] = s->t[i].v[p];
	}
	rc = plot_scatter_svg(f, pan, sp->n_params, s->cls ? "accuracy" : "mse");
out:
	free(pan);
	free(x);
	free(y);
	return rc;
}
