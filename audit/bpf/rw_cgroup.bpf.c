// SPDX-License-Identifier: GPL-2.0
/* The cgroup programs: loaded and pinned once, linked at the cgroup v2 root.
 * connect/sendmsg (egress allowlist), socket creation (raw sockets), device access and
 * sysctl (writes). A program finds its container as the innermost ancestor cgroup of the
 * current task that has an entry in rw_policy (a nested container's, or its own); tasks of
 * no tracked container leave at once. Refusals start with the container's first exec
 * (policy.armed): before it the runtime is setting the container up. */
#include "rw_bpf_common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* UAPI values (linux/bpf.h BPF_DEVCG_*); the kernel's BTF does not always carry them. */
#define RW_DEVCG_ACC_MKNOD 1u
#define RW_DEVCG_DEV_CHAR 2u

struct rw_scope {
    __u64 cgid;
    struct rw_bpf_policy *pol;
    struct rw_bpf_counters *cnt;
};

/* Returns 0 when the task is in no tracked container (a socket handed to a host process,
 * or a container released while a process lingers): such calls are let through unjudged. */
static __always_inline int rw_scope_get(struct rw_scope *s)
{
    s->cgid = 0;
    s->pol = NULL;
    for (int level = 1; level <= RW_BPF_MAX_LEVELS; level++) {
        __u64 id = bpf_get_current_ancestor_cgroup_id(level);
        if (!id)
            break;
        struct rw_bpf_policy *p = bpf_map_lookup_elem(&rw_policy, &id);
        if (p) {
            s->cgid = id;
            s->pol = p;
        }
    }
    if (!s->pol)
        return 0;
    __u64 id = s->cgid;
    s->cnt = bpf_map_lookup_elem(&rw_counters, &id);
    return 1;
}

static __always_inline __u32 rw_proto_bit(__u32 protocol)
{
    if (protocol == IPPROTO_TCP)
        return RW_BPF_PROTO_TCP;
    if (protocol == IPPROTO_UDP)
        return RW_BPF_PROTO_UDP;
    return 0; /* other inet protocols never match an allowlist entry */
}

/* addr: 4 words in network order (only addr[0] for AF_INET); port in host order. */
static __always_inline int rw_egress_allowed(const struct rw_bpf_policy *p, __u32 family,
                                             const __u32 *addr, __u32 port, __u32 protocol)
{
    if (!p->egress_enforce)
        return 1;
    __u32 bit = rw_proto_bit(protocol);
    __u32 n = p->n_rules;
    for (__u32 i = 0; i < RW_BPF_MAX_RULES; i++) {
        if (i >= n)
            break;
        const struct rw_bpf_rule *r = &p->rules[i];
        if (r->family != family || !(r->protos & bit))
            continue;
        if (port < r->port_lo || port > r->port_hi)
            continue;
        if ((addr[0] & r->mask[0]) != r->addr[0])
            continue;
        if (family == AF_INET6 &&
            ((addr[1] & r->mask[1]) != r->addr[1] || (addr[2] & r->mask[2]) != r->addr[2] ||
             (addr[3] & r->mask[3]) != r->addr[3]))
            continue;
        return 1;
    }
    return 0;
}

static __always_inline int rw_sock_addr(struct bpf_sock_addr *ctx, __u32 kind, int v6)
{
    struct rw_scope s;
    if (!rw_scope_get(&s))
        return 1;
    __u32 addr[4] = {0, 0, 0, 0};
    __u32 family = AF_INET;
    __u32 protocol = ctx->protocol;
    __u32 port = bpf_ntohs((__u16)ctx->user_port);

    if (v6) {
        addr[0] = ctx->user_ip6[0];
        addr[1] = ctx->user_ip6[1];
        addr[2] = ctx->user_ip6[2];
        addr[3] = ctx->user_ip6[3];
        family = AF_INET6;
        /* ::ffff:a.b.c.d goes out as IPv4: judge it by the IPv4 rules */
        if (addr[0] == 0 && addr[1] == 0 && addr[2] == bpf_htonl(0xffff)) {
            family = AF_INET;
            addr[0] = addr[3];
            addr[3] = 0;
            addr[2] = 0;
        }
    } else {
        addr[0] = ctx->user_ip4;
    }

    int allowed = !s.pol->armed || rw_egress_allowed(s.pol, family, addr, port, protocol);
    rw_count(s.cnt, kind, !allowed);
    struct rw_bpf_event *e = rw_reserve(s.cnt);
    if (e) {
        rw_fill(e, kind, s.cgid, !allowed);
        e->u.net.family = family;
        e->u.net.protocol = protocol;
        e->u.net.port = port;
        e->u.net.pad = 0;
        __builtin_memcpy(e->u.net.addr, addr, sizeof(addr));
        bpf_ringbuf_submit(e, 0);
    }
    return allowed;
}

SEC("cgroup/connect4")
int rw_connect4(struct bpf_sock_addr *ctx)
{
    return rw_sock_addr(ctx, RW_BPF_EV_CONNECT, 0);
}

SEC("cgroup/connect6")
int rw_connect6(struct bpf_sock_addr *ctx)
{
    return rw_sock_addr(ctx, RW_BPF_EV_CONNECT, 1);
}

SEC("cgroup/sendmsg4")
int rw_sendmsg4(struct bpf_sock_addr *ctx)
{
    return rw_sock_addr(ctx, RW_BPF_EV_SENDMSG, 0);
}

SEC("cgroup/sendmsg6")
int rw_sendmsg6(struct bpf_sock_addr *ctx)
{
    return rw_sock_addr(ctx, RW_BPF_EV_SENDMSG, 1);
}

/* Only inet sockets reach this hook (packet sockets are refused by the kernel's CAP_NET_RAW
 * check, which the stage withholds, and observed by the host object). Plain TCP/UDP
 * sockets are counted; the rest also logged. */
SEC("cgroup/sock_create")
int rw_sock_create(struct bpf_sock *sk)
{
    struct rw_scope s;
    if (!rw_scope_get(&s))
        return 1;
    __u32 type = sk->type, protocol = sk->protocol, family = sk->family;
    int raw = type == SOCK_RAW || type == SOCK_PACKET;
    int refused = raw && !s.pol->allow_raw && s.pol->armed;
    rw_count(s.cnt, RW_BPF_EV_SOCKET, refused);
    int plain = (type == SOCK_STREAM && (protocol == IPPROTO_TCP || protocol == 0)) ||
                (type == SOCK_DGRAM && (protocol == IPPROTO_UDP || protocol == 0));
    if (!plain || refused) {
        struct rw_bpf_event *e = rw_reserve(s.cnt);
        if (e) {
            rw_fill(e, RW_BPF_EV_SOCKET, s.cgid, refused);
            e->u.sock.family = family;
            e->u.sock.type = type;
            e->u.sock.protocol = protocol;
            e->u.sock.pad = 0;
            bpf_ringbuf_submit(e, 0);
        }
    }
    return refused ? 0 : 1;
}

/* The devices every container opens all the time: counted, not logged. */
static __always_inline int rw_dev_common(__u32 type, __u32 major, __u32 minor)
{
    if (type != RW_DEVCG_DEV_CHAR)
        return 0;
    if (major == 1 && (minor == 3 || minor == 5 || minor == 7 || minor == 8 || minor == 9))
        return 1; /* null zero full random urandom */
    if (major == 5 && minor <= 2)
        return 1;        /* tty console ptmx */
    return major == 136; /* pts */
}

/* Observes only, and must: it is linked once at the cgroup v2 root (a runtime updating a
 * container's device filter detaches every device program on the container's cgroup), so
 * it runs for every device access on the host. The kernel runs every program in a cgroup's
 * effective list and refuses if any says 0: allowing here never loosens the runtime's own
 * programs nor, on a hybrid host, the v1 devices controller checked after them. */
SEC("cgroup/dev")
int rw_dev(struct bpf_cgroup_dev_ctx *ctx)
{
    struct rw_scope s;
    if (!rw_scope_get(&s))
        return 1;
    __u32 type = ctx->access_type & 0xffff;
    __u32 access = ctx->access_type >> 16;
    rw_count(s.cnt, RW_BPF_EV_DEVICE, 0);
    if ((access & RW_DEVCG_ACC_MKNOD) || !rw_dev_common(type, ctx->major, ctx->minor)) {
        struct rw_bpf_event *e = rw_reserve(s.cnt);
        if (e) {
            rw_fill(e, RW_BPF_EV_DEVICE, s.cgid, 0);
            e->u.dev.major = ctx->major;
            e->u.dev.minor = ctx->minor;
            e->u.dev.access = access;
            e->u.dev.type = type;
            bpf_ringbuf_submit(e, 0);
        }
    }
    return 1;
}

SEC("cgroup/sysctl")
int rw_sysctl(struct bpf_sysctl *ctx)
{
    struct rw_scope s;
    if (!rw_scope_get(&s))
        return 1;
    __u32 write = ctx->write;
    int refused = write && !s.pol->sysctl_writes && s.pol->armed;
    rw_count(s.cnt, RW_BPF_EV_SYSCTL, refused);
    struct rw_bpf_event *e = rw_reserve(s.cnt);
    if (e) {
        rw_fill(e, RW_BPF_EV_SYSCTL, s.cgid, refused);
        e->u.sysctl.write = write;
        e->u.sysctl.pad = 0;
        e->u.sysctl.name[0] = '\0';
        e->u.sysctl.value[0] = '\0';
        bpf_sysctl_get_name(ctx, e->u.sysctl.name, sizeof(e->u.sysctl.name), 0);
        if (write)
            bpf_sysctl_get_new_value(ctx, e->u.sysctl.value, sizeof(e->u.sysctl.value));
        bpf_ringbuf_submit(e, 0);
    }
    return refused ? 0 : 1;
}
