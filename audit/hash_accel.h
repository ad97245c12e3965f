/* Line hashing for the verifier. By default the project's own SHA-256; `audit verify`
 * (never the runtime path) may switch to libcrypto, loaded with dlopen, whose SHA-256 uses
 * the CPU's SHA extensions and checks a large log several times faster. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/hash.h"

void rw_audit_hash_line(const void *p, size_t len, uint8_t out[RW_SHA256_LEN]);
/* Tries to use libcrypto.so.3; returns true when it is in use. The result is checked
 * against the built-in SHA-256 before it is trusted. */
bool rw_audit_hash_accelerate(void);
