/* JSON reading helpers shared by the seccomp profile and OCI readers: key checks that hint
 * at case mistakes (Go's decoder matches keys case-insensitively, we do not), unsigned
 * integers with ranges, and string arrays where null means absent as it does in Go. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"
#include "seccomp_types.h"

/* Unknown keys of obj: an error, or (when w is non-NULL) a warning named
 * "seccomp.unknown-key" and the key is ignored, as the runtime would. */
int rw_seccomp_json_keys(json_t *obj, const char *const *allowed, const char *file,
                         const char *path, rw_seccomp_warnings_t *w, rw_error_t **err);
/* v must be a JSON integer in 0..max. */
int rw_seccomp_json_uint(json_t *v, uint64_t max, uint64_t *out, const char *file, const char *path,
                         rw_error_t **err);
/* v: NULL or null gives an empty list; else an array of non-empty strings. */
int rw_seccomp_json_strv(json_t *v, char ***out, size_t *n, const char *file, const char *path,
                         rw_error_t **err);
/* v: NULL or null gives *out = NULL; else a string (returned borrowed). */
int rw_seccomp_json_str(json_t *v, const char **out, const char *file, const char *path,
                        rw_error_t **err);
#define RW_SECCOMP_PATH_MAX 256
/* Formats a JSON path for messages into buf (RW_SECCOMP_PATH_MAX bytes, truncated). */
void rw_seccomp_path(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* True when v is absent or JSON null. */
static inline bool rw_seccomp_json_absent(json_t *v)
{
    return !v || json_is_null(v);
}
