/* Shared state of the LSM stages (create-time in stage_lsm.c, exec-time in stage_lsm_exec.c)
 * and of their per-LSM steps. Internal to launcher/. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "../common/hash.h"
#include "../conf/config_lsm.h"
#include "hooks.h"
#include "pipeline.h"

#define RW_LSM_STAGE "lsm"
#define RW_LSM_HOOK "lsm-poststop"

typedef struct rw_lsm_run {
    rw_ctx_t *ctx;
    rw_lsm_config_t *cfg;
    const rw_lsm_tenant_t *tenant;
    const char *tenant_name; /* as admission named it, or "default" */
    const char *level;       /* privileged|baseline|restricted, or NULL when unknown */
    char *root;              /* the runtime's state root (--root or its default) */
    const char *id;
    char key[RW_SHA256_HEX_LEN + 1]; /* rw_lsm_container_key(root, id) */
    json_t *record;                  /* what later execs and poststop need */
    bool apparmor_enforced, selinux_enforced, landlock_enforced;
    bool files_by_apparmor; /* the tenant's file rules are in an enforced AppArmor profile */
} rw_lsm_run_t;

/* Fills run from ctx (config section, tenant, level, runtime root, key). */
int rw_lsm_run_init(rw_lsm_run_t *run, rw_ctx_t *ctx, rw_error_t **err);
void rw_lsm_run_clear(rw_lsm_run_t *run);

/* What the tenant's level allows (explicit settings win over the level). */
bool rw_lsm_allows_unconfined(const rw_lsm_run_t *run);
bool rw_lsm_allows_label_disable(const rw_lsm_run_t *run);
bool rw_lsm_allows_custom_apparmor(const rw_lsm_run_t *run);

/* facts.lsm.<lsm>.<key> = value (stolen). */
int rw_lsm_fact(rw_lsm_run_t *run, const char *lsm, const char *key, json_t *value);
/* Refusal naming the tenant and its level in the fix. */
int rw_lsm_refuse(rw_lsm_run_t *run, const char *rule, const char *field, const char *value,
                  const char *fix);

/* Create-time steps (ctx->spec). */
int rw_lsm_step_apparmor(rw_lsm_run_t *run, rw_error_t **err);
int rw_lsm_step_selinux(rw_lsm_run_t *run, rw_error_t **err);
int rw_lsm_step_landlock(rw_lsm_run_t *run, rw_error_t **err);
/* The SELinux step with the host's state given (tests drive the enabled path with it). */
int rw_lsm_step_selinux_host(rw_lsm_run_t *run, bool host_enabled, rw_error_t **err);

/* Is an AppArmor profile name the engine's own default (replaced by runwarden's)? */
bool rw_lsm_apparmor_engine_default(const char *name);
/* Does the spec ask for SELinux label=disable (podman's annotation or its mount label)? */
bool rw_lsm_selinux_disable_requested(const rw_spec_t *spec);

/* OCI poststop hook "lsm-poststop" (registered in hook_table.c). */
int rw_hook_lsm_poststop(int argc, char **argv, const rw_hook_state_t *state);
