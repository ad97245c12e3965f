/* The `admission` section of runwarden.json: tenants, how starters are matched to them,
 * their Pod-Security-Standards level, mode and site overrides. Parsed strictly: an unknown
 * key, rule name, level or capability is an error naming the JSON path. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"
#include "../common/verdict.h"

#define RW_ADM_DEFAULT_STATE_DIR "/run/runwarden/admission"

typedef enum rw_adm_level {
    RW_ADM_PRIVILEGED = 0,
    RW_ADM_BASELINE,
    RW_ADM_RESTRICTED,
} rw_adm_level_t;

/* Every check the admission engine runs; the names are the stable rule names used in
 * findings, in `overrides.rules` and in the audit record. Order = evaluation order: the
 * privileged-equivalents first, so `--privileged` is named as such. */
typedef enum rw_adm_rule {
    RW_ADM_R_ALL_CAPS = 0,
    RW_ADM_R_NO_SECCOMP,
    RW_ADM_R_APPARMOR,
    RW_ADM_R_SELINUX,
    RW_ADM_R_PROC_UNMASKED,
    RW_ADM_R_PROC_WRITABLE,
    RW_ADM_R_SYS_WRITABLE,
    RW_ADM_R_CAPS,
    RW_ADM_R_HOST_NS,
    RW_ADM_R_JOIN_NS,
    RW_ADM_R_SENSITIVE_MOUNT,
    RW_ADM_R_DEVICES,
    RW_ADM_R_DEVICE_CGROUP,
    RW_ADM_R_NNP,
    RW_ADM_R_ROOT_USER,
    RW_ADM_R_UID_RANGE,
    RW_ADM_R_RO_ROOTFS,
    RW_ADM_R_SYSCTL,
    RW_ADM_R_RLIMITS,
    RW_ADM_R_MEMORY,
    RW_ADM_R_PIDS,
    RW_ADM_R_HOOKS,
    RW_ADM_R_ANNOTATIONS,
    RW_ADM_R_EXEC_CAPS,
    RW_ADM_R_EXEC_USER,
    RW_ADM_R_EXEC_APPARMOR,
    RW_ADM_R_EXEC_SELINUX,
    RW_ADM_R_EXEC_NNP,
    RW_ADM_R_COUNT,
} rw_adm_rule_t;

/* What a rule does when it does not pass. */
typedef enum rw_adm_action {
    RW_ADM_UNSET = 0, /* no override: the level decides */
    RW_ADM_OFF,
    RW_ADM_WARN,
    RW_ADM_REFUSE,
} rw_adm_action_t;

extern const char *const rw_adm_rule_names[RW_ADM_R_COUNT];
const char *rw_adm_level_name(rw_adm_level_t l);
int rw_adm_level_parse(const char *s, rw_adm_level_t *out);
int rw_adm_rule_parse(const char *name, rw_adm_rule_t *out);

/* Capability number for "CAP_SYS_ADMIN" or "SYS_ADMIN" (case-insensitive); -1 if unknown. */
int rw_adm_cap_number(const char *name);
const char *rw_adm_cap_name(int number);
#define RW_ADM_CAP_COUNT 41 /* CAP_CHOWN (0) .. CAP_CHECKPOINT_RESTORE (40) */

/* An id or an inclusive id range. name is set when the config named a user or group that
 * is resolved lazily, only when a match rule gets that far. */
typedef struct rw_adm_idrange {
    int64_t lo, hi; /* RW_ID_UNSET..RW_ID_UNSET for "unset" (login uid) */
    char *name;
} rw_adm_idrange_t;

typedef struct rw_adm_annot_match {
    char *key;     /* exact annotation key */
    char *pattern; /* fnmatch(3) pattern on the value */
} rw_adm_annot_match_t;

typedef struct rw_adm_match {
    const char *tenant; /* the tenant's name (borrowed from tenants[]) */
    size_t tenant_index;
    bool has_uid, has_loginuid, has_group;
    rw_adm_idrange_t uid, loginuid, group;
    rw_adm_annot_match_t *annots; /* all must match */
    size_t n_annots;
} rw_adm_match_t;

typedef struct rw_adm_rlimit_max {
    char *type; /* "RLIMIT_NOFILE" */
    uint64_t max;
} rw_adm_rlimit_max_t;

#define RW_TRI_UNSET (-1)

/* Site-wide or per-tenant adjustments to a level. Scalars left unset (RW_TRI_UNSET / -1)
 * fall through to the site value, then the level's default; lists add up. */
typedef struct rw_adm_overrides {
    uint64_t allow_caps;                   /* capability bits added to the level's set */
    unsigned allow_host_ns, allow_join_ns; /* namespace bits (rw_adm_ns_bit) */
    char **allow_devices, **allow_sysctls, **allow_host_paths, **sensitive_paths;
    rw_adm_idrange_t *uid_ranges;
    size_t n_uid_ranges;
    int allow_root, require_nnp, require_ro_rootfs, require_memory, require_pids;
    int require_apparmor, require_selinux;
    int64_t max_memory, max_pids; /* -1 unset */
    rw_adm_rlimit_max_t *max_rlimits;
    size_t n_max_rlimits;
    /* mutations applied instead of refusing */
    int mut_nnp, mut_drop_caps, mut_mask_paths, mut_readonly_paths, mut_clamp_rlimits;
    int64_t mut_memory, mut_pids; /* -1 unset */
    rw_adm_action_t rules[RW_ADM_R_COUNT];
} rw_adm_overrides_t;

typedef struct rw_adm_tenant {
    char *name;
    rw_adm_level_t level;
    bool has_mode;
    rw_mode_t mode;
    rw_adm_overrides_t ov;
} rw_adm_tenant_t;

typedef struct rw_admission_config {
    size_t default_tenant; /* index into tenants */
    rw_adm_tenant_t *tenants;
    size_t n_tenants;
    rw_adm_match_t *matches;
    size_t n_matches;
    rw_adm_overrides_t site;
    char **sensitive_paths;     /* added to the built-in list */
    char **hook_allowlist;      /* absolute paths or fnmatch patterns */
    char **annotation_denylist; /* fnmatch patterns on keys; NULL = built-in list */
    char *state_dir;
} rw_admission_config_t;

/* Namespace kinds as bits, for overrides and level tables. */
enum {
    RW_ADM_NS_PID = 1u << 0,
    RW_ADM_NS_NET = 1u << 1,
    RW_ADM_NS_IPC = 1u << 2,
    RW_ADM_NS_UTS = 1u << 3,
    RW_ADM_NS_MOUNT = 1u << 4,
    RW_ADM_NS_USER = 1u << 5,
    RW_ADM_NS_CGROUP = 1u << 6,
    RW_ADM_NS_TIME = 1u << 7,
};
/* Bit for an OCI namespace type ("pid", "network", ...), 0 when unknown. */
unsigned rw_adm_ns_bit(const char *type);

/* Parses section (may be NULL: no admission policy, *ret = NULL). 'what' names the file. */
int rw_admission_config_parse(json_t *section, const char *what, rw_admission_config_t **ret,
                              rw_error_t **err);
void rw_admission_config_free(rw_admission_config_t *c);
static inline void rw_admission_config_freep(rw_admission_config_t **c)
{
    rw_admission_config_free(*c);
}
#define cleanup_admission_config __attribute__((cleanup(rw_admission_config_freep)))
/* Index of a tenant by name, or -1. */
long rw_admission_config_tenant(const rw_admission_config_t *c, const char *name);
