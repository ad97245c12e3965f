/* Garbage collection of mounts.conf copies whose container is gone without a poststop
 * hook having run: the runtime failed the create after runwarden made the copy, or the
 * host crashed. The runtime's own state directory says whether a container still exists. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/fileio.h"
#include "secrets_copy.h"

static bool old_enough(const struct stat *st, unsigned min_age_s)
{
    time_t now = time(NULL);
    return now >= st->st_mtime && (unsigned long long)(now - st->st_mtime) >= min_age_s;
}

/* True when the copy in dirfd records a runtime state directory that is gone while the
 * runtime root above it is there (an unmounted /run must not look like "all gone"). */
static bool owner_gone(int dirfd, const char *name)
{
    cleanup_free char *mark = NULL, *owner = NULL;
    size_t len = 0;
    if (rw_file_read_at(dirfd, RW_SECRETS_MARKER, NAME_MAX + 1, &mark, &len, NULL, NULL) < 0 ||
        len != strlen(name) || memcmp(mark, name, len) != 0)
        return false; /* not ours for this name */
    if (rw_file_read_at(dirfd, RW_SECRETS_OWNER, PATH_MAX, &owner, &len, NULL, NULL) < 0 ||
        len == 0 || owner[0] != '/' || strlen(owner) != len || strstr(owner, "/../") ||
        strstr(owner, "/./"))
        return false; /* older copies carry no owner: only their poststop hook removes them */
    struct stat st;
    if (lstat(owner, &st) == 0 || errno != ENOENT)
        return false;
    char *slash = strrchr(owner, '/');
    if (slash == owner)
        return false;
    *slash = '\0';
    return stat(owner, &st) == 0 && S_ISDIR(st.st_mode);
}

int rw_secrets_gc(const char *base_dir, unsigned min_age_s, unsigned max_remove)
{
    int base = open(base_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (base < 0)
        return errno == ENOENT ? 0 : -errno;
    DIR *d = fdopendir(base);
    if (!d) {
        close(base);
        return -ENOMEM;
    }
    unsigned removed = 0;
    struct dirent *de;
    while (removed < max_remove && (de = readdir(d))) {
        const char *n = de->d_name;
        if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(base, n, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode) ||
            !old_enough(&st, min_age_s))
            continue;
        bool staging = n[0] == '.' && strstr(n, ".tmp-");
        if (!staging) {
            cleanup_close int fd = openat(base, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0 || !owner_gone(fd, n))
                continue;
        }
        if (rw_secrets_rm_named(base, n) == 0)
            removed++;
    }
    closedir(d);
    return (int)removed;
}
