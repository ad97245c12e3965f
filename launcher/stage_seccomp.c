/* Stage "seccomp": decides which seccomp profile the container runs under (the engine's,
 * validated, or the site profile resolved for this container as podman would), and when the
 * real runtime is crun hands it runwarden's cached, compiled filter through
 * run.oci.seccomp_bpf_data so crun skips its own compile. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "../common/json.h"
#include "../conf/config_seccomp.h"
#include "../profiles/seccomp_cache.h"
#include "../profiles/seccomp_oci.h"
#include "../profiles/seccomp_profile.h"
#include "../profiles/seccomp_resolve.h"
#include "stages.h"
#include "timing.h"

#define STAGE "seccomp"
#define BPF_ANNOTATION "run.oci.seccomp_bpf_data"
#define FAIL_UNKNOWN_ANNOTATION "run.oci.seccomp_fail_unknown_syscall"
#define MAX_WARNING_FINDINGS 16

static const char *const seccomp_keys[] = {"linux", "seccomp", NULL};

static void warnings_clear(rw_seccomp_warnings_t *w)
{
    rw_seccomp_warnings_clear(w);
}

/* Each warning goes into the audit record; the first few also become INFO findings. */
static int record_warnings(rw_ctx_t *ctx, const rw_seccomp_warnings_t *w)
{
    if (w->n == 0)
        return 0;
    json_t *arr = json_array();
    if (!arr)
        return -ENOMEM;
    for (size_t i = 0; i < w->n; i++) {
        const rw_seccomp_warning_t *it = &w->items[i];
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "rule", it->rule, "path", it->path,
                                             "message", it->msg));
        if (i < MAX_WARNING_FINDINGS) {
            int r = rw_ctx_finding(ctx, RW_SEV_INFO, STAGE, it->rule, it->path, it->msg,
                                   "see runwarden seccomp explain");
            if (r < 0) {
                json_decref(arr);
                return r;
            }
        }
    }
    return rw_ctx_fact(ctx, STAGE, "warnings", arr);
}

/* A bundle run twice (by hand, or a restarted container whose engine keeps config.json)
 * still carries the filter runwarden handed over the first time; the annotations stage
 * refuses any run.oci.seccomp_bpf_data it finds. When the value is exactly what this stage
 * hands over now, for the linux.seccomp now in the spec, it is runwarden's own and not a
 * caller's override, so that refusal is withdrawn. Any other value stays refused. */
static int withdraw_own_annotation_refusal(rw_ctx_t *ctx)
{
    rw_findings_t *fs = &ctx->findings;
    size_t kept = 0;
    for (size_t i = 0; i < fs->n; i++) {
        rw_finding_t *f = &fs->items[i];
        bool own = f->severity == RW_SEV_REFUSE && f->field &&
                   strcmp(f->field, "annotations." BPF_ANNOTATION) == 0;
        if (!own) {
            fs->items[kept++] = *f;
            continue;
        }
        free(f->stage);
        free(f->rule);
        free(f->field);
        free(f->value);
        free(f->fix);
    }
    bool withdrew = kept != fs->n;
    fs->n = kept;
    if (!withdrew)
        return 0;
    return rw_ctx_fact(ctx, STAGE, "previousHandOver", json_string("kept (runwarden's own)"));
}

/* An error message fit for a refusal line: the error text names file, path and reason. */
static int refuse(rw_ctx_t *ctx, const char *rule, const char *field, const char *value,
                  const char *fix)
{
    return rw_ctx_finding(ctx, RW_SEV_REFUSE, STAGE, rule, field, value, fix);
}

static int load_site(rw_ctx_t *ctx, const rw_seccomp_config_t *cfg, rw_seccomp_oci_t **ret,
                     rw_seccomp_warnings_t *w, rw_error_t **err)
{
    cleanup_seccomp_profile rw_seccomp_profile_t *p = NULL;
    rw_seccomp_dialect_t d =
        cfg->profile_moby ? RW_SECCOMP_DIALECT_MOBY : RW_SECCOMP_DIALECT_CONTAINERS;
    rw_error_t *lerr = NULL;
    int r = rw_seccomp_profile_load(cfg->profile, d, &p, w, &lerr);
    if (r < 0) {
        /* The reader's message names file, path and reason, except for I/O errors whose
         * strerror text engines would misread ("No such file..." means exit 127 to podman). */
        const char *en = rw_seccomp_errno_name((uint32_t)-r);
        if (lerr && lerr->code != EINVAL && lerr->code != ERANGE && lerr->code != ENOMEM)
            rw_error_set(err, -r, "seccomp: cannot read the site profile %s (%s)", cfg->profile,
                         en ? en : "I/O error");
        else
            rw_error_set(err, -r, "seccomp: %s", lerr ? lerr->msg : "cannot read the site profile");
        rw_error_free(lerr);
        return r;
    }
    const rw_spec_process_t *proc = &ctx->spec->process;
    rw_seccomp_resolve_opts_t opts = {
        .have_caps = proc->present && proc->caps_present,
        .bounding = proc->caps.bounding,
    };
    if ((r = rw_seccomp_resolve(p, &opts, ret, w, err)) < 0)
        return r;
    if (!*ret)
        return rw_error_set(err, EINVAL,
                            "%s: the site seccomp profile disables seccomp (no defaultAction "
                            "and no syscalls); it cannot be required",
                            cfg->profile);
    char hex[RW_SHA256_HEX_LEN + 1];
    rw_hex(p->sha256, sizeof(p->sha256), hex);
    if ((r = rw_ctx_fact(ctx, STAGE, "profile", json_string(cfg->profile))) < 0)
        return r;
    return rw_ctx_fact(ctx, STAGE, "profileSha256", json_string(hex));
}

static json_t *strv_to_json(char *const *v)
{
    json_t *a = json_array();
    for (; a && v && *v; v++)
        json_array_append_new(a, json_string(*v));
    return a;
}

/* Compiles (or finds in the cache) the filter and, for crun, hands it over. */
static int hand_over(rw_ctx_t *ctx, const rw_seccomp_config_t *cfg, const rw_seccomp_oci_t *o,
                     bool to_crun, rw_error_t **err)
{
    const char *fu = rw_spec_annotation(ctx->spec, FAIL_UNKNOWN_ANNOTATION);
    bool crun_fail_unknown = to_crun && fu && strcmp(fu, "0") != 0;
    rw_seccomp_compile_opts_t copts = {
        .fail_unknown = cfg->unknown_error || crun_fail_unknown,
        .optimize = cfg->optimize ? 2 : 0,
    };
    rw_seccomp_cache_opts_t cache = {.dir = cfg->cache_dir, .store = !ctx->dry_run};
    _cleanup_(rw_seccomp_filter_clear) rw_seccomp_filter_t f = {0};
    rw_error_t *cerr = NULL;
    int r = rw_seccomp_filter_get(o, &copts, &cache, &f, &cerr);
    rw_timing_mark("seccomp: filter get");
    if (r == -ENOENT || r == -ENOSYS) {
        /* libseccomp cannot be loaded. crun compiles the same profile itself, so handing
         * over is only an optimisation; but a rule that needs libseccomp cannot be checked. */
        if (copts.fail_unknown) {
            rw_error_set(err, -r, "%s", cerr ? cerr->msg : "libseccomp unavailable");
            rw_error_free(cerr);
            return rw_error_prefix(err, "seccomp: unknownSyscall=error needs libseccomp");
        }
        r = rw_ctx_fact(ctx, STAGE, "handedToRuntime",
                        json_string(cerr ? cerr->msg : "libseccomp unavailable"));
        rw_error_free(cerr);
        return r;
    }
    if (r < 0) {
        char *msg = cerr ? cerr->msg : NULL;
        r = refuse(ctx, "seccomp.compile", "linux.seccomp", msg ? msg : "cannot compile",
                   crun_fail_unknown && !cfg->unknown_error
                       ? "remove the unknown syscall from the profile or the "
                         "annotation " FAIL_UNKNOWN_ANNOTATION
                       : "fix the profile so that libseccomp (and crun) can build it");
        rw_error_free(cerr);
        return r;
    }
    json_t *fj =
        json_pack("{s:s, s:I, s:s, s:s, s:i, s:I, s:b}", "sha256", f.digest, "instructions",
                  (json_int_t)f.n, "cache", rw_seccomp_cache_result_name(f.cache), "libseccomp",
                  f.libseccomp_version, "optimize", f.optimize, "loadFlags",
                  (json_int_t)rw_seccomp_oci_load_flags(o), "handedToCrun", to_crun);
    if (!fj)
        return -ENOMEM;
    if (f.n_unknown)
        json_object_set_new(fj, "unknownSyscalls", strv_to_json(f.unknown));
    if (f.cache_note)
        json_object_set_new(fj, "cacheNote", json_string(f.cache_note));
    if ((r = rw_ctx_fact(ctx, STAGE, "filter", fj)) < 0)
        return r;
    if (!to_crun)
        return 0;
    cleanup_free char *b64 = rw_seccomp_base64(f.insns, f.n * sizeof(*f.insns));
    if (!b64)
        return -ENOMEM;
    const char *prev = rw_spec_annotation(ctx->spec, BPF_ANNOTATION);
    if (prev && strcmp(prev, b64) == 0 && (r = withdraw_own_annotation_refusal(ctx)) < 0)
        return r;
    const char *keys[] = {"annotations", BPF_ANNOTATION, NULL};
    return rw_spec_set(ctx->spec, keys, json_string(b64),
                       "runwarden's compiled seccomp filter: crun loads it instead of "
                       "compiling linux.seccomp itself");
}

static int run(rw_ctx_t *ctx, rw_error_t **err)
{
    cleanup_seccomp_config rw_seccomp_config_t *cfg = NULL;
    int r = rw_seccomp_config_parse(ctx->cfg->seccomp, ctx->cfg->path, &cfg, err);
    if (r < 0)
        return r;
    _cleanup_(warnings_clear) rw_seccomp_warnings_t w = {0};
    rw_seccomp_mode_t mode = rw_seccomp_config_mode_for(cfg, ctx->tenant);
    if ((r = rw_ctx_fact(ctx, STAGE, "mode", json_string(rw_seccomp_mode_name(mode)))) < 0)
        return r;

    cleanup_seccomp_oci rw_seccomp_oci_t *engine = NULL;
    char engine_digest[RW_SHA256_HEX_LEN + 1] = "";
    json_t *ej = rw_spec_get(ctx->spec, seccomp_keys);
    if (ej) {
        rw_error_t *perr = NULL;
        r = rw_seccomp_oci_parse(ej, ctx->config_display ? ctx->config_display : "config.json",
                                 "$.linux.seccomp", &engine, &w, &perr);
        if (r == -ENOMEM) {
            rw_error_free(perr);
            return r;
        }
        if (r < 0) {
            r = refuse(ctx, "seccomp.invalid-profile", "linux.seccomp",
                       perr ? perr->msg : "invalid",
                       "fix the seccomp profile the engine was given");
            rw_error_free(perr);
            return r;
        }
        if ((r = rw_seccomp_oci_digest(engine, engine_digest)) < 0 ||
            (r = rw_ctx_fact(ctx, STAGE, "engineSha256", json_string(engine_digest))) < 0)
            return r;
    }

    bool unconfined = !engine || rw_seccomp_oci_is_unconfined(engine);
    bool use_site = mode == RW_SECCOMP_REPLACE || (mode == RW_SECCOMP_REQUIRE && unconfined);
    cleanup_seccomp_oci rw_seccomp_oci_t *site = NULL;
    if (use_site) {
        if ((r = load_site(ctx, cfg, &site, &w, err)) < 0)
            return r;
        rw_timing_mark("seccomp: site profile");
        json_t *sj = rw_seccomp_oci_to_json(site);
        if (!sj)
            return -ENOMEM;
        const char *why = mode == RW_SECCOMP_REPLACE
                              ? "seccomp: the site profile replaces the engine's (mode replace)"
                              : "seccomp: the container had no confining profile (mode require)";
        if ((r = rw_spec_set(ctx->spec, seccomp_keys, sj, why)) < 0)
            return r;
        rw_timing_mark("seccomp: to json + set");
        const char *what = !engine ? "none" : unconfined ? "unconfined" : "engine-profile";
        if ((r = rw_ctx_fact(ctx, STAGE, "replaced", json_string(what))) < 0)
            return r;
        r = rw_ctx_finding(ctx, RW_SEV_INFO, STAGE, "seccomp.site-profile", "linux.seccomp", what,
                           "the site seccomp profile was applied");
        if (r < 0)
            return r;
    }
    const rw_seccomp_oci_t *final = site ? site : engine;
    if ((r = rw_ctx_fact(ctx, STAGE, "source",
                         json_string(site     ? "site"
                                     : engine ? "engine"
                                              : "none"))) < 0)
        return r;
    if ((r = record_warnings(ctx, &w)) < 0)
        return r;
    if (!final)
        return 0; /* passthrough of a container without seccomp */

    char d[RW_SHA256_HEX_LEN + 1];
    if (final == engine)
        memcpy(d, engine_digest, sizeof(d));
    else if ((r = rw_seccomp_oci_digest(final, d)) < 0)
        return r;
    if ((r = rw_ctx_fact(ctx, STAGE, "resolvedSha256", json_string(d))) < 0)
        return r;
    rw_timing_mark("seccomp: digest");

    bool crun = rw_cli_flavor_for(ctx->runtime_path) == RW_FLAVOR_CRUN;
    bool to_crun = crun && cfg->hand_to_crun;
    /* With runc (or no hand-over) the runtime compiles; we still compile when the site
     * refuses unknown syscall names, since only libseccomp can tell. */
    if (!to_crun && !cfg->unknown_error)
        return 0;
    return hand_over(ctx, cfg, final, to_crun, err);
}

static bool applies(const rw_ctx_t *ctx)
{
    return ctx->spec != NULL && !ctx->spec->is_process_only;
}

const rw_stage_t rw_stage_seccomp = {STAGE, applies, run};
