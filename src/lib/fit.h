/* Training a spec on rows held in memory and scoring it on other rows, in
 * one call and without files: what cross-validation (and any search over
 * specs) repeats for every fold. The rows are trained as dnn train trains
 * its own: the spec's validation fraction held out of them (for early
 * stopping), missing-value fill and normalization fitted on the rows that
 * train, the network drawn from the spec's seed. */
#ifndef DNN_FIT_H
#define DNN_FIT_H

#include <signal.h>
#include <stddef.h>

#include "dataset.h"
#include "err.h"
#include "spec.h"

/* Figures on the held-out rows; NaN where they do not apply. */
struct dnn_fit_score {
	size_t n;		  /* rows scored */
	double loss;		  /* the mean loss, as training computes it */
	double accuracy, f1;	  /* classification: accuracy, macro-averaged F1 */
	double mse, mae, r2;	  /* regression: in the targets' units, averaged
				   * over the targets */
	unsigned long epochs;	  /* epochs trained */
	unsigned long best_epoch; /* early stopping: the epoch kept, else 0 */
	double seconds;		  /* preparing and training, wall clock */
};

struct dnn_fit_opts {
	const char *spec_name, *data_name; /* for messages */
	/* When not NULL: training stops after the minibatch during which
	 * *interrupt became non-zero, and fit_score fails with 130. */
	const volatile sig_atomic_t *interrupt;
};

/* Train spec s on rows train[0 .. n_train) of d (a dataset loaded whole, not
 * shared between MPI ranks) and score the result on rows test[0 .. n_test),
 * which never reach training, normalization or the fill values. d is left
 * as it was. Errors: those of dnn train's preparation and training (65 for
 * a split that cannot be made, an output width that does not fit, a loss
 * that diverged), 130 when interrupted, out of memory. */
int fit_score(const struct dnn_spec *s, const struct dnn_dataset *d, const size_t *train,
	      size_t n_train, const size_t *test, size_t n_test, const struct dnn_fit_opts *o,
	      struct dnn_fit_score *out, struct dnn_error *e);

#endif
