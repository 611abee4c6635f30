/* Unit tests for csv.c: the tokenizer (quotes, line ends, byte-order
 * marks, blanks, delimiters, gzip, standard input, locales, exact numbers)
 * and its fast path against the general one, with every error's code,
 * position and message. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "datautil.h"

/* data_load("-") with fd 0 reading path. */
static int load_stdin(struct dnn_dataset *d, const char *path, struct dnn_error *e)
{
	int saved = dup(0), fd = open(path, O_RDONLY), rc;

	ck_assert_int_ge(saved, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(dup2(fd, 0), 0);
	close(fd);
	rc = load(d, "-", NULL, CLS, e);
	ck_assert_int_eq(dup2(saved, 0), 0);
	close(saved);
	return rc;
}

/* A random number's text in one of the shapes data files hold. */
static void random_number(unsigned *seed, char *buf, size_t size)
{
	unsigned r = (unsigned)rand_r(seed);

	switch (r % 6) {
	case 0: /* small integers, the SWAR path */
		snprintf(buf, size, "%u", (unsigned)rand_r(seed) % 256);
		break;
	case 1: /* up to 10 digits */
		snprintf(buf, size, "%u%u", (unsigned)rand_r(seed) % 100000,
			 (unsigned)rand_r(seed) % 100000);
		break;
	case 2:
		snprintf(buf, size, "-%u.%u", (unsigned)rand_r(seed) % 1000,
			 (unsigned)rand_r(seed) % 100000);
		break;
	case 3:
		snprintf(buf, size, "%.9g", (double)rand_r(seed) / RAND_MAX * 1e6);
		break;
	case 4:
		snprintf(buf, size, "%de%d", rand_r(seed) % 10, rand_r(seed) % 20 - 10);
		break;
	default:
		snprintf(buf, size, "+0.%07u", (unsigned)rand_r(seed) % 10000000);
		break;
	}
}

START_TEST(test_no_header)
{
	struct dnn_dataset d;
	struct dnn_error e = {0};
	struct dnn_data_opts o = opts(CLS, 0, ',');
	const char *p = tmp_csv("nohdr.csv", "1,2,a\n3,4,b\n5,6,a\n");

	ck_assert_int_eq(data_load(&d, p, &o, &e), 0);
	ck_assert_uint_eq(d.n_rows, 3);
	ck_assert_uint_eq(d.n_cols, 3);
	ck_assert_str_eq(d.col_names[0], "0");
	ck_assert_str_eq(d.col_names[1], "1");
	ck_assert_str_eq(d.col_names[2], "2");
	CK_FEQ(d.x[0], 1.0f);
	CK_FEQ(d.x[5], 6.0f);
	ck_assert_uint_eq(d.label[1], 1);
	data_free(&d);

	/* A target by name is a number without a header. */
	struct dnn_column_ref ref = {"0", 0};
	o.targets = &ref;
	o.n_targets = 1;
	o.task = REG;
	p = tmp_csv("nohdr2.csv", "1,2,3\n4,5,6\n");
	ck_assert_int_eq(data_load(&d, p, &o, &e), 0);
	ck_assert_int_eq(d.col_role[0], DNN_COL_TARGET);
	CK_FEQ(d.y[1], 4.0f);
	CK_FEQ(d.x[3], 6.0f);
	data_free(&d);
}

START_TEST(test_quoted)
{
	struct dnn_dataset d;
	struct dnn_error e;

	ck_assert_int_eq(load(&d, TEST_DATADIR "/csv_quoted.csv", NULL, CLS, &e), 0);
	ck_assert_uint_eq(d.n_rows, 3);
	ck_assert_str_eq(d.col_names[0], "name, with comma");
	ck_assert_str_eq(d.col_names[1], "say \"hi\"");
	CK_FEQ(d.x[0], 1.5f);
	CK_FEQ(d.x[1], 2.0f);
	CK_FEQ(d.x[2], 3.0f);
	CK_FEQ(d.x[3], 4.25f);
	ck_assert_uint_eq(d.n_classes, 3);
	ck_assert_str_eq(d.class_names[0], "a \"quoted\" label");
	ck_assert_str_eq(d.class_names[1], "plain");
	ck_assert_str_eq(d.class_names[2], "two\nlines");
	ck_assert_uint_eq(d.label[0], 1);
	ck_assert_uint_eq(d.label[1], 2);
	ck_assert_uint_eq(d.label[2], 0);
	data_free(&d);
}

START_TEST(test_csv_api)
{
	struct dnn_error e = {0};
	struct dnn_csv_opts o = {',', 1, 0};
	struct dnn_csv *c = csv_open(TEST_DATADIR "/csv_quoted.csv", &o, &e);

	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(csv_name(c), TEST_DATADIR "/csv_quoted.csv");
	ck_assert_int_eq(csv_next(c, &e), 1);
	ck_assert_uint_eq(csv_nfields(c), 3);
	ck_assert_uint_eq(csv_line(c), 1);
	ck_assert_uint_eq(csv_column(c, 0), 1);
	ck_assert_uint_eq(csv_column(c, 1), 20);
	ck_assert_uint_eq(csv_column(c, 2), 33);
	ck_assert_ptr_null(csv_field(c, 3));
	ck_assert_uint_eq(csv_column(c, 3), 0);
	ck_assert_int_eq(csv_next(c, &e), 1);
	ck_assert_uint_eq(csv_line(c), 2);
	ck_assert_str_eq(csv_field(c, 1), "2");
	ck_assert_int_eq(csv_next(c, &e), 1);
	ck_assert_uint_eq(csv_line(c), 3);
	ck_assert_str_eq(csv_field(c, 0), " 3 ");
	ck_assert_str_eq(csv_field(c, 2), "two\nlines");
	ck_assert_uint_eq(csv_column(c, 2), 14);
	/* The row after a quoted newline starts on line 5. */
	ck_assert_int_eq(csv_next(c, &e), 1);
	ck_assert_uint_eq(csv_line(c), 5);
	ck_assert_str_eq(csv_field(c, 2), "a \"quoted\" label");
	ck_assert_int_eq(csv_next(c, &e), 0);
	ck_assert_int_eq(csv_next(c, &e), 0);
	ck_assert_int_eq(e.code, 0);
	csv_close(c);
	csv_close(NULL);

	/* Empty fields, a last line without a newline, a CRLF, a quoted CRLF
	 * kept as it is. */
	const char *p = tmp_csv("api.csv", ",\n\"\",x\r\n\"a\r\nb\",\"\"\"\"\n1,2");
	c = csv_open(p, NULL, &e);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(csv_next(c, &e), 1);
	ck_assert_uint_eq(csv_nfields(c), 2);
	ck_assert_str_eq(csv_field(c, 0), "");
	ck_assert_str_eq(csv_field(c, 1), "");
	ck_assert_uint_eq(csv_column(c, 1), 2);
	ck_assert_int_eq(csv_next(c, &e), 1);
	ck_assert_uint_eq(csv_line(c), 2);
	ck_assert_str_eq(csv_field(c, 0), "");
	ck_assert_str_eq(csv_field(c, 1), "x");
	ck_assert_int_eq(csv_next(c, &e), 1);
	ck_assert_uint_eq(csv_line(c), 3);
	ck_assert_str_eq(csv_field(c, 0), "a\r\nb");
	ck_assert_str_eq(csv_field(c, 1), "\"");
	ck_assert_uint_eq(csv_column(c, 1), 4);
	ck_assert_int_eq(csv_next(c, &e), 1);
	ck_assert_uint_eq(csv_line(c), 5);
	ck_assert_str_eq(csv_field(c, 1), "2");
	ck_assert_uint_eq(csv_column(c, 1), 3);
	ck_assert_int_eq(csv_next(c, &e), 0);
	csv_close(c);

	/* A bare CR is data inside quotes (not a line end), an error outside
	 * them: as a line end or in a cell. */
	p = tmp_csv("cr.csv", "\"a\rb\",c\nd,e\rf\n");
	c = csv_open(p, NULL, &e);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(csv_next(c, &e), 1);
	ck_assert_str_eq(csv_field(c, 0), "a\rb");
	ck_assert_uint_eq(csv_column(c, 1), 7);
	ck_assert_int_eq(csv_next(c, &e), -1);
	ck_assert_int_eq(e.code, DNN_EX_DATA);
	ck_assert_uint_eq(e.line, 2);
	ck_assert_uint_eq(e.column, 4);
	ck_assert_str_eq(e.msg, "bare carriage return (lines end in LF or CRLF)");
	csv_close(c);
}

START_TEST(test_crlf_bom_blank_lines)
{
	struct dnn_dataset d;
	struct dnn_error e;
	const char *p;

	p = tmp_csv("crlf.csv", "a,b,c\r\n1,2,x\r\n3,4,y\r\n");
	ck_assert_int_eq(load(&d, p, NULL, CLS, &e), 0);
	ck_assert_uint_eq(d.n_rows, 2);
	ck_assert_str_eq(d.col_names[2], "c");
	ck_assert_str_eq(d.class_names[0], "x");
	ck_assert_str_eq(d.class_names[1], "y");
	data_free(&d);

	p = tmp_csv("bom.csv", "\xef\xbb\xbf"
			       "a,b,c\n1,2,x\n3,4,y\n");
	ck_assert_int_eq(load(&d, p, NULL, CLS, &e), 0);
	ck_assert_str_eq(d.col_names[0], "a");
	ck_assert_uint_eq(d.n_rows, 2);
	data_free(&d);

	/* The BOM does not count as a column. */
	p = tmp_csv("bom2.csv", "\xef\xbb\xbf"
				"a,a\n");
	ck_assert_int_eq(load(&d, p, NULL, CLS, &e), -1);
	CK_ERROR(&e, 65, p, 1, 3, "duplicate column name 'a'");

	p = tmp_csv("blank.csv", "\n\na,b\n\n1,x\n  \n\r\n2,y\n\n\n\n");
	ck_assert_int_eq(load(&d, p, NULL, CLS, &e), 0);
	ck_assert_uint_eq(d.n_rows, 2);
	CK_FEQ(d.x[1], 2.0f);
	data_free(&d);

	/* Without a final newline. */
	p = tmp_csv("nonl.csv", "a,b\n1,x\n2,y");
	ck_assert_int_eq(load(&d, p, NULL, CLS, &e), 0);
	ck_assert_uint_eq(d.n_rows, 2);
	ck_assert_str_eq(d.class_names[1], "y");
	data_free(&d);
}

START_TEST(test_spaces_and_delimiter)
{
	struct dnn_dataset d;
	struct dnn_error e = {0};
	struct dnn_data_opts o = opts(CLS, 1, ';');

	ck_assert_int_eq(load(&d, TEST_DATADIR "/csv_spaces.csv", NULL, CLS, &e), 0);
	CK_FEQ(d.x[0], 1.5f);
	CK_FEQ(d.x[1], 2.0f);
	CK_FEQ(d.x[2], 3.0f);
	CK_FEQ(d.x[3], 4.0f);
	ck_assert_str_eq(d.class_names[0], "no");
	ck_assert_str_eq(d.class_names[1], "yes");
	data_free(&d);

	ck_assert_int_eq(data_load(&d, TEST_DATADIR "/csv_semicolon.csv", &o, &e), 0);
	ck_assert_uint_eq(d.n_rows, 2);
	ck_assert_uint_eq(d.n_in, 2);
	CK_FEQ(d.x[0], 0.5f);
	CK_FEQ(d.x[3], -300.0f);
	data_free(&d);

	/* With ',' the same file has one column per row. */
	ck_assert_int_eq(load(&d, TEST_DATADIR "/csv_semicolon.csv", NULL, CLS, &e), -1);
	CK_ERROR(&e, 65, TEST_DATADIR "/csv_semicolon.csv", 0, 0,
		 "no input columns: every column is a target or ignored");

	/* A tab delimiter. */
	o.csv.delimiter = '\t';
	const char *p = tmp_csv("tab.tsv", "a\tb\tc\n1\t 2\tx\n3\t4\ty\n");
	ck_assert_int_eq(data_load(&d, p, &o, &e), 0);
	CK_FEQ(d.x[1], 2.0f);
	data_free(&d);

	/* Blanks around header names do not count. */
	p = tmp_csv("hdr_blanks.csv", "a , b,\" c \"\n1,2,x\n3,4,y\n");
	ck_assert_int_eq(load(&d, p, "b", REG, &e), -1);
	CK_ERROR(&e, 65, p, 2, 5, "expected a number, got 'x'");
	p = tmp_csv("hdr_blanks.csv", "a , b,\" c \"\n1,2,3\n3,4,5\n");
	ck_assert_int_eq(load(&d, p, "b", REG, &e), 0);
	ck_assert_str_eq(d.col_names[0], "a");
	ck_assert_str_eq(d.col_names[1], "b");
	ck_assert_str_eq(d.col_names[2], "c");
	ck_assert_int_eq(d.col_role[1], DNN_COL_TARGET);
	CK_FEQ(d.y[1], 4.0f);
	data_free(&d);
}

START_TEST(test_gzip)
{
	struct dnn_dataset a, b;
	struct dnn_error e;
	size_t len;
	char *text = slurp(DATADIR "/iris.csv", &len);
	const char *gz = tpath("iris.csv.gz");

	/* Recognised by content: the name does not end in .gz either way. */
	write_gz(gz, text, len);
	const char *odd = tpath("iris.dat");
	write_gz(odd, text, len);
	ck_assert_int_eq(load(&a, DATADIR "/iris.csv", NULL, CLS, &e), 0);
	ck_assert_int_eq(load(&b, odd, NULL, CLS, &e), 0);
	ck_assert_uint_eq(a.n_rows, b.n_rows);
	ck_assert_int_eq(memcmp(a.x, b.x, a.n_rows * a.n_in * sizeof *a.x), 0);
	ck_assert_int_eq(memcmp(a.label, b.label, a.n_rows * sizeof *a.label), 0);
	data_free(&b);
	ck_assert_int_eq(load(&b, gz, NULL, CLS, &e), 0);
	ck_assert_uint_eq(b.n_rows, 150);
	data_free(&b);
	data_free(&a);
	free(text);
}

START_TEST(test_stdin)
{
	struct dnn_dataset d;
	struct dnn_error e;
	size_t len;
	char *text = slurp(DATADIR "/iris.csv", &len);
	const char *gz = tpath("stdin.gz");

	ck_assert_int_eq(load_stdin(&d, DATADIR "/iris.csv", &e), 0);
	ck_assert_uint_eq(d.n_rows, 150);
	CK_FEQ(d.x[0], 5.1f);
	data_free(&d);

	write_gz(gz, text, len);
	ck_assert_int_eq(load_stdin(&d, gz, &e), 0);
	ck_assert_uint_eq(d.n_rows, 150);
	ck_assert_str_eq(d.class_names[2], "virginica");
	data_free(&d);

	/* Messages call it <stdin>. */
	const char *p = tmp_csv("stdin_bad.csv", "a,b\n1,x\nz,y\n");
	ck_assert_int_eq(load_stdin(&d, p, &e), -1);
	CK_ERROR(&e, 65, "<stdin>", 3, 1, "expected a number, got 'z'");
	free(text);
}

START_TEST(test_locale)
{
	struct dnn_dataset d;
	struct dnn_error e;
	const char *p = tmp_csv("locale.csv", "a,b\n0.25,x\n1e-1,y\n");
	const char *loc = comma_locale();
	int rc;

	if (!loc) {
		fprintf(stderr, "check_data: no comma locale, testing in \"C\" only\n");
	} else {
		/* strtod of the caller's locale reads "0.25" as 0. */
		ck_assert_double_eq(strtod("0.25", NULL), 0.0);
	}
	rc = load(&d, p, NULL, CLS, &e);
	if (loc)
		ck_assert_str_eq(localeconv()->decimal_point, ",");
	setlocale(LC_NUMERIC, "C");
	ck_assert_int_eq(rc, 0);
	CK_FEQ(d.x[0], 0.25f);
	CK_FEQ(d.x[1], 0.1f);
	data_free(&d);
}

START_TEST(test_numbers_exact)
{
	/* Every number reads as strtof reads it, bit for bit, however it is
	 * written: short and long, many decimals, signs, leading zeros. */
	size_t n = 30000, cap = n * 40 + 16, len = 0;
	char *text = malloc(cap), (*num)[40] = malloc(n * sizeof *num);
	uint64_t st = 88172645463325252u;
	struct dnn_dataset d;
	struct dnn_error e;

	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(num);
	len += (size_t)snprintf(text, cap, "x,y\n");
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;

		st ^= st << 13;
		st ^= st >> 7;
		st ^= st << 17;
		int ni = (int)(st % 10), nf = (int)((st >> 8) % 13);
		if ((st >> 16) % 4 == 0)
			num[i][k++] = '-';
		if ((st >> 20) % 8 == 0)
			num[i][k++] = '0';
		for (int j = 0; j < ni; j++)
			num[i][k++] = (char)('0' + (st >> (24 + 3 * j)) % 10);
		if (nf || ni == 0) {
			num[i][k++] = '.';
			for (int j = 0; j < nf || j == 0; j++)
				num[i][k++] = (char)('0' + ((st >> (j * 5)) ^ (st >> 40)) % 10);
		}
		num[i][k] = '\0';
		len +=
		    (size_t)snprintf(text + len, cap - len, "%s,%c\n", num[i], i % 2 ? 'a' : 'b');
	}
	const char *p = tpath("numbers.csv");
	write_bytes(p, text, len);
	ck_assert_int_eq(load(&d, p, NULL, CLS, &e), 0);
	ck_assert_uint_eq(d.n_rows, n);
	for (size_t i = 0; i < n; i++) {
		float want = strtof(num[i], NULL);

		ck_assert_msg(memcmp(&want, d.x + i, sizeof want) == 0, "'%s': %.9g, expected %.9g",
			      num[i], (double)d.x[i], (double)want);
	}
	data_free(&d);

	/* Near the limits of the fast path. */
	const char *edge[] = {"16777216",
			      "16777217",
			      "16777219",
			      "-16777217",
			      "0.1",
			      "0.0000000001",
			      "0.00000000001",
			      "1677721.7",
			      "9999999.5",
			      "123456789012",
			      "-0",
			      "-0.0",
			      "5.",
			      ".5",
			      "+2.5",
			      "3.4e38",
			      "1e-45",
			      "1e-50",
			      "0.30000001192092896"};
	len = (size_t)snprintf(text, cap, "x,y\n");
	for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
		len +=
		    (size_t)snprintf(text + len, cap - len, "%s,%c\n", edge[i], i % 2 ? 'a' : 'b');
	write_bytes(p, text, len);
	ck_assert_int_eq(load(&d, p, NULL, CLS, &e), 0);
	for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) {
		float want = strtof(edge[i], NULL);

		ck_assert_msg(memcmp(&want, d.x + i, sizeof want) == 0, "'%s': %.9g, expected %.9g",
			      edge[i], (double)d.x[i], (double)want);
	}
	data_free(&d);
	free(num);
	free(text);
}

START_TEST(test_large_fields)
{
	/* Rows and fields that straddle the 256 KiB read chunks. */
	size_t n = 40000, cap = n * 40 + 400000, len = 0;
	char *text = malloc(cap);
	struct dnn_error e = {0};
	double sum = 0.0;

	ck_assert_ptr_nonnull(text);
	len += (size_t)snprintf(text, cap, "\"v\",\"w\",\"long\"\r\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "%zu,\"%zu.25\",\"a\"\"\r\nb\"\r\n",
					i, i % 10);
	len += (size_t)snprintf(text + len, cap - len, "1,2,\"");
	for (size_t i = 0; i < 300000; i++)
		text[len++] = (char)('a' + i % 26);
	len += (size_t)snprintf(text + len, cap - len, "\"\n");
	const char *p = tpath("large.csv");
	write_bytes(p, text, len);

	struct dnn_csv *c = csv_open(p, NULL, &e);
	size_t rows = 0;
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(csv_next(c, &e), 1);
	while (csv_next(c, &e) == 1) {
		ck_assert_uint_eq(csv_nfields(c), 3);
		if (rows < n) {
			ck_assert_uint_eq(csv_line(c), 2 + 2 * rows);
			ck_assert_str_eq(csv_field(c, 2), "a\"\r\nb");
			sum += strtod(csv_field(c, 1), NULL);
		} else {
			ck_assert_uint_eq(strlen(csv_field(c, 2)), 300000);
		}
		rows++;
	}
	ck_assert_int_eq(e.code, 0);
	ck_assert_uint_eq(rows, n + 1);
	ck_assert_double_eq_tol(sum, 4.5 * (double)n + 0.25 * (double)n, 1e-6);
	csv_close(c);
	free(text);
}

/* Rows mixing what the fast path takes (plain numbers) with what only the
 * general reader takes (quotes, blanks, CRLF, blank lines), across many
 * read chunks, plain and gzip-compressed: every value must be strtof's, every
 * label right, whichever reader took the row. */
START_TEST(test_fast_and_general_paths_agree)
{
	const size_t n = 60000, cols = 4;
	size_t cap = n * 120 + 64, len = 0;
	char *text = malloc(cap);
	float *want = malloc(n * cols * sizeof *want);
	unsigned *label = malloc(n * sizeof *label);
	unsigned seed = 12345;
	struct dnn_dataset d;
	struct dnn_error e;

	ck_assert(text && want && label);
	len += (size_t)snprintf(text, cap, "a,b,c,d,class\n");
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < cols; j++) {
			char num[64];
			unsigned how = (unsigned)rand_r(&seed) % 20;

			random_number(&seed, num, sizeof num);
			want[i * cols + j] = strtof(num, NULL);
			if (how == 0)
				len += (size_t)snprintf(text + len, cap - len, "\"%s\",", num);
			else if (how == 1)
				len += (size_t)snprintf(text + len, cap - len, "  %s ,", num);
			else if (how == 2)
				len += (size_t)snprintf(text + len, cap - len, " \"%s\" ,", num);
			else
				len += (size_t)snprintf(text + len, cap - len, "%s,", num);
		}
		label[i] = (unsigned)rand_r(&seed) % 5;
		len += (size_t)snprintf(text + len, cap - len,
					rand_r(&seed) % 10 ? "k%u" : " \"k%u\"", label[i]);
		len += (size_t)snprintf(text + len, cap - len, "%s",
					rand_r(&seed) % 4 ? "\n" : "\r\n");
		if (rand_r(&seed) % 500 == 0)
			len += (size_t)snprintf(text + len, cap - len, "\n");
	}
	ck_assert_uint_lt(len, cap);
	write_bytes(tpath("mixed.csv"), text, len);
	write_gz(tpath("mixed.gz"), text, len);
	for (int gz = 0; gz < 2; gz++) {
		if (load(&d, tpath(gz ? "mixed.gz" : "mixed.csv"), NULL, CLS, &e))
			ck_abort_msg("%s:%lu:%lu: %s", e.file, e.line, e.column, e.msg);
		ck_assert_uint_eq(d.n_rows, n);
		ck_assert_uint_eq(d.n_in, cols);
		ck_assert_uint_eq(d.n_classes, 5);
		for (size_t i = 0; i < n * cols; i++)
			if (memcmp(&d.x[i], &want[i], sizeof want[i]) != 0)
				ck_abort_msg("row %zu column %zu: read %.9g, expected %.9g",
					     i / cols, i % cols, (double)d.x[i], (double)want[i]);
		for (size_t i = 0; i < n; i++)
			if (d.label[i] != label[i])
				ck_abort_msg("row %zu: class %u, expected %u", i, d.label[i],
					     label[i]);
		data_free(&d);
	}
	/* predict's reader, which has a fast path of its own, in batches. */
	{
		static char *names[] = {"a", "b", "c", "d", "class"};
		static const unsigned char roles[] = {DNN_COL_INPUT, DNN_COL_INPUT, DNN_COL_INPUT,
						      DNN_COL_INPUT, DNN_COL_TARGET};
		struct dnn_csv_opts co = {',', 1, 0};
		float *x = malloc(1000 * cols * sizeof *x);
		size_t got, rows = 0;
		struct dnn_reader *r = reader_open(tpath("mixed.csv"), &co, names, roles, 5, &e);

		ck_assert(r && x);
		while (reader_next(r, x, 1000, &got, &e) == 0 && got) {
			for (size_t i = 0; i < got * cols; i++)
				if (memcmp(&x[i], &want[rows * cols + i], sizeof x[i]) != 0)
					ck_abort_msg("reader: row %zu column %zu: %.9g, expected %.9g",
						     rows + i / cols, i % cols, (double)x[i],
						     (double)want[rows * cols + i]);
			rows += got;
		}
		ck_assert_int_eq(e.code, 0);
		ck_assert_uint_eq(rows, n);
		reader_close(r);
		free(x);
	}
	free(text);
	free(want);
	free(label);
}

/* No limit on a line's length: a row wider than several read chunks. */
START_TEST(test_long_line)
{
	const size_t cols = 300000;
	size_t cap = cols * 16 + 64, len = 0;
	char *text = malloc(cap);
	struct dnn_dataset d;
	struct dnn_error e;

	ck_assert_ptr_nonnull(text);
	for (size_t j = 0; j < cols; j++)
		len += (size_t)snprintf(text + len, cap - len, "%sc%zu", j ? "," : "", j);
	for (int r = 0; r < 2; r++) {
		text[len++] = '\n';
		for (size_t j = 0; j < cols; j++)
			len += (size_t)snprintf(text + len, cap - len, "%s%zu", j ? "," : "",
						(j + (size_t)r) % 1000);
	}
	write_bytes(tpath("wide.csv"), text, len);
	ck_assert_int_eq(load(&d, tpath("wide.csv"), NULL, REG, &e), 0);
	ck_assert_uint_eq(d.n_rows, 2);
	ck_assert_uint_eq(d.n_in, cols - 1);
	for (size_t j = 0; j + 1 < cols; j++) {
		if (d.x[j] != (float)(j % 1000) || d.x[cols - 1 + j] != (float)((j + 1) % 1000))
			ck_abort_msg("column %zu read wrong", j);
	}
	CK_FEQ(d.y[0], (float)((cols - 1) % 1000));
	data_free(&d);
	free(text);
}

/* An error deep in a file that the fast path read up to it names the right
 * line and column. */
START_TEST(test_error_after_fast_rows)
{
	size_t n = 70000, cap = n * 16 + 64, len = 0;
	char *text = malloc(cap);
	struct dnn_dataset d;
	struct dnn_error e;

	ck_assert_ptr_nonnull(text);
	len += (size_t)snprintf(text, cap, "x,y,t\r\n");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, i == 65432 ? "%zu,1x,3\r\n" :
									"%zu,2,3\r\n",
					i % 100);
	write_bytes(tpath("deep.csv"), text, len);
	ck_assert_int_eq(load(&d, tpath("deep.csv"), NULL, REG, &e), -1);
	ck_assert_int_eq(e.code, 65);
	ck_assert_uint_eq(e.line, 65434);
	ck_assert_uint_eq(e.column, 4);
	ck_assert_str_eq(e.msg, "expected a number, got '1x'");
	free(text);
}

START_TEST(test_err_open)
{
	struct dnn_dataset d;
	struct dnn_error e;
	char want[1200];
	const char *p = tpath("no-such-file.csv");

	ck_assert_int_eq(load(&d, p, NULL, CLS, &e), -1);
	snprintf(want, sizeof want, "cannot open '%s': %s", p, strerror(ENOENT));
	CK_ERROR(&e, 66, "", 0, 0, want);

	ck_assert_int_eq(load(&d, scratch_dir(), NULL, CLS, &e), -1);
	snprintf(want, sizeof want, "cannot open '%s': %s", scratch_dir(), strerror(EISDIR));
	CK_ERROR(&e, 66, "", 0, 0, want);

	if (geteuid() != 0) {
		p = tmp_csv("unreadable.csv", "a,b\n1,x\n");
		ck_assert_int_eq(chmod(p, 0), 0);
		ck_assert_int_eq(load(&d, p, NULL, CLS, &e), -1);
		snprintf(want, sizeof want, "cannot open '%s': %s", p, strerror(EACCES));
		CK_ERROR(&e, 66, "", 0, 0, want);
	}

	struct dnn_csv_opts quote = {'"', 1, 0};
	ck_assert_ptr_null(csv_open(DATADIR "/iris.csv", &quote, &e));
	CK_ERROR(&e, 64, "", 0, 0, "the delimiter cannot be a quote or a line end");

	/* A read error (Linux: reading /proc/self/mem at address 0 fails). */
	int fd = open("/proc/self/mem", O_RDONLY);
	if (fd >= 0) {
		close(fd);
		ck_assert_int_eq(load(&d, "/proc/self/mem", NULL, CLS, &e), -1);
		ck_assert_int_eq(e.code, 74);
		ck_assert_str_eq(e.file, "/proc/self/mem");
		ck_assert_ptr_nonnull(strstr(e.msg, "read error: "));
	}
}

START_TEST(test_err_gzip)
{
	struct dnn_dataset d;
	struct dnn_error e;
	size_t len, glen;
	char *text = slurp(DATADIR "/iris.csv", &len);
	const char *gz = tpath("bad.gz");
	char *g;

	write_gz(gz, text, len);
	g = slurp(gz, &glen);
	ck_assert_uint_gt(glen, 200);

	/* A damaged deflate stream. */
	for (size_t i = glen / 2; i < glen / 2 + 16; i++)
		g[i] = (char)(g[i] ^ 0x5a);
	write_bytes(gz, g, glen);
	ck_assert_int_eq(load(&d, gz, NULL, CLS, &e), -1);
	ck_assert_uint_ge(e.line, 1); /* where the good data ends */
	CK_ERROR(&e, 65, gz, e.line, 0, "corrupt gzip data");

	/* A wrong checksum at the end. */
	for (size_t i = glen / 2; i < glen / 2 + 16; i++)
		g[i] = (char)(g[i] ^ 0x5a);
	g[glen - 6] = (char)(g[glen - 6] ^ 1);
	write_bytes(gz, g, glen);
	ck_assert_int_eq(load(&d, gz, NULL, CLS, &e), -1);
	CK_ERROR(&e, 65, gz, e.line, 0, "corrupt gzip data");

	/* Cut short. */
	write_bytes(gz, g, glen - 20);
	ck_assert_int_eq(load(&d, gz, NULL, CLS, &e), -1);
	ck_assert_uint_ge(e.line, 1);
	CK_ERROR(&e, 65, gz, e.line, 0, "truncated gzip data");
	free(g);
	free(text);
}

START_TEST(test_err_syntax)
{
	struct dnn_error e;
	const char *p;

	p = load_fail("a,b\n1,\"x\n2,y\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 2, 3, "unterminated quoted field");
	p = load_fail("a,b\n1,\"x,\"\"\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 2, 3, "unterminated quoted field");
	p = load_fail("a,b\n1,\"a\"b\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 2, 6, "unexpected text after a closing quote");
	p = load_fail("\"a\" \"b\",c\n1,x\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 1, 5, "unexpected text after a closing quote");
	/* Blanks after a closing quote are allowed. */
	struct dnn_dataset d;
	p = tmp_csv("qblank.csv", "\"a\" ,b\n\"1\"  ,x\n2,\"y\"\t\n");
	ck_assert_int_eq(load(&d, p, NULL, CLS, &e), 0);
	ck_assert_str_eq(d.col_names[0], "a");
	ck_assert_str_eq(d.class_names[1], "y");
	data_free(&d);
	/* A binary file. */
	const char bin[] = "a,b\n1,\0x\n";
	p = tpath("bin.csv");
	write_bytes(p, bin, sizeof bin - 1);
	ck_assert_int_eq(load(&d, p, NULL, CLS, &e), -1);
	CK_ERROR(&e, 65, p, 2, 3, "unexpected NUL byte (is this a text file?)");
}

START_TEST(test_err_ragged)
{
	struct dnn_error e;
	const char *p;

	p = load_fail("a,b,c\n1,2,x\n3,4\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 3, 4, "expected 3 columns, found 2");
	p = load_fail("a,b,c\n1,2,x\n3,4,y,55\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 3, 7, "expected 3 columns, found 4");
	p = load_fail("a,b,c\r\n1,2\r\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 2, 4, "expected 3 columns, found 2");
	/* Without a final newline, and after a quoted newline. */
	p = load_fail("a,b,c\n1,2,\"x\ny\"\n1,22", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 4, 5, "expected 3 columns, found 2");
	p = load_fail("a,b,c\n1,2,\"x\ny\",\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 3, 4, "expected 3 columns, found 4");
	/* The header has fewer columns than the data. */
	p = load_fail("a,b\n1,2,x\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 2, 5, "expected 2 columns, found 3");
}

START_TEST(test_err_cells)
{
	struct dnn_error e;
	const char *p;

	p = load_fail("a,b,c\n1,abc,x\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 2, 3, "expected a number, got 'abc'");
	p = load_fail("a,b,c\n1,  1.5x ,x\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 2, 3, "expected a number, got '1.5x'");
	p = load_fail("a,b,c\n1,\"1,5\",x\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 2, 3, "expected a number, got '1,5'");
	p = load_fail("a,b,c\n1,0x10,x\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 2, 3, "expected a number, got '0x10'");
	p = load_fail("a,b,c\n1,1 2,x\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 2, 3, "expected a number, got '1 2'");
	/* Long text is cut, control characters are escaped. */
	p = load_fail("a,b,c\n1,\"x\ty\x01z\n0123456789012345678901234567890123456789\",x\n", NULL,
		      CLS, &e);
	CK_ERROR(&e, 65, p, 2, 3,
		 "expected a number, got 'x\ty\x01z\n0123456789012345678901234567890123...'");
	{
		char line[1024];

		dnn_error_format(&e, line, sizeof line);
		ck_assert_ptr_nonnull(strstr(line, ": expected a number, got "
						   "'x\\ty\\x01z\\n0123456789012345678901234567890123...'"));
	}
	p = load_fail("a,b,c\n1,inf,x\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 2, 3, "not a finite number: 'inf'");
	p = load_fail("a,b,c\n1,-Infinity,x\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 2, 3, "not a finite number: '-Infinity'");
	p = load_fail("a,b,c\n1e39,1,x\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 2, 1, "not a finite number: '1e39'");

	/* Regression targets follow the same rules; text there says what the
	 * loss made of it, and what to write for a class label. */
	p = load_fail("a,y\n1,2\n1,x\n", NULL, REG, &e);
	CK_ERROR(&e, 65, p, 3, 3,
		 "expected a number, got 'x' in the target of a regression (loss mse, the default "
		 "when the spec names none); for a class label set \"loss\": \"cross_entropy\" and a "
		 "softmax output");
	p = load_fail("a,y\n1,2\n1,NaN\n", NULL, REG, &e);
	CK_ERROR(&e, 65, p, 3, 3, "missing value in column 'y'");

	/* Every spelling of a missing value, inputs and labels. */
	const char *missing[] = {"", " ", "NA", "NaN", "nan", "N/A", "?", " na "};
	for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
		char text[64];

		snprintf(text, sizeof text, "a,bee,c\n1,2,x\n3,%s,y\n", missing[i]);
		p = load_fail(text, NULL, CLS, &e);
		CK_ERROR(&e, 65, p, 3, 3, "missing value in column 'bee'");
		snprintf(text, sizeof text, "a,b,label\n1,2,x\n3,4,%s\n", missing[i]);
		p = load_fail(text, NULL, CLS, &e);
		CK_ERROR(&e, 65, p, 3, 5, "missing value in column 'label'");
	}
	p = load_fail("a,b,label\n1,2,x\n3,4,\"\"\n", NULL, CLS, &e);
	CK_ERROR(&e, 65, p, 3, 5, "missing value in column 'label'");
}

static Suite *csv_suite(void)
{
	Suite *s = suite_create("csv");
	TCase *tc;

	tc = tcase_create("csv");
	tcase_add_test(tc, test_no_header);
	tcase_add_test(tc, test_quoted);
	tcase_add_test(tc, test_csv_api);
	tcase_add_test(tc, test_crlf_bom_blank_lines);
	tcase_add_test(tc, test_spaces_and_delimiter);
	tcase_add_test(tc, test_gzip);
	tcase_add_test(tc, test_stdin);
	tcase_add_test(tc, test_locale);
	tcase_add_test(tc, test_numbers_exact);
	tcase_add_test(tc, test_large_fields);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("fast");
	tcase_add_test(tc, test_fast_and_general_paths_agree);
	tcase_add_test(tc, test_long_line);
	tcase_add_test(tc, test_error_after_fast_rows);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_err_open);
	tcase_add_test(tc, test_err_gzip);
	tcase_add_test(tc, test_err_syntax);
	tcase_add_test(tc, test_err_ragged);
	tcase_add_test(tc, test_err_cells);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return data_check_main("check_csv", csv_suite);
}
