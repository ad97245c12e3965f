/* Stage "bundle": root.path must name a directory inside the bundle (or, when the site
 * allows absolute paths, under an allowed prefix) and never the host's own root. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "stages.h"

#define STAGE "bundle"

static int open_beneath(int dirfd, const char *path)
{
    struct open_how how = {
        .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
    };
    long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
    if (fd >= 0 || errno != ENOSYS)
        return fd < 0 ? -errno : (int)fd;
    /* Kernels before 5.6: walk component by component, refusing links and "..". */
    cleanup_free char *copy = strdup(path);
    if (!copy)
        return -ENOMEM;
    int cur = dup(dirfd);
    if (cur < 0)
        return -errno;
    char *save = NULL;
    for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (strcmp(c, ".") == 0)
            continue;
        if (strcmp(c, "..") == 0) {
            close(cur);
            return -EXDEV;
        }
        int next = openat(cur, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int e = errno;
        close(cur);
        if (next < 0)
            return e == ELOOP ? -EXDEV : -e;
        cur = next;
    }
    return cur;
}

static bool under_prefix(const char *path, char **prefixes)
{
    if (!prefixes || !prefixes[0])
        return true;
    for (char **p = prefixes; *p; p++) {
        size_t n = strlen(*p);
        while (n > 1 && (*p)[n - 1] == '/')
            n--;
        if (strncmp(path, *p, n) == 0 && (path[n] == '/' || path[n] == '\0'))
            return true;
    }
    return false;
}

static int run(rw_ctx_t *ctx, rw_error_t **err)
{
    const char *rp = ctx->spec->root_path;
    if (!rp)
        return rw_ctx_finding(ctx, RW_SEV_REFUSE, STAGE, "bundle.root-path", "root.path",
                              "(missing)", "set root.path to the rootfs directory of the bundle");
    int r = rw_ctx_fact(ctx, STAGE, "rootPath", json_string(rp));
    if (r < 0)
        return r;

    struct stat st, host_root;
    cleanup_close int fd = -1;
    if (rp[0] == '/') {
        if (!ctx->cfg->allow_absolute_root)
            return rw_ctx_finding(ctx, RW_SEV_REFUSE, STAGE, "bundle.root-path", "root.path", rp,
                                  "use a path relative to the bundle, or allow absolute paths "
                                  "with bundle.allowAbsoluteRootPath in the runwarden config");
        if (!under_prefix(rp, ctx->cfg->absolute_root_prefixes))
            return rw_ctx_finding(ctx, RW_SEV_REFUSE, STAGE, "bundle.root-path-prefix",
                                  "root.path", rp,
                                  "keep the rootfs under one of bundle.absoluteRootPrefixes");
        fd = open(rp, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            return rw_ctx_finding(ctx, RW_SEV_REFUSE, STAGE, "bundle.root-path", "root.path", rp,
                                  "root.path must be an existing directory");
    } else {
        fd = open_beneath(ctx->bundle_fd, rp);
        if (fd == -EXDEV || fd == -ELOOP)
            return rw_ctx_finding(ctx, RW_SEV_REFUSE, STAGE, "bundle.root-path", "root.path", rp,
                                  "root.path leaves the bundle (through '..' or a link); keep "
                                  "the rootfs inside the bundle directory");
        if (fd < 0)
            return rw_ctx_finding(ctx, RW_SEV_REFUSE, STAGE, "bundle.root-path", "root.path", rp,
                                  "root.path must be an existing directory inside the bundle");
    }
    if (fstat(fd, &st) < 0 || stat("/", &host_root) < 0)
        return rw_error_setsys(err, errno, "root.path %s: cannot stat", rp);
    if (st.st_dev == host_root.st_dev && st.st_ino == host_root.st_ino)
        return rw_ctx_finding(ctx, RW_SEV_REFUSE, STAGE, "bundle.root-is-host", "root.path", rp,
                              "the host's / cannot be a container's rootfs");
    return 0;
}

static bool applies(const rw_ctx_t *ctx)
{
    return ctx->spec != NULL;
}

const rw_stage_t rw_stage_bundle = {STAGE, applies, run};
