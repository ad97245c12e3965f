/* The trust cache: small JSON files in a directory only runwarden's user can write, named
 * by the SHA-256 of everything their content depends on. "v-" files hold verdicts, "i-"
 * files hold images.json records keyed by the file's identity (inode, size, times). */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "../common/hash.h"

/* Opens (creating it when create is true) the cache directory. Returns the fd, or < 0 with
 * *why set when the directory is missing, or not owned by us / writable by others (then
 * the cache is simply not used). */
int rw_trust_cache_open(const char *dir, bool create, const char **why);
/* 1 and *ret when a fresh entry exists; 0 otherwise (missing, expired, malformed). */
int rw_trust_cache_get(int dirfd, const char *prefix, const uint8_t key[RW_SHA256_LEN],
                       json_t **ret);
/* Stores value (borrowed) for ttl seconds; failures are ignored (a cache is optional). */
void rw_trust_cache_put(int dirfd, const char *prefix, const uint8_t key[RW_SHA256_LEN],
                        const json_t *value, long ttl);
