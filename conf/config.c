/* Strict parser for runwarden.json. Unknown keys are errors that name the key, so a typo
 * in a security setting can never silently fall back to a default. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/fileio.h"
#include "../common/json.h"

static const char *const top_keys[] = {
    "mode",   "runtimes", "defaultRuntime", "bundle", "annotations", "failOpen", "audit",
    "seccomp", "trust",   "admission",      "mounts", "ebpf",        "lsm",      NULL};

static int add_runtime(rw_config_t *c, const char *name, const char *path)
{
    for (size_t i = 0; i < c->n_runtimes; i++)
        if (strcmp(c->runtimes[i].name, name) == 0) {
            char *p = strdup(path);
            if (!p)
                return -ENOMEM;
            free(c->runtimes[i].path);
            c->runtimes[i].path = p;
            return 0;
        }
    rw_runtime_map_t *n = realloc(c->runtimes, (c->n_runtimes + 1) * sizeof(*n));
    if (!n)
        return -ENOMEM;
    c->runtimes = n;
    n[c->n_runtimes].name = strdup(name);
    n[c->n_runtimes].path = strdup(path);
    if (!n[c->n_runtimes].name || !n[c->n_runtimes].path)
        return -ENOMEM;
    c->n_runtimes++;
    return 0;
}

static int set_defaults(rw_config_t *c)
{
    c->mode = RW_MODE_ENFORCE;
    c->bundle_max_config_size = RW_BUNDLE_CONFIG_MAX_DEFAULT;
    c->allow_absolute_root = false;
    c->dangerous_annotations = RW_ANNOT_REFUSE;
    c->fail_open = false;
    int r = add_runtime(c, "runc", "/usr/bin/runc");
    if (r >= 0)
        r = add_runtime(c, "crun", "/usr/bin/crun");
    if (r >= 0 && !(c->default_runtime = strdup("runc")))
        r = -ENOMEM;
    return r;
}

static bool valid_shim_name(const char *s)
{
    if (!*s || strlen(s) > 64)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            return false;
    return true;
}

static int parse_doc(rw_config_t *c, const char *what, rw_error_t **err)
{
    json_t *doc = c->doc;
    int r = rw_json_check_keys(doc, top_keys, what, "$", err);
    if (r < 0)
        return r;
    const char *s = NULL;
    if ((r = rw_json_get_string(doc, "mode", false, &s, what, "$", err)) < 0)
        return r;
    if (r > 0 && rw_mode_parse(s, &c->mode) < 0)
        return rw_error_set(err, EINVAL, "%s: $.mode: '%s' is not one of enforce, warn, audit",
                            what, s);

    json_t *rt = json_object_get(doc, "runtimes");
    if (rt) {
        if (!json_is_object(rt))
            return rw_error_set(err, EINVAL, "%s: $.runtimes: must be an object", what);
        const char *k;
        json_t *v;
        json_object_foreach(rt, k, v)
        {
            if (!valid_shim_name(k))
                return rw_error_set(err, EINVAL, "%s: $.runtimes: '%s' is not a valid name", what,
                                    k);
            if (!json_is_string(v) || json_string_value(v)[0] != '/')
                return rw_error_set(err, EINVAL,
                                    "%s: $.runtimes.%s: must be an absolute path string", what,
                                    k);
            if ((r = add_runtime(c, k, json_string_value(v))) < 0)
                return r;
        }
    }
    s = NULL;
    if ((r = rw_json_get_string(doc, "defaultRuntime", false, &s, what, "$", err)) < 0)
        return r;
    if (r > 0) {
        if (!rw_config_runtime_for(c, s))
            return rw_error_set(err, EINVAL,
                                "%s: $.defaultRuntime: '%s' is not a key of $.runtimes", what, s);
        free(c->default_runtime);
        if (!(c->default_runtime = strdup(s)))
            return -ENOMEM;
    }

    json_t *b = json_object_get(doc, "bundle");
    if (b) {
        static const char *const bkeys[] = {"maxConfigSize", "allowAbsoluteRootPath",
                                            "absoluteRootPrefixes", NULL};
        if ((r = rw_json_check_keys(b, bkeys, what, "$.bundle", err)) < 0)
            return r;
        long long n = 0;
        if ((r = rw_json_get_int(b, "maxConfigSize", 1024, 1LL << 30, &n, what, "$.bundle",
                                 err)) < 0)
            return r;
        if (r > 0)
            c->bundle_max_config_size = (size_t)n;
        if ((r = rw_json_get_bool(b, "allowAbsoluteRootPath", &c->allow_absolute_root, what,
                                  "$.bundle", err)) < 0)
            return r;
        if ((r = rw_json_get_strv(b, "absoluteRootPrefixes", &c->absolute_root_prefixes, what,
                                  "$.bundle", err)) < 0)
            return r;
        for (char **p = c->absolute_root_prefixes; p && *p; p++)
            if ((*p)[0] != '/')
                return rw_error_set(err, EINVAL,
                                    "%s: $.bundle.absoluteRootPrefixes: '%s' is not absolute",
                                    what, *p);
    }
    json_t *a = json_object_get(doc, "annotations");
    if (a) {
        static const char *const akeys[] = {"dangerous", NULL};
        if ((r = rw_json_check_keys(a, akeys, what, "$.annotations", err)) < 0)
            return r;
        s = NULL;
        if ((r = rw_json_get_string(a, "dangerous", false, &s, what, "$.annotations", err)) < 0)
            return r;
        if (r > 0) {
            if (strcmp(s, "refuse") == 0)
                c->dangerous_annotations = RW_ANNOT_REFUSE;
            else if (strcmp(s, "strip") == 0)
                c->dangerous_annotations = RW_ANNOT_STRIP;
            else
                return rw_error_set(err, EINVAL,
                                    "%s: $.annotations.dangerous: '%s' is not refuse or strip",
                                    what, s);
        }
    }
    if ((r = rw_json_get_bool(doc, "failOpen", &c->fail_open, what, "$", err)) < 0)
        return r;

    struct {
        const char *key;
        json_t **slot;
    } sections[] = {{"audit", &c->audit}, {"seccomp", &c->seccomp}, {"trust", &c->trust},
                    {"admission", &c->admission}, {"mounts", &c->mounts}, {"ebpf", &c->ebpf},
                    {"lsm", &c->lsm}};
    for (size_t i = 0; i < RW_ARRAY_SIZE(sections); i++) {
        json_t *v = json_object_get(doc, sections[i].key);
        if (v && !json_is_object(v))
            return rw_error_set(err, EINVAL, "%s: $.%s: must be an object", what,
                                sections[i].key);
        *sections[i].slot = v;
    }
    return 0;
}

int rw_config_parse(const char *buf, size_t len, const char *what, rw_config_t **ret,
                    rw_error_t **err)
{
    rw_config_t *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    int r = set_defaults(c);
    if (r >= 0 && !(c->path = strdup(what)))
        r = -ENOMEM;
    if (r >= 0) {
        c->doc = rw_json_parse(buf, len, what, err);
        if (!c->doc)
            r = -EINVAL;
    }
    if (r >= 0)
        r = parse_doc(c, what, err);
    if (r < 0) {
        rw_config_free(c);
        return r;
    }
    c->from_file = true;
    *ret = c;
    return 0;
}

/* A config named by the environment must not be writable by anyone but root or the
 * caller, or any user able to set our environment could weaken the policy. */
static int check_owner(const char *path, const struct stat *st, rw_error_t **err)
{
    if ((st->st_uid != 0 && st->st_uid != geteuid()) || (st->st_mode & 022))
        return rw_error_set(err, EPERM,
                            "%s: config must be owned by root (or the caller) and not writable "
                            "by group or others",
                            path);
    return 0;
}

int rw_config_load_file(const char *path, bool must_exist, rw_config_t **ret, rw_error_t **err)
{
    cleanup_free char *buf = NULL;
    size_t len = 0;
    struct stat st;
    rw_error_t *e = NULL;
    int r = rw_file_read_at(AT_FDCWD, path, RW_CONFIG_MAX_SIZE, &buf, &len, &st, &e);
    if (r == -ENOENT && !must_exist) {
        rw_error_free(e);
        rw_config_t *c = calloc(1, sizeof(*c));
        if (!c)
            return -ENOMEM;
        if ((r = set_defaults(c)) < 0 || !(c->path = strdup("(built-in defaults)"))) {
            rw_config_free(c);
            return r < 0 ? r : -ENOMEM;
        }
        *ret = c;
        return 0;
    }
    if (r < 0) {
        if (err && !*err)
            *err = e;
        else
            rw_error_free(e);
        return r;
    }
    rw_error_free(e);
    if ((r = check_owner(path, &st, err)) < 0)
        return r;
    return rw_config_parse(buf, len, path, ret, err);
}

int rw_config_load(rw_config_t **ret, rw_error_t **err)
{
    const char *env = getenv("RUNWARDEN_CONFIG");
    if (env && *env) {
        if (env[0] != '/')
            return rw_error_set(err, EINVAL, "RUNWARDEN_CONFIG=%s: must be an absolute path",
                                env);
        return rw_config_load_file(env, true, ret, err);
    }
    return rw_config_load_file(RW_DEFAULT_CONFIG, false, ret, err);
}

void rw_config_free(rw_config_t *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_runtimes; i++) {
        free(c->runtimes[i].name);
        free(c->runtimes[i].path);
    }
    free(c->runtimes);
    rw_strv_freep(&c->absolute_root_prefixes);
    free(c->default_runtime);
    free(c->path);
    if (c->doc)
        json_decref(c->doc);
    free(c);
}

const char *rw_config_runtime_for(const rw_config_t *c, const char *shim_name)
{
    for (size_t i = 0; i < c->n_runtimes; i++)
        if (strcmp(c->runtimes[i].name, shim_name) == 0)
            return c->runtimes[i].path;
    return NULL;
}
