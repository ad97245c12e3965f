/* The container's process and resources: no-new-privileges, root and allowed uids,
 * read-only root file system, sysctls, rlimits, memory and pids limits; and what the
 * caller adds around it: OCI hooks (they run on the host as root) and annotations. */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "admission_internal.h"

/* Kubernetes' safe sysctls (Pod Security Standards, baseline): namespaced and unable to
 * affect other containers. */
static const char *const safe_sysctls[] = {
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    NULL,
};

/* Annotations refused when the site gives no list: they widen what the runtime does for
 * the container (keep the caller's groups, trace syscalls from the host, add devices). */
static const char *const builtin_denied_annotations[] = {
    "run.oci.keep_original_groups",
    "run.oci.systemd.force_cgroup_v1",
    "io.containers.trace-syscall",
    "io.kubernetes.cri-o.Devices",
    NULL,
};

/* Container root whose uid 0 is some unprivileged host uid (a user namespace) is not root
 * on the host; Pod Security Standards relax runAsNonRoot for such pods too. */
static bool root_is_mapped_away(const rw_spec_t *s)
{
    bool userns = false;
    for (size_t i = 0; i < s->n_namespaces; i++)
        userns = userns || strcmp(s->namespaces[i].type, "user") == 0;
    if (!userns || s->n_uid_mappings == 0)
        return false;
    for (size_t i = 0; i < s->n_uid_mappings; i++) {
        const rw_spec_idmap_t *m = &s->uid_mappings[i];
        if (m->container_id == 0 && m->size > 0)
            return m->host_id != 0;
    }
    return true; /* container uid 0 is not mapped at all */
}

int rw_adm_check_process(const rw_adm_policy_t *p, const rw_spec_t *s, rw_adm_report_t *rep)
{
    int r;
    const rw_spec_process_t *pr = &s->process;
    if (p->nnp_required && !pr->no_new_privileges) {
        if ((r = rw_adm_fail(p, rep, RW_ADM_R_NNP, "process.noNewPrivileges", "false",
                             "run with --security-opt no-new-privileges")) < 0)
            return r;
    } else {
        rw_adm_pass(p, rep, RW_ADM_R_NNP);
    }

    int64_t uid = pr->uid < 0 ? 0 : pr->uid;
    char v[64];
    snprintf(v, sizeof(v), "%" PRId64, uid);
    if (!p->root_allowed && uid == 0 && !root_is_mapped_away(s)) {
        if ((r = rw_adm_fail(p, rep, RW_ADM_R_ROOT_USER, "process.user.uid", v,
                             "run as a non-root user (--user) or in a user namespace")) < 0)
            return r;
    } else {
        rw_adm_pass(p, rep, RW_ADM_R_ROOT_USER);
    }
    if (!rw_adm_uid_allowed(p, uid, NULL)) {
        if ((r = rw_adm_fail(p, rep, RW_ADM_R_UID_RANGE, "process.user.uid", v,
                             "run as a uid in the tenant's runAsUidRanges")) < 0)
            return r;
    } else {
        rw_adm_pass(p, rep, RW_ADM_R_UID_RANGE);
    }

    if (p->ro_rootfs_required && !s->root_readonly) {
        if ((r = rw_adm_fail(p, rep, RW_ADM_R_RO_ROOTFS, "root.readonly", "false",
                             "run with --read-only")) < 0)
            return r;
    } else {
        rw_adm_pass(p, rep, RW_ADM_R_RO_ROOTFS);
    }
    return 0;
}

static bool sysctl_allowed(const rw_adm_policy_t *p, const char *key)
{
    char norm[256];
    snprintf(norm, sizeof(norm), "%s", key);
    for (char *c = norm; *c; c++)
        if (*c == '/')
            *c = '.';
    for (const char *const *s = safe_sysctls; *s; s++)
        if (strcmp(*s, norm) == 0)
            return true;
    const char *const *extra[] = RW_ADM_OV_LISTS(p, allow_sysctls);
    return rw_adm_list_match_glob(extra[0], norm) || rw_adm_list_match_glob(extra[1], norm);
}

static int check_rlimits(const rw_adm_policy_t *p, const rw_spec_t *s, rw_adm_report_t *rep)
{
    for (size_t i = 0; i < s->process.n_rlimits; i++) {
        const rw_spec_rlimit_t *rl = &s->process.rlimits[i];
        uint64_t max;
        if (!rw_adm_rlimit_max(p, rl->type, &max))
            continue;
        if (rl->hard <= max && rl->soft <= max)
            continue;
        char field[64], v[160];
        snprintf(field, sizeof(field), "process.rlimits[%zu]", i);
        snprintf(v, sizeof(v), "%.32s hard=%" PRIu64 " soft=%" PRIu64 " (max %" PRIu64 ")",
                 rl->type, rl->hard, rl->soft, max);
        return rw_adm_fail(p, rep, RW_ADM_R_RLIMITS, field, v,
                           "lower the limit (--ulimit) to the site's maximum");
    }
    rw_adm_pass(p, rep, RW_ADM_R_RLIMITS);
    return 0;
}

/* limit <= 0 is "unlimited" for both memory (-1) and pids (0 or -1). */
static int check_limit(const rw_adm_policy_t *p, rw_adm_rule_t rule, bool required, bool has,
                       int64_t limit, int64_t max, const char *field, const char *flag,
                       rw_adm_report_t *rep)
{
    char v[96], fix[128];
    if ((required || max >= 0) && (!has || limit <= 0)) {
        snprintf(fix, sizeof(fix), "set a limit (%s)", flag);
        return rw_adm_fail(p, rep, rule, field, has ? "unlimited" : "absent", fix);
    }
    if (max >= 0 && has && limit > max) {
        snprintf(v, sizeof(v), "%" PRId64 " (max %" PRId64 ")", limit, max);
        snprintf(fix, sizeof(fix), "lower the limit (%s) to at most %" PRId64, flag, max);
        return rw_adm_fail(p, rep, rule, field, v, fix);
    }
    rw_adm_pass(p, rep, rule);
    return 0;
}

int rw_adm_check_limits(const rw_adm_policy_t *p, const rw_spec_t *s, rw_adm_report_t *rep)
{
    int r;
    for (size_t i = 0; i < s->n_sysctls; i++) {
        if (sysctl_allowed(p, s->sysctls[i].key))
            continue;
        char v[320];
        snprintf(v, sizeof(v), "%.200s=%.100s", s->sysctls[i].key, s->sysctls[i].value);
        if ((r = rw_adm_fail(p, rep, RW_ADM_R_SYSCTL, "linux.sysctl", v,
                             "set only the safe namespaced sysctls")) < 0)
            return r;
        goto rlimits;
    }
    rw_adm_pass(p, rep, RW_ADM_R_SYSCTL);
rlimits:
    if ((r = check_rlimits(p, s, rep)) < 0 ||
        (r = check_limit(p, RW_ADM_R_MEMORY, p->memory_required, s->has_memory_limit,
                         s->memory_limit, p->max_memory, "linux.resources.memory.limit", "--memory",
                         rep)) < 0 ||
        (r = check_limit(p, RW_ADM_R_PIDS, p->pids_required, s->has_pids_limit, s->pids_limit,
                         p->max_pids, "linux.resources.pids.limit", "--pids-limit", rep)) < 0)
        return r;
    return 0;
}

int rw_adm_check_extras(const rw_adm_policy_t *p, const rw_spec_t *s, const rw_adm_host_t *h,
                        rw_adm_report_t *rep)
{
    int r;
    for (size_t i = 0; i < s->n_hooks; i++) {
        const rw_spec_hook_t *hk = &s->hooks[i];
        bool ok = h->own_hook && h->own_hook(hk->path, hk->args);
        for (char **a = p->cfg->hook_allowlist; a && *a && !ok; a++)
            ok = fnmatch(*a, hk->path, FNM_PATHNAME) == 0;
        if (ok)
            continue;
        char field[96];
        snprintf(field, sizeof(field), "hooks.%.64s", hk->stage);
        if ((r = rw_adm_fail(p, rep, RW_ADM_R_HOOKS, field, hk->path,
                             "OCI hooks run as root on the host: use only hooks in the site's "
                             "hookAllowlist")) < 0)
            return r;
        goto annotations;
    }
    rw_adm_pass(p, rep, RW_ADM_R_HOOKS);
annotations:;
    const char *const *deny = p->cfg->annotation_denylist
                                  ? (const char *const *)p->cfg->annotation_denylist
                                  : builtin_denied_annotations;
    for (size_t i = 0; i < s->n_annotations; i++) {
        if (!rw_adm_list_match_glob(deny, s->annotations[i].key))
            continue;
        char field[300];
        snprintf(field, sizeof(field), "annotations.%.256s", s->annotations[i].key);
        return rw_adm_fail(p, rep, RW_ADM_R_ANNOTATIONS, field, s->annotations[i].value,
                           "remove this annotation: the site does not allow it");
    }
    rw_adm_pass(p, rep, RW_ADM_R_ANNOTATIONS);
    return 0;
}
