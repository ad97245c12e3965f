/* probe_ebpf: load and checks for the eBPF hook tests and benchmark.
 *   probe_ebpf listen ADDR PORT SECONDS   accept-and-close server on ADDR:PORT (IPv4) for
 *                                         SECONDS; prints "listening" once bound
 *   probe_ebpf connects ADDR PORT N       N sequential TCP connects (+close) to ADDR:PORT;
 *                                         prints "connects N ok=K failed=F first_errno=NAME ns=T"
 *   probe_ebpf execs N PATH [ARG...]      N fork+exec+wait of PATH; prints "execs N ns=T"
 *   probe_ebpf write FILE TEXT            one write(2) of TEXT to FILE (e.g. a sysctl);
 *                                         prints "write FILE: ok" or the errno
 *   probe_ebpf reads FILE N [PER_SEC]     N open+read+close of FILE (a sysctl: one event
 *                                         each), paced to PER_SEC when given; prints
 *                                         "reads N failed=F ns=T"
 * Exit 0 when everything succeeded, 1 otherwise, 2 on usage errors. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int parse_addr(const char *a, const char *p, struct sockaddr_in *out)
{
    long port = 0;
    memset(out, 0, sizeof(*out));
    out->sin_family = AF_INET;
    if (inet_pton(AF_INET, a, &out->sin_addr) != 1 || !probe_parse_long(p, &port) || port < 1 ||
        port > 65535)
        return -1;
    out->sin_port = htons((uint16_t)port);
    return 0;
}

static int do_listen(struct sockaddr_in *sa, long seconds)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(fd, (struct sockaddr *)sa, sizeof(*sa)) < 0 || listen(fd, 4096) < 0)
        return probe_report("listen", -1, errno);
    printf("listening\n");
    fflush(stdout);
    long long end = now_ns() + seconds * 1000000000LL;
    while (now_ns() < end) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 200) <= 0)
            continue;
        int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        if (c >= 0)
            close(c);
    }
    close(fd);
    return 0;
}

static int do_connects(struct sockaddr_in *sa, long n)
{
    long ok = 0, failed = 0;
    int first = 0;
    long long t0 = now_ns();
    for (long i = 0; i < n; i++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            if (!first)
                first = errno;
            failed++;
            continue;
        }
        /* RST on close: no TIME_WAIT pile-up over 100,000 connects */
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        if (connect(fd, (struct sockaddr *)sa, sizeof(*sa)) == 0) {
            ok++;
        } else {
            if (!first)
                first = errno;
            failed++;
        }
        close(fd);
    }
    long long dt = now_ns() - t0;
    printf("connects %ld ok=%ld failed=%ld first_errno=%s ns=%lld\n", n, ok, failed,
           probe_errname(first), dt);
    return failed ? 1 : 0;
}

static int do_execs(long n, char **argv)
{
    long long t0 = now_ns();
    long failed = 0;
    for (long i = 0; i < n; i++) {
        pid_t p = fork();
        if (p == 0) {
            execv(argv[0], argv);
            _exit(127);
        }
        int st = 0;
        if (p < 0 || waitpid(p, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
            failed++;
    }
    long long dt = now_ns() - t0;
    printf("execs %ld failed=%ld ns=%lld\n", n, failed, dt);
    return failed ? 1 : 0;
}

static int do_write(const char *file, const char *text)
{
    char what[300];
    snprintf(what, sizeof(what), "write %s", file);
    int fd = open(file, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return probe_report(what, -1, errno);
    ssize_t w = write(fd, text, strlen(text));
    int e = errno;
    close(fd);
    return probe_report(what, w < 0 ? -1 : 0, e);
}

static int do_reads(const char *file, long n, long per_sec)
{
    long failed = 0;
    long long t0 = now_ns();
    for (long i = 0; i < n; i++) {
        if (per_sec > 0 && (i & 63) == 0) {
            /* pace in steps of 64 reads: sleep until this step is due */
            long long due = t0 + (long long)((double)i * 1e9 / (double)per_sec);
            long long now = now_ns();
            if (due > now) {
                struct timespec ts = {.tv_sec = (due - now) / 1000000000LL,
                                      .tv_nsec = (due - now) % 1000000000LL};
                nanosleep(&ts, NULL);
            }
        }
        char buf[256];
        int fd = open(file, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || read(fd, buf, sizeof(buf)) < 0)
            failed++;
        if (fd >= 0)
            close(fd);
    }
    long long dt = now_ns() - t0;
    printf("reads %ld failed=%ld ns=%lld\n", n, failed, dt);
    return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    struct sockaddr_in sa;
    long n = 0;
    if (argc == 5 && strcmp(argv[1], "listen") == 0 && parse_addr(argv[2], argv[3], &sa) == 0 &&
        probe_parse_long(argv[4], &n) && n > 0)
        return do_listen(&sa, n);
    if (argc == 5 && strcmp(argv[1], "connects") == 0 && parse_addr(argv[2], argv[3], &sa) == 0 &&
        probe_parse_long(argv[4], &n) && n > 0)
        return do_connects(&sa, n);
    if (argc >= 4 && strcmp(argv[1], "execs") == 0 && probe_parse_long(argv[2], &n) && n > 0)
        return do_execs(n, argv + 3);
    if (argc == 4 && strcmp(argv[1], "write") == 0)
        return do_write(argv[2], argv[3]);
    long rate = 0;
    if ((argc == 4 || argc == 5) && strcmp(argv[1], "reads") == 0 &&
        probe_parse_long(argv[3], &n) && n > 0 &&
        (argc == 4 || (probe_parse_long(argv[4], &rate) && rate > 0)))
        return do_reads(argv[2], n, rate);
    fprintf(stderr, "usage: probe_ebpf listen ADDR PORT SECONDS | connects ADDR PORT N | "
                    "execs N PATH [ARG...] | write FILE TEXT | reads FILE N [PER_SEC]\n");
    return 2;
}
