/* Strict reader of containers/moby seccomp profiles into typed blocks. It refuses what podman
 * or crun would reject later (and what they would silently mangle), and names with a warning
 * each field that upstream reads but ignores, so the operator sees the rule that will apply. */
#include "seccomp_profile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "../common/fileio.h"
#include "../common/hash.h"
#include "../common/json.h"
#include "seccomp_json.h"

int rw_seccomp_dialect_parse(const char *s, rw_seccomp_dialect_t *out)
{
    if (strcmp(s, "containers") == 0)
        *out = RW_SECCOMP_DIALECT_CONTAINERS;
    else if (strcmp(s, "moby") == 0)
        *out = RW_SECCOMP_DIALECT_MOBY;
    else
        return -EINVAL;
    return 0;
}

const char *rw_seccomp_dialect_name(rw_seccomp_dialect_t d)
{
    return d == RW_SECCOMP_DIALECT_MOBY ? "moby" : "containers";
}

int rw_seccomp_errno_parse(const char *s, uint32_t *out)
{
    /* strconv.ParseUint(s, 10, 32): digits only, no sign, no base prefix. */
    if (*s) {
        uint64_t v = 0;
        const char *p = s;
        for (; *p >= '0' && *p <= '9'; p++) {
            v = v * 10 + (uint64_t)(*p - '0');
            if (v > UINT32_MAX)
                break;
        }
        if (!*p) {
            *out = (uint32_t)v;
            return 0;
        }
    }
    return rw_seccomp_errno_lookup(s, out);
}

static int parse_u8_decimal(const char *s, size_t len, unsigned *out)
{
    if (len == 0 || len > 3)
        return -EINVAL;
    unsigned v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -EINVAL;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > 255)
        return -EINVAL;
    *out = v;
    return 0;
}

int rw_seccomp_min_kernel_parse(const char *s, unsigned *major, unsigned *minor)
{
    const char *dot = strchr(s, '.');
    if (!dot || strchr(dot + 1, '.'))
        return -EINVAL;
    unsigned a = 0, b = 0;
    if (parse_u8_decimal(s, (size_t)(dot - s), &a) < 0 ||
        parse_u8_decimal(dot + 1, strlen(dot + 1), &b) < 0 || (a == 0 && b == 0))
        return -EINVAL;
    *major = a;
    *minor = b;
    return 0;
}

static void cond_clear(rw_seccomp_cond_t *f)
{
    rw_strv_freep(&f->caps);
    rw_strv_freep(&f->arches);
}

void rw_seccomp_profile_free(rw_seccomp_profile_t *p)
{
    if (!p)
        return;
    free(p->file);
    rw_strv_freep(&p->architectures);
    for (size_t i = 0; i < p->n_arch_map; i++) {
        free(p->arch_map[i].arch);
        rw_strv_freep(&p->arch_map[i].sub);
    }
    free(p->arch_map);
    for (size_t i = 0; i < p->n_blocks; i++) {
        rw_seccomp_block_t *b = &p->blocks[i];
        free(b->path);
        free(b->name);
        rw_strv_freep(&b->names);
        free(b->args);
        cond_clear(&b->includes);
        cond_clear(&b->excludes);
    }
    free(p->blocks);
    rw_strv_freep(&p->flags);
    free(p->listener_path);
    free(p->listener_metadata);
    free(p);
}

typedef struct reader {
    const char *file;
    rw_seccomp_dialect_t dialect;
    rw_seccomp_warnings_t *w;
    rw_error_t **err;
} reader_t;

/* errnoRet / defaultErrnoRet: a number the kernel can return. */
static int read_errno_ret(reader_t *rd, json_t *v, const char *path, bool *has, uint32_t *out)
{
    *has = false;
    if (rw_seccomp_json_absent(v))
        return 0;
    uint64_t n = 0;
    int r = rw_seccomp_json_uint(v, UINT32_MAX, &n, rd->file, path, rd->err);
    if (r < 0)
        return r;
    if (n > RW_SECCOMP_MAX_ERRNO)
        return rw_error_set(rd->err, ERANGE,
                            "%s: %s: errno %llu is above %d; crun keeps only 16 bits and the "
                            "kernel caps errno at %d",
                            rd->file, path, (unsigned long long)n, RW_SECCOMP_MAX_ERRNO,
                            RW_SECCOMP_MAX_ERRNO);
    *has = true;
    *out = (uint32_t)n;
    return 0;
}

/* errno / defaultErrno: a name from containers/common's table or a decimal string. */
static int read_errno_name(reader_t *rd, json_t *v, const char *path, bool *has, uint32_t *out)
{
    *has = false;
    const char *s = NULL;
    int r = rw_seccomp_json_str(v, &s, rd->file, path, rd->err);
    if (r < 0 || !s || !*s)
        return r;
    if (rd->dialect == RW_SECCOMP_DIALECT_MOBY)
        return rw_seccomp_warn(rd->w, "seccomp.errno-name-ignored", path,
                               "%s: %s: moby profiles take numeric errno values only; '%s' is "
                               "ignored",
                               rd->file, path, s);
    uint32_t n = 0;
    if (rw_seccomp_errno_parse(s, &n) < 0)
        return rw_error_set(rd->err, EINVAL,
                            "%s: %s: unknown errno '%s' (use a name such as EPERM or ENOSYS, "
                            "or a decimal number)",
                            rd->file, path, s);
    if (n > RW_SECCOMP_MAX_ERRNO)
        return rw_error_set(rd->err, ERANGE, "%s: %s: errno %u is above %d", rd->file, path, n,
                            RW_SECCOMP_MAX_ERRNO);
    *has = true;
    *out = n;
    return 0;
}

static int read_action(reader_t *rd, json_t *v, const char *path, bool *has,
                       rw_seccomp_action_t *out)
{
    const char *s = NULL;
    int r = rw_seccomp_json_str(v, &s, rd->file, path, rd->err);
    *has = false;
    if (r < 0 || !s || !*s)
        return r;
    if (rw_seccomp_action_parse(s, out) < 0)
        return rw_error_set(rd->err, EINVAL,
                            "%s: %s: unknown action '%s' (SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, "
                            "SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, "
                            "SCMP_ACT_TRAP, SCMP_ACT_TRACE, SCMP_ACT_LOG, SCMP_ACT_NOTIFY)",
                            rd->file, path, s);
    *has = true;
    return 0;
}

static int read_arch_list(reader_t *rd, json_t *v, const char *path, char ***out, size_t *n)
{
    int r = rw_seccomp_json_strv(v, out, n, rd->file, path, rd->err);
    if (r < 0)
        return r;
    for (size_t i = 0; i < *n; i++) {
        const char *a = (*out)[i];
        if (strcmp(a, "SCMP_ARCH_NATIVE") == 0)
            return rw_error_set(rd->err, EINVAL,
                                "%s: %s[%zu]: SCMP_ARCH_NATIVE is not an architecture crun can "
                                "resolve; leave the list out to mean the native one",
                                rd->file, path, i);
        if (!rw_seccomp_arch_by_oci(a))
            return rw_error_set(rd->err, EINVAL, "%s: %s[%zu]: unknown architecture '%s'", rd->file,
                                path, i, a);
    }
    return 0;
}

static int read_filter(reader_t *rd, json_t *v, const char *path, rw_seccomp_cond_t *f)
{
    static const char *const keys[] = {"caps", "arches", "minKernel", NULL};
    if (rw_seccomp_json_absent(v))
        return 0;
    int r = rw_seccomp_json_keys(v, keys, rd->file, path, NULL, rd->err);
    if (r < 0)
        return r;
    char p[RW_SECCOMP_PATH_MAX];
    rw_seccomp_path(p, "%s.caps", path);
    if ((r = rw_seccomp_json_strv(json_object_get(v, "caps"), &f->caps, &f->n_caps, rd->file, p,
                                  rd->err)) < 0)
        return r;
    for (size_t i = 0; i < f->n_caps; i++)
        if (!rw_seccomp_cap_known(f->caps[i]) &&
            (r = rw_seccomp_warn(rd->w, "seccomp.unknown-capability", p,
                                 "%s: %s[%zu]: '%s' is not a capability name, so it is never in "
                                 "the bounding set",
                                 rd->file, p, i, f->caps[i])) < 0)
            return r;
    rw_seccomp_path(p, "%s.arches", path);
    if ((r = rw_seccomp_json_strv(json_object_get(v, "arches"), &f->arches, &f->n_arches, rd->file,
                                  p, rd->err)) < 0)
        return r;
    for (size_t i = 0; i < f->n_arches; i++)
        if (!rw_seccomp_arch_by_native(f->arches[i]) &&
            (r = rw_seccomp_warn(rd->w, "seccomp.unknown-arch-name", p,
                                 "%s: %s[%zu]: '%s' is not a libseccomp architecture name "
                                 "(amd64, arm64, x86, x32, s390x...), so it never matches",
                                 rd->file, p, i, f->arches[i])) < 0)
            return r;
    rw_seccomp_path(p, "%s.minKernel", path);
    const char *mk = NULL;
    if ((r = rw_seccomp_json_str(json_object_get(v, "minKernel"), &mk, rd->file, p, rd->err)) < 0)
        return r;
    if (mk && *mk) {
        if (rw_seccomp_min_kernel_parse(mk, &f->min_kernel_major, &f->min_kernel_minor) < 0)
            return rw_error_set(rd->err, EINVAL,
                                "%s: %s: '%s' is not a kernel version \"<kernel>.<major>\" "
                                "(each 0-255, not 0.0)",
                                rd->file, p, mk);
        if (rd->dialect == RW_SECCOMP_DIALECT_MOBY)
            f->has_min_kernel = true;
        else if ((r = rw_seccomp_warn(rd->w, "seccomp.min-kernel-ignored", p,
                                      "%s: %s: podman ignores minKernel, so this condition is "
                                      "dropped and the rule applies on every kernel (read the "
                                      "profile as moby's to honour it)",
                                      rd->file, p)) < 0)
            return r;
    }
    return 0;
}

static int read_args(reader_t *rd, json_t *v, const char *path, rw_seccomp_block_t *b)
{
    static const char *const keys[] = {"index", "value", "valueTwo", "op", NULL};
    if (rw_seccomp_json_absent(v))
        return 0;
    if (!json_is_array(v))
        return rw_error_set(rd->err, EINVAL, "%s: %s: must be an array", rd->file, path);
    size_t n = json_array_size(v);
    if (n > RW_SECCOMP_MAX_ARGS)
        return rw_error_set(rd->err, EINVAL,
                            "%s: %s: %zu conditions; crun reads only the first %d and would "
                            "drop the rest",
                            rd->file, path, n, RW_SECCOMP_MAX_ARGS);
    if (n == 0)
        return 0;
    b->args = calloc(n, sizeof(*b->args));
    if (!b->args)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        json_t *a = json_array_get(v, i);
        char p[RW_SECCOMP_PATH_MAX], q[RW_SECCOMP_PATH_MAX];
        rw_seccomp_path(p, "%s[%zu]", path, i);
        int r = rw_seccomp_json_keys(a, keys, rd->file, p, NULL, rd->err);
        if (r < 0)
            return r;
        rw_seccomp_arg_t *arg = &b->args[i];
        uint64_t u = 0;
        json_t *x = json_object_get(a, "index");
        rw_seccomp_path(q, "%s.index", p);
        if (!x)
            return rw_error_set(rd->err, EINVAL, "%s: %s: required", rd->file, q);
        if ((r = rw_seccomp_json_uint(x, UINT32_MAX, &u, rd->file, q, rd->err)) < 0)
            return r;
        if (u >= RW_SECCOMP_MAX_ARGS)
            return rw_error_set(rd->err, ERANGE,
                                "%s: %s: argument index %llu is out of range (0..5: a syscall "
                                "has at most six arguments)",
                                rd->file, q, (unsigned long long)u);
        arg->index = (uint32_t)u;
        rw_seccomp_path(q, "%s.value", p);
        if ((x = json_object_get(a, "value")) &&
            (r = rw_seccomp_json_uint(x, INT64_MAX, &arg->value, rd->file, q, rd->err)) < 0)
            return r;
        rw_seccomp_path(q, "%s.valueTwo", p);
        if ((x = json_object_get(a, "valueTwo")) &&
            (r = rw_seccomp_json_uint(x, INT64_MAX, &arg->value_two, rd->file, q, rd->err)) < 0)
            return r;
        rw_seccomp_path(q, "%s.op", p);
        const char *op = NULL;
        if ((r = rw_seccomp_json_str(json_object_get(a, "op"), &op, rd->file, q, rd->err)) < 0)
            return r;
        if (!op)
            return rw_error_set(rd->err, EINVAL, "%s: %s: required", rd->file, q);
        if (rw_seccomp_op_parse(op, &arg->op) < 0)
            return rw_error_set(rd->err, EINVAL,
                                "%s: %s: unknown operator '%s' (SCMP_CMP_NE, _LT, _LE, _EQ, "
                                "_GE, _GT, _MASKED_EQ)",
                                rd->file, q, op);
        if (arg->op != RW_SCMP_CMP_MASKED_EQ && arg->value_two != 0 &&
            (r = rw_seccomp_warn(rd->w, "seccomp.value-two-ignored", p,
                                 "%s: %s.valueTwo: only SCMP_CMP_MASKED_EQ uses valueTwo; "
                                 "libseccomp ignores it for %s",
                                 rd->file, p, op)) < 0)
            return r;
        b->n_args++;
    }
    return 0;
}

static int read_block(reader_t *rd, json_t *v, size_t idx, rw_seccomp_block_t *b)
{
    static const char *const keys[] = {"name",     "names",    "action",   "args",  "comment",
                                       "includes", "excludes", "errnoRet", "errno", NULL};
    if (asprintf(&b->path, "$.syscalls[%zu]", idx) < 0) {
        b->path = NULL;
        return -ENOMEM;
    }
    const char *path = b->path;
    int r = rw_seccomp_json_keys(v, keys, rd->file, path, NULL, rd->err);
    if (r < 0)
        return r;
    char p[RW_SECCOMP_PATH_MAX];
    rw_seccomp_path(p, "%s.name", path);
    const char *name = NULL;
    if ((r = rw_seccomp_json_str(json_object_get(v, "name"), &name, rd->file, p, rd->err)) < 0)
        return r;
    if (name && *name && !(b->name = strdup(name)))
        return -ENOMEM;
    rw_seccomp_path(p, "%s.names", path);
    if ((r = rw_seccomp_json_strv(json_object_get(v, "names"), &b->names, &b->n_names, rd->file, p,
                                  rd->err)) < 0)
        return r;
    if (b->name && b->n_names > 0)
        return rw_error_set(rd->err, EINVAL,
                            "%s: %s: both 'name' and 'names' are set; podman refuses this, use "
                            "'names' only",
                            rd->file, path);
    if (!b->name && b->n_names == 0 &&
        (r = rw_seccomp_warn(rd->w, "seccomp.rule-without-names", path,
                             "%s: %s: neither 'name' nor 'names' lists a syscall; the rule has "
                             "no effect",
                             rd->file, path)) < 0)
        return r;

    rw_seccomp_path(p, "%s.action", path);
    bool has = false;
    if ((r = read_action(rd, json_object_get(v, "action"), p, &has, &b->action)) < 0)
        return r;
    if (!has)
        return rw_error_set(rd->err, EINVAL, "%s: %s: required (an SCMP_ACT_* name)", rd->file, p);

    rw_seccomp_path(p, "%s.errnoRet", path);
    if ((r = read_errno_ret(rd, json_object_get(v, "errnoRet"), p, &b->has_errno_ret,
                            &b->errno_ret)) < 0)
        return r;
    rw_seccomp_path(p, "%s.errno", path);
    if ((r = read_errno_name(rd, json_object_get(v, "errno"), p, &b->has_errno, &b->errno_value)) <
        0)
        return r;
    if (b->has_errno && b->has_errno_ret && b->errno_value != b->errno_ret &&
        (r = rw_seccomp_warn(rd->w, "seccomp.errno-ret-shadowed", path,
                             "%s: %s: errno (%u) wins over errnoRet (%u), which is ignored",
                             rd->file, path, b->errno_value, b->errno_ret)) < 0)
        return r;
    if ((b->has_errno || b->has_errno_ret) && !rw_seccomp_action_takes_errno(b->action))
        return rw_error_set(rd->err, EINVAL,
                            "%s: %s: an errno is set for %s; crun refuses errno values on "
                            "actions other than SCMP_ACT_ERRNO and SCMP_ACT_TRACE",
                            rd->file, path, rw_seccomp_action_name(b->action));

    rw_seccomp_path(p, "%s.args", path);
    if ((r = read_args(rd, json_object_get(v, "args"), p, b)) < 0)
        return r;
    rw_seccomp_path(p, "%s.comment", path);
    const char *comment = NULL;
    if ((r = rw_seccomp_json_str(json_object_get(v, "comment"), &comment, rd->file, p, rd->err)) <
        0)
        return r;
    rw_seccomp_path(p, "%s.includes", path);
    if ((r = read_filter(rd, json_object_get(v, "includes"), p, &b->includes)) < 0)
        return r;
    rw_seccomp_path(p, "%s.excludes", path);
    return read_filter(rd, json_object_get(v, "excludes"), p, &b->excludes);
}

static int read_arch_map(reader_t *rd, json_t *v, rw_seccomp_profile_t *p)
{
    static const char *const keys[] = {"architecture", "subArchitectures", NULL};
    if (rw_seccomp_json_absent(v))
        return 0;
    if (!json_is_array(v))
        return rw_error_set(rd->err, EINVAL, "%s: $.archMap: must be an array", rd->file);
    size_t n = json_array_size(v);
    if (n == 0)
        return 0;
    p->arch_map = calloc(n, sizeof(*p->arch_map));
    if (!p->arch_map)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(v, i);
        char path[RW_SECCOMP_PATH_MAX], q[RW_SECCOMP_PATH_MAX];
        rw_seccomp_path(path, "$.archMap[%zu]", i);
        int r = rw_seccomp_json_keys(e, keys, rd->file, path, NULL, rd->err);
        if (r < 0)
            return r;
        rw_seccomp_archmap_t *m = &p->arch_map[i];
        p->n_arch_map++;
        const char *a = NULL;
        rw_seccomp_path(q, "%s.architecture", path);
        if ((r = rw_seccomp_json_str(json_object_get(e, "architecture"), &a, rd->file, q,
                                     rd->err)) < 0)
            return r;
        if (!a || !*a)
            return rw_error_set(rd->err, EINVAL, "%s: %s: required", rd->file, q);
        if (!rw_seccomp_arch_by_scmp(a))
            return rw_error_set(rd->err, EINVAL,
                                "%s: %s: unknown architecture '%s' (SCMP_ARCH_X86_64, "
                                "SCMP_ARCH_AARCH64...)",
                                rd->file, q, a);
        if (!(m->arch = strdup(a)))
            return -ENOMEM;
        rw_seccomp_path(q, "%s.subArchitectures", path);
        if ((r = read_arch_list(rd, json_object_get(e, "subArchitectures"), q, &m->sub,
                                &m->n_sub)) < 0)
            return r;
    }
    return 0;
}

static int read_top(reader_t *rd, json_t *doc, rw_seccomp_profile_t *p)
{
    static const char *const keys[] = {
        "defaultAction", "defaultErrnoRet", "defaultErrno", "architectures",    "archMap",
        "syscalls",      "flags",           "listenerPath", "listenerMetadata", NULL};
    int r = rw_seccomp_json_keys(doc, keys, rd->file, "$", NULL, rd->err);
    if (r < 0)
        return r;
    if ((r = read_action(rd, json_object_get(doc, "defaultAction"), "$.defaultAction",
                         &p->has_default_action, &p->default_action)) < 0)
        return r;
    if ((r = read_errno_ret(rd, json_object_get(doc, "defaultErrnoRet"), "$.defaultErrnoRet",
                            &p->has_default_errno_ret, &p->default_errno_ret)) < 0)
        return r;
    if ((r = read_errno_name(rd, json_object_get(doc, "defaultErrno"), "$.defaultErrno",
                             &p->has_default_errno, &p->default_errno)) < 0)
        return r;
    if (p->has_default_errno && p->has_default_errno_ret &&
        p->default_errno != p->default_errno_ret &&
        (r = rw_seccomp_warn(rd->w, "seccomp.errno-ret-shadowed", "$",
                             "%s: $.defaultErrno (%u) wins over $.defaultErrnoRet (%u), which "
                             "is ignored",
                             rd->file, p->default_errno, p->default_errno_ret)) < 0)
        return r;
    if ((r = read_arch_list(rd, json_object_get(doc, "architectures"), "$.architectures",
                            &p->architectures, &p->n_architectures)) < 0)
        return r;
    if ((r = read_arch_map(rd, json_object_get(doc, "archMap"), p)) < 0)
        return r;
    if (p->n_architectures > 0 && p->n_arch_map > 0)
        return rw_error_set(rd->err, EINVAL,
                            "%s: $.architectures: both 'architectures' and 'archMap' are set; "
                            "podman refuses this, use one of them",
                            rd->file);

    if ((r = rw_seccomp_json_strv(json_object_get(doc, "flags"), &p->flags, &p->n_flags, rd->file,
                                  "$.flags", rd->err)) < 0)
        return r;
    for (size_t i = 0; i < p->n_flags; i++) {
        uint32_t fv = 0;
        if (rw_seccomp_flag_parse(p->flags[i], &fv) < 0)
            return rw_error_set(rd->err, EINVAL,
                                "%s: $.flags[%zu]: unknown flag '%s' (crun takes "
                                "SECCOMP_FILTER_FLAG_TSYNC, _LOG, _SPEC_ALLOW, "
                                "_WAIT_KILLABLE_RECV)",
                                rd->file, i, p->flags[i]);
    }
    const char *s = NULL;
    if ((r = rw_seccomp_json_str(json_object_get(doc, "listenerPath"), &s, rd->file,
                                 "$.listenerPath", rd->err)) < 0)
        return r;
    if (s && *s) {
        if (s[0] != '/')
            return rw_error_set(rd->err, EINVAL,
                                "%s: $.listenerPath: '%s' must be an absolute path (crun "
                                "refuses others)",
                                rd->file, s);
        if (!(p->listener_path = strdup(s)))
            return -ENOMEM;
    }
    if ((r = rw_seccomp_json_str(json_object_get(doc, "listenerMetadata"), &s, rd->file,
                                 "$.listenerMetadata", rd->err)) < 0)
        return r;
    if (s && *s && !(p->listener_metadata = strdup(s)))
        return -ENOMEM;

    json_t *sys = json_object_get(doc, "syscalls");
    if (!rw_seccomp_json_absent(sys)) {
        if (!json_is_array(sys))
            return rw_error_set(rd->err, EINVAL, "%s: $.syscalls: must be an array", rd->file);
        size_t n = json_array_size(sys);
        if (n > 0 && !(p->blocks = calloc(n, sizeof(*p->blocks))))
            return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
            p->n_blocks++;
            if ((r = read_block(rd, json_array_get(sys, i), i, &p->blocks[i])) < 0)
                return r;
        }
    }

    if (p->has_default_errno || p->has_default_errno_ret) {
        if (p->has_default_action && !rw_seccomp_action_takes_errno(p->default_action))
            return rw_error_set(rd->err, EINVAL,
                                "%s: $.defaultErrnoRet: an errno is set for %s; crun refuses "
                                "errno values on actions other than SCMP_ACT_ERRNO and "
                                "SCMP_ACT_TRACE",
                                rd->file, rw_seccomp_action_name(p->default_action));
    }
    if (!p->has_default_action && p->n_blocks > 0)
        return rw_error_set(rd->err, EINVAL,
                            "%s: $.defaultAction: required when syscalls are listed (an "
                            "SCMP_ACT_* name)",
                            rd->file);
    if (p->listener_metadata && !p->listener_path &&
        (r = rw_seccomp_warn(rd->w, "seccomp.listener-metadata-unused", "$.listenerMetadata",
                             "%s: $.listenerMetadata: without listenerPath nothing receives it",
                             rd->file)) < 0)
        return r;
    return 0;
}

int rw_seccomp_profile_parse(const char *buf, size_t len, const char *file,
                             rw_seccomp_dialect_t dialect, rw_seccomp_profile_t **ret,
                             rw_seccomp_warnings_t *w, rw_error_t **err)
{
    cleanup_json json_t *doc = rw_json_parse(buf, len, file, err);
    if (!doc)
        return -EINVAL;
    if (!json_is_object(doc))
        return rw_error_set(err, EINVAL, "%s: $: a seccomp profile must be a JSON object", file);
    rw_seccomp_profile_t *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    _cleanup_(rw_seccomp_profile_freep) rw_seccomp_profile_t *guard = p;
    if (!(p->file = strdup(file)))
        return -ENOMEM;
    p->dialect = dialect;
    rw_sha256(buf, len, p->sha256);
    reader_t rd = {file, dialect, w, err};
    int r = read_top(&rd, doc, p);
    if (r < 0)
        return r;
    *ret = TAKE_PTR(guard);
    return 0;
}

int rw_seccomp_profile_load(const char *path, rw_seccomp_dialect_t dialect,
                            rw_seccomp_profile_t **ret, rw_seccomp_warnings_t *w, rw_error_t **err)
{
    cleanup_free char *buf = NULL;
    size_t len = 0;
    int r = rw_file_read_at(AT_FDCWD, path, RW_SECCOMP_PROFILE_MAX_SIZE, &buf, &len, NULL, err);
    if (r < 0)
        return rw_error_prefix(err, "seccomp profile");
    return rw_seccomp_profile_parse(buf, len, path, dialect, ret, w, err);
}
