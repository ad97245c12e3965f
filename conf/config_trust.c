/* Strict parser for the `trust` section. A typo in a trust setting must never quietly
 * fall back to a default, so unknown keys and relative paths are errors. */
#include "config_trust.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "../common/json.h"

void rw_trust_config_free(rw_trust_config_t *c)
{
    if (!c)
        return;
    free(c->policy);
    free(c->registries_d);
    free(c->storage_conf);
    free(c->graphroot);
    free(c->driver);
    free(c->cache_dir);
    free(c->verify_helper);
    free(c);
}

static int set_path(json_t *s, const char *key, const char *file, char **slot, bool nullable,
                    rw_error_t **err)
{
    json_t *v = json_object_get(s, key);
    if (!v)
        return 0;
    if (json_is_null(v) && nullable) {
        free(*slot);
        *slot = NULL;
        return 0;
    }
    if (!json_is_string(v) || json_string_value(v)[0] != '/')
        return rw_error_set(err, EINVAL, "%s: $.trust.%s: must be an absolute path%s", file, key,
                            nullable ? " or null" : "");
    char *d = strdup(json_string_value(v));
    if (!d)
        return -ENOMEM;
    free(*slot);
    *slot = d;
    return 0;
}

int rw_trust_config_parse(json_t *section, const char *file, rw_trust_config_t **ret,
                          rw_error_t **err)
{
    rw_trust_config_t *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    c->policy = strdup(RW_TRUST_DEFAULT_POLICY);
    c->registries_d = strdup(RW_TRUST_DEFAULT_REGISTRIES_D);
    c->storage_conf = strdup("/etc/containers/storage.conf");
    c->cache_dir = strdup(RW_TRUST_DEFAULT_CACHE_DIR);
    c->cache_ttl = RW_TRUST_DEFAULT_CACHE_TTL;
    int r = c->policy && c->registries_d && c->storage_conf && c->cache_dir ? 0 : -ENOMEM;
    if (r >= 0 && section) {
        static const char *const keys[] = {
            "enabled",      "policy",   "registriesD", "storageConf",  "graphroot", "driver",
            "unknownImage", "cacheDir", "cacheTtl",    "verifyHelper", NULL};
        c->enabled = true; /* a present section means the site wants trust checked */
        r = rw_json_check_keys(section, keys, file, "$.trust", err);
        if (r >= 0)
            r = rw_json_get_bool(section, "enabled", &c->enabled, file, "$.trust", err);
        if (r >= 0)
            r = set_path(section, "policy", file, &c->policy, false, err);
        if (r >= 0)
            r = set_path(section, "registriesD", file, &c->registries_d, false, err);
        if (r >= 0)
            r = set_path(section, "storageConf", file, &c->storage_conf, false, err);
        if (r >= 0)
            r = set_path(section, "graphroot", file, &c->graphroot, true, err);
        if (r >= 0)
            r = set_path(section, "cacheDir", file, &c->cache_dir, true, err);
        if (r >= 0)
            r = set_path(section, "verifyHelper", file, &c->verify_helper, true, err);
        const char *s = NULL;
        if (r >= 0 &&
            (r = rw_json_get_string(section, "driver", false, &s, file, "$.trust", err)) > 0) {
            bool ok = *s && strlen(s) < 64;
            for (const char *p = s; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
                    ok = false;
            if (!ok)
                r = rw_error_set(err, EINVAL,
                                 "%s: $.trust.driver: '%s' is not a storage "
                                 "driver name",
                                 file, s);
            else if (!(c->driver = strdup(s)))
                r = -ENOMEM;
        }
        s = NULL;
        if (r >= 0 && (r = rw_json_get_string(section, "unknownImage", false, &s, file, "$.trust",
                                              err)) > 0) {
            if (strcmp(s, "refuse") == 0)
                c->unknown_allow = false;
            else if (strcmp(s, "allow") == 0)
                c->unknown_allow = true;
            else
                r = rw_error_set(err, EINVAL,
                                 "%s: $.trust.unknownImage: '%s' is not refuse "
                                 "or allow",
                                 file, s);
        }
        long long ttl = 0;
        if (r >= 0 && (r = rw_json_get_int(section, "cacheTtl", 0, 365LL * 86400, &ttl, file,
                                           "$.trust", err)) > 0)
            c->cache_ttl = (long)ttl;
    }
    if (r < 0) {
        rw_trust_config_free(c);
        return r;
    }
    *ret = c;
    return 0;
}
