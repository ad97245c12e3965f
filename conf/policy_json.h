/* Typed view of containers-policy.json(5), parsed with the strictness of containers/image
 * (unknown or duplicate keys, wrong types, empty requirement lists and invalid scopes
 * reject the whole file), plus scope selection for a transport identity. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"
#include "../common/hash.h"

#define RW_TRUST_POLICY_MAX_SIZE (4u << 20)

typedef enum rw_trust_prm_kind {
    RW_TRUST_PRM_MATCH_EXACT = 0,
    RW_TRUST_PRM_MATCH_REPO_DIGEST_OR_EXACT,
    RW_TRUST_PRM_MATCH_REPOSITORY,
    RW_TRUST_PRM_EXACT_REFERENCE,
    RW_TRUST_PRM_EXACT_REPOSITORY,
    RW_TRUST_PRM_REMAP_IDENTITY,
} rw_trust_prm_kind_t;

/* signedIdentity */
typedef struct rw_trust_prm {
    rw_trust_prm_kind_t kind;
    char *value;         /* exactReference: dockerReference; exactRepository: dockerRepository;
                            remapIdentity: prefix */
    char *signed_prefix; /* remapIdentity */
} rw_trust_prm_t;

typedef enum rw_trust_pr_kind {
    RW_TRUST_PR_INSECURE_ACCEPT_ANYTHING = 0,
    RW_TRUST_PR_REJECT,
    RW_TRUST_PR_SIGNED_BY,
    RW_TRUST_PR_SIGNED_BASE_LAYER,
    RW_TRUST_PR_SIGSTORE_SIGNED,
} rw_trust_pr_kind_t;

/* One source of public keys: a file to read at evaluation time, or inline bytes. */
typedef struct rw_trust_keysrc {
    char *path;    /* NULL for inline data */
    uint8_t *data; /* inline (already base64-decoded) */
    size_t len;
} rw_trust_keysrc_t;

typedef struct rw_trust_req {
    rw_trust_pr_kind_t kind;
    char *key_type;        /* signedBy: GPGKeys, signedByGPGKeys, X509Certificates... */
    const char *key_field; /* which policy key named the keys: "keyPath", "keyPaths"... */
    rw_trust_keysrc_t *keys;
    size_t n_keys;
    rw_trust_prm_t identity; /* signedIdentity, or baseLayerIdentity */
    bool fulcio, pki, rekor; /* sigstoreSigned parts this build does not verify */
    char *where;             /* position in the file for messages: default[0] ... */
} rw_trust_req_t;

typedef struct rw_trust_reqs {
    rw_trust_req_t *items;
    size_t n;
} rw_trust_reqs_t;

typedef struct rw_trust_scope {
    char *name; /* "" for the transport's default */
    rw_trust_reqs_t reqs;
} rw_trust_scope_t;

typedef struct rw_trust_transport {
    char *name;
    rw_trust_scope_t *scopes;
    size_t n_scopes;
} rw_trust_transport_t;

typedef struct rw_trust_policy {
    char *file;
    rw_trust_reqs_t def;
    rw_trust_transport_t *transports;
    size_t n_transports;
    uint8_t sha256[RW_SHA256_LEN]; /* of the bytes parsed */
} rw_trust_policy_t;

/* Parses policy.json bytes; 'file' names it in errors ("<file>: <json path>: <why>"). */
int rw_trust_policy_parse(const char *buf, size_t len, const char *file, rw_trust_policy_t **ret,
                          rw_error_t **err);
/* Reads (bounded, regular file) and parses. */
int rw_trust_policy_load(const char *path, rw_trust_policy_t **ret, rw_error_t **err);
void rw_trust_policy_free(rw_trust_policy_t *p);
static inline void rw_trust_policy_freep(rw_trust_policy_t **p)
{
    rw_trust_policy_free(*p);
}
#define cleanup_trust_policy __attribute__((cleanup(rw_trust_policy_freep)))

/* requirementsForImageRef: exact identity, then each namespace in order, then "" within
 * transports[transport]; else the global default. *ret_scope is the matched scope name
 * (NULL when the global default applies). */
const rw_trust_reqs_t *rw_trust_policy_select(const rw_trust_policy_t *p, const char *transport,
                                              const char *identity, char *const *namespaces,
                                              const char **ret_scope);

/* Validates a scope for a transport containers/image knows (unknown transports: anything).
 * Returns NULL when valid, else a static reason. */
const char *rw_trust_scope_invalid(const char *transport, const char *scope);

const char *rw_trust_pr_kind_name(rw_trust_pr_kind_t k);
const char *rw_trust_prm_kind_name(rw_trust_prm_kind_t k);
