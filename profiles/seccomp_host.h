/* Facts about this host that a seccomp resolution or compilation depends on: the running
 * kernel (minKernel, cache key) and the native architecture. */
#pragma once

#include <stdbool.h>
#include <sys/utsname.h>

typedef struct rw_seccomp_host {
    char release[sizeof(((struct utsname *)0)->release)];
    char version[sizeof(((struct utsname *)0)->version)];
    char machine[sizeof(((struct utsname *)0)->machine)];
    bool kernel_ok; /* release parsed as "<major>.<minor>..." */
    unsigned kernel_major, kernel_minor;
} rw_seccomp_host_t;

/* uname() once per process; later calls return the same struct. NULL on failure. */
const rw_seccomp_host_t *rw_seccomp_host(void);
/* moby's parseRelease: "%d.%d" at the start of the release string. */
int rw_seccomp_kernel_release_parse(const char *release, unsigned *major, unsigned *minor);
