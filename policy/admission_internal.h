/* Helpers shared by the admission rule files; not part of the module's interface. */
#pragma once

#include "admission.h"

/* Rule r is active (action WARN or REFUSE) for this tenant. */
static inline bool rw_adm_active(const rw_adm_policy_t *p, rw_adm_rule_t r)
{
    return p->action[r] == RW_ADM_WARN || p->action[r] == RW_ADM_REFUSE;
}

/* Records that an active rule looked and passed (no-op for inactive rules). */
void rw_adm_pass(const rw_adm_policy_t *p, rw_adm_report_t *rep, rw_adm_rule_t r);
/* Records a failure of rule r with the rule's action; no-op when the rule is off. */
int rw_adm_fail(const rw_adm_policy_t *p, rw_adm_report_t *rep, rw_adm_rule_t r, const char *field,
                const char *value, const char *fix);
/* Records a mutation made (or, audit-only, that would be made) for rule r. */
int rw_adm_mutated(rw_adm_report_t *rep, rw_adm_rule_t r, const char *field, const char *value,
                   const char *what);

/* Capability bits of every set of a process; *ret_unknown gets the first name that is no
 * capability (borrowed), or NULL. */
uint64_t rw_adm_caps_of(const rw_spec_caps_t *c, const char **ret_unknown);
/* "CAP_A,CAP_B" for the bits (at most a few names, then "+N more"); caller frees. */
char *rw_adm_caps_format(uint64_t bits);
/* "All capabilities": what --privileged or --cap-add=ALL gives is every capability the
 * engine itself holds, which is less than all on a host that withholds some (no
 * CAP_SYS_RESOURCE in a container host, say). Engines' defaults hold about 14; 30 or more
 * of the 41 is the privileged set by any measure. */
#define RW_ADM_ALL_CAPS_MIN 30
static inline bool rw_adm_caps_all(uint64_t bits)
{
    return __builtin_popcountll(bits & ((UINT64_C(1) << RW_ADM_CAP_COUNT) - 1)) >=
           RW_ADM_ALL_CAPS_MIN;
}

/* pattern: an absolute path, a fnmatch(3) pattern (FNM_PATHNAME), or either ending in
 * a slash and two stars for the whole subtree. True when path is the pattern (or under it
 * for a subtree pattern). */
bool rw_adm_path_match(const char *pattern, const char *path);
/* True when mounting source exposes something that pattern names: source matches it, or
 * source is an ancestor of it. */
bool rw_adm_path_exposes(const char *source, const char *pattern);

/* The override lists of both layers (site, then tenant), for iteration. */
#define RW_ADM_OV_LISTS(p, member)                                                                 \
    {                                                                                              \
        (p)->ov[0] ? (const char *const *)(p)->ov[0]->member : NULL,                               \
            (p)->ov[1] ? (const char *const *)(p)->ov[1]->member : NULL                            \
    }
bool rw_adm_list_match_path(const char *const *list, const char *path);
bool rw_adm_list_match_glob(const char *const *list, const char *s);

/* Rule groups (admission_check_*.c). */
int rw_adm_check_privileged(const rw_adm_policy_t *p, const rw_spec_t *s, const rw_adm_host_t *h,
                            rw_adm_report_t *rep);
int rw_adm_check_caps(const rw_adm_policy_t *p, const rw_spec_t *s, rw_adm_report_t *rep);
int rw_adm_check_namespaces(const rw_adm_policy_t *p, const rw_spec_t *s, const rw_adm_host_t *h,
                            rw_adm_report_t *rep);
int rw_adm_check_mounts(const rw_adm_policy_t *p, const rw_spec_t *s, const rw_adm_host_t *h,
                        rw_adm_report_t *rep);
int rw_adm_check_devices(const rw_adm_policy_t *p, const rw_spec_t *s, rw_adm_report_t *rep);
int rw_adm_check_process(const rw_adm_policy_t *p, const rw_spec_t *s, rw_adm_report_t *rep);
int rw_adm_check_limits(const rw_adm_policy_t *p, const rw_spec_t *s, rw_adm_report_t *rep);
int rw_adm_check_extras(const rw_adm_policy_t *p, const rw_spec_t *s, const rw_adm_host_t *h,
                        rw_adm_report_t *rep);
int rw_adm_check_exec_lsm(const rw_adm_policy_t *p, const char *apparmor, const char *label,
                          const rw_adm_host_t *h, rw_adm_report_t *rep);
int rw_adm_mutate(const rw_adm_policy_t *p, rw_spec_t *s, const rw_adm_host_t *h,
                  rw_adm_report_t *rep);

/* The required masked and read-only paths (what runc, crun, podman and containerd all
 * set by default). */
extern const char *const rw_adm_required_masked[];
extern const char *const rw_adm_required_readonly[];
/* SELinux types a confined container may run as. */
bool rw_adm_selinux_type_ok(const char *label, const char **ret_type_start, size_t *ret_len);
/* A max rlimit for type from the overrides (tenant first), or false. */
bool rw_adm_rlimit_max(const rw_adm_policy_t *p, const char *type, uint64_t *ret);
/* uid in the configured ranges (true when none are configured). */
bool rw_adm_uid_allowed(const rw_adm_policy_t *p, int64_t uid, bool *ret_configured);
