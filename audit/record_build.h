/* Audit records as JSON, built from plain data so that audit/ knows nothing of the
 * launcher: the launcher fills an rw_audit_event_t from its context. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../common/verdict.h"
#include "../conf/identity.h"
#include "../conf/oci_spec.h"
#include "container_meta.h"

typedef struct rw_audit_event {
    const char *event;    /* create, run, restore, exec, start, kill, delete, ... */
    const char *decision; /* allowed, warned, refused (full records) */
    const char *mode;     /* enforce, warn, audit */
    const char *error;    /* a refusal before any decision (bad bundle, stage error) */
    const rw_audit_container_t *container; /* id, name, engine, image */
    const char *bundle;                    /* absolute, or NULL */
    const rw_spec_t *spec;                 /* config.json (create) or NULL */
    const rw_spec_t *process;              /* exec process.json or NULL */
    char *const *exec_args;                /* inline exec command (NULL-terminated) or NULL */
    const char *exec_user;                 /* exec --user */
    const rw_findings_t *findings;
    json_t *changes;           /* borrowed; NULL when none */
    json_t *facts;             /* borrowed; per-stage facts */
    const char *config_sha256; /* of the config.json/process.json the runtime reads */
    const char *runtime_path;
    int argc;
    char *const *argv;
    const rw_identity_t *who;
    json_t *linux_audit; /* borrowed; outcome of the kernel audit message */
    const char *signal;  /* kill */
    const char *text;    /* note */
} rw_audit_event_t;

/* The record body: a compact single-line JSON object starting with "event". full: the
 * complete record of a create/run/restore/exec/refusal; otherwise the short form of a
 * lifecycle call. Caller frees; NULL on memory exhaustion. */
char *rw_audit_record_build(const rw_audit_event_t *ev, bool full, size_t *ret_len);
/* Serialises a record object the way the log stores it (compact, ASCII, order kept). */
char *rw_audit_record_dump(const json_t *rec, size_t *ret_len);
