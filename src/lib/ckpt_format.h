/* What the checkpoint reader (ckpt.c) and writer (ckpt_write.c) share: the
 * frame of dnn-checkpoint(5) and its section tags. Internal to the two. */
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

/* zlib's CRC-32 of n bytes at p, over any length. */
uint32_t ckpt_crc(const unsigned char *p, size_t n);

/* Run the reader's checks over an image about to be written to path, so
 * that dnn never writes a checkpoint it would refuse to load (70 if it
 * would). */
int ckpt_verify_image(const unsigned char *buf, size_t size, const char *path, struct dnn_error *e);

#endif
