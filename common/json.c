/* Strict JSON reading for hostile input: jansson validates UTF-8, bounds nesting depth
 * and refuses duplicate keys; these helpers add path-naming type checks. */
#include "json.h"

#include <errno.h>
#include <string.h>

#include "cleanup.h"

json_t *rw_json_parse(const char *buf, size_t len, const char *what, rw_error_t **err)
{
    json_error_t je;
    json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        rw_error_set(err, EINVAL, "%s: invalid JSON at line %d column %d: %s", what, je.line,
                     je.column, je.text);
        errno = EINVAL;
        return NULL;
    }
    return j;
}

int rw_json_check_keys(json_t *obj, const char *const *allowed, const char *file,
                       const char *path, rw_error_t **err)
{
    if (!json_is_object(obj))
        return rw_error_set(err, EINVAL, "%s: %s: must be an object", file, path);
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        bool ok = false;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(*a, key) == 0) {
                ok = true;
                break;
            }
        if (!ok)
            return rw_error_set(err, EINVAL, "%s: %s.%s: unknown key", file, path, key);
    }
    return 0;
}

int rw_json_get_string(json_t *obj, const char *key, bool required, const char **out,
                       const char *file, const char *path, rw_error_t **err)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        if (required)
            return rw_error_set(err, EINVAL, "%s: %s.%s: required string is missing", file,
                                path, key);
        return 0;
    }
    if (!json_is_string(v))
        return rw_error_set(err, EINVAL, "%s: %s.%s: must be a string", file, path, key);
    *out = json_string_value(v);
    return 1;
}

int rw_json_get_bool(json_t *obj, const char *key, bool *out, const char *file, const char *path,
                     rw_error_t **err)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (!json_is_boolean(v))
        return rw_error_set(err, EINVAL, "%s: %s.%s: must be true or false", file, path, key);
    *out = json_is_true(v);
    return 1;
}

int rw_json_get_int(json_t *obj, const char *key, long long min, long long max, long long *out,
                    const char *file, const char *path, rw_error_t **err)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (!json_is_integer(v))
        return rw_error_set(err, EINVAL, "%s: %s.%s: must be an integer", file, path, key);
    long long n = json_integer_value(v);
    if (n < min || n > max)
        return rw_error_set(err, ERANGE, "%s: %s.%s: %lld is outside %lld..%lld", file, path,
                            key, n, min, max);
    *out = n;
    return 1;
}

int rw_json_get_strv(json_t *obj, const char *key, char ***out, const char *file,
                     const char *path, rw_error_t **err)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (!json_is_array(v))
        return rw_error_set(err, EINVAL, "%s: %s.%s: must be an array of strings", file, path,
                            key);
    size_t n = json_array_size(v);
    cleanup_strv char **strv = calloc(n + 1, sizeof(char *));
    if (!strv)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(v, i);
        if (!json_is_string(s))
            return rw_error_set(err, EINVAL, "%s: %s.%s[%zu]: must be a string", file, path,
                                key, i);
        strv[i] = strdup(json_string_value(s));
        if (!strv[i])
            return -ENOMEM;
    }
    rw_strv_freep(out);
    *out = TAKE_PTR(strv);
    return 1;
}

char *rw_json_dump(const json_t *j)
{
    return json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
}

char *rw_json_dump_compact(const json_t *j)
{
    return json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
}
