/* The bytes of an input file, plain or gzip-compressed (recognised by its
 * magic bytes, as are the formats it refuses: bzip2, xz, zip, ...), read
 * and decompressed ahead by a thread of its own so that parsing overlaps
 * I/O and decompression. Chunks are handed over as soon as
 * any bytes are available, so that a slow pipe is read row by row. */
#ifndef DNN_INPUT_H
#define DNN_INPUT_H

#include <stddef.h>
#include <stdint.h>

/* Bytes readable past the end of every chunk (their values are unspecified),
 * so that a parser may load a machine word at any position in a chunk. */
#define INPUT_PAD 8

/* What went wrong (input_next). */
enum {
	INPUT_ERR_IO = 1,	 /* a read error; see the errno value */
	INPUT_ERR_CORRUPT = 2,	 /* damaged gzip data or checksum */
	INPUT_ERR_TRUNCATED = 3, /* the gzip stream stops mid-way */
	INPUT_ERR_NOMEM = 4,
	INPUT_ERR_TRAILING = 5,	 /* bytes after a gzip member that start no other */
	INPUT_ERR_FORMAT = 6	 /* another compressed or archive format: see input_format */
};

struct dnn_input;

/* Start reading fd, which the input takes over (and closes). NULL when out
 * of memory or when no thread can be started; fd is closed then too. */
struct dnn_input *input_open(int fd);

/* The same for at most limit bytes from fd's current offset, read as plain
 * text (a share of a file that dist.h's ranks split by bytes). */
struct dnn_input *input_open_range(int fd, uint64_t limit);

/* The next chunk of (decompressed) bytes: 1 with *p and *len (> 0) set,
 * valid until the next call; 0 at the end of the input; -1 on error, with
 * *err an INPUT_ERR_ value and *errnum the errno of a read error. Every
 * chunk before an error is handed over first. */
int input_next(struct dnn_input *in, const unsigned char **p, size_t *len, int *err,
	       int *errnum);

/* Whether input_next would return without waiting for more input. */
int input_ready(struct dnn_input *in);

/* Whether the input is gzip-compressed; known once input_next has handed
 * over a chunk or reached the end. */
int input_is_gzip(const struct dnn_input *in);

/* After INPUT_ERR_FORMAT, what the input is: "xz", "zip", ... */
const char *input_format(const struct dnn_input *in);

/* The version of the zlib that decompresses gzip input. */
const char *input_zlib_version(void);

/* Stop reading (also while the thread waits on a pipe) and free it all. */
void input_close(struct dnn_input *in);

#endif
