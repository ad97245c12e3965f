/* Strict parser for runwarden.json's `ebpf` section. A mistyped CIDR or port is an error,
 * never a silently wider egress allowlist. */
#include "config_ebpf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../common/cleanup.h"
#include "../common/json.h"

int rw_config_ebpf_parse_cidr(const char *s, rw_ebpf_rule_t *out)
{
    char addr[INET6_ADDRSTRLEN + 1];
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    if (alen == 0 || alen >= sizeof(addr))
        return -EINVAL;
    memcpy(addr, s, alen);
    addr[alen] = '\0';
    memset(out->addr, 0, sizeof(out->addr));
    unsigned max;
    if (inet_pton(AF_INET, addr, out->addr) == 1) {
        out->family = AF_INET;
        max = 32;
    } else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
        out->family = AF_INET6;
        max = 128;
    } else {
        return -EINVAL;
    }
    unsigned prefix = max;
    if (slash) {
        const char *p = slash + 1;
        if (!*p || strlen(p) > 3)
            return -EINVAL;
        prefix = 0;
        for (; *p; p++) {
            if (*p < '0' || *p > '9')
                return -EINVAL;
            prefix = prefix * 10 + (unsigned)(*p - '0');
        }
        if (prefix > max || (slash[1] == '0' && slash[2] != '\0'))
            return -EINVAL;
    }
    out->prefix = prefix;
    /* host bits must be clear: "10.1.2.3/8" is more likely a typo than a wish */
    for (unsigned bit = prefix; bit < max; bit++)
        if (out->addr[bit / 8] & (0x80u >> (bit % 8)))
            return -EDOM;
    return 0;
}

static int parse_port_range(json_t *v, uint16_t *lo, uint16_t *hi)
{
    if (json_is_integer(v)) {
        json_int_t n = json_integer_value(v);
        if (n < 1 || n > 65535)
            return -ERANGE;
        *lo = *hi = (uint16_t)n;
        return 0;
    }
    if (!json_is_string(v))
        return -EINVAL;
    const char *s = json_string_value(v);
    unsigned long a = 0, b = 0;
    char *end = NULL;
    if (*s < '0' || *s > '9')
        return -EINVAL;
    errno = 0;
    a = strtoul(s, &end, 10);
    if (errno || *end != '-' || end[1] < '0' || end[1] > '9')
        return -EINVAL;
    b = strtoul(end + 1, &end, 10);
    if (errno || *end)
        return -EINVAL;
    if (a < 1 || b > 65535 || a > b)
        return -ERANGE;
    *lo = (uint16_t)a;
    *hi = (uint16_t)b;
    return 0;
}

/* One egress entry expands to one rule per port range. */
static int parse_rule(json_t *o, const char *file, const char *path, rw_ebpf_policy_t *p,
                      rw_error_t **err)
{
    static const char *const keys[] = {"cidr", "ports", "protocols", NULL};
    int r = rw_json_check_keys(o, keys, file, path, err);
    if (r < 0)
        return r;
    const char *cidr = NULL;
    if ((r = rw_json_get_string(o, "cidr", true, &cidr, file, path, err)) < 0)
        return r;
    rw_ebpf_rule_t base;
    memset(&base, 0, sizeof(base));
    r = rw_config_ebpf_parse_cidr(cidr, &base);
    if (r == -EDOM)
        return rw_error_set(err, EINVAL,
                            "%s: %s.cidr: '%s' has host bits set beyond the prefix length", file,
                            path, cidr);
    if (r < 0)
        return rw_error_set(err, EINVAL,
                            "%s: %s.cidr: '%s' is not an IPv4 or IPv6 address with an optional "
                            "/prefix",
                            file, path, cidr);
    base.protos = RW_EBPF_PROTO_TCP | RW_EBPF_PROTO_UDP;
    json_t *protos = json_object_get(o, "protocols");
    if (protos) {
        if (!json_is_array(protos) || json_array_size(protos) == 0)
            return rw_error_set(err, EINVAL,
                                "%s: %s.protocols: must be a non-empty array of \"tcp\"/\"udp\"",
                                file, path);
        base.protos = 0;
        size_t i;
        json_t *v;
        json_array_foreach(protos, i, v)
        {
            const char *s = json_is_string(v) ? json_string_value(v) : "";
            if (strcmp(s, "tcp") == 0)
                base.protos |= RW_EBPF_PROTO_TCP;
            else if (strcmp(s, "udp") == 0)
                base.protos |= RW_EBPF_PROTO_UDP;
            else
                return rw_error_set(err, EINVAL,
                                    "%s: %s.protocols[%zu]: must be \"tcp\" or \"udp\"", file, path,
                                    i);
        }
    }
    json_t *ports = json_object_get(o, "ports");
    size_t n_ranges = 1;
    if (ports) {
        if (!json_is_array(ports) || json_array_size(ports) == 0)
            return rw_error_set(err, EINVAL,
                                "%s: %s.ports: must be a non-empty array of ports (80) or "
                                "ranges (\"8000-8100\")",
                                file, path);
        n_ranges = json_array_size(ports);
    }
    if (p->n_egress + n_ranges > RW_EBPF_MAX_RULES)
        return rw_error_set(err, E2BIG, "%s: %s: more than %d egress rules (cidr x port range)",
                            file, path, RW_EBPF_MAX_RULES);
    rw_ebpf_rule_t *nr = realloc(p->egress, (p->n_egress + n_ranges) * sizeof(*nr));
    if (!nr)
        return -ENOMEM;
    p->egress = nr;
    for (size_t i = 0; i < n_ranges; i++) {
        rw_ebpf_rule_t rule = base;
        rule.port_lo = 1;
        rule.port_hi = 65535;
        if (ports && parse_port_range(json_array_get(ports, i), &rule.port_lo, &rule.port_hi) < 0)
            return rw_error_set(err, EINVAL,
                                "%s: %s.ports[%zu]: must be a port 1..65535 or a range "
                                "\"LO-HI\"",
                                file, path, i);
        p->egress[p->n_egress++] = rule;
    }
    return 0;
}

static int parse_policy(json_t *o, const char *file, const char *path, bool top,
                        rw_ebpf_policy_t *p, rw_error_t **err)
{
    int r;
    if (!top) {
        static const char *const keys[] = {"egress", "allowRawSockets", "sysctlWrites", NULL};
        if ((r = rw_json_check_keys(o, keys, file, path, err)) < 0)
            return r;
    }
    if ((r = rw_json_get_bool(o, "allowRawSockets", &p->allow_raw_sockets, file, path, err)) < 0 ||
        (r = rw_json_get_bool(o, "sysctlWrites", &p->sysctl_writes, file, path, err)) < 0)
        return r;
    json_t *eg = json_object_get(o, "egress");
    if (!eg)
        return 0;
    /* an explicit null lifts an inherited allowlist for this tenant */
    free(p->egress);
    p->egress = NULL;
    p->n_egress = 0;
    p->egress_enforced = false;
    if (json_is_null(eg))
        return 0;
    if (!json_is_array(eg))
        return rw_error_set(err, EINVAL,
                            "%s: %s.egress: must be an array of {cidr, ports, protocols} (an "
                            "empty array refuses all egress) or null",
                            file, path);
    p->egress_enforced = true;
    size_t i;
    json_t *v;
    json_array_foreach(eg, i, v)
    {
        char sub[256];
        snprintf(sub, sizeof(sub), "%s.egress[%zu]", path, i);
        if ((r = parse_rule(v, file, sub, p, err)) < 0)
            return r;
    }
    return 0;
}

static int copy_policy(const rw_ebpf_policy_t *from, rw_ebpf_policy_t *to)
{
    *to = *from;
    to->egress = NULL;
    if (from->n_egress) {
        to->egress = malloc(from->n_egress * sizeof(*to->egress));
        if (!to->egress)
            return -ENOMEM;
        memcpy(to->egress, from->egress, from->n_egress * sizeof(*to->egress));
    }
    return 0;
}

static int set_dir(json_t *sec, const char *key, char **slot, const char *file, rw_error_t **err)
{
    const char *s = NULL;
    int r = rw_json_get_string(sec, key, false, &s, file, "$.ebpf", err);
    if (r <= 0)
        return r;
    size_t n = strlen(s);
    if (s[0] != '/' || n < 2 || n > 512 || strstr(s, "/../") || strstr(s, "/./") ||
        strstr(s, "//") || strchr(s, '\n') || s[n - 1] == '/' ||
        (n >= 3 && strcmp(s + n - 3, "/..") == 0))
        return rw_error_set(err, EINVAL, "%s: $.ebpf.%s: '%s' must be a normalised absolute path",
                            file, key, s);
    char *d = strdup(s);
    if (!d)
        return -ENOMEM;
    free(*slot);
    *slot = d;
    return 0;
}

int rw_config_ebpf_parse(json_t *sec, const char *file, rw_ebpf_config_t *out, rw_error_t **err)
{
    static const char *const keys[] = {
        "enabled",         "required",     "pinDir", "stateDir", "helper", "ringbufSize",
        "allowRawSockets", "sysctlWrites", "egress", "tenants",  NULL};
    memset(out, 0, sizeof(*out));
    out->ringbuf_size = RW_EBPF_DEFAULT_RINGBUF;
    out->pin_dir = strdup(RW_EBPF_DEFAULT_PIN_DIR);
    out->state_dir = strdup(RW_EBPF_DEFAULT_STATE_DIR);
    if (!out->pin_dir || !out->state_dir)
        return -ENOMEM;
    if (!sec)
        return 0;
    if (!file)
        file = "runwarden.json";
    int r = rw_json_check_keys(sec, keys, file, "$.ebpf", err);
    if (r < 0)
        return r;
    out->enabled = true; /* a present section means "on" unless it says otherwise */
    if ((r = rw_json_get_bool(sec, "enabled", &out->enabled, file, "$.ebpf", err)) < 0 ||
        (r = rw_json_get_bool(sec, "required", &out->required, file, "$.ebpf", err)) < 0)
        return r;
    if ((r = set_dir(sec, "pinDir", &out->pin_dir, file, err)) < 0 ||
        (r = set_dir(sec, "stateDir", &out->state_dir, file, err)) < 0 ||
        (r = set_dir(sec, "helper", &out->helper, file, err)) < 0)
        return r;
    if (strncmp(out->pin_dir, "/sys/fs/bpf/", 12) != 0)
        return rw_error_set(err, EINVAL,
                            "%s: $.ebpf.pinDir: '%s' must be below /sys/fs/bpf/ (a BPF file "
                            "system)",
                            file, out->pin_dir);
    long long n = 0;
    if ((r = rw_json_get_int(sec, "ringbufSize", 4096, 1LL << 30, &n, file, "$.ebpf", err)) < 0)
        return r;
    if (r > 0) {
        if (n & (n - 1))
            return rw_error_set(err, EINVAL,
                                "%s: $.ebpf.ringbufSize: %lld must be a power of two "
                                "(e.g. 4194304)",
                                file, n);
        out->ringbuf_size = (uint32_t)n;
    }
    if ((r = parse_policy(sec, file, "$.ebpf", true, &out->defaults, err)) < 0)
        return r;
    json_t *tenants = json_object_get(sec, "tenants");
    if (!tenants)
        return 0;
    if (!json_is_object(tenants))
        return rw_error_set(err, EINVAL,
                            "%s: $.ebpf.tenants: must be an object of tenant name "
                            "-> policy",
                            file);
    out->tenants = calloc(json_object_size(tenants) + 1, sizeof(*out->tenants));
    if (!out->tenants)
        return -ENOMEM;
    const char *name;
    json_t *v;
    json_object_foreach(tenants, name, v)
    {
        char path[300];
        snprintf(path, sizeof(path), "$.ebpf.tenants.%.200s", name);
        if (!json_is_object(v))
            return rw_error_set(err, EINVAL, "%s: %s: must be an object", file, path);
        rw_ebpf_tenant_t *t = &out->tenants[out->n_tenants];
        t->name = strdup(name);
        if (!t->name)
            return -ENOMEM;
        out->n_tenants++;
        if ((r = copy_policy(&out->defaults, &t->policy)) < 0 ||
            (r = parse_policy(v, file, path, false, &t->policy, err)) < 0)
            return r;
    }
    return 0;
}

void rw_config_ebpf_clear(rw_ebpf_config_t *c)
{
    if (!c)
        return;
    free(c->pin_dir);
    free(c->state_dir);
    free(c->helper);
    free(c->defaults.egress);
    for (size_t i = 0; i < c->n_tenants; i++) {
        free(c->tenants[i].name);
        free(c->tenants[i].policy.egress);
    }
    free(c->tenants);
    memset(c, 0, sizeof(*c));
}

const rw_ebpf_policy_t *rw_config_ebpf_policy(const rw_ebpf_config_t *c, const char *tenant)
{
    for (size_t i = 0; tenant && i < c->n_tenants; i++)
        if (strcmp(c->tenants[i].name, tenant) == 0)
            return &c->tenants[i].policy;
    return &c->defaults;
}

int rw_config_ebpf_rule_format(const rw_ebpf_rule_t *r, char *buf, size_t len)
{
    char a[INET6_ADDRSTRLEN];
    if (!inet_ntop(r->family, r->addr, a, sizeof(a)))
        return -EINVAL;
    const char *pr = r->protos == (RW_EBPF_PROTO_TCP | RW_EBPF_PROTO_UDP) ? "tcp,udp"
                     : r->protos == RW_EBPF_PROTO_TCP                     ? "tcp"
                                                                          : "udp";
    int n;
    if (r->port_lo == 1 && r->port_hi == 65535)
        n = snprintf(buf, len, "%s/%u %s any", a, r->prefix, pr);
    else if (r->port_lo == r->port_hi)
        n = snprintf(buf, len, "%s/%u %s %u", a, r->prefix, pr, r->port_lo);
    else
        n = snprintf(buf, len, "%s/%u %s %u-%u", a, r->prefix, pr, r->port_lo, r->port_hi);
    return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}
