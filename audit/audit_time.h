/* Record timestamps (UTC, nanoseconds, fixed width so they sort as strings) and the
 * --since/--until syntax of `runwarden audit show`. */
#pragma once

#include <time.h>

#define RW_AUDIT_TIME_LEN 32 /* "2024-01-02T03:04:05.123456789Z" + NUL */

void rw_audit_time_now(char out[RW_AUDIT_TIME_LEN]);
void rw_audit_time_format(const struct timespec *ts, char out[RW_AUDIT_TIME_LEN]);
/* Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.frac]][Z]" (UTC) or a relative age
 * "N{s,m,h,d}" before now. Writes the normalised timestamp. Returns 0 or -EINVAL. */
int rw_audit_time_parse(const char *s, time_t now, char out[RW_AUDIT_TIME_LEN]);
