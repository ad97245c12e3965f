/* The filter crun would build, built here: same default errno (EPERM when absent), rules whose
 * action equals the default skipped, unknown names skipped with a warning (or refused), one
 * rule with AND-ed conditions unless an argument index repeats, then one rule per condition
 * (OR). Errors carry crun's meaning so a precompiled filter never hides a refusal. */
#include "seccomp_compile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "seccomp_lib.h"

typedef struct filter_guard {
    const rw_seccomp_lib_t *lib;
    scmp_filter_ctx ctx;
} filter_guard_t;

static void filter_guard_release(filter_guard_t *g)
{
    if (g->ctx)
        g->lib->release(g->ctx);
}

void rw_seccomp_bpf_clear(rw_seccomp_bpf_t *b)
{
    if (!b)
        return;
    free(b->insns);
    rw_strv_freep(&b->unknown);
    memset(b, 0, sizeof(*b));
}

static int note_unknown(rw_seccomp_bpf_t *b, const char *name)
{
    for (size_t i = 0; i < b->n_unknown; i++)
        if (strcmp(b->unknown[i], name) == 0)
            return 0;
    char **n = realloc(b->unknown, (b->n_unknown + 2) * sizeof(char *));
    if (!n)
        return -ENOMEM;
    b->unknown = n;
    if (!(n[b->n_unknown] = strdup(name)))
        return -ENOMEM;
    n[++b->n_unknown] = NULL;
    return 0;
}

static int export_bpf(const rw_seccomp_lib_t *lib, scmp_filter_ctx ctx, rw_seccomp_bpf_t *out,
                      rw_error_t **err)
{
    cleanup_close int fd = memfd_create("runwarden-seccomp", MFD_CLOEXEC);
    if (fd < 0)
        return rw_error_setsys(err, errno, "seccomp: memfd_create");
    int r = lib->export_bpf(ctx, fd);
    if (r < 0)
        return rw_error_set(err, -r, "seccomp_export_bpf failed (%d)", r);
    struct stat st;
    if (fstat(fd, &st) < 0)
        return rw_error_setsys(err, errno, "seccomp: fstat");
    size_t len = (size_t)st.st_size;
    if (len == 0 || len % sizeof(struct sock_filter) != 0 ||
        len / sizeof(struct sock_filter) > BPF_MAXINSNS)
        return rw_error_set(err, E2BIG, "seccomp: libseccomp produced %zu bytes of BPF", len);
    struct sock_filter *insns = malloc(len);
    if (!insns)
        return -ENOMEM;
    size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, (char *)insns + got, len - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            free(insns);
            return rw_error_setsys(err, n < 0 ? errno : EIO, "seccomp: reading the BPF back");
        }
        got += (size_t)n;
    }
    out->insns = insns;
    out->n = len / sizeof(struct sock_filter);
    return 0;
}

static int add_rule(const rw_seccomp_lib_t *lib, scmp_filter_ctx ctx, uint32_t action, int nr,
                    const rw_seccomp_rule_t *ru, const char *name, rw_error_t **err)
{
    int r;
    if (ru->n_args == 0) {
        r = lib->rule_add_array(ctx, action, nr, 0, NULL);
        if (r < 0)
            return rw_error_set(err, -r, "seccomp_rule_add `%s` failed (%d)", name, r);
        return 0;
    }
    struct scmp_arg_cmp cmp[RW_SECCOMP_MAX_ARGS];
    uint32_t count[RW_SECCOMP_MAX_ARGS] = {0};
    bool multiple = false;
    size_t k = ru->n_args < RW_SECCOMP_MAX_ARGS ? ru->n_args : RW_SECCOMP_MAX_ARGS;
    for (size_t i = 0; i < k; i++)
        if (++count[ru->args[i].index] > 1) {
            multiple = true;
            break;
        }
    for (size_t i = 0; i < k; i++) {
        cmp[i].arg = ru->args[i].index;
        cmp[i].op = (enum scmp_compare)ru->args[i].op;
        cmp[i].datum_a = ru->args[i].value;
        cmp[i].datum_b = ru->args[i].value_two;
    }
    if (!multiple) {
        r = lib->rule_add_array(ctx, action, nr, (unsigned)k, cmp);
        if (r < 0)
            return rw_error_set(err, -r, "seccomp_rule_add_array `%s` failed (%d)", name, r);
        return 0;
    }
    /* A repeated index cannot be AND-ed by libseccomp: crun adds each condition as its own
     * rule, which makes them OR. */
    for (size_t i = 0; i < k; i++) {
        r = lib->rule_add_array(ctx, action, nr, 1, &cmp[i]);
        if (r < 0)
            return rw_error_set(err, -r, "seccomp_rule_add_array `%s` failed (%d)", name, r);
    }
    return 0;
}

int rw_seccomp_compile(const rw_seccomp_oci_t *o, const rw_seccomp_compile_opts_t *opts,
                       rw_seccomp_bpf_t *out, rw_error_t **err)
{
    static const rw_seccomp_compile_opts_t defaults = {0};
    if (!opts)
        opts = &defaults;
    memset(out, 0, sizeof(*out));
    const rw_seccomp_lib_t *lib = rw_seccomp_lib_get(err);
    if (!lib)
        return -ENOENT;

    uint32_t default_errno = o->has_default_errno_ret ? o->default_errno_ret : EPERM;
    uint32_t default_action = rw_seccomp_action_value(o->default_action, default_errno);
    _cleanup_(filter_guard_release) filter_guard_t g = {lib, lib->init(default_action)};
    if (!g.ctx)
        return rw_error_set(err, EINVAL, "seccomp_init failed for %s",
                            rw_seccomp_action_name(o->default_action));
    int r;
    const rw_seccomp_arch_t *host = rw_seccomp_arch_host();
    if (opts->arch && host &&
        rw_seccomp_arch_big_endian(opts->arch) != rw_seccomp_arch_big_endian(host))
        /* libseccomp 2.5 writes some return values in the host's byte order when the
         * target's differs (the program would kill where it should return an errno). */
        return rw_error_set(err, ENOTSUP,
                            "seccomp: cannot compile for %s on a %s-endian host (libseccomp "
                            "emits part of such a program in the wrong byte order); compile it "
                            "on a %s machine",
                            opts->arch->scmp, rw_seccomp_arch_big_endian(host) ? "big" : "little",
                            opts->arch->libseccomp);
    if (opts->arch && opts->arch != host) {
        /* A foreign target: its architecture replaces the native one the context starts
         * with, as seccomp_init() on that machine would have done. Native first: libseccomp
         * refuses to mix byte orders in one filter. */
        if ((r = lib->arch_remove(g.ctx, SCMP_ARCH_NATIVE)) < 0)
            return rw_error_set(err, -r, "seccomp: cannot remove the native architecture (%d)", r);
        if ((r = lib->arch_add(g.ctx, opts->arch->token)) < 0 && r != -EEXIST)
            return rw_error_set(err, -r, "seccomp: cannot add architecture %s (%d)",
                                opts->arch->scmp, r);
    }
    for (size_t i = 0; i < o->n_architectures; i++) {
        const rw_seccomp_arch_t *a = rw_seccomp_arch_by_oci(o->architectures[i]);
        if (!a)
            return rw_error_set(err, EINVAL, "seccomp unknown architecture %s",
                                o->architectures[i]);
        if ((r = lib->arch_add(g.ctx, a->token)) < 0 && r != -EEXIST)
            return rw_error_set(err, -r, "seccomp adding architecture %s failed (%d)", a->scmp, r);
    }
    out->optimize = 0;
    if (opts->optimize > 0) {
        /* Older libseccomp lacks the attribute: keep its default program shape. */
        if (lib->attr_set(g.ctx, SCMP_FLTATR_CTL_OPTIMIZE, (uint32_t)opts->optimize) == 0)
            out->optimize = opts->optimize;
    }

    for (size_t i = 0; i < o->n_rules; i++) {
        const rw_seccomp_rule_t *ru = &o->rules[i];
        uint32_t e = ru->has_errno_ret ? ru->errno_ret : EPERM;
        uint32_t action = rw_seccomp_action_value(ru->action, e);
        if (action == default_action)
            continue; /* libseccomp refuses it; crun skips it */
        for (size_t k = 0; k < ru->n_names; k++) {
            const char *name = ru->names[k];
            int nr = lib->resolve_name(name);
            if (nr == __NR_SCMP_ERROR) {
                if (opts->fail_unknown) {
                    rw_seccomp_bpf_clear(out);
                    return rw_error_set(err, EINVAL,
                                        "invalid seccomp syscall `%s` (unknown to libseccomp %s)",
                                        name, lib->version);
                }
                if ((r = note_unknown(out, name)) < 0) {
                    rw_seccomp_bpf_clear(out);
                    return r;
                }
                continue;
            }
            if ((r = add_rule(lib, g.ctx, action, nr, ru, name, err)) < 0) {
                rw_seccomp_bpf_clear(out);
                return r;
            }
        }
    }
    if ((r = export_bpf(lib, g.ctx, out, err)) < 0) {
        rw_seccomp_bpf_clear(out);
        return r;
    }
    return 0;
}
