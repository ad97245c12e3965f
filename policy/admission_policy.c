/* Level defaults (Pod Security Standards translated to the OCI spec) merged with the
 * site's and the tenant's overrides into one flat policy. */
#include <string.h>

#include "admission_internal.h"

#define CAP(n) (UINT64_C(1) << (n))

/* PSS baseline allows adding "AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL,
 * MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT" to the runtime's
 * default set, which also holds NET_RAW (containerd, CRI-O, podman's containers.conf): the
 * OCI spec shows the effective set, so NET_RAW belongs to baseline here. */
static const uint64_t baseline_caps = CAP(29) | CAP(0) | CAP(1) | CAP(3) | CAP(4) | CAP(5) |
                                      CAP(27) | CAP(10) | CAP(31) | CAP(6) | CAP(8) | CAP(7) |
                                      CAP(18) | CAP(13);
/* PSS restricted: drop ALL, may add NET_BIND_SERVICE. */
static const uint64_t restricted_caps = CAP(10);

/* Rules a level turns on by itself; the requirement rules (no-new-privileges, root, uid
 * ranges, read-only rootfs, rlimits, memory, pids) follow the resolved requirements. */
static bool level_enables(rw_adm_level_t l, rw_adm_rule_t r)
{
    if (l == RW_ADM_PRIVILEGED)
        return false;
    switch (r) {
    case RW_ADM_R_NNP:
    case RW_ADM_R_ROOT_USER:
    case RW_ADM_R_UID_RANGE:
    case RW_ADM_R_RO_ROOTFS:
    case RW_ADM_R_RLIMITS:
    case RW_ADM_R_MEMORY:
    case RW_ADM_R_PIDS:
    case RW_ADM_R_EXEC_USER:
    case RW_ADM_R_EXEC_NNP:
        return false;
    default:
        return true;
    }
}

/* tenant value if set, else site value if set, else dflt */
static int tri(const rw_adm_policy_t *p, size_t off, int dflt)
{
    for (int i = 1; i >= 0; i--) {
        if (!p->ov[i])
            continue;
        int v = *(const int *)((const char *)p->ov[i] + off);
        if (v != RW_TRI_UNSET)
            return v;
    }
    return dflt;
}

static int64_t num(const rw_adm_policy_t *p, size_t off)
{
    for (int i = 1; i >= 0; i--) {
        if (!p->ov[i])
            continue;
        int64_t v = *(const int64_t *)((const char *)p->ov[i] + off);
        if (v >= 0)
            return v;
    }
    return -1;
}

#define TRI(p, m, d) tri(p, offsetof(rw_adm_overrides_t, m), d)
#define NUM(p, m) num(p, offsetof(rw_adm_overrides_t, m))

static bool has_rlimit_max(const rw_adm_policy_t *p)
{
    return (p->ov[0] && p->ov[0]->n_max_rlimits) || (p->ov[1] && p->ov[1]->n_max_rlimits);
}

void rw_admission_resolve(const rw_admission_config_t *cfg, size_t t, rw_mode_t site_mode,
                          rw_adm_policy_t *out)
{
    memset(out, 0, sizeof(*out));
    const rw_adm_tenant_t *tn = &cfg->tenants[t];
    out->cfg = cfg;
    out->tenant = tn;
    out->ov[0] = &cfg->site;
    out->ov[1] = &tn->ov;
    out->level = tn->level;
    out->mode = tn->has_mode ? tn->mode : site_mode;
    rw_adm_level_t l = tn->level;

    switch (l) {
    case RW_ADM_PRIVILEGED:
        out->allowed_caps = ~UINT64_C(0);
        break;
    case RW_ADM_BASELINE:
        out->allowed_caps = baseline_caps;
        out->forbidden_host_ns =
            RW_ADM_NS_PID | RW_ADM_NS_NET | RW_ADM_NS_IPC | RW_ADM_NS_UTS | RW_ADM_NS_MOUNT;
        /* Pods and `--pid container:X` join other containers' namespaces; a mount
         * namespace joined by path is some process's view of the host. */
        out->allowed_join_ns = RW_ADM_NS_PID | RW_ADM_NS_NET | RW_ADM_NS_IPC | RW_ADM_NS_UTS |
                               RW_ADM_NS_CGROUP | RW_ADM_NS_USER | RW_ADM_NS_TIME;
        break;
    case RW_ADM_RESTRICTED:
        out->allowed_caps = restricted_caps;
        out->forbidden_host_ns = RW_ADM_NS_PID | RW_ADM_NS_NET | RW_ADM_NS_IPC | RW_ADM_NS_UTS |
                                 RW_ADM_NS_MOUNT | RW_ADM_NS_CGROUP;
        out->allowed_join_ns = RW_ADM_NS_NET | RW_ADM_NS_IPC | RW_ADM_NS_UTS;
        break;
    default:
        break;
    }
    for (int i = 0; i < 2; i++) {
        out->allowed_caps |= out->ov[i]->allow_caps;
        out->forbidden_host_ns &= ~out->ov[i]->allow_host_ns;
        out->allowed_join_ns |= out->ov[i]->allow_join_ns;
    }
    bool restricted = l == RW_ADM_RESTRICTED;
    out->root_allowed = TRI(out, allow_root, !restricted);
    out->nnp_required = TRI(out, require_nnp, restricted);
    out->ro_rootfs_required = TRI(out, require_ro_rootfs, false);
    out->memory_required = TRI(out, require_memory, restricted);
    out->pids_required = TRI(out, require_pids, restricted);
    out->apparmor_required = TRI(out, require_apparmor, restricted);
    out->selinux_required = TRI(out, require_selinux, l != RW_ADM_PRIVILEGED);
    out->max_memory = NUM(out, max_memory);
    out->max_pids = NUM(out, max_pids);
    out->mut_nnp = TRI(out, mut_nnp, false);
    out->mut_drop_caps = TRI(out, mut_drop_caps, false);
    out->mut_mask_paths = TRI(out, mut_mask_paths, false);
    out->mut_readonly_paths = TRI(out, mut_readonly_paths, false);
    out->mut_clamp_rlimits = TRI(out, mut_clamp_rlimits, false);
    out->mut_memory = NUM(out, mut_memory);
    out->mut_pids = NUM(out, mut_pids);

    bool uid_ranges = out->ov[0]->n_uid_ranges || out->ov[1]->n_uid_ranges;
    for (int r = 0; r < RW_ADM_R_COUNT; r++) {
        bool on = level_enables(l, (rw_adm_rule_t)r);
        switch (r) {
        case RW_ADM_R_NNP:
        case RW_ADM_R_EXEC_NNP:
            on = out->nnp_required;
            break;
        case RW_ADM_R_ROOT_USER:
            on = !out->root_allowed;
            break;
        case RW_ADM_R_UID_RANGE:
            on = uid_ranges;
            break;
        case RW_ADM_R_EXEC_USER:
            on = !out->root_allowed || uid_ranges;
            break;
        case RW_ADM_R_RO_ROOTFS:
            on = out->ro_rootfs_required;
            break;
        case RW_ADM_R_RLIMITS:
            on = has_rlimit_max(out);
            break;
        case RW_ADM_R_MEMORY:
            on = out->memory_required || out->max_memory >= 0;
            break;
        case RW_ADM_R_PIDS:
            on = out->pids_required || out->max_pids >= 0;
            break;
        case RW_ADM_R_APPARMOR:
        case RW_ADM_R_SELINUX:
        case RW_ADM_R_EXEC_APPARMOR:
        case RW_ADM_R_EXEC_SELINUX:
            /* A site may require a profile even of privileged tenants. */
            on = on || (r == RW_ADM_R_APPARMOR || r == RW_ADM_R_EXEC_APPARMOR
                            ? TRI(out, require_apparmor, 0) == 1
                            : TRI(out, require_selinux, 0) == 1);
            break;
        default:
            break;
        }
        rw_adm_action_t a = on ? RW_ADM_REFUSE : RW_ADM_OFF;
        if (out->ov[0]->rules[r] != RW_ADM_UNSET)
            a = out->ov[0]->rules[r];
        if (out->ov[1]->rules[r] != RW_ADM_UNSET)
            a = out->ov[1]->rules[r];
        out->action[r] = a;
    }
}

bool rw_adm_rlimit_max(const rw_adm_policy_t *p, const char *type, uint64_t *ret)
{
    for (int i = 1; i >= 0; i--)
        for (size_t j = 0; p->ov[i] && j < p->ov[i]->n_max_rlimits; j++)
            if (strcmp(p->ov[i]->max_rlimits[j].type, type) == 0) {
                *ret = p->ov[i]->max_rlimits[j].max;
                return true;
            }
    return false;
}

bool rw_adm_uid_allowed(const rw_adm_policy_t *p, int64_t uid, bool *ret_configured)
{
    bool configured = false;
    for (int i = 0; i < 2; i++)
        for (size_t j = 0; p->ov[i] && j < p->ov[i]->n_uid_ranges; j++) {
            configured = true;
            if (uid >= p->ov[i]->uid_ranges[j].lo && uid <= p->ov[i]->uid_ranges[j].hi) {
                if (ret_configured)
                    *ret_configured = true;
                return true;
            }
        }
    if (ret_configured)
        *ret_configured = configured;
    return !configured;
}
