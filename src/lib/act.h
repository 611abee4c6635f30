/* Activation functions, each with its derivative, in one table.
 * The numeric ids reach the checkpoint: never renumber them. */
#ifndef DNN_ACT_H
#define DNN_ACT_H

#include <stddef.h>

enum dnn_act {
	DNN_ACT_LINEAR = 1,
	DNN_ACT_STEP = 2,
	DNN_ACT_SIGMOID = 3,
	DNN_ACT_TANH = 4,
	DNN_ACT_RELU = 5,
	DNN_ACT_SOFTMAX = 6
};
#define DNN_ACT_MAX 6

struct dnn_act_info {
	enum dnn_act id;
	const char *name;
	/* In place over an n x m row-major block: z := f(z), row by row for
	 * softmax. */
	void (*forward)(float *z, size_t n, size_t m);
	/* In place: d := dL/dz, given d = dL/da and the outputs a = f(z).
	 * Every derivative is expressed through the outputs, so the pre-
	 * activations need not be kept. */
	void (*backward)(const float *a, float *d, size_t n, size_t m);
};

/* NULL when the name or id is unknown. */
const struct dnn_act_info *act_by_name(const char *name);
const struct dnn_act_info *act_by_id(int id);

/* The names, in id order, for listings and "did you mean". */
extern const char *const act_names[DNN_ACT_MAX];

#endif
