/* libFuzzer harness for the checkpoint reader (ckpt_parse, the parser of
 * ckpt_load): any bytes either load or give an error 65 with a message; a
 * model that loads runs a forward pass. Each input is also tried with its
 * CRC-32 fixed up. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "ckpt.h"
#include "net.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void parse_one(const uint8_t *data, size_t size)
{
	struct dnn_model m;
	struct dnn_error e;
	float *x;

	dnn_error_clear(&e);
	if (ckpt_parse(&m, data, size, "fuzz.dnn", &e) != 0) {
		if ((e.code != DNN_EX_DATA && e.code != DNN_EX_SOFTWARE) || e.msg[0] == '\0')
			abort();
		return;
	}
	/* One row of inputs, normalized as predict does, through the network. */
	x = util_calloc_array(m.net->n_in, sizeof *x);
	if (!x)
		abort();
	norm_apply(&m.in_norm, x, 1);
	if (net_reserve(m.net, 1, &e) == 0) {
		const float *y = net_forward(m.net, x, 1);

		if (m.out_norm.n) {
			float *out = util_malloc_array(m.out_norm.n, sizeof *out);

			if (!out)
				abort();
			memcpy(out, y, m.out_norm.n * sizeof *out);
			norm_invert(&m.out_norm, out, 1);
			free(out);
		}
	}
	free(x);
	model_free(&m);
}

/* The input as it is, then with its CRC-32 made right, so that mutations
 * reach the sections behind the checksum. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *fixed;
	uLong crc;

	parse_one(data, size);
	if (size < 16)
		return 0;
	fixed = malloc(size);
	if (!fixed)
		abort();
	memcpy(fixed, data, size);
	crc = crc32(0L, fixed, (uInt)(size - 4));
	for (int i = 0; i < 4; i++)
		fixed[size - 4 + (size_t)i] = (unsigned char)(crc >> (8 * i));
	if (memcmp(fixed, data, size) != 0)
		parse_one(fixed, size);
	free(fixed);
	return 0;
}
