/* probe_devfilter: does to a cgroup v2 directory what runc and crun do to a container's
 * cgroup when they update its device filter (podman update, kubelet resource updates), so
 * the eBPF tests can check that runwarden's device observer survives it.
 *   probe_devfilter attach DIR   attaches one more allow-all BPF_CGROUP_DEVICE program
 *                                (BPF_F_ALLOW_MULTI); prints "attach: ok"
 *   probe_devfilter update DIR   the runtimes' update: lists the device programs attached
 *                                to DIR itself; with exactly one, replaces it with an
 *                                allow-all program (BPF_F_REPLACE), else attaches the new
 *                                one and detaches every listed one; prints
 *                                "update listed=N mode=replace|detach-all left=M" and one
 *                                "removed NAME" line per program taken off
 * Exit 0 when everything succeeded, 1 otherwise, 2 on usage errors. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"

#define MAX_PROGS 64

static int sys_bpf(int cmd, union bpf_attr *a)
{
    return (int)syscall(SYS_bpf, cmd, a, sizeof(*a));
}

/* r0 = 1; exit: allows every access. */
static int load_allow_all(void)
{
    struct bpf_insn insns[2];
    memset(insns, 0, sizeof(insns));
    insns[0].code = BPF_ALU64 | BPF_MOV | BPF_K;
    insns[0].dst_reg = BPF_REG_0;
    insns[0].imm = 1;
    insns[1].code = BPF_JMP | BPF_EXIT;
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    a.insns = (uint64_t)(uintptr_t)insns;
    a.insn_cnt = 2;
    a.license = (uint64_t)(uintptr_t) "Apache";
    snprintf(a.prog_name, sizeof(a.prog_name), "probe_allow");
    return sys_bpf(BPF_PROG_LOAD, &a);
}

/* Programs attached to the directory itself (not inherited): what the runtimes list. */
static int query(int dir, uint32_t *ids, uint32_t *cnt)
{
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.query.target_fd = (uint32_t)dir;
    a.query.attach_type = BPF_CGROUP_DEVICE;
    a.query.prog_ids = (uint64_t)(uintptr_t)ids;
    a.query.prog_cnt = *cnt;
    if (sys_bpf(BPF_PROG_QUERY, &a) < 0)
        return -1;
    *cnt = a.query.prog_cnt;
    return 0;
}

static int attach(int prog, int dir, unsigned flags, int replace)
{
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.target_fd = (uint32_t)dir;
    a.attach_bpf_fd = (uint32_t)prog;
    a.attach_type = BPF_CGROUP_DEVICE;
    a.attach_flags = flags;
    if (replace >= 0)
        a.replace_bpf_fd = (uint32_t)replace;
    return sys_bpf(BPF_PROG_ATTACH, &a);
}

static int prog_by_id(uint32_t id)
{
    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.prog_id = id;
    return sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
}

static void print_removed(int fd)
{
    struct bpf_prog_info info;
    union bpf_attr a;
    memset(&info, 0, sizeof(info));
    memset(&a, 0, sizeof(a));
    a.info.bpf_fd = (uint32_t)fd;
    a.info.info_len = sizeof(info);
    a.info.info = (uint64_t)(uintptr_t)&info;
    printf("removed %s\n", sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) == 0 ? info.name : "?");
}

static int do_update(int dir)
{
    uint32_t ids[MAX_PROGS], n = MAX_PROGS;
    if (query(dir, ids, &n) < 0)
        return probe_report("update: query", -1, errno);
    int prog = load_allow_all();
    if (prog < 0)
        return probe_report("update: load", -1, errno);
    int failed = 0;
    const char *mode = n == 1 ? "replace" : "detach-all";
    if (n == 1) {
        int old = prog_by_id(ids[0]);
        if (old < 0 || attach(prog, dir, BPF_F_ALLOW_MULTI | BPF_F_REPLACE, old) < 0)
            return probe_report("update: replace", -1, errno);
        print_removed(old);
        close(old);
    } else {
        if (attach(prog, dir, BPF_F_ALLOW_MULTI, -1) < 0)
            return probe_report("update: attach", -1, errno);
        for (uint32_t i = 0; i < n; i++) {
            int old = prog_by_id(ids[i]);
            union bpf_attr a;
            memset(&a, 0, sizeof(a));
            a.target_fd = (uint32_t)dir;
            a.attach_bpf_fd = (uint32_t)old;
            a.attach_type = BPF_CGROUP_DEVICE;
            if (old < 0 || sys_bpf(BPF_PROG_DETACH, &a) < 0) {
                probe_report("update: detach", -1, errno);
                failed = 1;
            } else {
                print_removed(old);
            }
            if (old >= 0)
                close(old);
        }
    }
    close(prog);
    uint32_t left = MAX_PROGS;
    if (query(dir, ids, &left) < 0)
        return probe_report("update: query", -1, errno);
    printf("update listed=%u mode=%s left=%u\n", n, mode, left);
    return failed;
}

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[1], "attach") != 0 && strcmp(argv[1], "update") != 0)) {
        fprintf(stderr, "usage: probe_devfilter attach|update CGROUP-DIR\n");
        return 2;
    }
    int dir = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return probe_report(argv[2], -1, errno);
    if (strcmp(argv[1], "update") == 0)
        return do_update(dir);
    int prog = load_allow_all();
    if (prog < 0)
        return probe_report("attach: load", -1, errno);
    return probe_report("attach", attach(prog, dir, BPF_F_ALLOW_MULTI, -1), errno);
}
