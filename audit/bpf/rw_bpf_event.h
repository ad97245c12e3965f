/* Layout shared by the BPF programs and the runwarden-bpf helper: the event written to the
 * ring buffer, the per-container counters, the tracked-container record and the egress rule.
 * Fixed-width types only, so both sides agree without padding surprises. */
#pragma once

#ifndef __bpf__
#include <linux/types.h>
#endif

#define RW_BPF_ID_MAX 72     /* container id bytes kept in the tracked map (NUL included) */
#define RW_BPF_MAX_RULES 64  /* egress rules per container */
#define RW_BPF_MAX_LEVELS 32 /* cgroup depth searched for a tracked ancestor on exec */
#define RW_BPF_SYSCTL_NAME 64
#define RW_BPF_SYSCTL_VALUE 32
#define RW_BPF_FILENAME 160

enum rw_bpf_kind {
    RW_BPF_EV_EXEC = 1,
    RW_BPF_EV_CONNECT = 2,
    RW_BPF_EV_SENDMSG = 3,
    RW_BPF_EV_SOCKET = 4,
    RW_BPF_EV_DEVICE = 5,
    RW_BPF_EV_SYSCTL = 6,
    RW_BPF_EV_CAPABILITY = 7, /* a capability check refused (CAP_NET_RAW: raw/packet sockets) */
    RW_BPF_EV_KIND_MAX = 8,
    /* Not counted (outside n[]): a container's lifetime, written by the kernel itself. */
    RW_BPF_EV_BIND = 16, /* the runtime moved the container into its cgroup: now tracked */
    RW_BPF_EV_END = 17,  /* its cgroup was removed: final counters, no longer tracked */
};

/* bits of rw_bpf_rule.protos */
#define RW_BPF_PROTO_TCP 1u
#define RW_BPF_PROTO_UDP 2u

struct rw_bpf_event {
    __u64 time_ns;        /* CLOCK_BOOTTIME */
    __u64 cgroup_id;      /* the container's cgroup (the tracked one) */
    __u64 task_cgroup_id; /* the task's own cgroup: the container's or one of its children */
    __u32 kind;           /* enum rw_bpf_kind */
    __u32 refused;        /* 1: the policy refused the operation */
    __s32 error;          /* what the caller got: -EPERM when refused, else 0 or the error seen */
    __u32 pid, tid, ppid;
    __u32 uid, gid;
    __u32 loginuid, sessionid; /* 4294967295 when unset or unreadable */
    __u32 pad0;
    char comm[16];
    union {
        struct {
            __u32 family, type, protocol, pad;
        } sock;
        struct {
            __u32 family, protocol; /* family AF_INET/AF_INET6; protocol IPPROTO_* */
            __u32 port, pad;        /* host byte order */
            __u8 addr[16];          /* network byte order; 4 bytes used for AF_INET */
        } net;
        struct {
            __u32 major, minor, access, type; /* BPF_DEVCG_ACC_*, BPF_DEVCG_DEV_* */
        } dev;
        struct {
            __u32 write, pad;
            char name[RW_BPF_SYSCTL_NAME];
            char value[RW_BPF_SYSCTL_VALUE]; /* new value of a write, truncated */
        } sysctl;
        struct {
            char filename[RW_BPF_FILENAME];
        } exec;
        struct {
            __u32 cap; /* CAP_* number */
            __s32 ret;
        } cap;
        struct {
            char id[RW_BPF_ID_MAX];
            __u32 runtime_pid; /* the runtime that asked for the binding (runwarden's pid) */
            __u32 task_pid;    /* the task whose move into the cgroup bound it */
        } bind;
        struct {
            char id[RW_BPF_ID_MAX];
            __u64 attached_ns;
            __u64 n[RW_BPF_EV_KIND_MAX]; /* the container's exact counters (rw_bpf_counters) */
            __u64 refused, lost;
        } end;
    } u;
};

/* Exact per-container counts: bumped before the ring buffer is tried, so a full buffer
 * loses the event's details but never the count. */
struct rw_bpf_counters {
    __u64 n[RW_BPF_EV_KIND_MAX]; /* index = enum rw_bpf_kind */
    __u64 refused;
    __u64 lost; /* events of this container the ring buffer had no room for */
};

/* Value of the tracked map: container cgroup id -> who it is. */
struct rw_bpf_tracked {
    __u64 attached_ns;
    char id[RW_BPF_ID_MAX];
};

/* Host-wide totals (one array slot). */
struct rw_bpf_stats {
    __u64 events;
    __u64 lost;
};

/* One egress allowlist entry; addresses and masks in network byte order. */
struct rw_bpf_rule {
    __u32 family; /* 2 = AF_INET, 10 = AF_INET6 */
    __u32 protos; /* RW_BPF_PROTO_* */
    __u32 port_lo, port_hi;
    __u32 addr[4];
    __u32 mask[4];
};

/* Value of the policy map: container cgroup id -> what its programs enforce. */
struct rw_bpf_policy {
    __u32 allow_raw;
    __u32 sysctl_writes;
    __u32 egress_enforce; /* 0: no allowlist, everything allowed */
    __u32 n_rules;
    /* 0 until the container's own program starts: the first exec in the cgroup from
     * another mount namespace than the runtime's (runtime_mnt_ns). Before it only the
     * runtime runs there, setting the container up (the sysctls of config.json among
     * others; runc re-execs itself there first), recorded but never refused. 1 from the
     * start for a container that keeps the runtime's mount namespace. */
    __u32 armed;
    __u32 runtime_mnt_ns; /* inode number of the runtime's mount namespace */
    struct rw_bpf_rule rules[RW_BPF_MAX_RULES];
};

/* Value of the pending map, keyed by the pid runwarden execs the runtime as: the binding
 * the kernel makes when that runtime moves a child of its own into a new cgroup v2
 * directory (or forks one straight into it). created_ns (CLOCK_BOOTTIME) is written while
 * that pid is alive, so a later process that reuses the pid started after it and never
 * matches. */
/* Value of the lineage map: a process descended from a runtime with a pending binding
 * (forks followed in kernel: runtimes double-fork and reparent, e.g. crun run --detach). */
struct rw_bpf_lineage {
    __u32 runtime_pid; /* the pending map's key */
    __u32 pad;
    __u64 start_ns; /* the process's start (CLOCK_BOOTTIME): a reused pid never matches */
};

#define RW_BPF_ANCESTORS 16 /* cgroup levels of the runtime's own cgroup kept */
struct rw_bpf_pending {
    __u64 created_ns;
    /* The runtime's cgroup v2 directory and its ancestors (ids, root first): never a
     * container's (binding one would judge the host), nor is one already tracked. */
    __u64 runtime_cgroups[RW_BPF_ANCESTORS];
    __u32 n_runtime_cgroups;
    __u32 pad;
    struct rw_bpf_tracked t;
    struct rw_bpf_policy pol;
};
