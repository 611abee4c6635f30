/* Dataset caches (dcache.h); the format is in dnn-data(5), CACHE. */
#define _DEFAULT_SOURCE 1 /* realpath */
#include "dcache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "afile.h"
#include "bytes.h"
#include "ckpt_format.h"
#include "util.h"

#define HDR 64
#define MIB ((size_t)1 << 20)
static const unsigned char magic[8] = {'D', 'N', 'N', 'C', 'A', 'C', 'H', 'E'};

/* What identifies a source: its size, mtime and the FNV-1a hash of its
 * first and last MiB. */
struct src_id {
	uint64_t size, sec, hash;
	uint32_t nsec;
};

static uint64_t fnv(uint64_t h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static int hash_part(int fd, off_t at, size_t n, uint64_t *h, unsigned char *buf)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = pread(fd, buf + got, n - got, at + (off_t)got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
	*h = fnv(*h, buf, n);
	return 0;
}

static int source_id(const char *source, struct src_id *id, struct dnn_error *e)
{
	struct stat st;
	unsigned char *buf;
	int fd = open(source, O_RDONLY | O_CLOEXEC), rc = -1;

	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return dnn_error_set(e, DNN_EX_NOINPUT, source, 0, 0,
				     "cannot read a regular file to cache");
	}
	id->size = (uint64_t)st.st_size;
	id->sec = (uint64_t)st.st_mtim.tv_sec;
	id->nsec = (uint32_t)st.st_mtim.tv_nsec;
	id->hash = 14695981039346656037ull;
	size_t head = id->size < MIB ? (size_t)id->size : MIB;
	size_t tail = id->size - head < MIB ? (size_t)(id->size - head) : MIB;
	buf = malloc(MIB);
	if (!buf) {
		close(fd);
		return dnn_error_oom(e);
	}
	if (!hash_part(fd, 0, head, &id->hash, buf) &&
	    !hash_part(fd, (off_t)(id->size - tail), tail, &id->hash, buf))
		rc = 0;
	else
		dnn_error_set(e, DNN_EX_NOINPUT, source, 0, 0, "cannot read: %s", strerror(errno));
	free(buf);
	close(fd);
	return rc;
}

static uint64_t fnv_u64(uint64_t h, uint64_t v)
{
	unsigned char b[8];

	bytes_put_le64(b, v);
	return fnv(h, b, 8);
}

static uint64_t fnv_refs(uint64_t h, const struct dnn_column_ref *r, size_t n)
{
	h = fnv_u64(h, n);
	for (size_t i = 0; r && i < n; i++) {
		h = fnv_u64(h, r[i].name ? strlen(r[i].name) + 1 : 0);
		if (r[i].name)
			h = fnv(h, (const unsigned char *)r[i].name, strlen(r[i].name));
		else
			h = fnv_u64(h, (uint64_t)r[i].index);
	}
	return h;
}

uint64_t dcache_opts_key(const struct dnn_data_opts *o)
{
	uint64_t h = 14695981039346656037ull;

	h = fnv_u64(h, (uint64_t)(unsigned char)o->csv.delimiter);
	h = fnv_u64(h, (uint64_t)(int64_t)o->csv.header);
	h = fnv_u64(h, (uint64_t)o->csv.missing_ok);
	h = fnv_u64(h, (uint64_t)o->task);
	h = fnv_refs(h, o->targets, o->n_targets);
	h = fnv_refs(h, o->ignore, o->n_ignore);
	h = fnv_refs(h, o->categorical, o->n_categorical);
	return fnv_refs(h, o->weight, o->weight ? 1 : 0);
}

static void put_strs(struct dnn_wbuf *w, char *const *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		wbuf_str(w, s[i]);
}

/* The metadata section: counts, roles, names, classes, categories. */
static void put_meta(struct dnn_wbuf *w, const struct dnn_dataset *d, uint64_t key,
		     const char *real)
{
	wbuf_u64(w, key);
	wbuf_str(w, real);
	wbuf_u64(w, d->n_rows);
	wbuf_u64(w, d->n_cols);
	wbuf_u64(w, d->n_in);
	wbuf_u32(w, (uint32_t)d->task);
	wbuf_u64(w, d->n_targets);
	wbuf_u64(w, d->n_classes);
	wbuf_u64(w, d->n_cats);
	wbuf_u32(w, (uint32_t)d->has_weight);
	wbuf_u64(w, d->weight_col);
	wbuf_u64(w, d->n_missing);
	put_strs(w, d->col_names, d->n_cols);
	wbuf_bytes(w, d->col_role, d->n_cols);
	put_strs(w, d->class_names, d->n_classes);
	for (size_t k = 0; k < d->n_cats; k++) {
		wbuf_u64(w, d->cats[k].col);
		wbuf_u64(w, d->cats[k].first);
		wbuf_u64(w, d->cats[k].n);
		put_strs(w, d->cats[k].names, d->cats[k].n);
	}
}

static void put_header(unsigned char *h, const struct src_id *id, uint64_t meta_len,
		       uint32_t meta_crc)
{
	memset(h, 0, HDR);
	memcpy(h, magic, 8);
	bytes_put_le32(h + 8, DCACHE_VERSION);
	bytes_put_le64(h + 16, id->size);
	bytes_put_le64(h + 24, id->sec);
	bytes_put_le32(h + 32, id->nsec);
	bytes_put_le64(h + 40, id->hash);
	bytes_put_le64(h + 48, meta_len);
	bytes_put_le32(h + 56, meta_crc);
	bytes_put_le32(h + 60, ckpt_crc(h, 60));
}

/* The byte offset of the arrays: after the metadata, 64-aligned. */
static uint64_t arrays_at(uint64_t meta_len)
{
	return (HDR + meta_len + 63) / 64 * 64;
}

static int write_arrays(FILE *f, const struct dnn_dataset *d)
{
	size_t r = d->n_rows;
	int ok = fwrite(d->x, sizeof(float), r * d->n_in, f) == r * d->n_in;

	if (d->task == DNN_TASK_REGRESSION)
		ok = ok && fwrite(d->y, sizeof(float), r * d->n_targets, f) == r * d->n_targets;
	else
		ok = ok && fwrite(d->label, sizeof(uint32_t), r, f) == r;
	if (d->has_weight)
		ok = ok && fwrite(d->w, sizeof(float), r, f) == r;
	return ok ? 0 : -1;
}

int dcache_write(const struct dnn_dataset *d, const char *source, uint64_t key,
		 const char *path, struct dnn_error *e)
{
	struct src_id id;
	struct dnn_wbuf w = {0};
	struct dnn_afile af = {0};
	unsigned char h[HDR], pad[64] = {0};

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
	return dnn_error_set(e, DNN_EX_USAGE, path, 0, 0,
			     "--cache needs a little-endian machine");
#endif
	if (d->shared)
		return dnn_error_set(e, DNN_EX_USAGE, path, 0, 0,
				     "--cache is not available with MPI ranks sharing the data");
	if (source_id(source, &id, e))
		return -1;
	char *real = realpath(source, NULL);
	if (!real)
		return dnn_error_oom(e);
	put_meta(&w, d, key, real);
	free(real);
	if (w.oom) {
		free(w.p);
		return dnn_error_oom(e);
	}
	put_header(h, &id, w.n, ckpt_crc(w.p, w.n));
	if (afile_open(&af, path, 0, e)) {
		free(w.p);
		return -1;
	}
	size_t npad = (size_t)(arrays_at(w.n) - HDR - w.n);
	int bad = fwrite(h, 1, HDR, af.f) != HDR || fwrite(w.p, 1, w.n, af.f) != w.n ||
		  fwrite(pad, 1, npad, af.f) != npad || write_arrays(af.f, d);
	free(w.p);
	if (bad) {
		int err = errno;
		afile_abort(&af);
		return dnn_error_set(e, DNN_EX_IO, path, 0, 0, "cannot write: %s", strerror(err));
	}
	return afile_commit(&af, e);
}

static int corrupt(const char *path, const char *why, struct dnn_error *e)
{
	return dnn_error_set(e, DNN_EX_DATA, path, 0, 0, "corrupt dataset cache: %s", why);
}

static char **get_strs(struct dnn_rbuf *r, uint64_t n)
{
	char **v;

	if (!rbuf_fits(r, n, 4) || !(v = calloc(n ? n : 1, sizeof *v)))
		return NULL;
	for (size_t i = 0; i < n; i++) {
		uint32_t len = rbuf_u32(r);
		if (r->overrun || len > r->n - r->pos || !(v[i] = malloc(len + 1u))) {
			util_free_strings(v, i);
			return NULL;
		}
		memcpy(v[i], r->p + r->pos, len);
		v[i][len] = 0;
		r->pos += len;
	}
	return v;
}

/* Read the metadata into d; -1 when it does not hold together. */
static int get_meta(struct dnn_rbuf *r, struct dnn_dataset *d)
{
	d->n_rows = rbuf_uint(r, 8);
	d->n_cols = rbuf_uint(r, 8);
	d->n_in = rbuf_uint(r, 8);
	d->task = (int)rbuf_u32(r);
	d->n_targets = rbuf_uint(r, 8);
	d->n_classes = rbuf_uint(r, 8);
	d->n_cats = rbuf_uint(r, 8);
	d->has_weight = (int)rbuf_u32(r);
	d->weight_col = rbuf_uint(r, 8);
	d->n_missing = rbuf_uint(r, 8);
	d->n_rows_total = d->n_rows;
	d->gid_stride = 1;
	if (r->overrun || (d->task != DNN_TASK_REGRESSION && d->task != DNN_TASK_CLASSIFICATION))
		return -1;
	if (!(d->col_names = get_strs(r, d->n_cols)) || !rbuf_fits(r, d->n_cols, 1) ||
	    !(d->col_role = malloc(d->n_cols ? d->n_cols : 1)))
		return -1;
	memcpy(d->col_role, r->p + r->pos, d->n_cols);
	r->pos += d->n_cols;
	if (!(d->class_names = get_strs(r, d->n_classes)) || !rbuf_fits(r, d->n_cats, 24))
		return -1;
	size_t n_cats = d->n_cats;
	d->n_cats = 0;
	if (!(d->cats = calloc(n_cats ? n_cats : 1, sizeof *d->cats)))
		return -1;
	for (; d->n_cats < n_cats; d->n_cats++) {
		struct dnn_catcol *c = &d->cats[d->n_cats];
		c->col = rbuf_uint(r, 8);
		c->first = rbuf_uint(r, 8);
		uint64_t n = rbuf_uint(r, 8);
		if (r->overrun || !(c->names = get_strs(r, n)))
			return -1;
		c->n = n;
	}
	return r->overrun || r->pos != r->n ? -1 : 0;
}

/* Read n items of k bytes of the file fd at *at into a new array: pread
 * straight from the page cache, so that the rows are not held twice (in the
 * mapping and in the array). */
static void *take(int fd, uint64_t *at, size_t n, size_t k)
{
	size_t len = n * k, got = 0;
	unsigned char *p = malloc(len ? len : 1);

	while (p && got < len) {
		ssize_t r = pread(fd, p + got, len - got, (off_t)(*at + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(p);
			p = NULL;
		} else {
			got += (size_t)r;
		}
	}
	*at += len;
	return p;
}

static int get_arrays(int fd, uint64_t size, uint64_t at, struct dnn_dataset *d)
{
	uint64_t r = d->n_rows, need = r * d->n_in;

	if (d->n_in && r > UINT64_MAX / 4 / d->n_in)
		return -1;
	need += d->task == DNN_TASK_REGRESSION ? r * d->n_targets : r;
	need += d->has_weight ? r : 0;
	if (size < at || (size - at) / 4 < need || (size - at) != need * 4)
		return -1;
	d->x = take(fd, &at, r, d->n_in * 4);
	if (d->task == DNN_TASK_REGRESSION)
		d->y = take(fd, &at, r, d->n_targets * 4);
	else
		d->label = take(fd, &at, r, 4);
	if (d->has_weight)
		d->w = take(fd, &at, r, 4);
	return d->x && (d->y || d->label) && (!d->has_weight || d->w) ? 0 : -1;
}

/* The header's magic, version and checksums, and the metadata's bounds. */
static int check_header(const unsigned char *m, uint64_t size, const char *path,
			struct dnn_error *e)
{
	if (size < HDR || memcmp(m, magic, 8))
		return corrupt(path, "not a dnn dataset cache", e);
	if (bytes_get_le32(m + 60) != ckpt_crc(m, 60))
		return corrupt(path, "header checksum mismatch", e);
	if (bytes_get_le32(m + 8) != DCACHE_VERSION)
		return corrupt(path, "unknown version", e);
	uint64_t meta = bytes_get_le64(m + 48);
	if (meta > size - HDR || arrays_at(meta) > size)
		return corrupt(path, "truncated", e);
	if (bytes_get_le32(m + 56) != ckpt_crc(m + HDR, (size_t)meta))
		return corrupt(path, "metadata checksum mismatch", e);
	return 0;
}

/* Whether the cache is of source (-1: of another file, or an error), and
 * current (0) or stale (2). r is at the metadata's start. */
static int check_source(const unsigned char *m, struct dnn_rbuf *r, const struct src_id *id,
			uint64_t key, const char *source, const char *path, struct dnn_error *e)
{
	uint64_t made_key = rbuf_uint(r, 8);
	uint32_t len = rbuf_u32(r);
	char *real;
	int rc;

	if (r->overrun || len > r->n - r->pos)
		return corrupt(path, "truncated or inconsistent", e);
	if (!(real = realpath(source, NULL)))
		return dnn_error_set(e, DNN_EX_NOINPUT, source, 0, 0, "cannot resolve: %s",
				     strerror(errno));
	rc = strlen(real) != len || memcmp(real, r->p + r->pos, len);
	free(real);
	if (rc)
		return dnn_error_set(e, DNN_EX_DATA, path, 0, 0,
				     "dataset cache of %.*s, not %s (remove it or name another "
				     "cache)",
				     (int)(len < 400 ? len : 400), (const char *)r->p + r->pos,
				     source);
	r->pos += len;
	if (bytes_get_le64(m + 16) != id->size || bytes_get_le64(m + 24) != id->sec ||
	    bytes_get_le32(m + 32) != id->nsec || bytes_get_le64(m + 40) != id->hash ||
	    made_key != key)
		return 2;
	return 0;
}

int dcache_load(struct dnn_dataset *d, const char *source, uint64_t key, const char *path,
		struct dnn_error *e)
{
	struct src_id id;
	struct stat st;
	int fd, rc;

	memset(d, 0, sizeof *d);
	if (source_id(source, &id, e))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 1;
	if (fd < 0 || fstat(fd, &st))
		return dnn_error_set(e, DNN_EX_NOINPUT, path, 0, 0, "cannot read: %s",
				     strerror(errno));
	uint64_t size = (uint64_t)st.st_size;
	if (size < HDR) {
		close(fd);
		return corrupt(path, size ? "truncated" : "empty file", e);
	}
	const unsigned char *m = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED) {
		close(fd);
		return dnn_error_set(e, DNN_EX_NOINPUT, path, 0, 0, "cannot map: %s",
				     strerror(errno));
	}
	rc = check_header(m, size, path, e);
	uint64_t meta = bytes_get_le64(m + 48);
	struct dnn_rbuf r = {m + HDR, (size_t)meta, 0, 0};
	if (!rc)
		rc = check_source(m, &r, &id, key, source, path, e);
	if (!rc && (get_meta(&r, d) || get_arrays(fd, size, arrays_at(meta), d)))
		rc = corrupt(path, "truncated or inconsistent", e);
	munmap((void *)(uintptr_t)m, (size_t)size);
	close(fd);
	if (rc)
		data_free(d);
	return rc;
}

int dcache_data_load(struct dnn_dataset *d, const char *source, const struct dnn_data_opts *o,
		     const char *path, int *how, struct dnn_error *e)
{
	uint64_t key = dcache_opts_key(o);
	int rc = dcache_load(d, source, key, path, e);

	if (rc < 0)
		return -1;
	*how = rc;
	if (rc == 0)
		return 0;
	if (data_load(d, source, o, e))
		return -1;
	if (dcache_write(d, source, key, path, e)) {
		data_free(d);
		return -1;
	}
	return 0;
}
