/* Site admission policy: which tenant a starter belongs to, what that tenant's level
 * (Kubernetes Pod Security Standards translated to the OCI spec) allows, and the verdict of
 * every rule on a container spec or an exec process. Pure: no output, no global state;
 * host facts come in through rw_adm_host_t so tests can replay any host. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"
#include "../common/verdict.h"
#include "../conf/config_admission.h"
#include "../conf/identity.h"
#include "../conf/oci_spec.h"

#define RW_ADM_STAGE "admission"

typedef enum rw_adm_outcome {
    RW_ADM_OUT_OFF = 0, /* rule not active for this tenant */
    RW_ADM_OUT_PASS,
    RW_ADM_OUT_MUTATED, /* passed after the policy changed the spec */
    RW_ADM_OUT_WARN,
    RW_ADM_OUT_REFUSE,
} rw_adm_outcome_t;
const char *rw_adm_outcome_name(rw_adm_outcome_t o);

/* Facts about the host the checks depend on. */
typedef struct rw_adm_host {
    bool selinux_enabled, apparmor_enabled;
    const char *bundle_path; /* to resolve relative bind sources; may be NULL */
    /* Directory holding the host's namespace files ("/proc/1/ns"). */
    const char *host_ns_dir;
    /* Identity of a namespace file (stat by default; tests inject). 0 or -errno. */
    int (*ns_stat)(const char *path, uint64_t *dev, uint64_t *ino);
    /* Identity of a bind source after symlinks (realpath by default; tests inject).
     * Returns a malloc'ed path or NULL. */
    char *(*resolve)(const char *path);
    bool audit_only;       /* audit mode: report mutations, do not apply them */
    bool seccomp_supplied; /* a later stage gives a container without seccomp the site's */
    /* True for a hook runwarden itself added on an earlier pass over this bundle (a plain
     * `runwarden hook NAME` of this binary): not the caller's. NULL: none is. */
    bool (*own_hook)(const char *path, char *const *args);
} rw_adm_host_t;
/* Reads the live host: /sys/fs/selinux, /sys/module/apparmor, /proc/1/ns. */
void rw_adm_host_detect(rw_adm_host_t *h);

/* The effective policy of one tenant: level defaults, then site overrides, then the
 * tenant's. Borrows from the config. */
typedef struct rw_adm_policy {
    const rw_admission_config_t *cfg;
    const rw_adm_tenant_t *tenant;
    const rw_adm_overrides_t *ov[2]; /* site, tenant */
    rw_adm_level_t level;
    rw_mode_t mode;
    rw_adm_action_t action[RW_ADM_R_COUNT]; /* OFF, WARN or REFUSE */
    uint64_t allowed_caps;
    unsigned forbidden_host_ns, allowed_join_ns;
    bool root_allowed, nnp_required, ro_rootfs_required, memory_required, pids_required;
    bool apparmor_required, selinux_required;
    int64_t max_memory, max_pids; /* -1 none */
    bool mut_nnp, mut_drop_caps, mut_mask_paths, mut_readonly_paths, mut_clamp_rlimits;
    int64_t mut_memory, mut_pids; /* -1 none */
} rw_adm_policy_t;

/* Resolves tenant index t of cfg; site_mode is used when the tenant sets none. */
void rw_admission_resolve(const rw_admission_config_t *cfg, size_t t, rw_mode_t site_mode,
                          rw_adm_policy_t *out);

/* Which tenant a starter belongs to: the first match rule whose every condition holds,
 * else the default tenant. who may be NULL (unknown starter: identity conditions fail);
 * spec may be NULL (exec: annotation conditions fail). *ret_rule is the index of the
 * matching rule or -1 for the default. */
int rw_admission_match(const rw_admission_config_t *cfg, const rw_identity_t *who,
                       const rw_spec_t *spec, size_t *ret_tenant, long *ret_rule);

/* What every rule concluded. findings use stage "admission" and rule names prefixed
 * "admission."; REFUSE findings are already WARN when the rule's action is warn. */
typedef struct rw_adm_report {
    rw_adm_outcome_t outcome[RW_ADM_R_COUNT];
    rw_findings_t findings;
    unsigned n_mutations;
} rw_adm_report_t;
void rw_adm_report_clear(rw_adm_report_t *r);

/* Applies the tenant's mutations to spec (recorded in its change list), then runs every
 * create-time rule. Returns < 0 only on memory exhaustion or a spec it cannot change. */
int rw_admission_evaluate(const rw_adm_policy_t *p, rw_spec_t *spec, const rw_adm_host_t *host,
                          rw_adm_report_t *rep, rw_error_t **err);

/* An exec: either a process.json (process, may be mutated) or the runtime's inline flags. */
typedef struct rw_adm_exec_flags {
    const char *const *caps;
    size_t n_caps;
    const char *user; /* "UID[:GID]" or NULL */
    const char *apparmor, *label;
} rw_adm_exec_flags_t;
int rw_admission_evaluate_exec(const rw_adm_policy_t *p, rw_spec_t *process,
                               const rw_adm_exec_flags_t *flags, const rw_adm_host_t *host,
                               rw_adm_report_t *rep, rw_error_t **err);

/* Lexically cleaned absolute path ("/a//b/../c" -> "/a/c"); relative paths are joined to
 * base first (NULL base: "/"). Caller frees. */
char *rw_adm_path_clean(const char *base, const char *path);

/* Per-container memory of the tenant, so an exec is judged by the container's level:
 * STATE_DIR/ID.json written at create, removed by the poststop hook. */
bool rw_admission_state_id_ok(const char *id);
int rw_admission_state_write(const char *state_dir, const char *id, const char *tenant,
                             rw_adm_level_t level, rw_error_t **err);
/* *ret_tenant is NULL (and 0 returned) when there is no record. */
int rw_admission_state_read(const char *state_dir, const char *id, char **ret_tenant,
                            rw_error_t **err);
int rw_admission_state_remove(const char *state_dir, const char *id);
