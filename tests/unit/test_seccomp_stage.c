/* The `seccomp` config section and the seccomp stage: passthrough, require and replace per
 * tenant, the compiled filter handed to crun (never to runc), refusals for profiles crun
 * would reject, and the facts recorded for the audit trail. */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf/config.h"
#include "conf/config_seccomp.h"
#include "launcher/pipeline.h"
#include "launcher/stages.h"
#include "seccomp_testlib.h"

/* ---- config section ---- */

static int cfg_parse(const char *txt, rw_seccomp_config_t **c, rw_error_t **err)
{
    json_t *j = txt ? json_loads(txt, 0, NULL) : NULL;
    int r = rw_seccomp_config_parse(j, "rw.json", c, err);
    json_decref(j);
    return r;
}

static void test_config(void **state)
{
    (void)state;
    rw_seccomp_config_t *c = NULL;
    assert_int_equal(cfg_parse(NULL, &c, NULL), 0);
    assert_int_equal(c->mode, RW_SECCOMP_PASSTHROUGH);
    assert_true(c->hand_to_crun);
    assert_true(c->optimize);
    assert_false(c->unknown_error);
    assert_string_equal(c->cache_dir, "/var/cache/runwarden/seccomp");
    assert_non_null(strstr(c->profile, "/seccomp/default.json"));
    rw_seccomp_config_free(c);

    assert_int_equal(cfg_parse("{\"mode\":\"require\",\"tenants\":{\"a\":\"replace\",\"b\":"
                               "\"passthrough\"},\"profile\":\"/p.json\",\"profileFormat\":"
                               "\"moby\",\"cacheDir\":null,\"unknownSyscall\":\"error\","
                               "\"handToCrun\":false,\"optimize\":false}",
                               &c, NULL),
                     0);
    assert_int_equal(rw_seccomp_config_mode_for(c, NULL), RW_SECCOMP_REQUIRE);
    assert_int_equal(rw_seccomp_config_mode_for(c, "a"), RW_SECCOMP_REPLACE);
    assert_int_equal(rw_seccomp_config_mode_for(c, "b"), RW_SECCOMP_PASSTHROUGH);
    assert_int_equal(rw_seccomp_config_mode_for(c, "zzz"), RW_SECCOMP_REQUIRE);
    assert_null(c->cache_dir);
    assert_true(c->profile_moby && c->unknown_error && !c->hand_to_crun && !c->optimize);
    assert_string_equal(c->profile, "/p.json");
    rw_seccomp_config_free(c);

    static const struct {
        const char *txt, *msg;
    } bad[] = {
        {"{\"mod\":\"require\"}", "$.seccomp.mod: unknown key"},
        {"{\"mode\":\"enforce\"}", "$.seccomp.mode: 'enforce' is not one of"},
        {"{\"tenants\":[\"a\"]}", "$.seccomp.tenants: must be an object"},
        {"{\"tenants\":{\"a\":\"strict\"}}", "$.seccomp.tenants.a: must be one of"},
        {"{\"profile\":\"default.json\"}", "$.seccomp.profile: 'default.json' must be an absolute"},
        {"{\"profile\":null}", "$.seccomp.profile: must be a string"},
        {"{\"cacheDir\":\"cache\"}", "$.seccomp.cacheDir: 'cache' must be an absolute"},
        {"{\"unknownSyscall\":\"ignore\"}", "$.seccomp.unknownSyscall: 'ignore' is not one of"},
        {"{\"profileFormat\":\"docker\"}", "$.seccomp.profileFormat: 'docker' is not one of"},
        {"{\"handToCrun\":\"yes\"}", "handToCrun: must be true or false"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rw_error_t *err = NULL;
        c = NULL;
        assert_true(cfg_parse(bad[i].txt, &c, &err) < 0);
        if (!err || !strstr(err->msg, bad[i].msg) || !strstr(err->msg, "rw.json"))
            fail_msg("%s: %s", bad[i].txt, err ? err->msg : "?");
        rw_error_free(err);
    }
}

/* ---- stage ---- */

static char *cache_root;

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static int setup(void **state)
{
    (void)state;
    char tmpl[] = "/tmp/rw-seccomp-stage.XXXXXX";
    cache_root = strdup(mkdtemp(tmpl));
    return cache_root ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    nftw(cache_root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(cache_root);
    return 0;
}

static char *profile_path(void)
{
    const char *data = getenv("RW_TEST_DATA");
    char *p = NULL;
    assert_true(asprintf(&p, "%s/../../profiles/seccomp/default.json", data ? data : "tests/data") >
                0);
    return p;
}

typedef struct run {
    rw_config_t *cfg;
    rw_invocation_t inv;
    rw_ctx_t ctx;
    int rc;
    rw_error_t *err;
} run_t;

/* seccomp_json: the section to add (a JSON object body without braces, may be ""), spec:
 * config.json text. */
static void stage_run(run_t *rn, const char *seccomp_json, const char *spec, const char *runtime,
                      const char *tenant, bool dry)
{
    memset(rn, 0, sizeof(*rn));
    char *prof = profile_path();
    char *txt = NULL;
    bool own_profile = strstr(seccomp_json, "\"profile\"") != NULL;
    assert_true(asprintf(&txt,
                         "{\"mode\":\"enforce\",\"seccomp\":{%s%s%s\"cacheDir\":\"%s/"
                         "cache\"%s%s}}",
                         own_profile ? "" : "\"profile\":\"", own_profile ? "" : prof,
                         own_profile ? "" : "\",", cache_root, *seccomp_json ? "," : "",
                         seccomp_json) > 0);
    rw_error_t *err = NULL;
    if (rw_config_parse(txt, strlen(txt), "rw.json", &rn->cfg, &err) < 0)
        fail_msg("config: %s", err ? err->msg : "?");
    assert_int_equal(rw_ctx_init(&rn->ctx, rn->cfg, &rn->inv, runtime), 0);
    rn->ctx.dry_run = dry;
    rn->ctx.tenant = tenant ? strdup(tenant) : NULL;
    if (rw_spec_parse(spec, strlen(spec), "config.json", &rn->ctx.spec, &err) < 0)
        fail_msg("spec: %s", err ? err->msg : "?");
    assert_true(rw_stage_seccomp.applies(&rn->ctx));
    rn->rc = rw_stage_seccomp.run(&rn->ctx, &rn->err);
    free(txt);
    free(prof);
}

static void stage_done(run_t *rn)
{
    free(rn->ctx.tenant);
    rn->ctx.tenant = NULL;
    rw_ctx_clear(&rn->ctx);
    rw_config_free(rn->cfg);
    rw_error_free(rn->err);
}

static const char *fact_str(run_t *rn, const char *key)
{
    return json_string_value(json_object_get(json_object_get(rn->ctx.facts, "seccomp"), key));
}

static json_t *fact(run_t *rn, const char *key)
{
    return json_object_get(json_object_get(rn->ctx.facts, "seccomp"), key);
}

static const char *SPEC_NONE =
    "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"process\":{\"args\":[\"/bin/"
    "true\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0},\"capabilities\":{\"bounding\":["
    "\"CAP_CHOWN\",\"CAP_SYS_CHROOT\"]}},\"linux\":{}}";
static const char *SPEC_UNCONFINED =
    "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"process\":{\"args\":[\"/bin/"
    "true\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}},\"linux\":{\"seccomp\":{"
    "\"defaultAction\":\"SCMP_ACT_ALLOW\"}}}";
static const char *SPEC_ENGINE =
    "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"process\":{\"args\":[\"/bin/"
    "true\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}},\"linux\":{\"seccomp\":{"
    "\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1,\"syscalls\":[{\"names\":["
    "\"getppid\",\"exit_group\"],\"action\":\"SCMP_ACT_ALLOW\"}]}}}";

static const char *annotation(run_t *rn)
{
    return rw_spec_annotation(rn->ctx.spec, "run.oci.seccomp_bpf_data");
}

/* The annotation decodes to the filter runwarden compiles for linux.seccomp as it now is. */
static void assert_handed_filter_matches(run_t *rn)
{
    const char *keys[] = {"linux", "seccomp", NULL};
    rw_seccomp_oci_t *o = st_oci(rw_spec_get(rn->ctx.spec, keys));
    assert_non_null(o);
    rw_seccomp_filter_t f = {0};
    rw_seccomp_compile_opts_t co = {.optimize = 2};
    assert_int_equal(rw_seccomp_filter_get(o, &co, NULL, &f, NULL), 0);
    char *b64 = rw_seccomp_base64(f.insns, f.n * sizeof(*f.insns));
    assert_non_null(annotation(rn));
    assert_string_equal(annotation(rn), b64);
    assert_string_equal(json_string_value(json_object_get(fact(rn, "filter"), "sha256")), f.digest);
    free(b64);
    rw_seccomp_filter_clear(&f);
    rw_seccomp_oci_free(o);
}

static void test_passthrough(void **state)
{
    (void)state;
    run_t rn;
    stage_run(&rn, "", SPEC_ENGINE, "/usr/bin/crun", NULL, false);
    assert_int_equal(rn.rc, 0);
    assert_string_equal(fact_str(&rn, "mode"), "passthrough");
    assert_string_equal(fact_str(&rn, "source"), "engine");
    assert_null(fact(&rn, "replaced"));
    assert_handed_filter_matches(&rn);
    assert_string_equal(json_string_value(json_object_get(fact(&rn, "filter"), "cache")), "miss");
    assert_int_equal(json_integer_value(json_object_get(fact(&rn, "filter"), "loadFlags")), 4);
    /* the engine's section is untouched: only the annotation changed */
    assert_int_equal(rn.ctx.spec->n_changes, 1);
    assert_string_equal(rn.ctx.spec->changes[0].path, "/annotations/run.oci.seccomp_bpf_data");
    stage_done(&rn);
    /* second start: from the cache */
    stage_run(&rn, "", SPEC_ENGINE, "/usr/bin/crun", NULL, false);
    assert_string_equal(json_string_value(json_object_get(fact(&rn, "filter"), "cache")), "hit");
    assert_handed_filter_matches(&rn);
    stage_done(&rn);
    /* no seccomp stays no seccomp */
    stage_run(&rn, "", SPEC_NONE, "/usr/bin/crun", NULL, false);
    assert_int_equal(rn.rc, 0);
    assert_string_equal(fact_str(&rn, "source"), "none");
    assert_null(annotation(&rn));
    assert_int_equal(rn.ctx.spec->n_changes, 0);
    stage_done(&rn);
}

static void test_require(void **state)
{
    (void)state;
    run_t rn;
    stage_run(&rn, "\"mode\":\"require\"", SPEC_NONE, "/usr/bin/crun", NULL, false);
    assert_int_equal(rn.rc, 0);
    assert_string_equal(fact_str(&rn, "source"), "site");
    assert_string_equal(fact_str(&rn, "replaced"), "none");
    assert_non_null(fact_str(&rn, "profileSha256"));
    assert_non_null(fact_str(&rn, "resolvedSha256"));
    assert_true(rn.ctx.spec->has_seccomp);
    assert_handed_filter_matches(&rn);
    /* resolved for this container: CAP_SYS_CHROOT is in its bounding set, so chroot is
     * allowed; CAP_SYS_ADMIN is not, so mount... stays allowed (unconditional) and bpf is
     * EPERM */
    const char *keys[] = {"linux", "seccomp", NULL};
    rw_seccomp_oci_t *o = st_oci(rw_spec_get(rn.ctx.spec, keys));
    rw_seccomp_filter_t f = {0};
    assert_int_equal(rw_seccomp_filter_get(o, NULL, NULL, &f, NULL), 0);
    char r[96];
    st_eval(&f, "chroot", NULL, r, sizeof(r));
    assert_string_equal(r, "ALLOW");
    st_eval(&f, "bpf", NULL, r, sizeof(r));
    assert_string_equal(r, "ERRNO(1) EPERM");
    st_eval(&f, "getppid", NULL, r, sizeof(r));
    assert_string_equal(r, "ALLOW");
    rw_seccomp_filter_clear(&f);
    rw_seccomp_oci_free(o);
    stage_done(&rn);

    stage_run(&rn, "\"mode\":\"require\"", SPEC_UNCONFINED, "/usr/bin/crun", NULL, false);
    assert_string_equal(fact_str(&rn, "replaced"), "unconfined");
    assert_string_equal(fact_str(&rn, "source"), "site");
    stage_done(&rn);

    /* a confining engine profile is kept under require */
    stage_run(&rn, "\"mode\":\"require\"", SPEC_ENGINE, "/usr/bin/crun", NULL, false);
    assert_string_equal(fact_str(&rn, "source"), "engine");
    assert_null(fact(&rn, "replaced"));
    stage_done(&rn);
}

static void test_replace_and_tenants(void **state)
{
    (void)state;
    run_t rn;
    stage_run(&rn, "\"mode\":\"replace\"", SPEC_ENGINE, "/usr/bin/crun", NULL, false);
    assert_string_equal(fact_str(&rn, "source"), "site");
    assert_string_equal(fact_str(&rn, "replaced"), "engine-profile");
    assert_non_null(fact_str(&rn, "engineSha256"));
    assert_handed_filter_matches(&rn);
    stage_done(&rn);
    stage_run(&rn, "\"mode\":\"passthrough\",\"tenants\":{\"strict\":\"replace\"}", SPEC_ENGINE,
              "/usr/bin/crun", "strict", false);
    assert_string_equal(fact_str(&rn, "mode"), "replace");
    assert_string_equal(fact_str(&rn, "source"), "site");
    stage_done(&rn);
    stage_run(&rn, "\"mode\":\"passthrough\",\"tenants\":{\"strict\":\"replace\"}", SPEC_ENGINE,
              "/usr/bin/crun", "other", false);
    assert_string_equal(fact_str(&rn, "source"), "engine");
    stage_done(&rn);
}

static void test_runc_and_no_handover(void **state)
{
    (void)state;
    run_t rn;
    stage_run(&rn, "\"mode\":\"require\"", SPEC_NONE, "/usr/sbin/runc", NULL, false);
    assert_int_equal(rn.rc, 0);
    assert_true(rn.ctx.spec->has_seccomp);
    assert_null(annotation(&rn));
    assert_null(fact(&rn, "filter"));
    stage_done(&rn);
    stage_run(&rn, "\"mode\":\"require\",\"handToCrun\":false", SPEC_NONE, "/usr/bin/crun", NULL,
              false);
    assert_null(annotation(&rn));
    stage_done(&rn);
}

static const char *SPEC_BAD =
    "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"process\":{\"args\":[\"/bin/"
    "true\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}},\"linux\":{\"seccomp\":{"
    "\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":"
    "\"SCMP_ACT_ALLOW\",\"errnoRet\":1}]}}}";
#define SPEC_UNKNOWN                                                                               \
    "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"process\":{\"args\":[\"/bin/"      \
    "true\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}},%s\"linux\":{\"seccomp\":{"             \
    "\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"getppid\","                  \
    "\"no_such_call\"],\"action\":\"SCMP_ACT_ALLOW\"}]}}}"

static void test_refusals(void **state)
{
    (void)state;
    run_t rn;
    stage_run(&rn, "", SPEC_BAD, "/usr/bin/crun", NULL, false);
    assert_int_equal(rn.rc, 0);
    const rw_finding_t *f = rw_findings_first(&rn.ctx.findings, RW_SEV_REFUSE);
    assert_non_null(f);
    assert_string_equal(f->rule, "seccomp.invalid-profile");
    assert_non_null(strstr(f->value, "config.json: $.linux.seccomp.syscalls[0].errnoRet"));
    stage_done(&rn);

    char spec[2048];
    /* unknown names: a warning fact by default... */
    snprintf(spec, sizeof(spec), SPEC_UNKNOWN, "");
    stage_run(&rn, "", spec, "/usr/bin/crun", NULL, false);
    assert_null(rw_findings_first(&rn.ctx.findings, RW_SEV_REFUSE));
    json_t *u = json_object_get(fact(&rn, "filter"), "unknownSyscalls");
    assert_int_equal(json_array_size(u), 1);
    assert_string_equal(json_string_value(json_array_get(u, 0)), "no_such_call");
    stage_done(&rn);
    /* ...a refusal with unknownSyscall=error, even for runc */
    stage_run(&rn, "\"unknownSyscall\":\"error\"", spec, "/usr/sbin/runc", NULL, false);
    f = rw_findings_first(&rn.ctx.findings, RW_SEV_REFUSE);
    assert_non_null(f);
    assert_string_equal(f->rule, "seccomp.compile");
    assert_non_null(strstr(f->value, "no_such_call"));
    assert_null(annotation(&rn));
    stage_done(&rn);
    /* ...and when the caller asked crun to fail on unknown names, as crun would */
    snprintf(spec, sizeof(spec), SPEC_UNKNOWN,
             "\"annotations\":{\"run.oci.seccomp_fail_unknown_syscall\":\"1\"},");
    stage_run(&rn, "", spec, "/usr/bin/crun", NULL, false);
    assert_non_null(rw_findings_first(&rn.ctx.findings, RW_SEV_REFUSE));
    stage_done(&rn);
    snprintf(spec, sizeof(spec), SPEC_UNKNOWN,
             "\"annotations\":{\"run.oci.seccomp_fail_unknown_syscall\":\"0\"},");
    stage_run(&rn, "", spec, "/usr/bin/crun", NULL, false);
    assert_null(rw_findings_first(&rn.ctx.findings, RW_SEV_REFUSE));
    stage_done(&rn);
}

static void test_site_profile_unreadable(void **state)
{
    (void)state;
    run_t rn;
    /* override the profile with a missing file: the stage cannot decide (fail closed), and
     * its message avoids the phrases engines map to "command not found" */
    stage_run(&rn, "\"mode\":\"require\",\"profile\":\"/nonexistent/seccomp.json\"", SPEC_NONE,
              "/usr/bin/crun", NULL, false);
    assert_true(rn.rc < 0);
    assert_non_null(rn.err);
    assert_non_null(strstr(rn.err->msg, "/nonexistent/seccomp.json"));
    assert_null(strcasestr(rn.err->msg, "no such file"));
    assert_null(strcasestr(rn.err->msg, "not found"));
    stage_done(&rn);
}

static void test_dry_run_writes_no_cache(void **state)
{
    (void)state;
    char *sub = NULL;
    assert_true(asprintf(&sub, "%s/cache", cache_root) > 0);
    nftw(sub, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    run_t rn;
    stage_run(&rn, "\"mode\":\"require\"", SPEC_NONE, "/usr/bin/crun", NULL, true);
    assert_int_equal(rn.rc, 0);
    assert_non_null(annotation(&rn));
    assert_int_equal(access(sub, F_OK), -1);
    stage_done(&rn);
    free(sub);
}

/* Runs the annotations stage and then the seccomp stage, as the pipeline orders them. */
static void both_stages(run_t *rn, const char *spec)
{
    memset(rn, 0, sizeof(*rn));
    char *prof = profile_path();
    char *txt = NULL;
    assert_true(asprintf(&txt, "{\"seccomp\":{\"profile\":\"%s\",\"cacheDir\":\"%s/cache\"}}", prof,
                         cache_root) > 0);
    assert_int_equal(rw_config_parse(txt, strlen(txt), "rw.json", &rn->cfg, NULL), 0);
    assert_int_equal(rw_ctx_init(&rn->ctx, rn->cfg, &rn->inv, "/usr/bin/crun"), 0);
    assert_int_equal(rw_spec_parse(spec, strlen(spec), "config.json", &rn->ctx.spec, NULL), 0);
    assert_true(rw_stage_annotations.run(&rn->ctx, &rn->err) >= 0);
    rn->rc = rw_stage_seccomp.run(&rn->ctx, &rn->err);
    free(txt);
    free(prof);
}

/* A bundle started twice carries runwarden's own hand-over: not a caller override. */
static void test_reused_bundle(void **state)
{
    (void)state;
    run_t rn;
    stage_run(&rn, "", SPEC_ENGINE, "/usr/bin/crun", NULL, false);
    size_t len = 0;
    char *second = rw_spec_serialize(rn.ctx.spec, &len);
    assert_non_null(second);
    char *b64 = strdup(annotation(&rn));
    stage_done(&rn);
    both_stages(&rn, second);
    assert_int_equal(rn.rc, 0);
    assert_null(rw_findings_first(&rn.ctx.findings, RW_SEV_REFUSE));
    assert_string_equal(annotation(&rn), b64);
    assert_non_null(fact(&rn, "previousHandOver"));
    stage_done(&rn);
    /* a different value is the caller's: still refused */
    char *forged = strdup(second);
    char *p = strstr(forged, b64);
    assert_non_null(p);
    p[0] = p[0] == 'A' ? 'B' : 'A';
    both_stages(&rn, forged);
    const rw_finding_t *f = rw_findings_first(&rn.ctx.findings, RW_SEV_REFUSE);
    assert_non_null(f);
    assert_string_equal(f->rule, "annotations.dangerous");
    stage_done(&rn);
    free(forged);
    free(second);
    free(b64);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_passthrough),
        cmocka_unit_test(test_require),
        cmocka_unit_test(test_replace_and_tenants),
        cmocka_unit_test(test_runc_and_no_handover),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_site_profile_unreadable),
        cmocka_unit_test(test_dry_run_writes_no_cache),
        cmocka_unit_test(test_reused_bundle),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
