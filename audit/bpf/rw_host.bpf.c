// SPDX-License-Identifier: GPL-2.0
/* Host-wide programs, loaded once and pinned: binding containers to their cgroup as their
 * runtime creates it and forgetting them with it (below), exec of any task whose cgroup is a
 * tracked container or below one, and refused CAP_NET_RAW checks of such tasks (how packet sockets
 * are refused: the cgroup socket hook only sees inet sockets). Everything else on the host
 * is filtered out in kernel. */
#include "rw_bpf_common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* The innermost tracked cgroup on the current task's path, 0 when none: a container's
 * child cgroups count as the container, a nested tracked container as itself. */
static __always_inline __u64 rw_tracked_ancestor(void)
{
    __u64 found = 0;
    for (int level = 1; level <= RW_BPF_MAX_LEVELS; level++) {
        __u64 id = bpf_get_current_ancestor_cgroup_id(level);
        if (!id)
            break;
        if (bpf_map_lookup_elem(&rw_tracked, &id))
            found = id;
    }
    return found;
}

/* sched_process_exec(struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm) */
SEC("raw_tp/sched_process_exec")
int rw_exec(struct bpf_raw_tracepoint_args *ctx)
{
    __u64 cgid = rw_tracked_ancestor();
    if (!cgid)
        return 0;
    /* an exec from the container's own mount namespace: the runtime's setup is over */
    struct rw_bpf_policy *pol = bpf_map_lookup_elem(&rw_policy, &cgid);
    if (pol && !pol->armed) {
        struct task_struct *t = (struct task_struct *)bpf_get_current_task();
        if (BPF_CORE_READ(t, nsproxy, mnt_ns, ns.inum) != pol->runtime_mnt_ns)
            pol->armed = 1;
    }
    struct rw_bpf_counters *c = bpf_map_lookup_elem(&rw_counters, &cgid);
    rw_count(c, RW_BPF_EV_EXEC, 0);
    struct rw_bpf_event *e = rw_reserve(c);
    if (!e)
        return 0;
    rw_fill(e, RW_BPF_EV_EXEC, cgid, 0);
    struct linux_binprm *bprm = (struct linux_binprm *)ctx->args[2];
    const char *filename = BPF_CORE_READ(bprm, filename);
    if (bpf_probe_read_kernel_str(e->u.exec.filename, sizeof(e->u.exec.filename), filename) < 0)
        e->u.exec.filename[0] = '\0';
    bpf_ringbuf_submit(e, 0);
    return 0;
}

/* Packet sockets never reach a cgroup socket hook, and where CAP_NET_RAW is withheld the
 * kernel refuses them (and raw inet sockets) in a capability check before any socket hook
 * runs: that refusal is the event. cap_capable(cred, target_ns, capable_ns, cap, ret) fires
 * for every capability check on the host, so everything but a refused CAP_NET_RAW leaves at
 * the first comparison. */
#define RW_CAP_NET_RAW 13

SEC("raw_tp/cap_capable")
int rw_cap_capable(struct bpf_raw_tracepoint_args *ctx)
{
    if ((int)ctx->args[3] != RW_CAP_NET_RAW || (int)ctx->args[4] == 0)
        return 0;
    __u64 cgid = rw_tracked_ancestor();
    if (!cgid)
        return 0;
    struct rw_bpf_counters *c = bpf_map_lookup_elem(&rw_counters, &cgid);
    rw_count(c, RW_BPF_EV_CAPABILITY, 1);
    struct rw_bpf_event *e = rw_reserve(c);
    if (!e)
        return 0;
    rw_fill(e, RW_BPF_EV_CAPABILITY, cgid, 1);
    e->error = (int)ctx->args[4];
    e->u.cap.cap = RW_CAP_NET_RAW;
    e->u.cap.ret = (int)ctx->args[4];
    bpf_ringbuf_submit(e, 0);
    return 0;
}

/* ---- Binding: the kernel starts tracking a container the moment its runtime puts it in
 * its cgroup, so no OCI hook process is needed at create. runwarden writes rw_pending[its
 * pid] just before it execs the runtime in place; the first child (or grandchild) of that
 * runtime that lands in a cgroup v2 directory other than the runtime's own binds that
 * directory: policy, counters and tracked entry, then an event for the audit log. */

static __always_inline __u64 rw_cgroup_id(struct cgroup *cg)
{
    return BPF_CORE_READ(cg, kn, id);
}

static __always_inline __u64 rw_start_of(struct task_struct *t)
{
    return BPF_CORE_READ(t, group_leader, start_boottime);
}

/* The pending runtime t's process is (pending entry) or descends from (lineage), checked
 * against pid reuse; its key in *key. */
static __always_inline struct rw_bpf_pending *rw_pending_of(struct task_struct *t, __u32 *key)
{
    __u32 tgid = (__u32)BPF_CORE_READ(t, tgid);
    __u64 start = rw_start_of(t);
    struct rw_bpf_pending *p = bpf_map_lookup_elem(&rw_pending, &tgid);
    if (p && start <= p->created_ns) {
        *key = tgid;
        return p;
    }
    struct rw_bpf_lineage *l = bpf_map_lookup_elem(&rw_lineage, &tgid);
    if (!l || l->start_ns != start)
        return NULL;
    *key = l->runtime_pid;
    p = bpf_map_lookup_elem(&rw_pending, key);
    return p && p->created_ns < start ? p : NULL;
}

/* Not a container's cgroup: the root, the runtime's own cgroup or one of its ancestors
 * (binding it would judge host processes), or one already tracked (another container's,
 * kept after it stopped and named in this one's cgroupsPath). The binding stays pending:
 * a later move may find the right cgroup; else collection records it as not attached. */
static __always_inline int rw_bind_refused(__u64 cgid, const struct rw_bpf_pending *p)
{
    if (cgid <= 1 || bpf_map_lookup_elem(&rw_tracked, &cgid))
        return 1;
    for (int i = 0; i < RW_BPF_ANCESTORS; i++) {
        if (i >= p->n_runtime_cgroups)
            break;
        if (p->runtime_cgroups[i] == cgid)
            return 1;
    }
    return 0;
}

static __always_inline void rw_bind(__u64 cgid, __u32 key, struct rw_bpf_pending *p, __u32 task_pid)
{
    if (rw_bind_refused(cgid, p))
        return;
    struct rw_bpf_counters zero = {};
    p->t.attached_ns = bpf_ktime_get_boot_ns();
    int err = bpf_map_update_elem(&rw_counters, &cgid, &zero, BPF_NOEXIST);
    if (!err)
        err = bpf_map_update_elem(&rw_policy, &cgid, &p->pol, BPF_NOEXIST);
    if (!err)
        err = bpf_map_update_elem(&rw_tracked, &cgid, &p->t, BPF_NOEXIST);
    if (err) { /* a full map: leave nothing half-made, and the binding pending */
        bpf_map_delete_elem(&rw_counters, &cgid);
        bpf_map_delete_elem(&rw_policy, &cgid);
        return;
    }
    struct rw_bpf_event *e = rw_reserve(NULL);
    if (e) {
        rw_fill(e, RW_BPF_EV_BIND, cgid, 0);
        __builtin_memcpy(e->u.bind.id, p->t.id, sizeof(e->u.bind.id));
        e->u.bind.runtime_pid = key;
        e->u.bind.task_pid = task_pid;
        bpf_ringbuf_submit(e, 0);
    }
    bpf_map_delete_elem(&rw_pending, &key);
}

/* cgroup_attach_task(struct cgroup *dst_cgrp, const char *path, struct task_struct *task,
 * bool threadgroup): a task is moved into a cgroup, by the runtime or by systemd on its
 * behalf. Bound: the v2 hierarchy, a task descended from the pending runtime (not the
 * runtime itself: what it does with its own cgroup is not the container's). */
SEC("raw_tp/cgroup_attach_task")
int rw_cgroup_attach(struct bpf_raw_tracepoint_args *ctx)
{
    struct cgroup *dst = (struct cgroup *)ctx->args[0];
    struct task_struct *task = (struct task_struct *)ctx->args[2];
    __u32 key, tgid = (__u32)BPF_CORE_READ(task, tgid);
    struct rw_bpf_pending *p = rw_pending_of(task, &key);
    if (!p || key == tgid || BPF_CORE_READ(dst, root, hierarchy_id) != 0)
        return 0;
    rw_bind(rw_cgroup_id(dst), key, p, tgid);
    return 0;
}

/* sched_process_fork(struct task_struct *parent, struct task_struct *child): follows the
 * pending runtime's descendants (lineage), and binds at once a child cloned straight into
 * another cgroup (clone3 CLONE_INTO_CGROUP moves nothing). Every fork on the host comes
 * here: one or two lookups in small maps, then out. */
SEC("raw_tp/sched_process_fork")
int rw_fork(struct bpf_raw_tracepoint_args *ctx)
{
    struct task_struct *parent = (struct task_struct *)ctx->args[0];
    struct task_struct *child = (struct task_struct *)ctx->args[1];
    __u32 tgid = (__u32)BPF_CORE_READ(child, tgid);
    if (tgid == (__u32)BPF_CORE_READ(parent, tgid))
        return 0; /* a thread */
    __u32 key;
    struct rw_bpf_pending *p = rw_pending_of(parent, &key);
    if (!p)
        return 0;
    __u64 mine = BPF_CORE_READ(parent, cgroups, dfl_cgrp, kn, id);
    __u64 theirs = BPF_CORE_READ(child, cgroups, dfl_cgrp, kn, id);
    if (mine != theirs && theirs) {
        rw_bind(theirs, key, p, tgid);
        return 0;
    }
    struct rw_bpf_lineage l = {.runtime_pid = key, .pad = 0, .start_ns = rw_start_of(child)};
    bpf_map_update_elem(&rw_lineage, &tgid, &l, BPF_ANY);
    return 0;
}

/* cgroup_rmdir(struct cgroup *cgrp, const char *path): the container's cgroup is removed,
 * empty: its final counters go to the audit log as an event, and its policy and counters
 * are forgotten. The tracked entry (its name) stays until the consumer has written that
 * event: the events queued before it are named through it. With no room in the ring
 * buffer everything stays, and userspace writes the summary from the counters when it
 * collects stale containers. */
SEC("raw_tp/cgroup_rmdir")
int rw_cgroup_rmdir(struct bpf_raw_tracepoint_args *ctx)
{
    struct cgroup *cg = (struct cgroup *)ctx->args[0];
    if (BPF_CORE_READ(cg, root, hierarchy_id) != 0)
        return 0;
    __u64 cgid = rw_cgroup_id(cg);
    struct rw_bpf_tracked *t = bpf_map_lookup_elem(&rw_tracked, &cgid);
    if (!t)
        return 0;
    struct rw_bpf_counters *c = bpf_map_lookup_elem(&rw_counters, &cgid);
    struct rw_bpf_event *e = rw_reserve(c);
    if (!e)
        return 0;
    rw_fill(e, RW_BPF_EV_END, cgid, 0);
    __builtin_memcpy(e->u.end.id, t->id, sizeof(e->u.end.id));
    e->u.end.attached_ns = t->attached_ns;
    if (c) {
        __builtin_memcpy(e->u.end.n, c->n, sizeof(e->u.end.n));
        e->u.end.refused = c->refused;
        e->u.end.lost = c->lost;
    } else {
        __builtin_memset(e->u.end.n, 0, sizeof(e->u.end.n));
        e->u.end.refused = 0;
        e->u.end.lost = 0;
    }
    /* Whoever deletes the counters writes the summary: userspace collection may have
     * claimed them already (the directory is gone from kernfs before this runs). */
    if (!c || bpf_map_delete_elem(&rw_counters, &cgid) != 0) {
        bpf_ringbuf_discard(e, 0);
        return 0;
    }
    bpf_ringbuf_submit(e, 0);
    bpf_map_delete_elem(&rw_policy, &cgid);
    return 0;
}
