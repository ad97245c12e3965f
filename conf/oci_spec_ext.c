/* Typed view of the spec fields that admission and the mounts stage reason about beyond the
 * core ones: annotations, hooks, devices and device cgroup rules, sysctls, id mappings,
 * memory/pids limits, the seccomp default action and process rlimits. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "../common/json.h"
#include "oci_spec.h"

static void kv_free(rw_spec_kv_t *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

void rw_spec_rlimits_clear(rw_spec_process_t *p)
{
    for (size_t i = 0; i < p->n_rlimits; i++)
        free(p->rlimits[i].type);
    free(p->rlimits);
    p->rlimits = NULL;
    p->n_rlimits = 0;
}

/* A JSON integer in [0, UINT64_MAX]; jansson stores up to INT64_MAX. */
static int get_u64(json_t *obj, const char *key, uint64_t *out, const char *file, const char *path,
                   rw_error_t **err)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return rw_error_set(err, EINVAL, "%s: %s.%s: required integer is missing", file, path, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return rw_error_set(err, EINVAL, "%s: %s.%s: must be a non-negative integer", file, path,
                            key);
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

int rw_spec_rlimits_parse(json_t *rl, const char *file, const char *path, rw_spec_process_t *out,
                          rw_error_t **err)
{
    if (!json_is_array(rl))
        return rw_error_set(err, EINVAL, "%s: %s.rlimits: must be an array", file, path);
    size_t n = json_array_size(rl);
    out->rlimits = calloc(n ? n : 1, sizeof(*out->rlimits));
    if (!out->rlimits)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        char sub[160];
        snprintf(sub, sizeof(sub), "%s.rlimits[%zu]", path, i);
        json_t *e = json_array_get(rl, i);
        rw_spec_rlimit_t *r = &out->rlimits[i];
        out->n_rlimits = i + 1;
        if (!json_is_object(e))
            return rw_error_set(err, EINVAL, "%s: %s: must be an object", file, sub);
        const char *t = NULL;
        int rc = rw_json_get_string(e, "type", true, &t, file, sub, err);
        if (rc < 0)
            return rc;
        if (!(r->type = strdup(t)))
            return -ENOMEM;
        if ((rc = get_u64(e, "hard", &r->hard, file, sub, err)) < 0 ||
            (rc = get_u64(e, "soft", &r->soft, file, sub, err)) < 0)
            return rc;
    }
    return 0;
}

void rw_spec_ext_clear(rw_spec_t *s)
{
    kv_free(s->annotations, s->n_annotations);
    kv_free(s->sysctls, s->n_sysctls);
    for (size_t i = 0; i < s->n_hooks; i++) {
        free(s->hooks[i].stage);
        free(s->hooks[i].path);
        rw_strv_freep(&s->hooks[i].args);
    }
    free(s->hooks);
    for (size_t i = 0; i < s->n_devices; i++) {
        free(s->devices[i].path);
        free(s->devices[i].type);
    }
    free(s->devices);
    for (size_t i = 0; i < s->n_device_rules; i++) {
        free(s->device_rules[i].type);
        free(s->device_rules[i].access);
    }
    free(s->device_rules);
    free(s->uid_mappings);
    free(s->gid_mappings);
    free(s->seccomp_default_action);
    s->annotations = s->sysctls = NULL;
    s->n_annotations = s->n_sysctls = 0;
    s->hooks = NULL;
    s->n_hooks = 0;
    s->devices = NULL;
    s->n_devices = 0;
    s->device_rules = NULL;
    s->n_device_rules = 0;
    s->uid_mappings = s->gid_mappings = NULL;
    s->n_uid_mappings = s->n_gid_mappings = 0;
    s->has_memory_limit = s->has_pids_limit = false;
    s->memory_limit = s->pids_limit = 0;
    s->seccomp_default_action = NULL;
    s->n_seccomp_rules = 0;
}

/* An object of string values into a kv array. */
static int parse_kv(json_t *obj, const char *file, const char *path, rw_spec_kv_t **ret,
                    size_t *ret_n, rw_error_t **err)
{
    if (!json_is_object(obj))
        return rw_error_set(err, EINVAL, "%s: %s: must be an object", file, path);
    size_t n = json_object_size(obj);
    rw_spec_kv_t *kv = calloc(n ? n : 1, sizeof(*kv));
    if (!kv)
        return -ENOMEM;
    *ret = kv;
    *ret_n = 0;
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        if (!json_is_string(v))
            return rw_error_set(err, EINVAL, "%s: %s.%s: must be a string", file, path, k);
        kv[*ret_n].key = strdup(k);
        kv[*ret_n].value = strdup(json_string_value(v));
        (*ret_n)++;
        if (!kv[*ret_n - 1].key || !kv[*ret_n - 1].value)
            return -ENOMEM;
    }
    return 0;
}

static const char *const hook_stages[] = {"prestart",       "createRuntime", "createContainer",
                                          "startContainer", "poststart",     "poststop"};

static bool known_hook_stage(const char *k)
{
    for (size_t i = 0; i < RW_ARRAY_SIZE(hook_stages); i++)
        if (strcmp(k, hook_stages[i]) == 0)
            return true;
    return false;
}

/* Every hook list is typed, including kinds the OCI spec does not define yet: a runtime
 * that knows them would run them, so policy must see them. */
static int parse_hooks(rw_spec_t *s, json_t *hooks, rw_error_t **err)
{
    const char *f = s->file;
    size_t total = 0;
    const char *k;
    json_t *a;
    json_object_foreach(hooks, k, a)
    {
        if (!json_is_array(a)) {
            if (known_hook_stage(k))
                return rw_error_set(err, EINVAL, "%s: $.hooks.%s: must be an array", f, k);
            continue;
        }
        total += json_array_size(a);
    }
    s->hooks = calloc(total ? total : 1, sizeof(*s->hooks));
    if (!s->hooks)
        return -ENOMEM;
    json_object_foreach(hooks, k, a)
    {
        for (size_t j = 0; json_is_array(a) && j < json_array_size(a); j++) {
            char sub[160];
            snprintf(sub, sizeof(sub), "$.hooks.%.64s[%zu]", k, j);
            json_t *h = json_array_get(a, j);
            rw_spec_hook_t *sh = &s->hooks[s->n_hooks++];
            if (!json_is_object(h))
                return rw_error_set(err, EINVAL, "%s: %s: must be an object", f, sub);
            const char *p = NULL;
            int r = rw_json_get_string(h, "path", true, &p, f, sub, err);
            if (r < 0)
                return r;
            if (!(sh->stage = strdup(k)) || !(sh->path = strdup(p)))
                return -ENOMEM;
            if ((r = rw_json_get_strv(h, "args", &sh->args, f, sub, err)) < 0)
                return r;
        }
    }
    return 0;
}

/* An optional integer member; -1 when absent. */
static int opt_int(json_t *obj, const char *key, long long min, long long max, int64_t *out,
                   const char *file, const char *path, rw_error_t **err)
{
    long long n = -1;
    int r = rw_json_get_int(obj, key, min, max, &n, file, path, err);
    if (r < 0)
        return r;
    *out = r > 0 ? n : -1;
    return r;
}

static int dup_opt(json_t *obj, const char *key, char **out, const char *file, const char *path,
                   rw_error_t **err)
{
    const char *v = NULL;
    int r = rw_json_get_string(obj, key, false, &v, file, path, err);
    if (r <= 0)
        return r;
    *out = strdup(v);
    return *out ? 0 : -ENOMEM;
}

static int parse_devices(rw_spec_t *s, json_t *devs, rw_error_t **err)
{
    const char *f = s->file;
    if (!json_is_array(devs))
        return rw_error_set(err, EINVAL, "%s: $.linux.devices: must be an array", f);
    size_t n = json_array_size(devs);
    s->devices = calloc(n ? n : 1, sizeof(*s->devices));
    if (!s->devices)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        char sub[64];
        snprintf(sub, sizeof(sub), "$.linux.devices[%zu]", i);
        json_t *d = json_array_get(devs, i);
        rw_spec_device_t *sd = &s->devices[i];
        s->n_devices = i + 1;
        sd->major = sd->minor = -1;
        if (!json_is_object(d))
            return rw_error_set(err, EINVAL, "%s: %s: must be an object", f, sub);
        const char *p = NULL;
        int r = rw_json_get_string(d, "path", true, &p, f, sub, err);
        if (r < 0)
            return r;
        if (!(sd->path = strdup(p)))
            return -ENOMEM;
        if ((r = dup_opt(d, "type", &sd->type, f, sub, err)) < 0 ||
            (r = opt_int(d, "major", 0, INT64_MAX, &sd->major, f, sub, err)) < 0 ||
            (r = opt_int(d, "minor", 0, INT64_MAX, &sd->minor, f, sub, err)) < 0)
            return r;
    }
    return 0;
}

static int parse_device_rules(rw_spec_t *s, json_t *rules, rw_error_t **err)
{
    const char *f = s->file;
    if (!json_is_array(rules))
        return rw_error_set(err, EINVAL, "%s: $.linux.resources.devices: must be an array", f);
    size_t n = json_array_size(rules);
    s->device_rules = calloc(n ? n : 1, sizeof(*s->device_rules));
    if (!s->device_rules)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        char sub[64];
        snprintf(sub, sizeof(sub), "$.linux.resources.devices[%zu]", i);
        json_t *d = json_array_get(rules, i);
        rw_spec_device_rule_t *dr = &s->device_rules[i];
        s->n_device_rules = i + 1;
        dr->major = dr->minor = -1;
        if (!json_is_object(d))
            return rw_error_set(err, EINVAL, "%s: %s: must be an object", f, sub);
        json_t *allow = json_object_get(d, "allow");
        if (!json_is_boolean(allow))
            return rw_error_set(err, EINVAL, "%s: %s.allow: required boolean is missing", f, sub);
        dr->allow = json_is_true(allow);
        int r;
        /* -1 is how some engines write "any" explicitly. */
        if ((r = dup_opt(d, "type", &dr->type, f, sub, err)) < 0 ||
            (r = dup_opt(d, "access", &dr->access, f, sub, err)) < 0 ||
            (r = opt_int(d, "major", -1, INT64_MAX, &dr->major, f, sub, err)) < 0 ||
            (r = opt_int(d, "minor", -1, INT64_MAX, &dr->minor, f, sub, err)) < 0)
            return r;
    }
    return 0;
}

static int parse_idmap(json_t *a, const char *file, const char *path, rw_spec_idmap_t **ret,
                       size_t *ret_n, rw_error_t **err)
{
    if (!json_is_array(a))
        return rw_error_set(err, EINVAL, "%s: %s: must be an array", file, path);
    size_t n = json_array_size(a);
    rw_spec_idmap_t *m = calloc(n ? n : 1, sizeof(*m));
    if (!m)
        return -ENOMEM;
    *ret = m;
    for (size_t i = 0; i < n; i++) {
        char sub[64];
        snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
        json_t *e = json_array_get(a, i);
        if (!json_is_object(e))
            return rw_error_set(err, EINVAL, "%s: %s: must be an object", file, sub);
        long long c = 0, h = 0, sz = 0;
        int r;
        if ((r = rw_json_get_int(e, "containerID", 0, UINT32_MAX, &c, file, sub, err)) < 0 ||
            (r = rw_json_get_int(e, "hostID", 0, UINT32_MAX, &h, file, sub, err)) < 0 ||
            (r = rw_json_get_int(e, "size", 0, UINT32_MAX, &sz, file, sub, err)) < 0)
            return r;
        m[i] = (rw_spec_idmap_t){(uint32_t)c, (uint32_t)h, (uint32_t)sz};
        *ret_n = i + 1;
    }
    return 0;
}

static int parse_limit(json_t *res, const char *group, bool *has, int64_t *out, const char *file,
                       rw_error_t **err)
{
    json_t *g = json_object_get(res, group);
    if (!g)
        return 0;
    char sub[64];
    snprintf(sub, sizeof(sub), "$.linux.resources.%s", group);
    if (!json_is_object(g))
        return rw_error_set(err, EINVAL, "%s: %s: must be an object", file, sub);
    long long n = 0;
    int r = rw_json_get_int(g, "limit", INT64_MIN, INT64_MAX, &n, file, sub, err);
    if (r < 0)
        return r;
    *has = r > 0;
    *out = n;
    return 0;
}

static int parse_linux(rw_spec_t *s, json_t *lx, rw_error_t **err)
{
    const char *f = s->file;
    int r;
    json_t *v;
    if ((v = json_object_get(lx, "devices")) && (r = parse_devices(s, v, err)) < 0)
        return r;
    if ((v = json_object_get(lx, "sysctl")) &&
        (r = parse_kv(v, f, "$.linux.sysctl", &s->sysctls, &s->n_sysctls, err)) < 0)
        return r;
    if ((v = json_object_get(lx, "uidMappings")) &&
        (r = parse_idmap(v, f, "$.linux.uidMappings", &s->uid_mappings, &s->n_uid_mappings, err)) <
            0)
        return r;
    if ((v = json_object_get(lx, "gidMappings")) &&
        (r = parse_idmap(v, f, "$.linux.gidMappings", &s->gid_mappings, &s->n_gid_mappings, err)) <
            0)
        return r;
    json_t *res = json_object_get(lx, "resources");
    if (res) {
        if (!json_is_object(res))
            return rw_error_set(err, EINVAL, "%s: $.linux.resources: must be an object", f);
        if ((v = json_object_get(res, "devices")) && (r = parse_device_rules(s, v, err)) < 0)
            return r;
        if ((r = parse_limit(res, "memory", &s->has_memory_limit, &s->memory_limit, f, err)) < 0 ||
            (r = parse_limit(res, "pids", &s->has_pids_limit, &s->pids_limit, f, err)) < 0)
            return r;
    }
    json_t *sc = json_object_get(lx, "seccomp");
    if (sc) {
        const char *da = NULL;
        if ((r = rw_json_get_string(sc, "defaultAction", false, &da, f, "$.linux.seccomp", err)) <
            0)
            return r;
        /* The runtimes require defaultAction; an absent one reads as "" so it is never
         * mistaken for a missing seccomp section. */
        if (!(s->seccomp_default_action = strdup(da ? da : "")))
            return -ENOMEM;
        json_t *sys = json_object_get(sc, "syscalls");
        if (sys && !json_is_array(sys))
            return rw_error_set(err, EINVAL, "%s: $.linux.seccomp.syscalls: must be an array", f);
        s->n_seccomp_rules = sys ? json_array_size(sys) : 0;
    }
    return 0;
}

int rw_spec_ext_parse(rw_spec_t *s, rw_error_t **err)
{
    int r;
    json_t *d = s->doc;
    json_t *v;
    if ((v = json_object_get(d, "annotations")) &&
        (r = parse_kv(v, s->file, "$.annotations", &s->annotations, &s->n_annotations, err)) < 0)
        return r;
    if ((v = json_object_get(d, "hooks")) && json_is_object(v) && (r = parse_hooks(s, v, err)) < 0)
        return r;
    if ((v = json_object_get(d, "linux")) && json_is_object(v) && (r = parse_linux(s, v, err)) < 0)
        return r;
    return 0;
}
