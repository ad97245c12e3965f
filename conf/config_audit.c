/* Strict parser for runwarden.json's `audit` section. Every key has a safe default; a typo
 * is an error rather than a silently weaker audit trail. */
#include "config_audit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../common/json.h"

static int set_path(json_t *sec, const char *key, char **slot, const char *file, rw_error_t **err)
{
    const char *s = NULL;
    int r = rw_json_get_string(sec, key, false, &s, file, "$.audit", err);
    if (r <= 0)
        return r;
    if (s[0] != '/' || strlen(s) > 1024 || strstr(s, "/../") || strchr(s, '\n'))
        return rw_error_set(err, EINVAL, "%s: $.audit.%s: '%s' must be a normalised absolute path",
                            file, key, s);
    size_t n = strlen(s);
    if (s[n - 1] == '/')
        return rw_error_set(err, EINVAL, "%s: $.audit.%s: '%s' names a directory, not a file", file,
                            key, s);
    char *d = strdup(s);
    if (!d)
        return -ENOMEM;
    free(*slot);
    *slot = d;
    return 0;
}

int rw_config_audit_parse(json_t *sec, const char *file, rw_audit_config_t *out, rw_error_t **err)
{
    static const char *const keys[] = {"enabled",   "log",           "required",   "sealKey",
                                       "sealEvery", "rotateBytes",   "linuxAudit", "lifecycle",
                                       "syncShort", "podmanStorage", NULL};
    memset(out, 0, sizeof(*out));
    out->enabled = true;
    out->required = true;
    out->seal_every = RW_AUDIT_DEFAULT_SEAL_EVERY;
    out->rotate_bytes = RW_AUDIT_DEFAULT_ROTATE_BYTES;
    out->linux_audit = true;
    out->lifecycle = true;
    out->sync_short = true;
    out->podman_storage = true;
    out->log_path = strdup(RW_AUDIT_DEFAULT_LOG);
    out->key_path = strdup(RW_AUDIT_DEFAULT_KEY);
    if (!out->log_path || !out->key_path)
        return -ENOMEM;
    if (!sec)
        return 0;
    if (!file)
        file = "runwarden.json";
    int r = rw_json_check_keys(sec, keys, file, "$.audit", err);
    if (r < 0)
        return r;
    if ((r = rw_json_get_bool(sec, "enabled", &out->enabled, file, "$.audit", err)) < 0 ||
        (r = rw_json_get_bool(sec, "required", &out->required, file, "$.audit", err)) < 0 ||
        (r = rw_json_get_bool(sec, "linuxAudit", &out->linux_audit, file, "$.audit", err)) < 0 ||
        (r = rw_json_get_bool(sec, "lifecycle", &out->lifecycle, file, "$.audit", err)) < 0 ||
        (r = rw_json_get_bool(sec, "syncShort", &out->sync_short, file, "$.audit", err)) < 0 ||
        (r = rw_json_get_bool(sec, "podmanStorage", &out->podman_storage, file, "$.audit", err)) <
            0)
        return r;
    if ((r = set_path(sec, "log", &out->log_path, file, err)) < 0 ||
        (r = set_path(sec, "sealKey", &out->key_path, file, err)) < 0)
        return r;
    if (strcmp(out->log_path, out->key_path) == 0)
        return rw_error_set(err, EINVAL, "%s: $.audit.sealKey: must differ from $.audit.log", file);
    long long n = 0;
    if ((r = rw_json_get_int(sec, "sealEvery", 0, 1000000, &n, file, "$.audit", err)) < 0)
        return r;
    if (r > 0)
        out->seal_every = (unsigned)n;
    /* Below 64 KiB a single large record could rotate on every append. */
    if ((r = rw_json_get_int(sec, "rotateBytes", 0, 1LL << 40, &n, file, "$.audit", err)) < 0)
        return r;
    if (r > 0) {
        if (n != 0 && n < 65536)
            return rw_error_set(err, ERANGE,
                                "%s: $.audit.rotateBytes: %lld is below the minimum of 65536 "
                                "(0 disables rotation)",
                                file, n);
        out->rotate_bytes = (uint64_t)n;
    }
    return 0;
}

void rw_config_audit_clear(rw_audit_config_t *c)
{
    if (!c)
        return;
    free(c->log_path);
    free(c->key_path);
    c->log_path = c->key_path = NULL;
}
