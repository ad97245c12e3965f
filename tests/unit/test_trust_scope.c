/* policy.json: the strict grammar (what containers/image rejects, what it accepts) and
 * scope selection, table-driven with the cases of signature/policy_eval_test.go and
 * docker/policyconfiguration/naming_test.go. */
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
#include "conf/policy_json.h"

static rw_trust_policy_t *parse(const char *json, char **why)
{
    rw_trust_policy_t *p = NULL;
    rw_error_t *err = NULL;
    int r = rw_trust_policy_parse(json, strlen(json), "policy.json", &p, &err);
    if (why)
        *why = err && err->msg ? strdup(err->msg) : NULL;
    rw_error_free(err);
    return r < 0 ? NULL : p;
}

#define REJ "[{\"type\":\"reject\"}]"
#define ACC "[{\"type\":\"insecureAcceptAnything\"}]"
#define SB(extra) "[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\"" extra "}]"

static const struct {
    const char *json, *why; /* substring of the error */
} bad_policies[] = {
    {"{}", "\"default\") is missing"},
    {"{\"default\":[]}", "must not be empty"},
    {"{\"default\":null}", "must not be empty"},
    {"{\"defualt\":" ACC "}", "unknown key \"defualt\""},
    {"{\"default\":" ACC ",\"default\":" ACC "}", "duplicate"},
    {"{\"default\":" ACC "} trailing", "invalid JSON"},
    {"[]", "must be a JSON object"},
    {"{\"default\":" ACC ",\"transports\":null}", "must be a JSON object"},
    {"{\"default\":" ACC ",\"transports\":{\"docker\":null}}", "must be a JSON object"},
    {"{\"default\":" ACC ",\"transports\":{\"docker\":{\"x\":[]}}}", "must not be empty"},
    {"{\"default\":" ACC ",\"transports\":{\"docker\":{\"x\":{}}}}", "must be a list"},
    {"{\"default\":[{\"type\":\"bogus\"}]}", "unknown policy requirement type"},
    {"{\"default\":[{\"type\":1}]}", "must be a string"},
    {"{\"default\":[{}]}", "\"type\" is missing"},
    {"{\"default\":[\"reject\"]}", "must be a JSON object"},
    {"{\"default\":[{\"type\":\"reject\",\"x\":1}]}", "unknown key \"x\""},
    {"{\"default\":[{\"type\":\"insecureAcceptAnything\",\"keyPath\":\"/k\"}]}", "unknown key"},
    {"{\"default\":[{\"type\":\"signedBy\",\"keyPath\":\"/k\"}]}", "keyType"},
    {"{\"default\":" SB(",\"keyType\":\"GPGKeys\",\"keyPath\":\"/k\"") "}", "duplicate"},
    {"{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"foo\",\"keyPath\":\"/k\"}]}",
     "unrecognized keyType"},
    {"{\"default\":" SB(",\"keyPath\":\"/k\",\"keyData\":\"AA==\"") "}", "more than one"},
    {"{\"default\":" SB(",\"keyPath\":\"/k\",\"keyPaths\":[\"/k\"]") "}", "more than one"},
    {"{\"default\":" SB("") "}", "none is"},
    {"{\"default\":" SB(",\"keyPath\":\"\"") "}", "empty"},
    {"{\"default\":" SB(",\"keyPath\":null") "}", "must be a string"},
    {"{\"default\":" SB(",\"keyPaths\":null") "}", "list of strings"},
    {"{\"default\":" SB(",\"keyPaths\":[1]") "}", "must be a string"},
    {"{\"default\":" SB(",\"keyData\":\"!!\"") "}", "base64"},
    {"{\"default\":" SB(",\"keyData\":null") "}", "base64"},
    {"{\"default\":" SB(",\"keyPath\":\"/k\",\"x\":1") "}", "unknown key \"x\""},
    {"{\"default\":" SB(",\"keyPath\":\"/k\",\"signedIdentity\":{\"type\":\"bogus\"}") "}",
     "unknown signedIdentity type"},
    {"{\"default\":" SB(",\"keyPath\":\"/k\",\"signedIdentity\":null") "}", "JSON object"},
    {"{\"default\":" SB(
         ",\"keyPath\":\"/k\",\"signedIdentity\":{\"type\":\"matchExact\",\"x\":1}") "}",
     "unknown key \"x\""},
    {"{\"default\":" SB(",\"keyPath\":\"/k\",\"signedIdentity\":{\"type\":\"exactReference\","
                        "\"dockerReference\":\"busybox\"}") "}",
     "neither a tag nor a digest"},
    {"{\"default\":" SB(",\"keyPath\":\"/k\",\"signedIdentity\":{\"type\":\"exactReference\","
                        "\"dockerReference\":\"UPPER:1\"}") "}",
     "is invalid"},
    {"{\"default\":" SB(",\"keyPath\":\"/k\",\"signedIdentity\":{\"type\":\"exactReference\"}") "}",
     "\"dockerReference\" is missing"},
    {"{\"default\":" SB(",\"keyPath\":\"/k\",\"signedIdentity\":{\"type\":\"exactRepository\","
                        "\"dockerRepository\":\"Bad/Repo\"}") "}",
     "is invalid"},
    {"{\"default\":" SB(",\"keyPath\":\"/k\",\"signedIdentity\":{\"type\":\"remapIdentity\","
                        "\"prefix\":\"example.com\"}") "}",
     "\"signedPrefix\" is missing"},
    {"{\"default\":" SB(",\"keyPath\":\"/k\",\"signedIdentity\":{\"type\":\"remapIdentity\","
                        "\"prefix\":\"Not Valid\",\"signedPrefix\":\"example.com\"}") "}",
     "prefix \"Not Valid\" is not valid"},
    {"{\"default\":[{\"type\":\"signedBaseLayer\"}]}", "baseLayerIdentity"},
    {"{\"default\":[{\"type\":\"sigstoreSigned\"}]}", "exactly one of"},
    {"{\"default\":[{\"type\":\"sigstoreSigned\",\"keyPath\":\"/k\",\"keyData\":\"AA==\"}]}",
     "exactly one of"},
    {"{\"default\":[{\"type\":\"sigstoreSigned\",\"keyPaths\":[]}]}", "non-empty"},
    {"{\"default\":[{\"type\":\"sigstoreSigned\",\"keyDatas\":[]}]}", "non-empty"},
    {"{\"default\":[{\"type\":\"sigstoreSigned\",\"fulcio\":{\"caPath\":\"/ca\","
     "\"oidcIssuer\":\"i\",\"subjectEmail\":\"e\"}}]}",
     "fulcio requires"},
    {"{\"default\":[{\"type\":\"sigstoreSigned\",\"fulcio\":{\"caPath\":\"/ca\","
     "\"subjectEmail\":\"e\"},\"rekorPublicKeyPath\":\"/r\"}]}",
     "oidcIssuer"},
    {"{\"default\":[{\"type\":\"sigstoreSigned\",\"pki\":{\"caRootsPath\":\"/ca\","
     "\"subjectEmail\":\"e\"},\"rekorPublicKeyPath\":\"/r\"}]}",
     "not supported with pki"},
    {"{\"default\":[{\"type\":\"sigstoreSigned\",\"keyPath\":\"/k\",\"rekorPublicKeyPath\":\"/r\","
     "\"rekorPublicKeyData\":\"AA==\"}]}",
     "at most one"},
    {"{\"default\":" ACC ",\"transports\":{\"docker-archive\":{\"/x\":" ACC "}}}", "invalid scope"},
    {"{\"default\":" ACC ",\"transports\":{\"tarball\":{\"x\":" ACC "}}}", "invalid scope"},
    {"{\"default\":" ACC ",\"transports\":{\"dir\":{\"/\":" ACC "}}}", "invalid scope"},
    {"{\"default\":" ACC ",\"transports\":{\"dir\":{\"a/b\":" ACC "}}}", "invalid scope"},
    {"{\"default\":" ACC ",\"transports\":{\"dir\":{\"/a/../b\":" ACC "}}}", "invalid scope"},
    {"{\"default\":" ACC ",\"transports\":{\"oci\":{\"/a/\":" ACC "}}}", "invalid scope"},
    {"{\"default\":" ACC ",\"transports\":{\"sif\":{\"/a//b\":" ACC "}}}", "invalid scope"},
    {"{\"default\":" ACC ",\"transports\":{\"docker-daemon\":{\"sha256:"
     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\":" ACC "}}}",
     "invalid scope"},
    {"{\"default\":" ACC ",\"transports\":{\"atomic\":{\"a/b/c/d\":" ACC "}}}", "invalid scope"},
    {"{\"default\":" ACC ",\"transports\":{\"containers-storage\":{\"noBracket\":" ACC "}}}",
     "invalid scope"},
    {"{\"default\":" ACC ",\"transports\":{\"containers-storage\":{\"[]\":" ACC "}}}",
     "invalid scope"},
    {"{\"default\":" ACC ",\"transports\":{\"containers-storage\":{\"[relative]\":" ACC "}}}",
     "invalid scope"},
    {"{\"default\":" ACC ",\"transports\":{\"containers-storage\":{\"[vfs@relative]\":" ACC "}}}",
     "invalid scope"},
    {"{\"default\":" ACC ",\"transports\":{\"containers-storage\":{\"[/r]busybox@notadigest\":" ACC
     "}}}",
     "invalid scope"},
};

static const char *const good_policies[] = {
    "{\"default\":" ACC "}",
    "{\"default\":" REJ ",\"transports\":{}}",
    "{\"default\":" REJ ",\"transports\":{\"foo\":{\"anything at all\":" ACC "}}}",
    "{\"default\":" REJ ",\"transports\":{\"docker\":{\"\":" ACC ",\"*.example.com\":" ACC "}}}",
    "{\"default\":" SB(",\"keyPaths\":[]") "}",
    "{\"default\":" SB(",\"keyData\":\"\"") "}",
    "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"signedByGPGKeys\",\"keyPath\":\"/k\"}]}",
    "{\"default\":" SB(",\"keyPath\":\"/k\",\"signedIdentity\":{\"type\":\"remapIdentity\","
                       "\"prefix\":\"mirror.example\",\"signedPrefix\":\"docker.io/library\"}") "}",
    "{\"default\":" SB(",\"keyPath\":\"/k\",\"signedIdentity\":{\"type\":\"exactReference\","
                       "\"dockerReference\":\"busybox:1\"}") "}",
    "{\"default\":" SB(",\"keyPath\":\"/k\",\"signedIdentity\":{\"type\":\"exactRepository\","
                       "\"dockerRepository\":\"busybox\"}") "}",
    "{\"default\":[{\"type\":\"signedBaseLayer\",\"baseLayerIdentity\":{\"type\":\"matchExact\"}}]"
    "}",
    "{\"default\":[{\"type\":\"sigstoreSigned\",\"keyPath\":\"/k\"}]}",
    "{\"default\":[{\"type\":\"sigstoreSigned\",\"keyPaths\":[\"/a\",\"/b\"]}]}",
    "{\"default\":[{\"type\":\"sigstoreSigned\",\"keyData\":\"AA==\"}]}",
    "{\"default\":[{\"type\":\"sigstoreSigned\",\"keyDatas\":[\"AA==\",\"AQ==\"]}]}",
    "{\"default\":[{\"type\":\"sigstoreSigned\",\"keyPath\":\"/k\",\"rekorPublicKeyPath\":\"/"
    "r\"}]}",
    "{\"default\":[{\"type\":\"sigstoreSigned\",\"fulcio\":{\"caData\":\"AA==\",\"oidcIssuer\":"
    "\"https://i\",\"subjectEmail\":\"a@b\"},\"rekorPublicKeyData\":\"AA==\"}]}",
    "{\"default\":[{\"type\":\"sigstoreSigned\",\"pki\":{\"caRootsPath\":\"/r\","
    "\"subjectHostname\":\"h\"}}]}",
    "{\"default\":" ACC ",\"transports\":{\"dir\":{\"/a/b\":" ACC "},\"oci\":{\"/x\":" ACC
    "},\"docker-daemon\":{\"busybox:latest\":" ACC "},\"atomic\":{\"host/ns/stream:tag\":" ACC
    "},\"docker-archive\":{\"\":" ACC "},\"containers-storage\":{\"[/var/lib/c]\":" ACC
    ",\"[overlay@/var/lib/c]busybox\":" ACC ",\"[/r]busybox@"
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\":" ACC "}}}",
};

static void test_policy_rejects(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_policies) / sizeof(bad_policies[0]); i++) {
        char *why = NULL;
        rw_trust_policy_t *p = parse(bad_policies[i].json, &why);
        if (p)
            fail_msg("accepted: %s", bad_policies[i].json);
        if (!why || !strstr(why, bad_policies[i].why))
            fail_msg("%s: error '%s' lacks '%s'", bad_policies[i].json, why ? why : "(none)",
                     bad_policies[i].why);
        if (!strstr(why, "policy.json: "))
            fail_msg("error does not name the file: %s", why);
        free(why);
    }
}

static void test_policy_accepts(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(good_policies) / sizeof(good_policies[0]); i++) {
        char *why = NULL;
        rw_trust_policy_t *p = parse(good_policies[i], &why);
        if (!p)
            fail_msg("rejected: %s: %s", good_policies[i], why ? why : "?");
        free(why);
        rw_trust_policy_free(p);
    }
}

static void test_policy_typed_view(void **state)
{
    (void)state;
    rw_trust_policy_t *p = parse(
        "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyData\":\"aGVsbG8=\","
        "\"signedIdentity\":{\"type\":\"remapIdentity\",\"prefix\":\"a.example\","
        "\"signedPrefix\":\"b.example/ns\"}},{\"type\":\"sigstoreSigned\",\"keyPaths\":[\"/a\","
        "\"/b\"]}]}",
        NULL);
    assert_non_null(p);
    assert_int_equal(p->def.n, 2);
    rw_trust_req_t *a = &p->def.items[0], *b = &p->def.items[1];
    assert_int_equal(a->kind, RW_TRUST_PR_SIGNED_BY);
    assert_string_equal(a->key_type, "GPGKeys");
    assert_int_equal(a->n_keys, 1);
    assert_null(a->keys[0].path);
    assert_int_equal(a->keys[0].len, 5);
    assert_memory_equal(a->keys[0].data, "hello", 5);
    assert_int_equal(a->identity.kind, RW_TRUST_PRM_REMAP_IDENTITY);
    assert_string_equal(a->identity.value, "a.example");
    assert_string_equal(a->identity.signed_prefix, "b.example/ns");
    assert_string_equal(a->where, "default[0]");
    assert_int_equal(b->kind, RW_TRUST_PR_SIGSTORE_SIGNED);
    assert_int_equal(b->n_keys, 2);
    assert_string_equal(b->keys[1].path, "/b");
    assert_int_equal(b->identity.kind, RW_TRUST_PRM_MATCH_REPO_DIGEST_OR_EXACT);
    rw_trust_policy_free(p);
}

/* The scope a docker reference selects; "default" for the global default. */
static char *select_scope(const rw_trust_policy_t *p, const char *transport, const char *refstr)
{
    rw_trust_ref_t ref = {0};
    if (rw_trust_ref_parse_normalized(refstr, &ref, NULL) < 0 ||
        rw_trust_ref_tag_name_only(&ref) < 0)
        return NULL;
    char *identity = NULL;
    char **ns = NULL;
    assert_int_equal(rw_trust_ref_identity(&ref, &identity), 0);
    assert_int_equal(rw_trust_ref_namespaces(&ref, &ns), 0);
    const char *scope = NULL;
    const rw_trust_reqs_t *rs = rw_trust_policy_select(p, transport, identity, ns, &scope);
    assert_non_null(rs);
    char *out = strdup(scope ? scope : "default");
    free(identity);
    rw_strv_freep(&ns);
    rw_trust_ref_clear(&ref);
    return out;
}

static void expect_scope(const rw_trust_policy_t *p, const char *transport, const char *ref,
                         const char *want)
{
    char *got = select_scope(p, transport, ref);
    if (!got || strcmp(got, want) != 0)
        fail_msg("%s %s: scope %s, want %s", transport, ref, got ? got : "(error)", want);
    free(got);
}

static void test_scope_precedence(void **state)
{
    (void)state;
    /* policy_eval_test.go TestPolicyContextRequirementsForImageRef */
    rw_trust_policy_t *p =
        parse("{\"default\":" REJ ",\"transports\":{\"docker\":{\"\":" ACC ",\"unmatched\":" ACC
              ",\"deep.com\":" ACC ",\"*.very.deep.com\":" ACC ",\"*.deep.com\":" ACC
              ",\"deep.com/n1\":" ACC ",\"deep.com/n1/n2\":" ACC ",\"deep.com/n1/n2/n3\":" ACC
              ",\"deep.com/n1/n2/n3/repo\":" ACC ",\"deep.com/n1/n2/n3/repo:tag2\":" ACC
              "},\"atomic\":{\"unmatched\":" ACC "}}}",
              NULL);
    assert_non_null(p);
    expect_scope(p, "docker", "deep.com/n1/n2/n3/repo:tag2", "deep.com/n1/n2/n3/repo:tag2");
    expect_scope(p, "docker", "deep.com/n1/n2/n3/repo:nottag2", "deep.com/n1/n2/n3/repo");
    expect_scope(p, "docker", "deep.com/n1/n2/n3/notrepo:tag2", "deep.com/n1/n2/n3");
    expect_scope(p, "docker", "deep.com/n1/n2/notn3/repo:tag2", "deep.com/n1/n2");
    expect_scope(p, "docker", "deep.com/n1/notn2/n3/repo:tag2", "deep.com/n1");
    expect_scope(p, "docker", "deep.com/notn1/n2/n3/repo:tag2", "deep.com");
    expect_scope(p, "docker", "very.deep.com/n1/n2/n3/repo:tag2", "*.deep.com");
    expect_scope(p, "docker", "not.very.deep.com/n1/n2/n3/repo:tag2", "*.very.deep.com");
    expect_scope(p, "docker", "this.does-not/match:anything", "");
    expect_scope(p, "atomic", "this.does-not/match:anything", "default");
    expect_scope(p, "dir", "what/ever", "default");
    rw_trust_policy_free(p);
}

static void test_scope_research_vectors(void **state)
{
    (void)state;
    /* busybox accepted by an identity scope, everything else rejected by default */
    rw_trust_policy_t *p = parse("{\"default\":" REJ ",\"transports\":{\"docker\":{"
                                 "\"docker.io/library/busybox\":" ACC "}}}",
                                 NULL);
    assert_non_null(p);
    expect_scope(p, "docker", "busybox", "docker.io/library/busybox");
    expect_scope(p, "docker",
                 "busybox@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0"
                 "123456789abcdef",
                 "docker.io/library/busybox");
    expect_scope(p, "docker", "alpine", "default");
    expect_scope(p, "dir", "docker.io/library/busybox", "default");
    rw_trust_policy_free(p);
    /* precedence: the most specific scope wins even when a general one is stricter */
    p = parse("{\"default\":" ACC ",\"transports\":{\"docker\":{\"docker.io\":" REJ
              ",\"docker.io/library/busybox:latest\":" ACC "}}}",
              NULL);
    assert_non_null(p);
    expect_scope(p, "docker", "busybox:latest", "docker.io/library/busybox:latest");
    expect_scope(p, "docker", "busybox:1.36", "docker.io");
    rw_trust_policy_free(p);
    /* ports: the port-less host is not a namespace; wildcards drop the port */
    p = parse("{\"default\":" REJ ",\"transports\":{\"docker\":{\"reg.example.com\":" ACC "}}}",
              NULL);
    expect_scope(p, "docker", "reg.example.com:5000/x:1", "default");
    rw_trust_policy_free(p);
    p = parse("{\"default\":" REJ ",\"transports\":{\"docker\":{\"reg.example.com:5000\":" ACC
              ",\"*.example.com\":" ACC "}}}",
              NULL);
    expect_scope(p, "docker", "reg.example.com:5000/x:1", "reg.example.com:5000");
    expect_scope(p, "docker", "other.example.com/x:1", "*.example.com");
    rw_trust_policy_free(p);
}

static void test_namespaces(void **state)
{
    (void)state;
    static const struct {
        const char *ref;
        const char *identity;
        const char *ns[8];
    } cases[] = {
        {"reg.example.com:5000/ns/img:1",
         "reg.example.com:5000/ns/img:1",
         {"reg.example.com:5000/ns/img", "reg.example.com:5000/ns", "reg.example.com:5000",
          "*.example.com", "*.com", NULL}},
        {"busybox",
         "docker.io/library/busybox:latest",
         {"docker.io/library/busybox", "docker.io/library", "docker.io", "*.io", NULL}},
        {"localhost/x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
         "localhost/x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
         {"localhost/x", "localhost", NULL}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rw_trust_ref_t ref = {0};
        assert_int_equal(rw_trust_ref_parse_normalized(cases[i].ref, &ref, NULL), 0);
        assert_int_equal(rw_trust_ref_tag_name_only(&ref), 0);
        char *id = NULL;
        char **ns = NULL;
        assert_int_equal(rw_trust_ref_identity(&ref, &id), 0);
        assert_string_equal(id, cases[i].identity);
        assert_int_equal(rw_trust_ref_namespaces(&ref, &ns), 0);
        size_t k = 0;
        for (; cases[i].ns[k]; k++) {
            assert_non_null(ns[k]);
            assert_string_equal(ns[k], cases[i].ns[k]);
        }
        assert_null(ns[k]);
        free(id);
        rw_strv_freep(&ns);
        rw_trust_ref_clear(&ref);
    }
    /* a reference with both tag and digest has no identity */
    rw_trust_ref_t both = {0};
    assert_int_equal(
        rw_trust_ref_parse_normalized(
            "busybox:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            &both, NULL),
        0);
    char *id = NULL;
    assert_int_equal(rw_trust_ref_identity(&both, &id), -EINVAL);
    rw_trust_ref_clear(&both);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_rejects),         cmocka_unit_test(test_policy_accepts),
        cmocka_unit_test(test_policy_typed_view),      cmocka_unit_test(test_scope_precedence),
        cmocka_unit_test(test_scope_research_vectors), cmocka_unit_test(test_namespaces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
