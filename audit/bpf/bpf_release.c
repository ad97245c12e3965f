/* Releasing one container after it stopped: make sure its events are out of the ring buffer
 * (drain them here, or let a running `audit follow` catch up), record its exact counters,
 * and forget it (map entries, state file, any program still on a surviving cgroup). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../../common/cleanup.h"
#include "../../common/json.h"
#include "../audit_time.h"
#include "bpf_helper.h"

#define RW_FOLLOW_CATCH_UP_MS 3000

static const enum bpf_attach_type rw_cgroup_types[] = {
    BPF_CGROUP_INET4_CONNECT, BPF_CGROUP_INET6_CONNECT,    BPF_CGROUP_UDP4_SENDMSG,
    BPF_CGROUP_UDP6_SENDMSG,  BPF_CGROUP_INET_SOCK_CREATE, BPF_CGROUP_DEVICE,
    BPF_CGROUP_SYSCTL,
};

int rw_bpf_detach_all(int cgroup_fd)
{
    int detached = 0;
    for (size_t t = 0; t < sizeof(rw_cgroup_types) / sizeof(rw_cgroup_types[0]); t++) {
        uint32_t ids[64], cnt = 64, flags = 0;
        if (bpf_prog_query(cgroup_fd, rw_cgroup_types[t], 0, &flags, ids, &cnt) < 0)
            continue;
        for (uint32_t i = 0; i < cnt; i++) {
            cleanup_close int pfd = bpf_prog_get_fd_by_id(ids[i]);
            if (pfd < 0)
                continue;
            struct bpf_prog_info info;
            uint32_t len = sizeof(info);
            memset(&info, 0, sizeof(info));
            if (bpf_obj_get_info_by_fd(pfd, &info, &len) < 0 || strncmp(info.name, "rw_", 3) != 0)
                continue; /* the runtime's or someone else's */
            if (bpf_prog_detach2(pfd, cgroup_fd, rw_cgroup_types[t]) == 0)
                detached++;
        }
    }
    return detached;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Returns what the summary should say about the ring buffer: "drained N", "follow", or why
 * the events could not be collected (the counters are exact regardless). */
static json_t *collect_events(rw_bpf_ctx_t *c)
{
    rw_error_t *err = NULL;
    int lock = rw_bpf_lock(c, "consumer.lock", false, &err);
    if (lock == -EWOULDBLOCK) {
        /* `audit follow` owns the buffer: wait until it has read what was produced so far */
        uint64_t prod = 0, cons = 0;
        uint64_t deadline = now_ms() + RW_FOLLOW_CATCH_UP_MS;
        if (rw_bpf_ringbuf_positions(c, &prod, &cons) < 0)
            return json_string("follow");
        uint64_t target = prod;
        while (cons < target && now_ms() < deadline) {
            usleep(10000);
            if (rw_bpf_ringbuf_positions(c, &prod, &cons) < 0)
                break;
        }
        return json_string(cons >= target ? "follow" : "follow (still catching up)");
    }
    if (lock < 0) {
        json_t *j = json_sprintf("not drained: %s", err ? err->msg : strerror(-lock));
        rw_error_free(err);
        return j;
    }
    rw_bpf_drain_t *d = NULL;
    long total = 0;
    int r = rw_bpf_drain_open(c, NULL, NULL, &d, &err);
    while (r >= 0) {
        r = rw_bpf_drain_poll(d, 0, &err);
        if (r <= 0)
            break;
        total += r;
    }
    if (r >= 0)
        r = rw_bpf_drain_flush(d, &err);
    rw_bpf_drain_free(d);
    close(lock);
    json_t *j = r < 0 ? json_sprintf("not drained: %s", err ? err->msg : strerror(-r))
                      : json_sprintf("drained %ld", total);
    rw_error_free(err);
    return j;
}

static json_t *counters_json(const struct rw_bpf_counters *k)
{
    return json_pack(
        "{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "exec", (json_int_t)k->n[RW_BPF_EV_EXEC],
        "connect", (json_int_t)k->n[RW_BPF_EV_CONNECT], "sendmsg",
        (json_int_t)k->n[RW_BPF_EV_SENDMSG], "socket", (json_int_t)k->n[RW_BPF_EV_SOCKET], "device",
        (json_int_t)k->n[RW_BPF_EV_DEVICE], "sysctl", (json_int_t)k->n[RW_BPF_EV_SYSCTL],
        "capability", (json_int_t)k->n[RW_BPF_EV_CAPABILITY], "refused", (json_int_t)k->refused,
        "lost", (json_int_t)k->lost);
}

/* by_gc: the container's cgroup is gone and its poststop never ran (the runtime failed
 * after createRuntime, or the hook was killed); its queued events are left to the next
 * drain rather than drained by whatever container start noticed it. */
static int release(rw_bpf_ctx_t *c, const char *id, bool by_gc, rw_error_t **err)
{
    cleanup_json json_t *st = NULL;
    int r = rw_bpf_state_read(c, id, &st, NULL);
    if (r < 0)
        return 0; /* never attached (disabled, refused, or released already) */
    json_t *events = by_gc ? json_string("left to the next drain: released without its "
                                         "poststop hook (the cgroup was gone)")
                           : collect_events(c);
    /* One summary per container: a poststop and a gc may meet here. */
    cleanup_close int lock = rw_bpf_lock(c, "release.lock", true, NULL);
    json_decref(st);
    st = NULL;
    if (rw_bpf_state_read(c, id, &st, NULL) < 0) {
        json_decref(events);
        return 0;
    }
    json_int_t cgid_j = json_integer_value(json_object_get(st, "cgroupId"));
    const char *rel = json_string_value(json_object_get(st, "cgroup"));
    uint64_t cgid = (uint64_t)cgid_j;

    /* A cgroup that outlives its container (kept by the engine) must not keep our programs. */
    int detached = 0;
    cleanup_free char *mnt = NULL;
    if (rel && rw_bpf_cgroup2_mount(&mnt, NULL) == 0) {
        int fd = -1;
        uint64_t now_id = 0;
        if (rw_bpf_cgroup_open(mnt, rel, &fd, &now_id, NULL) == 0) {
            if (now_id == cgid)
                detached = rw_bpf_detach_all(fd);
            close(fd);
        }
    }

    struct rw_bpf_counters k;
    memset(&k, 0, sizeof(k));
    cleanup_close int cfd = rw_bpf_pinned_map(c, "rw_counters", NULL);
    cleanup_close int tfd = rw_bpf_pinned_map(c, "rw_tracked", NULL);
    cleanup_close int pfd = rw_bpf_pinned_map(c, "rw_policy", NULL);
    bool have = cfd >= 0 && bpf_map_lookup_elem(cfd, &cgid, &k) == 0;
    char now[RW_AUDIT_TIME_LEN];
    rw_audit_time_now(now);
    cleanup_json json_t *rec = json_pack(
        "{s:s,s:s,s:s,s:I,s:s?,s:o,s:o,s:i}", "event", "ebpf-summary", "time", now, "container", id,
        "cgroupId", cgid_j, "tenant", json_string_value(json_object_get(st, "tenant")), "counters",
        have ? counters_json(&k) : json_null(), "events", events, "detachedAtStop", detached);
    if (!rec)
        return -ENOMEM;
    r = rw_bpf_record(c, rec, true, err);
    if (r < 0)
        return r; /* keep the state: a later poststop (or an operator) can retry */
    if (pfd >= 0)
        bpf_map_delete_elem(pfd, &cgid);
    if (cfd >= 0)
        bpf_map_delete_elem(cfd, &cgid);
    if (tfd >= 0)
        bpf_map_delete_elem(tfd, &cgid);
    rw_bpf_state_remove(c, id);
    return 0;
}

int rw_bpf_release(rw_bpf_ctx_t *c, const char *id, rw_error_t **err)
{
    return release(c, id, false, err);
}

int rw_bpf_gc(rw_bpf_ctx_t *c, int *ret_released)
{
    int released = 0;
    cleanup_free char *mnt = NULL;
    if (rw_bpf_cgroup2_mount(&mnt, NULL) < 0)
        return 0;
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
