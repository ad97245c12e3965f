/* Containers bound by the kernel, no hook process: runwarden leaves the binding in the
 * pending map under its own pid just before it execs the runtime in place, and the host
 * programs make it when the runtime puts the container into its cgroup. What never got
 * bound (the runtime failed or used no cgroup of its own) and what was never released
 * (no room in the ring buffer for the end event) is collected here, with its record. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/fileio.h"
#include "../common/json.h"
#include "audit_time.h"
#include "bpf_shared.h"
#include "bpf_sys.h"

#define RW_FILEID_KERNFS 0xfe /* the file handle type of a cgroup v2 directory */

static uint64_t boottime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The pinned map, checked to hold this build's value layout. */
static int open_pending(const rw_bpf_ctx_t *c, rw_error_t **err)
{
    int fd = rw_bpf_pinned_map(c, "rw_pending", err);
    if (fd < 0)
        return fd;
    struct bpf_map_info info;
    int r = rw_bpf_sys_map_info(fd, &info);
    if (r < 0 || info.key_size != sizeof(uint32_t) ||
        info.value_size != sizeof(struct rw_bpf_pending)) {
        close(fd);
        return rw_error_set(err, EPROTO, "%s/rw_pending has another build's layout", c->ec.pin_dir);
    }
    return fd;
}

#define RW_CGROUP2_MAGIC 0x63677270

/* The cgroup v2 mount point, cheaply: the two usual places first (statfs), mountinfo last. */
static char *cgroup2_mount(void)
{
    static const char *const usual[] = {"/sys/fs/cgroup/unified", "/sys/fs/cgroup", NULL};
    for (const char *const *u = usual; *u; u++) {
        struct statfs sf;
        if (statfs(*u, &sf) == 0 && (unsigned long)sf.f_type == RW_CGROUP2_MAGIC)
            return strdup(*u);
    }
    char *m = NULL;
    return rw_bpf_cgroup2_mount(&m, NULL) == 0 ? m : NULL;
}

/* This process's cgroup v2 directory and its ancestors, root first, as cgroup ids (the
 * directories' inode numbers). The kernel never binds a container to one of them. */
static int runtime_cgroups(struct rw_bpf_pending *p, rw_error_t **err)
{
    cleanup_free char *rel = NULL, *mnt = cgroup2_mount();
    if (!mnt)
        return rw_error_set(err, ENOENT, "no cgroup v2 file system is mounted");
    int r = rw_bpf_cgroup_of_pid(getpid(), &rel, err);
    if (r < 0)
        return r;
    size_t ml = strlen(mnt);
    cleanup_free char *path = malloc(ml + strlen(rel) + 2);
    if (!path)
        return -ENOMEM;
    memcpy(path, mnt, ml + 1);
    const char *s = rel;
    for (;;) {
        struct stat st;
        if (stat(path, &st) < 0)
            return rw_error_setsys(err, errno, "cannot stat the cgroup %s", path);
        if (p->n_runtime_cgroups >= RW_BPF_ANCESTORS)
            return rw_error_set(err, E2BIG, "the cgroup %s is nested deeper than %d levels", path,
                                RW_BPF_ANCESTORS);
        p->runtime_cgroups[p->n_runtime_cgroups++] = (uint64_t)st.st_ino;
        while (*s == '/')
            s++;
        if (!*s)
            return 0;
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        size_t pl = strlen(path);
        path[pl] = '/';
        memcpy(path + pl + 1, s, n);
        path[pl + 1 + n] = '\0';
        s += n;
    }
}

static int collect_now(const rw_bpf_ctx_t *c);

int rw_bpf_pending_add(const rw_bpf_ctx_t *c, const char *id, const char *tenant, bool own_mnt_ns,
                       rw_error_t **err)
{
    if (!rw_bpf_id_valid(id))
        return rw_error_set(err, EINVAL, "container id '%s' is not usable", id);
    cleanup_close int fd = open_pending(c, err);
    if (fd < 0)
        return fd;
    cleanup_free struct rw_bpf_pending *p = calloc(1, sizeof(*p));
    if (!p)
        return -ENOMEM;
    rw_bpf_policy_fill(&p->pol, rw_config_ebpf_policy(&c->ec, tenant), own_mnt_ns);
    snprintf(p->t.id, sizeof(p->t.id), "%s", id);
    int r = runtime_cgroups(p, err);
    if (r < 0)
        return r;
    p->created_ns = boottime_ns(); /* this process is alive: its start is earlier */
    uint32_t key = (uint32_t)getpid();
    r = rw_bpf_sys_map_update(fd, &key, p, BPF_ANY);
    if (r == -E2BIG && collect_now(c) > 0)
        r = rw_bpf_sys_map_update(fd, &key, p, BPF_ANY); /* room made by stale entries */
    if (r < 0)
        return rw_error_setsys(err, -r, "cannot leave the container's binding in %s/rw_pending",
                               c->ec.pin_dir);
    return 0;
}

/* Whether the process that wrote a pending entry may still bind it: alive, and the same
 * process (it started before the entry was written). */
static bool writer_alive(uint32_t pid, uint64_t created_ns)
{
    if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
        return false;
    char path[32], buf[1024];
    snprintf(path, sizeof(path), "/proc/%u/stat", pid);
    cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    /* field 22 (starttime, clock ticks since boot) counted after the ")" closing comm */
    char *p = strrchr(buf, ')');
    for (int field = 2; p && field < 22; field++)
        p = strchr(p + 1, ' ');
    if (!p)
        return true; /* unreadable: keep it, the next collection looks again */
    unsigned long long ticks = strtoull(p + 1, NULL, 10);
    long hz = sysconf(_SC_CLK_TCK);
    uint64_t start_ns = ticks * (1000000000ull / (uint64_t)(hz > 0 ? hz : 100));
    return start_ns <= created_ns;
}

/* Whether the cgroup v2 directory with that id still exists (its file handle opens). */
static bool cgroup_exists(int mnt_fd, uint64_t cgid)
{
    struct {
        struct file_handle fh;
        uint64_t id;
    } h;
    h.fh.handle_bytes = sizeof(uint64_t);
    h.fh.handle_type = RW_FILEID_KERNFS;
    memcpy(h.fh.f_handle, &cgid, sizeof(cgid));
    int fd = open_by_handle_at(mnt_fd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        close(fd);
        return true;
    }
    return errno != ESTALE && errno != ENOENT; /* any other failure: assume it exists */
}

static int add_body(rw_bpf_stale_t *s, char *body)
{
    if (!body)
        return -ENOMEM;
    char **b = realloc(s->bodies, (s->n + 2) * sizeof(*b));
    if (!b) {
        free(body);
        return -ENOMEM;
    }
    s->bodies = b;
    s->bodies[s->n++] = body;
    s->bodies[s->n] = NULL;
    return 0;
}

static int note_unbound(rw_bpf_stale_t *s, uint32_t pid, const struct rw_bpf_pending *p)
{
    char now[RW_AUDIT_TIME_LEN], id[RW_BPF_ID_MAX];
    rw_audit_time_now(now);
    snprintf(id, sizeof(id), "%s", p->t.id);
    cleanup_json json_t *rec = json_pack(
        "{s:s,s:s,s:s,s:s,s:i,s:s}", "event", "ebpf-attach", "time", now, "container", id,
        "outcome", "not attached", "runtimePid", (int)pid, "why",
        "the runtime ended without moving the container into a cgroup v2 directory of its "
        "own (it failed, or ran the container without cgroups)");
    return rec ? add_body(s, json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER)) : -ENOMEM;
}

static int note_unreleased(rw_bpf_stale_t *s, uint64_t cgid, const struct rw_bpf_tracked *t,
                           const struct rw_bpf_counters *k)
{
    char now[RW_AUDIT_TIME_LEN], at[48], id[RW_BPF_ID_MAX];
    rw_audit_time_now(now);
    rw_bpf_format_time(t->attached_ns, at, sizeof(at));
    snprintf(id, sizeof(id), "%s", t->id);
    json_t *counters = rw_bpf_counters_json(k);
    cleanup_json json_t *rec = json_pack(
        "{s:s,s:s,s:s,s:I,s:s,s:o,s:s}", "event", "ebpf-summary", "time", now, "container", id,
        "cgroupId", (json_int_t)cgid, "attachedAt", at, "counters", counters, "released",
        "collected: the cgroup was gone and the ring buffer had had no room for its end event");
    return rec ? add_body(s, json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER)) : -ENOMEM;
}

/* A runtime that ended may leave a descendant that binds a moment later (a double fork
 * whose middle process the runtime does not wait for): its binding stays this long. */
#define RW_PENDING_GRACE_NS 2000000000ull

int rw_bpf_stale_collect(const rw_bpf_ctx_t *c, bool will_drain, rw_bpf_stale_t *s)
{
    memset(s, 0, sizeof(*s));
    s->pending_fd = open_pending(c, NULL);
    rw_bpf_pins_t pins = {-1, -1, -1};
    rw_bpf_pins_open_some(c, &pins);
    s->pins = pins;
    int r = 0;
    uint64_t now = boottime_ns();
    if (s->pending_fd >= 0) {
        uint32_t key = 0, next;
        bool first = true;
        while (r >= 0 && s->n_pids < RW_BPF_STALE_MAX &&
               rw_bpf_sys_map_next_key(s->pending_fd, first ? NULL : &key, &next) == 0) {
            first = false;
            key = next;
            struct rw_bpf_pending *p = malloc(sizeof(*p));
            if (!p)
                return -ENOMEM;
            if (rw_bpf_sys_map_lookup(s->pending_fd, &key, p) == 0 &&
                p->created_ns + RW_PENDING_GRACE_NS < now && !writer_alive(key, p->created_ns)) {
                r = note_unbound(s, key, p);
                if (r >= 0) {
                    s->pids[s->n_pids] = key;
                    s->pid_created[s->n_pids++] = p->created_ns;
                }
            }
            free(p);
        }
    }
    cleanup_free char *mnt = NULL;
    cleanup_close int mfd = -1;
    if (pins.tracked >= 0 && rw_bpf_cgroup2_mount(&mnt, NULL) == 0)
        mfd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (mfd >= 0) {
        uint64_t key = 0, next;
        bool first = true;
        while (r >= 0 && s->n_cgids < RW_BPF_STALE_MAX &&
               rw_bpf_sys_map_next_key(pins.tracked, first ? NULL : &key, &next) == 0) {
            first = false;
            key = next;
            struct rw_bpf_tracked t;
            struct rw_bpf_counters k;
            if (rw_bpf_sys_map_lookup(pins.tracked, &key, &t) < 0 || cgroup_exists(mfd, key))
                continue;
            /* Claimed by deleting the counters: the kernel's end event, racing with us for
             * a cgroup being removed right now, is written only if it deletes them first. */
            if (pins.counters < 0 || rw_bpf_sys_map_lookup(pins.counters, &key, &k) < 0 ||
                rw_bpf_sys_map_delete(pins.counters, &key) < 0) {
                /* its end event went out: a name kept for the consumer, forgotten by it,
                 * or by us once the ring buffer was read to its end */
                if (will_drain && s->n_names < RW_BPF_STALE_MAX)
                    s->names[s->n_names++] = key;
                continue;
            }
            s->claimed[s->n_cgids] = k;
            s->cgids[s->n_cgids++] = key;
            r = note_unreleased(s, key, &t, &k);
        }
    }
    return r < 0 ? r : (int)s->n;
}

void rw_bpf_stale_forget(rw_bpf_stale_t *s)
{
    for (size_t i = 0; i < s->n_pids && s->pending_fd >= 0; i++) {
        /* only the entry that was judged: a new runtime may reuse the pid meanwhile */
        struct rw_bpf_pending *p = malloc(sizeof(*p));
        if (p && rw_bpf_sys_map_lookup(s->pending_fd, &s->pids[i], p) == 0 &&
            p->created_ns == s->pid_created[i])
            rw_bpf_sys_map_delete(s->pending_fd, &s->pids[i]);
        free(p);
    }
    const int fds[] = {s->pins.policy, s->pins.tracked};
    for (size_t i = 0; i < s->n_cgids; i++)
        for (size_t j = 0; j < RW_ARRAY_SIZE(fds); j++)
            if (fds[j] >= 0)
                rw_bpf_sys_map_delete(fds[j], &s->cgids[i]);
    for (size_t i = 0; i < s->n_names; i++)
        if (s->pins.tracked >= 0)
            rw_bpf_sys_map_delete(s->pins.tracked, &s->names[i]);
    s->n_cgids = 0; /* nothing left to give back */
}

void rw_bpf_stale_clear(rw_bpf_stale_t *s)
{
    /* Not written: the counters claimed go back, for the next collection. */
    for (size_t i = 0; i < s->n_cgids && s->pins.counters >= 0; i++)
        rw_bpf_sys_map_update(s->pins.counters, &s->cgids[i], &s->claimed[i], BPF_NOEXIST);
    for (size_t i = 0; i < s->n; i++)
        free(s->bodies[i]);
    free(s->bodies);
    if (s->pending_fd >= 0)
        close(s->pending_fd);
    rw_bpf_pins_close(&s->pins);
    memset(s, 0, sizeof(*s));
    s->pending_fd = -1;
}

void rw_bpf_pending_drop(const rw_bpf_ctx_t *c, pid_t pid)
{
    cleanup_close int fd = open_pending(c, NULL);
    uint32_t key = (uint32_t)pid;
    if (fd >= 0)
        rw_bpf_sys_map_delete(fd, &key);
}

/* The pending map is full (no `audit follow` or `audit drain` ran for a long while): record
 * and forget what is stale now, so this create is not the one that pays with its binding.
 * Returns how many bindings were collected. */
static int collect_now(const rw_bpf_ctx_t *c)
{
    rw_bpf_stale_t s;
    int k = rw_bpf_stale_collect(c, false, &s);
    size_t n = 0;
    if (k > 0 && rw_bpf_record_batch((rw_bpf_ctx_t *)c, s.bodies, s.n, NULL) >= 0) {
        n = s.n_pids;
        rw_bpf_stale_forget(&s);
    }
    rw_bpf_stale_clear(&s);
    return (int)n;
}
