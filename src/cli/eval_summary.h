/* dnn eval's figures of a model on a data file, for other commands (dnn
 * info --card): the same pass and the same formulas as dnn eval's tables. */
#ifndef DNN_EVAL_SUMMARY_H
#define DNN_EVAL_SUMMARY_H

#include <stddef.h>

#include "err.h"
#include "model.h"

struct eval_summary {
	size_t rows;
	int weighted;	  /* the figures are weighted by DATA's weight column */
	double loss;	  /* the mean loss, as in training */
	double accuracy;  /* classification: accuracy and the macro F1 over the */
	double macro_f1;  /* classes present in the truth or the predictions */
	size_t n_targets; /* regression: each target's figures, in column order */
	double *mse, *mae, *r2;
};

/* Evaluate m on data_path (read in the format m was trained on) into *s.
 * Errors as dnn eval's; on error *s holds nothing to free. */
int eval_summarize(struct dnn_model *m, const char *data_path, struct eval_summary *s,
		   struct dnn_error *e);
void eval_summary_free(struct eval_summary *s);

#endif
