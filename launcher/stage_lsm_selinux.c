/* The SELinux step of stage "lsm": label=disable against the tenant's level; an engine's
 * label kept when its type is a container type and its MCS pair is not another container's;
 * otherwise labels computed as podman would, on a pair reserved host-wide. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "../profiles/selinux.h"
#include "stage_lsm.h"

#define LSM "selinux"
#define PODMAN_LABEL_ANNOTATION "io.podman.annotations.label"

bool rw_lsm_selinux_disable_requested(const rw_spec_t *spec)
{
    const char *a = rw_spec_annotation(spec, PODMAN_LABEL_ANNOTATION);
    if (a) {
        const char *p = a;
        while (*p) {
            size_t n = strcspn(p, ",");
            if (n == 7 && strncmp(p, "disable", 7) == 0)
                return true;
            p += n;
            if (*p)
                p++;
        }
    }
    /* go-selinux's label=disable: no process label, the privileged mount label */
    const char *ml = spec->mount_label;
    const char *suffix = ":s0:c1022,c1023";
    size_t n = ml ? strlen(ml) : 0, sn = strlen(suffix);
    return (!spec->process.selinux_label || !*spec->process.selinux_label) && n > sn &&
           strcmp(ml + n - sn, suffix) == 0;
}

static int status(rw_lsm_run_t *run, const char *st, const char *reason)
{
    int r = rw_lsm_fact(run, LSM, "status", json_string(st));
    return r < 0 || !reason ? r : rw_lsm_fact(run, LSM, "reason", json_string(reason));
}

/* The process types podman may give a container, from the contexts file. */
static bool allowed_type(const rw_selinux_contexts_t *cx, const char *type)
{
    static const char *const keys[] = {"process", "init_process", "kvm_process"};
    for (size_t i = 0; i < RW_ARRAY_SIZE(keys); i++) {
        const char *v = rw_selinux_contexts_get(cx, keys[i]);
        rw_selinux_context_t c;
        if (!v || rw_selinux_context_parse(v, &c) < 0)
            continue;
        bool same = strcmp(c.type, type) == 0;
        rw_selinux_context_clear(&c);
        if (same)
            return true;
    }
    return false;
}

static int keep_engine_label(rw_lsm_run_t *run, const rw_selinux_contexts_t *cx,
                             const rw_mcs_pool_t *pool, const char *label, rw_error_t **err)
{
    rw_ctx_t *ctx = run->ctx;
    rw_selinux_context_t c;
    if (rw_selinux_context_parse(label, &c) < 0)
        return rw_lsm_refuse(run, "lsm.selinux-label", "process.selinuxLabel", label,
                             "give a label user:role:type:level");
    unsigned a = 0, b = 0;
    bool type_ok = allowed_type(cx, c.type);
    bool mcs_ok = c.level && rw_selinux_mcs_parse(c.level, &a, &b) == 0;
    cleanup_free char *level = c.level ? strdup(c.level) : NULL;
    rw_selinux_context_clear(&c);
    if (!type_ok)
        return rw_lsm_refuse(run, "lsm.selinux-type", "process.selinuxLabel", label,
                             "use a container process type from the contexts file (process, "
                             "init_process, kvm_process) or let runwarden choose the label");
    if (!mcs_ok)
        return rw_lsm_refuse(run, "lsm.selinux-level", "process.selinuxLabel", label,
                             "the level must be one private MCS pair s0:cA,cB so containers "
                             "cannot read each other's files");
    int r = rw_lsm_fact(run, LSM, "source", json_string("engine"));
    if (r >= 0)
        r = rw_lsm_fact(run, LSM, "processLabel", json_string(label));
    if (r >= 0 && ctx->spec->mount_label)
        r = rw_lsm_fact(run, LSM, "mountLabel", json_string(ctx->spec->mount_label));
    if (r < 0 || ctx->dry_run)
        return r < 0 ? r : status(run, "enforced (pair reserved at create)", NULL);
    cleanup_free char *holder = NULL;
    r = rw_mcs_reserve(pool, run->root, run->id, level, &holder, err);
    if (r == -EEXIST) {
        char fix[300];
        snprintf(fix, sizeof(fix),
                 "MCS pair %s already belongs to container %s; recreate the container so the "
                 "engine picks another pair",
                 level, holder ? holder : "(unknown)");
        return rw_lsm_refuse(run, "lsm.selinux-mcs-in-use", "process.selinuxLabel", label, fix);
    }
    if (r < 0)
        return r;
    json_t *rec = json_pack("{s:s,s:s,s:b}", "level", level, "processLabel", label, "reserved", 1);
    if (!rec || json_object_set_new(run->record, LSM, rec) < 0)
        return -ENOMEM;
    run->selinux_enforced = true;
    return status(run, "enforced", NULL);
}

static int choose_labels(rw_lsm_run_t *run, const rw_selinux_contexts_t *cx,
                         const rw_mcs_pool_t *pool, rw_error_t **err)
{
    rw_ctx_t *ctx = run->ctx;
    int r = rw_lsm_fact(run, LSM, "source", json_string("runwarden"));
    if (r < 0)
        return r;
    if (ctx->dry_run) {
        /* no reservation from a dry run: show the labels with the pair left open */
        cleanup_free char *proc = NULL, *mount = NULL;
        if ((r = rw_selinux_labels(cx, "s0:cA,cB", &proc, &mount)) < 0)
            return rw_error_set(err, -r, "SELinux contexts %s: bad process or file context",
                                cx->path);
        if ((r = rw_lsm_fact(run, LSM, "processLabel", json_string(proc))) < 0 ||
            (r = rw_lsm_fact(run, LSM, "mountLabel", json_string(mount))) < 0)
            return r;
        return status(run, "enforced (pair reserved at create)", NULL);
    }
    cleanup_free char *level = NULL, *proc = NULL, *mount = NULL;
    if ((r = rw_mcs_allocate(pool, run->root, run->id, &level, err)) < 0)
        return r;
    if ((r = rw_selinux_labels(cx, level, &proc, &mount)) < 0) {
        (void)rw_mcs_release(pool, run->root, run->id, NULL);
        return rw_error_set(err, -r, "SELinux contexts %s: bad process or file context", cx->path);
    }
    if (!*proc) {
        (void)rw_mcs_release(pool, run->root, run->id, NULL);
        return status(run, "not enforced", "the contexts file has no process or file context");
    }
    const char *pk[] = {"process", "selinuxLabel", NULL};
    const char *mk[] = {"linux", "mountLabel", NULL};
    if ((r = rw_spec_set(ctx->spec, pk, json_string(proc),
                         "lsm: SELinux process label with a host-wide unique MCS pair")) < 0 ||
        (r = rw_spec_set(ctx->spec, mk, json_string(mount),
                         "lsm: SELinux mount label, same MCS pair")) < 0)
        return r;
    json_t *rec = json_pack("{s:s,s:s,s:b}", "level", level, "processLabel", proc, "reserved", 1);
    if (!rec || json_object_set_new(run->record, LSM, rec) < 0)
        return -ENOMEM;
    if ((r = rw_lsm_fact(run, LSM, "processLabel", json_string(proc))) < 0 ||
        (r = rw_lsm_fact(run, LSM, "mountLabel", json_string(mount))) < 0)
        return r;
    run->selinux_enforced = true;
    return status(run, "enforced", NULL);
}

int rw_lsm_step_selinux(rw_lsm_run_t *run, rw_error_t **err)
{
    return rw_lsm_step_selinux_host(run, rw_selinux_host_enabled(), err);
}

int rw_lsm_step_selinux_host(rw_lsm_run_t *run, bool host_enabled, rw_error_t **err)
{
    rw_ctx_t *ctx = run->ctx;
    const rw_lsm_config_t *c = run->cfg;
    if (!c->selinux.enabled)
        return status(run, "not enforced", "lsm.selinux.enabled is false");
    int r = 0;
    if (rw_lsm_selinux_disable_requested(ctx->spec)) {
        if ((r = rw_lsm_fact(run, LSM, "requested", json_string("label=disable"))) < 0)
            return r;
        if (!rw_lsm_allows_label_disable(run))
            return rw_lsm_refuse(run, "lsm.selinux-disable", "annotations." PODMAN_LABEL_ANNOTATION,
                                 "disable",
                                 "remove `--security-opt label=disable`: only tenants with "
                                 "allowLabelDisable (or level privileged) may run unlabelled");
        return status(run, "not enforced", "label=disable, as the tenant may request");
    }
    if (!host_enabled)
        return status(run, "not enforced",
                      "SELinux is not enabled on this host (no selinuxfs at /sys/fs/selinux)");
    rw_selinux_contexts_t cx;
    if ((r = rw_selinux_contexts_load(c->selinux.contexts, &cx, err)) < 0)
        return r;
    if (!cx.path) {
        rw_selinux_contexts_clear(&cx);
        return status(run, "not enforced",
                      "no contexts file (" RW_SELINUX_CONTAINERS_CONTEXTS " or lxc_contexts)");
    }
    r = rw_lsm_fact(run, LSM, "contexts", json_string(cx.path));
    rw_mcs_pool_t pool = {c->selinux.mcs_dir, c->selinux.cat_min, c->selinux.cat_max};
    const char *label = ctx->spec->process.selinux_label;
    if (r >= 0)
        r = label && *label ? keep_engine_label(run, &cx, &pool, label, err)
                            : choose_labels(run, &cx, &pool, err);
    rw_selinux_contexts_clear(&cx);
    return r;
}
