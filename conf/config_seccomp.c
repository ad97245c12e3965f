/* Strict parser for the `seccomp` section of runwarden.json. Unknown keys, unknown modes and
 * relative paths are errors naming the key: a typo must not leave containers unconfined. */
#include "config_seccomp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "../common/json.h"

const char *rw_seccomp_mode_name(rw_seccomp_mode_t m)
{
    switch (m) {
    case RW_SECCOMP_REQUIRE:
        return "require";
    case RW_SECCOMP_REPLACE:
        return "replace";
    case RW_SECCOMP_PASSTHROUGH:
    default:
        return "passthrough";
    }
}

int rw_seccomp_mode_parse(const char *s, rw_seccomp_mode_t *out)
{
    if (strcmp(s, "passthrough") == 0)
        *out = RW_SECCOMP_PASSTHROUGH;
    else if (strcmp(s, "require") == 0)
        *out = RW_SECCOMP_REQUIRE;
    else if (strcmp(s, "replace") == 0)
        *out = RW_SECCOMP_REPLACE;
    else
        return -EINVAL;
    return 0;
}

void rw_seccomp_config_free(rw_seccomp_config_t *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_tenants; i++)
        free(c->tenants[i].name);
    free(c->tenants);
    free(c->profile);
    free(c->cache_dir);
    free(c);
}

rw_seccomp_mode_t rw_seccomp_config_mode_for(const rw_seccomp_config_t *c, const char *tenant)
{
    if (tenant)
        for (size_t i = 0; i < c->n_tenants; i++)
            if (strcmp(c->tenants[i].name, tenant) == 0)
                return c->tenants[i].mode;
    return c->mode;
}

static int parse_mode(json_t *obj, const char *key, rw_seccomp_mode_t *out, const char *file,
                      const char *path, rw_error_t **err)
{
    const char *s = NULL;
    int r = rw_json_get_string(obj, key, false, &s, file, path, err);
    if (r <= 0)
        return r;
    if (rw_seccomp_mode_parse(s, out) < 0)
        return rw_error_set(err, EINVAL,
                            "%s: %s.%s: '%s' is not one of passthrough, require, replace", file,
                            path, key, s);
    return 0;
}

static int parse_abs_path(json_t *obj, const char *key, bool nullable, char **slot,
                          const char *file, rw_error_t **err)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (nullable && (json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0))) {
        free(*slot);
        *slot = NULL;
        return 0;
    }
    if (!json_is_string(v))
        return rw_error_set(err, EINVAL, "%s: $.seccomp.%s: must be a string%s", file, key,
                            nullable ? " or null" : "");
    const char *s = json_string_value(v);
    if (s[0] != '/')
        return rw_error_set(err, EINVAL, "%s: $.seccomp.%s: '%s' must be an absolute path", file,
                            key, s);
    char *d = strdup(s);
    if (!d)
        return -ENOMEM;
    free(*slot);
    *slot = d;
    return 0;
}

int rw_seccomp_config_parse(json_t *section, const char *file, rw_seccomp_config_t **ret,
                            rw_error_t **err)
{
    static const char *const keys[] = {"mode",          "tenants",  "profile",
                                       "profileFormat", "cacheDir", "unknownSyscall",
                                       "handToCrun",    "optimize", NULL};
    _cleanup_(rw_seccomp_config_freep) rw_seccomp_config_t *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    c->mode = RW_SECCOMP_PASSTHROUGH;
    c->hand_to_crun = true;
    c->optimize = true;
    if (!(c->profile = strdup(RW_SECCOMP_DEFAULT_PROFILE)) ||
        !(c->cache_dir = strdup(RW_SECCOMP_DEFAULT_CACHE_DIR)))
        return -ENOMEM;
    if (!section) {
        *ret = TAKE_PTR(c);
        return 0;
    }
    int r = rw_json_check_keys(section, keys, file, "$.seccomp", err);
    if (r < 0)
        return r;
    if ((r = parse_mode(section, "mode", &c->mode, file, "$.seccomp", err)) < 0)
        return r;
    json_t *tenants = json_object_get(section, "tenants");
    if (tenants) {
        if (!json_is_object(tenants))
            return rw_error_set(err, EINVAL,
                                "%s: $.seccomp.tenants: must be an object {tenant: mode}", file);
        size_t n = json_object_size(tenants);
        if (n && !(c->tenants = calloc(n, sizeof(*c->tenants))))
            return -ENOMEM;
        const char *name;
        json_t *v;
        json_object_foreach(tenants, name, v)
        {
            rw_seccomp_tenant_mode_t *t = &c->tenants[c->n_tenants];
            if (!*name)
                return rw_error_set(err, EINVAL, "%s: $.seccomp.tenants: empty tenant name", file);
            if (!json_is_string(v) || rw_seccomp_mode_parse(json_string_value(v), &t->mode) < 0)
                return rw_error_set(err, EINVAL,
                                    "%s: $.seccomp.tenants.%s: must be one of passthrough, "
                                    "require, replace",
                                    file, name);
            if (!(t->name = strdup(name)))
                return -ENOMEM;
            c->n_tenants++;
        }
    }
    if ((r = parse_abs_path(section, "profile", false, &c->profile, file, err)) < 0)
        return r;
    const char *s = NULL;
    if ((r = rw_json_get_string(section, "profileFormat", false, &s, file, "$.seccomp", err)) < 0)
        return r;
    if (r > 0) {
        if (strcmp(s, "moby") == 0)
            c->profile_moby = true;
        else if (strcmp(s, "containers") != 0)
            return rw_error_set(err, EINVAL,
                                "%s: $.seccomp.profileFormat: '%s' is not one of containers, moby",
                                file, s);
    }
    if ((r = parse_abs_path(section, "cacheDir", true, &c->cache_dir, file, err)) < 0)
        return r;
    if ((r = rw_json_get_string(section, "unknownSyscall", false, &s, file, "$.seccomp", err)) < 0)
        return r;
    if (r > 0) {
        if (strcmp(s, "error") == 0)
            c->unknown_error = true;
        else if (strcmp(s, "warn") != 0)
            return rw_error_set(err, EINVAL,
                                "%s: $.seccomp.unknownSyscall: '%s' is not one of warn, error",
                                file, s);
    }
    if ((r = rw_json_get_bool(section, "handToCrun", &c->hand_to_crun, file, "$.seccomp", err)) < 0)
        return r;
    if ((r = rw_json_get_bool(section, "optimize", &c->optimize, file, "$.seccomp", err)) < 0)
        return r;
    *ret = TAKE_PTR(c);
    return 0;
}
