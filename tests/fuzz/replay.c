/* Run a fuzz harness (tests/fuzz/fuzz_*.c) once on every file of its corpus,
 * without libFuzzer, so that make check replays the seeds and every crash
 * the fuzzer ever found (and, in the sanitizer build, checks them under
 * ASan and UBSan). Arguments: files or directories; none: FUZZ_CORPUS. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f) {
		perror(path);
		return -1;
	}
	for (;;) {
		if (n == cap) {
			unsigned char *p;

			cap = cap ? 2 * cap : 4096;
			p = realloc(buf, cap);
			if (!p) {
				fclose(f);
				free(buf);
				return -1;
			}
			buf = p;
		}
		size_t k = fread(buf + n, 1, cap - n, f);

		n += k;
		if (k == 0)
			break;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

/* Every regular file of dir, in any order; the count in *count. */
static int run_dir(const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	struct dirent *ent;
	char path[4096];

	if (!d) {
		perror(dir);
		return -1;
	}
	while ((ent = readdir(d))) {
		struct stat st;

		if (ent->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (run_file(path) != 0) {
			closedir(d);
			return -1;
		}
		(*count)++;
	}
	closedir(d);
	return 0;
}

int main(int argc, char **argv)
{
	size_t count = 0;

	if (argc < 2) {
		if (run_dir(FUZZ_CORPUS, &count) != 0)
			return 1;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		int dir = stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode);

		if ((dir ? run_dir(argv[i], &count) : run_file(argv[i])) != 0)
			return 1;
		count += !dir;
	}
	if (count == 0) {
		fprintf(stderr, "replay: no inputs\n");
		return 1;
	}
	printf("replayed %zu inputs\n", count);
	return 0;
}
