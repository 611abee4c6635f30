/* The kinds of weight initialisation, shared by the spec (which names them)
 * and the activation table (which picks the default one). The ids reach the
 * checkpoint: never renumber. */
#ifndef DNN_INIT_H
#define DNN_INIT_H

enum dnn_init {
	DNN_INIT_AUTO = 0,	     /* the activation's own (act.h): he_normal before relu,
				      * glorot_uniform otherwise */
	DNN_INIT_GLOROT_UNIFORM = 1, /* also "glorot" */
	DNN_INIT_GLOROT_NORMAL = 2,
	DNN_INIT_HE_UNIFORM = 3,
	DNN_INIT_HE_NORMAL = 4	     /* also "he" */
};

#endif
