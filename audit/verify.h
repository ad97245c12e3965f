/* Checking an audit log: the hash chain (seq and prev of every line), seals against the
 * verification key(s), and the host's key state against the log's last seal. It stops at
 * the first bad line and says why: modified, deleted, inserted, reordered, truncated or a
 * bad seal. Records after the last seal are reported as the unsealed tail. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/hash.h"
#include "seal.h"

typedef enum rw_audit_verdict {
    RW_AUDIT_INTACT = 0,
    RW_AUDIT_TORN,     /* only an incomplete last line (crash); the next append repairs it */
    RW_AUDIT_TAMPERED, /* see problem */
} rw_audit_verdict_t;

typedef enum rw_audit_problem {
    RW_AUDIT_P_NONE = 0,
    RW_AUDIT_P_MODIFIED,
    RW_AUDIT_P_DELETED,
    RW_AUDIT_P_INSERTED,
    RW_AUDIT_P_REORDERED,
    RW_AUDIT_P_TRUNCATED,
    RW_AUDIT_P_BAD_SEAL,
} rw_audit_problem_t;

typedef struct rw_audit_verify_report {
    rw_audit_verdict_t verdict;
    rw_audit_problem_t problem;
    char file[512]; /* where the problem is */
    uint64_t line;  /* 1-based line in that file */
    char msg[768];  /* why, one line */
    /* counts over what was checked */
    uint64_t files, lines, bytes, records, seals, seals_verified, recoveries;
    uint64_t first_seq, last_seq;
    bool genesis; /* the chain starts at seq 1 */
    bool any_seal;
    char last_seal_file[512];
    uint64_t last_seal_line, last_seal_seq, last_seal_epoch;
    char last_seal_key[RW_AUDIT_FPR_LEN + 1];
    uint64_t unsealed; /* lines after the last seal */
    uint64_t torn_bytes;
    bool keys_given;
    bool state_checked;
} rw_audit_verify_report_t;

typedef struct rw_audit_verifier rw_audit_verifier_t;

rw_audit_verifier_t *rw_audit_verifier_new(void);
void rw_audit_verifier_free(rw_audit_verifier_t *v);
/* Adds a verification key (k0). Returns 0 or -ENOMEM/-E2BIG. */
int rw_audit_verifier_add_key(rw_audit_verifier_t *v, const uint8_t k0[RW_SHA256_LEN]);
/* Checks one file's bytes, continuing the chain of the files fed before. live: the file is
 * the one still being appended to (a torn last line is then a crash, not tampering).
 * Returns the verdict so far; after a problem further feeds are ignored. */
rw_audit_verdict_t rw_audit_verifier_feed(rw_audit_verifier_t *v, const char *name, const char *buf,
                                          size_t len, bool live);
/* Compares the host's current sealing key state with the last seal seen: a key that has
 * evolved past the log's last seal means sealed records were cut off the end. */
rw_audit_verdict_t rw_audit_verifier_check_state(rw_audit_verifier_t *v,
                                                 const rw_audit_key_t *state);
/* The host's key state is gone or unreadable (why) although the log is sealed: its end
 * cannot be checked, and deleting the state is what someone hiding a cut would do. A
 * failure unless the log has no seal. */
rw_audit_verdict_t rw_audit_verifier_state_missing(rw_audit_verifier_t *v, const char *path,
                                                   const char *why);
const rw_audit_verify_report_t *rw_audit_verifier_report(const rw_audit_verifier_t *v);
/* One-line human summary (caller frees). */
char *rw_audit_verify_summary(const rw_audit_verify_report_t *r);
const char *rw_audit_problem_name(rw_audit_problem_t p);
