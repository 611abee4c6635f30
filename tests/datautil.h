/* Shared by the unit tests of the data modules: a scratch directory, files
 * written into it, loading helpers and the test programs' main. */
#ifndef DNN_DATAUTIL_H
#define DNN_DATAUTIL_H

#include <check.h>
#include <math.h>
#include <stddef.h>

#include "data.h"

#ifndef TEST_DATADIR
#define TEST_DATADIR "tests/data"
#endif
#ifndef DATADIR
#define DATADIR "data"
#endif

#define CK_NEAR(a, b, tol)                                                                         \
	ck_assert_msg(fabs((double)(a) - (double)(b)) <= (tol), "%s = %.9g, expected %.9g", #a,    \
		      (double)(a), (double)(b))

/* Exact float equality (Check's own macro promotes to double in printf). */
#define CK_FEQ(a, b)                                                                               \
	ck_assert_msg((a) == (b), "%s = %.9g, expected %.9g", #a, (double)(a), (double)(b))

#define CK_ERROR(e, code_, file_, line_, col_, msg_)                                               \
	do {                                                                                       \
		ck_assert_int_eq((e)->code, (code_));                                              \
		ck_assert_str_eq((e)->file, (file_));                                              \
		ck_assert_uint_eq((e)->line, (line_));                                             \
		ck_assert_uint_eq((e)->column, (col_));                                            \
		ck_assert_str_eq((e)->msg, (msg_));                                                \
	} while (0)

#define CLS DNN_TASK_CLASSIFICATION
#define REG DNN_TASK_REGRESSION

/* A path in the test's scratch directory (four rotating buffers). */
const char *tpath(const char *name);
void write_bytes(const char *path, const char *text, size_t len);
/* Write text (a C string) to a scratch file and return its path. */
const char *tmp_csv(const char *name, const char *text);
/* The whole of a file, malloc'd. */
char *slurp(const char *path, size_t *len);
void write_gz(const char *path, const char *text, size_t len);
struct dnn_data_opts opts(int task, int header, char delim);
/* data_load of path with one target by name (NULL: the default). */
int load(struct dnn_dataset *d, const char *path, const char *target, int task,
		struct dnn_error *e);
/* data_load of text that must fail; e gets the error, path the file. */
const char *load_fail(const char *text, const char *target, int task, struct dnn_error *e);
/* The first locale among a few whose decimal point is a comma, or NULL. */
const char *comma_locale(void);
int load_cat(struct dnn_dataset *d, const char *path, const char *cat, int missing_ok,
		    struct dnn_error *e);
/* The scratch directory. */
const char *scratch_dir(void);
/* Run the suite in a fresh scratch directory named after the program, and
 * remove it: the exit status of a test program. */
int data_check_main(const char *name, Suite *(*make_suite)(void));

#endif
