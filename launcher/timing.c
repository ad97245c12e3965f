#include "timing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

void rw_timing_mark(const char *what)
{
    static int enabled = -1;
    static double first, last;
    if (enabled < 0) {
        const char *v = getenv("RUNWARDEN_TIMING");
        enabled = v && strcmp(v, "1") == 0;
        first = last = now_us();
    }
    if (!enabled)
        return;
    double t = now_us();
    fprintf(stderr, "runwarden: timing: %s +%.0f us (%.0f us)\n", what, t - last, t - first);
    last = t;
}
