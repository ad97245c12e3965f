/* Stage "mounts": mounts.conf secrets for every container from any engine. The listed
 * host content is copied into SECRETS_DIR/ID (owned by what container root maps to,
 * labelled with the container's mount label under SELinux) and bind-mounted read-only,
 * unless the engine already mounts that destination (podman does mounts.conf itself). A
 * poststop hook removes the copy. FIPS hosts get what containers-common 0.50.1 gives.
 * Runs last: nothing is copied for a container another stage refuses. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../conf/config_mounts.h"
#include "../audit/runtime_state.h"
#include "../conf/mounts_conf.h"
#include "../policy/admission.h"
#include "hook_env.h"
#include "secrets_copy.h"
#include "stages.h"

#define STAGE "mounts"
#define FIPS_SECRETS "/run/secrets"
#define FIPS_BACKENDS_SRC "usr/share/crypto-policies/back-ends/FIPS"
#define FIPS_BACKENDS_DST "/etc/crypto-policies/back-ends"

typedef struct planned {
    char *source, *dest;
} planned_t;

typedef struct plan {
    planned_t *m;
    size_t n;
} plan_t;

static void plan_clear(plan_t *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->m[i].source);
        free(p->m[i].dest);
    }
    free(p->m);
    p->m = NULL;
    p->n = 0;
}

static int plan_add(plan_t *p, const char *source, const char *dest)
{
    planned_t *n = realloc(p->m, (p->n + 1) * sizeof(*n));
    if (!n)
        return -ENOMEM;
    p->m = n;
    n[p->n].source = strdup(source);
    n[p->n].dest = strdup(dest);
    if (!n[p->n].source || !n[p->n].dest)
        return -ENOMEM;
    p->n++;
    return 0;
}

/* The destination is mounted by the engine, or planned already (the first one wins). */
static bool dest_taken(const rw_spec_t *s, const plan_t *p, const char *dest)
{
    for (size_t i = 0; i < s->n_mounts; i++) {
        cleanup_free char *d = rw_adm_path_clean(NULL, s->mounts[i].destination);
        if (d && strcmp(d, dest) == 0)
            return true;
    }
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->m[i].dest, dest) == 0)
            return true;
    return false;
}

/* What container root maps to, as podman's RootUID/RootGID compute it. */
static uint32_t root_id(const rw_spec_idmap_t *m, size_t n)
{
    if (n == 1 && m[0].size == 1)
        return m[0].host_id;
    for (size_t i = 0; i < n; i++)
        if (m[i].container_id == 0)
            return m[i].host_id;
    return 0;
}

static bool applies(const rw_ctx_t *ctx)
{
    return ctx->spec && rw_cli_cmd_builds_container(ctx->inv->cmd);
}

static json_t *mount_entry(const char *source, const char *dest, bool writable)
{
    json_t *opts =
        writable ? json_pack("[ss]", "bind", "rprivate")
                 : json_pack("[ssssss]", "bind", "rprivate", "ro", "nosuid", "nodev", "noexec");
    if (!opts)
        return NULL;
    return json_pack("{s:s,s:s,s:s,s:o}", "destination", dest, "type", "bind", "source", source,
                     "options", opts);
}

/* <rootfs>/usr/share/crypto-policies/back-ends/FIPS resolved inside the rootfs (an image
 * link cannot point the bind at the host), as an absolute host path; NULL when absent. */
static char *fips_backends(const rw_ctx_t *ctx)
{
    const char *root = ctx->spec->root_path;
    if (!root)
        return NULL;
    cleanup_close int rootfd =
        openat(root[0] == '/' ? AT_FDCWD : ctx->bundle_fd, root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return NULL;
    struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
    cleanup_close int fd = (int)syscall(SYS_openat2, rootfd, FIPS_BACKENDS_SRC, &how, sizeof(how));
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))
        return NULL;
    char p[64], target[4096];
    snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(p, target, sizeof(target) - 1);
    if (n <= 0)
        return NULL;
    target[n] = '\0';
    return strdup(target);
}

typedef struct job {
    rw_ctx_t *ctx;
    const rw_mounts_config_t *mc;
    rw_secrets_copy_t copy;
    plan_t plan;
    char *dir; /* SECRETS_DIR/ID */
    json_t *copied, *skipped;
    bool wrote;
} job_t;

static int skip(job_t *j, const char *dest, const char *why)
{
    return json_array_append_new(j->skipped,
                                 json_pack("{s:s,s:s}", "destination", dest, "reason", why)) < 0
               ? -ENOMEM
               : 0;
}

/* One mounts.conf line. > 0: processing failed (the whole file is dropped, as upstream). */
static int do_entry(job_t *j, const rw_mounts_entry_t *e, rw_error_t **err)
{
    cleanup_free char *dest = rw_adm_path_clean(NULL, e->dest);
    if (!dest)
        return -ENOMEM;
    if (dest_taken(j->ctx->spec, &j->plan, dest))
        return skip(j, dest, "already mounted by the engine");
    struct stat st;
    if (stat(e->host, &st) < 0) {
        if (errno == ENOENT)
            return skip(j, dest, "source does not exist");
        rw_error_setsys(err, errno, "%s (line %u): cannot stat", e->host, e->line);
        return 1;
    }
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
        rw_error_set(err, EINVAL, "%s (line %u): unsupported file type", e->host, e->line);
        return 1;
    }
    json_t *files = json_array();
    if (!files)
        return -ENOMEM;
    int r = rw_secrets_add(&j->copy, e->host, dest, files, err);
    if (r < 0) {
        json_decref(files);
        return r == -ENOMEM ? r : 1;
    }
    cleanup_free char *src = NULL;
    if (asprintf(&src, "%s%s", j->dir, dest) < 0) {
        json_decref(files);
        return -ENOMEM;
    }
    if ((r = plan_add(&j->plan, src, dest)) < 0) {
        json_decref(files);
        return r;
    }
    j->wrote = true;
    return json_array_append_new(j->copied, json_pack("{s:s,s:s,s:o}", "host", e->host,
                                                      "destination", dest, "files", files)) < 0
               ? -ENOMEM
               : 0;
}

static int do_fips(job_t *j, rw_error_t **err)
{
    struct stat st;
    if (!j->mc->fips || stat(j->mc->fips_file, &st) < 0)
        return 0;
    int r = rw_secrets_add_empty(&j->copy, FIPS_SECRETS "/system-fips", err);
    if (r < 0)
        return r == -ENOMEM ? r : 1;
    j->wrote = true;
    if (!dest_taken(j->ctx->spec, &j->plan, FIPS_SECRETS)) {
        cleanup_free char *src = NULL;
        if (asprintf(&src, "%s%s", j->dir, FIPS_SECRETS) < 0)
            return -ENOMEM;
        if ((r = plan_add(&j->plan, src, FIPS_SECRETS)) < 0)
            return r;
    }
    cleanup_free char *be = fips_backends(j->ctx);
    if (be && !dest_taken(j->ctx->spec, &j->plan, FIPS_BACKENDS_DST) &&
        (r = plan_add(&j->plan, be, FIPS_BACKENDS_DST)) < 0)
        return r;
    return rw_ctx_fact(j->ctx, STAGE, "fips", json_true());
}

static int apply_plan(job_t *j)
{
    int r = 0;
    for (size_t i = 0; i < j->plan.n && r >= 0; i++) {
        json_t *m = mount_entry(j->plan.m[i].source, j->plan.m[i].dest, j->mc->allow_write);
        const char *keys[] = {"mounts", NULL};
        r = m ? rw_spec_append(j->ctx->spec, keys, m,
                               "mounts.conf: host content copied for "
                               "this container")
              : -ENOMEM;
    }
    if (r >= 0 && j->wrote)
        r = rw_hook_env_append(j->ctx->spec, "poststop", "mounts-cleanup", 10,
                               "mounts.conf: remove the container's copy when it is deleted");
    return r;
}

static int run_job(job_t *j, const rw_mounts_conf_t *conf, rw_error_t **err)
{
    rw_ctx_t *ctx = j->ctx;
    rw_error_t *perr = NULL;
    int r = 0;
    for (size_t i = 0; conf && i < conf->n && r == 0; i++)
        r = do_entry(j, &conf->entries[i], &perr);
    if (r == 0)
        r = do_fips(j, &perr);
    if (r == 0 && j->plan.n && (r = rw_secrets_commit(&j->copy, &perr)) < 0)
        r = r == -ENOMEM ? r : 1;
    if (r > 0) {
        /* As podman: a file that cannot be processed gives no mounts, and a warning. */
        r = rw_ctx_finding(ctx, RW_SEV_WARN, STAGE, "mounts.conf-failed",
                           conf ? conf->file : "mounts.conf",
                           perr ? perr->msg : "cannot process it",
                           "no mounts.conf content is mounted; fix the file or its sources");
        rw_error_free(perr);
        return r;
    }
    rw_error_free(perr);
    if (r < 0)
        return rw_error_set(err, -r, "mounts: out of memory");
    if ((r = apply_plan(j)) < 0)
        return rw_error_set(err, -r, "mounts: cannot add the mounts to the spec");
    if (json_array_size(j->copied) &&
        (r = rw_ctx_fact(ctx, STAGE, "copied", json_incref(j->copied))) < 0)
        return r;
    if (j->plan.n && (r = rw_ctx_fact(ctx, STAGE, "dir", json_string(j->dir))) < 0)
        return r;
    return 0;
}

/* A bundle runwarden already ran once (plain runc/crun users reuse bundles) holds binds of
 * an earlier container's copy: they are runwarden's, not the engine's, and their source is
 * gone with that container. Drop them; this container gets its own. */
static int drop_stale_copies(rw_ctx_t *ctx, const char *base)
{
    size_t bl = strlen(base);
    bool stale = false;
    for (size_t i = 0; i < ctx->spec->n_mounts && !stale; i++) {
        const char *src = ctx->spec->mounts[i].source;
        stale = src && strncmp(src, base, bl) == 0 && src[bl] == '/';
    }
    if (!stale)
        return 0;
    static const char *const keys[] = {"mounts", NULL};
    json_t *mounts = rw_spec_get(ctx->spec, keys);
    json_t *kept = json_array();
    if (!kept)
        return -ENOMEM;
    size_t i;
    json_t *m;
    json_array_foreach(mounts, i, m)
    {
        const char *src = json_string_value(json_object_get(m, "source"));
        if (!(src && strncmp(src, base, bl) == 0 && src[bl] == '/'))
            json_array_append(kept, m);
    }
    return rw_spec_set(ctx->spec, keys, kept,
                       "mounts.conf: drop the binds of an earlier container's copy");
}

static int run(rw_ctx_t *ctx, rw_error_t **err)
{
    if (rw_findings_first(&ctx->findings, RW_SEV_REFUSE) && ctx->mode == RW_MODE_ENFORCE)
        return 0;
    cleanup_mounts_config rw_mounts_config_t *mc = NULL;
    int r = rw_mounts_config_parse(ctx->cfg->mounts, ctx->cfg->path, &mc, err);
    if (r < 0 || !mc->enabled)
        return r;

    cleanup_free char *base = rw_secrets_base_dir(mc);
    if (!base)
        return -ENOMEM;
    if ((r = drop_stale_copies(ctx, base)) < 0)
        return rw_error_set(err, -r, "mounts: cannot update the spec");

    cleanup_free char *user_file =
        rw_secrets_rootless() ? rw_mounts_conf_user_path(getenv("HOME")) : NULL;
    cleanup_free char *path = NULL;
    if ((r = rw_mounts_conf_pick(mc->mounts_file, rw_secrets_rootless(), user_file, NULL, NULL,
                                 &path)) < 0)
        return r;
    cleanup_mounts_conf rw_mounts_conf_t *conf = NULL;
    if (path) {
        rw_error_t *le = NULL;
        if (rw_mounts_conf_load(path, &conf, &le) < 0) {
            /* Upstream reads an unreadable file as empty; say so. */
            r = rw_ctx_finding(ctx, RW_SEV_WARN, STAGE, "mounts.conf-unreadable", path,
                               le ? le->msg : "cannot read", "no mounts.conf content is mounted");
            rw_error_free(le);
            if (r < 0)
                return r;
        } else if ((r = rw_ctx_fact(ctx, STAGE, "file", json_string(path))) < 0) {
            return r;
        }
    }
    struct stat st;
    bool fips = mc->fips && stat(mc->fips_file, &st) == 0;
    if ((!conf || conf->n == 0) && !fips)
        return 0;

    const char *id = ctx->inv->id;
    if (!id || !rw_admission_state_id_ok(id))
        return rw_ctx_finding(ctx, RW_SEV_WARN, STAGE, "mounts.container-id", "id",
                              id ? id : "(none)",
                              "no mounts.conf content is mounted for a container without a "
                              "plain id");
    /* Copies of containers that vanished without their poststop hook; a minute's grace
     * covers a create whose runtime has not made its state directory yet. */
    if (!ctx->dry_run)
        (void)rw_secrets_gc(base, 60, 16);
    cleanup_free char *rt_root =
        ctx->inv->root ? strdup(ctx->inv->root) : rw_audit_runtime_default_root(ctx->runtime_path);
    cleanup_free char *rt_state = NULL;
    if (rt_root && rt_root[0] == '/' && asprintf(&rt_state, "%s/%s", rt_root, id) < 0)
        rt_state = NULL;
    job_t j = {.ctx = ctx, .mc = mc};
    j.copy = (rw_secrets_copy_t){
        .runtime_state = rt_state,
        .dry_run = ctx->dry_run,
        .max_file_size = mc->max_file_size,
        .max_total_size = mc->max_total_size,
        .max_files = mc->max_files,
        .symlinks = mc->symlinks,
        .uid = root_id(ctx->spec->uid_mappings, ctx->spec->n_uid_mappings),
        .gid = root_id(ctx->spec->gid_mappings, ctx->spec->n_gid_mappings),
        .selinux_label =
            access("/sys/fs/selinux/enforce", F_OK) == 0 ? ctx->spec->mount_label : NULL,
        .base_fd = -1,
        .tmp_fd = -1,
    };
    j.copied = json_array();
    j.skipped = json_array();
    if (!j.copied || !j.skipped || asprintf(&j.dir, "%s/%s", base, id) < 0) {
        r = -ENOMEM;
        j.dir = NULL;
    } else if ((r = rw_secrets_begin(&j.copy, base, id, err)) >= 0) {
        r = run_job(&j, conf, err);
        if (r >= 0 && json_array_size(j.skipped))
            r = rw_ctx_fact(ctx, STAGE, "skipped", json_incref(j.skipped));
    }
    rw_secrets_end(&j.copy);
    plan_clear(&j.plan);
    free(j.dir);
    if (j.copied)
        json_decref(j.copied);
    if (j.skipped)
        json_decref(j.skipped);
    if (r == -ENOMEM && err && !*err)
        rw_error_set(err, ENOMEM, "mounts: out of memory");
    return r;
}

const rw_stage_t rw_stage_mounts = {STAGE, applies, run};
