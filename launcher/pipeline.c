/* Pipeline driver: loads the bundle safely, runs the stages, decides, and commits the
 * changed spec. Nothing here prints; main() turns results into one line. */
#include "pipeline.h"
#include "timing.h"
#include "timing.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../audit/identity.h"
#include "../common/cleanup.h"
#include "../common/fileio.h"
#include "../common/json.h"

int rw_ctx_init(rw_ctx_t *ctx, const rw_config_t *cfg, const rw_invocation_t *inv,
                const char *runtime_path)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->cfg = cfg;
    ctx->inv = inv;
    ctx->runtime_path = runtime_path;
    ctx->bundle_fd = ctx->config_dirfd = ctx->process_dirfd = -1;
    ctx->mode = cfg->mode;
    ctx->facts = json_object();
    return ctx->facts ? 0 : -ENOMEM;
}

void rw_ctx_clear(rw_ctx_t *ctx)
{
    if (ctx->config_dirfd >= 0 && ctx->config_dirfd != ctx->bundle_fd)
        close(ctx->config_dirfd);
    if (ctx->process_dirfd >= 0)
        close(ctx->process_dirfd);
    if (ctx->bundle_fd >= 0)
        close(ctx->bundle_fd);
    free(ctx->bundle_path);
    free(ctx->tenant);
    free(ctx->config_name);
    free(ctx->config_display);
    free(ctx->process_name);
    free(ctx->process_display);
    rw_spec_free(ctx->spec);
    rw_spec_free(ctx->process);
    rw_findings_free(&ctx->findings);
    rw_identity_free(ctx->who);
    if (ctx->facts)
        json_decref(ctx->facts);
    memset(ctx, 0, sizeof(*ctx));
    ctx->bundle_fd = ctx->config_dirfd = ctx->process_dirfd = -1;
}

int rw_ctx_fact(rw_ctx_t *ctx, const char *stage, const char *key, json_t *value)
{
    if (!value)
        return -ENOMEM;
    json_t *st = json_object_get(ctx->facts, stage);
    if (!st) {
        st = json_object();
        if (!st || json_object_set_new(ctx->facts, stage, st) < 0) {
            json_decref(value);
            return -ENOMEM;
        }
    }
    return json_object_set_new(st, key, value) < 0 ? -ENOMEM : 0;
}

int rw_ctx_finding(rw_ctx_t *ctx, rw_severity_t sev, const char *stage, const char *rule,
                   const char *field, const char *value, const char *fix)
{
    return rw_findings_add(&ctx->findings, sev, stage, rule, field, value, fix);
}

/* Splits PATH into an opened parent directory and a final component, following links
 * only in the parent (the engine may legitimately use /var/run -> /run). */
static int open_parent(const char *path, int *ret_dirfd, char **ret_name, rw_error_t **err)
{
    cleanup_free char *copy = strdup(path);
    if (!copy)
        return -ENOMEM;
    char *slash = strrchr(copy, '/');
    const char *dir = ".", *name = copy;
    if (slash) {
        *slash = '\0';
        dir = slash == copy ? "/" : copy;
        name = slash + 1;
    }
    if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return rw_error_set(err, EINVAL, "%s: not a file name", path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return rw_error_setsys(err, errno, "%s: cannot open directory", dir);
    *ret_name = strdup(name);
    if (!*ret_name) {
        close(fd);
        return -ENOMEM;
    }
    *ret_dirfd = fd;
    return 0;
}

/* "DIR/", "DIR/." and "DIR//." name DIR but make open() follow DIR when it is a link, where
 * O_NOFOLLOW would not see it: drop those tails before the check. */
static char *without_dir_tail(const char *b)
{
    char *p = strdup(b);
    if (!p)
        return NULL;
    size_t n = strlen(p);
    for (;;) {
        while (n > 1 && p[n - 1] == '/')
            n--;
        if (n > 2 && p[n - 1] == '.' && p[n - 2] == '/')
            n -= 2;
        else
            break;
    }
    p[n] = '\0';
    return p;
}

static int load_bundle(rw_ctx_t *ctx, rw_error_t **err)
{
    const rw_invocation_t *inv = ctx->inv;
    const char *b = inv->bundle ? inv->bundle : ".";
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof(cwd)))
        return rw_error_setsys(err, errno, "cannot read the current directory");
    if (b[0] == '/')
        ctx->bundle_path = strdup(b);
    else if (strcmp(b, ".") == 0)
        ctx->bundle_path = strdup(cwd);
    else if (asprintf(&ctx->bundle_path, "%s/%s", strcmp(cwd, "/") ? cwd : "", b) < 0)
        ctx->bundle_path = NULL;
    if (!ctx->bundle_path)
        return -ENOMEM;

    /* The final component must not be a link: the bundle is what the engine created. */
    cleanup_free char *open_path = without_dir_tail(b);
    if (!open_path)
        return -ENOMEM;
    int r = rw_dir_open_at(AT_FDCWD, open_path, err);
    if (r < 0)
        return rw_error_prefix(err, "bundle");
    ctx->bundle_fd = r;

    if (inv->config_file) {
        /* crun -f: relative to the cwd the runtime was started in. */
        if ((r = open_parent(inv->config_file, &ctx->config_dirfd, &ctx->config_name, err)) < 0)
            return r;
        ctx->config_display = strdup(inv->config_file);
    } else {
        ctx->config_dirfd = ctx->bundle_fd;
        ctx->config_name = strdup("config.json");
        if (asprintf(&ctx->config_display, "%s/config.json", ctx->bundle_path) < 0)
            ctx->config_display = NULL;
    }
    if (!ctx->config_name || !ctx->config_display)
        return -ENOMEM;

    cleanup_free char *buf = NULL;
    size_t len = 0;
    rw_error_t *e = NULL;
    r = rw_file_read_at(ctx->config_dirfd, ctx->config_name, ctx->cfg->bundle_max_config_size, &buf,
                        &len, &ctx->config_st, &e);
    if (r < 0) {
        rw_error_set(err, -r, "%s: %s", ctx->config_display, e ? e->msg : "cannot read");
        rw_error_free(e);
        return r;
    }
    return rw_spec_parse(buf, len, ctx->config_display, &ctx->spec, err);
}

static int load_process(rw_ctx_t *ctx, rw_error_t **err)
{
    const char *p = ctx->inv->process_file;
    if (!p)
        return 0;
    int r = open_parent(p, &ctx->process_dirfd, &ctx->process_name, err);
    if (r < 0)
        return r;
    if (!(ctx->process_display = strdup(p)))
        return -ENOMEM;
    cleanup_free char *buf = NULL;
    size_t len = 0;
    rw_error_t *e = NULL;
    r = rw_file_read_at(ctx->process_dirfd, ctx->process_name, ctx->cfg->bundle_max_config_size,
                        &buf, &len, &ctx->process_st, &e);
    if (r < 0) {
        rw_error_set(err, -r, "%s", e ? e->msg : "cannot read the process file");
        rw_error_free(e);
        return r;
    }
    return rw_spec_parse_process(buf, len, p, &ctx->process, err);
}

int rw_pipeline_load(rw_ctx_t *ctx, rw_error_t **err)
{
    if (rw_cli_cmd_builds_container(ctx->inv->cmd))
        return load_bundle(ctx, err);
    if (ctx->inv->cmd == RW_CMD_EXEC)
        return load_process(ctx, err);
    return 0;
}

int rw_pipeline_run(rw_ctx_t *ctx, rw_error_t **err)
{
    for (const rw_stage_t *const *sp = rw_stages; *sp; sp++) {
        const rw_stage_t *st = *sp;
        if (st->applies && !st->applies(ctx))
            continue;
        rw_error_t *e = NULL;
        int r = st->run(ctx, &e);
        rw_timing_mark(st->name);
        if (r < 0) {
            /* The stage could not decide: fail closed unless the site chose otherwise. */
            const char *msg = e ? e->msg : "stage failed";
            if (ctx->cfg->fail_open) {
                rw_ctx_finding(ctx, RW_SEV_WARN, st->name, "stage.error", st->name, msg,
                               "failOpen is set, so the container starts anyway");
                rw_error_free(e);
                continue;
            }
            if (err && !*err) {
                *err = e;
                rw_error_prefix(err, "%s", st->name);
            } else
                rw_error_free(e);
            return r;
        }
        rw_error_free(e);
    }
    return 0;
}

rw_decision_t rw_pipeline_decision(const rw_ctx_t *ctx)
{
    bool refuse = rw_findings_first(&ctx->findings, RW_SEV_REFUSE) != NULL;
    bool warn = rw_findings_first(&ctx->findings, RW_SEV_WARN) != NULL;
    if (refuse && ctx->mode == RW_MODE_ENFORCE)
        return RW_DECISION_REFUSED;
    if (refuse || warn)
        return RW_DECISION_WARNED;
    return RW_DECISION_ALLOWED;
}

const char *rw_decision_name(rw_decision_t d)
{
    switch (d) {
    case RW_DECISION_ALLOWED:
        return "allowed";
    case RW_DECISION_WARNED:
        return "warned";
    case RW_DECISION_REFUSED:
        return "refused";
    default:
        return "?";
    }
}

static int commit_one(rw_spec_t *spec, int dirfd, const char *name, const struct stat *st,
                      bool dry_run, char *sha_out, rw_error_t **err)
{
    if (!spec)
        return 0;
    size_t len = 0;
    cleanup_free char *out = NULL;
    if (spec->n_changes == 0) {
        /* Unchanged: digest the bytes as they are on disk. */
        cleanup_free char *buf = NULL;
        int r = rw_file_read_at(dirfd, name, (size_t)st->st_size + 1, &buf, &len, NULL, err);
        if (r < 0)
            return r;
        uint8_t d[RW_SHA256_LEN];
        rw_sha256(buf, len, d);
        rw_hex(d, sizeof(d), sha_out);
        return 0;
    }
    out = rw_spec_serialize(spec, &len);
    rw_timing_mark("commit: serialise");
    if (!out)
        return rw_error_set(err, ENOMEM, "%s: cannot serialise the changed spec", spec->file);
    uint8_t d[RW_SHA256_LEN];
    rw_sha256(out, len, d);
    rw_hex(d, sizeof(d), sha_out);
    rw_timing_mark("commit: digest");
    if (dry_run)
        return 0;
    /* The file is synced before the rename (the runtime must never read a torn spec); the
     * directory is not: after a power cut either version is whole, and the container is
     * gone anyway. */
    int r = rw_file_replace_at_sync(dirfd, name, out, len, st->st_mode, st->st_uid, st->st_gid,
                                    RW_REPLACE_FILE, err);
    return r < 0 ? rw_error_prefix(err, "%s", spec->file) : 0;
}

int rw_pipeline_commit(rw_ctx_t *ctx, rw_error_t **err)
{
    if (ctx->spec)
        return commit_one(ctx->spec, ctx->config_dirfd, ctx->config_name, &ctx->config_st,
                          ctx->dry_run, ctx->written_sha256, err);
    if (ctx->process)
        return commit_one(ctx->process, ctx->process_dirfd, ctx->process_name, &ctx->process_st,
                          ctx->dry_run, ctx->written_sha256, err);
    return 0;
}
