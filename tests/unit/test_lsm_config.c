/* The `lsm` section of runwarden.json: every key typed, unknown keys and unsafe rule paths
 * refused with the key named, tenants resolved with the default as fallback. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/json.h"
#include "conf/config_lsm.h"

static int parse(const char *text, rw_lsm_config_t **ret, char **msg)
{
    rw_error_t *err = NULL;
    json_t *j = text ? rw_json_parse(text, strlen(text), "t.json", &err) : NULL;
    if (text && !j) {
        fail_msg("test JSON does not parse: %s", err ? err->msg : "?");
    }
    int r = rw_lsm_config_parse(j, "t.json", ret, &err);
    if (msg)
        *msg = err ? strdup(err->msg) : NULL;
    rw_error_free(err);
    if (j)
        json_decref(j);
    return r;
}

static void expect_error(const char *text, const char *needle)
{
    rw_lsm_config_t *c = NULL;
    char *msg = NULL;
    int r = parse(text, &c, &msg);
    if (r >= 0)
        fail_msg("accepted: %s", text);
    assert_null(c);
    assert_non_null(msg);
    if (!strstr(msg, needle))
        fail_msg("error '%s' does not name '%s'", msg, needle);
    free(msg);
}

static void test_absent_section(void **state)
{
    (void)state;
    rw_lsm_config_t *c = NULL;
    assert_int_equal(parse(NULL, &c, NULL), 0);
    assert_false(c->configured);
    assert_int_equal(c->required, 0);
    assert_string_equal(c->state_dir, "/run/runwarden/lsm");
    assert_string_equal(c->selinux.mcs_dir, "/run/runwarden/mcs");
    assert_int_equal(c->selinux.cat_min, 0);
    assert_int_equal(c->selinux.cat_max, 1023);
    assert_int_equal(c->landlock.use, RW_LANDLOCK_FALLBACK);
    assert_string_equal(c->landlock.destination, "/dev/.runwarden-landlock");
    assert_non_null(strstr(c->apparmor.template_path, "/apparmor/containers-default.tmpl"));
    const rw_lsm_tenant_t *t = rw_lsm_config_tenant(c, "anyone");
    assert_string_equal(t->name, "default");
    assert_null(t->deny[0]);
    assert_int_equal(t->allow_unconfined, -1);
    rw_lsm_config_free(c);
}

static void test_full_section(void **state)
{
    (void)state;
    const char *text =
        "{\"required\":[\"apparmor\",\"landlock\"],\"stateDir\":\"/run/x\","
        "\"apparmor\":{\"enabled\":false,\"template\":\"/t.tmpl\",\"parser\":\"/p\","
        "\"cacheDir\":\"/c\",\"profilePrefix\":\"site-\"},"
        "\"selinux\":{\"enabled\":true,\"contexts\":\"/ctx\",\"mcs\":{\"stateDir\":\"/m\","
        "\"categories\":[10,20]}},"
        "\"landlock\":{\"use\":\"always\",\"launcher\":\"/l\",\"destination\":\"/dev//ll\"},"
        "\"tenants\":{\"default\":{\"files\":{\"readOnly\":[\"/etc/\"]}},"
        "\"team-a\":{\"level\":\"privileged\",\"allowUnconfined\":false,\"required\":true,"
        "\"files\":{\"deny\":[\"/srv//secret\"],\"readWrite\":[\"/srv/pub\"]},"
        "\"network\":[\"unix\",\"inet6\"]}}}";
    rw_lsm_config_t *c = NULL;
    char *msg = NULL;
    assert_int_equal(parse(text, &c, &msg), 0);
    assert_true(c->configured);
    assert_int_equal(c->required, RW_LSM_REQ_APPARMOR | RW_LSM_REQ_LANDLOCK);
    assert_false(c->apparmor.enabled);
    assert_string_equal(c->apparmor.prefix, "site-");
    assert_string_equal(c->apparmor.parser, "/p");
    assert_int_equal(c->selinux.cat_min, 10);
    assert_int_equal(c->selinux.cat_max, 20);
    assert_string_equal(c->selinux.contexts, "/ctx");
    assert_int_equal(c->landlock.use, RW_LANDLOCK_ALWAYS);
    assert_string_equal(c->landlock.destination, "/dev/ll");
    const rw_lsm_tenant_t *a = rw_lsm_config_tenant(c, "team-a");
    assert_string_equal(a->name, "team-a");
    assert_string_equal(a->level, "privileged");
    assert_int_equal(a->allow_unconfined, 0);
    assert_int_equal(a->allow_label_disable, -1);
    assert_string_equal(a->deny[0], "/srv/secret");
    assert_string_equal(a->read_write[0], "/srv/pub");
    assert_string_equal(a->network[1], "inet6");
    assert_int_equal(rw_lsm_config_required(c, a), RW_LSM_REQ_ANY);
    /* unknown tenants fall back to "default" and the section's `required` */
    const rw_lsm_tenant_t *d = rw_lsm_config_tenant(c, "nobody");
    assert_string_equal(d->name, "default");
    assert_string_equal(d->read_only[0], "/etc");
    assert_null(d->network);
    assert_int_equal(rw_lsm_config_required(c, d), RW_LSM_REQ_APPARMOR | RW_LSM_REQ_LANDLOCK);
    assert_string_equal(rw_lsm_config_tenant(c, NULL)->name, "default");
    rw_lsm_config_free(c);
    free(msg);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("{\"requierd\":true}", "requierd");
    expect_error("{\"required\":\"yes\"}", "required");
    expect_error("{\"required\":[\"tomoyo\"]}", "required[0]");
    expect_error("{\"stateDir\":\"run/x\"}", "absolute");
    expect_error("{\"apparmor\":{\"template\":\"x.tmpl\"}}", "template");
    expect_error("{\"apparmor\":{\"profilePrefix\":\"Bad Prefix\"}}", "profilePrefix");
    expect_error("{\"apparmor\":{\"enable\":true}}", "enable");
    expect_error("{\"selinux\":{\"mcs\":{\"categories\":[5,6]}}}", "categories");
    expect_error("{\"selinux\":{\"mcs\":{\"categories\":[0,1024]}}}", "categories");
    expect_error("{\"selinux\":{\"mcs\":{\"size\":3}}}", "size");
    expect_error("{\"landlock\":{\"use\":\"sometimes\"}}", "use");
    expect_error("{\"landlock\":{\"destination\":\"/\"}}", "destination");
    expect_error("{\"tenants\":{\"bad name\":{}}}", "bad name");
    expect_error("{\"tenants\":{\"t\":{\"level\":\"root\"}}}", "level");
    expect_error("{\"tenants\":{\"t\":{\"files\":{\"deny\":[\"/srv/*\"]}}}}", "deny[0]");
    expect_error("{\"tenants\":{\"t\":{\"files\":{\"deny\":[\"/srv/../etc\"]}}}}", "deny[0]");
    expect_error("{\"tenants\":{\"t\":{\"files\":{\"deny\":[\"srv\"]}}}}", "deny[0]");
    expect_error("{\"tenants\":{\"t\":{\"files\":{\"readOnly\":[\"/a b\"]}}}}", "readOnly[0]");
    expect_error("{\"tenants\":{\"t\":{\"files\":{\"deny\":[\"/x\"],\"readOnly\":[\"/x/\"]}}}}",
                 "two lists");
    expect_error("{\"tenants\":{\"t\":{\"files\":{\"deny\":[\"/x\",\"//x\"]}}}}", "twice");
    expect_error("{\"tenants\":{\"t\":{\"files\":{\"hide\":[\"/x\"]}}}}", "hide");
    expect_error("{\"tenants\":{\"t\":{\"network\":[\"ipv4\"]}}}", "ipv4");
    expect_error("{\"tenants\":{\"t\":{\"allowUnconfined\":1}}}", "allowUnconfined");
    expect_error("{\"tenants\":{\"t\":{\"colour\":1}}}", "colour");
    expect_error("{\"tenants\":[]}", "tenants");
}

static void test_path_normalize(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out; /* out NULL: refused */
    } v[] = {
        {"/", "/"},
        {"//", "/"},
        {"/etc", "/etc"},
        {"/etc/", "/etc"},
        {"//srv///x//", "/srv/x"},
        {"/a.b/c-d_e+f:g~h%i", "/a.b/c-d_e+f:g~h%i"},
        {"/.hidden", "/.hidden"},
        {"/..x", "/..x"},
        {"", NULL},
        {"etc", NULL},
        {"/etc/..", NULL},
        {"/./etc", NULL},
        {"/e*", NULL},
        {"/e?", NULL},
        {"/{a,b}", NULL},
        {"/a\"b", NULL},
        {"/a\nb", NULL},
        {"/a b", NULL},
        {"/a@{PROC}", NULL},
        {"/a[1]", NULL},
        {"/a^b", NULL},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        char *o = NULL;
        int r = rw_lsm_path_normalize(v[i].in, &o);
        if (v[i].out) {
            assert_int_equal(r, 0);
            assert_string_equal(o, v[i].out);
        } else {
            assert_int_equal(r, -EINVAL);
            assert_null(o);
        }
        free(o);
    }
    assert_true(rw_lsm_network_family_valid("inet6"));
    assert_true(rw_lsm_network_family_valid("netlink"));
    assert_false(rw_lsm_network_family_valid("ipv6"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_absent_section),
        cmocka_unit_test(test_full_section),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_path_normalize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
