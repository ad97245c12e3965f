/* Finding lists and their one-line rendering. Values are made printable so that a hostile
 * string cannot forge extra log lines or terminal escapes. */
#include "verdict.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *printable_dup(const char *s, size_t max)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    bool cut = n > max;
    if (cut)
        n = max;
    char *out = malloc(n * 4 + 4);
    if (!out)
        return NULL;
    char *o = out;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) {
            o += snprintf(o, 5, "\\x%02x", c);
        } else {
            *o++ = (char)c;
        }
    }
    if (cut) {
        memcpy(o, "...", 3);
        o += 3;
    }
    *o = '\0';
    return out;
}

int rw_findings_add(rw_findings_t *f, rw_severity_t sev, const char *stage, const char *rule,
                    const char *field, const char *value, const char *fix)
{
    if (f->n == f->cap) {
        size_t ncap = f->cap ? f->cap * 2 : 8;
        rw_finding_t *ni = realloc(f->items, ncap * sizeof(*ni));
        if (!ni)
            return -ENOMEM;
        f->items = ni;
        f->cap = ncap;
    }
    rw_finding_t *fi = &f->items[f->n];
    memset(fi, 0, sizeof(*fi));
    fi->severity = sev;
    fi->stage = printable_dup(stage ? stage : "", 64);
    fi->rule = printable_dup(rule ? rule : "", 128);
    fi->field = printable_dup(field ? field : "", 256);
    fi->value = printable_dup(value ? value : "", 256);
    fi->fix = printable_dup(fix ? fix : "", 512);
    if (!fi->stage || !fi->rule || !fi->field || !fi->value || !fi->fix)
        return -ENOMEM;
    f->n++;
    return 0;
}

void rw_findings_free(rw_findings_t *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->items[i].stage);
        free(f->items[i].rule);
        free(f->items[i].field);
        free(f->items[i].value);
        free(f->items[i].fix);
    }
    free(f->items);
    memset(f, 0, sizeof(*f));
}

const rw_finding_t *rw_findings_first(const rw_findings_t *f, rw_severity_t sev)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->items[i].severity == sev)
            return &f->items[i];
    return NULL;
}

char *rw_finding_format(const rw_finding_t *fi)
{
    char *s = NULL;
    if (asprintf(&s, "rule %s: %s=%s; %s", fi->rule, fi->field, fi->value, fi->fix) < 0)
        return NULL;
    return s;
}

const char *rw_mode_name(rw_mode_t m)
{
    switch (m) {
    case RW_MODE_ENFORCE:
        return "enforce";
    case RW_MODE_WARN:
        return "warn";
    case RW_MODE_AUDIT:
        return "audit";
    default:
        return "?";
    }
}

int rw_mode_parse(const char *s, rw_mode_t *out)
{
    if (strcmp(s, "enforce") == 0)
        *out = RW_MODE_ENFORCE;
    else if (strcmp(s, "warn") == 0)
        *out = RW_MODE_WARN;
    else if (strcmp(s, "audit") == 0)
        *out = RW_MODE_AUDIT;
    else
        return -EINVAL;
    return 0;
}

const char *rw_severity_name(rw_severity_t s)
{
    switch (s) {
    case RW_SEV_INFO:
        return "info";
    case RW_SEV_WARN:
        return "warn";
    case RW_SEV_REFUSE:
        return "refuse";
    default:
        return "?";
    }
}
