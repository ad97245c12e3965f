/* Shared bits of the test probes: errno names and strict number parsing. Probes print
 * one result line per action so integration tests can compare them as text. */
#pragma once

#include <stdbool.h>

/* "EPERM", "ENOSYS"...; "E0" for 0 and "E<n>" for numbers glibc does not name. */
const char *probe_errname(int e);
/* Parses a decimal, 0x hex or 0 octal integer; false on junk or overflow. */
bool probe_parse_long(const char *s, long *out);
/* Prints "<what>: ok" or "<what>: errno=<n> <NAME>" from a result and errno; returns 0
 * on success, 1 on failure (for the exit status). */
int probe_report(const char *what, long ret, int err);
