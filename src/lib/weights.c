/* The weight of each row (weights.h): class weights by label or balanced,
 * normalized to a mean of 1 over the training and the validation rows. */
#include "weights.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dist.h"
#include "util.h"

/* The weight of each class by the spec's list; 65 for a label that is not
 * one of d's classes. */
static int given_weights(const struct dnn_spec *s, const struct dnn_dataset *d,
			 const char *spec_name, double *cw, struct dnn_error *e)
{
	for (size_t c = 0; c < d->n_classes; c++)
		cw[c] = 1.0;
	for (size_t k = 0; k < s->data.n_class_weights; k++) {
		const struct dnn_class_weight *g = &s->data.class_weights[k];
		size_t c = 0;

		while (c < d->n_classes && strcmp(d->class_names[c], g->label) != 0)
			c++;
		if (c < d->n_classes) {
			cw[c] = g->weight;
			continue;
		}
		const char *near = util_closest(g->label, (const char *const *)d->class_names,
						d->n_classes);

		if (near)
			return dnn_error_set(e, DNN_EX_DATA, spec_name, 0, 0,
					     "data.class_weight: unknown class '%s'; did you mean "
					     "'%s'?",
					     g->label, near);
		return dnn_error_set(e, DNN_EX_DATA, spec_name, 0, 0,
				     "data.class_weight: unknown class '%s' (the data has %zu "
				     "classes, such as '%s')",
				     g->label, d->n_classes, d->n_classes ? d->class_names[0] : "");
	}
	return 0;
}

/* "balanced": n / (K n_k) over the training rows of all ranks. */
static void balanced_weights(const struct dnn_dataset *d, size_t n_train, double *cw)
{
	double n = 0.0, present = 0.0;

	for (size_t c = 0; c < d->n_classes; c++)
		cw[c] = 0.0;
	for (size_t i = 0; i < n_train; i++)
		cw[d->label[i]] += 1.0;
	if (d->shared)
		dist_sum_f64(cw, d->n_classes);
	for (size_t c = 0; c < d->n_classes; c++) {
		n += cw[c];
		present += cw[c] > 0.0;
	}
	for (size_t c = 0; c < d->n_classes; c++)
		cw[c] = cw[c] > 0.0 ? n / (present * cw[c]) : 0.0;
}

/* Scale w[0, n) to a mean of 1 over the rows of all ranks; the sum before
 * (0 when there are no rows or all weigh 0). */
static double normalize(float *w, size_t n, int shared)
{
	double v[2] = {0.0, (double)n};

	for (size_t i = 0; i < n; i++)
		v[0] += (double)w[i];
	if (shared)
		dist_sum_f64(v, 2);
	if (v[0] > 0.0)
		for (size_t i = 0; i < n; i++)
			w[i] = (float)((double)w[i] * v[1] / v[0]);
	return v[0];
}

int weights_rows(const struct dnn_spec *s, const struct dnn_dataset *d, size_t n_train,
		 size_t n_val, const char *spec_name, float **w, struct dnn_error *e)
{
	double *cw;
	float *rw;
	int rc = 0;

	int by_class = s->data.class_weighting != DNN_CW_NONE && d->task == DNN_TASK_CLASSIFICATION;

	*w = NULL;
	if (!by_class && !d->has_weight)
		return 0;
	cw = util_malloc_array(d->n_classes ? d->n_classes : 1, sizeof *cw);
	rw = util_malloc_array(n_train + n_val ? n_train + n_val : 1, sizeof *rw);
	if (!cw || !rw)
		rc = dnn_error_oom(e);
	else if (by_class && s->data.class_weighting == DNN_CW_GIVEN)
		rc = given_weights(s, d, spec_name, cw, e);
	else if (by_class)
		balanced_weights(d, n_train, cw);
	/* The class weight times the row's own. */
	for (size_t i = 0; rc == 0 && i < n_train + n_val; i++)
		rw[i] = (by_class ? (float)cw[d->label[i]] : 1.0f) * (d->has_weight ? d->w[i] : 1.0f);
	if (rc == 0 && normalize(rw, n_train, d->shared) <= 0.0)
		rc = dnn_error_set(e, DNN_EX_DATA, spec_name, 0, 0,
				   "%s: every training row weighs 0",
				   by_class ? "data.class_weight" : "data.weight");
	if (rc == 0)
		normalize(rw + n_train, n_val, d->shared);
	free(cw);
	if (rc) {
		free(rw);
		return -1;
	}
	*w = rw;
	return 0;
}
