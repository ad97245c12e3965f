/* Rotation: the live file is sealed, renamed to PATH.<last seq> and replaced by a new file
 * whose first record (`rotate`) links to the old file's last line, so the chain runs on
 * across files and verify can check them in order. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "audit_time.h"
#include "jsonstr.h"
#include "log.h"
#include "seal.h"

#define ROTATED_DIGITS 12

static void split(const char *path, char **dir, const char **base)
{
    const char *slash = strrchr(path, '/');
    *base = slash ? slash + 1 : path;
    *dir =
        slash ? (slash == path ? strdup("/") : strndup(path, (size_t)(slash - path))) : strdup(".");
}

int rw_audit_log_rotate(rw_audit_log_t *l, const char *reason, rw_error_t **err)
{
    const char *path = l->opts->path;
    if (l->size == 0)
        return 0; /* nothing to rotate */
    /* Close the old file with a seal so it is complete on its own. */
    if (l->opts->key_path) {
        rw_error_t *se = NULL;
        (void)rw_audit_seal_now(l, l->opts->key_path, "rotate", &se);
        rw_error_free(se);
    }
    cleanup_free char *dir = NULL;
    const char *base = NULL;
    split(path, &dir, &base);
    if (!dir)
        return -ENOMEM;
    cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return rw_error_setsys(err, errno, "cannot open %s", dir);
    char rotated[512];
    int n = snprintf(rotated, sizeof(rotated), "%s.%0*llu", base, ROTATED_DIGITS,
                     (unsigned long long)l->last_seq);
    if (n < 0 || (size_t)n >= sizeof(rotated))
        return rw_error_set(err, ENAMETOOLONG, "%s: name too long to rotate", path);
    if (fdatasync(l->fd) < 0)
        return rw_error_setsys(err, errno, "cannot flush %s", path);
    if (renameat2(dfd, base, dfd, rotated, RENAME_NOREPLACE) < 0)
        return rw_error_setsys(err, errno, "cannot rename %s to %s", path, rotated);
    int fd = openat(dfd, base, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        int e = errno;
        /* put the old file back so appends continue */
        (void)renameat2(dfd, rotated, dfd, base, RENAME_NOREPLACE);
        return rw_error_setsys(err, e, "cannot create a new %s", path);
    }
    (void)fsync(dfd);
    close(l->fd);
    l->fd = fd;
    l->size = 0;
    l->dir_unsynced = false; /* just synced */
    char t[RW_AUDIT_TIME_LEN];
    rw_audit_time_now(t);
    char body[700];
    n = snprintf(body, sizeof(body),
                 "{\"event\":\"rotate\",\"time\":\"%s\",\"reason\":\"%s\",\"previous\":\"%s\"}", t,
                 reason, rotated);
    if (n < 0 || (size_t)n >= sizeof(body))
        return -ENAMETOOLONG;
    return rw_audit_log_write(l, body, (size_t)n, true, NULL, err);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_rotated_name(const char *name, const char *base, size_t blen)
{
    if (strncmp(name, base, blen) != 0 || name[blen] != '.')
        return false;
    const char *d = name + blen + 1;
    size_t n = strlen(d);
    if (n != ROTATED_DIGITS)
        return false;
    for (size_t i = 0; i < n; i++)
        if (d[i] < '0' || d[i] > '9')
            return false;
    return true;
}

int rw_audit_log_files(const char *path, char ***ret, rw_error_t **err)
{
    cleanup_free char *dir = NULL;
    const char *base = NULL;
    split(path, &dir, &base);
    if (!dir)
        return -ENOMEM;
    size_t blen = strlen(base);
    DIR *d = opendir(dir);
    size_t n = 0, cap = 8;
    cleanup_strv char **v = calloc(cap + 2, sizeof(char *));
    if (!v) {
        if (d)
            closedir(d);
        return -ENOMEM;
    }
    if (d) {
        struct dirent *de;
        while ((de = readdir(d))) {
            if (!is_rotated_name(de->d_name, base, blen))
                continue;
            if (n == cap) {
                char **nv = realloc(v, (cap * 2 + 2) * sizeof(char *));
                if (!nv) {
                    closedir(d);
                    return -ENOMEM;
                }
                v = nv;
                cap *= 2;
            }
            if (asprintf(&v[n], "%s/%s", dir, de->d_name) < 0) {
                v[n] = NULL;
                closedir(d);
                return -ENOMEM;
            }
            v[++n] = NULL;
        }
        closedir(d);
    } else if (errno != ENOENT) {
        return rw_error_setsys(err, errno, "cannot list %s", dir);
    }
    /* zero-padded sequence numbers: name order is chain order */
    qsort(v, n, sizeof(char *), cmp_str);
    struct stat st;
    if (lstat(path, &st) == 0) {
        v[n] = strdup(path);
        if (!v[n])
            return -ENOMEM;
        v[++n] = NULL;
    }
    v[n] = NULL;
    *ret = TAKE_PTR(v);
    return 0;
}
