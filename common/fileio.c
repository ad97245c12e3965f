/* Safe file I/O for untrusted paths (bundles, storage metadata, logs). */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

int rw_dir_open_at(int dirfd, const char *path, rw_error_t **err)
{
    int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ELOOP || e == ENOTDIR)
            return rw_error_set(err, e, "%s: not a directory (symbolic links are refused)", path);
        return rw_error_setsys(err, e, "%s: cannot open directory", path);
    }
    return fd;
}

int rw_file_read_at(int dirfd, const char *name, size_t max_size, char **ret_buf, size_t *ret_len,
                    struct stat *ret_st, rw_error_t **err)
{
    /* O_NONBLOCK so that a FIFO planted in place of the file cannot block us. */
    cleanup_close int fd =
        openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        int e = errno;
        if (e == ELOOP)
            return rw_error_set(err, e, "%s: is a symbolic link, refusing to follow it", name);
        return rw_error_setsys(err, e, "%s: cannot open", name);
    }
    struct stat st;
    if (fstat(fd, &st) < 0)
        return rw_error_setsys(err, errno, "%s: cannot stat", name);
    if (!S_ISREG(st.st_mode))
        return rw_error_set(err, EINVAL, "%s: is not a regular file", name);
    if ((size_t)st.st_size > max_size)
        return rw_error_set(err, EFBIG, "%s: is %lld bytes, more than the limit of %zu", name,
                            (long long)st.st_size, max_size);
    size_t cap = (size_t)st.st_size + 1;
    cleanup_free char *buf = malloc(cap);
    if (!buf)
        return rw_error_set(err, ENOMEM, "%s: out of memory", name);
    size_t len = 0;
    for (;;) {
        if (len + 1 >= cap) {
            /* The file grew while we read it: allow up to the limit. */
            if (cap > max_size)
                return rw_error_set(err, EFBIG, "%s: grew past the limit of %zu bytes", name,
                                    max_size);
            size_t ncap = cap * 2 > max_size + 1 ? max_size + 1 : cap * 2;
            char *nb = realloc(buf, ncap);
            if (!nb)
                return rw_error_set(err, ENOMEM, "%s: out of memory", name);
            buf = nb;
            cap = ncap;
        }
        ssize_t n = read(fd, buf + len, cap - 1 - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return rw_error_setsys(err, errno, "%s: read failed", name);
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    if (len > max_size)
        return rw_error_set(err, EFBIG, "%s: more than the limit of %zu bytes", name, max_size);
    buf[len] = '\0';
    if (ret_st)
        *ret_st = st;
    if (ret_len)
        *ret_len = len;
    *ret_buf = TAKE_PTR(buf);
    return 0;
}

int rw_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int rw_file_replace_at(int dirfd, const char *name, const void *buf, size_t len, mode_t mode,
                       uid_t uid, gid_t gid, rw_error_t **err)
{
    return rw_file_replace_at_sync(dirfd, name, buf, len, mode, uid, gid, RW_REPLACE_DURABLE, err);
}

int rw_file_replace_at_sync(int dirfd, const char *name, const void *buf, size_t len, mode_t mode,
                            uid_t uid, gid_t gid, rw_replace_sync_t sync, rw_error_t **err)
{
    char tmp[64];
    cleanup_close int fd = -1;
    for (int attempt = 0; attempt < 16 && fd < 0; attempt++) {
        unsigned rnd = 0;
        if (getentropy(&rnd, sizeof(rnd)) < 0)
            rnd = (unsigned)getpid() * 2654435761u + (unsigned)attempt;
        snprintf(tmp, sizeof(tmp), ".runwarden-%08x.tmp", rnd);
        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
            return rw_error_setsys(err, errno, "%s: cannot create temporary file", name);
    }
    if (fd < 0)
        return rw_error_set(err, EEXIST, "%s: cannot pick a temporary name", name);

    int r = rw_write_all(fd, buf, len);
    if (r < 0) {
        unlinkat(dirfd, tmp, 0);
        return rw_error_setsys(err, -r, "%s: write failed", name);
    }
    /* Owner first: fchown clears set-id bits, fchmod then restores the intended mode. */
    if (fchown(fd, uid, gid) < 0 && errno != EPERM) {
        int e = errno;
        unlinkat(dirfd, tmp, 0);
        return rw_error_setsys(err, e, "%s: cannot keep the owner", name);
    }
    if (fchmod(fd, mode & 07777) < 0 || (sync != RW_REPLACE_VOLATILE && fsync(fd) < 0)) {
        int e = errno;
        unlinkat(dirfd, tmp, 0);
        return rw_error_setsys(err, e, "%s: cannot finish temporary file", name);
    }
    if (renameat(dirfd, tmp, dirfd, name) < 0) {
        int e = errno;
        unlinkat(dirfd, tmp, 0);
        return rw_error_setsys(err, e, "%s: cannot replace", name);
    }
    if (sync == RW_REPLACE_DURABLE)
        (void)fsync(dirfd);
    return 0;
}

int rw_mkdir_p(const char *path, mode_t mode)
{
    if (!path || path[0] != '/')
        return -EINVAL;
    /* the common case, on every call of a busy path: everything is there already */
    if (mkdir(path, mode) == 0 || errno == EEXIST)
        return 0;
    if (errno != ENOENT)
        return -errno;
    cleanup_free char *p = strdup(path);
    if (!p)
        return -ENOMEM;
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, mode) < 0 && errno != EEXIST)
                return -errno;
            *s = c;
            if (c == '\0')
                break;
        }
    }
    return 0;
}
