/* Errors: a failing function returns -1 and fills a struct dnn_error; main
 * prints it once (dnn_error_print in src/cli) as "dnn: FILE:LINE:COLUMN:
 * message" and exits with its code. */
#ifndef DNN_ERR_H
#define DNN_ERR_H

#include <stdio.h>

/* Exit codes (sysexits.h values, spelled out so they reach every platform). */
enum dnn_exit {
	DNN_EX_OK = 0,
	DNN_EX_FAIL = 1,	/* a check failed */
	DNN_EX_USAGE = 64,	/* command line usage error */
	DNN_EX_DATA = 65,	/* bad data or spec */
	DNN_EX_NOINPUT = 66,	/* input missing or unreadable */
	DNN_EX_SOFTWARE = 70,	/* internal error (includes out of memory) */
	DNN_EX_OSERR = 71,	/* the system cannot provide it: a network larger
				 * than the machine's memory */
	DNN_EX_CANTCREAT = 73,	/* output cannot be created */
	DNN_EX_IO = 74,		/* I/O error */
	DNN_EX_INTERRUPT = 130	/* interrupted by SIGINT */
};

struct dnn_error {
	int code;		/* enum dnn_exit; 0 when no error is set */
	unsigned long line;	/* 1-based; 0 when unknown */
	unsigned long column;	/* 1-based; 0 when unknown */
	char file[512];		/* empty when the error has no file */
	char msg[1024];
};

#if defined(__GNUC__)
#define DNN_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define DNN_PRINTF(f, a)
#endif

void dnn_error_clear(struct dnn_error *e);

/* Fill e (if not NULL) and return -1, so that callers can write
 * "return dnn_error_set(e, DNN_EX_DATA, path, line, col, "...", ...);". */
int dnn_error_set(struct dnn_error *e, int code, const char *file, unsigned long line,
		  unsigned long column, const char *fmt, ...) DNN_PRINTF(6, 7);

/* Out of memory: code 70 with a fixed message. Returns -1. */
int dnn_error_oom(struct dnn_error *e);

/* "FILE:LINE:COLUMN: message", leaving out the parts that are unknown; one
 * line: newline, carriage return and tab written \n, \r and \t, every other
 * control byte and every byte that is not UTF-8 as \xNN, whatever module
 * put them in the message. */
void dnn_error_format(const struct dnn_error *e, char *buf, size_t size);


#endif
