/* Kernel-side pieces shared by runwarden's BPF objects: the maps every object reuses through
 * their pins (ring buffer, counters, tracked containers, totals) and the event preamble.
 * Only types covered by vmlinux_fallback.h may be used here (CO-RE on task_struct). */
#pragma once

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "rw_bpf_event.h"

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif
#ifndef AF_PACKET
#define AF_PACKET 17
#endif
#ifndef SOCK_STREAM
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define SOCK_PACKET 10
#endif
#ifndef IPPROTO_TCP
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#endif
#ifndef EPERM
#define EPERM 1
#endif

/* One ring buffer for every event on the host; its size is set by the loader that first
 * creates the pin (ebpf.ringbufSize). */
struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 1 << 22);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} rw_events SEC(".maps");

/* container cgroup id -> counters; entries are made when a container is bound and removed
 * with its cgroup (rw_host.bpf.c), never by an event program (a late event cannot
 * resurrect an entry). */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 8192);
    __type(key, __u64);
    __type(value, struct rw_bpf_counters);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} rw_counters SEC(".maps");

/* container cgroup id -> container id; the exec tracker's filter. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 8192);
    __type(key, __u64);
    __type(value, struct rw_bpf_tracked);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} rw_tracked SEC(".maps");

/* container cgroup id -> policy; allocated per entry (a full table would be ~25 MiB). */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 8192);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, __u64);
    __type(value, struct rw_bpf_policy);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} rw_policy SEC(".maps");

/* runtime pid -> the binding the kernel makes when that runtime puts the container into its
 * cgroup (rw_host.bpf.c); written by runwarden just before it execs the runtime, deleted
 * by the binding program, stale ones collected by userspace. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, __u32);
    __type(value, struct rw_bpf_pending);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} rw_pending SEC(".maps");

/* pid -> the pending runtime it descends from, followed at fork (rw_host.bpf.c); old
 * entries age out. */
struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 4096);
    __type(key, __u32);
    __type(value, struct rw_bpf_lineage);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} rw_lineage SEC(".maps");

/* Host-wide totals, per CPU so the hot path takes no shared cache line. */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct rw_bpf_stats);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} rw_stats SEC(".maps");

/* Set by the loader before load: 0 when the program type may not call
 * bpf_get_current_task() (older kernels); the verifier then never sees the call. */
const volatile __u32 rw_have_task = 1;

static __always_inline void rw_count(struct rw_bpf_counters *c, __u32 kind, int refused)
{
    if (!c)
        return;
    if (kind < RW_BPF_EV_KIND_MAX)
        __sync_fetch_and_add(&c->n[kind], 1);
    if (refused)
        __sync_fetch_and_add(&c->refused, 1);
}

/* Reserves an event; on a full buffer counts the loss (the counters above already hold the
 * operation itself). */
static __always_inline struct rw_bpf_event *rw_reserve(struct rw_bpf_counters *c)
{
    __u32 zero = 0;
    struct rw_bpf_stats *s = bpf_map_lookup_elem(&rw_stats, &zero);
    struct rw_bpf_event *e = bpf_ringbuf_reserve(&rw_events, sizeof(*e), 0);
    if (!e) {
        if (c)
            __sync_fetch_and_add(&c->lost, 1);
        if (s)
            s->lost++;
        return NULL;
    }
    if (s)
        s->events++;
    return e;
}

static __always_inline void rw_fill(struct rw_bpf_event *e, __u32 kind, __u64 cgroup_id,
                                    int refused)
{
    __u64 pid_tgid = bpf_get_current_pid_tgid();
    __u64 uid_gid = bpf_get_current_uid_gid();

    e->time_ns = bpf_ktime_get_boot_ns();
    e->cgroup_id = cgroup_id;
    e->task_cgroup_id = bpf_get_current_cgroup_id();
    e->kind = kind;
    e->refused = refused ? 1 : 0;
    e->error = refused ? -EPERM : 0;
    e->pid = pid_tgid >> 32;
    e->tid = (__u32)pid_tgid;
    e->uid = (__u32)uid_gid;
    e->gid = uid_gid >> 32;
    e->ppid = 0;
    e->loginuid = 0xffffffffu;
    e->sessionid = 0xffffffffu;
    bpf_get_current_comm(e->comm, sizeof(e->comm));
    if (rw_have_task) {
        struct task_struct *t = (struct task_struct *)bpf_get_current_task();
        e->ppid = BPF_CORE_READ(t, real_parent, tgid);
        if (bpf_core_field_exists(t->loginuid)) {
            e->loginuid = BPF_CORE_READ(t, loginuid.val);
            e->sessionid = BPF_CORE_READ(t, sessionid);
        }
    }
}
