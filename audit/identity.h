/* Who started a container: the caller's credentials, the kernel's login uid and audit
 * session (which survive sudo and daemonising), the process chain up to pid 1, and the
 * sudo/ssh/terminal/cgroup context. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "../common/error.h"
#include "../conf/identity.h"

#define RW_IDENTITY_MAX_CHAIN 64

/* Everything in rw_identity_t. Fields that cannot be read stay NULL/unset; only memory
 * exhaustion is an error. */
int rw_identity_collect(rw_identity_t **ret, rw_error_t **err);
/* The cheap part only (credentials, login uid, session): for short lifecycle records. */
int rw_identity_collect_short(rw_identity_t **ret, rw_error_t **err);
void rw_identity_free(rw_identity_t *who);
static inline void rw_identity_freep(rw_identity_t **who)
{
    rw_identity_free(*who);
}
#define cleanup_identity __attribute__((cleanup(rw_identity_freep)))

/* The identity as recorded in the audit log; unknown fields are explicit nulls and an
 * unset login uid/session is the string "unset". New reference; NULL who gives null. */
json_t *rw_identity_json(const rw_identity_t *who, bool with_chain);

/* Helpers exposed for tests: parse the value of /proc/PID/loginuid or sessionid. */
int64_t rw_identity_parse_auid(const char *s);
/* Derives a systemd unit (the innermost *.service or *.scope) from a cgroup path. */
char *rw_identity_unit_from_cgroup(const char *path);
/* Maps a tty_nr (stat field 7) to a device path like /dev/pts/3; NULL when none. */
char *rw_identity_tty_name(unsigned long tty_nr);
