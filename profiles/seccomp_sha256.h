/* SHA-256 for the seccomp cache's hot path: the x86 SHA extensions when the CPU has them
 * (a cache hit hashes the profile and the entry, ~20 KB, at every container start), the
 * portable common/hash.c implementation otherwise. Same digests either way. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/hash.h"

typedef struct rw_seccomp_sha256 {
    uint32_t h[8];
    uint64_t total;
    uint8_t buf[64];
    size_t used;
    rw_sha256_t portable;
    bool ni;
} rw_seccomp_sha256_t;

void rw_seccomp_sha256_init(rw_seccomp_sha256_t *c);
void rw_seccomp_sha256_update(rw_seccomp_sha256_t *c, const void *data, size_t len);
void rw_seccomp_sha256_final(rw_seccomp_sha256_t *c, uint8_t out[RW_SHA256_LEN]);
void rw_seccomp_sha256(const void *data, size_t len, uint8_t out[RW_SHA256_LEN]);
/* True when the SHA extensions are used (for tests and benchmarks). */
bool rw_seccomp_sha256_accelerated(void);
