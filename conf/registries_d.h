/* containers-registries.d(5): where signatures of docker images are looked up (the
 * "lookaside" sigstore). Files are a small YAML subset; the lookup follows
 * containers/image: identity, namespaces, default-docker, then the built-in default. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"
#include "../common/hash.h"

#define RW_TRUST_REGD_MAX_FILE (1u << 20)
#define RW_TRUST_REGD_MAX_FILES 512
#define RW_TRUST_REGD_DEFAULT_ROOT "file:///var/lib/containers/sigstore"

typedef struct rw_trust_regd_ns {
    char *name; /* docker namespace; NULL for default-docker */
    char *lookaside, *lookaside_staging, *sigstore, *sigstore_staging; /* NULL: unset */
    int use_sigstore_attachments;                                      /* -1: unset */
    char *file;                                                        /* where it was defined */
} rw_trust_regd_ns_t;

typedef struct rw_trust_regd {
    rw_trust_regd_ns_t *default_docker; /* NULL when absent */
    rw_trust_regd_ns_t *ns;
    size_t n_ns;
    rw_sha256_t digest; /* running digest of every file's name and bytes */
} rw_trust_regd_t;

/* Parses one file and merges it into c (a namespace defined twice is an error). */
int rw_trust_regd_parse(rw_trust_regd_t *c, const char *buf, size_t len, const char *file,
                        rw_error_t **err);
/* Loads every *.yaml of dir (sorted). A missing dir is an empty configuration. */
int rw_trust_regd_load(const char *dir, rw_trust_regd_t **ret, rw_error_t **err);
rw_trust_regd_t *rw_trust_regd_new(void);
void rw_trust_regd_free(rw_trust_regd_t *c);
static inline void rw_trust_regd_freep(rw_trust_regd_t **c)
{
    rw_trust_regd_free(*c);
}
#define cleanup_trust_regd __attribute__((cleanup(rw_trust_regd_freep)))

/* The lookaside base URL for reading signatures of a reference (identity + namespaces as
 * for policy scopes). Returns the configured URL, or the built-in default (root's)
 * with *ret_builtin = true. Never NULL. */
const char *rw_trust_regd_lookaside(const rw_trust_regd_t *c, const char *identity,
                                    char *const *namespaces, bool *ret_builtin);

/* Turns a lookaside URL into a local directory for file:// URLs. Returns 0 and a malloc'ed
 * absolute path, -EPROTONOSUPPORT for other schemes, -EINVAL for malformed URLs. */
int rw_trust_lookaside_dir(const char *url, char **ret_path);
