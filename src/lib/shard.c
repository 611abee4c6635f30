/* The MPI shares of a file: a plain file by byte ranges cut at line starts,
 * gzip by rows; and the union of the keys all ranks saw. */
#include "shard.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"

/* The first line start at or after byte p (of a file of size bytes), not
 * before byte lo. */
static uint64_t line_start(int fd, uint64_t p, uint64_t lo, uint64_t size)
{
	unsigned char buf[4096];

	if (p <= lo)
		return lo;
	for (uint64_t q = p - 1; q < size;) {
		ssize_t r = pread(fd, buf, sizeof buf, (off_t)q);

		if (r <= 0)
			return size;
		for (ssize_t i = 0; i < r; i++)
			if (buf[i] == '\n')
				return q + (uint64_t)i + 1;
		q += (uint64_t)r;
	}
	return size;
}

/* Choose how to share the file that *cp has just read the first row of
 * (the header, or with no header the first data row), and for a byte range
 * reopen *cp on this rank's share. *have_row is cleared: the share's rows
 * are all still to be read. */
int shard_open(struct shard *sh, struct dnn_csv **cp, const char *path,
	       const struct dnn_csv_opts *o, int *have_row, struct dnn_error *e)
{
	struct dnn_csv *c = *cp;
	uint64_t first, size, p = (uint64_t)dist_size(), r = (uint64_t)dist_rank(), lo, hi;
	struct stat st;
	int fd;

	if (strcmp(path, "-") == 0)
		return dnn_error_set(e, DNN_EX_USAGE, NULL, 0, 0,
				     "standard input reaches only the first MPI rank; give the "
				     "data as a file");
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) != 0) {
		dnn_error_set(e, DNN_EX_NOINPUT, NULL, 0, 0, "cannot open '%s': %s", c->name,
			      strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (input_is_gzip(c->src) || !S_ISREG(st.st_mode)) {
		close(fd);
		sh->mode = SHARD_ROWS;
		return 0;
	}
	sh->mode = SHARD_BYTES;
	/* Data rows start after the header (with none, at the first byte, so
	 * that rank 0 reads the first row again). */
	first = o->header ? c->taken + c->in_pos : 0;
	sh->header_lines = o->header ? c->line - 1 : 0;
	size = (uint64_t)st.st_size;
	lo = line_start(fd, first + (size - first) / p * r + (size - first) % p * r / p, first,
			size);
	hi = r + 1 == p
		 ? size
		 : line_start(
		       fd, first + (size - first) / p * (r + 1) + (size - first) % p * (r + 1) / p,
		       first, size);
	close(fd);
	csv_close(c);
	*cp = NULL;
	*have_row = 0;
	if (!(*cp = csv_open_at(path, o, lo, hi - lo, e)))
		return -1;
	return 0;
}

/* Add to t the keys every rank has seen, so that all ranks hold the same
 * set (each in its own order: strtab_sort gives them one). */
int shard_union(struct strtab *t, struct dnn_error *e)
{
	size_t len = 0, all_len, pos = 0;
	unsigned char *all = NULL;
	char *buf, *q;
	int rc = 0;

	for (size_t k = 0; k < t->n; k++)
		len += strlen(t->keys[k]) + 1;
	if (!(buf = malloc(len ? len : 1)))
		dnn_error_oom(e);
	if (dist_agree(!buf, e)) {
		free(buf);
		return -1;
	}
	q = buf;
	for (size_t k = 0; k < t->n; k++) {
		size_t n = strlen(t->keys[k]) + 1;

		memcpy(q, t->keys[k], n);
		q += n;
	}
	if (dist_allgather(buf, len, &all, &all_len, NULL)) {
		/* Out of memory on every rank alike. */
		free(buf);
		return dnn_error_oom(e);
	}
	while (pos < all_len) {
		const char *key = (const char *)all + pos;
		size_t n = strlen(key), k;
		int added;

		if (strtab_add(t, key, n, &k, &added)) {
			rc = dnn_error_oom(e);
			break;
		}
		pos += n + 1;
	}
	free(buf);
	free(all);
	return dist_agree(rc, e);
}
