/* The `ebpf` stage on hand-made contexts: no hook by default (the kernel binds the
 * container), a createRuntime hook where the binding must be confirmed (ebpf.required, an
 * egress allowlist), never a poststop hook; it removes CAP_NET_RAW unless the tenant allows raw
 * sockets (at create, and at exec: from process.json, or a refusal for an inline --cap), and
 * decides by ebpf.required when the helper is missing. */
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

#include "common/json.h"
#include "conf/config.h"
#include "launcher/pipeline.h"
#include "launcher/stages.h"

static const char *spec_text =
    "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"/bin/true\"],\"cwd\":\"/\","
    "\"capabilities\":{\"bounding\":[\"CAP_KILL\",\"CAP_NET_RAW\"],\"effective\":[\"CAP_NET_"
    "RAW\"],\"permitted\":[\"CAP_KILL\",\"CAP_NET_RAW\"]}},\"root\":{\"path\":\"rootfs\"},"
    "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"}]}}";

typedef struct env {
    char dir[64];
    char helper[128];
} env_t;

static int setup(void **state)
{
    env_t *e = calloc(1, sizeof(*e));
    snprintf(e->dir, sizeof(e->dir), "/tmp/rw-ebpf-unit.XXXXXX");
    if (!mkdtemp(e->dir))
        return -1;
    snprintf(e->helper, sizeof(e->helper), "%s/runwarden-bpf", e->dir);
    FILE *f = fopen(e->helper, "w");
    if (!f)
        return -1;
    fputs("#!/bin/sh\nexit 0\n", f);
    fclose(f);
    chmod(e->helper, 0755);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    env_t *e = *state;
    unlink(e->helper);
    rmdir(e->dir);
    free(e);
    return 0;
}

typedef struct run {
    rw_config_t *cfg;
    rw_invocation_t inv;
    rw_ctx_t ctx;
} run_t;

static void run_stage(run_t *r, const char *ebpf_json, const char *tenant)
{
    char text[2048];
    snprintf(text, sizeof(text), "{\"ebpf\":%s}", ebpf_json);
    rw_error_t *err = NULL;
    if (rw_config_parse(text, strlen(text), "rw.json", &r->cfg, &err) < 0)
        fail_msg("config: %s", err ? err->msg : "?");
    char *argv[] = {"crun", "create", "--bundle", "/nonexistent", "ctr-1", NULL};
    assert_int_equal(rw_cli_parse(5, argv, RW_FLAVOR_CRUN, &r->inv), 0);
    assert_int_equal(rw_ctx_init(&r->ctx, r->cfg, &r->inv, "/usr/bin/crun"), 0);
    assert_int_equal(rw_spec_parse(spec_text, strlen(spec_text), "config.json", &r->ctx.spec, NULL),
                     0);
    r->ctx.tenant = tenant ? strdup(tenant) : NULL;
    assert_true(rw_stage_ebpf.applies(&r->ctx));
    if (rw_stage_ebpf.run(&r->ctx, &err) < 0)
        fail_msg("stage: %s", err ? err->msg : "?");
}

static void done(run_t *r)
{
    free(r->ctx.tenant);
    r->ctx.tenant = NULL;
    rw_ctx_clear(&r->ctx);
    rw_config_free(r->cfg);
}

static size_t count_cap(const rw_spec_t *s, const char *set)
{
    const char *keys[] = {"process", "capabilities", set, NULL};
    json_t *a = rw_spec_get(s, keys);
    size_t n = 0, i;
    json_t *v;
    json_array_foreach(a, i, v) n += strcmp(json_string_value(v), "CAP_NET_RAW") == 0;
    return n;
}

static const char *hook_arg(const rw_spec_t *s, const char *when, size_t idx)
{
    const char *keys[] = {"hooks", when, NULL};
    json_t *arr = rw_spec_get(s, keys);
    json_t *h = json_array_get(arr, json_array_size(arr) ? json_array_size(arr) - 1 : 0);
    return json_string_value(json_array_get(json_object_get(h, "args"), idx));
}

static bool hook_has_arg(const rw_spec_t *s, const char *when, const char *arg)
{
    for (size_t i = 0; hook_arg(s, when, i); i++)
        if (strcmp(hook_arg(s, when, i), arg) == 0)
            return true;
    return false;
}

static void test_hooks_and_net_raw(void **state)
{
    env_t *e = *state;
    char j[512];
    snprintf(j, sizeof(j), "{\"helper\":\"%s\"}", e->helper);
    run_t r;
    memset(&r, 0, sizeof(r));
    run_stage(&r, j, "team-a");
    assert_int_equal(rw_pipeline_decision(&r.ctx), RW_DECISION_ALLOWED);
    const char *hooks[] = {"hooks", NULL};
    assert_null(rw_spec_get(r.ctx.spec, hooks)); /* the kernel binds it: no hook process */
    assert_int_equal(count_cap(r.ctx.spec, "bounding"), 0);
    assert_int_equal(count_cap(r.ctx.spec, "effective"), 0);
    assert_int_equal(count_cap(r.ctx.spec, "permitted"), 0);
    json_t *f = json_object_get(json_object_get(r.ctx.facts, "ebpf"), "policy");
    assert_true(json_is_false(json_object_get(f, "hooks")));
    assert_true(json_is_true(json_object_get(f, "capNetRawRemoved")));
    done(&r);

    /* required, or an egress allowlist: a createRuntime hook confirms the binding */
    const char *extra[] = {"\"required\":true",
                           "\"egress\":[{\"cidr\":\"10.0.0.0/8\",\"ports\":[443]}]"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(j, sizeof(j), "{\"helper\":\"%s\",%s}", e->helper, extra[i]);
        memset(&r, 0, sizeof(r));
        run_stage(&r, j, "team-a");
        assert_int_equal(rw_pipeline_decision(&r.ctx), RW_DECISION_ALLOWED);
        assert_string_equal(hook_arg(r.ctx.spec, "createRuntime", 2), "ebpf-create-runtime");
        assert_true(hook_has_arg(r.ctx.spec, "createRuntime", "--tenant=team-a"));
        const char *post[] = {"hooks", "poststop", NULL};
        assert_null(rw_spec_get(r.ctx.spec, post));
        f = json_object_get(json_object_get(r.ctx.facts, "ebpf"), "policy");
        assert_true(json_is_true(json_object_get(f, "hooks")));
        done(&r);
    }
}

static void test_tenant_allows_raw(void **state)
{
    env_t *e = *state;
    char j[512];
    snprintf(j, sizeof(j), "{\"helper\":\"%s\",\"tenants\":{\"net\":{\"allowRawSockets\":true}}}",
             e->helper);
    run_t r;
    memset(&r, 0, sizeof(r));
    run_stage(&r, j, "net");
    assert_int_equal(count_cap(r.ctx.spec, "bounding"), 1);
    done(&r);
}

static void test_helper_missing(void **state)
{
    (void)state;
    run_t r;
    memset(&r, 0, sizeof(r));
    run_stage(&r, "{\"required\":true,\"helper\":\"/nonexistent/runwarden-bpf\"}", NULL);
    assert_int_equal(rw_pipeline_decision(&r.ctx), RW_DECISION_REFUSED);
    const char *keys[] = {"hooks", NULL};
    assert_null(rw_spec_get(r.ctx.spec, keys));
    done(&r);

    memset(&r, 0, sizeof(r));
    run_stage(&r, "{\"required\":false,\"helper\":\"/nonexistent/runwarden-bpf\"}", NULL);
    assert_int_equal(rw_pipeline_decision(&r.ctx), RW_DECISION_WARNED);
    assert_null(rw_spec_get(r.ctx.spec, keys));
    json_t *f = json_object_get(json_object_get(r.ctx.facts, "ebpf"), "policy");
    assert_non_null(strstr(json_string_value(json_object_get(f, "notAttached")), "helper"));
    done(&r);
}

static void test_disabled(void **state)
{
    (void)state;
    run_t r;
    memset(&r, 0, sizeof(r));
    run_stage(&r, "{\"enabled\":false}", NULL);
    const char *keys[] = {"hooks", NULL};
    assert_null(rw_spec_get(r.ctx.spec, keys));
    assert_int_equal(count_cap(r.ctx.spec, "bounding"), 1);
    done(&r);
}

static const char *process_text =
    "{\"args\":[\"/bin/sh\"],\"cwd\":\"/\",\"capabilities\":{\"bounding\":[\"CAP_KILL\","
    "\"CAP_NET_RAW\"],\"effective\":[\"CAP_NET_RAW\"],\"permitted\":[\"CAP_NET_RAW\"]}}";

/* An exec of container ctr-1: with process.json when with_process, else inline with argv. */
static void run_exec_stage(run_t *r, const char *ebpf_json, const char *tenant, bool with_process,
                           int argc, char **argv)
{
    char text[2048];
    snprintf(text, sizeof(text), "{\"ebpf\":%s}", ebpf_json);
    rw_error_t *err = NULL;
    if (rw_config_parse(text, strlen(text), "rw.json", &r->cfg, &err) < 0)
        fail_msg("config: %s", err ? err->msg : "?");
    assert_int_equal(rw_cli_parse(argc, argv, RW_FLAVOR_RUNC, &r->inv), 0);
    assert_int_equal(rw_ctx_init(&r->ctx, r->cfg, &r->inv, "/usr/bin/runc"), 0);
    if (with_process)
        assert_int_equal(rw_spec_parse(process_text, strlen(process_text), "process.json",
                                       &r->ctx.process, NULL),
                         0);
    r->ctx.tenant = tenant ? strdup(tenant) : NULL;
    assert_true(rw_stage_ebpf.applies(&r->ctx));
    if (rw_stage_ebpf.run(&r->ctx, &err) < 0)
        fail_msg("stage: %s", err ? err->msg : "?");
}

static size_t count_exec_cap(const rw_spec_t *s, const char *set)
{
    const char *keys[] = {"capabilities", set, NULL};
    json_t *a = rw_spec_get(s, keys);
    size_t n = 0, i;
    json_t *v;
    json_array_foreach(a, i, v) n += strcmp(json_string_value(v), "CAP_NET_RAW") == 0;
    return n;
}

static void test_exec_process_net_raw(void **state)
{
    (void)state;
    char *argv[] = {"runc", "exec", "--process", "/nonexistent/process.json", "ctr-1", NULL};
    run_t r;
    memset(&r, 0, sizeof(r));
    run_exec_stage(&r, "{}", "team-a", true, 5, argv);
    assert_int_equal(rw_pipeline_decision(&r.ctx), RW_DECISION_ALLOWED);
    assert_int_equal(count_exec_cap(r.ctx.process, "bounding"), 0);
    assert_int_equal(count_exec_cap(r.ctx.process, "effective"), 0);
    assert_int_equal(count_exec_cap(r.ctx.process, "permitted"), 0);
    json_t *f = json_object_get(json_object_get(r.ctx.facts, "ebpf"), "policy");
    assert_true(json_is_true(json_object_get(f, "capNetRawRemoved")));
    assert_string_equal(json_string_value(json_object_get(f, "tenant")), "team-a");
    done(&r);

    /* a tenant that may open raw sockets keeps it */
    memset(&r, 0, sizeof(r));
    run_exec_stage(&r, "{\"tenants\":{\"net\":{\"allowRawSockets\":true}}}", "net", true, 5, argv);
    assert_int_equal(count_exec_cap(r.ctx.process, "bounding"), 1);
    f = json_object_get(json_object_get(r.ctx.facts, "ebpf"), "policy");
    assert_true(json_is_false(json_object_get(f, "capNetRawRemoved")));
    done(&r);
}

static void test_exec_inline_net_raw(void **state)
{
    (void)state;
    char *argv[] = {"runc", "exec", "--cap", "CAP_NET_RAW", "ctr-1", "/bin/sh", NULL};
    run_t r;
    memset(&r, 0, sizeof(r));
    run_exec_stage(&r, "{}", NULL, false, 6, argv);
    assert_int_equal(rw_pipeline_decision(&r.ctx), RW_DECISION_REFUSED);
    json_t *f = json_object_get(json_object_get(r.ctx.facts, "ebpf"), "policy");
    assert_non_null(json_object_get(f, "capNetRawRefused"));
    done(&r);

    /* another capability, or the feature off: nothing to say */
    char *other[] = {"runc", "exec", "--cap", "CAP_KILL", "ctr-1", "/bin/sh", NULL};
    memset(&r, 0, sizeof(r));
    run_exec_stage(&r, "{}", NULL, false, 6, other);
    assert_int_equal(rw_pipeline_decision(&r.ctx), RW_DECISION_ALLOWED);
    done(&r);
    memset(&r, 0, sizeof(r));
    run_exec_stage(&r, "{\"enabled\":false}", NULL, false, 6, argv);
    assert_int_equal(rw_pipeline_decision(&r.ctx), RW_DECISION_ALLOWED);
    done(&r);
}

int main(void)
{
    if (geteuid() != 0) {
        printf("skipped: the stage checks for root-owned helpers and BPF capabilities\n");
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hooks_and_net_raw),    cmocka_unit_test(test_tenant_allows_raw),
        cmocka_unit_test(test_helper_missing),       cmocka_unit_test(test_disabled),
        cmocka_unit_test(test_exec_process_net_raw), cmocka_unit_test(test_exec_inline_net_raw),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
