/* probe_syscall: calls raw syscalls inside a container and prints what the kernel (or the
 * seccomp filter, or an LSM) answered, so tests can assert on errno values.
 *   probe_syscall NAME|NR [ARG...] [-- NAME|NR [ARG...]]...
 * ARG: an integer (decimal, 0x hex), "s:TEXT" (pointer to TEXT), "b:N" (pointer to N
 * zeroed bytes, N <= 65536) or "null". Prints "NAME: ok ret=R" or "NAME: errno=N ENAME".
 * Exit: 0 all succeeded, 1 one failed, 2 usage. A seccomp kill shows as death by SIGSYS. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"

#define S(n)                                                                                       \
    {                                                                                              \
#n, SYS_##n                                                                                \
    }
static const struct {
    const char *name;
    long nr;
} table[] = {
    S(read),
    S(write),
    S(open),
    S(openat),
    S(openat2),
    S(close),
    S(getpid),
    S(getppid),
    S(gettid),
    S(getuid),
    S(geteuid),
    S(getgid),
    S(setuid),
    S(setgid),
    S(setgroups),
    S(setresuid),
    S(setresgid),
    S(capget),
    S(capset),
    S(prctl),
    S(seccomp),
    S(uname),
    S(unshare),
    S(setns),
    S(clone),
    S(clone3),
    S(fork),
    S(vfork),
    S(mount),
    S(umount2),
    S(pivot_root),
    S(chroot),
    S(mknod),
    S(mknodat),
    S(chmod),
    S(fchmodat),
    S(chown),
    S(fchownat),
    S(ptrace),
    S(process_vm_readv),
    S(process_vm_writev),
    S(kcmp),
    S(bpf),
    S(perf_event_open),
    S(userfaultfd),
    S(io_uring_setup),
    S(io_uring_enter),
    S(io_uring_register),
    S(keyctl),
    S(add_key),
    S(request_key),
    S(kexec_load),
    S(kexec_file_load),
    S(init_module),
    S(finit_module),
    S(delete_module),
    S(reboot),
    S(swapon),
    S(swapoff),
    S(sethostname),
    S(setdomainname),
    S(settimeofday),
    S(clock_settime),
    S(clock_adjtime),
    S(adjtimex),
    S(acct),
    S(quotactl),
    S(syslog),
    S(vhangup),
    S(iopl),
    S(ioperm),
    S(personality),
    S(open_by_handle_at),
    S(name_to_handle_at),
    S(lookup_dcookie),
    S(fanotify_init),
    S(move_pages),
    S(mbind),
    S(set_mempolicy),
    S(get_mempolicy),
    S(migrate_pages),
    S(memfd_create),
    S(memfd_secret),
    S(pidfd_open),
    S(pidfd_getfd),
    S(pidfd_send_signal),
    S(fsopen),
    S(fsconfig),
    S(fsmount),
    S(fspick),
    S(open_tree),
    S(move_mount),
    S(mount_setattr),
    S(landlock_create_ruleset),
    S(landlock_add_rule),
    S(landlock_restrict_self),
    S(socket),
    S(socketpair),
    S(connect),
    S(bind),
    S(listen),
    S(ioctl),
    S(kill),
    S(tkill),
    S(tgkill),
    S(mlock),
    S(mlockall),
    S(setpriority),
    S(sched_setscheduler),
    S(sched_setaffinity),
    S(ioprio_set),
    S(getcpu),
    S(time),
    S(uselib),
    S(ustat),
    S(sysfs),
    S(nfsservctl),
    S(mkdir),
    S(mkdirat),
    S(unlink),
    S(unlinkat),
    S(rename),
    S(renameat2),
    S(link),
    S(linkat),
    S(symlink),
    S(execve),
    S(execveat),
    S(statx),
    S(fanotify_mark),
    S(inotify_init1),
    S(mq_open),
    S(msgget),
    S(semget),
    S(shmget),
    S(quotactl_fd),
    S(process_madvise),
    S(futex_waitv),
    S(set_mempolicy_home_node),
    S(rseq),
    S(close_range),
    S(faccessat2),
    S(epoll_pwait2),
    S(process_mrelease),
};
#undef S

static bool lookup(const char *s, long *nr, const char **name)
{
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (strcmp(table[i].name, s) == 0) {
            *nr = table[i].nr;
            *name = table[i].name;
            return true;
        }
    if (probe_parse_long(s, nr) && *nr >= 0) {
        *name = s;
        return true;
    }
    return false;
}

static bool parse_arg(const char *s, long *out)
{
    if (strcmp(s, "null") == 0) {
        *out = 0;
        return true;
    }
    if (strncmp(s, "s:", 2) == 0) {
        *out = (long)(s + 2);
        return true;
    }
    if (strncmp(s, "b:", 2) == 0) {
        long n = 0;
        if (!probe_parse_long(s + 2, &n) || n < 0 || n > 65536)
            return false;
        void *p = calloc(1, (size_t)n + 1);
        if (!p)
            return false;
        *out = (long)p;
        return true;
    }
    return probe_parse_long(s, out);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: probe_syscall NAME|NR [ARG...] [-- NAME|NR [ARG...]]...\n");
        return 2;
    }
    int rc = 0;
    for (int i = 1; i < argc;) {
        long nr = 0, a[6] = {0};
        const char *name = NULL;
        if (!lookup(argv[i], &nr, &name)) {
            fprintf(stderr, "probe_syscall: unknown syscall '%s'\n", argv[i]);
            return 2;
        }
        i++;
        int n = 0;
        for (; i < argc && strcmp(argv[i], "--") != 0; i++, n++) {
            if (n >= 6 || !parse_arg(argv[i], &a[n])) {
                fprintf(stderr, "probe_syscall: bad argument '%s'\n", argv[i]);
                return 2;
            }
        }
        if (i < argc)
            i++; /* the "--" */
        errno = 0;
        long r = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        int e = errno;
        if (r != -1) {
            printf("%s: ok ret=%ld\n", name, r);
        } else {
            printf("%s: errno=%d %s\n", name, e, probe_errname(e));
            rc = 1;
        }
        fflush(stdout);
    }
    return rc;
}
