// SPDX-License-Identifier: GPL-2.0
/* Host-wide programs, loaded once and pinned: exec of any task whose cgroup is a tracked
 * container or below one, and refused CAP_NET_RAW checks of such tasks (how packet sockets
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
