/* Input bytes: a producer thread reads the file (and inflates gzip) into a
 * ring of chunks that the parser takes one at a time. */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define CHUNK (256u * 1024u) /* decoded bytes per chunk */
#define ZIN (128u * 1024u)   /* compressed bytes per read */
#define NBUF 4		     /* chunks in the ring */

enum { MODE_UNKNOWN, MODE_PLAIN, MODE_GZIP, MODE_OTHER };

/* The magic numbers at the start of a file that say what it is: gzip, which
 * is read, and the formats that are recognised only to be refused. A 0x100
 * stands for any digit 1 to 9 (bzip2's block size). */
#define MAGIC_MAX 10
static const struct magic {
	const char *name;
	unsigned char len;
	unsigned short b[MAGIC_MAX];
} magics[] = {
	{"gzip", 2, {0x1f, 0x8b}},
	{"compress (.Z)", 2, {0x1f, 0x9d}},
	{"bzip2", 10, {'B', 'Z', 'h', 0x100, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59}},
	{"bzip2", 10, {'B', 'Z', 'h', 0x100, 0x17, 0x72, 0x45, 0x38, 0x50, 0x90}},
	{"xz", 6, {0xfd, '7', 'z', 'X', 'Z', 0x00}},
	{"lzip", 4, {'L', 'Z', 'I', 'P'}},
	{"lz4", 4, {0x04, 0x22, 0x4d, 0x18}},
	{"zstd", 4, {0x28, 0xb5, 0x2f, 0xfd}},
	{"zip", 4, {'P', 'K', 0x03, 0x04}},
	{"zip", 4, {'P', 'K', 0x05, 0x06}},
	{"7z", 6, {'7', 'z', 0xbc, 0xaf, 0x27, 0x1c}},
};
#define N_MAGICS (sizeof magics / sizeof magics[0])

struct dnn_input {
	int fd;
	uint64_t left; /* bytes still to read from fd (UINT64_MAX: all) */
	int wake[2]; /* a pipe: input_close writes to it to stop a waiting read */
	pthread_t thread;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned char *buf[NBUF];
	size_t len[NBUF];
	size_t head, count; /* full chunks: head .. head + count - 1, mod NBUF */
	int holding;	    /* the parser holds chunk head */
	int done;	    /* the producer has finished */
	int stop;	    /* input_close asks it to */
	int err, errnum;    /* why it finished: 0 at the end of the input */
	/* The producer's own state. */
	int mode;
	const char *format; /* MODE_OTHER: the name of what the file is */
	z_stream zs;
	int zs_init;
	unsigned char *zin;
	int in_eof;
	int member_end;	  /* a gzip member just ended */
	int later_member; /* the member being read is not the first */
	int pending;	/* an error to report after the chunk in hand */
	int pending_errnum;
};

/* read(2) through interruptions, giving up when input_close calls:
 * the byte count, 0 at the end of the file, -1 on error (errno set), -2
 * when stopped. */
static long read_some(struct dnn_input *in, unsigned char *p, size_t n)
{
	for (;;) {
		struct pollfd fds[2] = {{in->fd, POLLIN, 0}, {in->wake[0], POLLIN, 0}};
		ssize_t r;

		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			/* poll cannot watch this file: read it all the same. */
		} else if (fds[1].revents) {
			return -2;
		}
		if (in->left == 0)
			return 0;
		if (n > in->left)
			n = (size_t)in->left;
		r = read(in->fd, p, n);
		if (r >= 0) {
			in->left -= (uint64_t)r;
			return (long)r;
		}
		if (errno != EINTR && errno != EAGAIN)
			return -1;
	}
}

static int fail(struct dnn_input *in, int err, int errnum)
{
	in->err = err;
	in->errnum = errnum;
	return -1;
}

/* Whether p[0..n) matches m: 1 when it is the whole magic number, 0 when
 * it may still turn out to be (n is short of it), -1 when it is not. */
static int magic_match(const struct magic *m, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < m->len; i++) {
		if (i == n)
			return 0;
		if (m->b[i] == 0x100 ? p[i] < '1' || p[i] > '9' : p[i] != m->b[i])
			return -1;
	}
	return 1;
}

/* What p[0..n) starts with: a magic number (*m set), 1; 0 when more bytes
 * could still make one; -1 when none can. */
static int magic_find(const unsigned char *p, size_t n, const struct magic **m)
{
	int maybe = 0;

	for (size_t k = 0; k < N_MAGICS; k++) {
		int r = magic_match(&magics[k], p, n);

		if (r > 0) {
			*m = &magics[k];
			return 1;
		}
		maybe |= r == 0;
	}
	return maybe ? 0 : -1;
}

/* Read until the first bytes tell the format (no more than a magic number
 * needs, so that a slow pipe's first line is not held back), and decide
 * plain, gzip or a format refused. */
static int decide(struct dnn_input *in)
{
	const struct magic *m = NULL;
	size_t have = 0;
	int found = 0;

	while (!in->in_eof && (found = magic_find(in->zin, have, &m)) == 0) {
		long r = read_some(in, in->zin + have, ZIN - have);

		if (r == -2)
			return 0;
		if (r < 0)
			return fail(in, INPUT_ERR_IO, errno);
		if (r == 0)
			in->in_eof = 1;
		have += (size_t)r;
	}
	if (in->in_eof)
		found = magic_find(in->zin, have, &m);
	in->zs.next_in = in->zin;
	in->zs.avail_in = (uInt)have;
	if (found <= 0) {
		in->mode = MODE_PLAIN;
	} else if (m == &magics[0]) {
		/* 16 + 15: a gzip wrapper, a window of up to 32 KiB. */
		if (inflateInit2(&in->zs, 16 + MAX_WBITS) != Z_OK)
			return fail(in, INPUT_ERR_NOMEM, 0);
		in->zs_init = 1;
		in->mode = MODE_GZIP;
	} else {
		in->mode = MODE_OTHER;
		in->format = m->name;
		return fail(in, INPUT_ERR_FORMAT, 0);
	}
	return 1;
}

/* Up to cap bytes of a plain file: 1 with *n set, 0 at the end, -1. */
static int fill_plain(struct dnn_input *in, unsigned char *dst, size_t cap, size_t *n)
{
	long r;

	if (in->zs.avail_in > 0) { /* the bytes decide() read */
		size_t k = in->zs.avail_in < cap ? in->zs.avail_in : cap;

		memcpy(dst, in->zs.next_in, k);
		in->zs.next_in += k;
		in->zs.avail_in -= (uInt)k;
		*n = k;
		return 1;
	}
	if (in->in_eof)
		return 0;
	r = read_some(in, dst, cap);
	if (r == -2 || r == 0)
		return 0;
	if (r < 0)
		return fail(in, INPUT_ERR_IO, errno);
	*n = (size_t)r;
	return 1;
}

/* Up to cap decompressed bytes. Members that follow one another read as one
 * stream; bytes after a member that do not start another are an error
 * (INPUT_ERR_TRAILING), where gzip(1) warns. Output is handed over before
 * any read that could block, and an error after it is kept for the next
 * call. */
static int fill_gzip(struct dnn_input *in, unsigned char *dst, size_t cap, size_t *n)
{
	z_stream *zs = &in->zs;

	zs->next_out = dst;
	zs->avail_out = (uInt)cap;
	while (!in->pending) {
		int r;

		if (zs->avail_in == 0 && !in->in_eof) {
			long k;

			if (zs->avail_out < cap)
				break;
			k = read_some(in, in->zin, ZIN);
			if (k == -2)
				return 0;
			if (k < 0) {
				in->pending = INPUT_ERR_IO;
				in->pending_errnum = errno;
				break;
			}
			if (k == 0)
				in->in_eof = 1;
			zs->next_in = in->zin;
			zs->avail_in = (uInt)k;
		}
		if (in->member_end) {
			if (zs->avail_in == 0) {
				if (in->in_eof)
					break;
				continue;
			}
			if (zs->next_in[0] != 0x1f) {
				in->pending = INPUT_ERR_TRAILING;
				break;
			}
			if (inflateReset(zs) != Z_OK) {
				in->pending = INPUT_ERR_CORRUPT;
				break;
			}
			in->member_end = 0;
			in->later_member = 1;
		}
		r = inflate(zs, Z_NO_FLUSH);
		if (r == Z_STREAM_END) {
			in->member_end = 1;
		} else if (r == Z_NEED_DICT || r == Z_DATA_ERROR || r == Z_STREAM_ERROR) {
			in->pending = INPUT_ERR_CORRUPT;
		} else if (r == Z_MEM_ERROR) {
			in->pending = INPUT_ERR_NOMEM;
		} else if (r == Z_BUF_ERROR && zs->avail_in == 0 && in->in_eof &&
			   zs->avail_out > 0) {
			/* No progress and no more input: the stream stops short. */
			in->pending = INPUT_ERR_TRUNCATED;
		}
		/* After a member, bytes that fail as the magic number of the
		 * next one are not a member at all. */
		if (in->pending && in->pending != INPUT_ERR_NOMEM && in->later_member &&
		    zs->total_in <= 2)
			in->pending = INPUT_ERR_TRAILING;
		if (zs->avail_out == 0)
			break;
	}
	*n = cap - zs->avail_out;
	if (*n)
		return 1;
	if (in->pending)
		return fail(in, in->pending, in->pending_errnum);
	return 0;
}

static void *produce(void *arg)
{
	struct dnn_input *in = arg;

	for (;;) {
		size_t slot, n = 0;
		int rc;

		pthread_mutex_lock(&in->mu);
		while (in->count == NBUF && !in->stop)
			pthread_cond_wait(&in->cv, &in->mu);
		if (in->stop) {
			pthread_mutex_unlock(&in->mu);
			return NULL;
		}
		slot = (in->head + in->count) % NBUF;
		pthread_mutex_unlock(&in->mu);

		rc = in->mode == MODE_UNKNOWN ? decide(in) : 1;
		if (rc > 0)
			rc = in->mode == MODE_GZIP ? fill_gzip(in, in->buf[slot], CHUNK, &n)
						   : fill_plain(in, in->buf[slot], CHUNK, &n);

		pthread_mutex_lock(&in->mu);
		if (rc > 0) {
			in->len[slot] = n;
			in->count++;
		} else {
			in->done = 1;
		}
		pthread_cond_broadcast(&in->cv);
		pthread_mutex_unlock(&in->mu);
		if (rc <= 0)
			return NULL;
	}
}

struct dnn_input *input_open(int fd)
{
	return input_open_range(fd, UINT64_MAX);
}

struct dnn_input *input_open_range(int fd, uint64_t limit)
{
	struct dnn_input *in = calloc(1, sizeof *in);

	if (!in) {
		close(fd);
		return NULL;
	}
	in->fd = fd;
	in->left = limit;
	/* A byte range of a file is plain text, whatever its first bytes. */
	if (limit != UINT64_MAX)
		in->mode = MODE_PLAIN;
	in->wake[0] = in->wake[1] = -1;
	for (int i = 0; i < NBUF; i++)
		if (!(in->buf[i] = malloc(CHUNK + INPUT_PAD)))
			goto fail;
	if (!(in->zin = malloc(ZIN)) || pipe(in->wake) != 0)
		goto fail;
	fcntl(in->wake[0], F_SETFD, FD_CLOEXEC);
	fcntl(in->wake[1], F_SETFD, FD_CLOEXEC);
	if (pthread_mutex_init(&in->mu, NULL) != 0)
		goto fail;
	if (pthread_cond_init(&in->cv, NULL) != 0) {
		pthread_mutex_destroy(&in->mu);
		goto fail;
	}
	if (pthread_create(&in->thread, NULL, produce, in) != 0) {
		pthread_cond_destroy(&in->cv);
		pthread_mutex_destroy(&in->mu);
		goto fail;
	}
	in->started = 1;
	return in;
fail:
	for (int i = 0; i < NBUF; i++)
		free(in->buf[i]);
	free(in->zin);
	if (in->wake[0] >= 0) {
		close(in->wake[0]);
		close(in->wake[1]);
	}
	close(fd);
	free(in);
	return NULL;
}

int input_next(struct dnn_input *in, const unsigned char **p, size_t *len, int *err,
	       int *errnum)
{
	int rc;

	pthread_mutex_lock(&in->mu);
	if (in->holding) {
		in->head = (in->head + 1) % NBUF;
		in->count--;
		in->holding = 0;
		pthread_cond_broadcast(&in->cv);
	}
	while (in->count == 0 && !in->done)
		pthread_cond_wait(&in->cv, &in->mu);
	if (in->count > 0) {
		*p = in->buf[in->head];
		*len = in->len[in->head];
		in->holding = 1;
		rc = 1;
	} else {
		*err = in->err;
		*errnum = in->errnum;
		rc = in->err ? -1 : 0;
	}
	pthread_mutex_unlock(&in->mu);
	return rc;
}

const char *input_zlib_version(void)
{
	return zlibVersion();
}

int input_ready(struct dnn_input *in)
{
	int ready;

	pthread_mutex_lock(&in->mu);
	ready = in->count > (size_t)in->holding || in->done;
	pthread_mutex_unlock(&in->mu);
	return ready;
}

const char *input_format(const struct dnn_input *in)
{
	/* Set, as the mode, before the producer finishes. */
	return in->format ? in->format : "unknown";
}

int input_is_gzip(const struct dnn_input *in)
{
	/* Set by the producer before it publishes a chunk or finishes, under
	 * the mutex that input_next took after. */
	return in->mode == MODE_GZIP;
}

void input_close(struct dnn_input *in)
{
	if (!in)
		return;
	pthread_mutex_lock(&in->mu);
	in->stop = 1;
	pthread_cond_broadcast(&in->cv);
	pthread_mutex_unlock(&in->mu);
	/* Wake a read that waits on a pipe or a terminal. */
	if (write(in->wake[1], "", 1) < 0) {
		/* The pipe is ours and empty: this cannot fail. */
	}
	pthread_join(in->thread, NULL);
	pthread_cond_destroy(&in->cv);
	pthread_mutex_destroy(&in->mu);
	if (in->zs_init)
		inflateEnd(&in->zs);
	for (int i = 0; i < NBUF; i++)
		free(in->buf[i]);
	free(in->zin);
	close(in->wake[0]);
	close(in->wake[1]);
	close(in->fd);
	free(in);
}
