/* OCI linux.seccomp: strict reading, podman-identical writing, canonical form for the
 * cache key. */
#include "seccomp_oci.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "../common/hash.h"
#include "../common/json.h"
#include "seccomp_json.h"

static int read_errno_ret(json_t *v, const char *file, const char *path, bool *has, uint32_t *out,
                          rw_error_t **err)
{
    *has = false;
    if (rw_seccomp_json_absent(v))
        return 0;
    uint64_t n = 0;
    int r = rw_seccomp_json_uint(v, UINT32_MAX, &n, file, path, err);
    if (r < 0)
        return r;
    if (n > RW_SECCOMP_MAX_ERRNO)
        return rw_error_set(err, ERANGE,
                            "%s: %s: errno %llu is above %d; crun keeps only 16 bits and the "
                            "kernel caps errno at %d",
                            file, path, (unsigned long long)n, RW_SECCOMP_MAX_ERRNO,
                            RW_SECCOMP_MAX_ERRNO);
    *has = true;
    *out = (uint32_t)n;
    return 0;
}

static int read_action(json_t *v, const char *file, const char *path, rw_seccomp_action_t *out,
                       rw_error_t **err)
{
    if (!v)
        return rw_error_set(err, EINVAL, "%s: %s: required (an SCMP_ACT_* name)", file, path);
    if (!json_is_string(v))
        return rw_error_set(err, EINVAL, "%s: %s: must be a string", file, path);
    if (rw_seccomp_action_parse(json_string_value(v), out) < 0)
        return rw_error_set(err, EINVAL, "%s: %s: unknown action '%s'", file, path,
                            json_string_value(v));
    return 0;
}

static int read_rule(json_t *v, const char *file, const char *path, rw_seccomp_rule_t *rule,
                     rw_seccomp_warnings_t *w, rw_error_t **err)
{
    static const char *const keys[] = {"names", "action", "errnoRet", "args", NULL};
    static const char *const arg_keys[] = {"index", "value", "valueTwo", "op", NULL};
    int r = rw_seccomp_json_keys(v, keys, file, path, w, err);
    if (r < 0)
        return r;
    char p[RW_SECCOMP_PATH_MAX], q[RW_SECCOMP_PATH_MAX];
    rw_seccomp_path(p, "%s.names", path);
    json_t *names = json_object_get(v, "names");
    if (!names)
        return rw_error_set(err, EINVAL, "%s: %s: required", file, p);
    if ((r = rw_seccomp_json_strv(names, &rule->names, &rule->n_names, file, p, err)) < 0)
        return r;
    if (rule->n_names == 0 &&
        (r = rw_seccomp_warn(w, "seccomp.rule-without-names", path,
                             "%s: %s: the rule lists no syscall and has no effect", file, path)) <
            0)
        return r;
    rw_seccomp_path(p, "%s.action", path);
    if ((r = read_action(json_object_get(v, "action"), file, p, &rule->action, err)) < 0)
        return r;
    rw_seccomp_path(p, "%s.errnoRet", path);
    if ((r = read_errno_ret(json_object_get(v, "errnoRet"), file, p, &rule->has_errno_ret,
                            &rule->errno_ret, err)) < 0)
        return r;
    if (rule->has_errno_ret && !rw_seccomp_action_takes_errno(rule->action))
        return rw_error_set(err, EINVAL,
                            "%s: %s: errnoRet is set for %s; crun refuses errno values on "
                            "actions other than SCMP_ACT_ERRNO and SCMP_ACT_TRACE",
                            file, p, rw_seccomp_action_name(rule->action));
    rw_seccomp_path(p, "%s.args", path);
    json_t *args = json_object_get(v, "args");
    if (rw_seccomp_json_absent(args))
        return 0;
    if (!json_is_array(args))
        return rw_error_set(err, EINVAL, "%s: %s: must be an array", file, p);
    size_t n = json_array_size(args);
    if (n > RW_SECCOMP_MAX_ARGS)
        return rw_error_set(err, EINVAL,
                            "%s: %s: %zu conditions; crun reads only the first %d and would "
                            "drop the rest",
                            file, p, n, RW_SECCOMP_MAX_ARGS);
    if (n == 0)
        return 0;
    if (!(rule->args = calloc(n, sizeof(*rule->args))))
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        json_t *a = json_array_get(args, i);
        char ap[RW_SECCOMP_PATH_MAX];
        rw_seccomp_path(ap, "%s[%zu]", p, i);
        if ((r = rw_seccomp_json_keys(a, arg_keys, file, ap, w, err)) < 0)
            return r;
        rw_seccomp_arg_t *arg = &rule->args[i];
        uint64_t u = 0;
        json_t *x = json_object_get(a, "index");
        rw_seccomp_path(q, "%s.index", ap);
        if (!x)
            return rw_error_set(err, EINVAL, "%s: %s: required", file, q);
        if ((r = rw_seccomp_json_uint(x, UINT32_MAX, &u, file, q, err)) < 0)
            return r;
        if (u >= RW_SECCOMP_MAX_ARGS)
            return rw_error_set(err, ERANGE, "%s: %s: argument index %llu is out of range (0..5)",
                                file, q, (unsigned long long)u);
        arg->index = (uint32_t)u;
        rw_seccomp_path(q, "%s.value", ap);
        if (!(x = json_object_get(a, "value")))
            return rw_error_set(err, EINVAL, "%s: %s: required", file, q);
        if ((r = rw_seccomp_json_uint(x, INT64_MAX, &arg->value, file, q, err)) < 0)
            return r;
        rw_seccomp_path(q, "%s.valueTwo", ap);
        if ((x = json_object_get(a, "valueTwo")) && !json_is_null(x) &&
            (r = rw_seccomp_json_uint(x, INT64_MAX, &arg->value_two, file, q, err)) < 0)
            return r;
        rw_seccomp_path(q, "%s.op", ap);
        x = json_object_get(a, "op");
        if (!json_is_string(x))
            return rw_error_set(err, EINVAL, "%s: %s: required string (SCMP_CMP_*)", file, q);
        if (rw_seccomp_op_parse(json_string_value(x), &arg->op) < 0)
            return rw_error_set(err, EINVAL, "%s: %s: unknown operator '%s'", file, q,
                                json_string_value(x));
        rule->n_args++;
    }
    return 0;
}

int rw_seccomp_oci_parse(json_t *sec, const char *file, const char *path, rw_seccomp_oci_t **ret,
                         rw_seccomp_warnings_t *w, rw_error_t **err)
{
    static const char *const keys[] = {
        "defaultAction", "defaultErrnoRet",  "architectures", "flags",
        "listenerPath",  "listenerMetadata", "syscalls",      NULL};
    int r = rw_seccomp_json_keys(sec, keys, file, path, w, err);
    if (r < 0)
        return r;
    cleanup_seccomp_oci rw_seccomp_oci_t *o = calloc(1, sizeof(*o));
    if (!o)
        return -ENOMEM;
    char p[RW_SECCOMP_PATH_MAX];
    rw_seccomp_path(p, "%s.defaultAction", path);
    if ((r = read_action(json_object_get(sec, "defaultAction"), file, p, &o->default_action, err)) <
        0)
        return r;
    rw_seccomp_path(p, "%s.defaultErrnoRet", path);
    if ((r = read_errno_ret(json_object_get(sec, "defaultErrnoRet"), file, p,
                            &o->has_default_errno_ret, &o->default_errno_ret, err)) < 0)
        return r;
    if (o->has_default_errno_ret && !rw_seccomp_action_takes_errno(o->default_action))
        return rw_error_set(err, EINVAL,
                            "%s: %s: defaultErrnoRet is set for %s; crun refuses errno values "
                            "on actions other than SCMP_ACT_ERRNO and SCMP_ACT_TRACE",
                            file, p, rw_seccomp_action_name(o->default_action));
    rw_seccomp_path(p, "%s.architectures", path);
    if ((r = rw_seccomp_json_strv(json_object_get(sec, "architectures"), &o->architectures,
                                  &o->n_architectures, file, p, err)) < 0)
        return r;
    for (size_t i = 0; i < o->n_architectures; i++)
        if (!rw_seccomp_arch_by_oci(o->architectures[i]))
            return rw_error_set(err, EINVAL, "%s: %s[%zu]: unknown architecture '%s'", file, p, i,
                                o->architectures[i]);
    rw_seccomp_path(p, "%s.flags", path);
    json_t *flags = json_object_get(sec, "flags");
    o->flags_present = flags && !json_is_null(flags);
    if ((r = rw_seccomp_json_strv(flags, &o->flags, &o->n_flags, file, p, err)) < 0)
        return r;
    for (size_t i = 0; i < o->n_flags; i++) {
        uint32_t fv = 0;
        if (rw_seccomp_flag_parse(o->flags[i], &fv) < 0)
            return rw_error_set(err, EINVAL,
                                "%s: %s[%zu]: unknown flag '%s' (crun takes "
                                "SECCOMP_FILTER_FLAG_TSYNC, _LOG, _SPEC_ALLOW, "
                                "_WAIT_KILLABLE_RECV)",
                                file, p, i, o->flags[i]);
    }
    const char *s = NULL;
    rw_seccomp_path(p, "%s.listenerPath", path);
    if ((r = rw_seccomp_json_str(json_object_get(sec, "listenerPath"), &s, file, p, err)) < 0)
        return r;
    if (s && *s) {
        if (s[0] != '/')
            return rw_error_set(err, EINVAL, "%s: %s: '%s' must be an absolute path", file, p, s);
        if (!(o->listener_path = strdup(s)))
            return -ENOMEM;
    }
    rw_seccomp_path(p, "%s.listenerMetadata", path);
    if ((r = rw_seccomp_json_str(json_object_get(sec, "listenerMetadata"), &s, file, p, err)) < 0)
        return r;
    if (s && *s && !(o->listener_metadata = strdup(s)))
        return -ENOMEM;
    rw_seccomp_path(p, "%s.syscalls", path);
    json_t *sys = json_object_get(sec, "syscalls");
    if (!rw_seccomp_json_absent(sys)) {
        if (!json_is_array(sys))
            return rw_error_set(err, EINVAL, "%s: %s: must be an array", file, p);
        size_t n = json_array_size(sys);
        if (n > 0 && !(o->rules = calloc(n, sizeof(*o->rules))))
            return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
            char rp[RW_SECCOMP_PATH_MAX];
            rw_seccomp_path(rp, "%s[%zu]", p, i);
            o->n_rules++;
            if ((r = read_rule(json_array_get(sys, i), file, rp, &o->rules[i], w, err)) < 0)
                return r;
        }
    }
    *ret = TAKE_PTR(o);
    return 0;
}

static json_t *strv_json(char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        if (json_array_append_new(a, json_string(v[i])) < 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

json_t *rw_seccomp_oci_to_json(const rw_seccomp_oci_t *o)
{
    cleanup_json json_t *j = json_object();
    if (!j)
        return NULL;
    int r = json_object_set_new(j, "defaultAction",
                                json_string(rw_seccomp_action_name(o->default_action)));
    if (o->has_default_errno_ret)
        r |= json_object_set_new(j, "defaultErrnoRet", json_integer(o->default_errno_ret));
    if (o->n_architectures)
        r |= json_object_set_new(j, "architectures",
                                 strv_json(o->architectures, o->n_architectures));
    if (o->n_flags)
        r |= json_object_set_new(j, "flags", strv_json(o->flags, o->n_flags));
    if (o->listener_path)
        r |= json_object_set_new(j, "listenerPath", json_string(o->listener_path));
    if (o->listener_metadata)
        r |= json_object_set_new(j, "listenerMetadata", json_string(o->listener_metadata));
    if (o->n_rules) {
        json_t *sys = json_array();
        r |= json_object_set_new(j, "syscalls", sys);
        for (size_t i = 0; sys && r == 0 && i < o->n_rules; i++) {
            const rw_seccomp_rule_t *ru = &o->rules[i];
            json_t *e = json_object();
            r |= json_array_append_new(sys, e);
            if (!e)
                break;
            r |= json_object_set_new(e, "names", strv_json(ru->names, ru->n_names));
            r |= json_object_set_new(e, "action", json_string(rw_seccomp_action_name(ru->action)));
            if (ru->has_errno_ret)
                r |= json_object_set_new(e, "errnoRet", json_integer(ru->errno_ret));
            if (ru->n_args) {
                json_t *args = json_array();
                r |= json_object_set_new(e, "args", args);
                for (size_t k = 0; args && k < ru->n_args; k++) {
                    const rw_seccomp_arg_t *a = &ru->args[k];
                    json_t *aj = json_object();
                    r |= json_array_append_new(args, aj);
                    if (!aj)
                        break;
                    r |= json_object_set_new(aj, "index", json_integer(a->index));
                    r |= json_object_set_new(aj, "value", json_integer((json_int_t)a->value));
                    if (a->value_two)
                        r |= json_object_set_new(aj, "valueTwo",
                                                 json_integer((json_int_t)a->value_two));
                    r |= json_object_set_new(aj, "op", json_string(rw_seccomp_op_name(a->op)));
                }
            }
        }
    }
    if (r != 0)
        return NULL;
    return TAKE_PTR(j);
}

/* The canonical form goes either into a growing buffer or, staged in a small buffer, straight
 * into a SHA-256: the digest and the cache key (both at every container start) then need
 * no allocation. */
typedef struct canon {
    char *buf;
    size_t len, cap;
    bool oom;
    rw_sha256_t *hash; /* when set: buf is stage[], flushed into hash */
    char stage[2048];
} canon_t;

static void canon_put(canon_t *c, const void *p, size_t n)
{
    if (c->oom)
        return;
    if (c->hash) {
        if (c->len + n > sizeof(c->stage)) {
            rw_sha256_update(c->hash, c->stage, c->len);
            c->len = 0;
            if (n > sizeof(c->stage)) {
                rw_sha256_update(c->hash, p, n);
                return;
            }
        }
        memcpy(c->stage + c->len, p, n);
        c->len += n;
        return;
    }
    if (c->len + n > c->cap) {
        size_t cap = c->cap ? c->cap : 4096;
        while (cap < c->len + n)
            cap *= 2;
        char *nb = realloc(c->buf, cap);
        if (!nb) {
            c->oom = true;
            return;
        }
        c->buf = nb;
        c->cap = cap;
    }
    memcpy(c->buf + c->len, p, n);
    c->len += n;
}

/* Decimal digits of v followed by sep (what "%llu" and sep would print). */
static void canon_num(canon_t *c, uint64_t v, char sep)
{
    char b[24];
    size_t i = sizeof(b);
    b[--i] = sep;
    do {
        b[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    canon_put(c, b + i, sizeof(b) - i);
}

/* Netstring-like: "<len>:<bytes>," so concatenations never collide. */
static void canon_str(canon_t *c, const char *s)
{
    if (!s) {
        canon_put(c, "-,", 2);
        return;
    }
    size_t n = strlen(s);
    canon_num(c, n, ':');
    canon_put(c, s, n);
    canon_put(c, ",", 1);
}

static void canon_u64(canon_t *c, uint64_t v)
{
    canon_num(c, v, ';');
}

static void canon_opt_u32(canon_t *c, bool has, uint32_t v)
{
    if (has)
        canon_u64(c, v);
    else
        canon_put(c, "-;", 2);
}

static void canon_write(canon_t *c, const rw_seccomp_oci_t *o)
{
    canon_put(c, "oci-seccomp/1;", 14);
    canon_str(c, rw_seccomp_action_name(o->default_action));
    canon_opt_u32(c, o->has_default_errno_ret, o->default_errno_ret);
    canon_u64(c, o->n_architectures);
    for (size_t i = 0; i < o->n_architectures; i++)
        canon_str(c, o->architectures[i]);
    canon_put(c, o->flags_present ? "F" : "f", 1);
    canon_u64(c, o->n_flags);
    for (size_t i = 0; i < o->n_flags; i++)
        canon_str(c, o->flags[i]);
    canon_str(c, o->listener_path);
    canon_str(c, o->listener_metadata);
    canon_u64(c, o->n_rules);
    for (size_t i = 0; i < o->n_rules; i++) {
        const rw_seccomp_rule_t *ru = &o->rules[i];
        canon_str(c, rw_seccomp_action_name(ru->action));
        canon_opt_u32(c, ru->has_errno_ret, ru->errno_ret);
        canon_u64(c, ru->n_names);
        for (size_t k = 0; k < ru->n_names; k++)
            canon_str(c, ru->names[k]);
        canon_u64(c, ru->n_args);
        for (size_t k = 0; k < ru->n_args; k++) {
            canon_u64(c, ru->args[k].index);
            canon_u64(c, ru->args[k].value);
            canon_u64(c, ru->args[k].value_two);
            canon_u64(c, (uint64_t)ru->args[k].op);
        }
    }
}

int rw_seccomp_oci_canonical(const rw_seccomp_oci_t *o, char **ret, size_t *ret_len)
{
    canon_t c = {0};
    canon_write(&c, o);
    if (c.oom) {
        free(c.buf);
        return -ENOMEM;
    }
    *ret = c.buf;
    *ret_len = c.len;
    return 0;
}

void rw_seccomp_oci_canonical_hash(const rw_seccomp_oci_t *o, rw_sha256_t *h)
{
    canon_t c = {.hash = h};
    canon_write(&c, o);
    rw_sha256_update(h, c.stage, c.len);
}

int rw_seccomp_oci_digest(const rw_seccomp_oci_t *o, char out[RW_SHA256_HEX_LEN + 1])
{
    rw_sha256_t c;
    rw_sha256_init(&c);
    rw_seccomp_oci_canonical_hash(o, &c);
    uint8_t d[RW_SHA256_LEN];
    rw_sha256_final(&c, d);
    rw_hex(d, sizeof(d), out);
    return 0;
}

bool rw_seccomp_oci_is_unconfined(const rw_seccomp_oci_t *o)
{
    if (o->default_action != RW_SCMP_ACT_ALLOW && o->default_action != RW_SCMP_ACT_LOG)
        return false;
    for (size_t i = 0; i < o->n_rules; i++)
        if (o->rules[i].n_names > 0 && o->rules[i].action != RW_SCMP_ACT_ALLOW &&
            o->rules[i].action != RW_SCMP_ACT_LOG)
            return false;
    return true;
}

uint32_t rw_seccomp_oci_load_flags(const rw_seccomp_oci_t *o)
{
    if (!o->flags_present)
        return 1U << 2; /* SECCOMP_FILTER_FLAG_SPEC_ALLOW, crun's default */
    uint32_t f = 0;
    for (size_t i = 0; i < o->n_flags; i++) {
        uint32_t v = 0;
        if (rw_seccomp_flag_parse(o->flags[i], &v) == 0)
            f |= v;
    }
    return f;
}

static char **strv_dup(char *const *v, size_t n)
{
    char **out = calloc(n + 1, sizeof(char *));
    for (size_t i = 0; out && i < n; i++)
        if (!(out[i] = strdup(v[i]))) {
            rw_strv_freep(&out);
            return NULL;
        }
    return out;
}

rw_seccomp_oci_t *rw_seccomp_oci_dup(const rw_seccomp_oci_t *o)
{
    cleanup_seccomp_oci rw_seccomp_oci_t *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->default_action = o->default_action;
    d->has_default_errno_ret = o->has_default_errno_ret;
    d->default_errno_ret = o->default_errno_ret;
    d->flags_present = o->flags_present;
    if (!(d->architectures = strv_dup(o->architectures, o->n_architectures)) ||
        !(d->flags = strv_dup(o->flags, o->n_flags)))
        return NULL;
    d->n_architectures = o->n_architectures;
    d->n_flags = o->n_flags;
    if ((o->listener_path && !(d->listener_path = strdup(o->listener_path))) ||
        (o->listener_metadata && !(d->listener_metadata = strdup(o->listener_metadata))))
        return NULL;
    if (o->n_rules && !(d->rules = calloc(o->n_rules, sizeof(*d->rules))))
        return NULL;
    for (size_t i = 0; i < o->n_rules; i++) {
        rw_seccomp_rule_t *dr = &d->rules[i];
        const rw_seccomp_rule_t *sr = &o->rules[i];
        d->n_rules++;
        *dr = *sr;
        dr->names = NULL;
        dr->args = NULL;
        if (!(dr->names = strv_dup(sr->names, sr->n_names)))
            return NULL;
        if (sr->n_args) {
            if (!(dr->args = malloc(sr->n_args * sizeof(*dr->args))))
                return NULL;
            memcpy(dr->args, sr->args, sr->n_args * sizeof(*dr->args));
        }
    }
    return TAKE_PTR(d);
}
