/* Typed view of the `audit` section of runwarden.json: where the hash-chained log lives,
 * whether a container may start without its record, sealing and rotation settings. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "../common/error.h"

#define RW_AUDIT_DEFAULT_LOG "/var/log/runwarden/audit.jsonl"
#define RW_AUDIT_DEFAULT_KEY "/var/lib/runwarden/audit-seal.key"
#define RW_AUDIT_DEFAULT_SEAL_EVERY 64
#define RW_AUDIT_DEFAULT_ROTATE_BYTES (64ull << 20)

typedef struct rw_audit_config {
    bool enabled;          /* false: nothing is recorded at all */
    char *log_path;        /* absolute; the JSON-lines hash chain */
    bool required;         /* no record, no start (create/run/restore/exec/start) */
    char *key_path;        /* forward-secure sealing key state (created by `audit init`) */
    unsigned seal_every;   /* seal after this many records; 0: only `runwarden audit seal` */
    uint64_t rotate_bytes; /* rotate when the file would grow past this; 0: never */
    bool linux_audit;      /* also send AUDIT_VIRT_CONTROL through libaudit (dlopen) */
    bool lifecycle;        /* short records for start/kill/delete/pause/resume/update */
    bool sync_short;       /* fsync short records too (full records always are) */
    bool podman_storage;   /* read podman's containers.json for names and images */
} rw_audit_config_t;

/* Fills *out from the section (NULL: all defaults). Unknown keys and bad values are errors
 * that name file and key. out must be cleared with rw_config_audit_clear. */
int rw_config_audit_parse(json_t *section, const char *file, rw_audit_config_t *out,
                          rw_error_t **err);
void rw_config_audit_clear(rw_audit_config_t *c);
