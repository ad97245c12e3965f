/* Stage "lsm-exec": an exec enters a container under the same LSM rules as its first
 * process. The container's record (written at create) gives the AppArmor profile, the MCS
 * level and the Landlock launcher prefix. With `exec --process FILE` (podman, containerd,
 * docker, CRI-O) the launcher goes in front of the process.json args; an inline command
 * (`runc exec ID CMD...`) cannot be rewritten without changing the argv runwarden forwards
 * untouched, so it is refused for containers under Landlock rules. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "../profiles/landlock.h"
#include "../profiles/lsm_state.h"
#include "../profiles/selinux.h"
#include "stage_lsm.h"
#include "stages.h"

static int exec_apparmor(rw_lsm_run_t *run, json_t *rec)
{
    rw_ctx_t *ctx = run->ctx;
    rw_spec_t *proc = ctx->process;
    const char *req = proc ? proc->process.apparmor_profile : ctx->inv->exec_apparmor;
    const char *field = proc ? "process.apparmorProfile" : "exec --apparmor";
    if (req && strcmp(req, "unconfined") == 0) {
        if (!rw_lsm_allows_unconfined(run))
            return rw_lsm_refuse(run, "lsm.exec-apparmor-unconfined", field, req,
                                 "exec under the container's profile: only tenants with "
                                 "allowUnconfined (or level privileged) may exec unconfined");
        return rw_lsm_fact(run, "apparmor", "requested", json_string(req));
    }
    const char *profile =
        json_string_value(json_object_get(json_object_get(rec, "apparmor"), "profile"));
    if (!profile)
        return 0;
    if (req && *req && strcmp(req, profile) != 0 && !rw_lsm_apparmor_engine_default(req) &&
        !rw_lsm_allows_custom_apparmor(run))
        return rw_lsm_refuse(run, "lsm.exec-apparmor", field, req,
                             "exec under the container's AppArmor profile");
    if (req && *req && strcmp(req, profile) != 0 && !proc && rw_lsm_apparmor_engine_default(req))
        return rw_lsm_refuse(run, "lsm.exec-apparmor", field, req,
                             "drop --apparmor: the container runs under runwarden's profile");
    if (proc && (!req || !*req || rw_lsm_apparmor_engine_default(req))) {
        /* the engine names its own default; the container runs under runwarden's */
        const char *keys[] = {"apparmorProfile", NULL};
        int r = rw_spec_set(proc, keys, json_string(profile),
                            "lsm: exec under the container's AppArmor profile");
        if (r < 0)
            return r;
    }
    return rw_lsm_fact(run, "apparmor", "profile", json_string(profile));
}

static int exec_selinux(rw_lsm_run_t *run, json_t *rec)
{
    rw_ctx_t *ctx = run->ctx;
    const char *req = ctx->process ? ctx->process->process.selinux_label : ctx->inv->exec_label;
    const char *level =
        json_string_value(json_object_get(json_object_get(rec, "selinux"), "level"));
    if (!level || !req || !*req)
        return 0;
    rw_selinux_context_t c;
    bool same = rw_selinux_context_parse(req, &c) == 0 && c.level && strcmp(c.level, level) == 0;
    rw_selinux_context_clear(&c);
    if (!same)
        return rw_lsm_refuse(run, "lsm.exec-selinux",
                             ctx->process ? "process.selinuxLabel" : "exec --process-label", req,
                             "exec with the container's own MCS level (or no label at all)");
    return rw_lsm_fact(run, "selinux", "level", json_string(level));
}

static int exec_landlock(rw_lsm_run_t *run, json_t *rec, rw_error_t **err)
{
    rw_ctx_t *ctx = run->ctx;
    json_t *ll = json_object_get(rec, "landlock");
    json_t *args = json_object_get(ll, "args");
    if (!json_is_array(args) || json_array_size(args) == 0)
        return 0;
    size_t n = json_array_size(args);
    cleanup_strv char **prefix = calloc(n + 1, sizeof(char *));
    if (!prefix)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(args, i));
        if (!s)
            return rw_error_set(err, EINVAL, "lsm: the container's record is damaged");
        if (!(prefix[i] = strdup(s)))
            return -ENOMEM;
    }
    json_t *abi = json_object_get(ll, "abi");
    int r = json_is_integer(abi) ? rw_lsm_fact(run, "landlock", "abi", json_incref(abi)) : 0;
    if (r < 0)
        return r;
    if (!ctx->process)
        return rw_lsm_refuse(run, "lsm.exec-inline", "exec", "inline command",
                             "use `exec --process FILE`, as podman, containerd and docker do: "
                             "an inline command cannot be put under the container's Landlock "
                             "rules");
    const char *keys[] = {"args", NULL};
    json_t *wrapped = rw_landlock_wrap_args(rw_spec_get(ctx->process, keys), prefix, prefix[0]);
    if (!wrapped)
        return rw_error_set(err, EINVAL, "%s: args: missing or not strings",
                            ctx->process_display ? ctx->process_display : "process.json");
    if ((r = rw_spec_set(ctx->process, keys, wrapped,
                         "lsm: run under the container's Landlock file rules")) < 0)
        return r;
    /* the container's ruleset, as the audit record of its create showed it */
    json_t *rs = json_object_get(ll, "ruleset");
    if ((r = rw_lsm_fact(run, "landlock", "ruleset", rs ? json_incref(rs) : json_object())) < 0 ||
        (r = rw_lsm_fact(run, "landlock", "args", json_incref(args))) < 0)
        return r;
    return rw_lsm_fact(run, "landlock", "status", json_string("enforced"));
}

static int run(rw_ctx_t *ctx, rw_error_t **err)
{
    rw_lsm_run_t run;
    int r = rw_lsm_run_init(&run, ctx, err);
    json_t *rec = NULL;
    if (r >= 0 && run.id)
        r = rw_lsm_record_read(run.cfg->state_dir, run.key, &rec, err);
    const char *rec_tenant = json_string_value(json_object_get(rec, "tenant"));
    if (r >= 0 && rec_tenant) {
        /* judged by the container's tenant, whoever runs the exec */
        run.tenant = rw_lsm_config_tenant(run.cfg, rec_tenant);
        run.tenant_name = rec_tenant;
    }
    if (r >= 0)
        r = rw_lsm_fact(&run, "tenant", "name", json_string(run.tenant_name));
    if (r >= 0)
        r = rw_ctx_fact(ctx, RW_LSM_STAGE, "containerRecord", json_boolean(rec != NULL));
    if (r >= 0)
        r = exec_apparmor(&run, rec);
    if (r >= 0 && rec)
        r = exec_selinux(&run, rec);
    if (r >= 0 && rec)
        r = exec_landlock(&run, rec, err);
    if (rec)
        json_decref(rec);
    rw_lsm_run_clear(&run);
    return r;
}

static bool applies(const rw_ctx_t *ctx)
{
    return ctx->inv->cmd == RW_CMD_EXEC && ctx->cfg->lsm;
}

const rw_stage_t rw_stage_lsm_exec = {"lsm-exec", applies, run};
