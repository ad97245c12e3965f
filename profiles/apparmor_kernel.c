/* Loading and unloading compiled profiles through securityfs. Containers with the same rules
 * share a profile; each holds a reference file, and poststop unloads the profile with the
 * last reference, so profiles do not pile up in the kernel. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/fileio.h"
#include "apparmor.h"
#include "lsm_state.h"

#define AA_FS "/sys/kernel/security/apparmor"
#define PROFILES_LIST_MAX (8u << 20)

static bool safe_component(const char *s)
{
    return s && *s && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..") && strlen(s) < 200;
}

static bool profile_loaded(const char *name)
{
    cleanup_free char *buf = NULL;
    size_t len = 0;
    /* securityfs files report size 0: rw_file_read_at reads to EOF within the cap */
    if (rw_file_read_at(AT_FDCWD, AA_FS "/profiles", PROFILES_LIST_MAX, &buf, &len, NULL, NULL) < 0)
        return false;
    size_t n = strlen(name);
    for (const char *p = buf; p && *p;) {
        if (strncmp(p, name, n) == 0 && p[n] == ' ' && p[n + 1] == '(')
            return true;
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return false;
}

static int write_fs(const char *file, const void *buf, size_t len)
{
    cleanup_close int fd = open(file, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    /* the kernel wants the whole policy in a single write */
    ssize_t n = write(fd, buf, len);
    if (n < 0)
        return -errno;
    return (size_t)n == len ? 0 : -EIO;
}

static char *ref_dir(const rw_lsm_config_t *c, const char *name)
{
    char *d = NULL;
    if (asprintf(&d, "%s/apparmor/%s", c->state_dir, name) < 0)
        return NULL;
    return d;
}

int rw_apparmor_load(const rw_lsm_config_t *c, const rw_apparmor_profile_t *p, const char *owner,
                     rw_error_t **err)
{
    if (!safe_component(p->name) || !safe_component(owner))
        return rw_error_set(err, EINVAL, "AppArmor: bad profile or owner name");
    cleanup_free char *base = NULL, *dir = ref_dir(c, p->name);
    if (!dir || asprintf(&base, "%s/apparmor", c->state_dir) < 0)
        return -ENOMEM;
    cleanup_close int lock = rw_lsm_lock_dir(base, err);
    if (lock < 0)
        return lock;
    if (mkdir(dir, 0700) < 0 && errno != EEXIST)
        return rw_error_setsys(err, errno, "%s: cannot create", dir);
    cleanup_close int dfd = rw_lsm_open_private_dir(dir, false, err);
    if (dfd < 0)
        return dfd;
    int rfd = openat(dfd, owner, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (rfd < 0)
        return rw_error_setsys(err, errno, "%s/%s: cannot create the reference", dir, owner);
    close(rfd);
    if (profile_loaded(p->name))
        return 0;
    cleanup_free char *bin = NULL;
    size_t len = 0;
    int r = rw_file_read_at(AT_FDCWD, p->cache_path, RW_APPARMOR_BINARY_MAX, &bin, &len, NULL, err);
    if (r < 0)
        return r;
    if ((r = write_fs(AA_FS "/.replace", bin, len)) < 0)
        return rw_error_setsys(err, -r, "AppArmor: cannot load profile %s", p->name);
    return 0;
}

int rw_apparmor_unref(const rw_lsm_config_t *c, const char *name, const char *owner, bool kernel,
                      rw_error_t **err)
{
    if (!safe_component(name) || !safe_component(owner))
        return rw_error_set(err, EINVAL, "AppArmor: bad profile or owner name");
    cleanup_free char *base = NULL, *dir = ref_dir(c, name);
    if (!dir || asprintf(&base, "%s/apparmor", c->state_dir) < 0)
        return -ENOMEM;
    cleanup_close int lock = rw_lsm_lock_dir(base, err);
    if (lock < 0)
        return lock;
    cleanup_free char *ref = NULL;
    if (asprintf(&ref, "%s/%s", dir, owner) < 0)
        return -ENOMEM;
    if (unlink(ref) < 0 && errno != ENOENT)
        return rw_error_setsys(err, errno, "%s: cannot remove the reference", ref);
    if (rmdir(dir) < 0) {
        /* still used by another container (ENOTEMPTY), or never loaded (ENOENT) */
        return errno == ENOTEMPTY || errno == EEXIST || errno == ENOENT
                   ? 0
                   : rw_error_setsys(err, errno, "%s: cannot remove", dir);
    }
    if (!kernel)
        return 0;
    int r = write_fs(AA_FS "/.remove", name, strlen(name));
    if (r < 0 && r != -ENOENT)
        return rw_error_setsys(err, -r, "AppArmor: cannot unload profile %s", name);
    return 0;
}
