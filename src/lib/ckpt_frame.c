/* The frame of a checkpoint (dnn-checkpoint(5)): magic, version, tagged
 * sections and CRC-32, walked as the bytes arrive, so that a file, a pipe or
 * a device is read no further than the first thing no checkpoint could
 * hold, and never past CKPT_MAX_SIZE; then the table of its sections.
 * ckpt.c checks what the sections hold. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <zlib.h>

#include "bytes.h"
#include "ckpt.h"
#include "ckpt_format.h"

const unsigned char ckpt_magic[8] = {0x89, 'D', 'N', 'N', 0x0D, 0x0A, 0x1A, 0x0A};
const char ckpt_sect_tag[N_SECT][5] = {"SPEC", "LAYR", "COLS", "CLAS", "NORM",
				       "WGHT", "HIST", "FILL", "CATS", "STAT"};

#define SIZE_UNKNOWN UINT64_MAX

/* crc continued over n more bytes at p (zlib's length argument is a uInt). */
static uint32_t crc_more(uint32_t crc, const unsigned char *p, size_t n)
{
	uLong c = crc;

	while (n > 0) {
		uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;

		c = crc32(c, p, k);
		p += k;
		n -= k;
	}
	return (uint32_t)c;
}

uint32_t ckpt_crc(const unsigned char *p, size_t n)
{
	return crc_more((uint32_t)crc32(0L, Z_NULL, 0), p, n);
}

/* Where the walk over a file's first bytes stands. */
struct walk {
	const char *name; /* the file, in messages */
	struct dnn_error *e;
	uint64_t size; /* the file's size, SIZE_UNKNOWN until a stream ends */
	size_t pos;    /* the next section header; 0 before the file header */
	size_t crc_n;  /* the bytes crc covers */
	uint32_t crc;
	size_t cand; /* the first section boundary followed by the CRC of all
		      * before it (0: none): where a checkpoint with trailing
		      * data ends */
};

static int walk_err(struct walk *w, const char *fmt, ...) DNN_PRINTF(2, 3);

/* Error 65 naming the file. */
static int walk_err(struct walk *w, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return dnn_error_set(w->e, DNN_EX_DATA, w->name, 0, 0, "%s", msg);
}

/* A section that cannot be one, after a boundary followed by its CRC: what
 * follows the checkpoint is not part of it. */
static int walk_trailing(struct walk *w)
{
	return walk_err(w, "trailing data after the checkpoint (from offset %zu)",
			w->cand + CRC_SIZE);
}

/* A tag is four ASCII letters or digits, the first a letter. */
static int tag_ok(const unsigned char *t)
{
	for (int i = 0; i < 4; i++) {
		int c = t[i];
		int alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');

		if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
			return 0;
	}
	return 1;
}

/* The magic and the version, over the first n bytes: 12 or more, or the
 * whole file. */
static int walk_head(struct walk *w, const unsigned char *b, size_t n)
{
	uint32_t version;

	if (n == 0)
		return walk_err(w, "not a dnn checkpoint (the file is empty)");
	if (memcmp(b, ckpt_magic, n < 8 ? n : 8) != 0)
		return walk_err(w, "not a dnn checkpoint");
	if (n < HEADER_SIZE)
		return walk_err(w, "truncated checkpoint (%zu bytes)", n);
	version = (uint32_t)bytes_get_le(b + 8, 4);
	if (version < 1 || version > DNN_CKPT_VERSION)
		return walk_err(w,
				"unsupported checkpoint version %lu (this dnn reads versions 1 to %d)",
				(unsigned long)version, DNN_CKPT_VERSION);
	if (w->size != SIZE_UNKNOWN && w->size > CKPT_MAX_SIZE)
		return walk_err(w, "checkpoint larger than the %s dnn reads (%llu bytes)",
				CKPT_MAX_SHOWN, (unsigned long long)w->size);
	w->pos = HEADER_SIZE;
	return 0;
}

/* The end of the file at w->pos, 4 bytes after it: the CRC. 1 if it
 * matches. */
static int walk_end(struct walk *w, const unsigned char *b)
{
	if (w->crc == (uint32_t)bytes_get_le(b + w->pos, 4))
		return 1;
	if (w->cand)
		return walk_trailing(w);
	return walk_err(w, "checksum mismatch: the file is damaged");
}

/* One step at the section boundary w->pos over the n bytes read so far (eof:
 * all of them): 2 past one more section, 1 at the verified end, 0 when *want
 * bytes are needed to go on, -1 on an error. */
static int walk_section(struct walk *w, const unsigned char *b, size_t n, int eof, size_t *want)
{
	size_t pos = w->pos, left = n - pos;
	uint64_t len, room;

	w->crc = crc_more(w->crc, b + w->crc_n, pos - w->crc_n);
	w->crc_n = pos;
	if (!w->cand && left >= CRC_SIZE && w->crc == (uint32_t)bytes_get_le(b + pos, 4))
		w->cand = pos;
	if (!eof && left < SECT_HEADER_SIZE + CRC_SIZE) {
		*want = pos + SECT_HEADER_SIZE + CRC_SIZE;
		return 0;
	}
	if (eof && n < HEADER_SIZE + CRC_SIZE)
		return walk_err(w, "truncated checkpoint (%zu bytes)", n);
	if (eof && left == CRC_SIZE)
		return walk_end(w, b);
	if (eof && left < SECT_HEADER_SIZE + CRC_SIZE)
		return w->cand ? walk_trailing(w)
			       : walk_err(w,
					  "truncated checkpoint (a section header at offset %zu is "
					  "cut short)",
					  pos);
	if (!tag_ok(b + pos))
		return w->cand ? walk_trailing(w)
			       : walk_err(w, "bad section tag at offset %zu", pos);
	len = bytes_get_le(b + pos + 4, 8);
	if (w->size != SIZE_UNKNOWN) {
		room = w->size - pos - SECT_HEADER_SIZE - CRC_SIZE;
		if (len > room)
			return w->cand ? walk_trailing(w)
				       : walk_err(w,
						  "truncated checkpoint (section at offset %zu "
						  "needs %llu bytes, %llu are left)",
						  pos, (unsigned long long)len,
						  (unsigned long long)room);
	} else {
		room = CKPT_MAX_SIZE > pos + SECT_HEADER_SIZE + CRC_SIZE
			   ? CKPT_MAX_SIZE - pos - SECT_HEADER_SIZE - CRC_SIZE
			   : 0;
		if (len > room)
			return w->cand
				   ? walk_trailing(w)
				   : walk_err(w,
					      "checkpoint larger than the %s dnn reads (section "
					      "at offset %zu is %llu bytes long)",
					      CKPT_MAX_SHOWN, pos, (unsigned long long)len);
	}
	if (left - SECT_HEADER_SIZE < len) {
		*want = pos + SECT_HEADER_SIZE + (size_t)len;
		return 0;
	}
	w->pos = pos + SECT_HEADER_SIZE + (size_t)len;
	return 2;
}

/* Walk on over the n bytes read so far (eof: they are the whole file): 1
 * once the frame is verified, 0 when *want bytes are needed, -1 on an error. */
static int walk_on(struct walk *w, const unsigned char *b, size_t n, int eof, size_t *want)
{
	int r;

	if (eof)
		w->size = n;
	if (!w->pos) {
		if (!eof && n < HEADER_SIZE) {
			*want = HEADER_SIZE;
			return 0;
		}
		if (walk_head(w, b, n))
			return -1;
	}
	while ((r = walk_section(w, b, n, eof, want)) == 2)
		;
	return r;
}

/* The table of the sections of a verified frame: the critical ones known,
 * none twice, none missing (but FILL, CATS and STAT), meta, trst and csvf. */
static int frame_table(struct ckpt_frame *f, const unsigned char *buf, size_t size, struct walk *w)
{
	size_t end = size - CRC_SIZE;

	memset(f, 0, sizeof *f);
	f->version = (uint32_t)bytes_get_le(buf + 8, 4);
	for (size_t pos = HEADER_SIZE; pos < end;) {
		const unsigned char *tag = buf + pos;
		size_t len = (size_t)bytes_get_le(buf + pos + 4, 8);
		int s;

		for (s = 0; s < N_SECT; s++)
			if (memcmp(tag, ckpt_sect_tag[s], 4) == 0)
				break;
		if (s < N_SECT) {
			if (f->sect[s])
				return walk_err(w, "duplicate section '%s'", ckpt_sect_tag[s]);
			f->sect[s] = buf + pos + SECT_HEADER_SIZE;
			f->sect_len[s] = len;
		} else if (memcmp(tag, "meta", 4) == 0) {
			f->meta = buf + pos + SECT_HEADER_SIZE;
			f->meta_len = len;
		} else if (memcmp(tag, "csvf", 4) == 0) {
			f->csvf = buf + pos + SECT_HEADER_SIZE;
			f->csvf_len = len;
		} else if (memcmp(tag, "trst", 4) == 0) {
			if (f->trst)
				return walk_err(w, "duplicate section 'trst'");
			f->trst = buf + pos + SECT_HEADER_SIZE;
			f->trst_len = len;
		} else if (tag[0] >= 'A' && tag[0] <= 'Z') {
			return walk_err(w,
					"unknown critical section '%.4s' (written by a newer dnn?)",
					(const char *)tag);
		}
		pos += SECT_HEADER_SIZE + len;
	}
	for (int s = 0; s < N_SECT; s++)
		if (!f->sect[s] && s != S_FILL && s != S_CATS && s != S_STAT)
			return walk_err(w, "missing section '%s'", ckpt_sect_tag[s]);
	return 0;
}

int ckpt_frame_parse(struct ckpt_frame *f, const unsigned char *buf, size_t size, const char *name,
		     struct dnn_error *e)
{
	struct walk w = {name, e, size, 0, 0, 0, 0};
	size_t want;

	if (walk_on(&w, buf, size, 1, &want) != 1)
		return -1;
	return frame_table(f, buf, size, &w);
}

/* A file being read: what has arrived of it. */
struct stream {
	int fd;
	unsigned char *buf;
	size_t n, cap;
	uint64_t size; /* a regular file's size, else SIZE_UNKNOWN */
	int eof;
};

/* Read until n >= want or the end, the buffer growing only as bytes arrive
 * (at most CKPT_MAX_SIZE and a section header more). */
static int stream_fill(struct stream *s, size_t want, const char *name, struct dnn_error *e)
{
	uint64_t limit =
	    s->size != SIZE_UNKNOWN ? s->size : CKPT_MAX_SIZE + SECT_HEADER_SIZE + CRC_SIZE;

	while (s->n < want && !s->eof) {
		ssize_t r;

		if (s->n == s->cap) {
			uint64_t ncap = s->cap < 32768 ? 65536 : 2 * (uint64_t)s->cap;
			unsigned char *p;

			if (ncap > limit)
				ncap = limit > s->cap ? limit : s->cap + 1;
			p = ncap <= SIZE_MAX ? realloc(s->buf, (size_t)ncap) : NULL;
			if (!p)
				return dnn_error_oom(e);
			s->buf = p;
			s->cap = (size_t)ncap;
		}
		r = read(s->fd, s->buf + s->n, s->cap - s->n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return dnn_error_set(e, DNN_EX_IO, name, 0, 0, "read error: %s",
					     strerror(errno));
		s->n += (size_t)r;
		s->eof = r == 0 || (s->size != SIZE_UNKNOWN && s->n >= s->size);
	}
	return 0;
}

/* Open path ("-": standard input) for reading into s; a directory is 66. */
static int stream_open(struct stream *s, const char *path, struct dnn_error *e)
{
	struct stat st;

	memset(s, 0, sizeof *s);
	s->size = SIZE_UNKNOWN;
	s->fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY);
	if (s->fd < 0)
		return dnn_error_set(e, DNN_EX_NOINPUT, NULL, 0, 0, "cannot open '%s': %s", path,
				     strerror(errno));
	if (fstat(s->fd, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			if (s->fd != STDIN_FILENO)
				close(s->fd);
			return dnn_error_set(e, DNN_EX_NOINPUT, NULL, 0, 0, "cannot open '%s': %s",
					     path, strerror(EISDIR));
		}
		/* Standard input may be a file read part of the way already. */
		if (S_ISREG(st.st_mode) && s->fd != STDIN_FILENO && st.st_size >= 0)
			s->size = (uint64_t)st.st_size;
	}
	return 0;
}

int ckpt_frame_read(struct ckpt_frame *f, const char *path, const char *name, unsigned char **out,
		    size_t *size, struct dnn_error *e)
{
	struct stream s;
	struct walk w = {name, e, SIZE_UNKNOWN, 0, 0, 0, 0};
	size_t want = HEADER_SIZE;
	int r;

	if (stream_open(&s, path, e))
		return -1;
	w.size = s.size;
	s.eof = s.size == 0;
	do {
		r = stream_fill(&s, want, name, e) ? -1 : walk_on(&w, s.buf, s.n, s.eof, &want);
	} while (r == 0);
	if (s.fd != STDIN_FILENO)
		close(s.fd);
	if (r == 1 && frame_table(f, s.buf, s.n, &w) == 0) {
		*out = s.buf;
		*size = s.n;
		return 0;
	}
	free(s.buf);
	return -1;
}
