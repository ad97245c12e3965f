/* The host-wide part, made once and kept in bpffs: the shared maps (ring buffer, counters,
 * tracked containers, pending bindings, totals), the binding, exec and packet-socket
 * programs, and the cgroup programs linked at the cgroup v2 root, all links pinned so they
 * outlive the process that loaded them, and last the build stamp that tells runwarden this
 * build's layout is pinned and complete (it then needs no helper). */
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

/* The ring buffer size to load a new object with: the pinned buffer's when it exists. */
static uint32_t host_ringbuf_size(const rw_bpf_ctx_t *c)
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

static int pin_link(const rw_bpf_ctx_t *c, struct bpf_link *l, const char *name)
{
    cleanup_free char *p = rw_bpf_pin_path(c, name);
    if (!p)
        return -ENOMEM;
    return bpf_link__pin(l, p);
}

/* The cgroup programs, loaded once and pinned as programs, then linked at the cgroup v2
 * root. Retried without task reads where the kernel does not give bpf_get_current_task()
 * to cgroup programs. */
static int load_cgroup_programs(rw_bpf_ctx_t *c, json_t *facts, rw_error_t **err)
{
    int r = 0;
    for (int have_task = 1; have_task >= 0; have_task--) {
        LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = c->ec.pin_dir);
        struct rw_cgroup_bpf *skel = rw_cgroup_bpf__open_opts(&opts);
        if (!skel)
            return rw_error_setsys(err, errno, "cannot open the cgroup BPF object");
        skel->rodata->rw_have_task = (uint32_t)have_task;
        r = bpf_map__set_max_entries(skel->maps.rw_events, host_ringbuf_size(c));
        if (r == 0)
            r = rw_cgroup_bpf__load(skel);
        if (r < 0) {
            rw_cgroup_bpf__destroy(skel);
            continue;
        }
        for (const rw_bpf_cgroup_prog_t *p = rw_bpf_cgroup_progs; p->name && r == 0; p++) {
            struct bpf_program *prog = bpf_object__find_program_by_name(skel->obj, p->name);
            cleanup_free char *path = rw_bpf_pin_path(c, p->name);
            if (!prog || !path)
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

/* The cgroup programs, linked at the cgroup v2 root: without them nothing a container does
 * is judged, so a failure here fails the load. */
static int link_root_programs(const rw_bpf_ctx_t *c, json_t *facts, rw_error_t **err)
{
    cleanup_free char *mnt = NULL;
    int r = rw_bpf_cgroup2_mount(&mnt, err);
    for (const rw_bpf_cgroup_prog_t *p = rw_bpf_cgroup_progs; p->name && r == 0; p++)
        r = rw_bpf_root_link_ensure(c, p, mnt, err);
    if (r < 0)
        return r;
    char what[512];
    snprintf(what, sizeof(what), "linked at the cgroup v2 root %s", mnt);
    json_object_set_new(facts, "cgroupPrograms", json_string(what));
    return 0;
}

static bool host_complete(const rw_bpf_ctx_t *c)
{
    static const char *const links[] = {RW_BPF_PIN_EXEC, RW_BPF_PIN_BIND, RW_BPF_PIN_FORK,
                                        RW_BPF_PIN_RMDIR, NULL};
    for (const char *const *l = links; *l; l++)
        if (!rw_bpf_pin_exists(c, *l))
            return false;
    for (const rw_bpf_cgroup_prog_t *p = rw_bpf_cgroup_progs; p->name; p++)
        if (!rw_bpf_pin_exists(c, p->name) || !rw_bpf_pin_exists(c, p->link_pin))
            return false;
    return true;
}

/* Why another build's pins cannot be replaced now (NULL: they can): its containers are
 * attached to its programs, and `audit follow` reads its ring buffer. */
static const char *replace_blocker(const rw_bpf_ctx_t *c)
{
    cleanup_close int tfd = rw_bpf_pinned_map(c, "rw_tracked", NULL);
    uint64_t k = 0;
    if (tfd >= 0 && bpf_map_get_next_key(tfd, NULL, &k) == 0)
        return "containers are tracked";
    cleanup_close int pfd = rw_bpf_pinned_map(c, "rw_pending", NULL);
    uint32_t pk = 0;
    if (pfd >= 0 && bpf_map_get_next_key(pfd, NULL, &pk) == 0)
        return "a container is being created";
    if (rw_bpf_follow_running(c) || rw_bpf_lock_held(c, RW_BPF_LOCK_CONSUMER))
        return "the ring buffer is being read";
    return NULL;
}

/* The build stamp, pinned last: "complete, and this build's layout". */
static int pin_stamp(const rw_bpf_ctx_t *c)
{
    char v[RW_BPF_BUILD_ID_LEN];
    memset(v, 0, sizeof(v));
    const char *id = rw_bpf_build_id();
    memcpy(v, id, strnlen(id, sizeof(v)));
    cleanup_free char *path = rw_bpf_pin_path(c, RW_BPF_PIN_BUILD);
    cleanup_close int fd =
        bpf_map_create(BPF_MAP_TYPE_ARRAY, RW_BPF_PIN_BUILD, sizeof(uint32_t), sizeof(v), 1, NULL);
    if (!path)
        return -ENOMEM;
    if (fd < 0)
        return -errno;
    uint32_t zero = 0;
    if (bpf_map_update_elem(fd, &zero, v, BPF_ANY) < 0 || bpf_obj_pin(fd, path) < 0)
        return -errno;
    return 0;
}

/* The binding programs, each link pinned: without them no container is ever tracked. */
static int attach_binding(const rw_bpf_ctx_t *c, struct rw_host_bpf *skel, rw_error_t **err)
{
    const struct {
        struct bpf_program *prog;
        const char *pin, *what;
    } b[] = {
        {skel->progs.rw_cgroup_attach, RW_BPF_PIN_BIND, "raw_tp/cgroup_attach_task"},
        {skel->progs.rw_fork, RW_BPF_PIN_FORK, "raw_tp/sched_process_fork"},
        {skel->progs.rw_cgroup_rmdir, RW_BPF_PIN_RMDIR, "raw_tp/cgroup_rmdir"},
    };
    for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
        struct bpf_link *l = bpf_program__attach(b[i].prog);
        int r = l ? pin_link(c, l, b[i].pin) : -errno;
        bpf_link__destroy(l);
        if (r < 0)
            return rw_error_setsys(err, -r, "cannot attach and pin %s in %s", b[i].what,
                                   c->ec.pin_dir);
    }
    return 0;
}

static int load_host(rw_bpf_ctx_t *c, json_t *facts, rw_error_t **err)
{
    int r = load_cgroup_programs(c, facts, err);
    if (r < 0)
        return r;
    LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = c->ec.pin_dir);
    struct rw_host_bpf *skel = rw_host_bpf__open_opts(&opts);
    if (!skel)
        return rw_error_setsys(err, errno, "cannot open the host BPF object");
    r = bpf_map__set_max_entries(skel->maps.rw_events, host_ringbuf_size(c));
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
    int perr = cap ? -pin_link(c, cap, RW_BPF_PIN_CAP) : errno;
    if (perr == 0) {
        json_object_set_new(facts, "packetSockets", json_string("observed (refused CAP_NET_RAW)"));
    } else {
        char why[160];
        snprintf(why, sizeof(why), "not observed: raw_tp/cap_capable: %s", strerror(perr));
        json_object_set_new(facts, "packetSockets", json_string(why));
    }
    r = pin_link(c, exec, RW_BPF_PIN_EXEC);
    bpf_link__destroy(cap);
    bpf_link__destroy(exec);
    if (r == 0)
        r = attach_binding(c, skel, err);
    else
        rw_error_setsys(err, -r, "cannot pin the exec link in %s", c->ec.pin_dir);
    rw_host_bpf__destroy(skel);
    if (r < 0)
        return r;
    if ((r = link_root_programs(c, facts, err)) < 0)
        return r;
    json_object_set_new(facts, "programs", json_string("loaded"));
    if ((r = pin_stamp(c)) < 0) {
        /* usable all the same; the hooks keep handing containers to this helper */
        char why[160];
        snprintf(why, sizeof(why), "not pinned: %s", strerror(-r));
        json_object_set_new(facts, "buildStamp", json_string(why));
    }
    return 0;
}

int rw_bpf_host_ensure(rw_bpf_ctx_t *c, json_t *facts, rw_error_t **err)
{
    int r = ensure_bpffs(c, err);
    if (r < 0)
        return r;
    int stamp = rw_bpf_build_check(c);
    bool complete = host_complete(c);
    if (complete && stamp == 0) {
        json_object_set_new(facts, "programs", json_string("pinned"));
        return 0;
    }
    /* Another build's (or a build's from before stamps): replaced when nothing uses it,
     * else used as it is (its maps' layout is checked before any entry goes in). */
    if (stamp == -ESTALE || (stamp == -ENOENT && complete)) {
        const char *blocker = replace_blocker(c);
        if (blocker) {
            char why[200];
            snprintf(why, sizeof(why), "pinned by another runwarden build, kept: %s", blocker);
            json_object_set_new(facts, "programs", json_string(why));
            return 0;
        }
        if ((r = rw_bpf_host_unload(c, err)) < 0 || (r = ensure_bpffs(c, err)) < 0)
            return r;
        json_object_set_new(facts, "replaced", json_string("another runwarden build's programs"));
    } else if (!complete && rw_bpf_pin_exists(c, "rw_events")) {
        /* what a load that failed half-way (or was killed) left: its pins would make every
         * later load fail on them */
        if ((r = rw_bpf_host_unload(c, err)) < 0 || (r = ensure_bpffs(c, err)) < 0)
            return r;
        json_object_set_new(facts, "replaced", json_string("an incomplete load's pins"));
    }
    return load_host(c, facts, err);
}

int rw_bpf_host_ensure_pins(rw_bpf_ctx_t *c, json_t *facts, rw_bpf_pins_t *pins, rw_error_t **err)
{
    int r = rw_bpf_host_ensure(c, facts, err);
    return r < 0 ? r : rw_bpf_pins_open(c, pins, err);
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
