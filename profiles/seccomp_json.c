/* Typed JSON access for the seccomp readers; every error names file and JSON path. */
#include "seccomp_json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../common/cleanup.h"

int rw_seccomp_json_keys(json_t *obj, const char *const *allowed, const char *file,
                         const char *path, rw_seccomp_warnings_t *w, rw_error_t **err)
{
    if (!json_is_object(obj))
        return rw_error_set(err, EINVAL, "%s: %s: must be an object", file, path);
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        const char *hint = NULL;
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++) {
            if (strcmp(*a, key) == 0)
                ok = true;
            else if (strcasecmp(*a, key) == 0)
                hint = *a;
        }
        if (ok)
            continue;
        if (w) {
            int r =
                rw_seccomp_warn(w, "seccomp.unknown-key", path,
                                "%s: %s.%s: unknown key, ignored by the runtime", file, path, key);
            if (r < 0)
                return r;
            continue;
        }
        if (hint)
            return rw_error_set(err, EINVAL,
                                "%s: %s.%s: unknown key (keys are case-sensitive here; write "
                                "'%s')",
                                file, path, key, hint);
        return rw_error_set(err, EINVAL, "%s: %s.%s: unknown key", file, path, key);
    }
    return 0;
}

int rw_seccomp_json_uint(json_t *v, uint64_t max, uint64_t *out, const char *file, const char *path,
                         rw_error_t **err)
{
    if (!json_is_integer(v))
        return rw_error_set(err, EINVAL, "%s: %s: must be an unsigned integer", file, path);
    json_int_t n = json_integer_value(v);
    if (n < 0)
        return rw_error_set(err, ERANGE, "%s: %s: %lld is negative", file, path, (long long)n);
    if ((uint64_t)n > max)
        return rw_error_set(err, ERANGE, "%s: %s: %lld is above the limit %llu", file, path,
                            (long long)n, (unsigned long long)max);
    *out = (uint64_t)n;
    return 0;
}

int rw_seccomp_json_strv(json_t *v, char ***out, size_t *n, const char *file, const char *path,
                         rw_error_t **err)
{
    *out = NULL;
    *n = 0;
    if (rw_seccomp_json_absent(v))
        return 0;
    if (!json_is_array(v))
        return rw_error_set(err, EINVAL, "%s: %s: must be an array of strings", file, path);
    size_t len = json_array_size(v);
    cleanup_strv char **strv = calloc(len + 1, sizeof(char *));
    if (!strv)
        return -ENOMEM;
    for (size_t i = 0; i < len; i++) {
        json_t *s = json_array_get(v, i);
        if (!json_is_string(s))
            return rw_error_set(err, EINVAL, "%s: %s[%zu]: must be a string", file, path, i);
        if (json_string_length(s) == 0)
            return rw_error_set(err, EINVAL, "%s: %s[%zu]: must not be empty", file, path, i);
        if (!(strv[i] = strdup(json_string_value(s))))
            return -ENOMEM;
    }
    *out = TAKE_PTR(strv);
    *n = len;
    return 0;
}

int rw_seccomp_json_str(json_t *v, const char **out, const char *file, const char *path,
                        rw_error_t **err)
{
    *out = NULL;
    if (rw_seccomp_json_absent(v))
        return 0;
    if (!json_is_string(v))
        return rw_error_set(err, EINVAL, "%s: %s: must be a string", file, path);
    *out = json_string_value(v);
    return 0;
}

void rw_seccomp_path(char *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(buf, RW_SECCOMP_PATH_MAX, fmt, ap);
    va_end(ap);
}
