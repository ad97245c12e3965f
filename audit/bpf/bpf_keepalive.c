/* Keeping the kernel's cgroup-BPF hook points switched on while runwarden's programs are
 * loaded. The kernel enables a hook point when the first program of its type is attached
 * anywhere and disables it when the last one goes, each time by patching its own code on
 * every CPU (a fraction of a millisecond per type on a VM). Where containers come and go
 * one at a time, every createRuntime hook and every cgroup release would pay that for seven
 * types. The per-container programs are also linked to an empty cgroup of their own, which
 * nothing enters: the hook points stay on, and run nothing for other cgroups (the host-wide
 * ones need not be: their link at the cgroup v2 root keeps theirs on). The links
 * are pinned beside the programs, so they go with the pins (unload, or rm -rf). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "../../common/cleanup.h"
#include "../bpf_sys.h"
#include "bpf_helper.h"

#define RW_BPF_KEEPALIVE "runwarden.keepalive"
#define RW_BPF_KEEPALIVE_PIN "keepalive_"

/* fd of the keepalive cgroup (made when create), or -errno. */
static int keepalive_open(bool create)
{
    cleanup_free char *mnt = NULL, *path = NULL;
    if (rw_bpf_cgroup2_mount(&mnt, NULL) < 0)
        return -ENOENT;
    if (asprintf(&path, "%s/%s", mnt, RW_BPF_KEEPALIVE) < 0)
        return -ENOMEM;
    if (create && mkdir(path, 0700) < 0 && errno != EEXIST)
        return -errno;
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    return fd < 0 ? -errno : fd;
}

static int link_one(const rw_bpf_ctx_t *c, const rw_bpf_cgroup_prog_t *p, int cg)
{
    char name[64];
    snprintf(name, sizeof(name), RW_BPF_KEEPALIVE_PIN "%s", p->name);
    if (rw_bpf_pin_exists(c, name))
        return 0;
    cleanup_free char *path = rw_bpf_pin_path(c, name);
    cleanup_close int pfd = rw_bpf_cgroup_prog_open(c, p);
    if (!path)
        return -ENOMEM;
    if (pfd < 0)
        return pfd;
    cleanup_close int lfd = bpf_link_create(pfd, cg, (enum bpf_attach_type)p->attach_type, NULL);
    if (lfd < 0)
        return -errno;
    return rw_bpf_sys_obj_pin(lfd, path);
}

void rw_bpf_keepalive_attach(const rw_bpf_ctx_t *c, json_t *facts)
{
    cleanup_close int cg = keepalive_open(true);
    int r = cg < 0 ? cg : 0;
    for (const rw_bpf_cgroup_prog_t *p = rw_bpf_cgroup_progs; p->name && r == 0; p++)
        if (!p->host_wide) /* its link at the root keeps its hook point on */
            r = link_one(c, p, cg);
    char why[160];
    if (r == 0)
        snprintf(why, sizeof(why), "on (programs linked to the empty cgroup %s)", RW_BPF_KEEPALIVE);
    else
        snprintf(why, sizeof(why), "toggled per container: %s", strerror(-r));
    json_object_set_new(facts, "hookPoints", json_string(why));
}

/* Whether anything is still attached to or linked to the keepalive cgroup. */
static bool keepalive_used(int cg)
{
    for (const rw_bpf_cgroup_prog_t *p = rw_bpf_cgroup_progs; p->name; p++) {
        uint32_t ids[1], cnt = 1;
        if (rw_bpf_sys_prog_query(cg, (unsigned)p->attach_type, ids, &cnt) < 0 || cnt > 0)
            return true;
    }
    return false;
}

void rw_bpf_keepalive_cleanup(void)
{
    cleanup_close int cg = keepalive_open(false);
    if (cg < 0)
        return;
    /* unpinned links are released by the kernel a moment later */
    for (int i = 0; i < 20 && keepalive_used(cg); i++)
        usleep(5000);
    if (keepalive_used(cg))
        return; /* another pin directory's programs are linked there */
    cleanup_free char *mnt = NULL, *path = NULL;
    if (rw_bpf_cgroup2_mount(&mnt, NULL) == 0 &&
        asprintf(&path, "%s/%s", mnt, RW_BPF_KEEPALIVE) >= 0)
        (void)rmdir(path);
}
