/* Syscall tables per architecture, from libseccomp (loaded on demand): name <-> number and
 * the value the kernel puts in seccomp_data.arch, for explaining and testing filters. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"
#include "seccomp_names.h"

typedef struct rw_seccomp_sysent {
    int nr; /* as the kernel sees it in seccomp_data.nr (x32 includes its 0x40000000 bit) */
    char *name;
} rw_seccomp_sysent_t;

/* Every syscall libseccomp knows for the architecture, by number. */
int rw_seccomp_systable(const rw_seccomp_arch_t *arch, rw_seccomp_sysent_t **ret, size_t *n,
                        rw_error_t **err);
void rw_seccomp_systable_free(rw_seccomp_sysent_t *t, size_t n);
/* The syscall's number on the architecture; -EINVAL when it has none there. */
int rw_seccomp_syscall_nr(const rw_seccomp_arch_t *arch, const char *name, int *nr,
                          rw_error_t **err);
/* The syscall's name for a number, or NULL (caller frees). */
char *rw_seccomp_syscall_name(const rw_seccomp_arch_t *arch, int nr);
/* seccomp_data.arch for syscalls of that ABI: AUDIT_ARCH_*; x32 reports X86_64's. */
uint32_t rw_seccomp_arch_audit(const rw_seccomp_arch_t *arch);
