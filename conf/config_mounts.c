/* Strict parser for the `mounts` section (mounts.conf secrets). */
#include "config_mounts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../common/json.h"

static int dup_abs(json_t *sec, const char *key, char **out, const char *what, rw_error_t **err)
{
    const char *s = NULL;
    int r = rw_json_get_string(sec, key, false, &s, what, "$.mounts", err);
    if (r <= 0)
        return r;
    if (s[0] != '/' || strlen(s) > 4096)
        return rw_error_set(err, EINVAL, "%s: $.mounts.%s: must be an absolute path", what, key);
    free(*out);
    *out = strdup(s);
    return *out ? 0 : -ENOMEM;
}

static int get_u64(json_t *sec, const char *key, long long min, uint64_t *out, const char *what,
                   rw_error_t **err)
{
    long long n = 0;
    int r = rw_json_get_int(sec, key, min, 1LL << 40, &n, what, "$.mounts", err);
    if (r > 0)
        *out = (uint64_t)n;
    return r;
}

int rw_mounts_config_parse(json_t *section, const char *what, rw_mounts_config_t **ret,
                           rw_error_t **err)
{
    rw_mounts_config_t *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    c->enabled = true;
    c->max_file_size = 4u << 20;
    c->max_total_size = 32u << 20;
    c->max_files = 4096;
    c->fips = true;
    c->symlinks = RW_SYMLINKS_ROOT_OWNED;
    int r = 0;
    if (section) {
        static const char *const keys[] = {
            "enabled",  "mountsFile", "secretsDir", "allowWrite", "maxFileSize", "maxTotalSize",
            "maxFiles", "symlinks",   "fips",       "fipsFile",   NULL};
        const char *s = NULL;
        if ((r = rw_json_check_keys(section, keys, what, "$.mounts", err)) < 0 ||
            (r = rw_json_get_bool(section, "enabled", &c->enabled, what, "$.mounts", err)) < 0 ||
            (r = dup_abs(section, "mountsFile", &c->mounts_file, what, err)) < 0 ||
            (r = dup_abs(section, "secretsDir", &c->secrets_dir, what, err)) < 0 ||
            (r = rw_json_get_bool(section, "allowWrite", &c->allow_write, what, "$.mounts", err)) <
                0 ||
            (r = get_u64(section, "maxFileSize", 0, &c->max_file_size, what, err)) < 0 ||
            (r = get_u64(section, "maxTotalSize", 0, &c->max_total_size, what, err)) < 0 ||
            (r = get_u64(section, "maxFiles", 1, &c->max_files, what, err)) < 0 ||
            (r = rw_json_get_bool(section, "fips", &c->fips, what, "$.mounts", err)) < 0 ||
            (r = dup_abs(section, "fipsFile", &c->fips_file, what, err)) < 0 ||
            (r = rw_json_get_string(section, "symlinks", false, &s, what, "$.mounts", err)) < 0)
            goto fail;
        if (s) {
            if (strcmp(s, "root-owned") == 0)
                c->symlinks = RW_SYMLINKS_ROOT_OWNED;
            else if (strcmp(s, "beneath") == 0)
                c->symlinks = RW_SYMLINKS_BENEATH;
            else {
                r = rw_error_set(err, EINVAL,
                                 "%s: $.mounts.symlinks: '%s' is not root-owned or beneath", what,
                                 s);
                goto fail;
            }
        }
    }
    if (!c->fips_file && !(c->fips_file = strdup(RW_MOUNTS_DEFAULT_FIPS_FILE))) {
        r = -ENOMEM;
        goto fail;
    }
    *ret = c;
    return 0;
fail:
    rw_mounts_config_free(c);
    return r;
}

void rw_mounts_config_free(rw_mounts_config_t *c)
{
    if (!c)
        return;
    free(c->mounts_file);
    free(c->secrets_dir);
    free(c->fips_file);
    free(c);
}
