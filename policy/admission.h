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
 * STATE_DIR/ID.json written at create. Nothing removes it when the container goes (a
 * poststop hook per container costs the runtime a fork and exec); instead the record names
 * the runtime's state root and when it was written, and counts only while <root>/<id>
 * exists and was created after it. Stale records are dropped by the exec that finds them
 * and by a bounded, rate-limited sweep at create. */
bool rw_admission_state_id_ok(const char *id);
/* runtime_root: the state root the runtime will keep the container in (absolute; recorded
 * lexically cleaned); NULL writes a record that is never checked, as older builds did
 * (they added a poststop hook): only for callers that add that hook themselves. */
int rw_admission_state_write(const char *state_dir, const char *id, const char *tenant,
                             rw_adm_level_t level, const char *runtime_root, rw_error_t **err);
/* *ret_tenant is NULL (and 0 returned) when there is no record, or when the record does not
 * describe the container now named id: its state directory is gone, or was created before
 * the record (a create that failed because the id was taken). Such a record is removed
 * once that is certain. runtime_root, the caller's own state root (NULL: not compared):
 * a record made under another root describes another container and is ignored. */
int rw_admission_state_read(const char *state_dir, const char *id, const char *runtime_root,
                            char **ret_tenant, rw_error_t **err);
int rw_admission_state_remove(const char *state_dir, const char *id);
/* Removes records whose container is gone. At most once per interval_s (a stamp file in
 * state_dir holds the next allowed time and a readdir cursor, so successive sweeps walk the
 * whole directory), looking at no more than max_entries names; a sweep cut short by that
 * bound allows the next one after a second, so removal keeps up with creation. Records
 * younger than a minute are left alone (their runtime may not have created its state
 * yet). hint_root, the sweeping create's own state root (may be NULL), lets a record whose
 * container lives there be kept at the cost of one lstat, unread. Never follows links;
 * names that are not ID.json are skipped. Returns how many records were removed, or
 * -errno when the directory cannot be read. */
int rw_admission_state_sweep(const char *state_dir, const char *hint_root, unsigned interval_s,
                             unsigned max_entries);
