/* probe_socket: creates sockets of the given family/type/protocol and prints the result.
 *   probe_socket FAMILY TYPE [PROTO] [-- FAMILY TYPE [PROTO]]...
 * FAMILY: unix inet inet6 netlink packet key alg vsock can xdp tipc rds bluetooth or a number;
 * TYPE: stream dgram raw seqpacket rdm or a number. Prints "socket F T P: ok" or errno. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"

static const struct {
    const char *name;
    long v;
} families[] =
    {
        {"unix", AF_UNIX},
        {"inet", AF_INET},
        {"inet6", AF_INET6},
        {"netlink", AF_NETLINK},
        {"packet", AF_PACKET},
        {"key", AF_KEY},
        {"alg", AF_ALG},
        {"vsock", AF_VSOCK},
        {"can", AF_CAN},
        {"xdp", AF_XDP},
        {"tipc", AF_TIPC},
        {"rds", AF_RDS},
        {"bluetooth", AF_BLUETOOTH},
        {"appletalk", AF_APPLETALK},
        {"ax25", AF_AX25},
        {"x25", AF_X25},
        {"decnet", AF_DECnet},
        {"llc", AF_LLC},
        {"qipcrtr", AF_QIPCRTR},
},
  types[] = {
      {"stream", SOCK_STREAM},       {"dgram", SOCK_DGRAM}, {"raw", SOCK_RAW},
      {"seqpacket", SOCK_SEQPACKET}, {"rdm", SOCK_RDM},
};

static bool lookup(const char *s, const void *tbl, size_t n, long *out)
{
    const struct {
        const char *name;
        long v;
    } *t = tbl;
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].name, s) == 0) {
            *out = t[i].v;
            return true;
        }
    return probe_parse_long(s, out);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: probe_socket FAMILY TYPE [PROTO] [-- ...]\n");
        return 2;
    }
    int rc = 0;
    for (int i = 1; i < argc;) {
        long fam = 0, type = 0, proto = 0;
        if (i + 1 >= argc ||
            !lookup(argv[i], families, sizeof(families) / sizeof(families[0]), &fam) ||
            !lookup(argv[i + 1], types, sizeof(types) / sizeof(types[0]), &type)) {
            fprintf(stderr, "probe_socket: bad family/type near '%s'\n", argv[i]);
            return 2;
        }
        const char *fs = argv[i], *ts = argv[i + 1], *ps = "0";
        i += 2;
        if (i < argc && strcmp(argv[i], "--") != 0) {
            if (!probe_parse_long(argv[i], &proto)) {
                fprintf(stderr, "probe_socket: bad protocol '%s'\n", argv[i]);
                return 2;
            }
            ps = argv[i++];
        }
        if (i < argc && strcmp(argv[i], "--") == 0)
            i++;
        int fd = socket((int)fam, (int)type | SOCK_CLOEXEC, (int)proto);
        int e = errno;
        char what[160];
        snprintf(what, sizeof(what), "socket %s %s %s", fs, ts, ps);
        rc |= probe_report(what, fd, e);
        if (fd >= 0)
            close(fd);
    }
    fflush(stdout);
    return rc;
}
