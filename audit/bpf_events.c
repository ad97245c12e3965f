/* Decoding ring-buffer events into audit records and one-line summaries. Every string that
 * came from the kernel (comm, file names, sysctl names) is bounded here, never trusted to
 * carry its NUL. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit_time.h"
#include "bpf_shared.h"

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
    if (kind == RW_BPF_EV_BIND)
        return "attach";
    if (kind == RW_BPF_EV_END)
        return "end";
    return kind < RW_BPF_EV_KIND_MAX && kind_names[kind] ? kind_names[kind] : "unknown";
}

/* realtime - boottime, refreshed once a second: two clock reads per event would cost more
 * than the rest of the formatting. */
static int64_t boot_to_real_ns(void)
{
    static int64_t offset, refreshed;
    struct timespec bt;
    clock_gettime(CLOCK_BOOTTIME, &bt);
    int64_t now_boot = (int64_t)bt.tv_sec * 1000000000 + bt.tv_nsec;
    if (!refreshed || now_boot - refreshed > 1000000000) {
        struct timespec rt;
        clock_gettime(CLOCK_REALTIME, &rt);
        offset = (int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec - now_boot;
        refreshed = now_boot;
    }
    return offset;
}

void rw_bpf_format_time(uint64_t boot_ns, char *buf, size_t len)
{
    int64_t t = (int64_t)boot_ns + boot_to_real_ns();
    struct timespec ts = {.tv_sec = (time_t)(t / 1000000000), .tv_nsec = (long)(t % 1000000000)};
    char out[RW_AUDIT_TIME_LEN];
    rw_audit_time_format(&ts, out);
    snprintf(buf, len, "%s", out);
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

/* A small append-only buffer: records are built as text, without a JSON tree, because
 * `audit follow` must keep up with tens of thousands of events per second. */
typedef struct sb {
    char *p;
    size_t len, cap;
    bool overflow;
} sb_t;

static void sb_raw(sb_t *b, const char *s, size_t n)
{
    if (b->overflow || b->len + n >= b->cap) {
        b->overflow = true;
        return;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_printf(sb_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sb_t *b, const char *fmt, ...)
{
    if (b->overflow)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= b->cap - b->len)
        b->overflow = true;
    else
        b->len += (size_t)n;
}

/* ,"key":"value" with JSON escaping. Bytes outside printable ASCII are written as the text
 * \xNN (as rw_audit_jstr does for invalid UTF-8): kernel strings are not known to be UTF-8. */
static void sb_str(sb_t *b, const char *key, const char *s, size_t max)
{
    sb_printf(b, ",\"%s\":\"", key);
    for (size_t i = 0; i < max && s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            sb_raw(b, esc, 2);
        } else if (c >= 0x20 && c < 0x7f) {
            sb_raw(b, (const char *)&c, 1);
        } else {
            sb_printf(b, "\\\\x%02x", c);
        }
    }
    sb_raw(b, "\"", 1);
}

static void sb_num_or_name(sb_t *b, const char *key, const char *name, unsigned n)
{
    if (name)
        sb_printf(b, ",\"%s\":\"%s\"", key, name);
    else
        sb_printf(b, ",\"%s\":%u", key, n);
}

static void sb_id(sb_t *b, const char *key, uint32_t v)
{
    if (v == UINT32_MAX)
        sb_printf(b, ",\"%s\":null", key);
    else
        sb_printf(b, ",\"%s\":%u", key, v);
}

/* The kernel bound a container to its cgroup (the "ebpf-attach" record) or removed it with
 * its cgroup (the "ebpf-summary" record, with the exact counters). */
static void lifetime_body(sb_t *b, const struct rw_bpf_event *e, const char *t)
{
    const char *id = e->kind == RW_BPF_EV_BIND ? e->u.bind.id : e->u.end.id;
    size_t idmax = RW_BPF_ID_MAX;
    if (e->kind == RW_BPF_EV_BIND) {
        sb_printf(b, "{\"event\":\"ebpf-attach\",\"time\":\"%s\"", t);
        sb_str(b, "container", id, idmax);
        sb_printf(b,
                  ",\"cgroupId\":%llu,\"outcome\":\"%s\",\"error\":%d,\"binding\":\"kernel: "
                  "the runtime moved the container into its cgroup\",\"runtimePid\":%u,"
                  "\"pid\":%u",
                  (unsigned long long)e->cgroup_id, e->error ? "not attached" : "attached",
                  e->error, e->u.bind.runtime_pid, e->u.bind.task_pid);
        sb_str(b, "movedBy", e->comm, sizeof(e->comm));
        sb_raw(b, "}", 1);
        return;
    }
    char at[48];
    rw_bpf_format_time(e->u.end.attached_ns, at, sizeof(at));
    sb_printf(b, "{\"event\":\"ebpf-summary\",\"time\":\"%s\"", t);
    sb_str(b, "container", id, idmax);
    const __u64 *n = e->u.end.n;
    sb_printf(b,
              ",\"cgroupId\":%llu,\"attachedAt\":\"%s\",\"counters\":{\"exec\":%llu,"
              "\"connect\":%llu,\"sendmsg\":%llu,\"socket\":%llu,\"device\":%llu,"
              "\"sysctl\":%llu,\"capability\":%llu,\"refused\":%llu,\"lost\":%llu},"
              "\"released\":\"kernel: the container's cgroup was removed\"}",
              (unsigned long long)e->cgroup_id, at, (unsigned long long)n[RW_BPF_EV_EXEC],
              (unsigned long long)n[RW_BPF_EV_CONNECT], (unsigned long long)n[RW_BPF_EV_SENDMSG],
              (unsigned long long)n[RW_BPF_EV_SOCKET], (unsigned long long)n[RW_BPF_EV_DEVICE],
              (unsigned long long)n[RW_BPF_EV_SYSCTL], (unsigned long long)n[RW_BPF_EV_CAPABILITY],
              (unsigned long long)e->u.end.refused, (unsigned long long)e->u.end.lost);
}

int rw_bpf_event_body(const struct rw_bpf_event *e, const char *id, char *buf, size_t len)
{
    char t[48], a[64];
    sb_t b = {buf, 0, len, len == 0};
    if (len)
        buf[0] = '\0';
    rw_bpf_format_time(e->time_ns, t, sizeof(t));
    if (e->kind == RW_BPF_EV_BIND || e->kind == RW_BPF_EV_END) {
        lifetime_body(&b, e, t);
        return b.overflow ? -ENOSPC : (int)b.len;
    }
    sb_printf(&b, "{\"event\":\"ebpf-event\",\"time\":\"%s\",\"kind\":\"%s\"", t,
              rw_bpf_kind_name(e->kind));
    if (id)
        sb_str(&b, "container", id, RW_BPF_ID_MAX);
    else
        sb_raw(&b, ",\"container\":null", 17);
    sb_printf(&b,
              ",\"cgroupId\":%llu,\"taskCgroupId\":%llu,\"refused\":%s,\"error\":%d,\"pid\":%u,"
              "\"tid\":%u,\"ppid\":%u,\"uid\":%u,\"gid\":%u",
              (unsigned long long)e->cgroup_id, (unsigned long long)e->task_cgroup_id,
              e->refused ? "true" : "false", e->error, e->pid, e->tid, e->ppid, e->uid, e->gid);
    sb_id(&b, "loginuid", e->loginuid);
    sb_id(&b, "sessionid", e->sessionid);
    sb_str(&b, "comm", e->comm, sizeof(e->comm));
    switch (e->kind) {
    case RW_BPF_EV_EXEC:
        sb_str(&b, "filename", e->u.exec.filename, sizeof(e->u.exec.filename));
        break;
    case RW_BPF_EV_CONNECT:
    case RW_BPF_EV_SENDMSG:
        addr_text(e, a, sizeof(a));
        sb_num_or_name(&b, "family", family_name(e->u.net.family), e->u.net.family);
        sb_num_or_name(&b, "protocol", proto_name(e->u.net.protocol), e->u.net.protocol);
        sb_printf(&b, ",\"address\":\"%s\",\"port\":%u", a, e->u.net.port);
        break;
    case RW_BPF_EV_SOCKET:
        sb_num_or_name(&b, "family", family_name(e->u.sock.family), e->u.sock.family);
        if (e->u.sock.type)
            sb_num_or_name(&b, "sockType", sock_type_name(e->u.sock.type), e->u.sock.type);
        else
            sb_raw(&b, ",\"sockType\":null", 16);
        sb_printf(&b, ",\"protocol\":%u", e->u.sock.protocol);
        break;
    case RW_BPF_EV_DEVICE:
        access_text(e->u.dev.access, a);
        sb_printf(&b, ",\"device\":\"%c %u:%u\",\"access\":\"%s\"", e->u.dev.type == 1 ? 'b' : 'c',
                  e->u.dev.major, e->u.dev.minor, a);
        break;
    case RW_BPF_EV_SYSCTL:
        sb_str(&b, "name", e->u.sysctl.name, sizeof(e->u.sysctl.name));
        sb_printf(&b, ",\"write\":%s", e->u.sysctl.write ? "true" : "false");
        if (e->u.sysctl.write)
            sb_str(&b, "value", e->u.sysctl.value, sizeof(e->u.sysctl.value));
        break;
    case RW_BPF_EV_CAPABILITY:
        sb_num_or_name(&b, "capability", cap_name(e->u.cap.cap), e->u.cap.cap);
        break;
    default:
        break;
    }
    sb_raw(&b, "}", 1);
    return b.overflow ? -ENOSPC : (int)b.len;
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
    case RW_BPF_EV_BIND:
        snprintf(detail, sizeof(detail), "cgroup %llu%s", (unsigned long long)e->cgroup_id,
                 e->error ? " NOT TRACKED (map full)" : "");
        break;
    case RW_BPF_EV_END:
        snprintf(detail, sizeof(detail), "cgroup %llu removed: %llu exec, %llu refused, %llu lost",
                 (unsigned long long)e->cgroup_id, (unsigned long long)e->u.end.n[RW_BPF_EV_EXEC],
                 (unsigned long long)e->u.end.refused, (unsigned long long)e->u.end.lost);
        break;
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
