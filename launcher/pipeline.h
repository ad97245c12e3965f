/* The create/exec pipeline: stages see a typed view of the spec and may refuse, warn or
 * change it. The launcher then writes the changed spec, records the decision and execs. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "../common/error.h"
#include "../common/hash.h"
#include "../common/verdict.h"
#include "../conf/config.h"
#include "../conf/identity.h"
#include "../conf/oci_spec.h"
#include "cli.h"

typedef enum rw_decision {
    RW_DECISION_ALLOWED = 0,
    RW_DECISION_WARNED,
    RW_DECISION_REFUSED,
} rw_decision_t;

typedef struct rw_ctx {
    const rw_config_t *cfg;
    const rw_invocation_t *inv;
    const char *runtime_path;
    bool dry_run; /* runwarden check: never write, never exec */

    /* the bundle, opened once; every later access is relative to bundle_fd */
    char *bundle_path; /* absolute */
    int bundle_fd;
    int config_dirfd;   /* directory holding the config file (bundle_fd or crun -f's dir) */
    char *config_name;  /* file name within config_dirfd */
    char *config_display; /* path used in messages */
    struct stat config_st;
    rw_spec_t *spec; /* create/run/restore: config.json */

    /* exec */
    int process_dirfd;
    char *process_name;
    char *process_display;
    struct stat process_st;
    rw_spec_t *process; /* exec --process FILE */

    /* who is starting it: filled before the stages run (NULL when it could not be read;
     * `runwarden check --as` fills a synthetic one) */
    rw_identity_t *who;
    char *tenant; /* set by the admission stage; NULL = default tenant */

    rw_mode_t mode; /* effective mode (a tenant may override the site's) */
    rw_findings_t findings;
    json_t *facts; /* per-stage facts for the audit record: {"stage": {...}} */
    char written_sha256[RW_SHA256_HEX_LEN + 1]; /* of the config as handed to the runtime */
} rw_ctx_t;

typedef struct rw_stage {
    const char *name;
    bool (*applies)(const rw_ctx_t *ctx);
    /* < 0: the stage could not decide (unreadable policy...). Findings carry verdicts. */
    int (*run)(rw_ctx_t *ctx, rw_error_t **err);
} rw_stage_t;

int rw_ctx_init(rw_ctx_t *ctx, const rw_config_t *cfg, const rw_invocation_t *inv,
                const char *runtime_path);
void rw_ctx_clear(rw_ctx_t *ctx);

/* Opens the bundle and config (create/run/restore) or the process file (exec). */
int rw_pipeline_load(rw_ctx_t *ctx, rw_error_t **err);
/* Runs every applicable stage. A stage error becomes a refusal unless failOpen. */
int rw_pipeline_run(rw_ctx_t *ctx, rw_error_t **err);
/* The decision, given the findings and the effective mode. */
rw_decision_t rw_pipeline_decision(const rw_ctx_t *ctx);
const char *rw_decision_name(rw_decision_t d);
/* Writes the changed spec back atomically (no-op when unchanged or dry-run) and fills
 * written_sha256 with the digest of what the runtime will read. */
int rw_pipeline_commit(rw_ctx_t *ctx, rw_error_t **err);

/* Records a fact for the audit record: facts[stage][key] = value (stolen). */
int rw_ctx_fact(rw_ctx_t *ctx, const char *stage, const char *key, json_t *value);
/* Adds a finding; severity REFUSE is softened by the effective mode at decision time. */
int rw_ctx_finding(rw_ctx_t *ctx, rw_severity_t sev, const char *stage, const char *rule,
                   const char *field, const char *value, const char *fix);

/* The registered stages, in order. */
extern const rw_stage_t *const rw_stages[];
