/* dnn: dispatch to the commands, print errors once, map them to exit codes. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "afile.h"
#include "cli.h"
#include "cmds.h"
#include "opts.h"
#include "dist.h"
#include "env.h"
#include "input.h"
#include "mat.h"
#include "err.h"
#include "util.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv, struct dnn_error *e);
	const char *summary;
};

static const struct command commands[] = {
	{"train", cmd_train, "train a network on a CSV dataset, write a checkpoint"},
	{"predict", cmd_predict, "predictions of a checkpoint for CSV rows"},
	{"eval", cmd_eval, "loss and metrics of a checkpoint on labelled CSV rows"},
	{"info", cmd_info, "what a checkpoint holds: layers, columns, classes, history"},
	{"gradcheck", cmd_gradcheck, "backpropagation against finite differences, per layer"},
	{"hessian", cmd_hessian, "curvature of the loss: Hessian eigenvalues, saddles, step sizes"},
	{"importance", cmd_importance,
	 "how much each input column matters: permutation importance, gradients"},
	{"landscape", cmd_landscape, "the loss along a line or on a plane around a checkpoint"},
	{"lr-find", cmd_lrfind, "learning-rate range test, with a suggested rate"},
	{"split", cmd_split, "split CSV rows into a training and a test file"},
	{"cv", cmd_cv, "k-fold cross-validation of a spec on CSV rows"},
	{"tune", cmd_tune, "hyperparameter search: random, grid or successive halving"},
	{"export", cmd_export, "a checkpoint as a self-contained C header"},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
	fputs("Usage: dnn COMMAND [OPTIONS] [ARGS]\n"
	      "Train dense feed-forward neural networks from the command line.\n"
	      "\n"
	      "Commands:\n",
	      f);
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].summary);
	fputs("  help        help on a command: dnn help COMMAND\n"
	      "\n"
	      "Options:\n"
	      "  -h, --help     show this help\n"
	      "  -V, --version  show the version\n"
	      "\n"
	      "See dnn(1), dnn-spec(5) and dnn-checkpoint(5).\n",
	      f);
}

/* The short usage that a bare dnn prints on standard error: three lines. */
static void short_usage(FILE *f)
{
	fputs("Usage: dnn COMMAND [OPTIONS] [ARGS]\nCommands:", f);
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, " %s", commands[i].name);
	fputs(" help\nTry 'dnn --help' for more, or see dnn(1).\n", f);
}

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int unknown_command(const char *name, struct dnn_error *e)
{
	const char *names[N_COMMANDS + 1];
	const char *near;

	for (size_t i = 0; i < N_COMMANDS; i++)
		names[i] = commands[i].name;
	names[N_COMMANDS] = "help";
	near = util_closest(name, names, N_COMMANDS + 1);
	if (near)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "unknown command '%s' (did you mean '%s'?)", name, near);
	return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0, "unknown command '%s'", name);
}

/* Run command c alone with the option arg (--help, OPTS_LIST_ARG): what it
 * prints of its option table. */
static int run_option(const struct command *c, const char *arg, struct dnn_error *e)
{
	char name[32], opt[32];
	char *args[] = {name, opt, NULL};

	snprintf(name, sizeof name, "%s", c->name);
	snprintf(opt, sizeof opt, "%s", arg);
	return c->fn(2, args, e);
}

/* dnn help [COMMAND] */
static int cmd_help(int argc, char **argv, struct dnn_error *e)
{
	const struct command *c;

	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	if (argc > 2)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0, "expected at most one COMMAND");
	if (strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	c = find(argv[1]);
	if (!c)
		return unknown_command(argv[1], e);
	return run_option(c, "--help", e);
}

/* dnn --complete [COMMAND], for the bash completion (not in --help): the
 * commands one per line, or COMMAND's options as opts_list prints them. */
static int complete(int argc, char **argv, struct dnn_error *e)
{
	const struct command *c;

	if (argc < 2) {
		for (size_t i = 0; i < N_COMMANDS; i++)
			puts(commands[i].name);
		puts("help");
		return 0;
	}
	if (argc > 2)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0, "expected at most one COMMAND");
	if (strcmp(argv[1], "help") == 0)
		return 0;
	c = find(argv[1]);
	if (!c)
		return unknown_command(argv[1], e);
	return run_option(c, OPTS_LIST_ARG, e);
}

/* A failed write to standard output (a full disk, a closed pipe) must not
 * pass for success. */
static int close_stdout(struct dnn_error *e)
{
	int bad = ferror(stdout);

	errno = 0;
	if (fclose(stdout) != 0 || bad)
		return cli_stdout_error(errno, e);
	return 0;
}

/* Keep descriptors 0-2 taken, so that no file that dnn opens (a checkpoint
 * being written) becomes standard output: a closed one is replaced by
 * /dev/null opened the other way round, so that using it still fails. */
static void hold_std_fds(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			int n = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);

			if (n >= 0 && n != fd)
				close(n);
		}
}

/* dnn --version: the version, then what this build and this machine use. */
static int version(struct dnn_error *e)
{
	if (env_set_threads(0, e))
		return -1;
	printf("dnn %s\n", PACKAGE_VERSION);
	printf("gemm kernel: %s (chosen at run time among avx512, avx2 and portable C)\n",
	       mat_builtin_kernel_name());
	printf("bf16 kernel: %s (--precision bf16; chosen at run time among amx, avx512bf16 and "
	       "an emulation in C)\n",
	       mat_bf16_kernel_name());
	printf("threads: %zu by default (pthreads; --threads or DNN_THREADS to change)\n",
	       mat_threads());
	if (!mat_blas_name())
		printf("blas: none (the built-in gemm)\n");
	else if (strcmp(mat_kernel_name(), mat_blas_name()) != 0)
		printf("blas: %s, not used (DNN_GEMM=builtin)\n", mat_blas_name());
	else
		printf("blas: %s, cblas_sgemm for every product (DNN_GEMM=builtin for the "
		       "kernel above)\n",
		       mat_blas_name());
	if (strcmp(dist_library(), "no") == 0)
		printf("mpi: no (configure --with-mpi to train across ranks under mpirun)\n");
	else
		printf("mpi: yes, %s (%d rank%s here; dnn train runs data-parallel under mpirun)\n",
		       dist_library(), dist_size(), dist_size() == 1 ? "" : "s");
	printf("input: plain, gzip (zlib %s), read in a thread of its own\n", input_zlib_version());
	return 0;
}

/* SIGINT, SIGTERM or SIGHUP end dnn as they would, but first remove the
 * temporary file of an output being written (afile.h), so that a save cut
 * short leaves no FILE.tmp.* behind. dnn train catches SIGINT and SIGTERM
 * itself while it trains, to save the weights. */
static void on_fatal_signal(int sig)
{
	afile_remove_temps();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Catch the signals above, except those the caller ignores (nohup). */
static void catch_fatal_signals(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa, old;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_fatal_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(sigs[i], &sa, NULL);
}

int main(int argc, char **argv)
{
	struct dnn_error e;
	const struct command *c = NULL;
	int rc;

	dnn_error_clear(&e);
	hold_std_fds();
	/* A reader that goes away must not end dnn as SIGPIPE would: training
	 * goes on to save its checkpoint when the log's reader left (--log -
	 * | head -1), and a save is never cut short. A write to a closed pipe
	 * fails with EPIPE instead; a report on standard output then ends its
	 * command quietly (CLI_EX_PIPE), as SIGPIPE ends cat. */
	signal(SIGPIPE, SIG_IGN);
	catch_fatal_signals();
	if (dist_init(&e)) {
		if (dist_rank() == 0)
			dnn_error_print(&e, stderr);
		dist_finalize();
		return e.code;
	}
	if (env_mpi_native_sum())
		dist_use_native_sum();
	/* The gemm DNN_GEMM asks for, for every command. */
	env_set_gemm();
	if (argc < 2) {
		short_usage(stderr);
		return DNN_EX_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		rc = 0;
	} else if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		rc = version(&e);
	} else if (strcmp(argv[1], "help") == 0) {
		rc = cmd_help(argc - 1, argv + 1, &e);
	} else if (strcmp(argv[1], "--complete") == 0) {
		rc = complete(argc - 1, argv + 1, &e);
	} else if (argv[1][0] == '-') {
		rc = dnn_error_set(&e, DNN_EX_USAGE, NULL, 0, 0,
				   "unknown option '%s'; the command comes first", argv[1]);
	} else if (!(c = find(argv[1]))) {
		rc = unknown_command(argv[1], &e);
	} else if (dist_active() && strcmp(c->name, "train") != 0 && strcmp(c->name, "cv") != 0 &&
		   strcmp(c->name, "tune") != 0) {
		rc = dnn_error_set(&e, DNN_EX_USAGE, NULL, 0, 0,
				   "only 'dnn train', 'dnn cv' and 'dnn tune' run across MPI ranks; "
				   "run 'dnn %s' as one process",
				   c->name);
	} else {
		rc = c->fn(argc - 1, argv + 1, &e);
	}
	if (close_stdout(rc ? NULL : &e))
		rc = -1;
	if (rc != 0 && e.code == CLI_EX_PIPE) {
		dist_finalize();
		return CLI_EX_PIPE;
	}
	if (rc != 0) {
		if (!e.code)
			dnn_error_set(&e, DNN_EX_SOFTWARE, NULL, 0, 0, "internal error");
		if (e.code == DNN_EX_USAGE) {
			size_t len = strlen(e.msg);

			snprintf(e.msg + len, sizeof e.msg - len, "; try 'dnn %s%s--help'",
				 c ? c->name : "", c ? " " : "");
		}
		/* Every rank has the same outcome (dist_agree); rank 0 reports
		 * it before any rank leaves, as mpirun stops the others when
		 * one exits with an error. */
		if (dist_rank() == 0)
			dnn_error_print(&e, stderr);
	}
	dist_finalize();
	return rc == 0 ? 0 : e.code;
}
