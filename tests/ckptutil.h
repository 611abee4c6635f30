/* Shared by the unit tests of ckpt.c: a scratch directory, two models to save,
 * bit-for-bit comparisons and the editing of a checkpoint's bytes. */
#ifndef DNN_CKPTUTIL_H
#define DNN_CKPTUTIL_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "ckpt.h"
#include "net.h"

/* The spec_json of make_cls's model. */
extern const char spec_text[];

/* The scratch directory (made by setup, removed by teardown). */
extern char tmpdir[512];
/* A path in the test's scratch directory (four rotating buffers). */
const char *tpath(const char *name);
void setup(void);
/* Remove the scratch directory and what is in it (one level deep). */
void teardown(void);
/* Entries of the scratch directory whose name contains s. */
int count_entries(const char *s);
/* The whole of a file, malloc'd. */
unsigned char *slurp(const char *path, size_t *len);
void spit(const char *path, const unsigned char *buf, size_t len);

/* CRC-32 (ISO-HDLC: reflected polynomial 0xEDB88320, initial and final
 * complement), bit by bit: independent of zlib. */
uint32_t crc32_ref(const unsigned char *p, size_t n);
uint64_t rd_le(const unsigned char *p, int k);
void wr_le(unsigned char *p, uint64_t v, int k);
/* Rewrite the trailing CRC after an edit. */
void fix_crc(unsigned char *buf, size_t len);
/* Offset of the header of the section with this tag; 0 when absent. */
size_t find_section(const unsigned char *buf, size_t len, const char *tag);
/* A copy of buf with the section at off (0: none) replaced by, or the new
 * section inserted before the CRC, tag + payload; the CRC fixed. */
unsigned char *splice(const unsigned char *buf, size_t len, size_t off, const char *tag,
		      const void *payload, size_t plen, size_t *out_len);

char *xstrdup(const char *s);
char **xstrings(const char *const *v, size_t n);
void xnorm(struct dnn_norm *nm, size_t n, float mean0, float scale0);
/* Weights that are all different, with a few awkward values among them. */
void fill_params(struct dnn_net *net);
/* Classification: 3 inputs in columns 0, 2, 3 (target in column 1),
 * 3 -> 4 relu -> 3 softmax, 3 epochs of history with NaN figures. */
void make_cls(struct dnn_model *m);
/* Regression: 2 inputs and 2 targets, 2 -> 5 tanh -> 2 linear. */
void make_reg(struct dnn_model *m);

void assert_same_bits(const void *a, const void *b, size_t n, const char *what);
void assert_norm_eq(const struct dnn_norm *a, const struct dnn_norm *b);
/* Every field of b equals a's, bit for bit; b's epochs are numbered 1, 2, ...
 * and have no seconds. */
void assert_model_eq(const struct dnn_model *a, const struct dnn_model *b);
/* The size dnn-checkpoint(5) gives for m. */
size_t layout_size(const struct dnn_model *m);
/* Save the classification model to name; return the file's bytes. */
unsigned char *saved_cls(const char *name, size_t *len);
/* Loading buf (written to a file) fails with 65, naming the file, with a
 * message that contains want (NULL: any). */
void assert_refused(const unsigned char *buf, size_t len, const char *want);
void assert_loads(const unsigned char *buf, size_t len);

#endif
