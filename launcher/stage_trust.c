/* Stage "trust": the image a container is created from must satisfy containers-policy.json
 * at every start, not only when podman pulled it. Images that arrived by tag, load, import
 * or another engine are evaluated the same way. The audit record gets the verdict, the
 * scope, every requirement's result and the image's name, id and manifest digest. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/cleanup.h"
#include "../common/json.h"
#include "../conf/config_trust.h"
#include "../policy/trust.h"
#include "stages.h"

#define STAGE "trust"

static json_t *requirements_fact(const json_t *report)
{
    json_t *out = json_array();
    size_t i, j;
    json_t *ev, *rq;
    json_array_foreach(json_object_get(report, "evaluations"), i, ev)
    {
        json_array_foreach(json_object_get(ev, "requirements"), j, rq)
        {
            json_array_append_new(
                out, json_pack("{s:O,s:O,s:O,s:O}", "where", json_object_get(rq, "where"), "type",
                               json_object_get(rq, "type"), "result", json_object_get(rq, "result"),
                               "reason", json_object_get(rq, "reason")));
        }
    }
    return out;
}

static int record(rw_ctx_t *ctx, const rw_trust_subject_t *s, const json_t *report, long us)
{
    int r = rw_ctx_fact(ctx, STAGE, "image", rw_trust_subject_json(s));
    if (r >= 0 && report) {
        const json_t *ev0 = json_array_get(json_object_get(report, "evaluations"), 0);
        const json_t *failed = json_object_get(report, "failed");
        const json_t *scope =
            json_object_get(failed ? failed : ev0, failed ? "scope" : "scopeLabel");
        r = rw_ctx_fact(ctx, STAGE, "verdict", json_incref(json_object_get(report, "verdict")));
        if (r >= 0)
            r = rw_ctx_fact(ctx, STAGE, "name",
                            json_incref(json_object_get(failed ? failed : ev0, "name")));
        if (r >= 0)
            r = rw_ctx_fact(ctx, STAGE, "scope",
                            scope ? json_incref((json_t *)scope) : json_null());
        if (r >= 0)
            r = rw_ctx_fact(ctx, STAGE, "policy", json_incref(json_object_get(report, "policy")));
        if (r >= 0)
            r = rw_ctx_fact(ctx, STAGE, "requirements", requirements_fact(report));
        if (r >= 0)
            r = rw_ctx_fact(ctx, STAGE, "reason", json_incref(json_object_get(report, "reason")));
        if (r >= 0)
            r = rw_ctx_fact(ctx, STAGE, "cache", json_incref(json_object_get(report, "cache")));
    }
    if (r >= 0)
        r = rw_ctx_fact(ctx, STAGE, "micros", json_integer(us));
    return r;
}

/* Names and reasons come from storage and signatures: keep terminal controls out of the
 * operator's one line. */
static void printable(char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
            *s = '?';
}

static long micros_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (t1.tv_sec - t0->tv_sec) * 1000000L + (t1.tv_nsec - t0->tv_nsec) / 1000;
}

static int run(rw_ctx_t *ctx, rw_error_t **err)
{
    cleanup_trust_config rw_trust_config_t *cfg = NULL;
    int r = rw_trust_config_parse(ctx->cfg->trust, ctx->cfg->path, &cfg, err);
    if (r < 0)
        return r;
    if (!cfg->enabled)
        return 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rw_trust_opts_t o = {.cfg = cfg, .no_cache_write = ctx->dry_run};
    rw_trust_subject_t s;
    r = rw_trust_identify_container(&o, ctx->bundle_path, ctx->inv->id, ctx->spec, &s, err);
    if (r < 0) {
        rw_trust_subject_clear(&s);
        return rw_error_prefix(err, "cannot tell which image this container runs");
    }
    if (s.source == RW_TRUST_SRC_UNKNOWN) {
        r = rw_ctx_fact(ctx, STAGE, "verdict",
                        json_string(cfg->unknown_allow ? "unknown-allowed" : "unknown-refused"));
        if (r >= 0)
            r = record(ctx, &s, NULL, micros_since(&t0));
        printable(s.why_unknown);
        if (r >= 0)
            r = rw_ctx_finding(ctx, cfg->unknown_allow ? RW_SEV_INFO : RW_SEV_REFUSE, STAGE,
                               "trust.unknown-image", "image", s.why_unknown ? s.why_unknown : "?",
                               cfg->unknown_allow
                                   ? "allowed because trust.unknownImage is allow"
                                   : "start it from containers-storage (podman, CRI-O) or set "
                                     "an image annotation, or set trust.unknownImage to allow");
        rw_trust_subject_clear(&s);
        return r;
    }
    json_t *report = NULL;
    r = rw_trust_evaluate(&o, &s, &report, err);
    if (r < 0) {
        rw_trust_subject_clear(&s);
        return rw_error_prefix(err, "image trust");
    }
    r = record(ctx, &s, report, micros_since(&t0));
    bool accepted = strcmp(json_string_value(json_object_get(report, "verdict")), "accepted") == 0;
    if (r >= 0 && !accepted) {
        cleanup_free char *summary = rw_trust_report_summary(report);
        const json_t *failed = json_object_get(report, "failed");
        const char *name = json_string_value(json_object_get(failed, "name"));
        char value[512];
        snprintf(value, sizeof(value), "%s (id %.12s)", name ? name : "(without a name)",
                 s.have_image ? s.image.id : "?");
        cleanup_free char *fix = NULL;
        if (asprintf(&fix,
                     "%s; run it only from a name and signature the policy trusts "
                     "(runwarden image verify shows each requirement)",
                     summary ? summary : "rejected by policy") < 0)
            fix = NULL;
        printable(value);
        printable(fix);
        r = rw_ctx_finding(ctx, RW_SEV_REFUSE, STAGE, "trust.policy", "image", value,
                           fix ? fix : "rejected by the image trust policy");
    }
    json_decref(report);
    rw_trust_subject_clear(&s);
    return r;
}

static bool applies(const rw_ctx_t *ctx)
{
    return ctx->spec != NULL && ctx->cfg->trust != NULL &&
           rw_cli_cmd_builds_container(ctx->inv->cmd);
}

const rw_stage_t rw_stage_trust = {STAGE, applies, run};
