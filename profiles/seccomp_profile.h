/* Strict reader of seccomp profiles in the containers format (containers/common
 * pkg/seccomp, /usr/share/containers/seccomp.json) and moby's (minKernel). Every error names
 * the file, the JSON path and the reason; fields upstream ignores give a named warning. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"
#include "../common/hash.h"
#include "seccomp_types.h"

#define RW_SECCOMP_PROFILE_MAX_SIZE (4u << 20)

typedef enum rw_seccomp_dialect {
    RW_SECCOMP_DIALECT_CONTAINERS = 0, /* podman, CRI-O, buildah: errno names, no minKernel */
    RW_SECCOMP_DIALECT_MOBY,           /* docker: minKernel honoured, numeric errno only */
} rw_seccomp_dialect_t;

int rw_seccomp_dialect_parse(const char *s, rw_seccomp_dialect_t *out);
const char *rw_seccomp_dialect_name(rw_seccomp_dialect_t d);

typedef struct rw_seccomp_cond {
    char **caps, **arches; /* NULL-terminated, NULL when absent */
    size_t n_caps, n_arches;
    bool has_min_kernel;
    unsigned min_kernel_major, min_kernel_minor;
} rw_seccomp_cond_t;

typedef struct rw_seccomp_block {
    char *path; /* "$.syscalls[3]" */
    char *name; /* legacy single name; NULL when absent or "" */
    char **names;
    size_t n_names;
    rw_seccomp_action_t action;
    bool has_errno_ret; /* numeric errnoRet */
    uint32_t errno_ret;
    bool has_errno; /* errno given as a name or decimal string; wins over errnoRet */
    uint32_t errno_value;
    rw_seccomp_arg_t *args;
    size_t n_args;
    rw_seccomp_cond_t includes, excludes;
} rw_seccomp_block_t;

typedef struct rw_seccomp_archmap {
    char *arch;
    char **sub;
    size_t n_sub;
} rw_seccomp_archmap_t;

typedef struct rw_seccomp_profile {
    char *file;
    rw_seccomp_dialect_t dialect;
    uint8_t sha256[RW_SHA256_LEN]; /* of the document's bytes */
    bool has_default_action;
    rw_seccomp_action_t default_action;
    bool has_default_errno_ret;
    uint32_t default_errno_ret;
    bool has_default_errno;
    uint32_t default_errno;
    char **architectures;
    size_t n_architectures;
    rw_seccomp_archmap_t *arch_map;
    size_t n_arch_map;
    rw_seccomp_block_t *blocks;
    size_t n_blocks;
    char **flags;
    size_t n_flags;
    char *listener_path, *listener_metadata;
} rw_seccomp_profile_t;

/* Parses a profile document. 'file' names it in errors and warnings. */
int rw_seccomp_profile_parse(const char *buf, size_t len, const char *file,
                             rw_seccomp_dialect_t dialect, rw_seccomp_profile_t **ret,
                             rw_seccomp_warnings_t *w, rw_error_t **err);
/* Reads (regular file, final component not a symlink, bounded size) and parses. */
int rw_seccomp_profile_load(const char *path, rw_seccomp_dialect_t dialect,
                            rw_seccomp_profile_t **ret, rw_seccomp_warnings_t *w, rw_error_t **err);
void rw_seccomp_profile_free(rw_seccomp_profile_t *p);
static inline void rw_seccomp_profile_freep(rw_seccomp_profile_t **p)
{
    rw_seccomp_profile_free(*p);
}
#define cleanup_seccomp_profile __attribute__((cleanup(rw_seccomp_profile_freep)))

/* containers/common getErrno(): "" is absent, a decimal that fits 32 bits is a number, else a
 * name from the errno table. Returns -EINVAL otherwise. */
int rw_seccomp_errno_parse(const char *s, uint32_t *out);
/* moby's minKernel grammar: exactly "<0-255>.<0-255>", not "0.0". */
int rw_seccomp_min_kernel_parse(const char *s, unsigned *major, unsigned *minor);
