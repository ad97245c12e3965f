/* The host-wide part, made once and kept in bpffs: the shared maps (ring buffer, counters,
 * tracked containers, totals) and the exec and packet-socket programs, whose links are
 * pinned so they outlive the hook that loaded them. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../../common/cleanup.h"
#include "../../common/fileio.h"
#include "bpf_helper.h"
#include "rw_cgroup.skel.h"
#include "rw_host.skel.h"

#define RW_BPFFS "/sys/fs/bpf"
#define RW_BPF_FS_MAGIC 0xcafe4a11
#define RW_PIN_EXEC "exec_link"
#define RW_PIN_CAP "cap_link"

int rw_bpf_lock(const rw_bpf_ctx_t *c, const char *name, bool wait, rw_error_t **err)
{
    if (rw_mkdir_p(c->ec.state_dir, 0700) < 0)
        return rw_error_setsys(err, errno, "cannot create %s", c->ec.state_dir);
    cleanup_free char *p = NULL;
    if (asprintf(&p, "%s/%s", c->ec.state_dir, name) < 0)
        return -ENOMEM;
    cleanup_close int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return rw_error_setsys(err, errno, "cannot open %s", p);
    while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
        if (errno == EINTR)
            continue;
        if (errno == EWOULDBLOCK)
            return -EWOULDBLOCK; /* no message: callers decide what a busy lock means */
        return rw_error_setsys(err, errno, "cannot lock %s", p);
    }
    return TAKE_FD(fd);
}

static int ensure_bpffs(const rw_bpf_ctx_t *c, rw_error_t **err)
{
    struct statfs sf;
    if (statfs(RW_BPFFS, &sf) < 0 || (unsigned long)sf.f_type != RW_BPF_FS_MAGIC) {
        /* systemd mounts it at boot; a bare host may not have it yet */
        if (mount("bpf", RW_BPFFS, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700") < 0 &&
            errno != EBUSY)
            return rw_error_setsys(err, errno, "cannot mount the BPF file system on %s", RW_BPFFS);
    }
    if (rw_mkdir_p(c->ec.pin_dir, 0700) < 0)
        return rw_error_setsys(err, errno, "cannot create %s", c->ec.pin_dir);
    return 0;
}

int rw_bpf_pinned_map(const rw_bpf_ctx_t *c, const char *name, rw_error_t **err)
{
    cleanup_free char *p = NULL;
    if (asprintf(&p, "%s/%s", c->ec.pin_dir, name) < 0)
        return -ENOMEM;
    int fd = bpf_obj_get(p);
    if (fd < 0)
        return rw_error_setsys(err, errno, "cannot open pinned map %s", p);
    return fd;
}

uint32_t rw_bpf_host_ringbuf_size(const rw_bpf_ctx_t *c)
{
    cleanup_close int fd = rw_bpf_pinned_map(c, "rw_events", NULL);
    if (fd < 0)
        return c->ec.ringbuf_size;
    struct bpf_map_info info;
    uint32_t len = sizeof(info);
    memset(&info, 0, sizeof(info));
    if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0 || info.max_entries == 0)
        return c->ec.ringbuf_size;
    return info.max_entries;
}

static bool pin_exists(const rw_bpf_ctx_t *c, const char *name)
{
    cleanup_free char *p = NULL;
    if (asprintf(&p, "%s/%s", c->ec.pin_dir, name) < 0)
        return false;
    return access(p, F_OK) == 0;
}

static int pin_link(const rw_bpf_ctx_t *c, struct bpf_link *l, const char *name)
{
    cleanup_free char *p = NULL;
    if (asprintf(&p, "%s/%s", c->ec.pin_dir, name) < 0)
        return -ENOMEM;
    return bpf_link__pin(l, p);
}

const rw_bpf_cgroup_prog_t rw_bpf_cgroup_progs[] = {
    {"rw_connect4", "cgroup/connect4", BPF_CGROUP_INET4_CONNECT},
    {"rw_connect6", "cgroup/connect6", BPF_CGROUP_INET6_CONNECT},
    {"rw_sendmsg4", "cgroup/sendmsg4", BPF_CGROUP_UDP4_SENDMSG},
    {"rw_sendmsg6", "cgroup/sendmsg6", BPF_CGROUP_UDP6_SENDMSG},
    {"rw_sock_create", "cgroup/sock_create", BPF_CGROUP_INET_SOCK_CREATE},
    {"rw_dev", "cgroup/dev", BPF_CGROUP_DEVICE},
    {"rw_sysctl", "cgroup/sysctl", BPF_CGROUP_SYSCTL},
    {NULL, NULL, 0},
};

int rw_bpf_cgroup_prog_open(const rw_bpf_ctx_t *c, const rw_bpf_cgroup_prog_t *p)
{
    cleanup_free char *path = NULL;
    if (asprintf(&path, "%s/%s", c->ec.pin_dir, p->name) < 0)
        return -ENOMEM;
    int fd = bpf_obj_get(path);
    return fd < 0 ? -errno : fd;
}

/* The per-container programs, loaded once and pinned as programs (not links): each
 * container's cgroup gets them with BPF_PROG_ATTACH. Retried without task reads where the
 * kernel does not give bpf_get_current_task() to cgroup programs. */
static int load_cgroup_programs(rw_bpf_ctx_t *c, json_t *facts, rw_error_t **err)
{
    int r = 0;
    for (int have_task = 1; have_task >= 0; have_task--) {
        LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = c->ec.pin_dir);
        struct rw_cgroup_bpf *skel = rw_cgroup_bpf__open_opts(&opts);
        if (!skel)
            return rw_error_setsys(err, errno, "cannot open the cgroup BPF object");
        skel->rodata->rw_have_task = (uint32_t)have_task;
        r = bpf_map__set_max_entries(skel->maps.rw_events, rw_bpf_host_ringbuf_size(c));
        if (r == 0)
            r = rw_cgroup_bpf__load(skel);
        if (r < 0) {
            rw_cgroup_bpf__destroy(skel);
            continue;
        }
        for (const rw_bpf_cgroup_prog_t *p = rw_bpf_cgroup_progs; p->name && r == 0; p++) {
            struct bpf_program *prog = bpf_object__find_program_by_name(skel->obj, p->name);
            cleanup_free char *path = NULL;
            if (!prog || asprintf(&path, "%s/%s", c->ec.pin_dir, p->name) < 0)
                r = -ENOENT;
            else if (access(path, F_OK) != 0)
                r = bpf_program__pin(prog, path);
        }
        rw_cgroup_bpf__destroy(skel);
        if (r < 0)
            return rw_error_setsys(err, -r, "cannot pin the cgroup programs in %s", c->ec.pin_dir);
        json_object_set_new(facts, "loginuid",
                            json_string(have_task ? "read from the task"
                                                  : "unavailable: cgroup programs may not "
                                                    "read the current task on this kernel"));
        return 0;
    }
    return rw_error_setsys(err, -r, "cannot load the cgroup BPF programs");
}

static bool host_complete(const rw_bpf_ctx_t *c)
{
    if (!pin_exists(c, RW_PIN_EXEC))
        return false;
    for (const rw_bpf_cgroup_prog_t *p = rw_bpf_cgroup_progs; p->name; p++)
        if (!pin_exists(c, p->name))
            return false;
    return true;
}

int rw_bpf_host_ensure(rw_bpf_ctx_t *c, json_t *facts, rw_error_t **err)
{
    int r = ensure_bpffs(c, err);
    if (r < 0)
        return r;
    if (host_complete(c)) {
        json_object_set_new(facts, "programs", json_string("pinned"));
        return 0;
    }
    if ((r = load_cgroup_programs(c, facts, err)) < 0)
        return r;
    LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = c->ec.pin_dir);
    struct rw_host_bpf *skel = rw_host_bpf__open_opts(&opts);
    if (!skel)
        return rw_error_setsys(err, errno, "cannot open the host BPF object");
    r = bpf_map__set_max_entries(skel->maps.rw_events, rw_bpf_host_ringbuf_size(c));
    if (r == 0)
        r = rw_host_bpf__load(skel);
    if (r < 0) {
        rw_host_bpf__destroy(skel);
        return rw_error_setsys(err, -r, "cannot load the host BPF object (exec tracking)");
    }
    struct bpf_link *exec = bpf_program__attach(skel->progs.rw_exec);
    if (!exec) {
        r = -errno;
        rw_host_bpf__destroy(skel);
        return rw_error_setsys(err, -r, "cannot attach raw_tp/sched_process_exec");
    }
    /* Best effort: the cap_capable tracepoint is recent and not in every kernel. */
    struct bpf_link *cap = bpf_program__attach(skel->progs.rw_cap_capable);
    int perr = cap ? -pin_link(c, cap, RW_PIN_CAP) : errno;
    if (perr == 0) {
        json_object_set_new(facts, "packetSockets", json_string("observed (refused CAP_NET_RAW)"));
    } else {
        char why[160];
        snprintf(why, sizeof(why), "not observed: raw_tp/cap_capable: %s", strerror(perr));
        json_object_set_new(facts, "packetSockets", json_string(why));
    }
    /* Pinned last: with the program pins, this pin says "the host part is complete". */
    r = pin_link(c, exec, RW_PIN_EXEC);
    bpf_link__destroy(cap);
    bpf_link__destroy(exec);
    rw_host_bpf__destroy(skel);
    if (r < 0)
        return rw_error_setsys(err, -r, "cannot pin the exec link in %s", c->ec.pin_dir);
    json_object_set_new(facts, "programs", json_string("loaded"));
    return 0;
}

int rw_bpf_host_unload(rw_bpf_ctx_t *c, rw_error_t **err)
{
    DIR *d = opendir(c->ec.pin_dir);
    if (!d) {
        if (errno == ENOENT)
            return 0;
        return rw_error_setsys(err, errno, "cannot open %s", c->ec.pin_dir);
    }
    int dfd = dirfd(d);
    struct dirent *de;
    int r = 0;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        if (unlinkat(dfd, de->d_name, 0) < 0 && errno != ENOENT && r == 0)
            r = rw_error_setsys(err, errno, "cannot remove %s/%s", c->ec.pin_dir, de->d_name);
    }
    closedir(d);
    if (r == 0 && rmdir(c->ec.pin_dir) < 0 && errno != ENOENT)
        r = rw_error_setsys(err, errno, "cannot remove %s", c->ec.pin_dir);
    return r;
}
