/* Runs runwarden-trust-verify for a batch of signature checks (see
 * policy/verify/verify_protocol.h). Only called when the verdict cache has no answer. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"
#include "../conf/config_trust.h"

typedef struct rw_trust_vkey {
    const uint8_t *data;
    size_t len;
} rw_trust_vkey_t;

typedef struct rw_trust_vring {
    const char *type; /* "gpg" or "sigstore" */
    rw_trust_vkey_t *keys;
    size_t n_keys;
    /* result */
    bool ok;
    char *error;
} rw_trust_vring_t;

typedef struct rw_trust_vjob {
    size_t ring;
    const uint8_t *sig;
    size_t sig_len;
    const uint8_t *payload; /* sigstore only */
    size_t payload_len;
    /* results */
    bool ok;
    char *key;               /* primary fingerprint (gpg) or key index (sigstore) */
    uint8_t *signed_payload; /* gpg: the literal data that was signed */
    size_t signed_payload_len;
    char *error;
} rw_trust_vjob_t;

/* The helper binary: config, else next to the running runwarden, else libexec. Caller
 * frees. */
char *rw_trust_verify_helper_path(const rw_trust_config_t *cfg);
/* Runs the helper; fills results. < 0 when the helper cannot be run or answers nonsense. */
int rw_trust_verify_run(const char *helper, rw_trust_vring_t *rings, size_t n_rings,
                        rw_trust_vjob_t *jobs, size_t n_jobs, rw_error_t **err);
void rw_trust_vring_clear(rw_trust_vring_t *r);
void rw_trust_vjob_clear(rw_trust_vjob_t *j);
