/* Releasing one container after it stopped: make sure its events are out of the ring buffer
 * (drain them here, or let a running `audit follow` catch up), record its exact counters,
 * and forget it (map entries, state file, any program still on a surviving cgroup). The
 * drained events and the summary go to the audit log as one batch with one sync. */
#include <dirent.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/json.h"
#include "audit_time.h"
#include "bpf_shared.h"
#include "bpf_sys.h"

#define RW_FOLLOW_CATCH_UP_MS 3000
#define RW_CONSUMER_WAIT_MS 5000

int rw_bpf_detach_all(int cgroup_fd)
{
    int detached = 0;
    for (const rw_bpf_cgroup_prog_t *p = rw_bpf_cgroup_progs; p->name; p++) {
        uint32_t ids[64], cnt = 64;
        if (rw_bpf_sys_prog_query(cgroup_fd, (unsigned)p->attach_type, ids, &cnt) < 0)
            continue;
        for (uint32_t i = 0; i < cnt; i++) {
            cleanup_close int pfd = rw_bpf_sys_prog_fd_by_id(ids[i]);
            if (pfd < 0)
                continue;
            struct bpf_prog_info info;
            if (rw_bpf_sys_prog_info(pfd, &info) < 0 || strncmp(info.name, "rw_", 3) != 0)
                continue; /* the runtime's or someone else's */
            if (rw_bpf_sys_prog_detach(pfd, cgroup_fd, (unsigned)p->attach_type) == 0)
                detached++;
        }
    }
    return detached;
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Short sleeps first: a consumer that is awake catches up within a millisecond. */
static void backoff(unsigned *step_us)
{
    usleep(*step_us);
    if (*step_us < 10000)
        *step_us *= 2;
}

/* `audit follow` owns the buffer: wait until it has read what was produced so far. */
static json_t *wait_for_follow(rw_bpf_ctx_t *c)
{
    uint64_t prod = 0, cons = 0;
    if (rw_bpf_events_positions(c, &prod, &cons) < 0)
        return json_string("follow");
    uint64_t target = prod, deadline = now_us() + RW_FOLLOW_CATCH_UP_MS * 1000u;
    unsigned step = 250;
    while (cons < target && now_us() < deadline) {
        backoff(&step);
        if (rw_bpf_events_positions(c, &prod, &cons) < 0)
            break;
    }
    return json_string(cons >= target ? "follow" : "follow (still catching up)");
}

/* The consumer lock, unless `audit follow` runs (then -EWOULDBLOCK): another poststop
 * that drains holds it only for a moment. */
static int consumer_lock(rw_bpf_ctx_t *c, rw_error_t **err)
{
    uint64_t deadline = now_us() + RW_CONSUMER_WAIT_MS * 1000u;
    unsigned step = 250;
    for (;;) {
        if (rw_bpf_follow_running(c))
            return -EWOULDBLOCK;
        int lock = rw_bpf_lock(c, RW_BPF_LOCK_CONSUMER, false, err);
        if (lock != -EWOULDBLOCK)
            return lock;
        if (now_us() > deadline)
            return rw_error_set(err, EBUSY, "the ring buffer's consumer lock stays held");
        backoff(&step);
    }
}

/* Reads every queued event (of all containers) into d; *ret_events says what the summary
 * reports about them: "drained N", "follow", or why they could not be collected (the
 * counters are exact regardless). */
static json_t *collect_events(rw_bpf_ctx_t *c, rw_bpf_drain_t **ret_d, int *ret_lock)
{
    rw_error_t *err = NULL;
    int lock = consumer_lock(c, &err);
    if (lock == -EWOULDBLOCK)
        return wait_for_follow(c);
    json_t *j = NULL;
    int r = lock;
    if (r >= 0)
        r = rw_bpf_drain_open(c, false, NULL, NULL, ret_d, &err);
    while (r >= 0 && (r = rw_bpf_drain_poll(*ret_d, 0, &err)) > 0)
        ;
    if (r < 0) {
        j = json_sprintf("not drained: %s", err ? err->msg : strerror(-r));
        rw_bpf_drain_free(*ret_d);
        *ret_d = NULL;
        if (lock >= 0)
            close(lock);
        lock = -1;
    } else {
        j = json_sprintf("drained %ld", rw_bpf_drain_count(*ret_d));
    }
    *ret_lock = lock;
    rw_error_free(err);
    return j;
}

json_t *rw_bpf_counters_json(const struct rw_bpf_counters *k)
{
    return json_pack(
        "{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "exec", (json_int_t)k->n[RW_BPF_EV_EXEC],
        "connect", (json_int_t)k->n[RW_BPF_EV_CONNECT], "sendmsg",
        (json_int_t)k->n[RW_BPF_EV_SENDMSG], "socket", (json_int_t)k->n[RW_BPF_EV_SOCKET], "device",
        (json_int_t)k->n[RW_BPF_EV_DEVICE], "sysctl", (json_int_t)k->n[RW_BPF_EV_SYSCTL],
        "capability", (json_int_t)k->n[RW_BPF_EV_CAPABILITY], "refused", (json_int_t)k->refused,
        "lost", (json_int_t)k->lost);
}

/* A cgroup that outlives its container (kept by the engine) must not keep our programs. */
static int detach_surviving(const char *rel, uint64_t cgid)
{
    cleanup_free char *mnt = NULL;
    int fd = -1, detached = 0;
    uint64_t now_id = 0;
    if (rel && rw_bpf_cgroup2_mount(&mnt, NULL) == 0 &&
        rw_bpf_cgroup_open(mnt, rel, &fd, &now_id, NULL) == 0) {
        if (now_id == cgid)
            detached = rw_bpf_detach_all(fd);
        close(fd);
    }
    return detached;
}

/* Writes the drained events (if any) and the summary with one sync. */
static int write_summary(rw_bpf_ctx_t *c, rw_bpf_drain_t *d, json_t *rec, rw_error_t **err)
{
    cleanup_free char *body = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!body)
        return -ENOMEM;
    rw_error_t *werr = NULL;
    int r = d ? rw_bpf_drain_flush(d, body, &werr) : rw_bpf_record_batch(c, &body, 1, &werr);
    if (r < 0 && !rw_bpf_audit_required(c)) {
        /* audit.required false: the records are lost, not the container (undrained events
         * stay queued for the next consumer) */
        rw_error_free(werr);
        return 0;
    }
    if (r < 0 && err && !*err)
        *err = werr;
    else
        rw_error_free(werr);
    return r;
}

/* by_gc: the container's cgroup is gone and its poststop never ran (the runtime failed
 * after createRuntime, or the hook was killed); its queued events are left to the next
 * drain rather than drained by whatever container start noticed it. */
static int release(rw_bpf_ctx_t *c, const char *id, bool by_gc, rw_error_t **err)
{
    cleanup_json json_t *st = NULL;
    if (rw_bpf_state_read(c, id, &st, NULL) < 0)
        return 0; /* never attached (disabled, refused, or released already) */
    rw_bpf_drain_t *d = NULL;
    cleanup_close int consumer = -1;
    json_t *events = by_gc ? json_string("left to the next drain: released without its "
                                         "poststop hook (the cgroup was gone)")
                           : collect_events(c, &d, &consumer);
    /* One summary per container: a poststop and a gc may meet here. */
    cleanup_close int lock = rw_bpf_lock(c, "release.lock", true, NULL);
    json_decref(st);
    st = NULL;
    int r = 0;
    if (rw_bpf_state_read(c, id, &st, NULL) < 0) {
        json_decref(events);
        if (d)
            r = rw_bpf_drain_flush(d, NULL, err); /* released meanwhile: keep the events */
        rw_bpf_drain_free(d);
        return r < 0 && rw_bpf_audit_required(c) ? r : 0;
    }
    json_int_t cgid_j = json_integer_value(json_object_get(st, "cgroupId"));
    uint64_t cgid = (uint64_t)cgid_j;
    int detached = detach_surviving(json_string_value(json_object_get(st, "cgroup")), cgid);

    struct rw_bpf_counters k;
    memset(&k, 0, sizeof(k));
    rw_bpf_pins_t pins = {-1, -1, -1};
    rw_bpf_pins_open_some(c, &pins);
    bool have = pins.counters >= 0 && rw_bpf_sys_map_lookup(pins.counters, &cgid, &k) == 0;
    char now[RW_AUDIT_TIME_LEN];
    rw_audit_time_now(now);
    cleanup_json json_t *rec = json_pack(
        "{s:s,s:s,s:s,s:I,s:s?,s:o,s:o,s:i}", "event", "ebpf-summary", "time", now, "container", id,
        "cgroupId", cgid_j, "tenant", json_string_value(json_object_get(st, "tenant")), "counters",
        have ? rw_bpf_counters_json(&k) : json_null(), "events", events, "detachedAtStop",
        detached);
    r = rec ? write_summary(c, d, rec, err) : -ENOMEM;
    rw_bpf_drain_free(d);
    if (r >= 0) {
        const int fds[] = {pins.policy, pins.counters, pins.tracked};
        for (size_t i = 0; i < RW_ARRAY_SIZE(fds); i++)
            if (fds[i] >= 0)
                rw_bpf_sys_map_delete(fds[i], &cgid);
        rw_bpf_state_remove(c, id);
    } /* else keep the state: a later poststop (or an operator) can retry */
    rw_bpf_pins_close(&pins);
    return r < 0 ? r : 0;
}

int rw_bpf_release(rw_bpf_ctx_t *c, const char *id, rw_error_t **err)
{
    return release(c, id, false, err);
}

int rw_bpf_gc_in(rw_bpf_ctx_t *c, const char *mnt, int *ret_released)
{
    int released = 0;
    DIR *d = opendir(c->ec.state_dir);
    if (!d)
        return 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n < 6 || strcmp(de->d_name + n - 5, ".json") != 0)
            continue;
        char id[160];
        snprintf(id, sizeof(id), "%.*s", (int)(n - 5), de->d_name);
        cleanup_json json_t *st = NULL;
        if (rw_bpf_state_read(c, id, &st, NULL) < 0)
            continue;
        const char *rel = json_string_value(json_object_get(st, "cgroup"));
        uint64_t cgid = (uint64_t)json_integer_value(json_object_get(st, "cgroupId"));
        int fd = -1;
        uint64_t now_id = 0;
        if (rel && rw_bpf_cgroup_open(mnt, rel, &fd, &now_id, NULL) == 0) {
            close(fd);
            if (now_id == cgid)
                continue; /* alive */
        }
        if (release(c, id, true, NULL) == 0)
            released++;
    }
    closedir(d);
    if (ret_released)
        *ret_released = released;
    return 0;
}

int rw_bpf_gc(rw_bpf_ctx_t *c, int *ret_released)
{
    cleanup_free char *mnt = NULL;
    if (ret_released)
        *ret_released = 0;
    if (rw_bpf_cgroup2_mount(&mnt, NULL) < 0)
        return 0;
    return rw_bpf_gc_in(c, mnt, ret_released);
}
