/* Decoding ring-buffer events into audit records and one-line summaries. Every string that
 * came from the kernel (comm, file names, sysctl names) is bounded here, never trusted to
 * carry its NUL. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../audit_time.h"
#include "../jsonstr.h"
#include "bpf_helper.h"

static const char *const kind_names[RW_BPF_EV_KIND_MAX] = {
    [RW_BPF_EV_EXEC] = "exec",
    [RW_BPF_EV_CONNECT] = "connect",
    [RW_BPF_EV_SENDMSG] = "sendmsg",
    [RW_BPF_EV_SOCKET] = "socket",
    [RW_BPF_EV_DEVICE] = "device",
    [RW_BPF_EV_SYSCTL] = "sysctl",
    [RW_BPF_EV_CAPABILITY] = "capability",
};

static const char *cap_name(unsigned cap)
{
    return cap == 13 ? "CAP_NET_RAW" : NULL;
}

const char *rw_bpf_kind_name(unsigned kind)
{
    return kind < RW_BPF_EV_KIND_MAX && kind_names[kind] ? kind_names[kind] : "unknown";
}

void rw_bpf_format_time(uint64_t boot_ns, char *buf, size_t len)
{
    struct timespec rt, bt;
    clock_gettime(CLOCK_REALTIME, &rt);
    clock_gettime(CLOCK_BOOTTIME, &bt);
    int64_t now_boot = (int64_t)bt.tv_sec * 1000000000 + bt.tv_nsec;
    int64_t now_real = (int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec;
    int64_t t = now_real - (now_boot - (int64_t)boot_ns);
    struct timespec ts = {.tv_sec = (time_t)(t / 1000000000), .tv_nsec = (long)(t % 1000000000)};
    char out[RW_AUDIT_TIME_LEN];
    rw_audit_time_format(&ts, out);
    snprintf(buf, len, "%s", out);
}

static size_t bounded_len(const char *s, size_t max)
{
    const char *z = memchr(s, '\0', max);
    return z ? (size_t)(z - s) : max;
}

static const char *family_name(unsigned f)
{
    switch (f) {
    case AF_INET:
        return "inet";
    case AF_INET6:
        return "inet6";
    case 17:
        return "packet";
    default:
        return NULL;
    }
}

static const char *sock_type_name(unsigned t)
{
    switch (t) {
    case 1:
        return "stream";
    case 2:
        return "dgram";
    case 3:
        return "raw";
    case 5:
        return "seqpacket";
    case 10:
        return "packet";
    default:
        return NULL;
    }
}

static const char *proto_name(unsigned p)
{
    switch (p) {
    case 6:
        return "tcp";
    case 17:
        return "udp";
    case 1:
        return "icmp";
    case 58:
        return "icmpv6";
    case 132:
        return "sctp";
    default:
        return NULL;
    }
}

static void addr_text(const struct rw_bpf_event *e, char *buf, size_t len)
{
    if (!inet_ntop(e->u.net.family == AF_INET6 ? AF_INET6 : AF_INET, e->u.net.addr, buf,
                   (socklen_t)len))
        snprintf(buf, len, "?");
}

static void access_text(unsigned a, char *buf)
{
    size_t n = 0;
    if (a & 2)
        buf[n++] = 'r';
    if (a & 4)
        buf[n++] = 'w';
    if (a & 1)
        buf[n++] = 'm';
    buf[n] = '\0';
}

static json_t *num_or_name(const char *name, unsigned n)
{
    return name ? json_string(name) : json_integer(n);
}

json_t *rw_bpf_event_json(const struct rw_bpf_event *e, const char *id)
{
    char t[48];
    rw_bpf_format_time(e->time_ns, t, sizeof(t));
    json_t *j =
        json_pack("{s:s,s:s,s:s,s:o,s:I,s:I,s:b,s:i,s:i,s:i,s:i,s:i,s:i,s:o,s:o,s:o}", "event",
                  "ebpf-event", "time", t, "kind", rw_bpf_kind_name(e->kind), "container",
                  id ? json_string(id) : json_null(), "cgroupId", (json_int_t)e->cgroup_id,
                  "taskCgroupId", (json_int_t)e->task_cgroup_id, "refused", e->refused != 0,
                  "error", e->error, "pid", (int)e->pid, "tid", (int)e->tid, "ppid", (int)e->ppid,
                  "uid", (int)e->uid, "gid", (int)e->gid, "loginuid",
                  e->loginuid == UINT32_MAX ? json_null() : json_integer(e->loginuid), "sessionid",
                  e->sessionid == UINT32_MAX ? json_null() : json_integer(e->sessionid), "comm",
                  rw_audit_jstrn(e->comm, bounded_len(e->comm, sizeof(e->comm))));
    if (!j)
        return NULL;
    char buf[64];
    switch (e->kind) {
    case RW_BPF_EV_EXEC:
        json_object_set_new(
            j, "filename",
            rw_audit_jstrn(e->u.exec.filename,
                           bounded_len(e->u.exec.filename, sizeof(e->u.exec.filename))));
        break;
    case RW_BPF_EV_CONNECT:
    case RW_BPF_EV_SENDMSG:
        addr_text(e, buf, sizeof(buf));
        json_object_set_new(j, "family",
                            num_or_name(family_name(e->u.net.family), e->u.net.family));
        json_object_set_new(j, "protocol",
                            num_or_name(proto_name(e->u.net.protocol), e->u.net.protocol));
        json_object_set_new(j, "address", json_string(buf));
        json_object_set_new(j, "port", json_integer(e->u.net.port));
        break;
    case RW_BPF_EV_SOCKET:
        json_object_set_new(j, "family",
                            num_or_name(family_name(e->u.sock.family), e->u.sock.family));
        json_object_set_new(j, "sockType",
                            e->u.sock.type
                                ? num_or_name(sock_type_name(e->u.sock.type), e->u.sock.type)
                                : json_null());
        json_object_set_new(j, "protocol", json_integer(e->u.sock.protocol));
        break;
    case RW_BPF_EV_DEVICE:
        access_text(e->u.dev.access, buf);
        json_object_set_new(j, "device",
                            json_sprintf("%c %u:%u", e->u.dev.type == 1 ? 'b' : 'c', e->u.dev.major,
                                         e->u.dev.minor));
        json_object_set_new(j, "access", json_string(buf));
        break;
    case RW_BPF_EV_SYSCTL:
        json_object_set_new(
            j, "name",
            rw_audit_jstrn(e->u.sysctl.name,
                           bounded_len(e->u.sysctl.name, sizeof(e->u.sysctl.name))));
        json_object_set_new(j, "write", json_boolean(e->u.sysctl.write));
        if (e->u.sysctl.write)
            json_object_set_new(
                j, "value",
                rw_audit_jstrn(e->u.sysctl.value,
                               bounded_len(e->u.sysctl.value, sizeof(e->u.sysctl.value))));
        break;
    case RW_BPF_EV_CAPABILITY:
        json_object_set_new(j, "capability", num_or_name(cap_name(e->u.cap.cap), e->u.cap.cap));
        break;
    default:
        break;
    }
    return j;
}

/* comm and names are printed with anything outside printable ASCII replaced, so a
 * container cannot forge lines or terminal escapes in `audit follow` output. */
static void safe(char *out, size_t outlen, const char *in, size_t inlen)
{
    size_t n = 0;
    for (size_t i = 0; i < inlen && in[i] && n + 1 < outlen; i++)
        out[n++] = (in[i] >= 0x21 && in[i] <= 0x7e) ? in[i] : '?';
    out[n] = '\0';
}

int rw_bpf_event_line(const struct rw_bpf_event *e, const char *id, char *buf, size_t len)
{
    char t[48], comm[20], detail[256];
    rw_bpf_format_time(e->time_ns, t, sizeof(t));
    safe(comm, sizeof(comm), e->comm, sizeof(e->comm));
    char a[64], name[80];
    switch (e->kind) {
    case RW_BPF_EV_EXEC:
        safe(detail, sizeof(detail), e->u.exec.filename, sizeof(e->u.exec.filename));
        break;
    case RW_BPF_EV_CONNECT:
    case RW_BPF_EV_SENDMSG: {
        const char *p = proto_name(e->u.net.protocol);
        addr_text(e, a, sizeof(a));
        snprintf(detail, sizeof(detail), "%s %s%s%s:%u", p ? p : "proto?",
                 e->u.net.family == AF_INET6 ? "[" : "", a, e->u.net.family == AF_INET6 ? "]" : "",
                 e->u.net.port);
        break;
    }
    case RW_BPF_EV_SOCKET: {
        const char *f = family_name(e->u.sock.family), *ty = sock_type_name(e->u.sock.type);
        snprintf(detail, sizeof(detail), "family=%s type=%s protocol=%u", f ? f : "?",
                 ty ? ty : "?", e->u.sock.protocol);
        break;
    }
    case RW_BPF_EV_DEVICE:
        access_text(e->u.dev.access, a);
        snprintf(detail, sizeof(detail), "%c %u:%u %s", e->u.dev.type == 1 ? 'b' : 'c',
                 e->u.dev.major, e->u.dev.minor, a);
        break;
    case RW_BPF_EV_SYSCTL:
        safe(name, sizeof(name), e->u.sysctl.name, sizeof(e->u.sysctl.name));
        safe(a, sizeof(a), e->u.sysctl.value, sizeof(e->u.sysctl.value));
        snprintf(detail, sizeof(detail), "%s %s%s%s", e->u.sysctl.write ? "write" : "read", name,
                 e->u.sysctl.write ? "=" : "", e->u.sysctl.write ? a : "");
        break;
    case RW_BPF_EV_CAPABILITY: {
        const char *cn = cap_name(e->u.cap.cap);
        if (cn)
            snprintf(detail, sizeof(detail), "%s (raw or packet socket)", cn);
        else
            snprintf(detail, sizeof(detail), "cap %u", e->u.cap.cap);
        break;
    }
    default:
        detail[0] = '\0';
        break;
    }
    char luid[16];
    if (e->loginuid == UINT32_MAX)
        snprintf(luid, sizeof(luid), "unset");
    else
        snprintf(luid, sizeof(luid), "%u", e->loginuid);
    int n = snprintf(buf, len, "%s %.12s %s %s%s pid=%u uid=%u loginuid=%s comm=%s", t,
                     id ? id : "?", rw_bpf_kind_name(e->kind), detail, e->refused ? " REFUSED" : "",
                     e->pid, e->uid, luid, comm);
    return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}
