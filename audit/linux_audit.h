/* One AUDIT_VIRT_CONTROL record per start, exec and refusal, in libvirt's style, through
 * libaudit loaded with dlopen (the runwarden binary does not link it). The kernel stamps
 * the message with runwarden's own auid, so the starter's login uid and session are given
 * in explicit fields: starter-auid= and starter-ses=. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "../conf/identity.h"
#include "container_meta.h"

typedef struct rw_audit_linux_msg {
    const char *op;     /* start, exec, refuse */
    const char *reason; /* allowed, warned, refused, audit-log-failed... */
    const rw_audit_container_t *container;
    const rw_identity_t *who;
    const char *rule; /* the first refusing rule, or NULL */
    bool success;
} rw_audit_linux_msg_t;

typedef char *(*rw_audit_nv_encoder_t)(const char *name, const char *value, unsigned vlen);

/* The message text; encode quotes or hex-encodes untrusted values (libaudit's
 * audit_encode_nv_string, or a compatible stand-in in tests). Caller frees. */
char *rw_audit_linux_format(const rw_audit_linux_msg_t *m, rw_audit_nv_encoder_t encode);
/* A stand-in for audit_encode_nv_string with the same rules (tests, and when libaudit is
 * missing). */
char *rw_audit_nv_encode(const char *name, const char *value, unsigned vlen);
/* Asks the kernel whether auditing is on, without waiting for the answer: call it early
 * and pass the result to rw_audit_linux_send. Returns an fd or -errno. */
int rw_audit_linux_probe_start(void);
/* Sends the record (unless the probe says auditing is off). Consumes probe_fd (< 0: no
 * probe, just send). Returns what happened as JSON for the log: {"sent":true,...} or
 * {"sent":false,"error":"..."}. Never fails the caller. */
json_t *rw_audit_linux_send(const rw_audit_linux_msg_t *m, int probe_fd);
