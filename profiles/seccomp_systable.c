/* libseccomp has no "list every syscall" call, so the table is read by asking for each number
 * in the ranges the Linux ABIs use. */
#include "seccomp_systable.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp_lib.h"

#define X32_SYSCALL_BIT 0x40000000
#define SCAN_LEN 1024

uint32_t rw_seccomp_arch_audit(const rw_seccomp_arch_t *arch)
{
    if (strcmp(arch->scmp, "SCMP_ARCH_X32") == 0)
        return rw_seccomp_arch_by_scmp("SCMP_ARCH_X86_64")->token;
    return arch->token;
}

/* First syscall number of the ABI: MIPS o32 4000, n64 5000, n32 6000; x32 has the bit. */
static int scan_base(const rw_seccomp_arch_t *arch)
{
    const char *s = arch->scmp;
    if (strcmp(s, "SCMP_ARCH_X32") == 0)
        return X32_SYSCALL_BIT;
    if (strcmp(s, "SCMP_ARCH_MIPS") == 0 || strcmp(s, "SCMP_ARCH_MIPSEL") == 0)
        return 4000;
    if (strcmp(s, "SCMP_ARCH_MIPS64") == 0 || strcmp(s, "SCMP_ARCH_MIPSEL64") == 0)
        return 5000;
    if (strcmp(s, "SCMP_ARCH_MIPS64N32") == 0 || strcmp(s, "SCMP_ARCH_MIPSEL64N32") == 0)
        return 6000;
    return 0;
}

void rw_seccomp_systable_free(rw_seccomp_sysent_t *t, size_t n)
{
    for (size_t i = 0; t && i < n; i++)
        free(t[i].name);
    free(t);
}

int rw_seccomp_systable(const rw_seccomp_arch_t *arch, rw_seccomp_sysent_t **ret, size_t *n,
                        rw_error_t **err)
{
    const rw_seccomp_lib_t *lib = rw_seccomp_lib_get(err);
    if (!lib)
        return -ENOENT;
    rw_seccomp_sysent_t *t = calloc(SCAN_LEN, sizeof(*t));
    if (!t)
        return -ENOMEM;
    size_t k = 0;
    int base = scan_base(arch);
    for (int i = 0; i < SCAN_LEN; i++) {
        char *name = lib->resolve_num_arch(arch->token, base + i);
        if (!name)
            continue;
        t[k].nr = base + i;
        t[k].name = name;
        k++;
    }
    *ret = t;
    *n = k;
    return 0;
}

int rw_seccomp_syscall_nr(const rw_seccomp_arch_t *arch, const char *name, int *nr,
                          rw_error_t **err)
{
    const rw_seccomp_lib_t *lib = rw_seccomp_lib_get(err);
    if (!lib)
        return -ENOENT;
    int v = lib->resolve_name_arch(arch->token, name);
    if (v == __NR_SCMP_ERROR)
        return rw_error_set(err, EINVAL, "'%s' is not a syscall libseccomp %s knows", name,
                            lib->version);
    if (v < 0)
        return rw_error_set(err, EINVAL,
                            "'%s' has no syscall number on %s (libseccomp maps it to %d)", name,
                            arch->scmp, v);
    *nr = v;
    return 0;
}

char *rw_seccomp_syscall_name(const rw_seccomp_arch_t *arch, int nr)
{
    const rw_seccomp_lib_t *lib = rw_seccomp_lib_get(NULL);
    return lib ? lib->resolve_num_arch(arch->token, nr) : NULL;
}
