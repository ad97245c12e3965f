/* The Landlock step of stage "lsm": where AppArmor does not carry the tenant's file rules,
 * bind-mount the static launcher into the container and put it in front of process.args.
 * The ruleset and what this kernel's ABI cannot enforce go into the audit record. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../profiles/landlock.h"
#include "stage_lsm.h"

#define LSM "landlock"

static int status(rw_lsm_run_t *run, const char *st, const char *reason)
{
    int r = rw_lsm_fact(run, LSM, "status", json_string(st));
    return r < 0 || !reason ? r : rw_lsm_fact(run, LSM, "reason", json_string(reason));
}

/* The launcher runs as the container's first process: only root may have written it. */
static int check_launcher(const char *path, rw_error_t **err)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return rw_error_setsys(err, errno,
                               "Landlock launcher %s is missing: install runwarden-landlock or "
                               "set lsm.landlock.use to never",
                               path);
    if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111) || (st.st_mode & 022) ||
        (st.st_uid != 0 && st.st_uid != geteuid()))
        return rw_error_set(err, EPERM,
                            "Landlock launcher %s must be an executable file owned by root and "
                            "not writable by group or others",
                            path);
    return 0;
}

static bool has_cap(char **caps, const char *name)
{
    for (; caps && *caps; caps++)
        if (strcmp(*caps, name) == 0)
            return true;
    return false;
}

static bool has_opt(char **opts, const char *o)
{
    for (; opts && *opts; opts++)
        if (strcmp(*opts, o) == 0)
            return true;
    return false;
}

/* dest, or a directory above it */
static bool covers(const char *mount_dest, const char *dest)
{
    size_t n = strlen(mount_dest);
    while (n > 1 && mount_dest[n - 1] == '/')
        n--;
    return strncmp(dest, mount_dest, n) == 0 && (dest[n] == '\0' || dest[n] == '/' || n == 1);
}

/* The launcher's mount point is runwarden's: 0 absent, 1 ours (a re-run or a restore of a
 * spec we wrote), -1 someone else's, or ours shadowed by a later mount, which would put
 * another program in front of the container's. */
static int launcher_mount(const rw_spec_t *spec, const rw_lsm_config_t *c)
{
    int state = 0;
    for (size_t i = 0; i < spec->n_mounts; i++) {
        const rw_spec_mount_t *m = &spec->mounts[i];
        if (!m->destination)
            continue;
        if (strcmp(m->destination, c->landlock.destination) == 0) {
            bool ours = m->source && strcmp(m->source, c->landlock.launcher) == 0 &&
                        (!m->type || strcmp(m->type, "bind") == 0) && has_opt(m->options, "ro");
            if (!ours || state != 0)
                return -1;
            state = 1;
        } else if (state == 1 && covers(m->destination, c->landlock.destination)) {
            return -1;
        }
    }
    return state;
}

int rw_lsm_step_landlock(rw_lsm_run_t *run, rw_error_t **err)
{
    rw_ctx_t *ctx = run->ctx;
    const rw_lsm_config_t *c = run->cfg;
    const rw_lsm_tenant_t *t = run->tenant;
    if (!t->deny[0] && !t->read_only[0] && !t->read_write[0])
        return status(run, "not needed", "the tenant has no file rules");
    if (c->landlock.use == RW_LANDLOCK_NEVER)
        return status(run, "not enforced", "lsm.landlock.use is never");
    if (c->landlock.use == RW_LANDLOCK_FALLBACK && run->files_by_apparmor)
        return status(run, "not used", "AppArmor enforces the tenant's file rules");

    rw_landlock_plan_t plan;
    int r = rw_landlock_plan(c, t, rw_landlock_host_abi(), &plan);
    if (r < 0)
        return r;
    if ((r = rw_lsm_fact(run, LSM, "ruleset", json_incref(plan.report))) < 0)
        goto out;
    if (plan.abi <= 0) {
        char why[128];
        snprintf(why, sizeof(why), "the kernel offers no Landlock (%s)",
                 strerrorname_np(plan.abi_errno) ? strerrorname_np(plan.abi_errno) : "error");
        r = status(run, "not enforced", why);
        goto out;
    }
    if ((r = check_launcher(c->landlock.launcher, err)) < 0)
        goto out;

    json_t *prefix = json_array();
    for (char **a = plan.argv; prefix && *a; a++)
        json_array_append_new(prefix, json_string(*a));
    json_t *rec =
        json_pack("{s:o,s:i,s:O}", "args", prefix, "abi", plan.abi, "ruleset", plan.report);
    if (!rec || json_object_set_new(run->record, LSM, rec) < 0) {
        r = -ENOMEM;
        goto out;
    }
    int mstate = launcher_mount(ctx->spec, c);
    if (mstate < 0) {
        r = rw_lsm_refuse(run, "lsm.landlock-mount", "mounts", c->landlock.destination,
                          "remove this mount: the path is reserved to runwarden's Landlock "
                          "launcher");
        goto out;
    }
    if (mstate == 0) {
        const char *mk[] = {"mounts", NULL};
        json_t *m = rw_landlock_mount(c);
        if ((r = m ? rw_spec_append(ctx->spec, mk, m,
                                    "lsm: the Landlock launcher, bind-mounted read-only")
                   : -ENOMEM) < 0)
            goto out;
    }
    if ((r = rw_lsm_fact(run, LSM, "launcher", json_string(c->landlock.launcher))) < 0)
        goto out;
    if (ctx->inv->cmd == RW_CMD_RESTORE) {
        /* CRIU brings processes back with their old credentials: no ruleset is re-applied */
        r = rw_ctx_finding(ctx, RW_SEV_WARN, RW_LSM_STAGE, "lsm.landlock-restore", "restore",
                           ctx->inv->id,
                           "processes restored from a checkpoint are not under the tenant's "
                           "Landlock rules (later execs are); start the container afresh to "
                           "confine them");
        if (r >= 0)
            r = status(run, "not enforced",
                       "restored processes keep no Landlock ruleset; execs are confined");
        goto out;
    }
    const char *ak[] = {"process", "args", NULL};
    json_t *wrapped =
        rw_landlock_wrap_args(rw_spec_get(ctx->spec, ak), plan.argv, c->landlock.destination);
    if (!wrapped) {
        r = rw_error_set(err, EINVAL, "process.args: missing or not strings");
        goto out;
    }
    if ((r = rw_spec_set(ctx->spec, ak, wrapped,
                         "lsm: run the program under the tenant's Landlock file rules")) < 0)
        goto out;
    if (!ctx->spec->process.no_new_privileges &&
        !has_cap(ctx->spec->process.caps.bounding, "CAP_SYS_ADMIN") &&
        (r = rw_lsm_fact(run, LSM, "noNewPrivileges",
                         json_string("set by the launcher (Landlock requires it without "
                                     "CAP_SYS_ADMIN): setuid programs gain nothing"))) < 0)
        goto out;
    run->landlock_enforced = true;
    r = status(run, "enforced", NULL);
out:
    rw_landlock_plan_clear(&plan);
    return r;
}
