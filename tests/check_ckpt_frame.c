/* Unit tests for ckpt_frame.c: frames of empty sections built here, parsed
 * from memory and read from files and pipes; trailing data, truncation and
 * streams that never end. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ckpt_format.h"
#include "testutil.h"

/* A frame of the seven required sections, empty but SPEC ("{}"), and the
 * CRC: 12 + 7 * 12 + 2 + 4 bytes. */
static unsigned char frame[12 + 7 * 12 + 2 + 4];

static void put_le(unsigned char *p, uint64_t v, int k)
{
	for (int i = 0; i < k; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void setup(void)
{
	static const char *const tags[7] = {"SPEC", "LAYR", "COLS", "CLAS", "NORM", "WGHT", "HIST"};
	size_t pos = 12;

	memcpy(frame, ckpt_magic, 8);
	put_le(frame + 8, 1, 4);
	for (int s = 0; s < 7; s++) {
		memcpy(frame + pos, tags[s], 4);
		put_le(frame + pos + 4, s ? 0 : 2, 8);
		pos += 12;
		if (!s) {
			memcpy(frame + pos, "{}", 2);
			pos += 2;
		}
	}
	ck_assert_uint_eq(pos + 4, sizeof frame);
	put_le(frame + pos, ckpt_crc(frame, pos), 4);
}

/* ckpt_frame_parse over n bytes of buf: 0, or -1 with the message in msg. */
static int parse(const unsigned char *buf, size_t n, char *msg)
{
	struct ckpt_frame f;
	struct dnn_error e;

	dnn_error_clear(&e);
	if (ckpt_frame_parse(&f, buf, n, "m.dnn", &e) == 0)
		return 0;
	ck_assert_int_eq(e.code, 65);
	ck_assert_str_eq(e.file, "m.dnn");
	strcpy(msg, e.msg);
	return -1;
}

START_TEST(test_parse)
{
	struct ckpt_frame f;
	struct dnn_error e;

	ck_assert_int_eq(ckpt_frame_parse(&f, frame, sizeof frame, "m.dnn", &e), 0);
	ck_assert_ptr_eq(f.sect[S_SPEC], frame + 24);
	ck_assert_uint_eq(f.sect_len[S_SPEC], 2);
	ck_assert_ptr_nonnull(f.sect[S_HIST]);
	ck_assert_ptr_null(f.sect[S_FILL]);
	ck_assert_ptr_null(f.meta);
	ck_assert_ptr_null(f.trst);
}
END_TEST

/* Bytes after the CRC, whatever they are, are trailing data from the
 * offset where the checkpoint ends; a cut is never taken for them. */
START_TEST(test_trailing)
{
	static const struct {
		const char *what;
		size_t n;
	} tails[] = {{"x", 1},
		     {"junk", 4},
		     {"\0\0\0\0\0\0\0\0\0\0\0\0", 12},
		     {"metaXXXXXXXXXXXXXXXXXXXXXXX", 27},
		     {"meta\0\0\0\0\0\0\0\0", 12}};
	unsigned char buf[2 * sizeof frame];
	char msg[1024], want[128];

	snprintf(want, sizeof want, "trailing data after the checkpoint (from offset %zu)",
		 sizeof frame);
	for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
		memcpy(buf, frame, sizeof frame);
		memcpy(buf + sizeof frame, tails[i].what, tails[i].n);
		ck_assert_int_eq(parse(buf, sizeof frame + tails[i].n, msg), -1);
		ck_assert_str_eq(msg, want);
	}
	memcpy(buf, frame, sizeof frame);
	memcpy(buf + sizeof frame, frame, sizeof frame);
	ck_assert_int_eq(parse(buf, sizeof buf, msg), -1);
	ck_assert_str_eq(msg, want);
	for (size_t n = 0; n < sizeof frame; n++) {
		ck_assert_int_eq(parse(frame, n, msg), -1);
		ck_assert_msg(!strstr(msg, "trailing"), "cut at %zu: %s", n, msg);
	}
	ck_assert_int_eq(parse(frame, sizeof frame, msg), 0);
}
END_TEST

/* A temporary file holding n bytes of buf; its path in path. */
static void write_file(char *path, size_t size, const unsigned char *buf, size_t n)
{
	const char *base = getenv("TMPDIR");
	int fd;

	snprintf(path, size, "%s/check_ckpt_frame.XXXXXX", base && *base ? base : "/tmp");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, buf, n), (ssize_t)n);
	close(fd);
}

/* ckpt_frame_read of path: 0, or -1 with the message in msg. */
static int read_path(const char *path, char *msg)
{
	struct ckpt_frame f;
	struct dnn_error e;
	unsigned char *buf = NULL;
	size_t size = 0;

	dnn_error_clear(&e);
	if (ckpt_frame_read(&f, path, "m.dnn", &buf, &size, &e) == 0) {
		ck_assert_uint_eq(size, sizeof frame);
		ck_assert_int_eq(memcmp(buf, frame, size), 0);
		ck_assert_ptr_eq(f.sect[S_SPEC], buf + 24);
		free(buf);
		return 0;
	}
	strcpy(msg, e.msg);
	return -1;
}

/* Files: the size known, a length past it is a truncation. */
START_TEST(test_read_file)
{
	unsigned char buf[sizeof frame + 1];
	char path[1024], msg[1024];

	write_file(path, sizeof path, frame, sizeof frame);
	ck_assert_int_eq(read_path(path, msg), 0);
	unlink(path);
	memcpy(buf, frame, sizeof frame);
	buf[sizeof frame] = '\n';
	write_file(path, sizeof path, buf, sizeof buf);
	ck_assert_int_eq(read_path(path, msg), -1);
	ck_assert_str_eq(msg, "trailing data after the checkpoint (from offset 102)");
	unlink(path);
	memcpy(buf, frame, sizeof frame);
	put_le(buf + 24 + 2 + 4, 1u << 30, 8); /* LAYR's length */
	write_file(path, sizeof path, buf, sizeof frame);
	ck_assert_int_eq(read_path(path, msg), -1);
	ck_assert_str_eq(msg, "truncated checkpoint (section at offset 26 needs 1073741824 "
			      "bytes, 60 are left)");
	unlink(path);
}
END_TEST

/* Standard input a pipe from a child that writes n bytes of head, then,
 * when forever, NUL bytes until the pipe is closed; the child's pid. */
static pid_t feed_stdin(const unsigned char *head, size_t n, int forever)
{
	int p[2];
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		static const unsigned char zeros[65536];

		close(p[0]);
		signal(SIGPIPE, SIG_DFL);
		if (write(p[1], head, n) != (ssize_t)n)
			_exit(1);
		while (forever && write(p[1], zeros, sizeof zeros) > 0)
			;
		_exit(0);
	}
	close(p[1]);
	ck_assert_int_eq(dup2(p[0], STDIN_FILENO), STDIN_FILENO);
	close(p[0]);
	return pid;
}

/* Read standard input fed so, then end the child; the message in msg. */
static int read_fed(const unsigned char *head, size_t n, int forever, char *msg)
{
	pid_t pid = feed_stdin(head, n, forever);
	int rc = read_path("-", msg), status, null = open("/dev/null", O_RDONLY);

	/* Closes the pipe, which ends the child. */
	ck_assert_int_eq(dup2(null, STDIN_FILENO), STDIN_FILENO);
	close(null);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return rc;
}

/* Pipes: the reader stops at the first impossible byte, even when the
 * stream never ends (a hang fails the test by Check's timeout). */
START_TEST(test_read_pipe)
{
	unsigned char buf[sizeof frame + 12];
	char msg[1024];

	ck_assert_int_eq(read_fed(frame, sizeof frame, 0, msg), 0);
	ck_assert_int_eq(read_fed(frame, 8, 1, msg), -1);
	ck_assert_str_eq(msg, "unsupported checkpoint version 0 (this dnn reads versions 1 to 2)");
	ck_assert_int_eq(read_fed(frame, 12, 1, msg), -1);
	ck_assert_str_eq(msg, "bad section tag at offset 12");
	ck_assert_int_eq(read_fed(frame, sizeof frame, 1, msg), -1);
	ck_assert_str_eq(msg, "trailing data after the checkpoint (from offset 102)");
	ck_assert_int_eq(read_fed((const unsigned char *)"\x89PNG\r\n\x1a\n", 8, 1, msg), -1);
	ck_assert_str_eq(msg, "not a dnn checkpoint");
	/* A length that no checkpoint dnn reads can have. */
	memcpy(buf, frame, 12);
	memcpy(buf + 12, "meta", 4);
	put_le(buf + 16, CKPT_MAX_SIZE - 12 - 12 - 4 + 1, 8);
	ck_assert_int_eq(read_fed(buf, 24, 1, msg), -1);
	ck_assert_ptr_nonnull(strstr(msg, "checkpoint larger than the 16 GiB dnn reads (section at "
					  "offset 12 is"));
	/* One that fits, on a stream that ends: truncated. */
	put_le(buf + 16, 100, 8);
	ck_assert_int_eq(read_fed(buf, 24 + 8, 0, msg), -1);
	ck_assert_str_eq(msg, "truncated checkpoint (section at offset 12 needs 100 bytes, 4 are "
			      "left)");
	ck_assert_int_eq(read_fed(frame, 0, 0, msg), -1);
	ck_assert_str_eq(msg, "not a dnn checkpoint (the file is empty)");
}
END_TEST

static Suite *ckpt_frame_suite(void)
{
	Suite *s = suite_create("ckpt_frame");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_trailing);
	tcase_add_test(tc, test_read_file);
	tcase_add_test(tc, test_read_pipe);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(ckpt_frame_suite)
