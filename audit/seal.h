/* Forward-secure sealing of the audit log. `audit init` draws k0 at random: it is the
 * verification key, printed once for the operator to keep off the host. The host keeps
 * only the current key k_i. A seal is HMAC-SHA-256(k_i, the seal line up to ,"mac"), and
 * the seal line carries seq and prev, so it covers the whole chain before it. After each
 * seal k_{i+1} = SHA-256("runwarden-audit-evolve-v1" || k_i) replaces k_i on disk and the
 * old key is overwritten: whoever gets root later holds only k_j (j > i) and cannot forge
 * or re-seal anything sealed with an earlier key. The verifier derives k_i from k0. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"
#include "../common/hash.h"
#include "log.h"

#define RW_AUDIT_FPR_LEN 16 /* hex digits of the key fingerprint */

#define RW_AUDIT_KEY_LOG_MAX 1024

typedef struct rw_audit_key {
    uint64_t epoch;
    uint8_t key[RW_SHA256_LEN];
    char fpr[RW_AUDIT_FPR_LEN + 1]; /* fingerprint of k0, names the key in seal lines */
    /* The live log this key seals, bound at its first seal: one key sealing two logs would
     * leave each with gaps in its epochs that verify reports as removed seals. "" until
     * bound (and in key files written before the binding existed). */
    char log[RW_AUDIT_KEY_LOG_MAX];
} rw_audit_key_t;

typedef struct rw_audit_seal_info {
    uint64_t epoch;
    char key[RW_AUDIT_FPR_LEN + 1];
} rw_audit_seal_info_t;

/* k <- SHA-256("runwarden-audit-evolve-v1" || k) */
void rw_audit_key_evolve(uint8_t key[RW_SHA256_LEN]);
/* Fingerprint of a verification key (k0): 16 hex digits of SHA-256("...-fpr-v1" || k0). */
void rw_audit_key_fpr(const uint8_t k0[RW_SHA256_LEN], char out[RW_AUDIT_FPR_LEN + 1]);
/* k_epoch from k0. */
void rw_audit_key_derive(const uint8_t k0[RW_SHA256_LEN], uint64_t epoch,
                         uint8_t out[RW_SHA256_LEN]);

/* Loads the host's key state. -ENOENT (without touching err) when there is none. */
int rw_audit_key_load(const char *path, rw_audit_key_t *k, rw_error_t **err);
/* Replaces the key state atomically, then overwrites the previous file's blocks. */
int rw_audit_key_store(const char *path, const rw_audit_key_t *k, rw_error_t **err);
/* Creates a new key state at epoch 0 and returns k0 (the verification key). Refuses to
 * replace an existing one unless force. */
int rw_audit_key_create(const char *path, bool force, uint8_t k0[RW_SHA256_LEN],
                        rw_audit_key_t *state, rw_error_t **err);
/* Reads a verification key file (64 hex digits, optional "runwarden-audit-key:" prefix,
 * comments with #). */
int rw_audit_verify_key_read(const char *file, uint8_t k0[RW_SHA256_LEN], rw_error_t **err);

/* MAC of a seal line prefix. */
void rw_audit_seal_mac(const uint8_t key[RW_SHA256_LEN], const char *line, size_t prefix_len,
                       uint8_t out[RW_SHA256_LEN]);
/* Extracts epoch and key fingerprint from a seal line. Returns 0 or -EBADMSG. */
int rw_audit_seal_parse_info(const char *line, size_t len, rw_audit_seal_info_t *out);

/* Seals the log now (under its lock): writes a seal line with the current key, makes it
 * durable, then evolves the key. Returns 1 when a seal was written, 0 when the chain
 * already ends in a seal, -ENOENT when no key state exists. */
int rw_audit_seal_now(rw_audit_log_t *l, const char *key_path, const char *reason,
                      rw_error_t **err);
/* When the log ends in a seal made with the key's current epoch (a crash came between the
 * seal and the key update), evolves the key. */
int rw_audit_seal_catch_up(rw_audit_log_t *l, const char *key_path, rw_error_t **err);
