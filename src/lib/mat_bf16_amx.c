/* The AMX kernel of the bf16 gemm: the 12 x 32 tile of C as two 12 x 16
 * tile registers summed by TDPBF16PS, 32 values of k (16 pairs) a step; its
 * panel layout (k padded to whole steps, A's panel row by row within each
 * step); and the permission Linux asks for before a thread may hold tile
 * data. Compiled for its target by attribute, selected at run time. */
#define _DEFAULT_SOURCE 1 /* syscall */

#include "mat_bf16_kern.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__linux__) &&                                                   \
    ((defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11) ||                               \
     (defined(__clang__) && __clang_major__ >= 12))
#include <cpuid.h>
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TARGET __attribute__((target("amx-tile,amx-bf16")))

/* Linux's arch_prctl request for an extended state component, and AMX's
 * tile data component (XFEATURE_XTILEDATA). */
#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18

/* TDPBF16PS multiplies 16 pairs of k a step. */
#define STEP AMX_KP

/* The tile configuration (palette 1): C in tiles 0 and 1 (BR rows of 16
 * floats), A in tile 2 (BR rows of 16 pairs), B in tiles 3 and 4 (16 rows of
 * pairs, 16 columns each). */
struct tilecfg {
	uint8_t palette, start_row, reserved[14];
	uint16_t colsb[16];
	uint8_t rows[16];
};

static _Thread_local int configured;

TARGET static void configure(void)
{
	struct tilecfg c;

	memset(&c, 0, sizeof c);
	c.palette = 1;
	for (int t = 0; t < 5; t++) {
		c.colsb[t] = 64;
		c.rows[t] = t < 3 ? BR : STEP;
	}
	_tile_loadconfig(&c);
	configured = 1;
}

/* The kernel (bf16_kernel_fn), with kp a multiple of STEP: a holds, for each
 * step h, BR rows of 16 words (a[h 16 BR + r 16 + q]); b the usual panel
 * (b[q BC + c]). */
TARGET static void kernel_amx(size_t kp, const uint32_t *a, const uint32_t *b, float *C,
			      size_t ldc, size_t mr, size_t nr, const struct mat_kepi *ep,
			      size_t i, size_t j)
{
	float acc[BR * BC] __attribute__((aligned(64)));

	if (!configured)
		configure();
	_tile_zero(0);
	_tile_zero(1);
	for (size_t h = 0; h < kp; h += STEP, a += STEP * BR, b += STEP * BC) {
		_tile_loadd(2, a, 64);
		_tile_loadd(3, b, BC * sizeof *b);
		_tile_loadd(4, b + 16, BC * sizeof *b);
		_tile_dpbf16ps(0, 2, 3);
		_tile_dpbf16ps(1, 2, 4);
	}
	_tile_stored(0, acc, BC * sizeof *acc);
	_tile_stored(1, acc + 16, BC * sizeof *acc);
	mat_bf16_store_tile(acc, C, ldc, mr, nr, ep, i, j);
}

/* Panels of w rows of op(X) with k padded to whole steps: the usual packer's
 * panel (bf16_pack_fn), kp2 = kp rounded up to STEP words deep, the words
 * past kp zero. */
static void pack_padded(bf16_pack_fn pack, const float *X, size_t rs, size_t cs, size_t i0,
			size_t p0, size_t rows, size_t kc, size_t w, uint32_t *dst)
{
	size_t kp = (kc + 1) / 2, kp2 = (kp + STEP - 1) / STEP * STEP;

	for (size_t t = 0; t < rows; t += w, dst += w * kp2) {
		pack(X, rs, cs, i0 + t, p0, rows - t < w ? rows - t : w, kc, w, dst);
		memset(dst + w * kp, 0, w * (kp2 - kp) * sizeof *dst);
	}
}

static bf16_pack_fn base_packer;

/* op(B)'s packer (bf16_pack_fn): the usual layout, k padded. */
static void pack_b(const float *X, size_t rs, size_t cs, size_t i0, size_t p0, size_t rows,
		   size_t kc, size_t w, uint32_t *dst)
{
	pack_padded(base_packer, X, rs, cs, i0, p0, rows, kc, w, dst);
}

/* op(A)'s packer (bf16_pack_fn): each panel packed as usual, then each step
 * of 16 words laid out row by row, as a tile register loads it. */
static void pack_a(const float *X, size_t rs, size_t cs, size_t i0, size_t p0, size_t rows,
		   size_t kc, size_t w, uint32_t *dst)
{
	size_t kp = (kc + 1) / 2, kp2 = (kp + STEP - 1) / STEP * STEP;
	uint32_t tmp[BR * (MAT_BF16_KC / 2 + STEP)];

	for (size_t t = 0; t < rows; t += w, dst += w * kp2) {
		pack_padded(base_packer, X, rs, cs, i0 + t, p0, rows - t < w ? rows - t : w, kc, w,
			    tmp);
		for (size_t h = 0; h < kp2; h += STEP)
			for (size_t r = 0; r < w; r++)
				for (size_t q = 0; q < STEP; q++)
					dst[h * w + r * STEP + q] = tmp[(h + q) * w + r];
	}
}

/* Whether the CPU has AMX-BF16 and AMX-TILE, the OS saves tile state
 * (XCR0 bits 17 and 18), and Linux lets this process use it. DNN_NO_AMX
 * set: no, as when Linux refuses. Asked once. */
static int supported(void)
{
	static int answer = -1;
	unsigned a, b, c, d;

	if (answer >= 0)
		return answer;
	answer = 0;
	if (getenv("DNN_NO_AMX") || !base_packer)
		return 0;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(d & (1u << 22)) || !(d & (1u << 24)))
		return 0;
	__cpuid(1, a, b, c, d);
	if (!(c & (1u << 27))) /* OSXSAVE */
		return 0;
	unsigned lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	if ((lo & (3u << 17)) != (3u << 17))
		return 0;
	if (syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) != 0)
		return 0;
	answer = 1;
	return 1;
}

int mat_bf16_amx(struct bf16_tier *t)
{
	base_packer = mat_bf16_packer_avx512();
	if (!supported())
		return -1;
	t->kernel = kernel_amx;
	t->pack_a = pack_a;
	t->pack_b = pack_b;
	t->kpad = STEP;
	t->label = "amx";
	return 0;
}

#else

int mat_bf16_amx(struct bf16_tier *t)
{
	(void)t;
	return -1;
}

#endif
