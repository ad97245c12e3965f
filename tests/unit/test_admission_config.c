/* The `admission` section parser: what it accepts, and that every mistake is refused with
 * a message naming the JSON path; plus the stage on a hand-made context (tenant, mode,
 * facts, the tenant record an exec is judged by). */
#include <errno.h>
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

#include "common/cleanup.h"
#include "common/json.h"
#include "conf/config.h"
#include "conf/config_admission.h"
#include "launcher/pipeline.h"
#include "launcher/stages.h"
#include "policy/admission.h"

typedef struct cfg_vector {
    const char *json;
    const char *error; /* NULL: accepted */
} cfg_vector_t;

static const cfg_vector_t cfg_vectors[] = {
    {"{}", NULL},
    {"{\"tenants\":{\"a\":{\"level\":\"restricted\",\"mode\":\"warn\"}},\"defaultTenant\":\"a\"}",
     NULL},
    {"{\"tenants\":{\"a\":{\"level\":\"baseline\"}},\"defaultTenant\":\"a\",\"match\":[{\"uid\":"
     "\"1000-2000\",\"tenant\":\"a\"},{\"loginUid\":\"unset\",\"tenant\":\"a\"},{\"group\":"
     "\"sudo\",\"tenant\":\"a\"},{\"kubernetesNamespace\":\"kube-*\",\"tenant\":\"a\"}]}",
     NULL},
    {"{\"tenants\":{\"a\":{\"level\":\"baseline\",\"overrides\":{\"allowCapabilities\":["
     "\"NET_ADMIN\",\"cap_sys_ptrace\"],\"allowHostNamespaces\":[\"net\",\"pid\"],"
     "\"runAsUidRanges\":[0,\"1000-1999\"],\"maxRlimits\":{\"RLIMIT_NOFILE\":1024},"
     "\"mutate\":{\"noNewPrivileges\":true,\"memoryLimit\":1048576},\"rules\":{"
     "\"hooks.allowlist\":\"warn\"}}}},\"defaultTenant\":\"a\"}",
     NULL},
    {"{\"tenants\":{\"a\":{\"level\":\"baseline\"}},\"defualtTenant\":\"a\"}",
     "$.admission.defualtTenant: unknown key"},
    {"{\"tenants\":{\"a\":{\"level\":\"baseline\"}}}", "'default' is not a key"},
    {"{\"tenants\":{\"a\":{\"level\":\"permissive\"}},\"defaultTenant\":\"a\"}",
     "$.admission.tenants.a.level: 'permissive'"},
    {"{\"tenants\":{\"a\":{\"level\":\"baseline\",\"mode\":\"loud\"}},\"defaultTenant\":\"a\"}",
     "$.admission.tenants.a.mode: 'loud'"},
    {"{\"tenants\":{}}", "must be a non-empty object"},
    {"{\"match\":[{\"uid\":0,\"tenant\":\"nobody\"}]}", "$.admission.match[0].tenant: 'nobody'"},
    {"{\"match\":[{\"tenant\":\"default\"}]}", "a match needs"},
    {"{\"match\":[{\"uid\":\"20-10\",\"tenant\":\"default\"}]}", "is not a range"},
    {"{\"match\":[{\"uid\":-1,\"tenant\":\"default\"}]}", "is not a valid id"},
    {"{\"match\":[{\"uid\":\"a:b\",\"tenant\":\"default\"}]}", "is not a valid name"},
    {"{\"match\":[{\"uid\":\"unset\",\"tenant\":\"default\"}]}", NULL}, /* a user named unset */
    {"{\"match\":[{\"annotations\":{\"k\":1},\"tenant\":\"default\"}]}", "must be a string"},
    {"{\"match\":[{\"uid\":0,\"tenant\":\"default\",\"extra\":1}]}",
     "$.admission.match[0].extra: unknown key"},
    {"{\"overrides\":{\"allowCapabilities\":[\"CAP_FLY\"]}}", "'CAP_FLY' is not a capability"},
    {"{\"overrides\":{\"allowHostNamespaces\":[\"netw\"]}}", "'netw' is not a namespace type"},
    {"{\"overrides\":{\"rules\":{\"caps.everything\":\"off\"}}}",
     "$.admission.overrides.rules.caps.everything: unknown rule"},
    {"{\"overrides\":{\"rules\":{\"hooks.allowlist\":\"maybe\"}}}", "must be \"off\""},
    {"{\"overrides\":{\"maxRlimits\":{\"RLIMIT_FOO\":1}}}", "not an RLIMIT_* name"},
    {"{\"overrides\":{\"maxRlimits\":{\"RLIMIT_NOFILE\":-1}}}", "non-negative integer"},
    {"{\"overrides\":{\"mutate\":{\"memoryLimit\":1}}}", "is outside"},
    {"{\"overrides\":{\"mutate\":{\"dropCaps\":true}}}", "mutate.dropCaps: unknown key"},
    {"{\"overrides\":{\"runAsUidRanges\":[\"alice\"]}}", "must be numeric"},
    {"{\"overrides\":{\"allowHostPaths\":[\"relative/path\"]}}", "is not an absolute path"},
    {"{\"sensitivePaths\":[\"\"]}", "must not be empty"},
    {"{\"hookAllowlist\":\"/usr/bin/x\"}", "must be an array of strings"},
    {"{\"stateDir\":\"run/x\"}", "$.admission.stateDir: must be an absolute path"},
    {"{\"overrides\":{\"requireReadOnlyRootfs\":\"yes\"}}", "must be true or false"},
    {"[]", "$.admission: must be an object"},
};

static void test_config_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cfg_vectors) / sizeof(cfg_vectors[0]); i++) {
        const cfg_vector_t *v = &cfg_vectors[i];
        cleanup_json json_t *j = json_loads(v->json, 0, NULL);
        assert_non_null(j);
        rw_admission_config_t *c = NULL;
        rw_error_t *err = NULL;
        int r = rw_admission_config_parse(j, "rw.json", &c, &err);
        if (!v->error) {
            if (r < 0)
                fail_msg("config %zu should parse: %s", i, err ? err->msg : "?");
            assert_non_null(c);
        } else {
            if (r >= 0)
                fail_msg("config %zu should fail with '%s'", i, v->error);
            assert_non_null(err);
            if (!strstr(err->msg, v->error))
                fail_msg("config %zu: '%s' lacks '%s'", i, err->msg, v->error);
            assert_non_null(strstr(err->msg, "rw.json"));
        }
        rw_admission_config_free(c);
        rw_error_free(err);
    }
}

static void test_config_defaults(void **state)
{
    (void)state;
    cleanup_json json_t *j = json_object();
    cleanup_admission_config rw_admission_config_t *c = NULL;
    assert_int_equal(rw_admission_config_parse(j, "x", &c, NULL), 0);
    assert_int_equal(c->n_tenants, 1);
    assert_string_equal(c->tenants[0].name, "default");
    assert_int_equal(c->tenants[0].level, RW_ADM_BASELINE);
    assert_string_equal(c->state_dir, RW_ADM_DEFAULT_STATE_DIR);
    assert_null(c->annotation_denylist);
    rw_admission_config_t *none = (rw_admission_config_t *)1;
    assert_int_equal(rw_admission_config_parse(NULL, "x", &none, NULL), 0);
    assert_null(none);
    assert_int_equal(rw_adm_cap_number("sys_admin"), 21);
    assert_int_equal(rw_adm_cap_number("CAP_CHECKPOINT_RESTORE"), 40);
    assert_int_equal(rw_adm_cap_number("CAP_NOPE"), -1);
    assert_int_equal(rw_adm_ns_bit("network"), RW_ADM_NS_NET);
}

static void test_paths(void **state)
{
    (void)state;
    struct {
        const char *base, *in, *out;
    } clean[] = {{NULL, "/a//b/../c/.", "/a/c"}, {NULL, "/../../x", "/x"},
                 {"/b/u", "../../etc", "/etc"},  {NULL, "/", "/"},
                 {"/b", "x/./y", "/b/x/y"},      {NULL, "//", "/"}};
    for (size_t i = 0; i < sizeof(clean) / sizeof(clean[0]); i++) {
        cleanup_free char *c = rw_adm_path_clean(clean[i].base, clean[i].in);
        assert_string_equal(c, clean[i].out);
    }
}

/* ---- the stage on a hand-made context ------------------------------------------------ */

#define STAGE_CONFIG                                                                               \
    "{\"admission\":{\"stateDir\":\"%s\",\"tenants\":{\"default\":{\"level\":\"baseline\"},"       \
    "\"ci\":{\"level\":\"baseline\",\"mode\":\"warn\"}},\"match\":[{\"loginUid\":4243,"            \
    "\"tenant\":\"ci\"}]},\"mounts\":{\"enabled\":false}}"

static const char *stage_spec =
    "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"/bin/true\"],\"cwd\":\"/\","
    "\"capabilities\":{\"bounding\":[\"CAP_SYS_ADMIN\"]}},\"root\":{\"path\":\"rootfs\"},"
    "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},"
    "{\"type\":\"uts\"},{\"type\":\"mount\"}],\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\","
    "\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]},\"maskedPaths\":["
    "\"/proc/acpi\",\"/proc/kcore\",\"/proc/keys\",\"/proc/timer_list\",\"/proc/sched_debug\","
    "\"/proc/scsi\",\"/sys/firmware\"],\"readonlyPaths\":[\"/proc/bus\",\"/proc/fs\","
    "\"/proc/irq\",\"/proc/sys\",\"/proc/sysrq-trigger\"]}}";

typedef struct stage_env {
    char dir[64];
    rw_config_t *cfg;
} stage_env_t;

static int stage_setup(void **state)
{
    stage_env_t *e = calloc(1, sizeof(*e));
    snprintf(e->dir, sizeof(e->dir), "/tmp/rw-adm-unit.XXXXXX");
    if (!mkdtemp(e->dir))
        return -1;
    char sd[128], text[2048];
    snprintf(sd, sizeof(sd), "%s/state", e->dir);
    snprintf(text, sizeof(text), STAGE_CONFIG, sd);
    if (rw_config_parse(text, strlen(text), "rw.json", &e->cfg, NULL) < 0)
        return -1;
    *state = e;
    return 0;
}

static int stage_teardown(void **state)
{
    stage_env_t *e = *state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", e->dir);
    if (system(cmd) != 0)
        return -1;
    rw_config_free(e->cfg);
    free(e);
    return 0;
}

static rw_identity_t *make_who(int64_t loginuid)
{
    rw_identity_t *w = calloc(1, sizeof(*w));
    w->loginuid = loginuid;
    w->sessionid = RW_ID_UNSET;
    return w;
}

static int run_stage(const rw_stage_t *st, rw_ctx_t *ctx)
{
    if (st->applies && !st->applies(ctx))
        return 1;
    rw_error_t *err = NULL;
    int r = st->run(ctx, &err);
    if (r < 0)
        fprintf(stderr, "stage %s: %s\n", st->name, err ? err->msg : "?");
    rw_error_free(err);
    return r;
}

static void test_stage_create_and_exec(void **state)
{
    stage_env_t *e = *state;
    /* create by login uid 4243: tenant ci, warn mode, SYS_ADMIN reported not refused */
    char rt[128], rtc[160];
    snprintf(rt, sizeof(rt), "%s/rt", e->dir);
    snprintf(rtc, sizeof(rtc), "%s/ctr-1", rt);
    assert_int_equal(mkdir(rt, 0700), 0);
    char *argv[] = {"crun", "--root", rt, "create", "--bundle", e->dir, "ctr-1", NULL};
    rw_invocation_t inv;
    assert_int_equal(rw_cli_parse(7, argv, RW_FLAVOR_CRUN, &inv), 0);
    rw_ctx_t ctx;
    assert_int_equal(rw_ctx_init(&ctx, e->cfg, &inv, "/usr/bin/crun"), 0);
    assert_int_equal(rw_spec_parse(stage_spec, strlen(stage_spec), "config.json", &ctx.spec, NULL),
                     0);
    ctx.who = make_who(4243);
    assert_int_equal(run_stage(&rw_stage_admission, &ctx), 0);
    assert_string_equal(ctx.tenant, "ci");
    assert_int_equal(ctx.mode, RW_MODE_WARN);
    assert_int_equal(rw_pipeline_decision(&ctx), RW_DECISION_WARNED);
    json_t *facts = json_object_get(ctx.facts, "admission");
    assert_string_equal(json_string_value(json_object_get(facts, "tenant")), "ci");
    assert_string_equal(json_string_value(json_object_get(facts, "matchedBy")), "match[0]");
    assert_string_equal(json_string_value(json_object_get(json_object_get(facts, "rules"),
                                                          "capabilities.beyond-level")),
                        "refuse");
    /* no hook is added: the record expires by itself (each hook costs the runtime a fork) */
    assert_int_equal(ctx.spec->n_hooks, 0);
    assert_int_equal(ctx.spec->n_changes, 0);
    /* the commit stage records the tenant (not dry run, not refused) */
    assert_int_equal(run_stage(&rw_stage_admission_commit, &ctx), 0);
    char *t = NULL;
    char sd[128];
    snprintf(sd, sizeof(sd), "%s/state", e->dir);
    /* the runtime has not made the container yet: the record does not count (and stays) */
    assert_int_equal(rw_admission_state_read(sd, "ctr-1", rt, &t, NULL), 0);
    assert_null(t);
    assert_int_equal(mkdir(rtc, 0700), 0); /* what the runtime does next */
    assert_int_equal(rw_admission_state_read(sd, "ctr-1", rt, &t, NULL), 0);
    assert_string_equal(t, "ci");
    free(t);
    /* ctx.tenant is owned and freed by rw_ctx_clear */
    rw_ctx_clear(&ctx);

    /* an exec by an unknown starter is judged as the container's tenant (ci) */
    char *xargv[] = {"crun", "--root", rt, "exec", "--cap", "CAP_SYS_ADMIN", "ctr-1", "sh", NULL};
    assert_int_equal(rw_cli_parse(8, xargv, RW_FLAVOR_CRUN, &inv), 0);
    assert_int_equal(rw_ctx_init(&ctx, e->cfg, &inv, "/usr/bin/crun"), 0);
    assert_int_equal(run_stage(&rw_stage_admission, &ctx), 0);
    assert_string_equal(ctx.tenant, "ci");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(ctx.facts, "admission"), "matchedBy")),
        "container");
    const rw_finding_t *f = rw_findings_first(&ctx.findings, RW_SEV_REFUSE);
    assert_non_null(f);
    assert_string_equal(f->rule, "admission.exec.capabilities");
    /* ctx.tenant is owned and freed by rw_ctx_clear */
    rw_ctx_clear(&ctx);

    /* a container without a record: the exec starter's tenant (default, enforce) */
    char *yargv[] = {"crun", "exec", "--cap", "CAP_SYS_ADMIN", "ctr-2", "sh", NULL};
    assert_int_equal(rw_cli_parse(6, yargv, RW_FLAVOR_CRUN, &inv), 0);
    assert_int_equal(rw_ctx_init(&ctx, e->cfg, &inv, "/usr/bin/crun"), 0);
    assert_int_equal(run_stage(&rw_stage_admission, &ctx), 0);
    assert_string_equal(ctx.tenant, "default");
    assert_int_equal(rw_pipeline_decision(&ctx), RW_DECISION_REFUSED);
    /* ctx.tenant is owned and freed by rw_ctx_clear */
    rw_ctx_clear(&ctx);

    /* the same id under another runtime root is another container: the starter's tenant */
    char *zargv[] = {"crun", "exec", "--cap", "CAP_SYS_ADMIN", "ctr-1", "sh", NULL};
    assert_int_equal(rw_cli_parse(6, zargv, RW_FLAVOR_CRUN, &inv), 0);
    assert_int_equal(rw_ctx_init(&ctx, e->cfg, &inv, "/usr/bin/crun"), 0);
    assert_int_equal(run_stage(&rw_stage_admission, &ctx), 0);
    assert_string_equal(ctx.tenant, "default");
    rw_ctx_clear(&ctx);

    /* removal by the hook's helper (bundles of older builds still name the hook) */
    assert_int_equal(rw_admission_state_remove(sd, "ctr-1"), 0);
    t = NULL;
    assert_int_equal(rw_admission_state_read(sd, "ctr-1", rt, &t, NULL), 0);
    assert_null(t);
    assert_false(rw_admission_state_id_ok("../etc"));
    assert_false(rw_admission_state_id_ok(".."));
    assert_false(rw_admission_state_id_ok(""));
    assert_true(rw_admission_state_id_ok("abc-DEF_1.2"));
}

static void test_stage_refused_leaves_nothing(void **state)
{
    stage_env_t *e = *state;
    char *argv[] = {"crun", "create", "--bundle", e->dir, "ctr-3", NULL};
    rw_invocation_t inv;
    assert_int_equal(rw_cli_parse(5, argv, RW_FLAVOR_CRUN, &inv), 0);
    rw_ctx_t ctx;
    assert_int_equal(rw_ctx_init(&ctx, e->cfg, &inv, "/usr/bin/crun"), 0);
    assert_int_equal(rw_spec_parse(stage_spec, strlen(stage_spec), "config.json", &ctx.spec, NULL),
                     0);
    ctx.who = NULL; /* unknown starter: default tenant, enforce */
    assert_int_equal(run_stage(&rw_stage_admission, &ctx), 0);
    assert_string_equal(ctx.tenant, "default");
    assert_int_equal(rw_pipeline_decision(&ctx), RW_DECISION_REFUSED);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(ctx.facts, "admission"), "matchedBy")),
        "default (starter unknown)");
    assert_int_equal(run_stage(&rw_stage_admission_commit, &ctx), 0);
    char sd[128], *t = NULL;
    snprintf(sd, sizeof(sd), "%s/state", e->dir);
    assert_int_equal(rw_admission_state_read(sd, "ctr-3", NULL, &t, NULL), 0);
    assert_null(t);
    /* ctx.tenant is owned and freed by rw_ctx_clear */
    rw_ctx_clear(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_vectors),
        cmocka_unit_test(test_config_defaults),
        cmocka_unit_test(test_paths),
        cmocka_unit_test_setup_teardown(test_stage_create_and_exec, stage_setup, stage_teardown),
        cmocka_unit_test_setup_teardown(test_stage_refused_leaves_nothing, stage_setup,
                                        stage_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
