/* Privileged-equivalents: what `--privileged` (or one flag of it) leaves in the spec: all
 * capabilities, no seccomp, AppArmor or SELinux off, /proc unmasked or writable, /sys
 * writable. Checked first so that the refusal names the real problem. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "admission_internal.h"

const char *const rw_adm_required_masked[] = {
    "/proc/acpi",        "/proc/kcore", "/proc/keys",    "/proc/timer_list",
    "/proc/sched_debug", "/proc/scsi",  "/sys/firmware", NULL};
const char *const rw_adm_required_readonly[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL};

static const char *const selinux_types[] = {"container_t", "container_init_t", "container_kvm_t"};

bool rw_adm_selinux_type_ok(const char *label, const char **ret_type, size_t *ret_len)
{
    /* user:role:type[:level] */
    const char *p = strchr(label, ':');
    p = p ? strchr(p + 1, ':') : NULL;
    const char *t = p ? p + 1 : "";
    size_t n = strcspn(t, ":");
    if (ret_type)
        *ret_type = t;
    if (ret_len)
        *ret_len = n;
    for (size_t i = 0; i < RW_ARRAY_SIZE(selinux_types); i++)
        if (strlen(selinux_types[i]) == n && strncmp(t, selinux_types[i], n) == 0)
            return true;
    return false;
}

static bool strv_has(char **v, const char *s)
{
    for (; v && *v; v++)
        if (strcmp(*v, s) == 0)
            return true;
    return false;
}

static bool has_opt(const rw_spec_mount_t *m, const char *opt)
{
    return strv_has(m->options, opt);
}

static int check_all_caps(const rw_adm_policy_t *p, const rw_spec_t *s, rw_adm_report_t *rep)
{
    uint64_t bits = rw_adm_caps_of(&s->process.caps, NULL);
    if (rw_adm_caps_all(bits)) {
        char v[64];
        snprintf(v, sizeof(v), "%d of %d capabilities", __builtin_popcountll(bits),
                 RW_ADM_CAP_COUNT);
        return rw_adm_fail(p, rep, RW_ADM_R_ALL_CAPS, "process.capabilities", v,
                           "do not run it --privileged or with --cap-add=ALL");
    }
    rw_adm_pass(p, rep, RW_ADM_R_ALL_CAPS);
    return 0;
}

static int check_seccomp(const rw_adm_policy_t *p, const rw_spec_t *s, const rw_adm_host_t *h,
                         rw_adm_report_t *rep)
{
    const char *da = s->seccomp_default_action;
    if (h->seccomp_supplied) { /* it will not run unconfined */
        rw_adm_pass(p, rep, RW_ADM_R_NO_SECCOMP);
        return 0;
    }
    if (!da)
        return rw_adm_fail(p, rep, RW_ADM_R_NO_SECCOMP, "linux.seccomp", "absent",
                           "keep the engine's default seccomp profile (no "
                           "seccomp=unconfined, no --privileged)");
    if (s->n_seccomp_rules == 0 &&
        (strcmp(da, "SCMP_ACT_ALLOW") == 0 || strcmp(da, "SCMP_ACT_LOG") == 0)) {
        char v[96];
        snprintf(v, sizeof(v), "%.40s with no syscall rules", da);
        return rw_adm_fail(p, rep, RW_ADM_R_NO_SECCOMP, "linux.seccomp.defaultAction", v,
                           "use a profile that blocks something (the engine's default)");
    }
    rw_adm_pass(p, rep, RW_ADM_R_NO_SECCOMP);
    return 0;
}

static int check_apparmor(const rw_adm_policy_t *p, const char *profile, const rw_adm_host_t *h,
                          rw_adm_rule_t rule, const char *field, bool allow_empty,
                          rw_adm_report_t *rep)
{
    if (profile && strcmp(profile, "unconfined") == 0)
        return rw_adm_fail(p, rep, rule, field, profile,
                           "drop apparmor=unconfined; keep the engine's default profile");
    if (!allow_empty && p->apparmor_required && h->apparmor_enabled && (!profile || !*profile))
        return rw_adm_fail(p, rep, rule, field, "(none)",
                           "this tenant must run under an AppArmor profile");
    rw_adm_pass(p, rep, rule);
    return 0;
}

static int check_selinux(const rw_adm_policy_t *p, const char *label, const rw_adm_host_t *h,
                         rw_adm_rule_t rule, const char *field, bool allow_empty,
                         rw_adm_report_t *rep)
{
    if (label && *label) {
        const char *t = NULL;
        size_t n = 0;
        if (!rw_adm_selinux_type_ok(label, &t, &n)) {
            char v[160];
            snprintf(v, sizeof(v), "%.120s (type %.*s)", label, (int)(n > 30 ? 30 : n), t);
            return rw_adm_fail(p, rep, rule, field, v,
                               "run as container_t, container_init_t or container_kvm_t (no "
                               "label=type:spc_t, no --privileged)");
        }
    } else if (!allow_empty && p->selinux_required && h->selinux_enabled) {
        return rw_adm_fail(p, rep, rule, field, "(none: SELinux separation is off)",
                           "do not use label=disable or --privileged");
    }
    rw_adm_pass(p, rep, rule);
    return 0;
}

static int check_masked(const rw_adm_policy_t *p, const rw_spec_t *s, rw_adm_report_t *rep)
{
    for (const char *const *m = rw_adm_required_masked; *m; m++)
        if (!strv_has(s->masked_paths, *m))
            return rw_adm_fail(p, rep, RW_ADM_R_PROC_UNMASKED, "linux.maskedPaths", *m,
                               "keep the engine's masked paths (no --privileged, no "
                               "unmask=...)");
    for (size_t i = 0; i < s->n_mounts; i++) {
        const rw_spec_mount_t *m = &s->mounts[i];
        if (m->type && strcmp(m->type, "proc") == 0 && strcmp(m->destination, "/proc") != 0) {
            char v[300];
            snprintf(v, sizeof(v), "proc at %.256s", m->destination);
            return rw_adm_fail(p, rep, RW_ADM_R_PROC_UNMASKED, "mounts", v,
                               "mount proc only at /proc, where the masks apply");
        }
    }
    rw_adm_pass(p, rep, RW_ADM_R_PROC_UNMASKED);
    return 0;
}

static int check_readonly(const rw_adm_policy_t *p, const rw_spec_t *s, rw_adm_report_t *rep)
{
    for (const char *const *m = rw_adm_required_readonly; *m; m++)
        if (!strv_has(s->readonly_paths, *m))
            return rw_adm_fail(p, rep, RW_ADM_R_PROC_WRITABLE, "linux.readonlyPaths", *m,
                               "keep the engine's read-only paths (no --privileged, no "
                               "unmask=...)");
    rw_adm_pass(p, rep, RW_ADM_R_PROC_WRITABLE);
    return 0;
}

static int check_sys(const rw_adm_policy_t *p, const rw_spec_t *s, rw_adm_report_t *rep)
{
    for (size_t i = 0; i < s->n_mounts; i++) {
        const rw_spec_mount_t *m = &s->mounts[i];
        const char *d = m->destination;
        if (strcmp(d, "/sys") != 0 && strncmp(d, "/sys/", 5) != 0)
            continue;
        /* Only kernel interfaces: a tmpfs or a masked bind below /sys is harmless. */
        bool kernel = m->type && (strcmp(m->type, "sysfs") == 0 || strcmp(m->type, "cgroup") == 0 ||
                                  strcmp(m->type, "cgroup2") == 0);
        bool bind =
            (m->type && strcmp(m->type, "bind") == 0) || has_opt(m, "bind") || has_opt(m, "rbind");
        bool sysfs_bind = bind && m->source &&
                          (strcmp(m->source, "/sys") == 0 || strncmp(m->source, "/sys/", 5) == 0);
        if ((kernel || sysfs_bind) && !has_opt(m, "ro")) {
            char v[300];
            snprintf(v, sizeof(v), "%.240s (%s, writable)", d, m->type ? m->type : "bind");
            return rw_adm_fail(p, rep, RW_ADM_R_SYS_WRITABLE, "mounts", v,
                               "mount /sys read-only (no --privileged, no "
                               "--security-opt unmask=...)");
        }
    }
    rw_adm_pass(p, rep, RW_ADM_R_SYS_WRITABLE);
    return 0;
}

int rw_adm_check_privileged(const rw_adm_policy_t *p, const rw_spec_t *s, const rw_adm_host_t *h,
                            rw_adm_report_t *rep)
{
    int r;
    if ((r = check_all_caps(p, s, rep)) < 0 || (r = check_seccomp(p, s, h, rep)) < 0 ||
        (r = check_apparmor(p, s->process.apparmor_profile, h, RW_ADM_R_APPARMOR,
                            "process.apparmorProfile", false, rep)) < 0 ||
        (r = check_selinux(p, s->process.selinux_label, h, RW_ADM_R_SELINUX, "process.selinuxLabel",
                           false, rep)) < 0 ||
        (r = check_masked(p, s, rep)) < 0 || (r = check_readonly(p, s, rep)) < 0 ||
        (r = check_sys(p, s, rep)) < 0)
        return r;
    return 0;
}

/* The exec variants share the create-time logic; an empty profile or label in an exec
 * means "the container's", so only explicit ones are judged. */
int rw_adm_check_exec_lsm(const rw_adm_policy_t *p, const char *apparmor, const char *label,
                          const rw_adm_host_t *h, rw_adm_report_t *rep)
{
    int r = check_apparmor(p, apparmor, h, RW_ADM_R_EXEC_APPARMOR, "process.apparmorProfile", true,
                           rep);
    if (r >= 0)
        r = check_selinux(p, label, h, RW_ADM_R_EXEC_SELINUX, "process.selinuxLabel", true, rep);
    return r;
}
