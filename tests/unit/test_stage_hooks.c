/* The `hooks` stage merges runwarden's own hooks of a phase into one entry, keeps the
 * engine's hooks and their order, deduplicates parts from an earlier pass, and leaves a
 * phase with a single runwarden hook alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/json.h"
#include "conf/config.h"
#include "launcher/hooks.h"
#include "launcher/pipeline.h"
#include "launcher/stages.h"

typedef struct run {
    rw_config_t *cfg;
    rw_invocation_t inv;
    rw_ctx_t ctx;
} run_t;

/* hooks_json: the "hooks" object, with SELF standing for runwarden's own path */
static void run_stage(run_t *r, const char *hooks_json)
{
    char *self = rw_hook_self_path();
    assert_non_null(self);
    char text[4096];
    int n = snprintf(text, sizeof(text),
                     "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"/bin/true\"],"
                     "\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\"},\"hooks\":%s}",
                     hooks_json);
    assert_true(n > 0 && (size_t)n < sizeof(text));
    /* substitute SELF */
    char out[8192] = "";
    const char *p = text;
    for (const char *q; (q = strstr(p, "SELF"));) {
        strncat(out, p, (size_t)(q - p));
        strncat(out, self, sizeof(out) - strlen(out) - 1);
        p = q + 4;
    }
    strncat(out, p, sizeof(out) - strlen(out) - 1);
    free(self);
    rw_error_t *err = NULL;
    assert_int_equal(rw_config_parse("{}", 2, "rw.json", &r->cfg, &err), 0);
    char *argv[] = {"crun", "create", "--bundle", "/nonexistent", "ctr-1", NULL};
    assert_int_equal(rw_cli_parse(5, argv, RW_FLAVOR_CRUN, &r->inv), 0);
    assert_int_equal(rw_ctx_init(&r->ctx, r->cfg, &r->inv, "/usr/bin/crun"), 0);
    if (rw_spec_parse(out, strlen(out), "config.json", &r->ctx.spec, &err) < 0)
        fail_msg("spec: %s", err ? err->msg : "?");
    if (rw_stage_hooks.applies(&r->ctx) && rw_stage_hooks.run(&r->ctx, &err) < 0)
        fail_msg("stage: %s", err ? err->msg : "?");
}

static void run_clear(run_t *r)
{
    rw_ctx_clear(&r->ctx);
    rw_config_free(r->cfg);
}

static json_t *phase(run_t *r, const char *name)
{
    const char *keys[] = {"hooks", name, NULL};
    return rw_spec_get(r->ctx.spec, keys);
}

static char *args_of(json_t *hook)
{
    json_t *a = json_object_get(hook, "args");
    size_t i;
    json_t *v;
    char buf[1024] = "";
    json_array_foreach(a, i, v)
    {
        if (i)
            strncat(buf, " ", sizeof(buf) - strlen(buf) - 1);
        strncat(buf, json_string_value(v), sizeof(buf) - strlen(buf) - 1);
    }
    return strdup(buf);
}

static void test_merges_keeping_engine_hooks(void **state)
{
    (void)state;
    run_t r;
    run_stage(&r, "{\"poststop\":["
                  "{\"path\":\"/usr/libexec/engine-hook\",\"args\":[\"engine-hook\",\"x\"]},"
                  "{\"path\":\"SELF\",\"args\":[\"runwarden\",\"hook\",\"admission-forget\"],"
                  "\"env\":[\"RUNWARDEN_CONFIG=/etc/rw.json\"],\"timeout\":10},"
                  "{\"path\":\"/usr/libexec/other\"},"
                  "{\"path\":\"SELF\",\"args\":[\"runwarden\",\"hook\",\"ebpf-poststop\","
                  "\"--tenant=a\"],\"timeout\":30},"
                  "{\"path\":\"SELF\",\"args\":[\"runwarden\",\"hook\",\"lsm-poststop\","
                  "\"--root\",\"/run/crun\"],\"env\":[\"RUNWARDEN_CONFIG=/etc/rw.json\","
                  "\"XDG_RUNTIME_DIR=/run/user/0\"]}]}");
    json_t *ps = phase(&r, "poststop");
    assert_int_equal(json_array_size(ps), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(ps, 0), "path")),
                        "/usr/libexec/engine-hook");
    char *a = args_of(json_array_get(ps, 1));
    assert_string_equal(a, "runwarden hook admission-forget + ebpf-poststop --tenant=a + "
                           "lsm-poststop --root /run/crun");
    free(a);
    json_t *env = json_object_get(json_array_get(ps, 1), "env");
    assert_int_equal(json_array_size(env), 2);
    /* one part had no timeout: the merged entry has none either */
    assert_null(json_object_get(json_array_get(ps, 1), "timeout"));
    assert_string_equal(json_string_value(json_object_get(json_array_get(ps, 2), "path")),
                        "/usr/libexec/other");
    assert_int_equal(r.ctx.spec->n_changes, 1);
    run_clear(&r);
}

static void test_dedups_an_earlier_pass(void **state)
{
    (void)state;
    run_t r;
    run_stage(&r, "{\"createRuntime\":["
                  "{\"path\":\"SELF\",\"args\":[\"runwarden\",\"hook\",\"ebpf-create-runtime\","
                  "\"--tenant=a\",\"+\",\"admission-forget\"],\"timeout\":40},"
                  "{\"path\":\"SELF\",\"args\":[\"runwarden\",\"hook\",\"ebpf-create-runtime\","
                  "\"--tenant=a\"],\"timeout\":30}]}");
    json_t *cr = phase(&r, "createRuntime");
    assert_int_equal(json_array_size(cr), 1);
    char *a = args_of(json_array_get(cr, 0));
    assert_string_equal(a, "runwarden hook ebpf-create-runtime --tenant=a + admission-forget");
    free(a);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(cr, 0), "timeout")), 70);
    run_clear(&r);
}

static void test_single_hook_untouched(void **state)
{
    (void)state;
    run_t r;
    run_stage(&r, "{\"poststop\":[{\"path\":\"SELF\",\"args\":[\"runwarden\",\"hook\","
                  "\"admission-forget\"]}],\"prestart\":[{\"path\":\"SELF\",\"args\":"
                  "[\"runwarden\",\"hook\",\"a\"]},{\"path\":\"SELF\",\"args\":[\"runwarden\","
                  "\"hook\",\"b\"]}]}");
    assert_int_equal(r.ctx.spec->n_changes, 0);
    assert_int_equal(json_array_size(phase(&r, "prestart")), 2);
    run_clear(&r);
}

static void test_foreign_path_not_merged(void **state)
{
    (void)state;
    run_t r;
    /* same args but another binary: not ours, never merged */
    run_stage(&r, "{\"poststop\":[{\"path\":\"/tmp/evil\",\"args\":[\"runwarden\",\"hook\","
                  "\"admission-forget\"]},{\"path\":\"SELF\",\"args\":[\"runwarden\",\"hook\","
                  "\"ebpf-poststop\"]}]}");
    assert_int_equal(r.ctx.spec->n_changes, 0);
    run_clear(&r);
}

static void test_hook_command_rejects_unknown_part(void **state)
{
    (void)state;
    char *argv[] = {"hook", "admission-forget", "+", "no-such-hook", NULL};
    assert_int_equal(rw_cmd_hook(4, argv), 2);
    char *argv2[] = {"hook", "admission-forget", "+", NULL};
    assert_int_equal(rw_cmd_hook(3, argv2), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merges_keeping_engine_hooks),
        cmocka_unit_test(test_dedups_an_earlier_pass),
        cmocka_unit_test(test_single_hook_untouched),
        cmocka_unit_test(test_foreign_path_not_merged),
        cmocka_unit_test(test_hook_command_rejects_unknown_part),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
