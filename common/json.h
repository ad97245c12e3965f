/* JSON helpers over jansson: bounded, strict parsing of untrusted documents and
 * error messages that name the file and the JSON path. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

static inline void rw_json_decrefp(json_t **j)
{
    if (*j)
        json_decref(*j);
}
#define cleanup_json __attribute__((cleanup(rw_json_decrefp)))

/* Parses UTF-8 JSON (duplicate keys and NUL in strings refused). 'what' names the source. */
json_t *rw_json_parse(const char *buf, size_t len, const char *what, rw_error_t **err);

/* Refuses any key of obj not in the NULL-terminated list; names file and path. */
int rw_json_check_keys(json_t *obj, const char *const *allowed, const char *file,
                       const char *path, rw_error_t **err);

/* Typed getters: a missing key leaves *out untouched and returns 0 unless required;
 * a wrong type is an error naming file and path.key. */
int rw_json_get_string(json_t *obj, const char *key, bool required, const char **out,
                       const char *file, const char *path, rw_error_t **err);
int rw_json_get_bool(json_t *obj, const char *key, bool *out, const char *file, const char *path,
                     rw_error_t **err);
int rw_json_get_int(json_t *obj, const char *key, long long min, long long max, long long *out,
                    const char *file, const char *path, rw_error_t **err);
/* Array of strings, returned as a NULL-terminated strv (caller frees). */
int rw_json_get_strv(json_t *obj, const char *key, char ***out, const char *file,
                     const char *path, rw_error_t **err);

/* Serialises with stable formatting (indent 2, keys in insertion order). Caller frees. */
char *rw_json_dump(const json_t *j);
/* Compact single-line form for logs. */
char *rw_json_dump_compact(const json_t *j);
