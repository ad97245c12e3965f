/* `runwarden audit show`: filters over the records of the log files, printed as a table
 * or as JSON lines. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "../common/error.h"
#include "audit_time.h"

typedef struct rw_audit_query {
    const char *container; /* id prefix, or exact name */
    const char *user;      /* login user name or login uid */
    const char *event;     /* exact event name */
    const char *image;     /* substring of the image name, or prefix of its id/digest */
    bool has_since, has_until;
    char since[RW_AUDIT_TIME_LEN], until[RW_AUDIT_TIME_LEN];
    bool json;
    long user_uid; /* resolved from user; -1 when user is not a known uid/name */
} rw_audit_query_t;

/* Resolves --user to a uid (numeric, or through the passwd database). */
void rw_audit_query_prepare(rw_audit_query_t *q);
bool rw_audit_query_match(const rw_audit_query_t *q, json_t *rec);
/* Reads each file in order, prints matches to out. Returns the number of matching records
 * or -errno; *ret_skipped counts lines that were not JSON. */
long rw_audit_query_run(const rw_audit_query_t *q, char *const *files, FILE *out,
                        unsigned long *ret_skipped, rw_error_t **err);
