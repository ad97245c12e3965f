/* setupSeccomp in C: the conditions of each block are checked in podman's (or moby's) order
 * and a block that survives becomes one OCI rule, its errno name turned into a number. */
#include "seccomp_resolve.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "seccomp_host.h"

/* Architectures whose archMap entry podman (containers/common nativeToSeccomp) expands. */
static const char *const containers_archmap_natives[] = {
    "amd64", "arm64", "mips64", "mips64n32", "mipsel64", "mipsel64n32", "s390x", NULL};
/* moby's table; its "mips3l64n32" and "mipsle" keys never match a libseccomp name, so
 * mipsel64n32 and mipsel are absent here on purpose. */
static const char *const moby_archmap_natives[] = {
    "x86", "amd64", "arm",     "arm64",   "mips64", "mips64n32", "mipsel64",
    "ppc", "ppc64", "ppc64le", "riscv64", "s390",   "s390x",     NULL};

static bool in_strv(char *const *v, const char *s)
{
    for (; v && *v; v++)
        if (strcmp(*v, s) == 0)
            return true;
    return false;
}

static bool in_list(const char *const *v, const char *s)
{
    for (; *v; v++)
        if (strcmp(*v, s) == 0)
            return true;
    return false;
}

static int strv_append(char ***v, size_t *n, const char *s)
{
    char **nv = realloc(*v, (*n + 2) * sizeof(char *));
    if (!nv)
        return -ENOMEM;
    *v = nv;
    if (!(nv[*n] = strdup(s)))
        return -ENOMEM;
    nv[++*n] = NULL;
    return 0;
}

/* any listed cap in the bounding set */
static bool any_cap_in(const rw_seccomp_cond_t *f, char *const *bounding)
{
    for (size_t i = 0; i < f->n_caps; i++)
        if (in_strv(bounding, f->caps[i]))
            return true;
    return false;
}

static bool all_caps_in(const rw_seccomp_cond_t *f, char *const *bounding)
{
    for (size_t i = 0; i < f->n_caps; i++)
        if (!in_strv(bounding, f->caps[i]))
            return false;
    return true;
}

static bool kernel_at_least(unsigned kmaj, unsigned kmin, unsigned maj, unsigned min)
{
    return kmaj > maj || (kmaj == maj && kmin >= min);
}

typedef struct ctx {
    const rw_seccomp_profile_t *p;
    const rw_seccomp_resolve_opts_t *o;
    const char *arch;
    unsigned kmaj, kmin;
    bool kernel_known;
} ctx_t;

static int kernel_check(ctx_t *c, const rw_seccomp_cond_t *f, const char *path, bool *ge,
                        rw_error_t **err)
{
    if (!c->kernel_known)
        return rw_error_set(err, EINVAL,
                            "%s: %s.minKernel: the running kernel's version cannot be parsed",
                            c->p->file, path);
    *ge = kernel_at_least(c->kmaj, c->kmin, f->min_kernel_major, f->min_kernel_minor);
    return 0;
}

/* True when the block applies to this container. */
static int block_applies(ctx_t *c, const rw_seccomp_block_t *b, bool *applies, rw_error_t **err)
{
    bool caps = c->o->have_caps;
    char *const *bounding = c->o->bounding;
    bool moby = c->p->dialect == RW_SECCOMP_DIALECT_MOBY;
    bool ge = false;
    int r;
    *applies = false;
    if (b->excludes.n_arches && in_strv(b->excludes.arches, c->arch))
        return 0;
    if (b->excludes.n_caps && caps && any_cap_in(&b->excludes, bounding))
        return 0;
    if (moby && b->excludes.has_min_kernel) {
        if ((r = kernel_check(c, &b->excludes, b->path, &ge, err)) < 0)
            return r;
        if (ge)
            return 0;
    }
    if (b->includes.n_arches && !in_strv(b->includes.arches, c->arch))
        return 0;
    if (b->includes.n_caps && caps && !all_caps_in(&b->includes, bounding))
        return 0;
    if (moby && b->includes.has_min_kernel) {
        if ((r = kernel_check(c, &b->includes, b->path, &ge, err)) < 0)
            return r;
        if (!ge)
            return 0;
    }
    *applies = true;
    return 0;
}

static int add_rule(rw_seccomp_oci_t *o, const rw_seccomp_block_t *b)
{
    rw_seccomp_rule_t *nr = realloc(o->rules, (o->n_rules + 1) * sizeof(*nr));
    if (!nr)
        return -ENOMEM;
    o->rules = nr;
    rw_seccomp_rule_t *ru = &nr[o->n_rules];
    memset(ru, 0, sizeof(*ru));
    o->n_rules++;
    if (b->name) {
        if (strv_append(&ru->names, &ru->n_names, b->name) < 0)
            return -ENOMEM;
    } else {
        for (size_t i = 0; i < b->n_names; i++)
            if (strv_append(&ru->names, &ru->n_names, b->names[i]) < 0)
                return -ENOMEM;
    }
    ru->action = b->action;
    /* getErrno(errno, errnoRet): the string form wins; moby has only the number. */
    if (b->has_errno) {
        ru->has_errno_ret = true;
        ru->errno_ret = b->errno_value;
    } else if (b->has_errno_ret) {
        ru->has_errno_ret = true;
        ru->errno_ret = b->errno_ret;
    }
    if (b->n_args) {
        if (!(ru->args = malloc(b->n_args * sizeof(*ru->args))))
            return -ENOMEM;
        memcpy(ru->args, b->args, b->n_args * sizeof(*ru->args));
        ru->n_args = b->n_args;
    }
    return 0;
}

static int expand_arch_map(ctx_t *c, rw_seccomp_oci_t *o, rw_seccomp_warnings_t *w)
{
    const rw_seccomp_profile_t *p = c->p;
    if (!p->n_arch_map)
        return 0;
    const char *const *natives =
        p->dialect == RW_SECCOMP_DIALECT_MOBY ? moby_archmap_natives : containers_archmap_natives;
    const rw_seccomp_arch_t *self = rw_seccomp_arch_by_native(c->arch);
    if (self && in_list(natives, c->arch)) {
        for (size_t i = 0; i < p->n_arch_map; i++) {
            const rw_seccomp_archmap_t *m = &p->arch_map[i];
            if (strcmp(m->arch, self->scmp) != 0)
                continue;
            if (strv_append(&o->architectures, &o->n_architectures, m->arch) < 0)
                return -ENOMEM;
            for (size_t k = 0; k < m->n_sub; k++)
                if (strv_append(&o->architectures, &o->n_architectures, m->sub[k]) < 0)
                    return -ENOMEM;
            return 0;
        }
    }
    return rw_seccomp_warn(w, "seccomp.archmap-no-native", "$.archMap",
                           "%s: $.archMap: no entry applies to %s, so the filter covers only "
                           "the native architecture",
                           p->file, c->arch);
}

int rw_seccomp_resolve(const rw_seccomp_profile_t *p, const rw_seccomp_resolve_opts_t *opts,
                       rw_seccomp_oci_t **ret, rw_seccomp_warnings_t *w, rw_error_t **err)
{
    static const rw_seccomp_resolve_opts_t none = {0};
    if (!opts)
        opts = &none;
    *ret = NULL;
    if (!p->has_default_action && p->n_blocks == 0)
        return 0; /* podman: seccomp disabled */

    ctx_t c = {.p = p, .o = opts};
    const rw_seccomp_arch_t *arch = opts->arch ? opts->arch : rw_seccomp_arch_host();
    if (!arch)
        return rw_error_set(err, ENOTSUP, "seccomp: this build does not know its architecture");
    c.arch = arch->native;
    if (opts->have_kernel) {
        c.kmaj = opts->kernel_major;
        c.kmin = opts->kernel_minor;
        c.kernel_known = true;
    } else {
        const rw_seccomp_host_t *h = rw_seccomp_host();
        if (h && h->kernel_ok) {
            c.kmaj = h->kernel_major;
            c.kmin = h->kernel_minor;
            c.kernel_known = true;
        }
    }

    cleanup_seccomp_oci rw_seccomp_oci_t *o = calloc(1, sizeof(*o));
    if (!o)
        return -ENOMEM;
    int r = 0;
    for (size_t i = 0; i < p->n_architectures && r >= 0; i++)
        r = strv_append(&o->architectures, &o->n_architectures, p->architectures[i]);
    for (size_t i = 0; i < p->n_flags && r >= 0; i++)
        r = strv_append(&o->flags, &o->n_flags, p->flags[i]);
    if (r < 0)
        return r;
    o->flags_present = p->n_flags > 0; /* Go omits an empty list */
    if ((p->listener_path && !(o->listener_path = strdup(p->listener_path))) ||
        (p->listener_metadata && !(o->listener_metadata = strdup(p->listener_metadata))))
        return -ENOMEM;
    if ((r = expand_arch_map(&c, o, w)) < 0)
        return r;

    o->default_action = p->default_action;
    if (p->has_default_errno) {
        o->has_default_errno_ret = true;
        o->default_errno_ret = p->default_errno;
    } else if (p->has_default_errno_ret) {
        o->has_default_errno_ret = true;
        o->default_errno_ret = p->default_errno_ret;
    }

    for (size_t i = 0; i < p->n_blocks; i++) {
        const rw_seccomp_block_t *b = &p->blocks[i];
        bool applies = false;
        if ((r = block_applies(&c, b, &applies, err)) < 0)
            return r;
        if (!applies || (!b->name && b->n_names == 0))
            continue;
        if ((r = add_rule(o, b)) < 0)
            return r;
    }
    *ret = TAKE_PTR(o);
    return 0;
}
