/* Unit tests of the atomic output (afile.h): replacement, abort, links,
 * devices, the temporaries a signal handler removes, outputs that are
 * inputs. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "afile.h"
#include "testutil.h"

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/check_afile.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static const char *in_dir(const char *name)
{
	static char buf[4][128];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
	return buf[k];
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static int same_text(const char *path, const char *text)
{
	char buf[256] = {0};
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	return n == strlen(text) && memcmp(buf, text, n) == 0;
}

/* Entries of dir, "." and ".." left out. */
static int n_entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

START_TEST(test_replace_and_abort)
{
	struct dnn_afile af;
	struct dnn_error e;

	dnn_error_clear(&e);
	put(in_dir("out"), "old");
	ck_assert_int_eq(afile_open(&af, in_dir("out"), 0, &e), 0);
	ck_assert_int_eq(af.kind, AFILE_TEMP);
	fputs("new", af.f);
	/* Until the commit, the old file is there, beside the temporary. */
	ck_assert(same_text(in_dir("out"), "old"));
	ck_assert_int_eq(n_entries(), 2);
	ck_assert_int_eq(afile_commit(&af, &e), 0);
	ck_assert(same_text(in_dir("out"), "new"));
	ck_assert_int_eq(n_entries(), 1);
	/* Aborted: the file as it was, no temporary. */
	ck_assert_int_eq(afile_open(&af, in_dir("out"), 0, &e), 0);
	fputs("newer", af.f);
	afile_abort(&af);
	afile_abort(&af);
	ck_assert(same_text(in_dir("out"), "new"));
	ck_assert_int_eq(n_entries(), 1);
}
END_TEST

START_TEST(test_write_whole)
{
	struct dnn_error e;

	dnn_error_clear(&e);
	ck_assert_int_eq(afile_write(in_dir("w"), "abc", 3, &e), 0);
	ck_assert(same_text(in_dir("w"), "abc"));
	/* A directory that does not exist: 73, nothing made. */
	ck_assert_int_eq(afile_write(in_dir("no/w"), "abc", 3, &e), -1);
	ck_assert_int_eq(e.code, DNN_EX_CANTCREAT);
	ck_assert_ptr_nonnull(strstr(e.msg, "cannot create '"));
	ck_assert_int_eq(n_entries(), 1);
}
END_TEST

START_TEST(test_symlink_target)
{
	struct dnn_error e;
	struct stat st;

	dnn_error_clear(&e);
	ck_assert_int_eq(mkdir(in_dir("sub"), 0755), 0);
	put(in_dir("sub/real"), "old");
	ck_assert_int_eq(symlink("sub/real", in_dir("link")), 0);
	ck_assert_int_eq(afile_write(in_dir("link"), "new", 3, &e), 0);
	ck_assert_int_eq(lstat(in_dir("link"), &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	ck_assert(same_text(in_dir("sub/real"), "new"));
	/* A dangling link: its target is created. */
	ck_assert_int_eq(symlink("sub/made", in_dir("dangling")), 0);
	ck_assert_int_eq(afile_write(in_dir("dangling"), "x", 1, &e), 0);
	ck_assert(same_text(in_dir("sub/made"), "x"));
	ck_assert_int_eq(lstat(in_dir("dangling"), &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
}
END_TEST

/* Entries of the directory path whose names begin with prefix. */
static int n_named(const char *path, const char *prefix)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return n;
}

/* A chain of relative links across directories: the temporary file is made
 * in the final target's directory (so that the rename stays on its file
 * system and replaces the target), and every link stays a link. */
START_TEST(test_symlink_chain)
{
	struct dnn_afile af;
	struct dnn_error e;
	struct stat st;

	dnn_error_clear(&e);
	ck_assert_int_eq(mkdir(in_dir("a"), 0755), 0);
	ck_assert_int_eq(mkdir(in_dir("b"), 0755), 0);
	put(in_dir("b/real"), "old");
	ck_assert_int_eq(chmod(in_dir("b/real"), 0640), 0);
	ck_assert_int_eq(symlink("a/hop", in_dir("link")), 0);
	ck_assert_int_eq(symlink("../b/real", in_dir("a/hop")), 0);
	ck_assert_int_eq(afile_open(&af, in_dir("link"), 0, &e), 0);
	ck_assert_int_eq(af.kind, AFILE_TEMP);
	fputs("new", af.f);
	/* Until the commit: the temporary beside the target, nowhere else. */
	ck_assert_int_eq(n_named(in_dir("b"), "real.tmp."), 1);
	ck_assert_int_eq(n_named(dir, "link.tmp."), 0);
	ck_assert_int_eq(n_named(in_dir("a"), "hop.tmp."), 0);
	ck_assert(same_text(in_dir("b/real"), "old"));
	ck_assert_int_eq(afile_commit(&af, &e), 0);
	ck_assert(same_text(in_dir("b/real"), "new"));
	ck_assert_int_eq(n_named(in_dir("b"), "real.tmp."), 0);
	ck_assert_int_eq(lstat(in_dir("link"), &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	ck_assert_int_eq(lstat(in_dir("a/hop"), &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	/* The target keeps its permission bits. */
	ck_assert_int_eq(stat(in_dir("b/real"), &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0640);
}
END_TEST

START_TEST(test_device_direct)
{
	struct dnn_afile af;
	struct dnn_error e;

	dnn_error_clear(&e);
	if (access("/dev/full", W_OK) != 0)
		return;
	ck_assert_int_eq(afile_open(&af, "/dev/full", 0, &e), 0);
	ck_assert_int_eq(af.kind, AFILE_DIRECT);
	fputs("x", af.f);
	ck_assert_int_eq(afile_commit(&af, &e), -1);
	ck_assert_int_eq(e.code, DNN_EX_IO);
	ck_assert_str_eq(e.msg, "write error on '/dev/full': No space left on device");
}
END_TEST

START_TEST(test_remove_temps)
{
	struct dnn_afile a, b;
	struct dnn_error e;

	dnn_error_clear(&e);
	ck_assert_int_eq(afile_open(&a, in_dir("a"), 0, &e), 0);
	ck_assert_int_eq(afile_open(&b, in_dir("b"), 0, &e), 0);
	ck_assert_int_eq(n_entries(), 2);
	/* What a signal handler does before dnn ends. */
	afile_remove_temps();
	ck_assert_int_eq(n_entries(), 0);
	afile_abort(&a);
	afile_abort(&b);
	/* Committed or aborted files are out of the list. */
	ck_assert_int_eq(afile_write(in_dir("c"), "c", 1, &e), 0);
	afile_remove_temps();
	ck_assert(same_text(in_dir("c"), "c"));
}
END_TEST

START_TEST(test_stream_in_place)
{
	struct dnn_afile af;
	struct dnn_error e;

	dnn_error_clear(&e);
	ck_assert_int_eq(afile_open(&af, in_dir("log"), AFILE_STREAM, &e), 0);
	ck_assert_int_eq(af.kind, AFILE_INPLACE);
	fputs("line\n", af.f);
	fflush(af.f);
	ck_assert(same_text(in_dir("log"), "line\n"));
	afile_abort(&af);
	ck_assert_int_eq(n_entries(), 0);
}
END_TEST

START_TEST(test_output_is_input)
{
	struct dnn_error e;
	struct dnn_afile_name out[2], in[2];

	dnn_error_clear(&e);
	put(in_dir("data.csv"), "x\n1\n");
	ck_assert_int_eq(symlink("data.csv", in_dir("link")), 0);
	in[0] = (struct dnn_afile_name){in_dir("spec.json"), "SPEC"};
	in[1] = (struct dnn_afile_name){in_dir("data.csv"), "DATA"};
	out[0] = (struct dnn_afile_name){in_dir("new.dnn"), "--output"};
	out[1] = (struct dnn_afile_name){"-", "--log"};
	ck_assert_int_eq(afile_check_inputs(out, 2, in, 2, &e), 0);
	out[1] = (struct dnn_afile_name){in_dir("link"), "--plot"};
	ck_assert_int_eq(afile_check_inputs(out, 2, in, 2, &e), -1);
	ck_assert_int_eq(e.code, DNN_EX_USAGE);
	ck_assert_ptr_nonnull(strstr(e.msg, "--plot '"));
	ck_assert_ptr_nonnull(strstr(e.msg, "' would overwrite DATA '"));
	/* NULL entries are skipped. */
	out[1].path = NULL;
	in[0].path = NULL;
	ck_assert_int_eq(afile_check_inputs(out, 2, in, 2, &e), 0);
}
END_TEST

/* A file replaced keeps its permission bits (0600 stays 0600); a new file
 * gets the mode the umask gives. */
START_TEST(test_keeps_mode)
{
	struct dnn_error e;
	struct stat st;
	mode_t old = umask(022);

	dnn_error_clear(&e);
	put(in_dir("m"), "old");
	ck_assert_int_eq(chmod(in_dir("m"), 0600), 0);
	ck_assert_int_eq(afile_write(in_dir("m"), "new", 3, &e), 0);
	ck_assert_int_eq(stat(in_dir("m"), &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert(same_text(in_dir("m"), "new"));
	ck_assert_int_eq(chmod(in_dir("m"), 0751), 0);
	ck_assert_int_eq(afile_write(in_dir("m"), "newer", 5, &e), 0);
	ck_assert_int_eq(stat(in_dir("m"), &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0751);
	ck_assert_int_eq(afile_write(in_dir("fresh"), "x", 1, &e), 0);
	ck_assert_int_eq(stat(in_dir("fresh"), &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0644);
	umask(old);
}
END_TEST

/* A pid that no process has: a child's, once it has been waited for. */
static pid_t dead_pid(void)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	return pid;
}

/* The temporary file is TARGET.tmp.PID.XXXXXX; a save removes the stale
 * ones of its target (their writer gone), and nothing else. */
START_TEST(test_stale_temps)
{
	struct dnn_afile af;
	struct dnn_error e;
	char name[128], dead[64], live[64], other[64];
	pid_t gone = dead_pid();

	dnn_error_clear(&e);
	ck_assert_int_eq(afile_open(&af, in_dir("m.dnn"), 0, &e), 0);
	snprintf(name, sizeof name, "%s/m.dnn.tmp.%ld.", dir, (long)getpid());
	ck_assert_int_eq(strncmp(af.tmp, name, strlen(name)), 0);
	ck_assert_uint_eq(strlen(af.tmp), strlen(name) + 6);
	afile_abort(&af);
	snprintf(dead, sizeof dead, "m.dnn.tmp.%ld.AbC123", (long)gone);
	snprintf(live, sizeof live, "m.dnn.tmp.%ld.AbC123", (long)getppid());
	snprintf(other, sizeof other, "n.dnn.tmp.%ld.AbC123", (long)gone);
	put(in_dir(dead), "stale");
	put(in_dir(live), "in use");
	put(in_dir(other), "another target");
	put(in_dir("m.dnn.tmp.1x.AbC123"), "not the pattern");
	snprintf(name, sizeof name, "m.dnn.tmp.%ld.AbC12", (long)gone);
	put(in_dir(name), "five characters");
	ck_assert_int_eq(afile_write(in_dir("m.dnn"), "m", 1, &e), 0);
	ck_assert_int_eq(access(in_dir(dead), F_OK), -1);
	ck_assert(same_text(in_dir(live), "in use"));
	ck_assert(same_text(in_dir(other), "another target"));
	ck_assert(same_text(in_dir("m.dnn.tmp.1x.AbC123"), "not the pattern"));
	ck_assert(same_text(in_dir(name), "five characters"));
	ck_assert(same_text(in_dir("m.dnn"), "m"));
	ck_assert_int_eq(n_entries(), 5);
}
END_TEST

/* A directory as an output: 73, "PATH: is a directory", nothing made. */
START_TEST(test_directory)
{
	struct dnn_afile af;
	struct dnn_error e;

	dnn_error_clear(&e);
	ck_assert_int_eq(mkdir(in_dir("d"), 0755), 0);
	ck_assert_int_eq(afile_write(in_dir("d"), "x", 1, &e), -1);
	ck_assert_int_eq(e.code, DNN_EX_CANTCREAT);
	ck_assert_str_eq(e.msg, "is a directory");
	ck_assert_str_eq(e.file, in_dir("d"));
	ck_assert_int_eq(afile_open(&af, in_dir("d/"), AFILE_STREAM, &e), -1);
	ck_assert_str_eq(e.msg, "is a directory");
	ck_assert_int_eq(afile_open(&af, in_dir("new/"), 0, &e), -1);
	ck_assert_str_eq(e.msg, "is a directory");
	ck_assert_int_eq(afile_probe(in_dir("d"), &e), -1);
	ck_assert_int_eq(afile_probe(in_dir("no/x"), &e), -1);
	ck_assert_int_eq(e.code, DNN_EX_CANTCREAT);
	ck_assert_int_eq(afile_probe(in_dir("x"), &e), 0);
	ck_assert_int_eq(afile_probe("/dev/null", &e), 0);
	ck_assert_int_eq(n_entries(), 1);
}
END_TEST

static Suite *afile_suite(void)
{
	Suite *s = suite_create("afile");
	TCase *tc = tcase_create("afile");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_replace_and_abort);
	tcase_add_test(tc, test_write_whole);
	tcase_add_test(tc, test_symlink_target);
	tcase_add_test(tc, test_symlink_chain);
	tcase_add_test(tc, test_device_direct);
	tcase_add_test(tc, test_remove_temps);
	tcase_add_test(tc, test_stream_in_place);
	tcase_add_test(tc, test_output_is_input);
	tcase_add_test(tc, test_keeps_mode);
	tcase_add_test(tc, test_stale_temps);
	tcase_add_test(tc, test_directory);
	suite_add_tcase(s, tc);
	return s;
}

DNN_CHECK_MAIN(afile_suite)
