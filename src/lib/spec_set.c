/* The spec changed by dnn train's options (column lists, class weights),
 * the checks across its keys, and spec_free: the parts of spec.h that do not
 * read or write JSON. */
#include "spec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "layer_norm.h"
#include "loss.h"
#include "util.h"

static void free_columns(struct dnn_column_ref *refs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(refs[i].name);
	free(refs);
}

/* Replace *refs by the comma-separated names in list (option opt). */
static int set_columns(struct dnn_column_ref **refs_out, size_t *n_out, const char *list,
		       const char *opt, struct dnn_error *e)
{
	size_t n = 1, k = 0;
	struct dnn_column_ref *refs;
	const char *p = list;

	for (const char *q = list; *q; q++)
		n += *q == ',';
	refs = util_calloc_array(n, sizeof *refs);
	if (!refs)
		return dnn_error_oom(e);
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (len == 0) {
			free_columns(refs, k);
			return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0, "%s: empty column name",
					     opt);
		}
		refs[k].name = util_strndup(p, len);
		if (!refs[k].name) {
			free_columns(refs, k);
			return dnn_error_oom(e);
		}
		k++;
		if (!comma)
			break;
		p = comma + 1;
	}
	free_columns(*refs_out, *n_out);
	*refs_out = refs;
	*n_out = n;
	return 0;
}

int spec_set_targets(struct dnn_spec *s, const char *list, struct dnn_error *e)
{
	return set_columns(&s->data.targets, &s->data.n_targets, list, "--target", e);
}

int spec_set_ignore(struct dnn_spec *s, const char *list, struct dnn_error *e)
{
	return set_columns(&s->data.ignore, &s->data.n_ignore, list, "--ignore", e);
}

int spec_set_categorical(struct dnn_spec *s, const char *list, struct dnn_error *e)
{
	return set_columns(&s->data.categorical, &s->data.n_categorical, list, "--categorical", e);
}

int spec_set_weight(struct dnn_spec *s, const char *column, struct dnn_error *e)
{
	size_t n = s->data.weight ? 1 : 0;

	if (strchr(column, ','))
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "--weight: one column, not '%s'", column);
	return set_columns(&s->data.weight, &n, column, "--weight", e);
}

int spec_set_norm(struct dnn_spec *s, const char *kind, struct dnn_error *e)
{
	int norm = strcmp(kind, "batch") == 0 ? DNN_NORM_BATCH
		   : strcmp(kind, "layer") == 0 ? DNN_NORM_LAYER
						: 0;

	if (!norm)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "option '--norm' needs 'batch' or 'layer', not '%s'", kind);
	for (size_t i = 0; i + 1 < s->n_layers; i++)
		s->layers[i].norm = norm;
	return 0;
}

static void free_class_weights(struct dnn_class_weight *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(w[i].label);
	free(w);
}

/* LABEL=W at p (len bytes) into *w; -1 when it is not that. */
static int class_weight_item(const char *p, size_t len, struct dnn_class_weight *w)
{
	const char *eq = NULL;
	char num[64];
	double v;

	for (size_t i = 0; i < len; i++)
		if (p[i] == '=')
			eq = p + i;
	if (!eq || eq == p || (size_t)(p + len - eq - 1) >= sizeof num || eq + 1 == p + len)
		return -1;
	memcpy(num, eq + 1, (size_t)(p + len - eq - 1));
	num[p + len - eq - 1] = '\0';
	if (util_parse_double(num, &v) || !(v >= 0.0) || !isfinite(v))
		return -1;
	w->weight = v;
	w->label = util_strndup(p, (size_t)(eq - p));
	return w->label ? 0 : -2;
}

int spec_set_class_weight(struct dnn_spec *s, const char *arg, struct dnn_error *e)
{
	struct dnn_class_weight *w;
	size_t n = 1, k = 0;
	const char *p = arg;

	if (strcmp(arg, "balanced") == 0) {
		free_class_weights(s->data.class_weights, s->data.n_class_weights);
		s->data.class_weights = NULL;
		s->data.n_class_weights = 0;
		s->data.class_weighting = DNN_CW_BALANCED;
		return 0;
	}
	for (const char *q = arg; *q; q++)
		n += *q == ',';
	w = util_calloc_array(n, sizeof *w);
	if (!w)
		return dnn_error_oom(e);
	for (; k < n; k++) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		int rc = class_weight_item(p, len, &w[k]);

		if (rc) {
			free_class_weights(w, k);
			return rc == -2 ? dnn_error_oom(e)
					: dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
							"option '--class-weight' needs 'balanced' or "
							"LABEL=W,... (W a number of at least 0), not "
							"'%.*s'",
							(int)len, p);
		}
		p = comma ? comma + 1 : p + len;
	}
	free_class_weights(s->data.class_weights, s->data.n_class_weights);
	s->data.class_weights = w;
	s->data.n_class_weights = n;
	s->data.class_weighting = DNN_CW_GIVEN;
	return 0;
}

int spec_check(const struct dnn_spec *s, const char *name, struct dnn_error *e)
{
	int ce = s->loss == DNN_LOSS_CROSS_ENTROPY || s->loss == DNN_LOSS_BINARY_CROSS_ENTROPY;

	if (!ce && s->label_smoothing > 0.0)
		return dnn_error_set(e, DNN_EX_DATA, name, 0, 0,
				     "label_smoothing: needs loss 'cross_entropy' or "
				     "'binary_cross_entropy', not '%s'",
				     loss_name(s->loss));
	if (!ce && s->data.class_weighting != DNN_CW_NONE)
		return dnn_error_set(e, DNN_EX_DATA, name, 0, 0,
				     "data.class_weight: needs loss 'cross_entropy' or "
				     "'binary_cross_entropy', not '%s'",
				     loss_name(s->loss));
	for (size_t l = 0; l < s->n_layers; l++)
		if (s->layers[l].max_norm > 0.0 && s->optim.kind == DNN_OPT_LBFGS)
			return dnn_error_set(e, DNN_EX_DATA, name, 0, 0,
					     "layers[%zu].max_norm: not used by lbfgs (rescaling "
					     "the weights between its iterations would break its "
					     "line search)",
					     l);
	return 0;
}

void spec_free(struct dnn_spec *s)
{
	if (!s)
		return;
	free(s->layers);
	free_columns(s->data.targets, s->data.n_targets);
	free_columns(s->data.ignore, s->data.n_ignore);
	free_columns(s->data.categorical, s->data.n_categorical);
	free_class_weights(s->data.class_weights, s->data.n_class_weights);
	free_columns(s->data.weight, s->data.weight ? 1 : 0);
	memset(s, 0, sizeof *s);
}
