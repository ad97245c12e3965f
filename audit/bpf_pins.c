/* The host-wide objects in the pin directory as the hooks see them: opening pins, checking
 * that the maps have this build's layout and that this build pinned them (the stamp), and
 * the state-directory locks that order the hooks, the helper and `audit follow`. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/fileio.h"
#include "bpf_shared.h"
#include "bpf_sys.h"

#if __has_include("rw_bpf_build.h")
#include "rw_bpf_build.h" /* generated from the BPF objects by audit/bpf/CMakeLists.txt */
#else
#define RW_BPF_BUILD_ID ""
#endif

/* All linked once at the cgroup v2 root: they judge only tasks of a tracked cgroup (or one
 * below it), and a link there survives what a runtime does to a container's own cgroup
 * (a device filter update detaches every device program attached to it: runc, crun). */
const rw_bpf_cgroup_prog_t rw_bpf_cgroup_progs[] = {
    {"rw_connect4", "cgroup/connect4", BPF_CGROUP_INET4_CONNECT, true, "connect4_link"},
    {"rw_connect6", "cgroup/connect6", BPF_CGROUP_INET6_CONNECT, true, "connect6_link"},
    {"rw_sendmsg4", "cgroup/sendmsg4", BPF_CGROUP_UDP4_SENDMSG, true, "sendmsg4_link"},
    {"rw_sendmsg6", "cgroup/sendmsg6", BPF_CGROUP_UDP6_SENDMSG, true, "sendmsg6_link"},
    {"rw_sock_create", "cgroup/sock_create", BPF_CGROUP_INET_SOCK_CREATE, true, "sock_create_link"},
    {"rw_dev", "cgroup/dev", BPF_CGROUP_DEVICE, true, RW_BPF_PIN_DEV},
    {"rw_sysctl", "cgroup/sysctl", BPF_CGROUP_SYSCTL, true, "sysctl_link"},
    {NULL, NULL, 0, false, NULL},
};

const char *rw_bpf_build_id(void)
{
    return RW_BPF_BUILD_ID;
}

char *rw_bpf_pin_path(const rw_bpf_ctx_t *c, const char *name)
{
    char *p = NULL;
    return asprintf(&p, "%s/%s", c->ec.pin_dir, name) < 0 ? NULL : p;
}

bool rw_bpf_pin_exists(const rw_bpf_ctx_t *c, const char *name)
{
    cleanup_free char *p = rw_bpf_pin_path(c, name);
    return p && access(p, F_OK) == 0;
}

static int pin_open(const rw_bpf_ctx_t *c, const char *name)
{
    cleanup_free char *p = rw_bpf_pin_path(c, name);
    return p ? rw_bpf_sys_obj_get(p) : -ENOMEM;
}

int rw_bpf_pinned_map(const rw_bpf_ctx_t *c, const char *name, rw_error_t **err)
{
    int fd = pin_open(c, name);
    if (fd < 0)
        return rw_error_setsys(err, -fd, "cannot open pinned map %s/%s", c->ec.pin_dir, name);
    return fd;
}

int rw_bpf_cgroup_prog_open(const rw_bpf_ctx_t *c, const rw_bpf_cgroup_prog_t *p)
{
    return pin_open(c, p->name);
}

/* Opens a pinned map and checks its type and sizes against this build's structs. */
static int map_open_checked(const rw_bpf_ctx_t *c, const char *name, uint32_t type,
                            uint32_t key_size, uint32_t value_size, rw_error_t **err)
{
    cleanup_close int fd = rw_bpf_pinned_map(c, name, err);
    if (fd < 0)
        return fd;
    struct bpf_map_info info;
    int r = rw_bpf_sys_map_info(fd, &info);
    if (r < 0)
        return rw_error_setsys(err, -r, "cannot read pinned map %s/%s", c->ec.pin_dir, name);
    if (info.type != type || info.key_size != key_size || info.value_size != value_size)
        return rw_error_set(err, EPROTO,
                            "pinned map %s/%s has another layout (type %u, key %u, value %u "
                            "bytes; this build expects %u, %u, %u): it was loaded by another "
                            "runwarden build; run `runwarden-bpf unload` once no container "
                            "runs",
                            c->ec.pin_dir, name, info.type, info.key_size, info.value_size, type,
                            key_size, value_size);
    return TAKE_FD(fd);
}

int rw_bpf_build_check(const rw_bpf_ctx_t *c)
{
    const char *mine = rw_bpf_build_id();
    if (!*mine)
        return -ESTALE;
    cleanup_close int fd = pin_open(c, RW_BPF_PIN_BUILD);
    if (fd < 0)
        return fd;
    struct bpf_map_info info;
    int r = rw_bpf_sys_map_info(fd, &info);
    if (r < 0)
        return r;
    if (info.type != BPF_MAP_TYPE_ARRAY || info.key_size != 4 ||
        info.value_size != RW_BPF_BUILD_ID_LEN)
        return -ESTALE;
    uint32_t zero = 0;
    char id[RW_BPF_BUILD_ID_LEN + 1];
    if ((r = rw_bpf_sys_map_lookup(fd, &zero, id)) < 0)
        return r;
    id[RW_BPF_BUILD_ID_LEN] = '\0';
    return strcmp(id, mine) == 0 ? 0 : -ESTALE;
}

void rw_bpf_pins_close(rw_bpf_pins_t *p)
{
    int *fds[] = {&p->policy, &p->counters, &p->tracked};
    for (size_t i = 0; i < RW_ARRAY_SIZE(fds); i++) {
        if (*fds[i] >= 0)
            close(*fds[i]);
        *fds[i] = -1;
    }
}

int rw_bpf_pins_open(const rw_bpf_ctx_t *c, rw_bpf_pins_t *p, rw_error_t **err)
{
    p->policy = map_open_checked(c, "rw_policy", BPF_MAP_TYPE_HASH, sizeof(uint64_t),
                                 sizeof(struct rw_bpf_policy), err);
    p->counters = p->policy < 0
                      ? -1
                      : map_open_checked(c, "rw_counters", BPF_MAP_TYPE_HASH, sizeof(uint64_t),
                                         sizeof(struct rw_bpf_counters), err);
    p->tracked = p->counters < 0
                     ? -1
                     : map_open_checked(c, "rw_tracked", BPF_MAP_TYPE_HASH, sizeof(uint64_t),
                                        sizeof(struct rw_bpf_tracked), err);
    int r = p->policy < 0 ? p->policy : p->counters < 0 ? p->counters : p->tracked;
    if (r < 0) {
        rw_bpf_pins_close(p);
        return r;
    }
    return 0;
}

void rw_bpf_pins_open_some(const rw_bpf_ctx_t *c, rw_bpf_pins_t *p)
{
    p->policy = map_open_checked(c, "rw_policy", BPF_MAP_TYPE_HASH, sizeof(uint64_t),
                                 sizeof(struct rw_bpf_policy), NULL);
    p->counters = map_open_checked(c, "rw_counters", BPF_MAP_TYPE_HASH, sizeof(uint64_t),
                                   sizeof(struct rw_bpf_counters), NULL);
    p->tracked = map_open_checked(c, "rw_tracked", BPF_MAP_TYPE_HASH, sizeof(uint64_t),
                                  sizeof(struct rw_bpf_tracked), NULL);
    if (p->policy < 0)
        p->policy = -1;
    if (p->counters < 0)
        p->counters = -1;
    if (p->tracked < 0)
        p->tracked = -1;
}

int rw_bpf_host_check(rw_bpf_ctx_t *c, json_t *facts, rw_bpf_pins_t *pins, rw_error_t **err)
{
    (void)err; /* whatever is wrong, the helper finds it again and says it in the record */
    if (rw_bpf_build_check(c) < 0 || !rw_bpf_pin_exists(c, RW_BPF_PIN_EXEC))
        return RW_BPF_NEED_HELPER;
    for (const rw_bpf_cgroup_prog_t *p = rw_bpf_cgroup_progs; p->name; p++)
        if (!rw_bpf_pin_exists(c, p->name))
            return RW_BPF_NEED_HELPER;
    if (rw_bpf_pins_open(c, pins, NULL) < 0)
        return RW_BPF_NEED_HELPER;
    json_object_set_new(facts, "programs", json_string("pinned"));
    return 0;
}

static int lock_open(const rw_bpf_ctx_t *c, const char *name, rw_error_t **err)
{
    if (rw_mkdir_p(c->ec.state_dir, 0700) < 0)
        return rw_error_setsys(err, errno, "cannot create %s", c->ec.state_dir);
    cleanup_free char *p = NULL;
    if (asprintf(&p, "%s/%s", c->ec.state_dir, name) < 0)
        return -ENOMEM;
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return rw_error_setsys(err, errno, "cannot open %s", p);
    return fd;
}

int rw_bpf_lock(const rw_bpf_ctx_t *c, const char *name, bool wait, rw_error_t **err)
{
    cleanup_close int fd = lock_open(c, name, err);
    if (fd < 0)
        return fd;
    while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
        if (errno == EINTR)
            continue;
        if (errno == EWOULDBLOCK)
            return -EWOULDBLOCK; /* no message: callers decide what a busy lock means */
        return rw_error_setsys(err, errno, "cannot lock %s/%s", c->ec.state_dir, name);
    }
    return TAKE_FD(fd);
}

bool rw_bpf_lock_held(const rw_bpf_ctx_t *c, const char *name)
{
    cleanup_close int fd = rw_bpf_lock(c, name, false, NULL);
    return fd == -EWOULDBLOCK;
}

/* The follow lock is an open-file-description lock, not a flock: it can be tested without
 * being taken, so a poststop looking at it never makes a starting `audit follow` think
 * another one runs. */
static struct flock whole_file(short type)
{
    struct flock l;
    memset(&l, 0, sizeof(l));
    l.l_type = type;
    l.l_whence = SEEK_SET;
    return l;
}

int rw_bpf_follow_lock(const rw_bpf_ctx_t *c, rw_error_t **err)
{
    cleanup_close int fd = lock_open(c, RW_BPF_LOCK_FOLLOW, err);
    if (fd < 0)
        return fd;
    struct flock l = whole_file(F_WRLCK);
    if (fcntl(fd, F_OFD_SETLK, &l) < 0) {
        if (errno == EAGAIN || errno == EACCES)
            return -EWOULDBLOCK;
        return rw_error_setsys(err, errno, "cannot lock %s/%s", c->ec.state_dir,
                               RW_BPF_LOCK_FOLLOW);
    }
    return TAKE_FD(fd);
}

bool rw_bpf_follow_running(const rw_bpf_ctx_t *c)
{
    cleanup_free char *p = NULL;
    if (asprintf(&p, "%s/%s", c->ec.state_dir, RW_BPF_LOCK_FOLLOW) < 0)
        return false;
    cleanup_close int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return false;
    struct flock l = whole_file(F_WRLCK);
    return fcntl(fd, F_OFD_GETLK, &l) == 0 && l.l_type != F_UNLCK;
}
