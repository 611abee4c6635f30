/* The commands. Each parses its own options and returns 0, or -1 with e set;
 * main prints the error and exits with its code. */
#ifndef DNN_CMDS_H
#define DNN_CMDS_H

#include "err.h"

int cmd_train(int argc, char **argv, struct dnn_error *e);
int cmd_predict(int argc, char **argv, struct dnn_error *e);
int cmd_eval(int argc, char **argv, struct dnn_error *e);
int cmd_info(int argc, char **argv, struct dnn_error *e);

/* Their --help texts. */
extern const char cmd_train_help[];
extern const char cmd_predict_help[];
extern const char cmd_eval_help[];
extern const char cmd_info_help[];

#endif
