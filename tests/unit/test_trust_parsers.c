/* The readers behind image trust, on hostile input: docker references, signature payloads
 * and blobs, registries.d YAML and its lookaside lookup, storage.conf, the bundle path
 * shape, the images.json/containers.json scanner and records, base64. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "conf/docker_ref.h"
#include "conf/registries_d.h"
#include "conf/storage_meta.h"
#include "conf/storage_scan.h"
#include "conf/trust_base64.h"
#include "policy/trust_payload.h"

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_docker_refs(void **state)
{
    (void)state;
    static const struct {
        const char *in, *string, *domain, *path; /* string NULL: must fail */
    } cases[] = {
        {"busybox", "docker.io/library/busybox", "docker.io", "library/busybox"},
        {"busybox:1.36", "docker.io/library/busybox:1.36", "docker.io", "library/busybox"},
        {"index.docker.io/busybox", "docker.io/library/busybox", "docker.io", "library/busybox"},
        {"docker.io/busybox@sha256:" HEX64, "docker.io/library/busybox@sha256:" HEX64, "docker.io",
         "library/busybox"},
        {"busybox:1@sha256:" HEX64, "docker.io/library/busybox:1@sha256:" HEX64, "docker.io",
         "library/busybox"},
        {"foo/bar", "docker.io/foo/bar", "docker.io", "foo/bar"},
        {"localhost/foo", "localhost/foo", "localhost", "foo"},
        {"localhost:5000/foo:bar", "localhost:5000/foo:bar", "localhost:5000", "foo"},
        {"Example.COM/ns/img", "Example.COM/ns/img", "Example.COM", "ns/img"},
        {"a_b.c/x", "a_b.c/x", "", "a_b.c/x"}, /* a "domain" that is not one: all path */
        {"example.com/a__b", "example.com/a__b", "example.com", "a__b"},
        {"example.com/a--b.c_d", "example.com/a--b.c_d", "example.com", "a--b.c_d"},
        {"example.com/a___b", NULL, NULL, NULL},
        {"example.com/a-", NULL, NULL, NULL},
        {"example.com/-a", NULL, NULL, NULL},
        {"example.com/a.-b", NULL, NULL, NULL},
        {"example.com/a._b", NULL, NULL, NULL},
        {"Foo/bar", NULL, NULL, NULL},
        {"foo:5000/Bar", NULL, NULL, NULL},
        {HEX64, NULL, NULL, NULL},
        {"busybox@sha256:0123", NULL, NULL, NULL},
        {"busybox@sha256:"
         "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
         NULL, NULL, NULL},
        {"busybox@md5:0123456789abcdef0123456789abcdef", NULL, NULL, NULL},
        {"busybox:", NULL, NULL, NULL},
        {"busybox:-x", NULL, NULL, NULL},
        {"", NULL, NULL, NULL},
        {"example.com:port/x", NULL, NULL, NULL},
        {"example.com//x", NULL, NULL, NULL},
        {"exa mple.com/x", NULL, NULL, NULL},
        {"busybox@sha256:" HEX64 "@sha256:" HEX64, NULL, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rw_trust_ref_t r = {0};
        const char *why = NULL;
        int rc = rw_trust_ref_parse_normalized(cases[i].in, &r, &why);
        if (!cases[i].string) {
            if (rc == 0)
                fail_msg("%s: accepted as %s", cases[i].in, r.string);
            assert_non_null(why);
            continue;
        }
        if (rc != 0)
            fail_msg("%s: rejected: %s", cases[i].in, why);
        assert_string_equal(r.string, cases[i].string);
        assert_string_equal(r.domain, cases[i].domain);
        assert_string_equal(r.path, cases[i].path);
        rw_trust_ref_clear(&r);
    }
    /* tag and name length limits */
    char tag[200], name[300];
    snprintf(tag, sizeof(tag), "busybox:%0128d", 7);
    rw_trust_ref_t r = {0};
    assert_int_equal(rw_trust_ref_parse_normalized(tag, &r, NULL), 0);
    rw_trust_ref_clear(&r);
    snprintf(tag, sizeof(tag), "busybox:%0129d", 7);
    assert_int_equal(rw_trust_ref_parse_normalized(tag, &r, NULL), -EINVAL);
    memset(name, 'a', sizeof(name));
    memcpy(name, "example.com/", 12);
    name[255] = '\0'; /* 255 characters in all */
    assert_int_equal(rw_trust_ref_parse_normalized(name, &r, NULL), 0);
    rw_trust_ref_clear(&r);
    name[255] = 'a';
    name[256] = '\0';
    assert_int_equal(rw_trust_ref_parse_normalized(name, &r, NULL), -EINVAL);
    /* ParseNamed wants the canonical form */
    assert_int_equal(rw_trust_ref_parse_named("busybox", &r, NULL), -EINVAL);
    assert_int_equal(rw_trust_ref_parse_named("docker.io/library/busybox:latest", &r, NULL), 0);
    rw_trust_ref_clear(&r);
}

static void test_payloads(void **state)
{
    (void)state;
    static const char *const good_simple =
        "{\"critical\":{\"type\":\"atomic container signature\",\"image\":"
        "{\"docker-manifest-digest\":\"sha256:" HEX64 "\"},\"identity\":{\"docker-reference\":"
        "\"example.com/a:1\"}},\"optional\":{\"creator\":\"me\",\"timestamp\":1700000000,"
        "\"other\":[1,2]}}";
    rw_trust_payload_t p;
    char *why = NULL;
    assert_int_equal(
        rw_trust_payload_parse((const uint8_t *)good_simple, strlen(good_simple), false, &p, &why),
        0);
    assert_string_equal(p.digest, "sha256:" HEX64);
    assert_string_equal(p.docker_ref, "example.com/a:1");
    assert_string_equal(p.creator, "me");
    assert_true(p.has_timestamp);
    assert_int_equal(p.timestamp, 1700000000);
    rw_trust_payload_clear(&p);
    /* the same payload is not a sigstore one */
    assert_int_equal(
        rw_trust_payload_parse((const uint8_t *)good_simple, strlen(good_simple), true, &p, &why),
        -EINVAL);
    assert_non_null(strstr(why, "unrecognized signature type"));
    free(why);
    why = NULL;

    static const struct {
        bool sigstore;
        const char *json, *why; /* why NULL: accepted */
    } cases[] = {
        {true,
         "{\"critical\":{\"type\":\"cosign container image signature\",\"image\":{\"docker-"
         "manifest-digest\":\"sha256:" HEX64 "\"},\"identity\":{\"docker-reference\":\"a\"}},"
         "\"optional\":null}",
         NULL},
        {false,
         "{\"critical\":{\"type\":\"atomic container signature\",\"image\":{\"docker-"
         "manifest-digest\":\"x\"},\"identity\":{\"docker-reference\":\"a\"}},\"optional\":null}",
         "optional"},
        {false,
         "{\"critical\":{\"type\":\"atomic container signature\",\"image\":{\"docker-"
         "manifest-digest\":\"x\"},\"identity\":{\"docker-reference\":\"a\"}},\"optional\":{}}",
         NULL}, /* simple signing keeps the digest a string until it is compared */
        {true,
         "{\"critical\":{\"type\":\"cosign container image signature\",\"image\":{\"docker-"
         "manifest-digest\":\"x\"},\"identity\":{\"docker-reference\":\"a\"}},\"optional\":null}",
         "invalid docker-manifest-digest"},
        {false, "{\"critical\":{}}", "missing"},
        {false, "{\"critical\":{},\"optional\":{},\"extra\":1}", "unknown key \"extra\""},
        {false,
         "{\"critical\":{\"type\":\"atomic container signature\",\"image\":{\"docker-manifest-"
         "digest\":\"x\",\"more\":1},\"identity\":{\"docker-reference\":\"a\"}},\"optional\":{}}",
         "unknown key \"more\""},
        {false,
         "{\"critical\":{\"type\":\"atomic container signature\",\"image\":{\"docker-manifest-"
         "digest\":\"x\"},\"identity\":{\"docker-reference\":\"a\"},\"x\":1},\"optional\":{}}",
         "unknown key \"x\""},
        {false,
         "{\"critical\":{\"type\":\"atomic container signature\",\"image\":{\"docker-manifest-"
         "digest\":\"x\"},\"identity\":{\"docker-reference\":null}},\"optional\":{}}",
         "must be a string"},
        {false,
         "{\"critical\":{\"type\":\"atomic container signature\",\"image\":{\"docker-manifest-"
         "digest\":\"x\"},\"identity\":{\"docker-reference\":\"a\"}},\"optional\":{\"timestamp\":"
         "1.5}}",
         "not an integer"},
        {false,
         "{\"critical\":{\"type\":\"atomic container signature\",\"image\":{\"docker-manifest-"
         "digest\":\"x\"},\"identity\":{\"docker-reference\":\"a\"}},\"optional\":{\"timestamp\":"
         "\"1\"}}",
         "must be a number"},
        {false,
         "{\"critical\":{\"type\":\"atomic container signature\",\"image\":{\"docker-manifest-"
         "digest\":\"x\"},\"identity\":{\"docker-reference\":\"a\"}},\"optional\":{\"creator\":1}}",
         "creator"},
        {false,
         "{\"critical\":{\"type\":\"atomic container signature\",\"type\":\"x\",\"image\":{},"
         "\"identity\":{}},\"optional\":{}}",
         "not valid JSON"},
        {false, "{\"critical\":{},\"optional\":{}} trailing", "not valid JSON"},
        {false, "[]", "a JSON object was expected"},
        {false, "", "not valid JSON"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        why = NULL;
        int r = rw_trust_payload_parse((const uint8_t *)cases[i].json, strlen(cases[i].json),
                                       cases[i].sigstore, &p, &why);
        if (!cases[i].why) {
            if (r != 0)
                fail_msg("rejected: %s: %s", cases[i].json, why ? why : "?");
            rw_trust_payload_clear(&p);
        } else if (r == 0 || !why || !strstr(why, cases[i].why)) {
            fail_msg("%s: got %d '%s', want '%s'", cases[i].json, r, why ? why : "", cases[i].why);
        }
        free(why);
    }
}

static void test_signature_blobs(void **state)
{
    (void)state;
    rw_trust_sig_t s;
    char *why = NULL;
    const uint8_t pgp[] = {0xA3, 0x01, 0x02};
    assert_int_equal(rw_trust_sig_decode(pgp, sizeof(pgp), &s, &why), 0);
    assert_int_equal(s.format, RW_TRUST_SIG_SIMPLE);
    assert_ptr_equal(s.pgp, pgp);
    rw_trust_sig_clear(&s);
    const char simple[] = "\0simple-signing\n\x89\x01";
    assert_int_equal(rw_trust_sig_decode((const uint8_t *)simple, sizeof(simple) - 1, &s, &why), 0);
    assert_int_equal(s.format, RW_TRUST_SIG_SIMPLE);
    assert_int_equal(s.pgp_len, 2);
    rw_trust_sig_clear(&s);
    const char ss[] = "\0sigstore-json\n{\"mimeType\":\"application/vnd.dev.cosign.simplesigning."
                      "v1+json\",\"payload\":\"aGk=\",\"annotations\":{\"dev.cosignproject."
                      "cosign/signature\":\"c2ln\",\"x\":\"y\"},\"unknown\":1}";
    assert_int_equal(rw_trust_sig_decode((const uint8_t *)ss, sizeof(ss) - 1, &s, &why), 0);
    assert_int_equal(s.format, RW_TRUST_SIG_SIGSTORE);
    assert_string_equal(s.mime, RW_TRUST_COSIGN_MIME);
    assert_int_equal(s.payload_len, 2);
    assert_memory_equal(s.payload, "hi", 2);
    assert_string_equal(s.sig_b64, "c2ln");
    rw_trust_sig_clear(&s);
#define BLOB(s) s, sizeof(s) - 1
    static const struct {
        const char *blob;
        size_t len;
        const char *why;
    } bad[] = {
        {BLOB(""), "empty"},
        {BLOB("\x01xyz"), "starting with binary 0x01"},
        {BLOB("{}"), "starting with binary 0x7b"},
        {BLOB("\0simple-signing"), "missing newline"},
        {BLOB("\0bogus\n"), "unrecognized signature format \"bogus\""},
        {BLOB("\0a\x01\n"), "non-ASCII"},
        {BLOB("\0sigstore-json\n[]"), "not a JSON object"},
        {BLOB("\0sigstore-json\n{\"payload\":\"!!\"}"), "base64"},
        {BLOB("\0sigstore-json\n{\"annotations\":{\"a\":1}}"), "must be a string"},
    };
#undef BLOB
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why = NULL;
        int r = rw_trust_sig_decode((const uint8_t *)bad[i].blob, bad[i].len, &s, &why);
        if (r == 0 || !why || !strstr(why, bad[i].why))
            fail_msg("blob %zu: got %d '%s', want '%s'", i, r, why ? why : "", bad[i].why);
        free(why);
    }
}

static void test_registries_d(void **state)
{
    (void)state;
    rw_trust_regd_t *c = rw_trust_regd_new();
    rw_error_t *err = NULL;
    const char *a = "# comment\n---\ndefault-docker:\n  lookaside: file:///var/sigs  # trailing\n"
                    "docker:\n  example.com:5000:\n    lookaside: 'file:///ex'\n"
                    "  example.com/ns:\n    sigstore: \"https://sigs.example/x\"\n"
                    "    use-sigstore-attachments: yes\n"
                    "  nolookaside.example:\n    lookaside-staging: file:///staging\n"
                    "unknown-top: ignored\n";
    assert_int_equal(rw_trust_regd_parse(c, a, strlen(a), "a.yaml", &err), 0);
    bool builtin = false;
    char *ns1[] = {"example.com/ns/img", "example.com/ns", "example.com", "*.com", NULL};
    assert_string_equal(rw_trust_regd_lookaside(c, "example.com/ns/img:1", ns1, &builtin),
                        "https://sigs.example/x");
    char *ns2[] = {"example.com:5000/img", "example.com:5000", "*.com", NULL};
    assert_string_equal(rw_trust_regd_lookaside(c, "example.com:5000/img:1", ns2, &builtin),
                        "file:///ex");
    /* a section without a URL falls through to default-docker */
    char *ns3[] = {"nolookaside.example/x", "nolookaside.example", "*.example", NULL};
    assert_string_equal(rw_trust_regd_lookaside(c, "nolookaside.example/x:1", ns3, &builtin),
                        "file:///var/sigs");
    assert_false(builtin);
    /* a second default-docker, or the same namespace twice, is an error */
    const char *b = "default-docker:\n  lookaside: file:///other\n";
    assert_int_equal(rw_trust_regd_parse(c, b, strlen(b), "b.yaml", &err), -EINVAL);
    assert_non_null(strstr(err->msg, "\"default-docker\" is defined both here and in a.yaml"));
    rw_error_free(err);
    err = NULL;
    const char *d = "docker:\n  example.com/ns:\n    lookaside: file:///dup\n";
    assert_int_equal(rw_trust_regd_parse(c, d, strlen(d), "d.yaml", &err), -EINVAL);
    rw_error_free(err);
    err = NULL;
    rw_trust_regd_free(c);
    /* nothing configured: the built-in default */
    c = rw_trust_regd_new();
    assert_string_equal(rw_trust_regd_lookaside(c, "x/y:1", NULL, &builtin),
                        RW_TRUST_REGD_DEFAULT_ROOT);
    assert_true(builtin);
    rw_trust_regd_free(c);

    static const struct {
        const char *yaml, *why;
    } bad[] = {
        {"docker:\n\texample.com:\n", "tab"},
        {"docker: [a, b]\n", "unsupported YAML construct"},
        {"docker:\n  - a\n", "unsupported YAML construct"},
        {"default-docker: &anchor\n  lookaside: x\n", "unsupported"},
        {"default-docker:\n  lookaside: |\n    x\n", "unsupported"},
        {"default-docker:\n  lookaside: \"unterminated\n", "unterminated"},
        {"default-docker:\n  lookaside: 42\n", "must be a string"},
        {"default-docker:\n  lookaside: true\n", "must be a string"},
        {"default-docker:\n  use-sigstore-attachments: maybe\n", "true or false"},
        {"default-docker:\n  lookaside: a\n  lookaside: b\n", "duplicate key"},
        {"default-docker: x\n", "must be a mapping"},
        {"docker: x\n", "must be a mapping"},
        {"  indented: x\n", "column 1"},
        {"a: b\n   c: d\n", "indentation"},
        {"---\na: 1\n---\nb: 2\n", "more than one YAML document"},
        {"key without colon\n", "expected 'key: value'"},
        {"a: \"\\q\"\n", "unsupported escape"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        c = rw_trust_regd_new();
        int r = rw_trust_regd_parse(c, bad[i].yaml, strlen(bad[i].yaml), "x.yaml", &err);
        if (r == 0 || !err || !strstr(err->msg, bad[i].why))
            fail_msg("yaml %zu: got %d '%s', want '%s'", i, r, err ? err->msg : "", bad[i].why);
        rw_error_free(err);
        err = NULL;
        rw_trust_regd_free(c);
    }
    /* lookaside URLs */
    char *dir = NULL;
    assert_int_equal(rw_trust_lookaside_dir("file:///var/lib/s%20x", &dir), 0);
    assert_string_equal(dir, "/var/lib/s x");
    free(dir);
    assert_int_equal(rw_trust_lookaside_dir("file://localhost/a", &dir), 0);
    assert_string_equal(dir, "/a");
    free(dir);
    assert_int_equal(rw_trust_lookaside_dir("https://example.com/s", &dir), -EPROTONOSUPPORT);
    assert_int_equal(rw_trust_lookaside_dir("file://otherhost/a", &dir), -EPROTONOSUPPORT);
    assert_int_equal(rw_trust_lookaside_dir("file:///a/../etc", &dir), -EINVAL);
    assert_int_equal(rw_trust_lookaside_dir("file:///a%2", &dir), -EINVAL);
    assert_int_equal(rw_trust_lookaside_dir("file:///a%00b", &dir), -EINVAL);
    assert_int_equal(rw_trust_lookaside_dir("nocolon", &dir), -EINVAL);
}

static void test_storage_conf(void **state)
{
    (void)state;
    rw_trust_storage_conf_t c;
    rw_error_t *err = NULL;
    const char *ok =
        "# c\n[storage]\ndriver = \"overlay\"\ngraphroot = '/var/lib/x'\n"
        "runroot = \"/run/x\" # comment\n[storage.options]\nadditionalimagestores = [\n"
        "  \"/a\",\n  \"/b\"]\nmountopt = \"\"\"a\nb\"\"\"\n[storage.options.overlay]\n"
        "graphroot = \"/not/this\"\n";
    assert_int_equal(rw_trust_storage_conf_parse(ok, strlen(ok), "s.conf", &c, &err), 0);
    assert_string_equal(c.driver, "overlay");
    assert_string_equal(c.graphroot, "/var/lib/x");
    assert_string_equal(c.runroot, "/run/x");
    rw_trust_storage_conf_clear(&c);
    static const char *const bad[] = {
        "[storage]\ngraphroot = \"relative\"\n",
        "[storage]\ndriver = 1\n",
        "[storage]\ndriver = \"a\"\ndriver = \"b\"\n",
        "[storage\n",
        "[storage]\n= x\n",
        "[x]\na = [\n",
        "[storage]\ngraphroot = \"/a\" junk\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (rw_trust_storage_conf_parse(bad[i], strlen(bad[i]), "s.conf", &c, &err) == 0)
            fail_msg("accepted storage.conf %zu", i);
        rw_error_free(err);
        err = NULL;
    }
}

static void test_bundle_shape(void **state)
{
    (void)state;
    char *root = NULL, *drv = NULL, *id = NULL;
    assert_int_equal(rw_trust_bundle_shape("/var/lib/containers/storage/overlay-containers/" HEX64
                                           "/userdata",
                                           &root, &drv, &id),
                     1);
    assert_string_equal(root, "/var/lib/containers/storage");
    assert_string_equal(drv, "overlay");
    assert_string_equal(id, HEX64);
    free(root);
    free(drv);
    free(id);
    assert_int_equal(
        rw_trust_bundle_shape("/r/vfs-containers/" HEX64 "/userdata/", &root, &drv, &id), 1);
    assert_string_equal(root, "/r");
    free(root);
    free(drv);
    free(id);
    assert_int_equal(rw_trust_bundle_shape("/vfs-containers/" HEX64 "/userdata", &root, &drv, &id),
                     1);
    assert_string_equal(root, "/");
    free(root);
    free(drv);
    free(id);
    static const char *const no[] = {
        "relative/vfs-containers/" HEX64 "/userdata",
        "/r/vfs-containers/" HEX64 "/notuserdata",
        "/r/vfs-containers/0123/userdata",
        "/r/Vfs-containers/" HEX64 "/userdata",
        "/r/-containers/" HEX64 "/userdata",
        "/r/vfs-images/" HEX64 "/userdata",
        "/r/../x/vfs-containers/" HEX64 "/userdata",
        "/tmp/bundle",
    };
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        if (rw_trust_bundle_shape(no[i], &root, &drv, &id) != 0)
            fail_msg("%s should not have storage's shape", no[i]);
}

static void test_scanner(void **state)
{
    (void)state;
    rw_trust_scan_result_t res;
    const char *doc =
        " [ {\"id\":\"a\",\"x\":[1,2,{\"id\":\"b\"}]} , {\"names\":[\"q\"],\"id\":\"b\","
        "\"m\":\"\\u0041\\\"\"} ] ";
    assert_int_equal(rw_trust_scan_find_id(doc, strlen(doc), "b", &res), 1);
    assert_int_equal(res.n_objects, 2);
    assert_int_equal(doc[res.off], '{');
    assert_int_equal(doc[res.off + res.len - 1], '}');
    assert_non_null(memmem(doc + res.off, res.len, "names", 5)); /* the top-level one */
    assert_int_equal(rw_trust_scan_find_id(doc, strlen(doc), "c", &res), 0);
    /* an id written with escapes is still that id */
    const char *esc = "[{\"i\\u0064\":\"\\u0061bc\"}]";
    assert_int_equal(rw_trust_scan_find_id(esc, strlen(esc), "abc", &res), 1);
    const char *dup = "[{\"id\":\"a\"},{\"id\":\"a\"}]";
    assert_int_equal(rw_trust_scan_find_id(dup, strlen(dup), "a", &res), -EEXIST);
    static const char *const bad[] = {
        "",
        "{}",
        "[",
        "[{]",
        "[{\"id\":}]",
        "[1]",
        "[{}]x",
        "[{\"a\":tru}]",
        "[{\"a\":01}]",
        "[{\"a\":\"\\x\"}]",
        "[{\"a\":\"\x01\"}]",
        "[{\"a\":1,}]",
        "[{},]",
        "[{\"a\" 1}]",
        "[{\"a\":-}]",
        "[{\"a\":1.}]",
        "[{\"a\":\"\\u12\"}]",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (rw_trust_scan_find_id(bad[i], strlen(bad[i]), "a", &res) != -EINVAL)
            fail_msg("scanner accepted %s", bad[i]);
    /* depth is bounded */
    char deep[400];
    size_t n = 0;
    n += (size_t)snprintf(deep, sizeof(deep), "[{\"a\":");
    for (int i = 0; i < 100; i++)
        deep[n++] = '[';
    for (int i = 0; i < 100; i++)
        deep[n++] = ']';
    deep[n++] = '}';
    deep[n++] = ']';
    assert_int_equal(rw_trust_scan_find_id(deep, n, "a", &res), -EINVAL);
    assert_non_null(strstr(res.why, "nested"));
}

static void test_records(void **state)
{
    (void)state;
    rw_error_t *err = NULL;
    const char *images =
        "[{\"id\":\"" HEX64 "\",\"digest\":\"sha256:" HEX64 "\",\"names\":[\"example.com/a:1\","
        "\"localhost/b:latest\"],\"metadata\":\"{\\\"signature-sizes\\\":[3,4],"
        "\\\"signatures-sizes\\\":{\\\"sha256:" HEX64 "\\\":[3,4]}}\",\"big-data-names\":"
        "[\"manifest\",\"signatures\"],\"created\":\"2024-01-01T00:00:00Z\",\"unknown\":{}}]";
    rw_trust_image_rec_t rec;
    assert_int_equal(rw_trust_images_find(images, strlen(images), "images.json", HEX64, &rec, &err),
                     1);
    assert_string_equal(rec.names[1], "localhost/b:latest");
    assert_null(rec.names[2]);
    const size_t *sizes = NULL;
    size_t nsz = 0;
    assert_true(rw_trust_image_rec_sig_sizes(&rec, NULL, &sizes, &nsz));
    assert_int_equal(nsz, 2);
    assert_int_equal(sizes[1], 4);
    assert_true(rw_trust_image_rec_sig_sizes(&rec, "sha256:" HEX64, &sizes, &nsz));
    assert_true(rw_trust_image_rec_has_big_data(&rec, "signatures"));
    /* round trip through the cache form */
    json_t *j = rw_trust_image_rec_to_json(&rec);
    rw_trust_image_rec_t back;
    assert_int_equal(rw_trust_image_rec_parse(j, "cache", &back, &err), 0);
    assert_string_equal(back.names[0], "example.com/a:1");
    assert_true(rw_trust_image_rec_sig_sizes(&back, NULL, &sizes, &nsz));
    assert_int_equal(nsz, 2);
    json_decref(j);
    rw_trust_image_rec_clear(&back);
    rw_trust_image_rec_clear(&rec);
    assert_int_equal(rw_trust_images_find_name(images, strlen(images), "images.json",
                                               "localhost/b:latest", &rec, &err),
                     1);
    rw_trust_image_rec_clear(&rec);
    static const char *const bad_images[] = {
        "[{\"id\":\"" HEX64 "\",\"metadata\":\"not json\"}]",
        "[{\"id\":\"" HEX64 "\",\"metadata\":\"{\\\"signature-sizes\\\":[-1]}\"}]",
        "[{\"id\":\"" HEX64 "\",\"metadata\":\"{\\\"signature-sizes\\\":\\\"x\\\"}\"}]",
        "[{\"id\":\"" HEX64 "\",\"names\":\"x\"}]",
        "[{\"id\":\"" HEX64 "\",\"names\":[1]}]",
        "[{\"id\":\"" HEX64 "\",\"id\":\"" HEX64 "\"}]",
        "[{\"id\":\"" HEX64 "\",\"metadata\":5}]",
    };
    for (size_t i = 0; i < sizeof(bad_images) / sizeof(bad_images[0]); i++) {
        int r = rw_trust_images_find(bad_images[i], strlen(bad_images[i]), "images.json", HEX64,
                                     &rec, &err);
        if (r >= 0)
            fail_msg("accepted image %zu", i);
        assert_non_null(strstr(err->msg, "images.json"));
        rw_error_free(err);
        err = NULL;
    }
    const char *ctrs = "[{\"id\":\"" HEX64 "\",\"names\":[\"c1\"],\"image\":\"" HEX64
                       "\",\"metadata\":\"{\\\"image-name\\\":\\\"example.com/a:1\\\","
                       "\\\"image-id\\\":\\\"x\\\"}\"}]";
    rw_trust_container_rec_t c;
    assert_int_equal(
        rw_trust_containers_find(ctrs, strlen(ctrs), "containers.json", HEX64, &c, &err), 1);
    assert_string_equal(c.image, HEX64);
    assert_string_equal(c.image_name, "example.com/a:1");
    assert_string_equal(c.name, "c1");
    rw_trust_container_rec_clear(&c);
    const char *badc = "[{\"id\":\"" HEX64 "\",\"image\":\"notanid\"}]";
    assert_true(rw_trust_containers_find(badc, strlen(badc), "containers.json", HEX64, &c, &err) <
                0);
    rw_error_free(err);
    err = NULL;
    const char *badm = "[{\"id\":\"" HEX64 "\",\"image\":\"\",\"metadata\":\"[\"}]";
    assert_true(rw_trust_containers_find(badm, strlen(badm), "containers.json", HEX64, &c, &err) <
                0);
    rw_error_free(err);
}

static void test_bigdata_and_split(void **state)
{
    (void)state;
    char *n = rw_trust_bigdata_filename("manifest");
    assert_string_equal(n, "manifest");
    free(n);
    n = rw_trust_bigdata_filename("signature-abc");
    assert_string_equal(n, "=c2lnbmF0dXJlLWFiYw==");
    free(n);
    n = rw_trust_bigdata_filename("manifest-sha256:ab");
    assert_string_equal(n, "=bWFuaWZlc3Qtc2hhMjU2OmFi");
    free(n);
    size_t *off = NULL;
    const char *why = NULL;
    const size_t sizes[] = {700, 650};
    assert_int_equal(rw_trust_split_signatures(1350, sizes, 2, &off, &why), 2);
    assert_int_equal(off[1], 700);
    free(off);
    assert_int_equal(rw_trust_split_signatures(1349, sizes, 2, &off, &why), -EINVAL);
    assert_non_null(strstr(why, "shorter"));
    assert_int_equal(rw_trust_split_signatures(1351, sizes, 2, &off, &why), -EINVAL);
    assert_non_null(strstr(why, "does not account"));
    const size_t huge[] = {SIZE_MAX, 2};
    assert_int_equal(rw_trust_split_signatures(1, huge, 2, &off, &why), -EINVAL);
}

static void test_base64(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } ok[] = {
        {"", ""}, {"Zg==", "f"}, {"Zm8=", "fo"}, {"Zm9v", "foo"}, {"Zm9v\nYmFy\r\n", "foobar"}};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        uint8_t *d = NULL;
        size_t n = 0;
        assert_int_equal(rw_trust_b64_decode(ok[i].in, strlen(ok[i].in), true, &d, &n), 0);
        assert_int_equal(n, strlen(ok[i].out));
        assert_memory_equal(d, ok[i].out, n);
        char *e = rw_trust_b64_encode(d, n);
        free(d);
        free(e);
    }
    static const char *const bad[] = {"Z", "Zg=", "Zg===", "Z===", "Zg==Zg==", "Zm9v!", "=Zm9"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t *d = NULL;
        size_t n = 0;
        if (rw_trust_b64_decode(bad[i], strlen(bad[i]), true, &d, &n) == 0)
            fail_msg("base64 accepted %s", bad[i]);
    }
    char *e = rw_trust_b64_encode("foob", 4);
    assert_string_equal(e, "Zm9vYg==");
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_docker_refs),       cmocka_unit_test(test_payloads),
        cmocka_unit_test(test_signature_blobs),   cmocka_unit_test(test_registries_d),
        cmocka_unit_test(test_storage_conf),      cmocka_unit_test(test_bundle_shape),
        cmocka_unit_test(test_scanner),           cmocka_unit_test(test_records),
        cmocka_unit_test(test_bigdata_and_split), cmocka_unit_test(test_base64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
