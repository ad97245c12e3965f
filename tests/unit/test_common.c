/* Base pieces: SHA-256/HMAC known answers, strict config parsing, spec view and mutation
 * recording, and the refusal-line sanitiser. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/hash.h"
#include "conf/config.h"
#include "conf/oci_spec.h"
#include "launcher/report.h"

static void hex_of(const char *msg, size_t len, char out[65])
{
    uint8_t d[32];
    rw_sha256(msg, len, d);
    rw_hex(d, 32, out);
}

static void test_sha256_vectors(void **state)
{
    (void)state;
    char h[65];
    hex_of("", 0, h);
    assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    hex_of("abc", 3, h);
    assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hex_of(m, strlen(m), h);
    assert_string_equal(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    /* one million 'a', fed in odd-sized pieces to exercise buffering */
    rw_sha256_t c;
    rw_sha256_init(&c);
    char a[997];
    memset(a, 'a', sizeof(a));
    size_t left = 1000000;
    while (left) {
        size_t n = left < sizeof(a) ? left : sizeof(a);
        rw_sha256_update(&c, a, n);
        left -= n;
    }
    uint8_t d[32];
    rw_sha256_final(&c, d);
    rw_hex(d, 32, h);
    assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_hmac_rfc4231(void **state)
{
    (void)state;
    uint8_t key[20];
    memset(key, 0x0b, sizeof(key));
    uint8_t out[32];
    char h[65];
    rw_hmac_sha256(key, sizeof(key), "Hi There", 8, out);
    rw_hex(out, 32, h);
    assert_string_equal(h, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    rw_hmac_sha256((const uint8_t *)"Jefe", 4, "what do ya want for nothing?", 28, out);
    rw_hex(out, 32, h);
    assert_string_equal(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    uint8_t back[32];
    assert_int_equal(rw_unhex(h, back, 32), 0);
    assert_true(rw_memeq_ct(back, out, 32));
    assert_int_equal(rw_unhex("zz", back, 1), -EINVAL);
}

static void test_config_strict(void **state)
{
    (void)state;
    rw_config_t *c = NULL;
    rw_error_t *err = NULL;
    const char *good = "{\"mode\":\"warn\",\"runtimes\":{\"runc\":\"/opt/runc\"},"
                       "\"defaultRuntime\":\"runc\",\"bundle\":{\"maxConfigSize\":2048}}";
    assert_int_equal(rw_config_parse(good, strlen(good), "t.json", &c, &err), 0);
    assert_int_equal(c->mode, RW_MODE_WARN);
    assert_string_equal(rw_config_runtime_for(c, "runc"), "/opt/runc");
    assert_string_equal(rw_config_runtime_for(c, "crun"), "/usr/bin/crun");
    assert_int_equal(c->bundle_max_config_size, 2048);
    rw_config_free(c);

    struct {
        const char *doc, *needle;
    } bad[] = {
        {"{\"mdoe\":\"warn\"}", "$.mdoe: unknown key"},
        {"{\"mode\":\"lax\"}", "$.mode"},
        {"{\"runtimes\":{\"runc\":\"runc\"}}", "$.runtimes.runc"},
        {"{\"defaultRuntime\":\"youki\"}", "$.defaultRuntime"},
        {"{\"bundle\":{\"maxConfigSize\":1}}", "$.bundle.maxConfigSize"},
        {"{\"bundle\":{\"absoluteRootPrefixes\":[\"rel\"]}}", "absoluteRootPrefixes"},
        {"{\"annotations\":{\"dangerous\":\"ignore\"}}", "$.annotations.dangerous"},
        {"{\"audit\":[]}", "$.audit"},
        {"{\"mode\":\"warn\",\"mode\":\"enforce\"}", "duplicate"},
        {"[1,2", "invalid JSON"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        c = NULL;
        err = NULL;
        int r = rw_config_parse(bad[i].doc, strlen(bad[i].doc), "t.json", &c, &err);
        if (r >= 0)
            fail_msg("accepted bad config %s", bad[i].doc);
        assert_non_null(err);
        if (!strstr(err->msg, bad[i].needle) || !strstr(err->msg, "t.json"))
            fail_msg("message '%s' lacks '%s'", err->msg, bad[i].needle);
        rw_error_free(err);
    }
}

static void test_spec_view_and_changes(void **state)
{
    (void)state;
    const char *doc = "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
                      "\"process\":{\"args\":[\"sh\"],\"user\":{\"uid\":0,\"gid\":0},"
                      "\"capabilities\":{\"bounding\":[\"CAP_CHOWN\"]}},"
                      "\"annotations\":{\"a\":\"b\"},"
                      "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\","
                      "\"path\":\"/proc/1/ns/net\"}]}}";
    rw_spec_t *s = NULL;
    rw_error_t *err = NULL;
    assert_int_equal(rw_spec_parse(doc, strlen(doc), "config.json", &s, &err), 0);
    assert_string_equal(s->root_path, "rootfs");
    assert_true(s->root_readonly);
    assert_int_equal(s->process.uid, 0);
    assert_string_equal(s->process.caps.bounding[0], "CAP_CHOWN");
    assert_int_equal(s->n_namespaces, 2);
    assert_string_equal(s->namespaces[1].path, "/proc/1/ns/net");
    assert_string_equal(rw_spec_annotation(s, "a"), "b");

    const char *k1[] = {"annotations", "a/b~c", NULL};
    assert_int_equal(rw_spec_set(s, k1, json_string("v"), "test"), 0);
    const char *k2[] = {"annotations", "a", NULL};
    assert_int_equal(rw_spec_remove(s, k2, "test"), 0);
    const char *k3[] = {"process", "capabilities", "bounding", NULL};
    assert_int_equal(rw_spec_append(s, k3, json_string("CAP_KILL"), "test"), 0);
    assert_int_equal(s->n_changes, 3);
    assert_string_equal(s->changes[0].path, "/annotations/a~1b~0c");
    assert_string_equal(s->changes[1].op, "remove");
    assert_string_equal(s->changes[2].path, "/process/capabilities/bounding/-");
    assert_string_equal(s->process.caps.bounding[1], "CAP_KILL");
    /* setting the same value again is not a change */
    assert_int_equal(rw_spec_set(s, k1, json_string("v"), "again"), 0);
    assert_int_equal(s->n_changes, 3);
    rw_spec_free(s);

    struct {
        const char *doc, *needle;
    } bad[] = {
        {"{\"root\":{\"path\":7}}", "$.root.path"},
        {"{\"process\":{\"user\":{\"uid\":-1}}}", "$.process.user.uid"},
        {"{\"mounts\":[{\"source\":\"/x\"}]}", "$.mounts[0].destination"},
        {"{\"annotations\":{\"x\":1}}", "$.annotations.x"},
        {"{\"linux\":{\"namespaces\":[{}]}}", "$.linux.namespaces[0].type"},
        {"{\"process\":{\"capabilities\":{\"bounding\":[1]}}}", "bounding[0]"},
        {"\"\\u0000\"", "invalid JSON"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        s = NULL;
        err = NULL;
        if (rw_spec_parse(bad[i].doc, strlen(bad[i].doc), "config.json", &s, &err) >= 0)
            fail_msg("accepted %s", bad[i].doc);
        if (!err || !strstr(err->msg, bad[i].needle))
            fail_msg("message '%s' lacks '%s'", err ? err->msg : "", bad[i].needle);
        rw_error_free(err);
    }
}

static void test_sanitize(void **state)
{
    (void)state;
    char out[256];
    rw_report_sanitize("config.json: No such file or directory\nnext", out, sizeof(out));
    assert_null(strcasestr(out, "no such file"));
    assert_null(strchr(out, '\n'));
    rw_report_sanitize("x: Permission denied; binary not found", out, sizeof(out));
    assert_null(strcasestr(out, "permission denied"));
    assert_null(strcasestr(out, "not found"));
    rw_report_sanitize("Operation not permitted", out, 10);
    assert_true(strlen(out) < 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors), cmocka_unit_test(test_hmac_rfc4231),
        cmocka_unit_test(test_config_strict),  cmocka_unit_test(test_spec_view_and_changes),
        cmocka_unit_test(test_sanitize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
