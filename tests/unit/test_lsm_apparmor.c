/* AppArmor: the template language, tenant rules, and the profiles runwarden ships, all fed
 * to the real apparmor_parser (compiled without loading). A broken template, whether the
 * template language or AppArmor syntax is wrong, is caught here. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
#include "conf/config_lsm.h"
#include "profiles/apparmor.h"

static char tmpdir[64];
static char data_dir[1024], src_dir[1100];

static int setup(void **state)
{
    (void)state;
    const char *d = getenv("RW_TEST_DATA");
    snprintf(data_dir, sizeof(data_dir), "%s", d ? d : "tests/data");
    snprintf(src_dir, sizeof(src_dir), "%s/../..", data_dir);
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/rw-test-aa.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static bool have_parser(void)
{
    return access("/sbin/apparmor_parser", X_OK) == 0 ||
           access("/usr/sbin/apparmor_parser", X_OK) == 0;
}

/* A config whose template and cache are the test's own. */
static rw_lsm_config_t *config(const char *tmpl, const char *tenants)
{
    char text[4096];
    snprintf(text, sizeof(text),
             "{\"stateDir\":\"%s/state\",\"apparmor\":{\"template\":\"%s\",\"cacheDir\":\"%s/"
             "cache\"},\"tenants\":%s}",
             tmpdir, tmpl, tmpdir, tenants ? tenants : "{}");
    rw_error_t *err = NULL;
    json_t *j = rw_json_parse(text, strlen(text), "t", &err);
    assert_non_null(j);
    rw_lsm_config_t *c = NULL;
    int r = rw_lsm_config_parse(j, "t", &c, &err);
    if (r < 0)
        fail_msg("config: %s", err ? err->msg : "?");
    json_decref(j);
    return c;
}

static char *shipped(const char *name)
{
    char *p = NULL;
    assert_true(asprintf(&p, "%s/profiles/apparmor/%s", src_dir, name) > 0);
    return p;
}

static char *data(const char *name)
{
    char *p = NULL;
    assert_true(asprintf(&p, "%s/lsm/%s", data_dir, name) > 0);
    return p;
}

static char *read_text(const char *path, size_t *len)
{
    FILE *f = fopen(path, "re");
    assert_non_null(f);
    char *buf = calloc(1, 1 << 20);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    fclose(f);
    return buf;
}

static void test_version_parse(void **state)
{
    (void)state;
    int v = 0;
    assert_int_equal(rw_apparmor_version_parse("AppArmor parser version 2.13.3\nCopyright", &v), 0);
    assert_int_equal(v, 213003);
    assert_int_equal(rw_apparmor_version_parse("AppArmor parser version 3.0.0-beta1", &v), 0);
    assert_int_equal(v, 300000);
    assert_int_equal(rw_apparmor_version_parse("AppArmor parser version 2.8.95~2430-0ubuntu5", &v),
                     0);
    assert_int_equal(v, 208095);
    assert_int_equal(rw_apparmor_version_parse("AppArmor parser version 3.0.8\n", &v), 0);
    assert_int_equal(v, 300008);
    assert_int_equal(rw_apparmor_version_parse("AppArmor parser version x.y", &v), -EINVAL);
    assert_int_equal(rw_apparmor_version_parse("", &v), -EINVAL);
}

static bool never(const char *p)
{
    (void)p;
    return false;
}

static char *render(const char *tmpl, int version, bool (*exists)(const char *), char **msg)
{
    rw_apparmor_vars_t v = {"NAME", "  network,", "  # rules", version, exists};
    char *out = NULL;
    rw_error_t *err = NULL;
    int r = rw_apparmor_template_render(tmpl, strlen(tmpl), "t.tmpl", &v, &out, &err);
    if (msg)
        *msg = err ? strdup(err->msg) : NULL;
    rw_error_free(err);
    return r < 0 ? NULL : out;
}

static void test_template_versions(void **state)
{
    (void)state;
    char *path = shipped("containers-default.tmpl");
    size_t len = 0;
    char *t = read_text(path, &len);
    /* as containers/common: signal rules from 2.8.96, ptrace from 2.8.95 */
    char *a = render(t, 208095, NULL, NULL), *b = render(t, 208096, NULL, NULL),
         *c = render(t, 200000, never, NULL);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    assert_null(strstr(a, "signal ("));
    assert_non_null(strstr(a, "ptrace (trace,read) peer=NAME,"));
    assert_non_null(strstr(b, "signal (send,receive) peer=NAME,"));
    assert_non_null(strstr(b, "ptrace (trace,read) peer=NAME,"));
    assert_null(strstr(c, "ptrace"));
    assert_non_null(strstr(b, "deny mount,"));
    assert_non_null(strstr(b, "deny /sys/firmware/** rwklx,"));
    assert_non_null(strstr(b, "deny @{PROC}/sysrq-trigger rwklx,"));
    /* tunables only where the host has them */
    assert_non_null(strstr(c, "@{PROC}=/proc/"));
    assert_null(strstr(c, "#include"));
    assert_null(strstr(b, "%if"));
    assert_null(strstr(b, "{{"));
    free(a);
    free(b);
    free(c);
    free(t);
    free(path);
}

static void expect_render_error(const char *tmpl, const char *needle)
{
    char *msg = NULL;
    char *out = render(tmpl, 300008, NULL, &msg);
    if (out)
        fail_msg("rendered: %s", tmpl);
    assert_non_null(msg);
    if (!strstr(msg, needle))
        fail_msg("'%s' does not contain '%s'", msg, needle);
    free(msg);
}

static void test_template_errors(void **state)
{
    (void)state;
    expect_render_error("p {{name}} {\n{{network}}\n%if kernel >= 5\n%endif\n{{tenant_rules}}\n}\n",
                        "t.tmpl:3: unknown condition");
    expect_render_error("{{name}}\n{{network}}\n%iff x\n{{tenant_rules}}\n", "t.tmpl:3: unknown "
                                                                             "directive");
    expect_render_error("{{name}}\n%if exists /x\n{{network}}\n{{tenant_rules}}\n",
                        "t.tmpl:2: %if is never closed");
    expect_render_error("{{name}}\n%else\n", "t.tmpl:2: %else without %if");
    expect_render_error("{{name}}\n%endif\n", "t.tmpl:2: %endif without %if");
    expect_render_error("{{name}} {{nmae}}\n", "t.tmpl:1: unknown placeholder '{{nmae}}'");
    expect_render_error("{{name}} {{network\n", "t.tmpl:1: '{{' without '}}'");
    expect_render_error("x\n{{network}}\n{{tenant_rules}}\n", "never uses {{name}}");
    expect_render_error("{{name}}\n{{network}}\n", "exactly once");
    expect_render_error("{{name}}\n{{network}}\n{{tenant_rules}}\n{{tenant_rules}}\n",
                        "exactly once");
    /* rules inside a branch that is not taken count as missing */
    expect_render_error("{{name}}\n{{network}}\n%if parser < 1.0.0\n{{tenant_rules}}\n%endif\n",
                        "exactly once");
    expect_render_error("{{name}}\n%if parser >= 2.x\n%endif\n", "bad version");
    char *ok = render("{{name}}\n%if !exists /nonexistent/x\n{{network}}\n%else\nx\n%endif\n"
                      "{{tenant_rules}}\n",
                      300008, NULL, NULL);
    assert_non_null(ok);
    assert_string_equal(ok, "NAME\n  network,\n  # rules\n");
    free(ok);
}

static void test_tenant_rules(void **state)
{
    (void)state;
    char *tmpl = shipped("containers-default.tmpl");
    rw_lsm_config_t *c =
        config(tmpl, "{\"t\":{\"files\":{\"deny\":[\"/srv/secret\"],\"readOnly\":[\"/etc\",\"/\"],"
                     "\"readWrite\":[\"/etc/app\",\"/tmp\"]},\"network\":[\"unix\",\"inet\"]},"
                     "\"none\":{\"network\":[]}}");
    char *rules = NULL, *net = NULL;
    json_t *limits = NULL;
    assert_int_equal(rw_apparmor_tenant_rules(rw_lsm_config_tenant(c, "t"), &rules, &net, &limits),
                     0);
    assert_non_null(strstr(rules, "deny /srv/secret{,/**} mrwklx,"));
    assert_non_null(strstr(rules, "deny /etc{,/**} wl,"));
    assert_non_null(strstr(rules, "deny /{,**} wl,"));
    assert_non_null(strstr(net, "network unix,\n  network inet,"));
    assert_null(strstr(net, "  network,"));
    /* deny wins in AppArmor: a writable hole stays closed, and that is reported */
    assert_int_equal(json_array_size(limits), 3);
    char *all = rw_json_dump_compact(limits);
    assert_non_null(strstr(all, "readWrite /etc/app stays read-only (beneath readOnly /etc)"));
    assert_non_null(strstr(all, "readWrite /tmp stays read-only (beneath readOnly /)"));
    free(all);
    free(rules);
    free(net);
    json_decref(limits);
    assert_int_equal(
        rw_apparmor_tenant_rules(rw_lsm_config_tenant(c, "none"), &rules, &net, &limits), 0);
    assert_non_null(strstr(net, "deny network,"));
    assert_non_null(strstr(rules, "(none)"));
    free(rules);
    free(net);
    json_decref(limits);
    rw_lsm_config_free(c);
    free(tmpl);
}

static int generate(rw_lsm_config_t *c, const char *tenant, rw_apparmor_host_t *h,
                    rw_apparmor_profile_t *p, char **msg)
{
    rw_error_t *err = NULL;
    int r = rw_apparmor_host_probe(c, false, h, &err);
    if (r >= 0)
        r = rw_apparmor_generate(c, rw_lsm_config_tenant(c, tenant), h, p, &err);
    if (msg)
        *msg = err ? strdup(err->msg) : NULL;
    rw_error_free(err);
    return r;
}

static const char *tenants_json =
    "{\"default\":{},\"rules\":{\"files\":{\"deny\":[\"/srv/secret\",\"/root/.ssh/id_rsa\"],"
    "\"readOnly\":[\"/etc\",\"/usr\"],\"readWrite\":[\"/etc/app\"]},\"network\":[\"unix\","
    "\"inet\",\"inet6\",\"netlink\"]},\"nonet\":{\"network\":[],\"files\":{\"readOnly\":[\"/\"]}}}";

/* Every shipped template, for every kind of tenant, is accepted by apparmor_parser. */
static void test_shipped_templates_compile(void **state)
{
    (void)state;
    if (!have_parser())
        skip();
    char *dir = shipped("");
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    int n = 0;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l < 6 || strcmp(de->d_name + l - 5, ".tmpl") != 0)
            continue;
        char *tmpl = shipped(de->d_name);
        rw_lsm_config_t *c = config(tmpl, tenants_json);
        const char *tenants[] = {"default", "rules", "nonet"};
        for (size_t i = 0; i < 3; i++) {
            rw_apparmor_host_t h;
            rw_apparmor_profile_t p;
            char *msg = NULL;
            if (generate(c, tenants[i], &h, &p, &msg) < 0)
                fail_msg("%s/%s: %s", de->d_name, tenants[i], msg);
            char out[128];
            snprintf(out, sizeof(out), "%s/out.bin", tmpdir);
            rw_error_t *err = NULL;
            if (rw_apparmor_compile(&h, p.text, out, &err) < 0)
                fail_msg("%s/%s rejected: %s\n%s", de->d_name, tenants[i], err ? err->msg : "?",
                         p.text);
            struct stat st;
            assert_int_equal(stat(out, &st), 0);
            assert_true(st.st_size > 64);
            unlink(out);
            n++;
            free(msg);
            rw_apparmor_profile_clear(&p);
            rw_apparmor_host_clear(&h);
        }
        rw_lsm_config_free(c);
        free(tmpl);
    }
    closedir(d);
    free(dir);
    assert_true(n >= 3);
}

static void test_broken_templates_caught(void **state)
{
    (void)state;
    if (!have_parser())
        skip();
    /* AppArmor syntax error: the template language is fine, the parser says no */
    char *t = data("broken_syntax.tmpl");
    rw_lsm_config_t *c = config(t, tenants_json);
    rw_apparmor_host_t h;
    rw_apparmor_profile_t p;
    char *msg = NULL;
    assert_int_equal(generate(c, "rules", &h, &p, &msg), 0);
    rw_error_t *err = NULL;
    assert_true(rw_apparmor_cache_ensure(c, &h, &p, false, &err) < 0);
    assert_non_null(err);
    assert_non_null(strstr(err->msg, "apparmor_parser rejected the profile"));
    assert_non_null(strstr(err->msg, "frobnicate /etc/** rw,"));
    rw_error_free(err);
    err = NULL;
    /* nothing half-written stays in the cache */
    char bin[256];
    snprintf(bin, sizeof(bin), "%s/cache/%s.bin", tmpdir, p.key);
    assert_int_equal(access(bin, F_OK), -1);
    rw_apparmor_profile_clear(&p);
    rw_apparmor_host_clear(&h);
    rw_lsm_config_free(c);
    free(t);
    free(msg);

    static const struct {
        const char *file, *needle;
    } bad[] = {
        {"broken_directive.tmpl", "broken_directive.tmpl:3: unknown condition"},
        {"no_tenant_rules.tmpl", "exactly once"},
        {"unclosed_if.tmpl", "unclosed_if.tmpl:3: %if is never closed"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        t = data(bad[i].file);
        c = config(t, tenants_json);
        msg = NULL;
        assert_true(generate(c, "rules", &h, &p, &msg) < 0);
        if (!msg || !strstr(msg, bad[i].needle))
            fail_msg("%s: '%s' lacks '%s'", bad[i].file, msg ? msg : "", bad[i].needle);
        free(msg);
        rw_apparmor_host_clear(&h);
        rw_apparmor_profile_clear(&p);
        rw_lsm_config_free(c);
        free(t);
    }
}

static void test_cache_and_names(void **state)
{
    (void)state;
    if (!have_parser())
        skip();
    char *tmpl = shipped("containers-default.tmpl");
    rw_lsm_config_t *c = config(tmpl, tenants_json);
    rw_apparmor_host_t h;
    rw_apparmor_profile_t p, q, r;
    assert_int_equal(generate(c, "rules", &h, &p, NULL), 0);
    rw_apparmor_host_clear(&h);
    assert_int_equal(generate(c, "rules", &h, &q, NULL), 0);
    rw_apparmor_host_clear(&h);
    assert_int_equal(generate(c, "default", &h, &r, NULL), 0);
    /* content-addressed: the same rules give the same name and key */
    assert_string_equal(p.name, q.name);
    assert_string_equal(p.key, q.key);
    assert_string_not_equal(p.name, r.name);
    assert_string_not_equal(p.key, r.key);
    assert_int_equal(strncmp(p.name, "runwarden-rules-", 16), 0);
    assert_int_equal(strlen(p.name), strlen("runwarden-rules-") + 12);
    assert_non_null(strstr(p.text, p.name));
    assert_non_null(strstr(p.text, "deny /srv/secret{,/**} mrwklx,"));

    /* a dry run checks a miss but writes nothing */
    rw_error_t *err = NULL;
    assert_int_equal(rw_apparmor_cache_ensure(c, &h, &p, true, &err), 0);
    assert_false(p.cache_hit);
    assert_int_equal(access(p.cache_path, F_OK), -1);
    /* a miss compiles, a second call is a hit */
    assert_int_equal(rw_apparmor_cache_ensure(c, &h, &p, false, &err), 0);
    assert_false(p.cache_hit);
    assert_int_equal(access(p.cache_path, F_OK), 0);
    assert_int_equal(rw_apparmor_cache_ensure(c, &h, &q, false, &err), 0);
    assert_true(q.cache_hit);
    assert_string_equal(p.cache_path, q.cache_path);
    char src[256];
    snprintf(src, sizeof(src), "%s/cache/%s.profile", tmpdir, p.key);
    assert_int_equal(access(src, F_OK), 0);
    /* a cache others may write is not trusted (it goes into the kernel) */
    char cache[128];
    snprintf(cache, sizeof(cache), "%s/cache", tmpdir);
    chmod(cache, 0777);
    assert_true(rw_apparmor_cache_ensure(c, &h, &r, false, &err) < 0);
    assert_non_null(strstr(err->msg, "not writable by group or others"));
    rw_error_free(err);
    chmod(cache, 0700);

    rw_apparmor_profile_clear(&p);
    rw_apparmor_profile_clear(&q);
    rw_apparmor_profile_clear(&r);
    rw_apparmor_host_clear(&h);
    rw_lsm_config_free(c);
    free(tmpl);
}

/* Containers share a profile; it is unloaded with the last reference. */
static void test_references(void **state)
{
    (void)state;
    char *tmpl = shipped("containers-default.tmpl");
    rw_lsm_config_t *c = config(tmpl, NULL);
    char dir[256], ref[300];
    snprintf(dir, sizeof(dir), "%s/state/apparmor/prof-x", tmpdir);
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "mkdir -p -m 0700 '%s' && touch '%s/a' '%s/b'", dir, dir, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof(cmd), "chmod 0700 '%s/state' '%s/state/apparmor'", tmpdir, tmpdir);
    assert_int_equal(system(cmd), 0);
    rw_error_t *err = NULL;
    assert_int_equal(rw_apparmor_unref(c, "prof-x", "a", false, &err), 0);
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    snprintf(ref, sizeof(ref), "%s/a", dir);
    assert_int_equal(access(ref, F_OK), -1);
    assert_int_equal(rw_apparmor_unref(c, "prof-x", "b", false, &err), 0);
    assert_int_equal(stat(dir, &st), -1);
    /* again: nothing left, nothing to do */
    assert_int_equal(rw_apparmor_unref(c, "prof-x", "b", false, &err), 0);
    assert_true(rw_apparmor_unref(c, "../x", "b", false, &err) < 0);
    rw_error_free(err);
    rw_lsm_config_free(c);
    free(tmpl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_parse),
        cmocka_unit_test(test_template_versions),
        cmocka_unit_test(test_template_errors),
        cmocka_unit_test(test_tenant_rules),
        cmocka_unit_test(test_shipped_templates_compile),
        cmocka_unit_test(test_broken_templates_caught),
        cmocka_unit_test(test_cache_and_names),
        cmocka_unit_test(test_references),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
