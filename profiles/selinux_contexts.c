/* The containers SELinux contexts file and label arithmetic, with go-selinux's semantics so
 * the labels runwarden computes are the ones podman would. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/fileio.h"
#include "selinux.h"

#define SELINUX_MAGIC 0xf97cff8cu

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* [s, e) trimmed of spaces, then (for values) of '"' at both ends. */
static void trim(const char **s, const char **e, bool quotes)
{
    while (*s < *e && is_space(**s))
        (*s)++;
    while (*e > *s && is_space((*e)[-1]))
        (*e)--;
    if (!quotes)
        return;
    while (*s < *e && **s == '"')
        (*s)++;
    while (*e > *s && (*e)[-1] == '"')
        (*e)--;
}

static int set_key(rw_selinux_contexts_t *c, const char *k, size_t kl, const char *v, size_t vl,
                   rw_error_t **err)
{
    char *val = strndup(v, vl);
    if (!val)
        return -ENOMEM;
    for (size_t i = 0; i < c->n; i++)
        if (strlen(c->keys[i]) == kl && strncmp(c->keys[i], k, kl) == 0) {
            free(c->values[i]);
            c->values[i] = val;
            return 0;
        }
    if (c->n >= RW_SELINUX_MAX_KEYS) {
        free(val);
        return rw_error_set(err, E2BIG, "SELinux contexts: more than %d keys", RW_SELINUX_MAX_KEYS);
    }
    char *key = strndup(k, kl);
    if (!key) {
        free(val);
        return -ENOMEM;
    }
    c->keys[c->n] = key;
    c->values[c->n] = val;
    c->n++;
    return 0;
}

int rw_selinux_contexts_parse(const char *buf, size_t len, rw_selinux_contexts_t *out,
                              rw_error_t **err)
{
    if (len > RW_SELINUX_CONTEXTS_MAX)
        return rw_error_set(err, EFBIG, "SELinux contexts: larger than %u bytes",
                            RW_SELINUX_CONTEXTS_MAX);
    if (memchr(buf, '\0', len))
        return rw_error_set(err, EINVAL, "SELinux contexts: contains a NUL byte");
    const char *p = buf, *end = buf + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *s = p, *e = le;
        p = nl ? nl + 1 : end;
        trim(&s, &e, false);
        if (s == e || *s == '#' || *s == ';')
            continue;
        const char *eq = memchr(s, '=', (size_t)(e - s));
        if (!eq) {
            out->skipped_lines++;
            continue;
        }
        const char *ks = s, *ke = eq, *vs = eq + 1, *ve = e;
        trim(&ks, &ke, false);
        trim(&vs, &ve, true);
        int r = set_key(out, ks, (size_t)(ke - ks), vs, (size_t)(ve - vs), err);
        if (r < 0)
            return r;
    }
    return 0;
}

void rw_selinux_contexts_clear(rw_selinux_contexts_t *c)
{
    free(c->path);
    for (size_t i = 0; i < c->n; i++) {
        free(c->keys[i]);
        free(c->values[i]);
    }
    memset(c, 0, sizeof(*c));
}

const char *rw_selinux_contexts_get(const rw_selinux_contexts_t *c, const char *key)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->keys[i], key) == 0)
            return c->values[i];
    return NULL;
}

/* SELINUXTYPE= from /etc/selinux/config, for the lxc_contexts fallback. */
static char *policy_type(void)
{
    cleanup_free char *buf = NULL;
    size_t len = 0;
    if (rw_file_read_at(AT_FDCWD, "/etc/selinux/config", 64u << 10, &buf, &len, NULL, NULL) < 0)
        return NULL;
    for (char *line = buf; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        const char *s = line, *e = line + strlen(line);
        trim(&s, &e, false);
        if (e - s > 12 && strncmp(s, "SELINUXTYPE=", 12) == 0) {
            s += 12;
            trim(&s, &e, true);
            if (s < e && !memchr(s, '/', (size_t)(e - s)))
                return strndup(s, (size_t)(e - s));
        }
        line = nl ? nl + 1 : NULL;
    }
    return NULL;
}

int rw_selinux_contexts_load(const char *configured, rw_selinux_contexts_t *out, rw_error_t **err)
{
    memset(out, 0, sizeof(*out));
    cleanup_free char *lxc = NULL, *type = NULL;
    const char *path = configured;
    if (!path) {
        if (access(RW_SELINUX_CONTAINERS_CONTEXTS, F_OK) == 0)
            path = RW_SELINUX_CONTAINERS_CONTEXTS;
        else if ((type = policy_type()) &&
                 asprintf(&lxc, "/etc/selinux/%s/contexts/lxc_contexts", type) >= 0 &&
                 access(lxc, F_OK) == 0)
            path = lxc;
        else
            return 0;
    }
    cleanup_free char *buf = NULL;
    size_t len = 0;
    rw_error_t *e = NULL;
    int r = rw_file_read_at(AT_FDCWD, path, RW_SELINUX_CONTEXTS_MAX, &buf, &len, NULL, &e);
    if (r < 0) {
        rw_error_set(err, -r, "SELinux contexts %s: %s", path, e ? e->msg : "unreadable");
        rw_error_free(e);
        return r;
    }
    if ((r = rw_selinux_contexts_parse(buf, len, out, err)) < 0) {
        rw_error_prefix(err, "%s", path);
        rw_selinux_contexts_clear(out);
        return r;
    }
    if (!(out->path = strdup(path)))
        return -ENOMEM;
    return 0;
}

int rw_selinux_context_parse(const char *label, rw_selinux_context_t *out)
{
    memset(out, 0, sizeof(*out));
    const char *a = strchr(label, ':');
    const char *b = a ? strchr(a + 1, ':') : NULL;
    if (!a || !b)
        return -EINVAL;
    const char *c = strchr(b + 1, ':');
    out->user = strndup(label, (size_t)(a - label));
    out->role = strndup(a + 1, (size_t)(b - a - 1));
    out->type = c ? strndup(b + 1, (size_t)(c - b - 1)) : strdup(b + 1);
    out->level = c ? strdup(c + 1) : NULL;
    if (!out->user || !out->role || !out->type || (c && !out->level)) {
        rw_selinux_context_clear(out);
        return -ENOMEM;
    }
    return 0;
}

void rw_selinux_context_clear(rw_selinux_context_t *c)
{
    free(c->user);
    free(c->role);
    free(c->type);
    free(c->level);
    memset(c, 0, sizeof(*c));
}

int rw_selinux_with_level(const char *label, const char *level, char **ret)
{
    rw_selinux_context_t c;
    int r = rw_selinux_context_parse(label, &c);
    if (r < 0)
        return r;
    if (level && *level)
        r = asprintf(ret, "%s:%s:%s:%s", c.user, c.role, c.type, level);
    else
        r = asprintf(ret, "%s:%s:%s", c.user, c.role, c.type);
    rw_selinux_context_clear(&c);
    return r < 0 ? -ENOMEM : 0;
}

static int parse_cat(const char *s, const char **end, unsigned *out)
{
    if (*s != 'c' || s[1] < '0' || s[1] > '9')
        return -EINVAL;
    unsigned v = 0;
    const char *p = s + 1;
    for (; *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (unsigned)(*p - '0');
        if (v > 1023)
            return -EINVAL;
    }
    if (p - s > 2 && s[1] == '0') /* no leading zeros: one spelling per pair */
        return -EINVAL;
    *out = v;
    *end = p;
    return 0;
}

int rw_selinux_mcs_parse(const char *level, unsigned *a, unsigned *b)
{
    if (strncmp(level, "s0:", 3) != 0)
        return -EINVAL;
    const char *p = level + 3;
    if (parse_cat(p, &p, a) < 0 || *p != ',' || parse_cat(p + 1, &p, b) < 0 || *p || *a >= *b)
        return -EINVAL;
    return 0;
}

int rw_selinux_labels(const rw_selinux_contexts_t *c, const char *level, char **ret_process,
                      char **ret_mount)
{
    const char *proc = rw_selinux_contexts_get(c, "process");
    const char *file = rw_selinux_contexts_get(c, "file");
    *ret_process = *ret_mount = NULL;
    if (!proc || !*proc || !file || !*file) {
        *ret_process = strdup("");
        *ret_mount = strdup(file ? file : "");
        return *ret_process && *ret_mount ? 0 : -ENOMEM;
    }
    rw_selinux_context_t pc;
    int r = rw_selinux_context_parse(proc, &pc);
    if (r < 0)
        return r;
    bool has_level = pc.level && *pc.level;
    rw_selinux_context_clear(&pc);
    if (!has_level) {
        *ret_process = strdup(proc);
        *ret_mount = strdup(file);
        return *ret_process && *ret_mount ? 0 : -ENOMEM;
    }
    if ((r = rw_selinux_with_level(proc, level, ret_process)) < 0)
        return r;
    if ((r = rw_selinux_with_level(file, level, ret_mount)) < 0) {
        free(*ret_process);
        *ret_process = NULL;
        return r;
    }
    return 0;
}

int rw_selinux_privileged_mount_label(const rw_selinux_contexts_t *c, char **ret)
{
    const char *file = rw_selinux_contexts_get(c, "file");
    if (!file || !*file) {
        *ret = strdup("");
        return *ret ? 0 : -ENOMEM;
    }
    return rw_selinux_with_level(file, "s0:c1022,c1023", ret);
}

bool rw_selinux_host_enabled(void)
{
    struct statfs sf;
    if (statfs("/sys/fs/selinux", &sf) < 0 || (unsigned long)sf.f_type != SELINUX_MAGIC)
        return false;
    return access("/sys/fs/selinux/enforce", R_OK) == 0;
}
