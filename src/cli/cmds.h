/* The commands. Each parses its own options (opts.h: CMD --help prints the
 * help, CMD --complete-options the options for completion) and returns 0, or
 * -1 with e set; main prints the error and exits with its code. */
#ifndef DNN_CMDS_H
#define DNN_CMDS_H

#include "err.h"

int cmd_train(int argc, char **argv, struct dnn_error *e);
int cmd_predict(int argc, char **argv, struct dnn_error *e);
int cmd_eval(int argc, char **argv, struct dnn_error *e);
int cmd_importance(int argc, char **argv, struct dnn_error *e);
int cmd_info(int argc, char **argv, struct dnn_error *e);
int cmd_gradcheck(int argc, char **argv, struct dnn_error *e);
int cmd_hessian(int argc, char **argv, struct dnn_error *e);
int cmd_lrfind(int argc, char **argv, struct dnn_error *e);
int cmd_split(int argc, char **argv, struct dnn_error *e);
int cmd_cv(int argc, char **argv, struct dnn_error *e);
int cmd_tune(int argc, char **argv, struct dnn_error *e);
int cmd_export(int argc, char **argv, struct dnn_error *e);
int cmd_landscape(int argc, char **argv, struct dnn_error *e);

/* dnn gradcheck with the network altered by tamper (given its initial or
 * loaded weights) before the check: tests use it to show that a broken
 * derivative is caught. */
struct dnn_net;
int cmd_gradcheck_tampered(int argc, char **argv, void (*tamper)(struct dnn_net *),
			   struct dnn_error *e);

#endif
