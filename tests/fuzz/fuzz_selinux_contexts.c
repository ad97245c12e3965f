/* Fuzz target: the SELinux contexts file parser (go-selinux loadLabels semantics) and the
 * label arithmetic applied to whatever it yields. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "profiles/selinux.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > RW_SELINUX_CONTEXTS_MAX + 16)
        return 0;
    rw_selinux_contexts_t cx = {0};
    rw_error_t *err = NULL;
    if (rw_selinux_contexts_parse((const char *)data, size, &cx, &err) >= 0) {
        char *p = NULL, *m = NULL;
        if (rw_selinux_labels(&cx, "s0:c1,c2", &p, &m) >= 0) {
            free(p);
            free(m);
        }
        if (rw_selinux_privileged_mount_label(&cx, &m) >= 0)
            free(m);
        const char *proc = rw_selinux_contexts_get(&cx, "process");
        unsigned a, b;
        rw_selinux_context_t c;
        if (proc && rw_selinux_context_parse(proc, &c) >= 0) {
            if (c.level)
                (void)rw_selinux_mcs_parse(c.level, &a, &b);
            rw_selinux_context_clear(&c);
        }
    }
    rw_error_free(err);
    rw_selinux_contexts_clear(&cx);
    return 0;
}
