/* SHA-256 and HMAC-SHA-256, self-contained so that the hot paths of runwarden do not pay
 * for loading libcrypto at every runtime call. The one SHA-256 of the project: it uses the
 * x86 SHA extensions when the CPU has them, portable C otherwise; same digests either way. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RW_SHA256_LEN 32
#define RW_SHA256_HEX_LEN 64

typedef struct rw_sha256 {
    uint32_t h[8];
    uint64_t total;
    uint8_t buf[64];
    size_t used;
} rw_sha256_t;

void rw_sha256_init(rw_sha256_t *c);
void rw_sha256_update(rw_sha256_t *c, const void *data, size_t len);
void rw_sha256_final(rw_sha256_t *c, uint8_t out[RW_SHA256_LEN]);
void rw_sha256(const void *data, size_t len, uint8_t out[RW_SHA256_LEN]);
/* True when the SHA extensions are in use (for tests, benchmarks and `audit verify -v`). */
bool rw_sha256_accelerated(void);
/* Test hook: true forces the portable implementation, false restores the CPU's choice. */
void rw_sha256_force_portable(bool portable);

void rw_hmac_sha256(const uint8_t *key, size_t key_len, const void *data, size_t len,
                    uint8_t out[RW_SHA256_LEN]);

/* Lower-case hex; out must hold 2*len+1 bytes. */
void rw_hex(const uint8_t *in, size_t len, char *out);
/* The value of one hex digit (either case), or -1. */
int rw_hex_digit(int c);
/* Parses exactly 2*len hex digits. Returns 0 or -EINVAL. */
int rw_unhex(const char *in, uint8_t *out, size_t len);
/* Constant-time comparison. */
int rw_memeq_ct(const void *a, const void *b, size_t len);
/* Overwrites memory in a way the compiler may not elide. */
void rw_explicit_bzero(void *p, size_t len);
