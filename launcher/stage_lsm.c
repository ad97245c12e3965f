/* Stage "lsm": AppArmor, SELinux and Landlock for a container being created, as the tenant's
 * rules in runwarden.json say; then `lsm.required` decides whether what is not enforced on
 * this host stops the start. Stage "lsm-commit" (last) loads the AppArmor profile, writes
 * the container's record for exec and poststop, and frees an MCS pair of a refused start. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/json.h"
#include "../profiles/apparmor.h"
#include "../profiles/lsm_state.h"
#include "../profiles/selinux.h"
#include "hooks.h"
#include "stage_lsm.h"
#include "stages.h"

static char *default_runtime_root(const rw_ctx_t *ctx)
{
    const char *name = ctx->inv->flavor == RW_FLAVOR_CRUN ? "crun" : "runc";
    char *out = NULL;
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    if (geteuid() != 0 && xdg && xdg[0] == '/') {
        if (asprintf(&out, "%s/%s", xdg, name) < 0)
            return NULL;
        return out;
    }
    return asprintf(&out, "/run/%s", name) < 0 ? NULL : out;
}

static char *runtime_root(const rw_ctx_t *ctx)
{
    const char *r = ctx->inv->root;
    if (!r || !*r)
        return default_runtime_root(ctx);
    if (r[0] == '/')
        return strdup(r);
    char cwd[4096];
    char *out = NULL;
    if (!getcwd(cwd, sizeof(cwd)) || asprintf(&out, "%s/%s", cwd, r) < 0)
        return NULL;
    return out;
}

int rw_lsm_run_init(rw_lsm_run_t *run, rw_ctx_t *ctx, rw_error_t **err)
{
    memset(run, 0, sizeof(*run));
    run->ctx = ctx;
    int r = rw_lsm_config_parse(ctx->cfg->lsm, ctx->cfg->path, &run->cfg, err);
    if (r < 0)
        return r;
    run->tenant = rw_lsm_config_tenant(run->cfg, ctx->tenant);
    run->tenant_name = ctx->tenant ? ctx->tenant : RW_LSM_TENANT_DEFAULT;
    run->level = run->tenant->level;
    if (!run->level) {
        /* the admission stage records the tenant's level (policy/admission) */
        json_t *lv = json_object_get(json_object_get(ctx->facts, "admission"), "level");
        run->level = json_is_string(lv) ? json_string_value(lv) : NULL;
    }
    if (!(run->root = runtime_root(ctx)))
        return -ENOMEM;
    run->id = ctx->inv->id;
    if (run->id)
        rw_lsm_container_key(run->root, run->id, run->key);
    if (!(run->record = json_object()))
        return -ENOMEM;
    return 0;
}

void rw_lsm_run_clear(rw_lsm_run_t *run)
{
    rw_lsm_config_free(run->cfg);
    free(run->root);
    if (run->record)
        json_decref(run->record);
    memset(run, 0, sizeof(*run));
}

static bool level_is(const rw_lsm_run_t *run, const char *level)
{
    return run->level && strcmp(run->level, level) == 0;
}

bool rw_lsm_allows_unconfined(const rw_lsm_run_t *run)
{
    int v = run->tenant->allow_unconfined;
    return v >= 0 ? v == 1 : level_is(run, "privileged");
}

bool rw_lsm_allows_label_disable(const rw_lsm_run_t *run)
{
    int v = run->tenant->allow_label_disable;
    return v >= 0 ? v == 1 : level_is(run, "privileged");
}

bool rw_lsm_allows_custom_apparmor(const rw_lsm_run_t *run)
{
    int v = run->tenant->allow_custom_apparmor;
    return v >= 0 ? v == 1 : level_is(run, "privileged");
}

int rw_lsm_fact(rw_lsm_run_t *run, const char *lsm, const char *key, json_t *value)
{
    if (!value)
        return -ENOMEM;
    json_t *top = json_object_get(run->ctx->facts, RW_LSM_STAGE);
    if (!top) {
        int r = rw_ctx_fact(run->ctx, RW_LSM_STAGE, lsm, json_object());
        if (r < 0) {
            json_decref(value);
            return r;
        }
        top = json_object_get(run->ctx->facts, RW_LSM_STAGE);
    }
    json_t *sub = json_object_get(top, lsm);
    if (!sub) {
        sub = json_object();
        if (!sub || json_object_set_new(top, lsm, sub) < 0) {
            json_decref(value);
            return -ENOMEM;
        }
    }
    return json_object_set_new(sub, key, value) < 0 ? -ENOMEM : 0;
}

int rw_lsm_refuse(rw_lsm_run_t *run, const char *rule, const char *field, const char *value,
                  const char *fix)
{
    char buf[512];
    snprintf(buf, sizeof(buf), "%s (tenant %s, level %s)", fix, run->tenant_name,
             run->level ? run->level : "unknown");
    return rw_ctx_finding(run->ctx, RW_SEV_REFUSE, RW_LSM_STAGE, rule, field, value, buf);
}

static bool has_file_rules(const rw_lsm_tenant_t *t)
{
    return t->deny[0] || t->read_only[0] || t->read_write[0];
}

/* lsm.required: what this host does not enforce may stop the start. */
static int check_required(rw_lsm_run_t *run)
{
    unsigned req = rw_lsm_config_required(run->cfg, run->tenant);
    bool files = has_file_rules(run->tenant);
    bool files_ok = !files || run->files_by_apparmor || run->landlock_enforced;
    int r = 0;
    if ((req & RW_LSM_REQ_APPARMOR) && !run->apparmor_enforced)
        r = rw_lsm_refuse(run, "lsm.required", "lsm.required", "apparmor",
                          "AppArmor does not confine this container on this host (see the "
                          "audit record's lsm.apparmor); enable AppArmor or drop apparmor "
                          "from lsm.required");
    if (r >= 0 && (req & RW_LSM_REQ_SELINUX) && !run->selinux_enforced)
        r = rw_lsm_refuse(run, "lsm.required", "lsm.required", "selinux",
                          "SELinux does not label this container on this host (see the audit "
                          "record's lsm.selinux); enable SELinux or drop selinux from "
                          "lsm.required");
    if (r >= 0 && (req & RW_LSM_REQ_LANDLOCK) && files && !run->landlock_enforced)
        r = rw_lsm_refuse(run, "lsm.required", "lsm.required", "landlock",
                          "the tenant's file rules are not enforced by Landlock here (see the "
                          "audit record's lsm.landlock); drop landlock from lsm.required");
    if (r >= 0 && (req & RW_LSM_REQ_ANY)) {
        bool any = run->apparmor_enforced || run->selinux_enforced || run->landlock_enforced;
        if (!any || !files_ok)
            r = rw_lsm_refuse(run, "lsm.required", "lsm.required", "true",
                              !any ? "no LSM confines this container on this host; enable "
                                     "AppArmor, SELinux or give the tenant Landlock file rules"
                                   : "the tenant's file rules are enforced neither by AppArmor "
                                     "nor by Landlock on this host");
    }
    return r;
}

static bool hook_present(const rw_spec_t *spec)
{
    const char *keys[] = {"hooks", "poststop", NULL};
    json_t *arr = rw_spec_get(spec, keys);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *args = json_object_get(json_array_get(arr, i), "args");
        for (size_t j = 0; j < json_array_size(args); j++) {
            const char *a = json_string_value(json_array_get(args, j));
            if (a && strcmp(a, RW_LSM_HOOK) == 0)
                return true;
        }
    }
    return false;
}

static int run(rw_ctx_t *ctx, rw_error_t **err)
{
    rw_lsm_run_t run;
    int r = rw_lsm_run_init(&run, ctx, err);
    if (r >= 0 && !run.id)
        r = rw_error_set(err, EINVAL, "the runtime was given no container id");
    if (r >= 0)
        r = rw_lsm_fact(&run, "tenant", "name", json_string(run.tenant_name));
    if (r >= 0 && run.level)
        r = rw_lsm_fact(&run, "tenant", "level", json_string(run.level));
    if (r >= 0)
        r = rw_lsm_step_apparmor(&run, err);
    if (r >= 0)
        r = rw_lsm_step_selinux(&run, err);
    if (r >= 0)
        r = rw_lsm_step_landlock(&run, err);
    if (r >= 0)
        r = check_required(&run);
    if (r >= 0) {
        json_t *enf = json_array();
        if (enf && run.apparmor_enforced)
            json_array_append_new(enf, json_string("apparmor"));
        if (enf && run.selinux_enforced)
            json_array_append_new(enf, json_string("selinux"));
        if (enf && run.landlock_enforced)
            json_array_append_new(enf, json_string("landlock"));
        r = rw_ctx_fact(ctx, RW_LSM_STAGE, "enforced", enf);
    }
    /* poststop undoes what the commit stage sets up; added now so the diff shows it */
    if (r >= 0 && json_object_size(run.record) && !hook_present(ctx->spec)) {
        const char *extra[] = {"--root", run.root, "--config", ctx->cfg->path, NULL};
        json_t *hook = rw_hook_entry(RW_LSM_HOOK, extra, 0);
        const char *keys[] = {"hooks", "poststop", NULL};
        r = hook ? rw_spec_append(ctx->spec, keys, hook,
                                  "lsm: release the container's MCS pair, AppArmor profile "
                                  "and record when it is deleted")
                 : -ENOMEM;
    }
    if (r >= 0 && json_object_size(run.record)) {
        json_object_set_new(run.record, "id", json_string(run.id));
        json_object_set_new(run.record, "root", json_string(run.root));
        json_object_set_new(run.record, "tenant", json_string(run.tenant_name));
        r = rw_ctx_fact(ctx, RW_LSM_STAGE, "record", json_incref(run.record));
    }
    rw_lsm_run_clear(&run);
    return r;
}

static bool applies(const rw_ctx_t *ctx)
{
    return ctx->spec && ctx->cfg->lsm && rw_cli_cmd_builds_container(ctx->inv->cmd);
}

const rw_stage_t rw_stage_lsm = {RW_LSM_STAGE, applies, run};

/* ---- lsm-commit: the side effects, once no stage refuses any more ---- */

static int commit_run(rw_ctx_t *ctx, rw_error_t **err)
{
    json_t *rec = json_object_get(json_object_get(ctx->facts, RW_LSM_STAGE), "record");
    if (!json_is_object(rec))
        return 0;
    rw_lsm_run_t run;
    int r = rw_lsm_run_init(&run, ctx, err);
    if (r < 0) {
        rw_lsm_run_clear(&run);
        return r;
    }
    json_t *sel = json_object_get(rec, "selinux");
    bool allocated = json_is_true(json_object_get(sel, "reserved"));
    if (rw_pipeline_decision(ctx) == RW_DECISION_REFUSED) {
        /* nothing will run: give the pair back now rather than at the next sweep */
        if (allocated) {
            rw_mcs_pool_t pool = {run.cfg->selinux.mcs_dir, run.cfg->selinux.cat_min,
                                  run.cfg->selinux.cat_max};
            (void)rw_mcs_release(&pool, run.root, run.id, NULL);
        }
        rw_lsm_run_clear(&run);
        return 0;
    }
    json_t *aa = json_object_get(rec, "apparmor");
    const char *profile = json_string_value(json_object_get(aa, "profile"));
    bool loaded = false;
    if (json_is_true(json_object_get(aa, "kernel"))) {
        rw_apparmor_profile_t p = {0};
        p.name = (char *)profile;
        p.cache_path = (char *)json_string_value(json_object_get(aa, "cache"));
        r = p.name && p.cache_path ? rw_apparmor_load(run.cfg, &p, run.key, err)
                                   : rw_error_set(err, EINVAL, "lsm: incomplete AppArmor plan");
        loaded = r >= 0;
    }
    if (r >= 0)
        r = rw_lsm_record_write(run.cfg->state_dir, run.key, rec, err);
    if (r < 0 && loaded) /* no record, no poststop to find the reference: drop it now */
        (void)rw_apparmor_unref(run.cfg, profile, run.key, true, NULL);
    rw_lsm_run_clear(&run);
    return r;
}

static bool commit_applies(const rw_ctx_t *ctx)
{
    return applies(ctx) && !ctx->dry_run;
}

const rw_stage_t rw_stage_lsm_commit = {"lsm-commit", commit_applies, commit_run};
