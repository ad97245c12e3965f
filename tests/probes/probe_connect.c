/* probe_connect: connects to HOST PORT (IPv4/IPv6 literal) or to a unix socket and prints
 * the outcome, optionally sending a line and printing the reply.
 *   probe_connect [--udp] [--timeout MS] [--send TEXT] [--recv] HOST PORT
 *   probe_connect [--timeout MS] [--send TEXT] [--recv] unix:PATH
 * Prints "connect TARGET: ok" or "connect TARGET: errno=N ENAME" (ETIMEDOUT on timeout),
 * then "send: ok|errno..." and "recv: <data>" when asked. Exit 0 ok, 1 failed, 2 usage. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common.h"

static int wait_fd(int fd, short ev, long ms)
{
    struct pollfd p = {.fd = fd, .events = ev};
    int r = poll(&p, 1, (int)ms);
    if (r == 0) {
        errno = ETIMEDOUT;
        return -1;
    }
    return r < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
    bool udp = false, recv_reply = false;
    long timeout = 3000;
    const char *send_text = NULL;
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--udp") == 0)
            udp = true;
        else if (strcmp(argv[i], "--recv") == 0)
            recv_reply = true;
        else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc &&
                 probe_parse_long(argv[i + 1], &timeout) && timeout > 0)
            i++;
        else if (strcmp(argv[i], "--send") == 0 && i + 1 < argc)
            send_text = argv[++i];
        else
            goto usage;
    }
    struct sockaddr_storage ss;
    socklen_t sl = 0;
    memset(&ss, 0, sizeof(ss));
    char target[300];
    if (i + 1 == argc && strncmp(argv[i], "unix:", 5) == 0) {
        struct sockaddr_un *un = (struct sockaddr_un *)&ss;
        const char *path = argv[i] + 5;
        if (strlen(path) >= sizeof(un->sun_path))
            goto usage;
        un->sun_family = AF_UNIX;
        memcpy(un->sun_path, path, strlen(path) + 1);
        sl = sizeof(*un);
        snprintf(target, sizeof(target), "%s", argv[i]);
    } else if (i + 2 == argc) {
        long port = 0;
        if (!probe_parse_long(argv[i + 1], &port) || port < 0 || port > 65535)
            goto usage;
        struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
        if (inet_pton(AF_INET, argv[i], &in4->sin_addr) == 1) {
            in4->sin_family = AF_INET;
            in4->sin_port = htons((uint16_t)port);
            sl = sizeof(*in4);
        } else if (inet_pton(AF_INET6, argv[i], &in6->sin6_addr) == 1) {
            in6->sin6_family = AF_INET6;
            in6->sin6_port = htons((uint16_t)port);
            sl = sizeof(*in6);
        } else {
            goto usage;
        }
        snprintf(target, sizeof(target), "%s:%ld", argv[i], port);
    } else {
        goto usage;
    }

    char what[340];
    snprintf(what, sizeof(what), "connect %s", target);
    int fd =
        socket(ss.ss_family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return probe_report(what, -1, errno);
    int r = connect(fd, (struct sockaddr *)&ss, sl);
    if (r < 0 && errno == EINPROGRESS) {
        int soerr = 0;
        socklen_t l = sizeof(soerr);
        r = wait_fd(fd, POLLOUT, timeout);
        if (r == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &l) == 0 && soerr) {
            errno = soerr;
            r = -1;
        }
    }
    int rc = probe_report(what, r, errno);
    if (rc != 0)
        return rc;
    if (send_text) {
        ssize_t n = send(fd, send_text, strlen(send_text), MSG_NOSIGNAL);
        rc |= probe_report("send", n, errno);
    }
    if (recv_reply) {
        char buf[4096];
        ssize_t n = -1;
        if (wait_fd(fd, POLLIN, timeout) == 0)
            n = recv(fd, buf, sizeof(buf) - 1, 0);
        if (n < 0) {
            rc |= probe_report("recv", -1, errno);
        } else {
            buf[n] = '\0';
            printf("recv: %s%s", buf, n > 0 && buf[n - 1] == '\n' ? "" : "\n");
        }
    }
    close(fd);
    fflush(stdout);
    return rc;
usage:
    fprintf(stderr, "usage: probe_connect [--udp] [--timeout MS] [--send TEXT] [--recv] "
                    "HOST PORT | unix:PATH\n");
    return 2;
}
