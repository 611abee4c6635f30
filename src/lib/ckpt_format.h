/* What the checkpoint reader (ckpt_frame.c, ckpt.c) and writer
 * (ckpt_write.c) share: the frame of dnn-checkpoint(5) and its section tags.
 * Internal to the three. */
#ifndef DNN_CKPT_FORMAT_H
#define DNN_CKPT_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define HEADER_SIZE 12	    /* magic and version */
#define SECT_HEADER_SIZE 12 /* tag and payload length */
#define CRC_SIZE 4
#define HIST_FIELDS 5 /* loss, val_loss, accuracy, val_accuracy, learning_rate */

extern const unsigned char ckpt_magic[8];

/* The critical sections, in the order they are written (STAT after WGHT).
 * Every section but FILL (present only when missing inputs are filled),
 * CATS (present only when there are categorical columns) and STAT (version
 * 2, present only when the rows keep state) is required. */
enum { S_SPEC, S_LAYR, S_COLS, S_CLAS, S_NORM, S_WGHT, S_HIST, S_FILL, S_CATS, S_STAT, N_SECT };
extern const char ckpt_sect_tag[N_SECT][5];

/* The largest checkpoint dnn reads or writes (dnn-checkpoint(5)): 16 GiB,
 * or what a size_t can count where that is less. */
#define CKPT_MAX_SIZE                                                                              \
	((uint64_t)SIZE_MAX < (UINT64_C(1) << 34) ? (uint64_t)SIZE_MAX : (UINT64_C(1) << 34))
#define CKPT_MAX_SHOWN "16 GiB"

/* The sections of a checkpoint whose frame is verified, pointing into its
 * image; NULL for those absent. */
struct ckpt_frame {
	uint32_t version; /* 1 or 2 (the rows are all dense in version 1) */
	const unsigned char *sect[N_SECT];
	size_t sect_len[N_SECT];
	const unsigned char *meta; /* the ancillary "meta" section */
	size_t meta_len;
	const unsigned char *trst; /* the ancillary "trst" section */
	size_t trst_len;
	const unsigned char *csvf; /* the ancillary "csvf" section */
	size_t csvf_len;
};

/* Verify the frame of the image buf (the magic, the version, the section
 * lengths, the CRC, the tags, no critical section unknown, missing or
 * twice) and fill f. Errors are 65 naming name. */
int ckpt_frame_parse(struct ckpt_frame *f, const unsigned char *buf, size_t size, const char *name,
		     struct dnn_error *e);

/* Read the checkpoint at path ("-": standard input) into *out (malloc'd,
 * *size bytes) and verify its frame as ckpt_frame_parse does, reading no
 * further than the first byte that no checkpoint could hold: a wrong magic
 * after 8 bytes, a bad version after 12, a bad tag or a length beyond the
 * file or CKPT_MAX_SIZE at its section header, data after the CRC. 66 when
 * it cannot be opened or is a directory, 74 on a read error. */
int ckpt_frame_read(struct ckpt_frame *f, const char *path, const char *name, unsigned char **out,
		    size_t *size, struct dnn_error *e);

/* zlib's CRC-32 of n bytes at p, over any length. */
uint32_t ckpt_crc(const unsigned char *p, size_t n);

/* Run the reader's checks over an image about to be written to path, so
 * that dnn never writes a checkpoint it would refuse to load (70 if it
 * would). */
int ckpt_verify_image(const unsigned char *buf, size_t size, const char *path, struct dnn_error *e);

#endif
