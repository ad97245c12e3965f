/* probe_listenfds: shows the socket-activation environment and every open fd, so tests
 * can check that LISTEN_FDS sockets and --preserve-fds descriptors reach the container.
 *   probe_listenfds [--max N] [--accept [--greet TEXT]]
 * Prints LISTEN_FDS=, LISTEN_PID=, LISTEN_FDNAMES= (or "unset"), pid=, then one line per
 * open fd below N (default 64): "fd N: socket family=unix|inet|inet6|F type=stream|dgram|T
 * listening=0|1", "fd N: pipe|chr|reg|dir|other -> /proc/self/fd target".
 * --accept: on each LISTEN_FDS socket that listens, accept one connection, write
 * "TEXT fd N\n" (TEXT defaults to "hello from"), print "accepted fd N" and close it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

static const char *family_name(int f, char *buf, size_t n)
{
    switch (f) {
    case AF_UNIX:
        return "unix";
    case AF_INET:
        return "inet";
    case AF_INET6:
        return "inet6";
    case AF_NETLINK:
        return "netlink";
    default:
        snprintf(buf, n, "%d", f);
        return buf;
    }
}

static const char *type_name(int t, char *buf, size_t n)
{
    switch (t) {
    case SOCK_STREAM:
        return "stream";
    case SOCK_DGRAM:
        return "dgram";
    case SOCK_SEQPACKET:
        return "seqpacket";
    case SOCK_RAW:
        return "raw";
    default:
        snprintf(buf, n, "%d", t);
        return buf;
    }
}

static void describe(int fd)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return;
    if (S_ISSOCK(st.st_mode)) {
        int fam = -1, type = -1, acc = 0;
        socklen_t l = sizeof(int);
        (void)getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &fam, &l);
        l = sizeof(int);
        (void)getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l);
        l = sizeof(int);
        (void)getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &l);
        char b1[16], b2[16];
        printf("fd %d: socket family=%s type=%s listening=%d\n", fd,
               family_name(fam, b1, sizeof(b1)), type_name(type, b2, sizeof(b2)), acc);
        return;
    }
    const char *kind = S_ISFIFO(st.st_mode)  ? "pipe"
                       : S_ISCHR(st.st_mode) ? "chr"
                       : S_ISREG(st.st_mode) ? "reg"
                       : S_ISDIR(st.st_mode) ? "dir"
                                             : "other";
    char link[64], target[512];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    target[n > 0 ? n : 0] = '\0';
    printf("fd %d: %s -> %s\n", fd, kind, target);
}

static void show_env(const char *name)
{
    const char *v = getenv(name);
    printf("%s=%s\n", name, v ? v : "unset");
}

int main(int argc, char **argv)
{
    long max = 64;
    bool do_accept = false;
    const char *greet = "hello from";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--max") == 0 && i + 1 < argc && probe_parse_long(argv[i + 1], &max) &&
            max > 0 && max <= 4096)
            i++;
        else if (strcmp(argv[i], "--accept") == 0)
            do_accept = true;
        else if (strcmp(argv[i], "--greet") == 0 && i + 1 < argc)
            greet = argv[++i];
        else {
            fprintf(stderr, "usage: probe_listenfds [--max N] [--accept [--greet TEXT]]\n");
            return 2;
        }
    }
    show_env("LISTEN_FDS");
    show_env("LISTEN_PID");
    show_env("LISTEN_FDNAMES");
    printf("pid=%d\n", (int)getpid());
    for (int fd = 0; fd < max; fd++)
        describe(fd);
    fflush(stdout);
    if (!do_accept)
        return 0;
    long n = 0;
    const char *lf = getenv("LISTEN_FDS");
    if (!lf || !probe_parse_long(lf, &n) || n <= 0) {
        printf("accept: no LISTEN_FDS\n");
        return 1;
    }
    int rc = 1;
    for (int fd = 3; fd < 3 + n; fd++) {
        int acc = 0;
        socklen_t l = sizeof(acc);
        if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &l) < 0 || !acc)
            continue;
        int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
            printf("accept fd %d: errno=%d %s\n", fd, errno, probe_errname(errno));
            continue;
        }
        char line[256];
        int len = snprintf(line, sizeof(line), "%s fd %d\n", greet, fd);
        if (len > 0 && write(c, line, (size_t)len) == len)
            rc = 0;
        close(c);
        printf("accepted fd %d\n", fd);
    }
    fflush(stdout);
    return rc;
}
