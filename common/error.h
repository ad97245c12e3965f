/* Error objects: fallible functions return -errno and, where the operator needs context
 * (file, field, rule), fill an rw_error_t. Only main() prints. */
#pragma once

#include <stdarg.h>

typedef struct rw_error {
    int code;  /* positive errno */
    char *msg; /* one line, no trailing newline */
} rw_error_t;

/* Sets *err (if err is non-NULL and empty) and returns -code. */
int rw_error_set(rw_error_t **err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Like rw_error_set, appends ": strerror(code)". */
int rw_error_setsys(rw_error_t **err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prepends "prefix: " to an existing message; returns -code of the error. */
int rw_error_prefix(rw_error_t **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rw_error_free(rw_error_t *err);
void rw_error_freep(rw_error_t **err);
#define cleanup_error __attribute__((cleanup(rw_error_freep)))
