/* Stand-in for a BTF-generated vmlinux.h on build machines without /sys/kernel/btf/vmlinux.
 * The UAPI (program contexts, map and attach types) comes from the installed kernel headers;
 * the few kernel-internal fields the programs read are declared here with CO-RE relocation
 * (preserve_access_index), so libbpf fixes their offsets against the target kernel's BTF at
 * load time. Anything the programs read from kernel structs must be listed here. */
#ifndef RW_VMLINUX_FALLBACK_H
/* Not __VMLINUX_H__: libbpf's headers key kernel-only naming (pt_regs fields) on it. */
#define RW_VMLINUX_FALLBACK_H
#define RW_VMLINUX_FALLBACK 1

#include <asm/ptrace.h>
#include <linux/bpf.h>
#include <linux/types.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s32 s32;
typedef __s64 s64;
typedef int pid_t;

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)
#endif

typedef struct {
    unsigned int val;
} kuid_t;

struct kernfs_node {
    u64 id;
};

struct cgroup_root {
    int hierarchy_id; /* 0: the cgroup v2 (default) hierarchy */
};

struct cgroup {
    struct kernfs_node *kn;
    struct cgroup_root *root;
};

struct ns_common {
    unsigned int inum;
};

struct mnt_namespace {
    struct ns_common ns;
};

struct nsproxy {
    struct mnt_namespace *mnt_ns;
};

struct css_set {
    struct cgroup *dfl_cgrp;
};

struct task_struct {
    pid_t pid;
    pid_t tgid;
    struct task_struct *real_parent;
    struct task_struct *group_leader;
    u64 start_boottime;
    struct css_set *cgroups;
    struct nsproxy *nsproxy;
    kuid_t loginuid;
    unsigned int sessionid;
    char comm[16];
};

struct linux_binprm {
    const char *filename;
};

#ifndef BPF_NO_PRESERVE_ACCESS_INDEX
#pragma clang attribute pop
#endif

#endif
