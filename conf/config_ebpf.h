/* Typed view of the `ebpf` section of runwarden.json: whether the per-container BPF hooks
 * are attached, whether a container may start without them, where pins and state live, and
 * the enforcement policy (egress allowlist, raw sockets, sysctl writes), per tenant. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"

#define RW_EBPF_DEFAULT_PIN_DIR "/sys/fs/bpf/runwarden"
#define RW_EBPF_DEFAULT_STATE_DIR "/run/runwarden/ebpf"
#define RW_EBPF_DEFAULT_RINGBUF (4u << 20)
#define RW_EBPF_MAX_RULES 64 /* must equal RW_BPF_MAX_RULES in audit/bpf/rw_bpf_event.h */

#define RW_EBPF_PROTO_TCP 1u
#define RW_EBPF_PROTO_UDP 2u

typedef struct rw_ebpf_rule {
    int family;       /* AF_INET or AF_INET6 */
    uint8_t addr[16]; /* network order, host bits cleared */
    unsigned prefix;  /* 0..32 or 0..128 */
    uint16_t port_lo, port_hi;
    unsigned protos; /* RW_EBPF_PROTO_* */
} rw_ebpf_rule_t;

typedef struct rw_ebpf_policy {
    bool allow_raw_sockets;
    bool sysctl_writes;
    bool egress_enforced; /* an allowlist is set: anything outside it is refused */
    rw_ebpf_rule_t *egress;
    size_t n_egress;
} rw_ebpf_policy_t;

typedef struct rw_ebpf_tenant {
    char *name;
    rw_ebpf_policy_t policy;
} rw_ebpf_tenant_t;

typedef struct rw_ebpf_config {
    bool enabled;
    bool required; /* no hooks, no start */
    char *pin_dir, *state_dir;
    char *helper;          /* runwarden-bpf; NULL: next to runwarden, else the libexec dir */
    uint32_t ringbuf_size; /* power of two, page multiple */
    rw_ebpf_policy_t defaults;
    rw_ebpf_tenant_t *tenants;
    size_t n_tenants;
} rw_ebpf_config_t;

/* Fills *out from the section (NULL: defaults, disabled). Unknown keys, bad CIDRs, ports or
 * protocols are errors naming file and JSON path. Clear with rw_config_ebpf_clear. */
int rw_config_ebpf_parse(json_t *section, const char *file, rw_ebpf_config_t *out,
                         rw_error_t **err);
void rw_config_ebpf_clear(rw_ebpf_config_t *c);
/* The policy for a tenant (NULL or unknown: the defaults). */
const rw_ebpf_policy_t *rw_config_ebpf_policy(const rw_ebpf_config_t *c, const char *tenant);
/* Parses "a.b.c.d/n" or "x::y/n" (a bare address is a host route) into a rule's family,
 * addr and prefix; host bits set beyond the prefix are an error. */
int rw_config_ebpf_parse_cidr(const char *s, rw_ebpf_rule_t *out);
/* Renders a rule for messages and records ("10.0.0.0/8 tcp,udp 80-443"). */
int rw_config_ebpf_rule_format(const rw_ebpf_rule_t *r, char *buf, size_t len);
