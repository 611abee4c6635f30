/* dnn tune's trials: what each is (a point of the space, its rung and
 * epochs) and what it scored, the search they make up, its log (one JSON
 * object per trial, read back by --resume-log) and its report. */
#ifndef DNN_TUNE_H
#define DNN_TUNE_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "space.h"
#include "spec.h"

enum tune_status {
	TUNE_OK = 0,	     /* trained and scored */
	TUNE_FAILED = 1,     /* training failed (diverged, bad spec for the data) */
	TUNE_SKIPPED = 2,    /* not started: the time budget was spent */
	TUNE_INTERRUPTED = 3 /* SIGINT */
};

/* What a trial's job sends back (fixed size: it crosses a pipe or ranks). */
struct tune_result {
	int status;		   /* enum tune_status */
	double loss, accuracy, f1; /* classification */
	double mse, mae, r2;	   /* regression */
	unsigned long epochs;	   /* trained (early stopping may stop sooner) */
	double seconds;
	char why[240]; /* TUNE_FAILED: the error */
};

struct tune_trial {
	size_t number;	      /* 0, 1, ... in the order of the search */
	size_t point;	      /* the point of the space (random: its draw) */
	size_t rung;	      /* successive halving: its rung; else 0 */
	unsigned long budget; /* the epochs it may train */
	double *v;	      /* the point's values (space.h) */
	char *spec_text;      /* its concrete spec, compact */
	struct dnn_spec spec; /* the same, parsed */
	struct tune_result r;
	int done; /* r holds its result (run, or read from the log) */
};

struct tune_search {
	const struct dnn_space *sp;
	const char *method;
	uint64_t seed;
	int cls; /* a classification: scored by accuracy, else by MSE */
	size_t n, cap;
	struct tune_trial *t;
};

/* The score of a result: accuracy (classification) or MSE; NaN unless ok. */
double tune_score(const struct tune_search *s, const struct tune_result *r);
/* Whether a ranks before b: the higher rung first (successive halving),
 * then ok before failed, the better score, the lower loss, the earlier
 * trial. */
int tune_before(const struct tune_search *s, const struct tune_trial *a,
		const struct tune_trial *b);
/* The trials that ended (done), ranked: an array of *n pointers (malloc'd;
 * NULL when out of memory). */
const struct tune_trial **tune_ranked(const struct tune_search *s, size_t *n);

/* One line of the log for trial t, flushed. -1 on a write error. */
int tune_log_write(FILE *f, const struct tune_search *s, const struct tune_trial *t);

/* What a log holds of one trial, read back. */
struct tune_logged {
	size_t point, rung;
	unsigned long budget;
	struct tune_result r;
};

/* Read the log at path: its trials, in order (*out malloc'd, *n), and the
 * bytes of its whole lines (*kept: a last line cut short is not). Errors:
 * 66 when it cannot be read; 65 "PATH:LINE: ..." for a line that is not a
 * trial of this search (another space, seed or method, or out of order). */
int tune_log_read(const char *path, const struct tune_search *s, struct tune_logged **out,
		  size_t *n, size_t *kept, struct dnn_error *e);

/* The ranked table of the top trials on standard output. */
void tune_print_table(const struct tune_search *s, const struct tune_trial **ranked, size_t n,
		      size_t top);
/* The search as one JSON object on standard output. */
void tune_print_json(const struct tune_search *s, const struct tune_trial **ranked, size_t n);
/* The SVG of the score against each searched parameter, to f. -1 on a write
 * error. */
int tune_plot(FILE *f, const struct tune_search *s);

#endif
