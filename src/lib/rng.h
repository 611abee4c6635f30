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
uint64_t rng_next(struct dnn_rng *r);
/* Uniform in [0, 1), 53 random bits. */
double rng_uniform(struct dnn_rng *r);
/* Standard normal (Box-Muller, one value per call). */
double rng_normal(struct dnn_rng *r);
/* Uniform integer in [0, n), unbiased; n > 0. */
uint64_t rng_below(struct dnn_rng *r, uint64_t n);
/* Fisher-Yates shuffle of idx[0..n). */
void rng_shuffle(struct dnn_rng *r, size_t *idx, size_t n);

#endif
