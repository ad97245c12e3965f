/* Running kernel facts, read once: uname for the cache key and moby's minKernel checks. */
#include "seccomp_host.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static rw_seccomp_host_t host;
static bool host_done;

int rw_seccomp_kernel_release_parse(const char *release, unsigned *major, unsigned *minor)
{
    unsigned long a = 0, b = 0;
    const char *p = release;
    if (*p < '0' || *p > '9')
        return -EINVAL;
    for (; *p >= '0' && *p <= '9'; p++)
        if ((a = a * 10 + (unsigned long)(*p - '0')) > 1000000)
            return -ERANGE;
    if (*p++ != '.' || *p < '0' || *p > '9')
        return -EINVAL;
    for (; *p >= '0' && *p <= '9'; p++)
        if ((b = b * 10 + (unsigned long)(*p - '0')) > 1000000)
            return -ERANGE;
    *major = (unsigned)a;
    *minor = (unsigned)b;
    return 0;
}

const rw_seccomp_host_t *rw_seccomp_host(void)
{
    if (host_done)
        return &host;
    struct utsname u;
    if (uname(&u) < 0)
        return NULL;
    snprintf(host.release, sizeof(host.release), "%s", u.release);
    snprintf(host.version, sizeof(host.version), "%s", u.version);
    snprintf(host.machine, sizeof(host.machine), "%s", u.machine);
    host.kernel_ok =
        rw_seccomp_kernel_release_parse(u.release, &host.kernel_major, &host.kernel_minor) == 0;
    host_done = true;
    return &host;
}
