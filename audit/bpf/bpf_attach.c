/* Attaching one container: its policy goes into the pinned policy map under its cgroup id,
 * and the pinned per-container programs are attached to its cgroup v2 directory with
 * BPF_PROG_ATTACH + BPF_F_ALLOW_MULTI. The cgroup holds those attachments: they run beside
 * the runtime's own programs and end with the cgroup; no per-container pin exists. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../../common/cleanup.h"
#include "../../common/json.h"
#include "../audit_time.h"
#include "bpf_helper.h"

static void fill_policy(struct rw_bpf_policy *o, const rw_ebpf_policy_t *pol)
{
    memset(o, 0, sizeof(*o));
    o->allow_raw = pol->allow_raw_sockets;
    o->sysctl_writes = pol->sysctl_writes;
    o->egress_enforce = pol->egress_enforced;
    o->n_rules = (uint32_t)(pol->n_egress < RW_BPF_MAX_RULES ? pol->n_egress : RW_BPF_MAX_RULES);
    for (size_t i = 0; i < o->n_rules; i++) {
        const rw_ebpf_rule_t *r = &pol->egress[i];
        struct rw_bpf_rule *d = &o->rules[i];
        uint8_t mask[16];
        memset(mask, 0, sizeof(mask));
        for (unsigned b = 0; b < r->prefix; b++)
            mask[b / 8] |= (uint8_t)(0x80u >> (b % 8));
        d->family = (uint32_t)r->family;
        d->protos = r->protos;
        d->port_lo = r->port_lo;
        d->port_hi = r->port_hi;
        memcpy(d->addr, r->addr, sizeof(d->addr));
        memcpy(d->mask, mask, sizeof(d->mask));
    }
}

static json_t *policy_json(const rw_ebpf_policy_t *pol)
{
    json_t *eg = json_null();
    if (pol->egress_enforced) {
        eg = json_array();
        for (size_t i = 0; i < pol->n_egress; i++) {
            char buf[128];
            if (rw_config_ebpf_rule_format(&pol->egress[i], buf, sizeof(buf)) == 0)
                json_array_append_new(eg, json_string(buf));
        }
    }
    return json_pack("{s:o,s:b,s:b}", "egress", eg, "allowRawSockets", pol->allow_raw_sockets,
                     "sysctlWrites", pol->sysctl_writes);
}

static int add_map_entries(rw_bpf_ctx_t *c, uint64_t cgid, const char *id,
                           const rw_ebpf_policy_t *pol, rw_error_t **err)
{
    cleanup_close int pfd = rw_bpf_pinned_map(c, "rw_policy", err);
    if (pfd < 0)
        return pfd;
    cleanup_free struct rw_bpf_policy *p = malloc(sizeof(*p));
    if (!p)
        return -ENOMEM;
    fill_policy(p, pol);
    cleanup_close int cfd = rw_bpf_pinned_map(c, "rw_counters", err);
    if (cfd < 0)
        return cfd;
    cleanup_close int tfd = rw_bpf_pinned_map(c, "rw_tracked", err);
    if (tfd < 0)
        return tfd;
    struct rw_bpf_counters zero;
    memset(&zero, 0, sizeof(zero));
    if (bpf_map_update_elem(cfd, &cgid, &zero, BPF_ANY) < 0)
        return rw_error_setsys(err, errno, "cannot add the counters of cgroup %llu",
                               (unsigned long long)cgid);
    struct rw_bpf_tracked t;
    memset(&t, 0, sizeof(t));
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    t.attached_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    snprintf(t.id, sizeof(t.id), "%s", id);
    if (bpf_map_update_elem(tfd, &cgid, &t, BPF_ANY) < 0)
        return rw_error_setsys(err, errno, "cannot track cgroup %llu", (unsigned long long)cgid);
    /* last: from here on the programs judge this cgroup */
    if (bpf_map_update_elem(pfd, &cgid, p, BPF_ANY) < 0)
        return rw_error_setsys(err, errno, "cannot set the policy of cgroup %llu",
                               (unsigned long long)cgid);
    return 0;
}

static void remove_map_entries(rw_bpf_ctx_t *c, uint64_t cgid)
{
    cleanup_close int pfd = rw_bpf_pinned_map(c, "rw_policy", NULL);
    cleanup_close int cfd = rw_bpf_pinned_map(c, "rw_counters", NULL);
    cleanup_close int tfd = rw_bpf_pinned_map(c, "rw_tracked", NULL);
    if (pfd >= 0)
        bpf_map_delete_elem(pfd, &cgid);
    if (cfd >= 0)
        bpf_map_delete_elem(cfd, &cgid);
    if (tfd >= 0)
        bpf_map_delete_elem(tfd, &cgid);
}

/* The caller's (the runtime's) own cgroup: attaching there would cover the host. */
static bool is_own_cgroup(const char *rel)
{
    cleanup_free char *mine = NULL;
    if (rw_bpf_cgroup_of_pid(getpid(), &mine, NULL) < 0)
        return false;
    return strcmp(mine, rel) == 0;
}

int rw_bpf_attach(rw_bpf_ctx_t *c, const char *id, pid_t pid, const char *tenant, rw_error_t **err)
{
    if (!rw_bpf_id_valid(id))
        return rw_error_set(err, EINVAL, "container id '%s' is not usable", id);
    const rw_ebpf_policy_t *pol = rw_config_ebpf_policy(&c->ec, tenant);
    char now[RW_AUDIT_TIME_LEN];
    rw_audit_time_now(now);
    cleanup_json json_t *rec = json_pack(
        "{s:s,s:s,s:s,s:s?,s:i,s:b,s:o}", "event", "ebpf-attach", "time", now, "container", id,
        "tenant", tenant, "pid", (int)pid, "required", c->ec.required, "policy", policy_json(pol));
    json_t *attached = json_array(), *missing = json_array(), *host = json_object();
    if (!rec || !attached || !missing || !host)
        return -ENOMEM;
    json_object_set_new(rec, "attached", attached);
    json_object_set_new(rec, "notAttached", missing);
    json_object_set_new(rec, "host", host);

    rw_error_t *why = NULL;
    cleanup_free char *mnt = NULL, *rel = NULL;
    cleanup_close int cgfd = -1;
    uint64_t cgid = 0;
    int r;
    {
        cleanup_close int lock = rw_bpf_lock(c, "host.lock", true, &why);
        r = lock < 0 ? lock : rw_bpf_host_ensure(c, host, &why);
        int gone = 0;
        if (r >= 0 && rw_bpf_gc(c, &gone) == 0 && gone > 0)
            json_object_set_new(rec, "releasedStale", json_integer(gone));
    }
    if (r >= 0)
        r = rw_bpf_cgroup2_mount(&mnt, &why);
    if (r >= 0)
        r = rw_bpf_cgroup_of_pid(pid, &rel, &why);
    if (r >= 0 && (strcmp(rel, "/") == 0 || is_own_cgroup(rel)))
        r = rw_error_set(&why, EINVAL,
                         "the container has no cgroup v2 of its own (%s): attaching there "
                         "would cover other processes",
                         rel);
    if (r >= 0)
        r = rw_bpf_cgroup_open(mnt, rel, &cgfd, &cgid, &why);
    if (r >= 0) {
        json_object_set_new(rec, "cgroup", json_string(rel));
        json_object_set_new(rec, "cgroupId", json_integer((json_int_t)cgid));
        r = add_map_entries(c, cgid, id, pol, &why);
    }
    if (r < 0) {
        json_array_append_new(missing, json_pack("{s:s,s:s}", "program", "all", "error",
                                                 why ? why->msg : strerror(-r)));
    } else {
        for (const rw_bpf_cgroup_prog_t *p = rw_bpf_cgroup_progs; p->name; p++) {
            int e = 0;
            cleanup_close int pfd = rw_bpf_cgroup_prog_open(c, p);
            if (pfd < 0)
                e = -pfd;
            else if (bpf_prog_attach(pfd, cgfd, (enum bpf_attach_type)p->attach_type,
                                     BPF_F_ALLOW_MULTI) < 0)
                e = errno;
            if (!e)
                json_array_append_new(attached, json_string(p->section));
            else
                json_array_append_new(
                    missing, json_pack("{s:s,s:s}", "program", p->section, "error", strerror(e)));
        }
    }
    bool failed = json_array_size(missing) > 0;
    json_object_set_new(rec, "outcome",
                        json_string(!failed                     ? "attached"
                                    : c->ec.required            ? "refused"
                                    : json_array_size(attached) ? "partial"
                                                                : "not attached"));
    if (failed && c->ec.required && cgfd >= 0) {
        /* No half-watched container: take back what was attached. */
        rw_bpf_detach_all(cgfd);
    }

    if (cgid && !(failed && c->ec.required)) {
        json_t *st = json_pack("{s:s,s:s,s:I,s:s?}", "id", id, "cgroup", rel, "cgroupId",
                               (json_int_t)cgid, "tenant", tenant);
        int sr = st ? rw_bpf_state_write(c, id, st, err) : -ENOMEM;
        json_decref(st);
        if (sr < 0) {
            rw_error_free(why);
            return sr;
        }
    } else if (cgid) {
        remove_map_entries(c, cgid);
    }
    r = rw_bpf_record(c, rec, true, err);
    if (r < 0) {
        rw_error_free(why);
        return r;
    }
    if (failed && c->ec.required) {
        json_t *m = json_array_get(missing, 0);
        const char *prog = json_string_value(json_object_get(m, "program"));
        const char *e = json_string_value(json_object_get(m, "error"));
        rw_error_set(err, EPERM,
                     "ebpf: rule ebpf.required: %s was not attached (%s); fix BPF on this "
                     "host or set ebpf.required to false",
                     prog ? prog : "a program", e ? e : "unknown error");
        rw_error_free(why);
        return -EPERM;
    }
    if (failed) {
        /* Started without (some of) the hooks: main warns with this message. */
        json_t *m = json_array_get(missing, 0);
        rw_error_set(err, EAGAIN, "ebpf: container %s: %s not attached: %s", id,
                     json_string_value(json_object_get(m, "program")),
                     json_string_value(json_object_get(m, "error")));
        rw_error_free(why);
        return 1;
    }
    rw_error_free(why);
    return 0;
}
