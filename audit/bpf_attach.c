/* Attaching one container from the createRuntime hook (only when ebpf.required or an
 * egress allowlist asks for the check; otherwise the kernel binds it alone, see
 * bpf_pending.c): makes sure the cgroup programs are linked at the cgroup v2 root, and that
 * the container's cgroup is tracked with its policy: the kernel normally did it already,
 * when the runtime moved the container there; else the entries are made here. The hook
 * runs this with raw bpf(2) calls; the helper runs the same after loading the host part. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/json.h"
#include "audit_time.h"
#include "bpf_shared.h"
#include "bpf_sys.h"

void rw_bpf_policy_fill(struct rw_bpf_policy *o, const rw_ebpf_policy_t *pol, bool own_mnt_ns)
{
    memset(o, 0, sizeof(*o));
    /* the caller runs in the runtime's mount namespace (runwarden before it execs the
     * runtime, or a hook the runtime started) */
    struct stat st;
    if (own_mnt_ns && stat("/proc/self/ns/mnt", &st) == 0)
        o->runtime_mnt_ns = (uint32_t)st.st_ino;
    else
        o->armed = 1; /* nothing tells the runtime from the container: judge from the start */
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

/* 1 when the kernel bound the cgroup already (rw_host.bpf.c, from the pending entry the
 * launcher left): its counters are running and must not be reset. */
static int add_map_entries(const rw_bpf_pins_t *pins, uint64_t cgid, const char *id,
                           const rw_ebpf_policy_t *pol, bool own_mnt_ns, rw_error_t **err)
{
    struct rw_bpf_tracked t;
    if (rw_bpf_sys_map_lookup(pins->tracked, &cgid, &t) == 0)
        return 1;
    cleanup_free struct rw_bpf_policy *p = malloc(sizeof(*p));
    if (!p)
        return -ENOMEM;
    rw_bpf_policy_fill(p, pol, own_mnt_ns);
    struct rw_bpf_counters zero;
    memset(&zero, 0, sizeof(zero));
    int r = rw_bpf_sys_map_update(pins->counters, &cgid, &zero, BPF_ANY);
    if (r < 0)
        return rw_error_setsys(err, -r, "cannot add the counters of cgroup %llu",
                               (unsigned long long)cgid);
    memset(&t, 0, sizeof(t));
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    t.attached_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    snprintf(t.id, sizeof(t.id), "%s", id);
    if ((r = rw_bpf_sys_map_update(pins->tracked, &cgid, &t, BPF_ANY)) < 0)
        return rw_error_setsys(err, -r, "cannot track cgroup %llu", (unsigned long long)cgid);
    /* last: from here on the programs judge this cgroup */
    if ((r = rw_bpf_sys_map_update(pins->policy, &cgid, p, BPF_ANY)) < 0)
        return rw_error_setsys(err, -r, "cannot set the policy of cgroup %llu",
                               (unsigned long long)cgid);
    return 0;
}

static void remove_map_entries(const rw_bpf_pins_t *pins, uint64_t cgid)
{
    const int fds[] = {pins->policy, pins->counters, pins->tracked};
    for (size_t i = 0; i < RW_ARRAY_SIZE(fds); i++)
        if (fds[i] >= 0)
            rw_bpf_sys_map_delete(fds[i], &cgid);
}

/* The caller's (the runtime's) own cgroup: attaching there would cover the host. */
static bool is_own_cgroup(const char *rel)
{
    cleanup_free char *mine = NULL;
    if (rw_bpf_cgroup_of_pid(getpid(), &mine, NULL) < 0)
        return false;
    return strcmp(mine, rel) == 0;
}

/* Attaches every per-container program to the container's cgroup and makes sure the
 * host-wide ones are linked at the root (where they watch this container too); what failed
 * goes to missing. */
static void attach_programs(const rw_bpf_ctx_t *c, const char *mnt, int cgfd, json_t *rec,
                            json_t *attached, json_t *missing)
{
    for (const rw_bpf_cgroup_prog_t *p = rw_bpf_cgroup_progs; p->name; p++) {
        cleanup_error rw_error_t *why = NULL;
        int e;
        if (p->host_wide) {
            e = rw_bpf_root_link_ensure(c, p, mnt, &why);
        } else {
            cleanup_close int pfd = rw_bpf_cgroup_prog_open(c, p);
            e = pfd < 0 ? pfd
                        : rw_bpf_sys_prog_attach(pfd, cgfd, (unsigned)p->attach_type,
                                                 BPF_F_ALLOW_MULTI);
        }
        if (e == 0)
            json_array_append_new(attached, json_string(p->section));
        else
            json_array_append_new(missing, json_pack("{s:s,s:s}", "program", p->section, "error",
                                                     why ? why->msg : strerror(-e)));
        if (e == 0 && p->host_wide) {
            json_t *hw = json_object_get(rec, "hostWide");
            if (!hw)
                json_object_set_new(rec, "hostWide", hw = json_object());
            char where[512];
            snprintf(where, sizeof(where), "linked at the cgroup v2 root %s", mnt);
            json_object_set_new(hw, p->section, json_string(where));
        }
    }
}

/* The error for the operator, from the first program that was not attached. */
static int outcome_error(const char *id, json_t *missing, bool required, rw_error_t **err)
{
    json_t *m = json_array_get(missing, 0);
    const char *prog = json_string_value(json_object_get(m, "program"));
    const char *e = json_string_value(json_object_get(m, "error"));
    if (required)
        return rw_error_set(err, EPERM,
                            "ebpf: rule ebpf.required: %s was not attached (%s); fix BPF on "
                            "this host or set ebpf.required to false",
                            prog ? prog : "a program", e ? e : "unknown error");
    /* Started without (some of) the hooks: the caller warns with this message. */
    rw_error_set(err, EAGAIN, "ebpf: container %s: %s not attached: %s", id,
                 prog ? prog : "a program", e ? e : "unknown error");
    return 1;
}

/* Whether pid lives in another mount namespace than this process (the runtime's). */
static bool other_mnt_ns(pid_t pid)
{
    char path[48];
    struct stat mine, theirs;
    snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
    return stat("/proc/self/ns/mnt", &mine) == 0 && stat(path, &theirs) == 0 &&
           (mine.st_ino != theirs.st_ino || mine.st_dev != theirs.st_dev);
}

int rw_bpf_attach(rw_bpf_ctx_t *c, const char *id, pid_t pid, const char *tenant,
                  rw_bpf_ensure_fn ensure, rw_error_t **err)
{
    bool own_mnt_ns = other_mnt_ns(pid);
    if (!rw_bpf_id_valid(id))
        return rw_error_set(err, EINVAL, "container id '%s' is not usable", id);
    const rw_ebpf_policy_t *pol = rw_config_ebpf_policy(&c->ec, tenant);
    char now[RW_AUDIT_TIME_LEN];
    rw_audit_time_now(now);
    cleanup_json json_t *rec = json_pack(
        "{s:s,s:s,s:s,s:s?,s:i,s:b,s:o}", "event", "ebpf-attach", "time", now, "container", id,
        "tenant", tenant, "pid", (int)pid, "required", c->ec.required, "policy", policy_json(pol));
    json_t *attached = json_array(), *missing = json_array(), *host = json_object();
    if (!rec || !attached || !missing || !host) {
        json_decref(attached);
        json_decref(missing);
        json_decref(host);
        return -ENOMEM;
    }
    json_object_set_new(rec, "attached", attached);
    json_object_set_new(rec, "notAttached", missing);
    json_object_set_new(rec, "host", host);

    cleanup_error rw_error_t *why = NULL;
    cleanup_free char *mnt = NULL, *rel = NULL;
    cleanup_close int cgfd = -1;
    rw_bpf_pins_t pins = {-1, -1, -1};
    uint64_t cgid = 0;
    bool bound_by_kernel = false;
    /* Held until the container is tracked: the helper replaces another build's pins only
     * when nothing is tracked, and must not do it between our check and our entries. */
    cleanup_close int lock = rw_bpf_lock(c, RW_BPF_LOCK_HOST, true, &why);
    int r = lock < 0 ? lock : ensure(c, host, &pins, &why);
    if (r == RW_BPF_NEED_HELPER)
        return r;
    if (r >= 0 && (r = rw_bpf_cgroup2_mount(&mnt, &why)) >= 0) {
        int gone = 0;
        if (rw_bpf_gc_in(c, mnt, &gone) == 0 && gone > 0)
            json_object_set_new(rec, "releasedStale", json_integer(gone));
    }
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
        r = add_map_entries(&pins, cgid, id, pol, own_mnt_ns, &why);
        json_object_set_new(rec, "binding",
                            json_string(r == 1 ? "kernel: the runtime moved the container into "
                                                 "its cgroup"
                                               : "hook: bound at createRuntime"));
        bound_by_kernel = r == 1;
    }
    if (r < 0)
        json_array_append_new(missing, json_pack("{s:s,s:s}", "program", "all", "error",
                                                 why ? why->msg : strerror(-r)));
    else
        attach_programs(c, mnt, cgfd, rec, attached, missing);
    bool failed = json_array_size(missing) > 0;
    bool refused = failed && c->ec.required;
    json_object_set_new(rec, "outcome",
                        json_string(!failed                     ? "attached"
                                    : refused                   ? "refused"
                                    : json_array_size(attached) ? "partial"
                                                                : "not attached"));
    if (refused && cgfd >= 0)
        rw_bpf_detach_all(cgfd); /* no half-watched container: take back what was attached */

    /* No state file: the kernel forgets the container with its cgroup (rw_host.bpf.c). */
    if (cgid && refused && !bound_by_kernel)
        remove_map_entries(&pins, cgid);
    rw_bpf_pins_close(&pins);
    if (lock >= 0)
        close(TAKE_FD(lock)); /* tracked (or not at all): the record needs no host lock */
    /* bound by the kernel with nothing missing: its own attach record says it all */
    if (!(bound_by_kernel && !failed) && (r = rw_bpf_record(c, rec, err)) < 0)
        return r;
    return failed ? outcome_error(id, missing, c->ec.required, err) : 0;
}
