/* The cgroup programs that watch every container from the root of the cgroup v2 tree
 * (cgroup/dev): one BPF link there, pinned beside the host links. A link at the root is
 * not listed by BPF_PROG_QUERY on a container's cgroup and BPF_PROG_DETACH cannot take it
 * off, so a runtime that replaces a container's device filter leaves it in place. */
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "bpf_shared.h"
#include "bpf_sys.h"

/* 0: the link is on the root cgroup for that hook; -ENOLINK: it was detached (its cgroup
 * id reads 0 then); -EPROTO: the pin holds something else. */
static int root_link_check(int lfd, unsigned attach_type, uint64_t root_id)
{
    struct bpf_link_info info;
    int r = rw_bpf_sys_link_info(lfd, &info);
    if (r < 0)
        return r;
    if (info.type != BPF_LINK_TYPE_CGROUP || info.cgroup.attach_type != attach_type)
        return -EPROTO;
    return info.cgroup.cgroup_id == root_id ? 0 : -ENOLINK;
}

int rw_bpf_root_link_ensure(const rw_bpf_ctx_t *c, const rw_bpf_cgroup_prog_t *p, const char *mnt,
                            rw_error_t **err)
{
    cleanup_close int root = -1;
    uint64_t root_id = 0;
    int r = rw_bpf_cgroup_open(mnt, "/", &root, &root_id, err);
    if (r < 0)
        return r;
    cleanup_free char *path = rw_bpf_pin_path(c, p->link_pin);
    if (!path)
        return -ENOMEM;
    cleanup_close int old = rw_bpf_sys_obj_get(path);
    if (old >= 0) {
        if (root_link_check(old, (unsigned)p->attach_type, root_id) == 0)
            return 0;
        /* detached by someone (BPF_LINK_DETACH) or not ours: made again below */
        if (unlink(path) < 0 && errno != ENOENT)
            return rw_error_setsys(err, errno, "cannot replace %s", path);
    } else if (old != -ENOENT) {
        return rw_error_setsys(err, -old, "cannot open %s", path);
    }
    cleanup_close int pfd = rw_bpf_cgroup_prog_open(c, p);
    if (pfd < 0)
        return rw_error_setsys(err, -pfd, "cannot open the pinned program %s/%s", c->ec.pin_dir,
                               p->name);
    cleanup_close int lfd = rw_bpf_sys_link_create(pfd, root, (unsigned)p->attach_type);
    if (lfd < 0)
        return rw_error_setsys(err, -lfd, "cannot link %s to the cgroup v2 root %s", p->section,
                               mnt);
    /* the pin holds the link; closing our fd afterwards leaves it attached */
    if ((r = rw_bpf_sys_obj_pin(lfd, path)) < 0 && r != -EEXIST)
        return rw_error_setsys(err, -r, "cannot pin %s", path);
    return 0; /* -EEXIST: another loader pinned its link first; ours goes with our fd */
}
