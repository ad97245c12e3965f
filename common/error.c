/* Error object construction. Messages are bounded and never contain newlines, so a
 * refusal is always a single stderr line. */
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void flatten(char *s)
{
    for (; s && *s; s++)
        if (*s == '\n' || *s == '\r')
            *s = ' ';
}

static int set_va(rw_error_t **err, int code, int with_sys, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
static int set_va(rw_error_t **err, int code, int with_sys, const char *fmt, va_list ap)
{
    if (code <= 0)
        code = EINVAL;
    if (!err || *err)
        return -code;
    rw_error_t *e = calloc(1, sizeof(*e));
    if (!e)
        return -code;
    e->code = code;
    char *m = NULL;
    if (vasprintf(&m, fmt, ap) < 0)
        m = NULL;
    if (m && with_sys) {
        char *m2 = NULL;
        if (asprintf(&m2, "%s: %s", m, strerror(code)) >= 0) {
            free(m);
            m = m2;
        }
    }
    e->msg = m ? m : strdup("out of memory while reporting an error");
    flatten(e->msg);
    *err = e;
    return -code;
}

int rw_error_set(rw_error_t **err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = set_va(err, code, 0, fmt, ap);
    va_end(ap);
    return r;
}

int rw_error_setsys(rw_error_t **err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = set_va(err, code, 1, fmt, ap);
    va_end(ap);
    return r;
}

int rw_error_prefix(rw_error_t **err, const char *fmt, ...)
{
    if (!err || !*err)
        return -EINVAL;
    char *p = NULL, *m = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&p, fmt, ap) < 0)
        p = NULL;
    va_end(ap);
    if (p && asprintf(&m, "%s: %s", p, (*err)->msg ? (*err)->msg : "") >= 0) {
        flatten(m);
        free((*err)->msg);
        (*err)->msg = m;
    }
    free(p);
    return -(*err)->code;
}

void rw_error_free(rw_error_t *err)
{
    if (!err)
        return;
    free(err->msg);
    free(err);
}

void rw_error_freep(rw_error_t **err)
{
    rw_error_free(*err);
    *err = NULL;
}
