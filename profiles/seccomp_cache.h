/* Content-addressed cache of compiled seccomp filters. The key covers the resolved OCI
 * section (every errno value included), the compile options, the libseccomp version, the
 * kernel (release, version, machine) and the target architecture. Entries carry a checksum:
 * a corrupt one is detected, removed and rebuilt. Writers use temp file + rename, so
 * concurrent starts share the cache safely. A hit does not load libseccomp. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "../common/error.h"
#include "../common/hash.h"
#include "seccomp_compile.h"
#include "seccomp_types.h"

#define RW_SECCOMP_CACHE_DIR "/var/cache/runwarden/seccomp"

typedef struct rw_seccomp_cache_opts {
    const char *dir; /* NULL: no cache, compile every time */
    bool store;      /* false: read-only (runwarden check) */
} rw_seccomp_cache_opts_t;

typedef enum rw_seccomp_cache_result {
    RW_SECCOMP_CACHE_OFF = 0, /* no cache configured or usable */
    RW_SECCOMP_CACHE_HIT,
    RW_SECCOMP_CACHE_MISS,    /* compiled (and stored when allowed) */
    RW_SECCOMP_CACHE_REBUILT, /* the entry was corrupt: removed, compiled, stored */
} rw_seccomp_cache_result_t;

typedef struct rw_seccomp_filter {
    struct sock_filter *insns;
    size_t n;
    char **unknown; /* syscall names skipped as unknown (NULL-terminated) */
    size_t n_unknown;
    int optimize;
    rw_seccomp_cache_result_t cache;
    char *cache_note;                   /* why the cache was not used, or NULL */
    char key[RW_SHA256_HEX_LEN + 1];    /* cache key */
    char digest[RW_SHA256_HEX_LEN + 1]; /* SHA-256 of the BPF bytes */
    char libseccomp_version[32];
} rw_seccomp_filter_t;

/* The compiled filter for o, from the cache or freshly compiled. */
int rw_seccomp_filter_get(const rw_seccomp_oci_t *o, const rw_seccomp_compile_opts_t *copts,
                          const rw_seccomp_cache_opts_t *cache, rw_seccomp_filter_t *out,
                          rw_error_t **err);
void rw_seccomp_filter_clear(rw_seccomp_filter_t *f);
const char *rw_seccomp_cache_result_name(rw_seccomp_cache_result_t r);

/* Standard base64 with padding (what crun's seccomp_bpf_data decoder takes). Caller frees. */
char *rw_seccomp_base64(const void *data, size_t len);
