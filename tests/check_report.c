/* dnn train's messages (report.c): the --log line, the epoch line, a failed
 * log write, the warning format, and what --quiet and -v leave out. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "testutil.h"

static const struct dnn_epoch classify = {3, 0.5, NAN, 0.75, NAN, 0.01, 1.5};

/* The log line leaves out the figures that do not apply (NaN); --quiet
 * still logs but prints no epoch line. */
START_TEST(test_log_line)
{
	struct report r = {.quiet = 1};
	const struct dnn_epoch ep = {2, 0.25, 0.5, NAN, NAN, 0.001, 0.125};
	const struct dnn_epoch_reg reg = {0.5, NAN, 0.875, NAN};
	struct capture c;
	char *buf = NULL, *err;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	report_start(&r, 10, f);
	ck_assert_int_eq(r.progress, 0);
	capture_start(&c);
	report_epoch(&classify, NULL, 10, &r);
	report_epoch(&ep, &reg, 10, &r);
	err = capture_end(&c);
	ck_assert_str_eq(err, "");
	fclose(f);
	ck_assert_str_eq(buf,
			 "{\"epoch\":3,\"loss\":0.5,\"accuracy\":0.75,\"learning_rate\":0.01,"
			 "\"seconds\":1.5}\n"
			 "{\"epoch\":2,\"loss\":0.25,\"val_loss\":0.5,\"mae\":0.5,\"r2\":0.875,"
			 "\"learning_rate\":0.001,\"seconds\":0.125}\n");
	ck_assert_int_eq(r.log_failed, 0);
	free(buf);
	free(err);
}
END_TEST

START_TEST(test_epoch_line)
{
	struct report r = {0};
	struct capture c;
	char *err;

	report_start(&r, 10, NULL);
	capture_start(&c);
	report_epoch(&classify, NULL, 10, &r);
	err = capture_end(&c);
	ck_assert_str_eq(err, "epoch 3/10  loss 0.5  acc 0.7500  lr 0.01  1.50s\n");
	free(err);
}
END_TEST

/* A log on a full device: the failure and its errno are kept for the
 * error message, and the log is not written again. */
START_TEST(test_log_full)
{
	struct report r = {.quiet = 1};
	FILE *f = fopen("/dev/full", "w");

	if (!f)
		return; /* no /dev/full here */
	report_start(&r, 10, f);
	report_epoch(&classify, NULL, 10, &r);
	ck_assert_int_eq(r.log_failed, 1);
	ck_assert_int_eq(r.log_errno, ENOSPC);
	errno = 0;
	report_epoch(&classify, NULL, 10, &r);
	ck_assert_int_eq(errno, 0);
	ck_assert_int_eq(r.log_errno, ENOSPC);
	fclose(f);
}
END_TEST

START_TEST(test_warn)
{
	struct capture c;
	char *err;

	capture_start(&c);
	report_warn("layers[%zu] uses %s", (size_t)2, "step");
	err = capture_end(&c);
	ck_assert_str_eq(err, "dnn: warning: layers[2] uses step\n");
	free(err);
}
END_TEST

/* Notes go unless quiet; timings only with -v. */
START_TEST(test_quiet_verbose)
{
	struct report loud = {0}, quiet = {.quiet = 1, .verbose = 1}, verbose = {.verbose = 1};
	struct capture c;
	char *err;

	capture_start(&c);
	report_filled(&loud, 1.0);
	report_filled(&loud, 0.0);
	report_filled(&quiet, 3.0);
	report_wrote(&loud, "m.dnn", 0.5);
	report_wrote(&quiet, "m.dnn", 0.5);
	report_wrote(&verbose, "m.dnn", 0.5);
	report_saved(&quiet, "m.dnn");
	report_saved(&loud, "m.dnn");
	err = capture_end(&c);
	ck_assert_str_eq(err, "filled 1 missing input cell with the training means\n"
			      "wrote m.dnn in 0.500s\n"
			      "saved m.dnn\n");
	free(err);
}
END_TEST

/* Early stopping, the best epoch kept without stopping, lbfgs converged. */
START_TEST(test_stop)
{
	struct report r = {0};
	struct dnn_epoch ep[5] = {{0}};
	const struct dnn_history h = {5, 5, ep};
	const struct dnn_train_stop early = {.best_epoch = 2, .early = 1, .monitor_val = 1};
	const struct dnn_train_stop kept = {.best_epoch = 4};
	const struct dnn_train_stop last = {.best_epoch = 5, .converged = 1};
	struct capture c;
	char *err;

	capture_start(&c);
	report_stop(&r, &early, &h, 3);
	report_stop(&r, &kept, &h, 3);
	report_stop(&r, &last, &h, 3);
	report_stop(&r, &kept, &h, 0);
	err = capture_end(&c);
	ck_assert_str_eq(err, "early stopping: val_loss has not improved for 3 epochs; kept the "
			      "weights of epoch 2\n"
			      "kept the weights of epoch 4, the lowest loss\n"
			      "lbfgs converged in epoch 5\n");
	free(err);
}
END_TEST

static Suite *report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_log_line);
	tcase_add_test(tc, test_epoch_line);
	tcase_add_test(tc, test_log_full);
	tcase_add_test(tc, test_warn);
	tcase_add_test(tc, test_quiet_verbose);
	tcase_add_test(tc, test_stop);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(report_suite)
