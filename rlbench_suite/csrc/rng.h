/* Per-env random numbers: xoshiro256** seeded through splitmix64.
 *
 * Every env owns one generator, seeded from (seed, env index), so a batch gives the same
 * trajectories whatever the number of threads that steps it. The Python twin
 * (rlbench_suite/vector/twins.py) computes the same stream with NumPy.
 */
#ifndef RLBENCH_RNG_H
#define RLBENCH_RNG_H

#include <stdint.h>

#define RLB_GOLDEN_GAMMA 0x9E3779B97F4A7C15ULL

typedef struct {
    uint64_t s[4];
} rlb_rng;

/* splitmix64's output function: a bijection on 64-bit words with full avalanche. */
static inline uint64_t rlb_mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static inline uint64_t rlb_rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

/* The stream of env `index` under `seed`: the nested mix keeps (seed, index) pairs apart, and
 * four splitmix64 outputs fill the state (never all zero in practice). */
static inline void rlb_rng_seed(rlb_rng *rng, uint64_t seed, uint64_t index) {
    uint64_t splitmix = rlb_mix64(rlb_mix64(seed + RLB_GOLDEN_GAMMA) ^ index);
    for (int word = 0; word < 4; word++) {
        splitmix += RLB_GOLDEN_GAMMA;
        rng->s[word] = rlb_mix64(splitmix);
    }
}

static inline uint64_t rlb_rng_next(rlb_rng *rng) {
    uint64_t *s = rng->s;
    const uint64_t result = rlb_rotl(s[1] * 5, 7) * 9;
    const uint64_t shifted = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= shifted;
    s[3] = rlb_rotl(s[3], 45);
    return result;
}

/* Uniform on [0, 1) with 53 random bits, the same map NumPy's Generator.random uses. */
static inline double rlb_rng_double(rlb_rng *rng) {
    return (double)(rlb_rng_next(rng) >> 11) * 0x1.0p-53;
}

#endif
