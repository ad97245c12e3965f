/* Stage "admission": picks the starter's tenant, applies its level and overrides to the
 * container (or exec), records every rule's outcome, and sets the effective mode. The
 * tenant of a container is remembered (stage "admission-commit", which runs last) so a
 * later exec is judged by the container's level. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "../conf/config_seccomp.h"
#include "../policy/admission.h"
#include "hook_env.h"
#include "runtime_root.h"
#include "stages.h"

#define STAGE RW_ADM_STAGE

static bool applies(const rw_ctx_t *ctx)
{
    if (!ctx->cfg->admission)
        return false;
    return ctx->spec != NULL || ctx->inv->cmd == RW_CMD_EXEC;
}

static json_t *rules_json(const rw_adm_report_t *rep)
{
    json_t *o = json_object();
    for (int i = 0; o && i < RW_ADM_R_COUNT; i++)
        if (rep->outcome[i] != RW_ADM_OUT_OFF)
            json_object_set_new(o, rw_adm_rule_names[i],
                                json_string(rw_adm_outcome_name(rep->outcome[i])));
    return o;
}

static int record(rw_ctx_t *ctx, const rw_adm_policy_t *p, const char *matched,
                  const rw_adm_report_t *rep)
{
    int r;
    for (size_t i = 0; i < rep->findings.n; i++) {
        const rw_finding_t *f = &rep->findings.items[i];
        if ((r = rw_ctx_finding(ctx, f->severity, STAGE, f->rule, f->field, f->value, f->fix)) < 0)
            return r;
    }
    if ((r = rw_ctx_fact(ctx, STAGE, "tenant", json_string(p->tenant->name))) < 0 ||
        (r = rw_ctx_fact(ctx, STAGE, "level", json_string(rw_adm_level_name(p->level)))) < 0 ||
        (r = rw_ctx_fact(ctx, STAGE, "mode", json_string(rw_mode_name(p->mode)))) < 0 ||
        (r = rw_ctx_fact(ctx, STAGE, "matchedBy", json_string(matched))) < 0 ||
        (r = rw_ctx_fact(ctx, STAGE, "rules", rules_json(rep))) < 0)
        return r;
    if (rep->n_mutations)
        r = rw_ctx_fact(ctx, STAGE, "mutations", json_integer(rep->n_mutations));
    return r;
}

static int set_tenant(rw_ctx_t *ctx, const rw_adm_policy_t *p)
{
    char *t = strdup(p->tenant->name);
    if (!t)
        return -ENOMEM;
    free(ctx->tenant);
    ctx->tenant = t;
    ctx->mode = p->mode;
    return 0;
}

/* The tenant an exec is judged by: the container's, as recorded at create; else the
 * starter's own. */
static int exec_tenant(rw_ctx_t *ctx, const rw_admission_config_t *ac, size_t *ret, char *matched,
                       size_t msize, rw_error_t **err)
{
    cleanup_free char *recorded = NULL;
    const char *id = ctx->inv->id;
    if (id) {
        /* The record counts only for the container under the root this exec names. */
        cleanup_free char *root = rw_runtime_root(ctx->inv, ctx->runtime_path);
        if (!root)
            return -ENOMEM;
        int r = rw_admission_state_read(ac->state_dir, id, root, &recorded, err);
        if (r < 0)
            return r;
    }
    if (recorded) {
        long t = rw_admission_config_tenant(ac, recorded);
        if (t >= 0) {
            *ret = (size_t)t;
            snprintf(matched, msize, "container");
            return 0;
        }
        /* The tenant left the config since: the default applies, and the record says so. */
        *ret = ac->default_tenant;
        snprintf(matched, msize, "default (container's tenant %.64s is gone)", recorded);
        return 0;
    }
    long rule = -1;
    int r = rw_admission_match(ac, ctx->who, NULL, ret, &rule);
    if (r < 0)
        return r;
    if (rule >= 0)
        snprintf(matched, msize, "match[%ld]", rule);
    else
        snprintf(matched, msize, "default");
    return 0;
}

/* A hook entry runwarden wrote on an earlier pass over this bundle: this binary, running
 * one of its registered hooks, with nothing else on the command line. */
static bool own_hook(const char *path, char *const *args)
{
    static char *self;
    if (!self && !(self = rw_hook_self_path()))
        return false;
    if (strcmp(path, self) != 0 || !args || !args[0] || !args[1] || !args[2] ||
        strcmp(args[1], "hook") != 0)
        return false;
    /* Our hooks may carry their own --option=value arguments (the eBPF hooks pass the
     * config and tenant); anything else is not a hook runwarden wrote. */
    for (char *const *a = args + 3; *a; a++)
        if (strncmp(*a, "--", 2) != 0 || !strchr(*a, '='))
            return false;
    for (const rw_hook_t *h = rw_hooks; h->name; h++)
        if (strcmp(h->name, args[2]) == 0)
            return true;
    return false;
}

/* The seccomp stage installs the site profile for this tenant when the container has
 * none: then "no seccomp" is not what the container runs with. */
static bool seccomp_supplied(const rw_ctx_t *ctx, const char *tenant)
{
    cleanup_seccomp_config rw_seccomp_config_t *sc = NULL;
    rw_error_t *e = NULL;
    bool yes = false;
    if (rw_seccomp_config_parse(ctx->cfg->seccomp, ctx->cfg->path, &sc, &e) >= 0 && sc)
        yes = rw_seccomp_config_mode_for(sc, tenant) != RW_SECCOMP_PASSTHROUGH;
    rw_error_free(e);
    return yes;
}

static int run(rw_ctx_t *ctx, rw_error_t **err)
{
    cleanup_admission_config rw_admission_config_t *ac = NULL;
    int r = rw_admission_config_parse(ctx->cfg->admission, ctx->cfg->path, &ac, err);
    if (r < 0)
        return r;
    rw_adm_host_t host;
    rw_adm_host_detect(&host);
    host.bundle_path = ctx->bundle_path;
    host.own_hook = own_hook;

    size_t t = 0;
    char matched[160];
    if (ctx->spec) {
        long rule = -1;
        if ((r = rw_admission_match(ac, ctx->who, ctx->spec, &t, &rule)) < 0)
            return rw_error_set(err, -r, "cannot match the starter to a tenant");
        if (rule >= 0)
            snprintf(matched, sizeof(matched), "match[%ld]", rule);
        else
            snprintf(matched, sizeof(matched), "%s",
                     ctx->who ? "default" : "default (starter unknown)");
    } else if ((r = exec_tenant(ctx, ac, &t, matched, sizeof(matched), err)) < 0) {
        return r;
    }
    rw_adm_policy_t p;
    rw_admission_resolve(ac, t, ctx->cfg->mode, &p);
    host.audit_only = p.mode == RW_MODE_AUDIT;
    host.seccomp_supplied = seccomp_supplied(ctx, p.tenant->name);
    if ((r = set_tenant(ctx, &p)) < 0)
        return r;

    rw_adm_report_t rep = {0};
    if (ctx->spec) {
        /* No poststop hook forgets the tenant record: each hook costs the runtime a fork
         * and exec per container. The record names the runtime's state directory instead,
         * and outlives the container harmlessly until an exec or a sweep drops it. */
        r = rw_admission_evaluate(&p, ctx->spec, &host, &rep, err);
    } else {
        rw_adm_exec_flags_t fl = {
            .caps = ctx->inv->exec_caps,
            .n_caps = ctx->inv->n_exec_caps,
            .user = ctx->inv->exec_user,
            .apparmor = ctx->inv->exec_apparmor,
            .label = ctx->inv->exec_label,
        };
        r = rw_admission_evaluate_exec(&p, ctx->process, ctx->process ? NULL : &fl, &host, &rep,
                                       err);
    }
    if (r >= 0)
        r = record(ctx, &p, matched, &rep);
    rw_adm_report_clear(&rep);
    if (r < 0 && err && !*err)
        rw_error_set(err, -r, "admission: cannot record the decision");
    return r;
}

const rw_stage_t rw_stage_admission = {STAGE, applies, run};

/* ---- admission-commit: the side effect, after every other stage agreed ------------- */

/* At most one sweep a minute (a second while a backlog remains), of at most this many
 * directory entries (one lstat for a live container's): about 0.1 ms when it runs, and
 * a create pays one lstat of the stamp otherwise. */
#define SWEEP_INTERVAL_S 60
#define SWEEP_MAX_ENTRIES 12

static bool commit_applies(const rw_ctx_t *ctx)
{
    return ctx->cfg->admission && ctx->spec && ctx->tenant && !ctx->dry_run && ctx->inv->id &&
           rw_cli_cmd_builds_container(ctx->inv->cmd);
}

static int commit_run(rw_ctx_t *ctx, rw_error_t **err)
{
    /* A container that will be refused leaves nothing behind. */
    if (rw_findings_first(&ctx->findings, RW_SEV_REFUSE) && ctx->mode == RW_MODE_ENFORCE)
        return 0;
    if (!rw_admission_state_id_ok(ctx->inv->id))
        return 0;
    cleanup_admission_config rw_admission_config_t *ac = NULL;
    int r = rw_admission_config_parse(ctx->cfg->admission, ctx->cfg->path, &ac, err);
    if (r < 0)
        return r;
    if (ac->n_tenants < 2)
        return 0;
    long t = rw_admission_config_tenant(ac, ctx->tenant);
    rw_adm_level_t lvl = t >= 0 ? ac->tenants[t].level : RW_ADM_BASELINE;
    cleanup_free char *root = rw_runtime_root(ctx->inv, ctx->runtime_path);
    if (!root)
        return rw_error_set(err, ENOMEM, "admission: cannot name the runtime's state root");
    r = rw_admission_state_write(ac->state_dir, ctx->inv->id, ctx->tenant, lvl, root, err);
    /* Records of containers deleted since: rate-limited to a stat per create, bounded
     * per sweep; a failure to sweep never fails a create. */
    if (r >= 0)
        (void)rw_admission_state_sweep(ac->state_dir, root, SWEEP_INTERVAL_S, SWEEP_MAX_ENTRIES);
    return r;
}

const rw_stage_t rw_stage_admission_commit = {"admission-commit", commit_applies, commit_run};
