/* mounts.conf selection and line syntax, mirroring containers/common pkg/subscriptions
 * (v0.50.1, the Debian 12 version): no merging, first existing file wins, lines kept
 * untrimmed, HOST[:CONTAINER] split at the first colon. */
#include "mounts_conf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/cleanup.h"

char *rw_mounts_conf_user_path(const char *home)
{
    if (!home || home[0] != '/')
        return NULL;
    char *p = NULL;
    size_t hl = strlen(home);
    bool slash = hl > 0 && home[hl - 1] == '/';
    if (asprintf(&p, "%s%s%s", home, slash ? "" : "/", RW_MOUNTS_CONF_USER_REL) < 0)
        return NULL;
    return p;
}

static bool exists(const char *path)
{
    struct stat st;
    /* os.Stat: follows links; any error means "does not exist" for the selection. */
    return path && stat(path, &st) == 0;
}

int rw_mounts_conf_pick(const char *only, bool rootless, const char *user_file,
                        const char *etc_file, const char *share_file, char **ret)
{
    *ret = NULL;
    const char *cands[3] = {NULL, NULL, NULL};
    size_t n = 0;
    if (only && *only) {
        cands[n++] = only;
    } else {
        if (rootless && user_file)
            cands[n++] = user_file;
        cands[n++] = etc_file ? etc_file : RW_MOUNTS_CONF_OVERRIDE;
        cands[n++] = share_file ? share_file : RW_MOUNTS_CONF_DEFAULT;
    }
    for (size_t i = 0; i < n; i++)
        if (exists(cands[i])) {
            *ret = strdup(cands[i]);
            return *ret ? 0 : -ENOMEM;
        }
    return 0;
}

static bool is_go_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static int add_entry(rw_mounts_conf_t *c, const char *line, size_t len, unsigned lineno)
{
    rw_mounts_entry_t *n = realloc(c->entries, (c->n + 1) * sizeof(*n));
    if (!n)
        return -ENOMEM;
    c->entries = n;
    rw_mounts_entry_t *e = &n[c->n];
    memset(e, 0, sizeof(*e));
    const char *colon = memchr(line, ':', len);
    size_t hl = colon ? (size_t)(colon - line) : len;
    e->host = strndup(line, hl);
    e->dest = colon ? strndup(colon + 1, len - hl - 1) : strndup(line, len);
    e->line = lineno;
    if (!e->host || !e->dest) {
        free(e->host);
        free(e->dest);
        return -ENOMEM;
    }
    c->n++;
    return 0;
}

int rw_mounts_conf_parse(const char *buf, size_t len, const char *file, rw_mounts_conf_t **ret,
                         rw_error_t **err)
{
    rw_mounts_conf_t *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    if (!(c->file = strdup(file ? file : "mounts.conf"))) {
        free(c);
        return -ENOMEM;
    }
    size_t pos = 0;
    unsigned lineno = 0;
    while (pos < len) {
        const char *start = buf + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - start) : len - pos;
        lineno++;
        /* The scanner's buffer holds the line and its newline. */
        if (ll + (nl ? 1 : 0) > RW_MOUNTS_CONF_MAX_LINE) {
            c->truncated = true;
            break;
        }
        pos += ll + (nl ? 1 : 0);
        /* ScanLines drops one carriage return before the newline (or at EOF). */
        if (ll > 0 && start[ll - 1] == '\r')
            ll--;
        size_t i = 0;
        while (i < ll && is_go_space(start[i]))
            i++;
        /* A NUL can never be part of a path the kernel accepts: not a mount line. */
        if (i < ll && start[i] == '/' && !memchr(start, '\0', ll)) {
            int r = add_entry(c, start, ll, lineno);
            if (r < 0) {
                rw_mounts_conf_free(c);
                return rw_error_set(err, -r, "%s: out of memory", file);
            }
        } else {
            c->skipped++;
        }
    }
    *ret = c;
    return 0;
}

int rw_mounts_conf_load(const char *path, rw_mounts_conf_t **ret, rw_error_t **err)
{
    /* Links are followed, as the Go code opens the path; the admin owns these paths. */
    cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return rw_error_setsys(err, errno, "%s: cannot open", path);
    struct stat st;
    if (fstat(fd, &st) < 0)
        return rw_error_setsys(err, errno, "%s: cannot stat", path);
    if (!S_ISREG(st.st_mode))
        return rw_error_set(err, EINVAL, "%s: is not a regular file", path);
    if ((size_t)st.st_size > RW_MOUNTS_CONF_MAX_SIZE)
        return rw_error_set(err, EFBIG, "%s: larger than %u bytes", path, RW_MOUNTS_CONF_MAX_SIZE);
    cleanup_free char *buf = malloc(RW_MOUNTS_CONF_MAX_SIZE + 1);
    if (!buf)
        return -ENOMEM;
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, buf + len, RW_MOUNTS_CONF_MAX_SIZE + 1 - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return rw_error_setsys(err, errno, "%s: read failed", path);
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > RW_MOUNTS_CONF_MAX_SIZE)
            return rw_error_set(err, EFBIG, "%s: larger than %u bytes", path,
                                RW_MOUNTS_CONF_MAX_SIZE);
    }
    return rw_mounts_conf_parse(buf, len, path, ret, err);
}

void rw_mounts_conf_free(rw_mounts_conf_t *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->entries[i].host);
        free(c->entries[i].dest);
    }
    free(c->entries);
    free(c->file);
    free(c);
}
