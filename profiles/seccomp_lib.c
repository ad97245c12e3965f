/* dlopen() of libseccomp on demand. Only the seccomp.h declarations are used at build time;
 * nothing here creates a link-time dependency. */
#include "seccomp_lib.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static rw_seccomp_lib_t lib;
static bool loaded;

bool rw_seccomp_lib_loaded(void)
{
    return loaded;
}

#define SYM(field, name)                                                                           \
    do {                                                                                           \
        *(void **)&lib.field = dlsym(h, name);                                                     \
        if (!lib.field) {                                                                          \
            dlclose(h);                                                                            \
            return rw_error_set(err, ENOSYS, "%s: lacks %s (libseccomp 2.5 or later needed)",      \
                                RW_SECCOMP_LIBNAME, name),                                         \
                   NULL;                                                                           \
        }                                                                                          \
    } while (0)

const rw_seccomp_lib_t *rw_seccomp_lib_get(rw_error_t **err)
{
    if (loaded)
        return &lib;
    void *h = dlopen(RW_SECCOMP_LIBNAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        rw_error_set(err, ENOENT, "cannot load %s (install libseccomp2): %s", RW_SECCOMP_LIBNAME,
                     e ? e : "dlopen failed");
        return NULL;
    }
    SYM(init, "seccomp_init");
    SYM(release, "seccomp_release");
    SYM(arch_add, "seccomp_arch_add");
    SYM(arch_remove, "seccomp_arch_remove");
    SYM(arch_exist, "seccomp_arch_exist");
    SYM(attr_set, "seccomp_attr_set");
    SYM(resolve_name, "seccomp_syscall_resolve_name");
    SYM(resolve_name_arch, "seccomp_syscall_resolve_name_arch");
    SYM(resolve_num_arch, "seccomp_syscall_resolve_num_arch");
    SYM(rule_add_array, "seccomp_rule_add_array");
    SYM(export_bpf, "seccomp_export_bpf");
    SYM(get_version, "seccomp_version");
    const struct scmp_version *v = lib.get_version();
    snprintf(lib.version, sizeof(lib.version), "%u.%u.%u", v ? v->major : 0, v ? v->minor : 0,
             v ? v->micro : 0);
    struct link_map *lm = NULL;
    char real[PATH_MAX];
    if (dlinfo(h, RTLD_DI_LINKMAP, &lm) == 0 && lm && lm->l_name && realpath(lm->l_name, real))
        snprintf(lib.path, sizeof(lib.path), "%s", real);
    lib.handle = h;
    loaded = true;
    return &lib;
}
