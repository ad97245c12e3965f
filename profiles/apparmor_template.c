/* The AppArmor template language: line directives for parser-version and file-existence
 * conditions (what containers/common decides in Go), and three placeholders. Strict, so a
 * broken template fails at test time with file:line rather than shipping a weaker profile. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "apparmor.h"

#define MAX_DEPTH 8

static int parse_triplet(const char *s, int *ret)
{
    long part[3] = {0, 0, 0};
    int n = 0;
    const char *p = s;
    while (n < 3) {
        char *end = NULL;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (errno || end == p || v < 0 || v > 999)
            return -EINVAL;
        part[n++] = v;
        p = end;
        if (*p != '.')
            break;
        p++;
    }
    if (*p)
        return -EINVAL;
    *ret = (int)(part[0] * 100000 + part[1] * 1000 + part[2]);
    return 0;
}

int rw_apparmor_version_parse(const char *line, int *ret)
{
    /* the last word of the first line */
    size_t n = strcspn(line, "\n");
    cleanup_free char *first = strndup(line, n);
    if (!first)
        return -ENOMEM;
    while (n > 0 && (first[n - 1] == ' ' || first[n - 1] == '\t' || first[n - 1] == '\r'))
        first[--n] = '\0';
    char *word = strrchr(first, ' ');
    word = word ? word + 1 : first;
    word[strcspn(word, "-~")] = '\0';
    return parse_triplet(word, ret);
}

static bool host_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

typedef struct frame {
    bool parent_active, cond, in_else;
    size_t line;
} frame_t;

static bool frame_active(const frame_t *f)
{
    return f->parent_active && (f->in_else ? !f->cond : f->cond);
}

static int directive(const char *d, size_t lineno, const char *file, const rw_apparmor_vars_t *vars,
                     frame_t *stack, size_t *depth, bool *active, rw_error_t **err)
{
    if (d[0] == '#')
        return 0;
    if (strncmp(d, "if ", 3) == 0) {
        if (*depth >= MAX_DEPTH)
            return rw_error_set(err, EINVAL, "%s:%zu: %%if nested deeper than %d", file, lineno,
                                MAX_DEPTH);
        const char *c = d + 3;
        bool cond;
        if (strncmp(c, "parser >= ", 10) == 0 || strncmp(c, "parser < ", 9) == 0) {
            bool ge = c[7] == '>';
            int v = 0;
            if (parse_triplet(c + (ge ? 10 : 9), &v) < 0)
                return rw_error_set(err, EINVAL, "%s:%zu: bad version in '%%%s'", file, lineno, d);
            cond = ge ? vars->parser_version >= v : vars->parser_version < v;
        } else if (strncmp(c, "exists /", 8) == 0 || strncmp(c, "!exists /", 9) == 0) {
            bool neg = c[0] == '!';
            const char *p = c + (neg ? 8 : 7);
            if (strpbrk(p, " \t"))
                return rw_error_set(err, EINVAL, "%s:%zu: one absolute path after exists", file,
                                    lineno);
            bool (*ex)(const char *) = vars->exists ? vars->exists : host_exists;
            cond = ex(p) != neg;
        } else {
            return rw_error_set(err, EINVAL,
                                "%s:%zu: unknown condition '%s' (parser >= X.Y.Z, parser < "
                                "X.Y.Z, exists /path, !exists /path)",
                                file, lineno, c);
        }
        stack[*depth] = (frame_t){*active, cond, false, lineno};
        (*depth)++;
        *active = frame_active(&stack[*depth - 1]);
        return 0;
    }
    if (strcmp(d, "else") == 0) {
        if (*depth == 0 || stack[*depth - 1].in_else)
            return rw_error_set(err, EINVAL, "%s:%zu: %%else without %%if", file, lineno);
        stack[*depth - 1].in_else = true;
        *active = frame_active(&stack[*depth - 1]);
        return 0;
    }
    if (strcmp(d, "endif") == 0) {
        if (*depth == 0)
            return rw_error_set(err, EINVAL, "%s:%zu: %%endif without %%if", file, lineno);
        (*depth)--;
        *active = stack[*depth].parent_active;
        return 0;
    }
    return rw_error_set(err, EINVAL, "%s:%zu: unknown directive '%%%s'", file, lineno, d);
}

/* Writes one text line with its placeholders substituted. */
static int text_line(FILE *out, const char *line, size_t lineno, const char *file,
                     const rw_apparmor_vars_t *vars, unsigned counts[3], rw_error_t **err)
{
    static const char *const names[] = {"name", "network", "tenant_rules"};
    const char *values[] = {vars->name, vars->network, vars->tenant_rules};
    const char *p = line;
    for (;;) {
        const char *o = strstr(p, "{{");
        if (!o) {
            fputs(p, out);
            break;
        }
        fwrite(p, 1, (size_t)(o - p), out);
        const char *c = strstr(o + 2, "}}");
        if (!c)
            return rw_error_set(err, EINVAL, "%s:%zu: '{{' without '}}'", file, lineno);
        size_t n = (size_t)(c - (o + 2));
        size_t i = 0;
        for (; i < RW_ARRAY_SIZE(names); i++)
            if (strlen(names[i]) == n && strncmp(o + 2, names[i], n) == 0)
                break;
        if (i == RW_ARRAY_SIZE(names))
            return rw_error_set(err, EINVAL,
                                "%s:%zu: unknown placeholder '{{%.*s}}' (name, network, "
                                "tenant_rules)",
                                file, lineno, (int)(n > 40 ? 40 : n), o + 2);
        fputs(values[i] ? values[i] : "", out);
        counts[i]++;
        p = c + 2;
    }
    fputc('\n', out);
    return 0;
}

int rw_apparmor_template_render(const char *tmpl, size_t len, const char *file,
                                const rw_apparmor_vars_t *vars, char **ret, rw_error_t **err)
{
    if (len > RW_APPARMOR_TEMPLATE_MAX)
        return rw_error_set(err, EFBIG, "%s: template larger than %u bytes", file,
                            RW_APPARMOR_TEMPLATE_MAX);
    if (memchr(tmpl, '\0', len))
        return rw_error_set(err, EINVAL, "%s: template contains a NUL byte", file);
    cleanup_free char *buf = NULL;
    size_t buf_len = 0;
    FILE *out = open_memstream(&buf, &buf_len);
    if (!out)
        return -ENOMEM;
    cleanup_free char *copy = strndup(tmpl, len);
    if (!copy) {
        fclose(out);
        return -ENOMEM;
    }
    frame_t stack[MAX_DEPTH];
    size_t depth = 0, lineno = 0;
    bool active = true;
    unsigned counts[3] = {0, 0, 0};
    int r = 0;
    char *save = copy;
    while (r >= 0 && save && *save) {
        char *line = save;
        char *nl = strchr(line, '\n');
        if (nl) {
            *nl = '\0';
            save = nl + 1;
        } else {
            save = NULL;
        }
        lineno++;
        size_t l = strlen(line);
        if (l && line[l - 1] == '\r')
            line[--l] = '\0';
        if (line[0] == '%')
            r = directive(line + 1, lineno, file, vars, stack, &depth, &active, err);
        else if (active)
            r = text_line(out, line, lineno, file, vars, counts, err);
    }
    if (fclose(out) != 0 && r >= 0)
        r = -ENOMEM;
    if (r < 0)
        return r;
    if (depth)
        return rw_error_set(err, EINVAL, "%s:%zu: %%if is never closed by %%endif", file,
                            stack[depth - 1].line);
    if (counts[0] == 0)
        return rw_error_set(err, EINVAL, "%s: the rendered profile never uses {{name}}", file);
    if (counts[1] != 1 || counts[2] != 1)
        return rw_error_set(err, EINVAL,
                            "%s: the rendered profile must use {{network}} and {{tenant_rules}} "
                            "exactly once (found %u and %u): tenant rules would be lost",
                            file, counts[1], counts[2]);
    *ret = TAKE_PTR(buf);
    return 0;
}
