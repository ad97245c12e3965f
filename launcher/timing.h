/* Where a call spends its time: with RUNWARDEN_TIMING=1 in the environment, each mark prints
 * "runwarden: timing: WHAT +US us (US us) +N faults" on stderr (time since the previous mark
 * and since the first, minor page faults since the previous mark; the marks' own printing is
 * not counted). Off by default and then costs one getenv per process. For benchmarks. */
#pragma once

void rw_timing_mark(const char *what);
