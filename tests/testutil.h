/* Shared by the Check unit tests: one main per test program. */
#ifndef DNN_TESTUTIL_H
#define DNN_TESTUTIL_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define DNN_CHECK_MAIN(make_suite)                                                         \
	int main(void)                                                                     \
	{                                                                                  \
		SRunner *sr = srunner_create(make_suite());                                \
		int failed;                                                                \
		srunner_run_all(sr, CK_NORMAL);                                            \
		failed = srunner_ntests_failed(sr);                                        \
		srunner_free(sr);                                                          \
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;                               \
	}

/* Standard error in a temporary file between capture_start and
 * capture_end, which returns what was written (malloc'd, at most 4095
 * bytes). */
struct capture {
	FILE *tmp;
	int saved;
};

static inline void capture_start(struct capture *c)
{
	fflush(stderr);
	c->tmp = tmpfile();
	ck_assert_ptr_nonnull(c->tmp);
	c->saved = dup(STDERR_FILENO);
	ck_assert_int_ge(c->saved, 0);
	ck_assert_int_ge(dup2(fileno(c->tmp), STDERR_FILENO), 0);
}

static inline char *capture_end(struct capture *c)
{
	char *buf = calloc(4096, 1);
	size_t n;

	fflush(stderr);
	ck_assert_int_ge(dup2(c->saved, STDERR_FILENO), 0);
	close(c->saved);
	rewind(c->tmp);
	ck_assert_ptr_nonnull(buf);
	n = fread(buf, 1, 4095, c->tmp);
	buf[n] = '\0';
	fclose(c->tmp);
	return buf;
}

#endif
