/* probe_seccomp: asks the kernel what a seccomp filter decides, and times syscalls.
 *   probe_seccomp getppid N          N getppid() calls; prints "getppid_ns=<mean ns>"
 *   probe_seccomp load FILE [FLAGS] CASE...
 *       for each CASE "ABI:NR[:A0,A1,...]" (ABI x86_64, x32 or i386) a child installs a
 *       marker filter and then the filter in FILE (raw struct sock_filter[]) and makes the
 *       call; prints "CASE ALLOW|ERRNO(n)|TRAP|KILL|NOABI". The marker answers
 *       ERRNO(4095) for the probed call only, so the kernel never executes it: a filter
 *       ALLOW (or LOG, TRACE, USER_NOTIF, all above ERRNO in precedence) shows as ERRNO(4095)
 *       and is printed ALLOW; a filter ERRNO(n) keeps n (the newer filter runs first and an
 *       equal action does not replace it); KILL and TRAP end or signal the child.
 *   probe_seccomp dump PID FILE     writes PID's first seccomp filter (PTRACE_SECCOMP_
 *       GET_FILTER) to FILE, to compare the program a runtime loaded with runwarden's. */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif
#define X32_BIT 0x40000000L
#define MARK_ERRNO 4095

struct result {
    volatile int done;
    volatile long ret;
    volatile int err;
    volatile int trapped;
};

static struct result *shared;

static int usage(void)
{
    fprintf(stderr, "usage: probe_seccomp getppid N | load FILE [FLAGS] ABI:NR[:ARGS]... | "
                    "dump PID FILE\n");
    return 2;
}

static int cmd_getppid(const char *count)
{
    long n = 0;
    if (!probe_parse_long(count, &n) || n <= 0)
        return usage();
    struct timespec a, b;
    for (long i = 0; i < 1000; i++) /* warm up */
        syscall(SYS_getppid);
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < n; i++)
        syscall(SYS_getppid);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
    printf("getppid_ns=%.2f\n", ns / (double)n);
    return 0;
}

static int read_file(const char *path, struct sock_filter **prog, unsigned short *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    static struct sock_filter buf[BPF_MAXINSNS + 1];
    ssize_t n = read(fd, buf, sizeof(buf));
    close(fd);
    if (n <= 0 || n % (ssize_t)sizeof(struct sock_filter) ||
        n > (ssize_t)(BPF_MAXINSNS * sizeof(struct sock_filter)))
        return -EINVAL;
    *prog = buf;
    *len = (unsigned short)(n / (ssize_t)sizeof(struct sock_filter));
    return 0;
}

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)si;
    (void)uc;
    shared->trapped = 1;
    shared->done = 1;
    for (;;)
        ; /* the parent reads the result and kills us; no syscall is safe here */
}

typedef struct probe_case {
    int abi; /* 0 x86_64, 1 x32, 2 i386 */
    long nr;
    long args[6];
} probe_case_t;

static bool parse_case(const char *s, probe_case_t *c)
{
    memset(c, 0, sizeof(*c));
    const char *p = strchr(s, ':');
    if (!p)
        return false;
    size_t al = (size_t)(p - s);
    if (al == 6 && strncmp(s, "x86_64", 6) == 0)
        c->abi = 0;
    else if (al == 3 && strncmp(s, "x32", 3) == 0)
        c->abi = 1;
    else if (al == 4 && strncmp(s, "i386", 4) == 0)
        c->abi = 2;
    else
        return false;
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", p + 1);
    char *args = strchr(buf, ':');
    if (args)
        *args++ = '\0';
    if (!probe_parse_long(buf, &c->nr) || c->nr < 0)
        return false;
    for (int i = 0; args && *args && i < 6; i++) {
        char *comma = strchr(args, ',');
        if (comma)
            *comma = '\0';
        if (!probe_parse_long(args, &c->args[i]))
            return false;
        args = comma ? comma + 1 : NULL;
    }
    return true;
}

static uint32_t audit_arch(int abi)
{
    return abi == 2 ? AUDIT_ARCH_I386 : AUDIT_ARCH_X86_64;
}

/* ERRNO(4095) for exactly this call (arch and number), ALLOW for everything else. */
static int install_marker(const probe_case_t *c)
{
    uint32_t nr = (uint32_t)(c->abi == 1 ? (c->nr | X32_BIT) : c->nr);
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, audit_arch(c->abi), 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | MARK_ERRNO),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof(f) / sizeof(f[0]), .filter = f};
    return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

static long do_call(const probe_case_t *c)
{
#if defined(__x86_64__)
    if (c->abi == 2) {
        long ret;
        __asm__ volatile("int $0x80"
                         : "=a"(ret)
                         : "a"(c->nr), "b"(c->args[0]), "c"(c->args[1]), "d"(c->args[2]),
                           "S"(c->args[3]), "D"(c->args[4])
                         : "memory");
        if (ret < 0 && ret > -4096) {
            errno = (int)-ret;
            return -1;
        }
        return ret;
    }
#endif
    long nr = c->abi == 1 ? (c->nr | X32_BIT) : c->nr;
    return syscall(nr, c->args[0], c->args[1], c->args[2], c->args[3], c->args[4], c->args[5]);
}

static void run_child(const probe_case_t *c, struct sock_fprog *prog, unsigned flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, NULL);
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || install_marker(c) < 0)
        _exit(100);
    /* The marker refuses the probed call; when that call is seccomp(2) itself, install the
     * filter under test with prctl (flags only change how it loads, not what it decides). */
    int lr = c->abi == 0 && c->nr == SYS_seccomp
                 ? prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, prog, 0, 0)
                 : (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, prog);
    if (lr < 0)
        _exit(101);
    long r = do_call(c);
    shared->ret = r;
    shared->err = r < 0 ? errno : 0;
    shared->done = 1;
    for (;;)
        ; /* exit may be filtered too: the parent kills us */
}

static int cmd_load(int argc, char **argv)
{
    if (argc < 3)
        return usage();
    struct sock_filter *f = NULL;
    unsigned short len = 0;
    if (read_file(argv[2], &f, &len) < 0) {
        fprintf(stderr, "probe_seccomp: cannot read a BPF program from %s\n", argv[2]);
        return 2;
    }
    struct sock_fprog prog = {.len = len, .filter = f};
    int first = 3;
    long flags = 0;
    if (argc > 3 && !strchr(argv[3], ':')) {
        if (!probe_parse_long(argv[3], &flags) || flags < 0)
            return usage();
        first = 4;
    }
    shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED)
        return 2;
    int rc = 0;
    for (int i = first; i < argc; i++) {
        probe_case_t c;
        if (!parse_case(argv[i], &c)) {
            fprintf(stderr, "probe_seccomp: bad case %s\n", argv[i]);
            return 2;
        }
        memset((void *)shared, 0, sizeof(*shared));
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0)
            return 2;
        if (pid == 0)
            run_child(&c, &prog, (unsigned)flags);
        int status = 0;
        const char *verdict = NULL;
        char buf[64];
        for (int t = 0; t < 50000; t++) {
            if (shared->done)
                break;
            if (waitpid(pid, &status, WNOHANG) == pid) {
                pid = -1;
                break;
            }
            usleep(100);
        }
        if (shared->done) {
            if (shared->trapped)
                verdict = "TRAP";
            else if (shared->ret == -1 && shared->err == MARK_ERRNO)
                verdict = "ALLOW";
            else if (shared->ret == -1) {
                snprintf(buf, sizeof(buf), "ERRNO(%d)", shared->err);
                verdict = buf;
            } else
                verdict = "EXECUTED"; /* the marker failed: must never happen */
        } else if (pid < 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS) {
            verdict = "KILL";
        } else if (pid < 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV) {
            verdict = "NOABI"; /* int 0x80 without IA32 emulation */
        } else if (pid < 0 && WIFEXITED(status) && WEXITSTATUS(status) == 101) {
            verdict = "LOADFAIL";
        } else {
            verdict = "UNKNOWN";
            rc = 1;
        }
        if (pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
        }
        printf("%s %s\n", argv[i], verdict);
    }
    return rc;
}

static int cmd_dump(const char *pidstr, const char *out)
{
    long pid = 0;
    if (!probe_parse_long(pidstr, &pid) || pid <= 0)
        return usage();
    if (ptrace(PTRACE_SEIZE, (pid_t)pid, 0, 0) < 0) {
        fprintf(stderr, "probe_seccomp: PTRACE_SEIZE %ld: %s\n", pid, probe_errname(errno));
        return 1;
    }
    /* The tracee must be stopped for PTRACE_SECCOMP_GET_FILTER. */
    ptrace(PTRACE_INTERRUPT, (pid_t)pid, 0, 0);
    int st = 0;
    waitpid((pid_t)pid, &st, __WALL);
    static struct sock_filter buf[BPF_MAXINSNS];
    long n = ptrace(PTRACE_SECCOMP_GET_FILTER, (pid_t)pid, 0, buf);
    int e = errno;
    ptrace(PTRACE_DETACH, (pid_t)pid, 0, 0);
    if (n <= 0) {
        fprintf(stderr, "probe_seccomp: PTRACE_SECCOMP_GET_FILTER: %s\n", probe_errname(e));
        return 1;
    }
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, buf, (size_t)n * sizeof(buf[0])) != (ssize_t)(n * 8)) {
        fprintf(stderr, "probe_seccomp: cannot write %s\n", out);
        return 1;
    }
    close(fd);
    printf("dumped %ld instructions\n", n);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    if (strcmp(argv[1], "getppid") == 0 && argc == 3)
        return cmd_getppid(argv[2]);
    if (strcmp(argv[1], "load") == 0)
        return cmd_load(argc, argv);
    if (strcmp(argv[1], "dump") == 0 && argc == 4)
        return cmd_dump(argv[2], argv[3]);
    return usage();
}
