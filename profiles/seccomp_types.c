/* Lifetimes of the shared seccomp types: freeing an OCI section and collecting warnings. */
#include "seccomp_types.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"

void rw_seccomp_oci_free(rw_seccomp_oci_t *o)
{
    if (!o)
        return;
    rw_strv_freep(&o->architectures);
    rw_strv_freep(&o->flags);
    free(o->listener_path);
    free(o->listener_metadata);
    for (size_t i = 0; i < o->n_rules; i++) {
        rw_strv_freep(&o->rules[i].names);
        free(o->rules[i].args);
    }
    free(o->rules);
    free(o);
}

int rw_seccomp_warn(rw_seccomp_warnings_t *w, const char *rule, const char *path, const char *fmt,
                    ...)
{
    if (!w)
        return 0;
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 8;
        rw_seccomp_warning_t *n = realloc(w->items, cap * sizeof(*n));
        if (!n)
            return -ENOMEM;
        w->items = n;
        w->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    int r = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (r < 0)
        return -ENOMEM;
    rw_seccomp_warning_t *it = &w->items[w->n];
    it->rule = strdup(rule);
    it->path = strdup(path ? path : "");
    it->msg = msg;
    if (!it->rule || !it->path) {
        free(it->rule);
        free(it->path);
        free(msg);
        return -ENOMEM;
    }
    w->n++;
    return 0;
}

void rw_seccomp_warnings_clear(rw_seccomp_warnings_t *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n; i++) {
        free(w->items[i].rule);
        free(w->items[i].path);
        free(w->items[i].msg);
    }
    free(w->items);
    memset(w, 0, sizeof(*w));
}
