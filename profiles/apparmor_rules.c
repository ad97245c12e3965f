/* A tenant's file and network rules written as AppArmor rules. Paths were validated by the
 * config parser (no glob characters), so they are written as they are. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "apparmor.h"

static bool beneath_or_same(const char *child, const char *parent)
{
    if (strcmp(parent, "/") == 0)
        return true;
    size_t n = strlen(parent);
    return strncmp(child, parent, n) == 0 && (child[n] == '\0' || child[n] == '/');
}

/* PATH and everything beneath it. */
static void glob_of(FILE *f, const char *path)
{
    if (strcmp(path, "/") == 0)
        fputs("/{,**}", f);
    else
        fprintf(f, "%s{,/**}", path);
}

static int __attribute__((format(printf, 2, 3))) add_limit(json_t *limits, const char *fmt, ...)
{
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -ENOMEM;
    int r = json_array_append_new(limits, json_string(s)) < 0 ? -ENOMEM : 0;
    free(s);
    return r;
}

int rw_apparmor_tenant_rules(const rw_lsm_tenant_t *t, char **ret_rules, char **ret_network,
                             json_t **ret_limits)
{
    cleanup_free char *rules = NULL, *net = NULL;
    size_t rl = 0, nl = 0;
    json_t *limits = json_array();
    if (!limits)
        return -ENOMEM;
    FILE *f = open_memstream(&rules, &rl);
    if (!f) {
        json_decref(limits);
        return -ENOMEM;
    }
    int r = 0;
    fprintf(f, "  # tenant %s: file rules", t->name);
    if (!t->deny[0] && !t->read_only[0])
        fputs("\n  # (none)", f);
    for (char **p = t->deny; *p; p++) {
        fputs("\n  deny ", f);
        glob_of(f, *p);
        fputs(" mrwklx,", f);
    }
    for (char **p = t->read_only; *p; p++) {
        fputs("\n  deny ", f);
        glob_of(f, *p);
        fputs(" wl,", f);
    }
    /* Deny rules win over any allow in AppArmor 3, so a writable hole in a read-only or
     * denied tree stays closed: stricter than written, and said so. */
    for (char **w = t->read_write; *w && r >= 0; w++) {
        for (char **p = t->deny; *p && r >= 0; p++)
            if (beneath_or_same(*w, *p))
                r = add_limit(limits, "apparmor: readWrite %s stays denied (beneath deny %s)", *w,
                              *p);
        for (char **p = t->read_only; *p && r >= 0; p++)
            if (beneath_or_same(*w, *p))
                r = add_limit(
                    limits, "apparmor: readWrite %s stays read-only (beneath readOnly %s)", *w, *p);
    }
    if (fclose(f) != 0 && r >= 0)
        r = -ENOMEM;

    if (r >= 0) {
        FILE *g = open_memstream(&net, &nl);
        if (!g)
            r = -ENOMEM;
        else {
            if (!t->network)
                fputs("  network,", g);
            else if (!t->network[0])
                fprintf(g, "  # tenant %s: no network family\n  deny network,", t->name);
            else {
                fprintf(g, "  # tenant %s: network families", t->name);
                for (char **n = t->network; *n; n++)
                    fprintf(g, "\n  network %s,", *n);
            }
            if (fclose(g) != 0)
                r = -ENOMEM;
        }
    }
    if (r < 0) {
        json_decref(limits);
        return r;
    }
    *ret_rules = TAKE_PTR(rules);
    *ret_network = TAKE_PTR(net);
    *ret_limits = limits;
    return 0;
}
