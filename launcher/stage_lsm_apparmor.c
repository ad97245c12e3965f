/* The AppArmor step of stage "lsm": `unconfined` and custom profiles against the tenant's
 * level, then runwarden's generated profile (template + tenant rules), always checked by
 * apparmor_parser, set on the container only where the kernel enforces AppArmor. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "../profiles/apparmor.h"
#include "stage_lsm.h"

#define LSM "apparmor"
#define PODMAN_APPARMOR_ANNOTATION "io.podman.annotations.apparmor"

bool rw_lsm_apparmor_engine_default(const char *name)
{
    /* podman/CRI-O (containers/common), docker, containerd's CRI */
    return strncmp(name, "containers-default-", 19) == 0 || strcmp(name, "docker-default") == 0 ||
           strncmp(name, "cri-containerd.apparmor.d", 25) == 0;
}

static int not_enforced(rw_lsm_run_t *run, const char *reason)
{
    int r = rw_lsm_fact(run, LSM, "status", json_string("not enforced"));
    return r < 0 ? r : rw_lsm_fact(run, LSM, "reason", json_string(reason));
}

int rw_lsm_step_apparmor(rw_lsm_run_t *run, rw_error_t **err)
{
    rw_ctx_t *ctx = run->ctx;
    const rw_lsm_config_t *c = run->cfg;
    if (!c->apparmor.enabled)
        return not_enforced(run, "lsm.apparmor.enabled is false");
    const char *cur = ctx->spec->process.apparmor_profile;
    const char *field = "process.apparmorProfile";
    if (!cur || !*cur) {
        /* podman records --security-opt apparmor=X here, and leaves the spec empty on a
         * host without AppArmor: the request still says what the tenant asked for */
        cur = rw_spec_annotation(ctx->spec, PODMAN_APPARMOR_ANNOTATION);
        field = "annotations." PODMAN_APPARMOR_ANNOTATION;
    }
    bool kernel = rw_apparmor_kernel_enabled();
    int r = rw_lsm_fact(run, LSM, "kernel", json_string(kernel ? "enabled" : "not enabled"));
    if (r < 0)
        return r;

    if (cur && strcmp(cur, "unconfined") == 0) {
        if ((r = rw_lsm_fact(run, LSM, "requested", json_string(cur))) < 0)
            return r;
        if (!rw_lsm_allows_unconfined(run))
            return rw_lsm_refuse(run, "lsm.apparmor-unconfined", field, cur,
                                 "remove `--security-opt apparmor=unconfined`: only tenants "
                                 "with allowUnconfined (or level privileged) may run without "
                                 "runwarden's AppArmor profile");
        return not_enforced(run, "unconfined, as the tenant may request");
    }
    if (cur && *cur && !rw_lsm_apparmor_engine_default(cur)) {
        if ((r = rw_lsm_fact(run, LSM, "requested", json_string(cur))) < 0)
            return r;
        if (!rw_lsm_allows_custom_apparmor(run))
            return rw_lsm_refuse(run, "lsm.apparmor-custom", field, cur,
                                 "drop the custom AppArmor profile so runwarden's applies, or "
                                 "set allowCustomApparmor for the tenant in lsm.tenants");
        run->apparmor_enforced = kernel;
        if ((r = rw_lsm_fact(run, LSM, "profile", json_string(cur))) < 0)
            return r;
        return kernel ? rw_lsm_fact(run, LSM, "status", json_string("enforced (custom)"))
                      : not_enforced(run, "AppArmor is not enabled in this kernel");
    }

    rw_apparmor_host_t h;
    rw_apparmor_profile_t p = {0};
    rw_error_t *e = NULL;
    if ((r = rw_apparmor_host_probe(c, ctx->dry_run, &h, &e)) >= 0 && !h.parser)
        r = rw_error_set(&e, ENOENT, "apparmor_parser is not installed");
    if (r >= 0)
        r = rw_apparmor_generate(c, run->tenant, &h, &p, &e);
    if (r >= 0)
        r = rw_apparmor_cache_ensure(c, &h, &p, ctx->dry_run, &e);
    if (r < 0) {
        rw_error_prefix(&e, "AppArmor profile of tenant %s", run->tenant->name);
        if (kernel) {
            /* the kernel would enforce it: no profile, no start (unless failOpen) */
            if (err && !*err)
                *err = TAKE_PTR(e);
            goto out;
        }
        /* nothing would be enforced anyway: a profile that does not build is said loudly
         * (a missing parser or template only in the record); lsm.required decides */
        if (e && e->code == ENOENT) {
            r = not_enforced(run, e->msg);
            goto out;
        }
        r = rw_ctx_finding(ctx, RW_SEV_WARN, RW_LSM_STAGE, "lsm.apparmor-profile",
                           "lsm.apparmor.template", c->apparmor.template_path,
                           e ? e->msg : "the profile could not be built");
        if (r >= 0)
            r = not_enforced(run, e ? e->msg : "the profile could not be built");
        goto out;
    }
    char ver[32];
    snprintf(ver, sizeof(ver), "%d.%d.%d", h.version / 100000, (h.version / 1000) % 100,
             h.version % 1000);
    if ((r = rw_lsm_fact(run, LSM, "profile", json_string(p.name))) < 0 ||
        (r = rw_lsm_fact(run, LSM, "sha256", json_string(p.key))) < 0 ||
        (r = rw_lsm_fact(run, LSM, "cache", json_string(p.cache_hit ? "hit" : "miss"))) < 0 ||
        (r = rw_lsm_fact(run, LSM, "parser", json_string(ver))) < 0)
        goto out;
    if (json_array_size(p.limits) &&
        (r = rw_lsm_fact(run, LSM, "stricterThanWritten", json_incref(p.limits))) < 0)
        goto out;
    if (!kernel) {
        r = not_enforced(run, "AppArmor is not enabled in this kernel "
                              "(/sys/module/apparmor/parameters/enabled); the profile was "
                              "generated and checked by apparmor_parser, not loaded");
        goto out;
    }
    const char *keys[] = {"process", "apparmorProfile", NULL};
    r = rw_spec_set(ctx->spec, keys, json_string(p.name),
                    "lsm: runwarden's AppArmor profile for the tenant (containers default + "
                    "tenant rules)");
    if (r < 0)
        goto out;
    json_t *rec = json_pack("{s:s,s:s,s:b}", "profile", p.name, "cache", p.cache_path, "kernel", 1);
    if (!rec || json_object_set_new(run->record, LSM, rec) < 0) {
        r = -ENOMEM;
        goto out;
    }
    run->apparmor_enforced = run->files_by_apparmor = true;
    r = rw_lsm_fact(run, LSM, "status",
                    json_string(ctx->dry_run ? "enforced (at create)" : "enforced"));
out:
    rw_error_free(e);
    rw_apparmor_profile_clear(&p);
    rw_apparmor_host_clear(&h);
    return r;
}
