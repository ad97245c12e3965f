/* RUNWARDEN_TIMING=1: per-step wall time and minor page faults on stderr. The time spent
 * printing (and reading the fault count) is left out of both the step and the running
 * total, so the marks measure the pipeline, not themselves. */
#include "timing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static long minor_faults(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_minflt : 0;
}

void rw_timing_mark(const char *what)
{
    static int enabled = -1;
    static double first, last;
    static long faults;
    if (enabled < 0) {
        const char *v = getenv("RUNWARDEN_TIMING");
        enabled = v && strcmp(v, "1") == 0;
        first = last = now_us();
        faults = enabled ? minor_faults() : 0;
    }
    if (!enabled)
        return;
    double t = now_us();
    long f = minor_faults();
    /* Page faults cost ~15 us each on some VMs: worth seeing next to the time. */
    fprintf(stderr, "runwarden: timing: %s +%.0f us (%.0f us) +%ld faults\n", what, t - last,
            t - first, f - faults);
    double after = now_us();
    first += after - t;
    last = after;
    faults = minor_faults();
}
