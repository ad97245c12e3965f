/* Copies mounts.conf sources into a per-container tree, never following a link out of a
 * source tree unless the policy allows it, bounded in files and bytes, staged under a
 * temporary name and renamed into place so a container never sees half a copy. */
#include "secrets_copy.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/fileio.h"

#define MAX_DEPTH 32

bool rw_secrets_rootless(void)
{
    const char *u = getenv("_CONTAINERS_USERNS_CONFIGURED");
    return geteuid() != 0 || (u && *u);
}

char *rw_secrets_base_dir(const rw_mounts_config_t *mc)
{
    if (mc->secrets_dir)
        return strdup(mc->secrets_dir);
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    if (rw_secrets_rootless() && xdg && xdg[0] == '/') {
        char *p = NULL;
        return asprintf(&p, "%s/runwarden/secrets", xdg) < 0 ? NULL : p;
    }
    return strdup(RW_MOUNTS_DEFAULT_SECRETS_DIR);
}

static long sys_openat2(int dirfd, const char *path, struct open_how *how)
{
    return syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
}

/* Re-opens an O_PATH fd for reading (a path fd cannot be read). */
static int reopen(int pathfd, int flags)
{
    char p[64];
    snprintf(p, sizeof(p), "/proc/self/fd/%d", pathfd);
    return open(p, flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
}

static int label_fd(const rw_secrets_copy_t *c, int fd)
{
    if (!c->selinux_label || !*c->selinux_label)
        return 0;
    if (fsetxattr(fd, "security.selinux", c->selinux_label, strlen(c->selinux_label) + 1, 0) < 0)
        return -errno;
    return 0;
}

/* Owner and label of something we created; the mode last (fchown may clear bits). */
static int finish_fd(const rw_secrets_copy_t *c, int fd, mode_t mode)
{
    if ((c->uid != 0 || c->gid != 0) && fchown(fd, c->uid, c->gid) < 0)
        return -errno;
    int r = label_fd(c, fd);
    if (r < 0)
        return r;
    return fchmod(fd, mode) < 0 ? -errno : 0;
}

static int remember(rw_secrets_copy_t *c, const char *rel)
{
    char **n = realloc(c->added, (c->n_added + 2) * sizeof(char *));
    if (!n)
        return -ENOMEM;
    c->added = n;
    if (!(n[c->n_added] = strdup(rel)))
        return -ENOMEM;
    n[++c->n_added] = NULL;
    return 0;
}

bool rw_secrets_has(rw_secrets_copy_t *c, const char *dest_rel)
{
    while (*dest_rel == '/')
        dest_rel++;
    for (size_t i = 0; i < c->n_added; i++) {
        const char *a = c->added[i];
        size_t n = strlen(a);
        if (strcmp(a, dest_rel) == 0 || (strncmp(dest_rel, a, n) == 0 && dest_rel[n] == '/'))
            return true;
    }
    if (c->dry_run || c->tmp_fd < 0)
        return false;
    struct stat st;
    return fstatat(c->tmp_fd, dest_rel, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static void make_parent_searchable(const char *dir)
{
    const char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return;
    cleanup_free char *parent = strndup(dir, (size_t)(slash - dir));
    const char *name = parent ? strrchr(parent, '/') : NULL;
    struct stat st;
    /* Only runwarden's own directory (/run/runwarden), never a directory of the site's. */
    if (!name || strcmp(name, "/runwarden") != 0 || stat(parent, &st) < 0 ||
        st.st_uid != geteuid() || (st.st_mode & 0111) == 0111)
        return;
    (void)chmod(parent, (st.st_mode & 07777) | 0111);
}

int rw_secrets_begin(rw_secrets_copy_t *c, const char *base_dir, const char *id, rw_error_t **err)
{
    c->base_fd = c->tmp_fd = -1;
    c->files = c->bytes = 0;
    c->added = NULL;
    c->n_added = 0;
    c->tmp_name[0] = '\0';
    c->base_dir = strdup(base_dir);
    c->id = strdup(id);
    if (!c->base_dir || !c->id)
        return -ENOMEM;
    if (c->dry_run)
        return 0;
    int r = rw_mkdir_p(base_dir, 0711);
    if (r < 0)
        return rw_error_setsys(err, -r, "%s: cannot create the secrets directory", base_dir);
    c->base_fd = open(base_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (c->base_fd < 0)
        return rw_error_setsys(err, errno, "%s: cannot open", base_dir);
    /* Only root writes here: nobody can plant anything in the staging tree. */
    struct stat st;
    if (fstat(c->base_fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 022))
        return rw_error_set(
            err, EPERM, "%s: must be owned by the caller and writable by no one else", base_dir);
    /* The root of a user-namespaced container reaches its mount source through this and
     * through runwarden's own state directory: searchable, not listable. */
    if ((st.st_mode & 0111) != 0111)
        (void)fchmod(c->base_fd, (st.st_mode & 07777) | 0111);
    make_parent_searchable(base_dir);
    for (int attempt = 0; attempt < 16; attempt++) {
        unsigned rnd = 0;
        if (getentropy(&rnd, sizeof(rnd)) < 0)
            rnd = (unsigned)getpid() ^ (unsigned)attempt * 2654435761u;
        snprintf(c->tmp_name, sizeof(c->tmp_name), ".%.40s.tmp-%08x", id, rnd);
        if (mkdirat(c->base_fd, c->tmp_name, 0700) == 0)
            break;
        if (errno != EEXIST)
            return rw_error_setsys(err, errno, "%s: cannot create a staging directory", base_dir);
        c->tmp_name[0] = '\0';
    }
    if (!c->tmp_name[0])
        return rw_error_set(err, EEXIST, "%s: cannot pick a staging name", base_dir);
    c->tmp_fd = openat(c->base_fd, c->tmp_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (c->tmp_fd < 0)
        return rw_error_setsys(err, errno, "%s/%s: cannot open", base_dir, c->tmp_name);
    /* The container's root must be able to reach its mount source through this. */
    if ((r = finish_fd(c, c->tmp_fd, 0711)) < 0)
        return rw_error_setsys(err, -r, "%s/%s: cannot set owner", base_dir, c->tmp_name);
    return 0;
}

/* Opens (creating as needed) the directory rel below root; intermediate components get
 * 0755, the last one last_mode. Returns an fd or -errno. */
static int mkdirs_at(const rw_secrets_copy_t *c, int root, const char *rel, mode_t last_mode)
{
    cleanup_free char *copy = strdup(rel);
    if (!copy)
        return -ENOMEM;
    int fd = fcntl(root, F_DUPFD_CLOEXEC, 3);
    if (fd < 0)
        return -errno;
    char *save = copy;
    while (*save) {
        while (*save == '/')
            save++;
        if (!*save)
            break;
        char *end = strchr(save, '/');
        if (end)
            *end = '\0';
        bool last = !end || !end[1 + strspn(end + 1, "/")];
        bool created = mkdirat(fd, save, 0700) == 0;
        if (!created && errno != EEXIST) {
            int e = errno;
            close(fd);
            return -e;
        }
        int nfd = openat(fd, save, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int e = errno;
        close(fd);
        if (nfd < 0)
            return -e;
        fd = nfd;
        if (created) {
            int r = finish_fd(c, fd, last ? (last_mode & 0777) | 0700 : 0755);
            if (r < 0) {
                close(fd);
                return r;
            }
        }
        if (!end)
            break;
        save = end + 1;
    }
    return fd;
}

static int split_parent(const char *rel, char **ret_dir, const char **ret_base)
{
    while (*rel == '/')
        rel++;
    const char *slash = strrchr(rel, '/');
    *ret_base = slash ? slash + 1 : rel;
    *ret_dir = slash ? strndup(rel, (size_t)(slash - rel)) : strdup("");
    return *ret_dir ? 0 : -ENOMEM;
}

static int note_file(json_t *files, const char *shown)
{
    /* Names only, and only the first few hundred: the record is about what, not all. */
    if (!files || json_array_size(files) >= 256)
        return 0;
    return json_array_append_new(files, json_string(shown)) < 0 ? -ENOMEM : 0;
}

static int check_limits(rw_secrets_copy_t *c, const struct stat *st, const char *shown,
                        rw_error_t **err)
{
    if (c->files + 1 > c->max_files)
        return rw_error_set(err, E2BIG, "more than %llu files (at %s)",
                            (unsigned long long)c->max_files, shown);
    if ((uint64_t)st->st_size > c->max_file_size)
        return rw_error_set(err, EFBIG, "%s: %lld bytes, more than the limit of %llu", shown,
                            (long long)st->st_size, (unsigned long long)c->max_file_size);
    if (c->bytes + (uint64_t)st->st_size > c->max_total_size)
        return rw_error_set(err, EFBIG, "more than %llu bytes in all (at %s)",
                            (unsigned long long)c->max_total_size, shown);
    return 0;
}

/* Copies an open regular file into dst_dir/name. */
static int copy_file(rw_secrets_copy_t *c, int src, const struct stat *st, int dst_dir,
                     const char *name, const char *shown, json_t *files, rw_error_t **err)
{
    int r = check_limits(c, st, shown, err);
    if (r < 0)
        return r;
    c->files++;
    c->bytes += (uint64_t)st->st_size;
    if ((r = note_file(files, shown)) < 0 || c->dry_run)
        return r;
    cleanup_close int out =
        openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (out < 0)
        return rw_error_setsys(err, errno, "%s: cannot create the copy", shown);
    char buf[65536];
    uint64_t total = 0;
    for (;;) {
        ssize_t n = read(src, buf, sizeof(buf));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return rw_error_setsys(err, errno, "%s: read failed", shown);
        }
        if (n == 0)
            break;
        total += (uint64_t)n;
        /* The file may grow while we read it: the limits hold for what we copy. */
        if (total > c->max_file_size ||
            c->bytes - (uint64_t)st->st_size + total > c->max_total_size)
            return rw_error_set(err, EFBIG, "%s: grew past the size limit while copied", shown);
        if ((r = rw_write_all(out, buf, (size_t)n)) < 0)
            return rw_error_setsys(err, -r, "%s: write failed", shown);
    }
    c->bytes = c->bytes - (uint64_t)st->st_size + total;
    /* setuid/setgid bits never survive: the copy is data for the container. */
    if ((r = finish_fd(c, out, st->st_mode & 0777)) < 0)
        return rw_error_setsys(err, -r, "%s: cannot set owner or mode", shown);
    return 0;
}

typedef struct walk {
    rw_secrets_copy_t *c;
    json_t *files;
    rw_error_t **err;
} walk_t;

static int walk_dir(walk_t *w, int dir, int root, const char *root_path, const char *rel,
                    const char *shown, int dst, int depth);

/* Opens what the entry rel (a link, relative to root) points to, as an O_PATH fd, when
 * the policy allows following it. 0 with *ret_fd = -1: skip it. */
static int open_link(walk_t *w, int dir, const char *name, int root, const char *root_path,
                     const char *rel, int *ret_fd, struct stat *ret_st, char **ret_root_path)
{
    *ret_fd = -1;
    *ret_root_path = NULL;
    struct open_how how = {.flags = O_PATH | O_CLOEXEC,
                           .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
    int fd = (int)sys_openat2(root, rel, &how);
    if (fd >= 0) {
        if (fstat(fd, ret_st) < 0) {
            close(fd);
            return 0;
        }
        *ret_fd = fd;
        return 0;
    }
    if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR)
        return 0; /* dangling: skipped, as containers/common skips it */
    if (errno != EXDEV && errno != ENOSYS)
        return rw_error_setsys(w->err, errno, "%s: cannot follow the link", rel);
    if (w->c->symlinks != RW_SYMLINKS_ROOT_OWNED)
        return 0;
    /* Out of the tree: only a link root made, to something root owns. */
    struct stat lst;
    if (fstatat(dir, name, &lst, AT_SYMLINK_NOFOLLOW) < 0 || lst.st_uid != 0)
        return 0;
    cleanup_free char *full = NULL;
    if (asprintf(&full, "%s/%s", root_path, rel) < 0)
        return -ENOMEM;
    fd = open(full, O_PATH | O_CLOEXEC);
    if (fd < 0)
        return 0;
    if (fstat(fd, ret_st) < 0 || ret_st->st_uid != 0) {
        close(fd);
        return 0;
    }
    char p[64], target[4096];
    snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(p, target, sizeof(target) - 1);
    if (n <= 0) {
        close(fd);
        return 0;
    }
    target[n] = '\0';
    if (!(*ret_root_path = strdup(target))) {
        close(fd);
        return -ENOMEM;
    }
    *ret_fd = fd;
    return 0;
}

static int copy_entry(walk_t *w, int dir, const char *name, int root, const char *root_path,
                      const char *rel, const char *shown, int dst, int depth)
{
    struct stat st;
    if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : rw_error_setsys(w->err, errno, "%s: cannot stat", shown);
    cleanup_close int pathfd = -1;
    cleanup_free char *new_root_path = NULL;
    int r;
    if (S_ISLNK(st.st_mode)) {
        if ((r = open_link(w, dir, name, root, root_path, rel, &pathfd, &st, &new_root_path)) < 0)
            return r;
        if (pathfd < 0)
            return 0;
    } else if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
        pathfd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (pathfd < 0)
            return rw_error_setsys(w->err, errno, "%s: cannot open", shown);
        struct stat st2;
        /* It must still be what we looked at. */
        if (fstat(pathfd, &st2) < 0 || st2.st_ino != st.st_ino || st2.st_dev != st.st_dev)
            return rw_error_set(w->err, EAGAIN, "%s: changed while copied", shown);
    } else {
        return 0; /* devices, FIFOs, sockets: never read */
    }
    if (S_ISREG(st.st_mode)) {
        cleanup_close int fd = reopen(pathfd, O_RDONLY);
        if (fd < 0)
            return rw_error_setsys(w->err, errno, "%s: cannot open", shown);
        return copy_file(w->c, fd, &st, dst, name, shown, w->files, w->err);
    }
    if (!S_ISDIR(st.st_mode))
        return 0;
    if (depth >= MAX_DEPTH)
        return rw_error_set(w->err, ELOOP, "%s: more than %d levels deep", shown, MAX_DEPTH);
    cleanup_close int sub = reopen(pathfd, O_RDONLY | O_DIRECTORY);
    if (sub < 0)
        return rw_error_setsys(w->err, errno, "%s: cannot open", shown);
    cleanup_close int dsub = -1;
    if (!w->c->dry_run) {
        if (mkdirat(dst, name, 0700) < 0 && errno != EEXIST)
            return rw_error_setsys(w->err, errno, "%s: cannot create the copy", shown);
        dsub = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dsub < 0)
            return rw_error_setsys(w->err, errno, "%s: cannot open the copy", shown);
    }
    if (new_root_path) /* a followed link out of the tree: it is a tree of its own */
        r = walk_dir(w, sub, sub, new_root_path, "", shown, dsub, depth + 1);
    else
        r = walk_dir(w, sub, root, root_path, rel, shown, dsub, depth + 1);
    if (r >= 0 && dsub >= 0 && (r = finish_fd(w->c, dsub, (st.st_mode & 0777) | 0100)) < 0)
        return rw_error_setsys(w->err, -r, "%s: cannot set owner or mode", shown);
    return r;
}

static int walk_dir(walk_t *w, int dir, int root, const char *root_path, const char *rel,
                    const char *shown, int dst, int depth)
{
    int dfd = fcntl(dir, F_DUPFD_CLOEXEC, 3);
    if (dfd < 0)
        return -errno;
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return -ENOMEM;
    }
    int r = 0;
    struct dirent *de;
    while (r >= 0 && (errno = 0, de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        cleanup_free char *crel = NULL, *cshown = NULL;
        if (asprintf(&crel, "%s%s%s", rel, *rel ? "/" : "", de->d_name) < 0 ||
            asprintf(&cshown, "%s/%s", shown, de->d_name) < 0) {
            r = -ENOMEM;
            break;
        }
        r = copy_entry(w, dir, de->d_name, root, root_path, crel, cshown, dst, depth);
    }
    if (r >= 0 && errno)
        r = rw_error_setsys(w->err, errno, "%s: cannot list", shown);
    closedir(d);
    return r;
}

int rw_secrets_add(rw_secrets_copy_t *c, const char *src, const char *dest_rel, json_t *files,
                   rw_error_t **err)
{
    /* The path itself may be a link (resolved, as EvalSymlinks does upstream). */
    cleanup_close int pathfd = open(src, O_PATH | O_CLOEXEC);
    if (pathfd < 0)
        return rw_error_setsys(err, errno, "%s: cannot open", src);
    struct stat st;
    if (fstat(pathfd, &st) < 0)
        return rw_error_setsys(err, errno, "%s: cannot stat", src);
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
        return rw_error_set(err, EINVAL, "%s: unsupported file type (only files and directories)",
                            src);
    while (*dest_rel == '/')
        dest_rel++;
    int r;
    walk_t w = {.c = c, .files = files, .err = err};
    if (S_ISREG(st.st_mode)) {
        cleanup_free char *dir = NULL;
        const char *base = NULL;
        if ((r = split_parent(dest_rel, &dir, &base)) < 0)
            return r;
        cleanup_close int dfd = -1;
        if (!c->dry_run && (dfd = mkdirs_at(c, c->tmp_fd, dir, 0755)) < 0)
            return rw_error_setsys(err, -dfd, "%s: cannot create the copy's directory", dest_rel);
        cleanup_close int fd = reopen(pathfd, O_RDONLY);
        if (fd < 0)
            return rw_error_setsys(err, errno, "%s: cannot open", src);
        r = copy_file(c, fd, &st, dfd, base, src, files, err);
    } else {
        cleanup_close int dfd = -1;
        if (!c->dry_run && (dfd = mkdirs_at(c, c->tmp_fd, dest_rel, st.st_mode)) < 0)
            return rw_error_setsys(err, -dfd, "%s: cannot create the copy's directory", dest_rel);
        cleanup_close int sub = reopen(pathfd, O_RDONLY | O_DIRECTORY);
        if (sub < 0)
            return rw_error_setsys(err, errno, "%s: cannot open", src);
        char real[4096], p[64];
        snprintf(p, sizeof(p), "/proc/self/fd/%d", sub);
        ssize_t n = readlink(p, real, sizeof(real) - 1);
        if (n <= 0)
            return rw_error_setsys(err, errno, "%s: cannot resolve", src);
        real[n] = '\0';
        r = walk_dir(&w, sub, sub, real, "", src, dfd, 0);
        if (r >= 0 && dfd >= 0 && (r = finish_fd(c, dfd, (st.st_mode & 0777) | 0100)) < 0)
            r = rw_error_setsys(err, -r, "%s: cannot set owner or mode", dest_rel);
    }
    if (r >= 0)
        r = remember(c, dest_rel);
    return r;
}

int rw_secrets_add_empty(rw_secrets_copy_t *c, const char *dest_rel, rw_error_t **err)
{
    while (*dest_rel == '/')
        dest_rel++;
    struct stat st;
    /* Restarted containers keep what is there, as upstream does. */
    if (!c->dry_run && c->tmp_fd >= 0 &&
        fstatat(c->tmp_fd, dest_rel, &st, AT_SYMLINK_NOFOLLOW) == 0)
        return 0;
    int r = remember(c, dest_rel);
    if (r < 0 || c->dry_run)
        return r;
    cleanup_free char *dir = NULL;
    const char *base = NULL;
    if ((r = split_parent(dest_rel, &dir, &base)) < 0)
        return r;
    cleanup_close int dfd = mkdirs_at(c, c->tmp_fd, dir, 0755);
    if (dfd < 0)
        return rw_error_setsys(err, -dfd, "%s: cannot create the directory", dest_rel);
    cleanup_close int fd =
        openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == EEXIST ? 0 : rw_error_setsys(err, errno, "%s: cannot create", dest_rel);
    r = finish_fd(c, fd, 0644);
    return r < 0 ? rw_error_setsys(err, -r, "%s: cannot set owner or mode", dest_rel) : 0;
}

int rw_secrets_rm_tree_at(int dirfd, int depth)
{
    if (depth > 64)
        return -ELOOP;
    struct stat top;
    if (fstat(dirfd, &top) < 0)
        return -errno;
    int dfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
    if (dfd < 0)
        return -errno;
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return -ENOMEM;
    }
    int r = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (st.st_dev != top.st_dev) { /* something is mounted there: leave it */
                r = -EBUSY;
                continue;
            }
            int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0) {
                r = -errno;
                continue;
            }
            int rr = rw_secrets_rm_tree_at(sub, depth + 1);
            close(sub);
            if (rr < 0)
                r = rr;
            if (unlinkat(dirfd, de->d_name, AT_REMOVEDIR) < 0 && r >= 0)
                r = -errno;
        } else if (unlinkat(dirfd, de->d_name, 0) < 0 && r >= 0) {
            r = -errno;
        }
    }
    closedir(d);
    return r;
}

int rw_secrets_rm_named(int parent, const char *name)
{
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -errno;
    int r = rw_secrets_rm_tree_at(fd, 0);
    close(fd);
    if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && r >= 0)
        r = errno == ENOENT ? 0 : -errno;
    return r;
}

int rw_secrets_commit(rw_secrets_copy_t *c, rw_error_t **err)
{
    if (c->dry_run)
        return 0;
    /* The marker tells the cleanup hook that this directory is ours, for this id. */
    cleanup_close int m = openat(c->tmp_fd, RW_SECRETS_MARKER,
                                 O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (m < 0 || rw_write_all(m, c->id, strlen(c->id)) < 0 || fsync(m) < 0)
        return rw_error_setsys(err, errno ? errno : EIO, "%s: cannot write the marker",
                               c->base_dir);
    if (c->runtime_state && c->runtime_state[0] == '/') {
        cleanup_close int o = openat(c->tmp_fd, RW_SECRETS_OWNER,
                                     O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (o < 0 || rw_write_all(o, c->runtime_state, strlen(c->runtime_state)) < 0)
            return rw_error_setsys(err, errno ? errno : EIO, "%s: cannot write the owner marker",
                                   c->base_dir);
    }
    /* A stale copy of an earlier container with this id (crash, failed create). */
    int r = rw_secrets_rm_named(c->base_fd, c->id);
    if (r < 0 && r != -ENOENT)
        return rw_error_setsys(err, -r, "%s/%s: cannot remove the stale copy", c->base_dir, c->id);
    if (renameat(c->base_fd, c->tmp_name, c->base_fd, c->id) < 0)
        return rw_error_setsys(err, errno, "%s/%s: cannot move the copy into place", c->base_dir,
                               c->id);
    c->tmp_name[0] = '\0';
    (void)fsync(c->base_fd);
    return 0;
}

void rw_secrets_end(rw_secrets_copy_t *c)
{
    if (c->base_fd >= 0 && c->tmp_name[0])
        (void)rw_secrets_rm_named(c->base_fd, c->tmp_name);
    if (c->tmp_fd >= 0)
        close(c->tmp_fd);
    if (c->base_fd >= 0)
        close(c->base_fd);
    c->tmp_fd = c->base_fd = -1;
    c->tmp_name[0] = '\0';
    rw_strv_freep(&c->added);
    c->n_added = 0;
    free(c->base_dir);
    free(c->id);
    c->base_dir = c->id = NULL;
}

int rw_secrets_remove(const char *base_dir, const char *id)
{
    if (!id || !*id || strchr(id, '/') || id[0] == '.')
        return -EINVAL;
    cleanup_close int base = open(base_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (base < 0)
        return errno == ENOENT ? 0 : -errno;
    cleanup_close int dir = openat(base, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dir < 0)
        return errno == ENOENT ? 0 : -errno;
    /* Only a directory runwarden made for this very id is removed. */
    cleanup_free char *mark = NULL;
    size_t len = 0;
    if (rw_file_read_at(dir, RW_SECRETS_MARKER, 1024, &mark, &len, NULL, NULL) < 0 ||
        len != strlen(id) || memcmp(mark, id, len) != 0)
        return -EPERM;
    return rw_secrets_rm_named(base, id);
}
