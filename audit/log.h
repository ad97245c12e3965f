/* The append side of the audit log: a JSON-lines hash chain written under an exclusive
 * lock with O_APPEND, made durable before the runtime runs, repaired after a crash (torn
 * last line -> `recovery` record), rotated by size with the chain continuing, and sealed
 * every N records (seal.h). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"
#include "../common/hash.h"

typedef struct rw_audit_log_opts {
    const char *path;      /* the live log file (absolute) */
    const char *key_path;  /* sealing key state; NULL or absent file: no sealing */
    unsigned seal_every;   /* seal after each record whose seq is a multiple; 0: never */
    uint64_t rotate_bytes; /* 0: never */
} rw_audit_log_opts_t;

/* An open, exclusively locked log with the head of its chain. */
typedef struct rw_audit_log {
    const rw_audit_log_opts_t *opts;
    int lock_fd, fd;
    uint64_t size;
    uint64_t last_seq;                /* 0 for an empty chain */
    uint8_t last_hash[RW_SHA256_LEN]; /* of the last line; zeros at genesis */
    bool last_is_seal;
    uint64_t last_seal_epoch; /* valid when last_is_seal */
    char last_seal_key[17];   /* key fingerprint of that seal */
    uint64_t recovered_bytes; /* torn tail cut while opening */
    bool dir_unsynced;        /* the file is new: its directory entry needs an fsync */
} rw_audit_log_t;

typedef struct rw_audit_append_result {
    uint64_t seq;             /* of the record */
    uint64_t recovered_bytes; /* a torn tail was cut and a recovery record written */
    bool rotated, sealed;
    int seal_error; /* < 0: the record is durable but sealing failed */
    char seal_msg[256];
} rw_audit_append_result_t;

/* Opens (creating directory 0700 and file 0600 as needed) and locks the log, reads the
 * head of the chain and repairs a torn tail. */
int rw_audit_log_open(const rw_audit_log_opts_t *o, rw_audit_log_t **ret, rw_error_t **err);
void rw_audit_log_close(rw_audit_log_t *l);
static inline void rw_audit_log_closep(rw_audit_log_t **l)
{
    rw_audit_log_close(*l);
}
#define cleanup_audit_log __attribute__((cleanup(rw_audit_log_closep)))

/* Appends one record. body is a compact JSON object whose first member is "event"; seq and
 * prev are put in front of it. With sync the data is on disk when this returns. */
int rw_audit_log_write(rw_audit_log_t *l, const char *body, size_t len, bool sync,
                       uint64_t *ret_seq, rw_error_t **err);
/* Appends a complete line (no trailing newline) that already starts with the prefix for
 * l->last_seq + 1 and l->last_hash. */
int rw_audit_log_write_line(rw_audit_log_t *l, const char *line, size_t len, bool sync,
                            rw_error_t **err);

/* The whole append: open, rotate when due, write, seal when due, close. */
int rw_audit_append(const rw_audit_log_opts_t *o, const char *body, bool sync,
                    rw_audit_append_result_t *res, rw_error_t **err);

/* Closes the current file under its rotated name (PATH.<last seq, 12 digits>) after
 * sealing it, and starts a new one whose first record continues the chain. */
int rw_audit_log_rotate(rw_audit_log_t *l, const char *reason, rw_error_t **err);
/* Rotated files of PATH in chain order, then PATH itself if it exists (NULL-terminated;
 * free with rw_strv_freep). */
int rw_audit_log_files(const char *path, char ***ret, rw_error_t **err);

/* Reads the head (last complete line) of the chain of an fd: seq, hash, seal info, and
 * where a torn tail starts. Exposed for tests. */
typedef struct rw_audit_tail {
    uint64_t good_size; /* bytes up to and including the last '\n' */
    uint64_t last_seq;
    uint8_t last_hash[RW_SHA256_LEN];
    bool empty, last_is_seal;
    uint64_t last_seal_epoch;
    char last_seal_key[17];
} rw_audit_tail_t;
int rw_audit_tail_read(int fd, uint64_t size, const char *name, rw_audit_tail_t *out,
                       rw_error_t **err);

/* Test seam: when non-zero, records are written in pieces of this many bytes with a pause
 * of pause_us between them, so crash tests can kill a writer mid-record. */
void rw_audit_log_test_slow_writes(size_t chunk, unsigned pause_us);
