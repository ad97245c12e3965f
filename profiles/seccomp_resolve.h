/* Resolution of a profile for one container, as podman's setupSeccomp (containers/common
 * v0.50.1, podman 4.3) or moby's does it: bounding capabilities, native architecture and
 * its sub-architectures, running kernel (moby minKernel), errno names. The result is the OCI
 * linux.seccomp section the runtime reads. */
#pragma once

#include <stdbool.h>

#include "../common/error.h"
#include "seccomp_names.h"
#include "seccomp_profile.h"
#include "seccomp_types.h"

typedef struct rw_seccomp_resolve_opts {
    const rw_seccomp_arch_t *arch; /* NULL: this host's native architecture */
    /* The container's process.capabilities.bounding. Without a capabilities object podman
     * skips every caps condition (both includes and excludes count as met). */
    bool have_caps;
    char *const *bounding; /* NULL-terminated; NULL with have_caps means an empty set */
    /* Kernel for moby's minKernel; unset: the running kernel. */
    bool have_kernel;
    unsigned kernel_major, kernel_minor;
} rw_seccomp_resolve_opts_t;

/* *ret is NULL when the profile disables seccomp (no defaultAction and no syscalls), as in
 * podman. Warnings: "seccomp.archmap-no-native" when archMap has no entry for the arch. */
int rw_seccomp_resolve(const rw_seccomp_profile_t *p, const rw_seccomp_resolve_opts_t *opts,
                       rw_seccomp_oci_t **ret, rw_seccomp_warnings_t *w, rw_error_t **err);
