/* Unit tests for shard.c on a single process (the MPI ranks' own test is
 * tests/mpi.test): a plain file shared by bytes reopened at its first data
 * row, gzip and a pipe shared by rows, standard input refused, and the union
 * of keys leaving one rank's keys as they are. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "datautil.h"
#include "shard.h"

/* Open p, read its first row and share it as shard_open does; the share's
 * rows are then counted into *rows. */
static int share(const char *p, int header, struct shard *sh, size_t *rows,
		 struct dnn_error *e)
{
	struct dnn_csv_opts o = {',', header, 0};
	struct dnn_csv *c = csv_open(p, &o, e);
	int have_row = 1, r;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(csv_next(c, e), 1);
	memset(sh, 0, sizeof *sh);
	if (shard_open(sh, &c, p, &o, &have_row, e)) {
		csv_close(c);
		return -1;
	}
	*rows = 0;
	while ((r = csv_next(c, e)) > 0)
		*rows += shard_keep(sh);
	ck_assert_int_eq(r, 0);
	csv_close(c);
	return 0;
}

START_TEST(test_shares)
{
	const char *text = "a,b\n1,x\n2,y\n3,z\n";
	const char *p = tmp_csv("share.csv", text), *gz = tpath("share.csv.gz");
	struct shard sh;
	struct dnn_error e;
	size_t rows;

	/* One rank's byte share is the whole file after the header. */
	ck_assert_int_eq(share(p, 1, &sh, &rows, &e), 0);
	ck_assert_int_eq(sh.mode, SHARD_BYTES);
	ck_assert_uint_eq(sh.header_lines, 1);
	ck_assert_uint_eq(rows, 3);
	/* Without a header the first row is read again. */
	ck_assert_int_eq(share(p, 0, &sh, &rows, &e), 0);
	ck_assert_uint_eq(sh.header_lines, 0);
	ck_assert_uint_eq(rows, 4);
	/* gzip cannot be entered mid-stream: by rows. */
	write_gz(gz, text, strlen(text));
	ck_assert_int_eq(share(gz, 1, &sh, &rows, &e), 0);
	ck_assert_int_eq(sh.mode, SHARD_ROWS);
	ck_assert_uint_eq(rows, 3);
	ck_assert_uint_eq(sh.row, 3);
}
END_TEST

START_TEST(test_stdin_refused)
{
	struct dnn_csv_opts o = {',', 1, 0};
	struct dnn_error e;
	const char *p = tmp_csv("stdin.csv", "a,b\n1,2\n");
	struct dnn_csv *c = csv_open(p, &o, &e);
	struct shard sh = {0};
	int have_row = 1;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(csv_next(c, &e), 1);
	ck_assert_int_eq(shard_open(&sh, &c, "-", &o, &have_row, &e), -1);
	CK_ERROR(&e, 64, "", 0, 0,
		 "standard input reaches only the first MPI rank; give the data as a file");
	csv_close(c);
}
END_TEST

START_TEST(test_union_one_rank)
{
	struct strtab t = {0};
	struct dnn_error e;
	size_t k;
	int added;

	ck_assert_int_eq(shard_union(&t, &e), 0); /* empty */
	ck_assert_uint_eq(t.n, 0);
	ck_assert_int_eq(strtab_add(&t, "b", 1, &k, &added), 0);
	ck_assert_int_eq(strtab_add(&t, "a", 1, &k, &added), 0);
	ck_assert_int_eq(shard_union(&t, &e), 0);
	ck_assert_uint_eq(t.n, 2);
	ck_assert_uint_eq(strtab_find(&t, "b"), 0);
	ck_assert_uint_eq(strtab_find(&t, "a"), 1);
	strtab_free(&t);
}
END_TEST

static Suite *shard_suite(void)
{
	Suite *s = suite_create("shard");
	TCase *tc = tcase_create("shard");

	tcase_add_test(tc, test_shares);
	tcase_add_test(tc, test_stdin_refused);
	tcase_add_test(tc, test_union_one_rank);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return data_check_main("check_shard", shard_suite);
}
