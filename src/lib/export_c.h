/* dnn export --format c: a trained model as one self-contained C99 header
 * (static const weights, the input transform, NAME_predict, golden test
 * vectors and NAME_selftest), made as text in memory for the caller to write. */
#ifndef DNN_EXPORT_C_H
#define DNN_EXPORT_C_H

#include <stddef.h>

#include "err.h"
#include "model.h"
#include "quant.h"

/* How to export. */
struct dnn_export_c {
	const char *prefix; /* the names' prefix, a C identifier (export_c_prefix_ok) */
	const char *source; /* the model's file name, for the header's opening comment */
	/* NULL: float weights; else the int8 dense rows of quant.h, whose
	 * forward pass (quant_forward) the header reproduces */
	const struct dnn_quant *quant;
};

/* Whether s is a C identifier ([A-Za-z_][A-Za-z0-9_]*, at most 64 bytes). */
int export_c_prefix_ok(const char *s);

/* Model m as a C99 header: *text (malloc'd, *len bytes, no NUL) for the
 * caller to write and free. Its inputs are the raw values of m's
 * input columns in their training order; a categorical column takes the
 * number its category names spell when every name is a number, otherwise
 * the category's index among m's categories (NAME_categories_J). Batch
 * normalization is applied as the per-unit scale and shift of its running
 * statistics; dropout is left out. The golden vectors are m's own outputs,
 * computed here through m's network in inference mode (which sizes its
 * workspace). 65 when a weight is not finite, 70 out of memory; then
 * *text is NULL. */
int export_c_write(struct dnn_model *m, const struct dnn_export_c *o, char **text, size_t *len,
		   struct dnn_error *e);

#endif
