/* Shared by the unit tests of the data modules (check_csv, check_dataset,
 * check_split, check_norm, check_rows, ...): a scratch directory, files
 * written into it, loading helpers and the test programs' main. */
#include "datautil.h"

#include <dirent.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static char tmpdir[512];

const char *scratch_dir(void)
{
	return tmpdir;
}

/* A path in the test's scratch directory (four rotating buffers). */
const char *tpath(const char *name)
{
	static char buf[4][1024];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
	return buf[k];
}

void write_bytes(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_msg(f != NULL, "cannot create %s", path);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* Write text (a C string) to a scratch file and return its path. */
const char *tmp_csv(const char *name, const char *text)
{
	const char *p = tpath(name);

	write_bytes(p, text, strlen(text));
	return p;
}

/* The whole of a file, malloc'd. */
char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
		size_t k = fread(buf + n, 1, cap - n, f);
		if (k == 0)
			break;
		n += k;
	}
	fclose(f);
	*len = n;
	return buf;
}

void write_gz(const char *path, const char *text, size_t len)
{
	gzFile g = gzopen(path, "wb");

	ck_assert_ptr_nonnull(g);
	ck_assert_int_eq(gzwrite(g, text, (unsigned)len), (int)len);
	ck_assert_int_eq(gzclose(g), Z_OK);
}

struct dnn_data_opts opts(int task, int header, char delim)
{
	struct dnn_data_opts o = {.csv = {.delimiter = delim, .header = header}, .task = task};

	return o;
}

/* data_load of path with one target by name (NULL: the default). */
int load(struct dnn_dataset *d, const char *path, const char *target, int task,
		struct dnn_error *e)
{
	struct dnn_column_ref ref = {(char *)target, 0};
	struct dnn_data_opts o = opts(task, 1, ',');

	if (target) {
		o.targets = &ref;
		o.n_targets = 1;
	}
	memset(e, 0, sizeof *e);
	return data_load(d, path, &o, e);
}

/* data_load of text that must fail; e gets the error, path the file. */
const char *load_fail(const char *text, const char *target, int task, struct dnn_error *e)
{
	struct dnn_dataset d;
	const char *p = tmp_csv("bad.csv", text);

	ck_assert_int_eq(load(&d, p, target, task, e), -1);
	/* Nothing is left behind. */
	ck_assert_ptr_null(d.x);
	ck_assert_ptr_null(d.col_names);
	ck_assert_uint_eq(d.n_rows, 0);
	return p;
}

/* The first locale among a few whose decimal point is a comma, or NULL. */
const char *comma_locale(void)
{
	static const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "de_DE",
				      "fr_FR.UTF-8", "fr_FR.utf8", "nl_NL.UTF-8"};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (setlocale(LC_NUMERIC, names[i])) {
			if (localeconv()->decimal_point[0] == ',')
				return names[i];
			setlocale(LC_NUMERIC, "C");
		}
	}
	return NULL;
}

int load_cat(struct dnn_dataset *d, const char *path, const char *cat, int missing_ok,
		    struct dnn_error *e)
{
	struct dnn_column_ref t = {"kind", 0}, ig = {"id", 0}, c = {(char *)cat, 0};
	struct dnn_data_opts o = opts(CLS, 1, ',');

	o.targets = &t;
	o.n_targets = 1;
	o.ignore = &ig;
	o.n_ignore = 1;
	o.categorical = &c;
	o.n_categorical = 1;
	o.csv.missing_ok = missing_ok;
	memset(e, 0, sizeof *e);
	return data_load(d, path, &o, e);
}

/* Remove the scratch directory and what the tests left in it. */
static void remove_tmpdir(void)
{
	DIR *dir = opendir(tmpdir);
	struct dirent *de;

	if (!dir)
		return;
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlink(tpath(de->d_name));
	}
	closedir(dir);
	rmdir(tmpdir);
}

int data_check_main(const char *name, Suite *(*make_suite)(void))
{
	const char *base = getenv("TMPDIR");
	SRunner *sr;
	int failed;

	snprintf(tmpdir, sizeof tmpdir, "%s/%s.XXXXXX", base && *base ? base : "/tmp", name);
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	sr = srunner_create(make_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	remove_tmpdir();
	return failed ? 1 : 0;
}
