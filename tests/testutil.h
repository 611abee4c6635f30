/* Shared by the Check unit tests: one main per test program. */
#ifndef DNN_TESTUTIL_H
#define DNN_TESTUTIL_H

#include <check.h>
#include <stdlib.h>

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

#endif
