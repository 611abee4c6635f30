/* A seedable pseudo-random generator with explicit state (xoshiro256**,
 * seeded through splitmix64), so that runs are reproducible and the state can
 * be saved. */
#ifndef DNN_RNG_H
#define DNN_RNG_H

#include <stddef.h>
#include <stdint.h>

struct dnn_rng {
	uint64_t s[4];
};

void rng_seed(struct dnn_rng *r, uint64_t seed);
/* A key made of two: splitmix64's finalizer over a and b, for seeding
 * keyed streams (rng_seed(r, rng_mix(rng_mix(seed, row), layer))). */
uint64_t rng_mix(uint64_t a, uint64_t b);
/* The next 64 bits: xoshiro256**, inline for the loops that draw a value
 * per unit (dropout masks). */
static inline uint64_t rng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(struct dnn_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rng_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rng_rotl(s[3], 45);
	return result;
}
/* Uniform in [0, 1), 53 random bits. */
double rng_uniform(struct dnn_rng *r);
/* Standard normal (Box-Muller, one value per call). */
double rng_normal(struct dnn_rng *r);
/* Uniform integer in [0, n), unbiased; n > 0. */
uint64_t rng_below(struct dnn_rng *r, uint64_t n);
/* Fisher-Yates shuffle of idx[0..n). */
void rng_shuffle(struct dnn_rng *r, size_t *idx, size_t n);

#endif
