/* signedIdentity matching, table-driven with the cases of containers/image's
 * signature/policy_reference_match_test.go (v5.23.1): exact, repository and
 * repo-digest-or-exact matches, exactReference/exactRepository, and remapIdentity's prefix
 * test and rewriting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conf/docker_ref.h"
#include "conf/policy_json.h"
#include "policy/trust_identity.h"

#define RHEL "registry.access.redhat.com/rhel7/rhel:7.2.3"
#define RHEL_UNTAGGED "registry.access.redhat.com/rhel7/rhel"
#define DIG "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define DIG2 "@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

typedef struct pair {
    const char *a, *b;
    bool result;
} pair_t;

static const pair_t exact_table[] = {
    {"busybox:latest", "busybox:latest", true},
    {RHEL, RHEL, true},
    {"busybox" DIG, "busybox" DIG, true},
    {"library/busybox:latest", "busybox:latest", true},
    {"docker.io/library/busybox:latest", "busybox:latest", true},
    {"library/busybox" DIG, "busybox" DIG, true},
    {"busybox:latest", "busybox:notlatest", false},
    {"busybox:latest", "notbusybox:latest", false},
    {"busybox:latest", "hostname/library/busybox:notlatest", false},
    {"hostname/library/busybox:latest", "busybox:notlatest", false},
    {"busybox:latest", RHEL, false},
    {"busybox" DIG, "notbusybox" DIG, false},
    {"busybox:latest", "busybox" DIG, false},
    {"busybox" DIG, "busybox" DIG2, false},
    {"busybox", "busybox:latest", false},
    {"busybox", "busybox" DIG, false},
    {"busybox", "busybox", false},
    {"busybox:latest" DIG, "busybox:latest" DIG, true},
    {"busybox:latest" DIG, "busybox:latest" DIG2, false},
    {"busybox:latest" DIG, "busybox:notlatest" DIG, false},
    {"busybox:latest" DIG, "busybox" DIG, false},
    {"busybox:latest" DIG, "busybox:latest", false},
    {"UPPERCASE_IS_INVALID_IN_DOCKER_REFERENCES", "busybox:latest", false},
    {"", "UPPERCASE_IS_INVALID_IN_DOCKER_REFERENCES", false},
    {"INVALID", "INVALID", false},
};

static const pair_t repository_table[] = {
    {"busybox:latest", "busybox:latest", true},
    {RHEL, RHEL, true},
    {"busybox" DIG, "busybox" DIG, true},
    {"library/busybox:latest", "busybox:latest", true},
    {"docker.io/library/busybox:latest", "busybox:latest", true},
    {"library/busybox" DIG, "busybox" DIG, true},
    {"busybox:latest", "busybox:notlatest", true},
    {RHEL "tagsuffix", RHEL, true},
    {"library/busybox:latest", "busybox:notlatest", true},
    {"busybox:latest", "library/busybox:notlatest", true},
    {"docker.io/library/busybox:notlatest", "busybox:latest", true},
    {"busybox:notlatest", "docker.io/library/busybox:latest", true},
    {"busybox:latest", "busybox" DIG, true},
    {"busybox" DIG, "busybox" DIG2, true},
    {"busybox", "busybox:notlatest", true},
    {RHEL, RHEL_UNTAGGED, true},
    {"busybox", "busybox" DIG, true},
    {"library/busybox", "busybox", true},
    {"docker.io/library/busybox", "busybox", true},
    {"busybox:latest", "notbusybox:latest", false},
    {"hostname/library/busybox:latest", "busybox:notlatest", false},
    {"busybox:latest", RHEL, false},
    {"busybox" DIG, "notbusybox" DIG, false},
    {"busybox:latest" DIG, "busybox:latest" DIG, true},
    {"busybox:latest" DIG, "busybox:latest" DIG2, true},
    {"busybox:latest" DIG, "busybox:notlatest" DIG, true},
    {"busybox:latest" DIG, "busybox" DIG, true},
    {"busybox:latest" DIG, "busybox:latest", true},
    {"UPPERCASE_IS_INVALID_IN_DOCKER_REFERENCES", "busybox:latest", false},
    {"", "UPPERCASE_IS_INVALID_IN_DOCKER_REFERENCES", false},
    {"INVALID", "INVALID", false},
};

/* image, signature: not symmetric */
static const pair_t repo_digest_or_exact_table[] = {
    {"busybox:latest", "busybox:notlatest", false},
    {RHEL "tagsuffix", RHEL, false},
    {"library/busybox:latest", "busybox:notlatest", false},
    {"busybox:latest", "library/busybox:notlatest", false},
    {"docker.io/library/busybox:notlatest", "busybox:latest", false},
    {"busybox:notlatest", "docker.io/library/busybox:latest", false},
    {"busybox", "busybox:latest", false},
    {"busybox:latest", "busybox", false},
    {"busybox", "busybox" DIG, false},
    {"busybox" DIG, "busybox", false},
    {RHEL, RHEL_UNTAGGED, false},
    {"busybox", "busybox", false},
    {"busybox:latest", "busybox" DIG, false},
    {"busybox" DIG, "busybox:latest", true},
    {"busybox" DIG, "busybox" DIG2, true},
    {"busybox:latest" DIG, "busybox:latest", false},
    {"busybox:latest" DIG, "busybox:notlatest", false},
    {"busybox:latest", "busybox:latest" DIG, false},
    {"busybox:latest" DIG, "busybox:latest" DIG2, false},
    {"busybox:latest" DIG, "busybox:notlatest" DIG2, false},
};

/* Matches with an image reference given as a string; an invalid image reference is
 * skipped (it cannot occur: images are always parsed first), -1 returned. */
static int match_str(const rw_trust_prm_t *prm, const char *image, const char *sig)
{
    rw_trust_ref_t ref = {0};
    if (rw_trust_ref_parse_normalized(image, &ref, NULL) < 0)
        return -1;
    bool r = rw_trust_identity_matches(prm, &ref, sig);
    rw_trust_ref_clear(&ref);
    return r;
}

static void check(const rw_trust_prm_t *prm, const char *image, const char *sig, bool want)
{
    int r = match_str(prm, image, sig);
    if (r < 0)
        return;
    if (r != (int)want)
        fail_msg("%s vs %s: got %d, want %d", image, sig, r, want);
}

static void test_match_exact(void **state)
{
    (void)state;
    rw_trust_prm_t prm = {.kind = RW_TRUST_PRM_MATCH_EXACT};
    for (size_t i = 0; i < sizeof(exact_table) / sizeof(exact_table[0]); i++) {
        check(&prm, exact_table[i].a, exact_table[i].b, exact_table[i].result);
        check(&prm, exact_table[i].b, exact_table[i].a, exact_table[i].result);
    }
    assert_false(rw_trust_identity_matches(&prm, NULL, ""));
}

static void test_match_repository(void **state)
{
    (void)state;
    rw_trust_prm_t prm = {.kind = RW_TRUST_PRM_MATCH_REPOSITORY};
    for (size_t i = 0; i < sizeof(repository_table) / sizeof(repository_table[0]); i++) {
        check(&prm, repository_table[i].a, repository_table[i].b, repository_table[i].result);
        check(&prm, repository_table[i].b, repository_table[i].a, repository_table[i].result);
    }
    assert_false(rw_trust_identity_matches(&prm, NULL, ""));
}

static void test_match_repo_digest_or_exact(void **state)
{
    (void)state;
    rw_trust_prm_t prm = {.kind = RW_TRUST_PRM_MATCH_REPO_DIGEST_OR_EXACT};
    /* accepts what matchExact accepts... */
    for (size_t i = 0; i < sizeof(exact_table) / sizeof(exact_table[0]); i++)
        if (exact_table[i].result) {
            check(&prm, exact_table[i].a, exact_table[i].b, true);
            check(&prm, exact_table[i].b, exact_table[i].a, true);
        }
    /* ... rejects what matchRepository rejects ... */
    for (size_t i = 0; i < sizeof(repository_table) / sizeof(repository_table[0]); i++)
        if (!repository_table[i].result) {
            check(&prm, repository_table[i].a, repository_table[i].b, false);
            check(&prm, repository_table[i].b, repository_table[i].a, false);
        }
    /* ... and the asymmetric cases. */
    for (size_t i = 0;
         i < sizeof(repo_digest_or_exact_table) / sizeof(repo_digest_or_exact_table[0]); i++) {
        assert_int_not_equal(match_str(&prm, repo_digest_or_exact_table[i].a, "busybox:x"), -1);
        check(&prm, repo_digest_or_exact_table[i].a, repo_digest_or_exact_table[i].b,
              repo_digest_or_exact_table[i].result);
    }
}

static void test_exact_reference_and_repository(void **state)
{
    (void)state;
    rw_trust_ref_t any = {0};
    assert_int_equal(rw_trust_ref_parse_normalized("unrelated:1", &any, NULL), 0);
    for (size_t i = 0; i < sizeof(exact_table) / sizeof(exact_table[0]); i++) {
        rw_trust_prm_t a = {.kind = RW_TRUST_PRM_EXACT_REFERENCE,
                            .value = (char *)exact_table[i].a};
        rw_trust_prm_t b = {.kind = RW_TRUST_PRM_EXACT_REFERENCE,
                            .value = (char *)exact_table[i].b};
        if (rw_trust_identity_matches(&a, &any, exact_table[i].b) != exact_table[i].result ||
            rw_trust_identity_matches(&b, &any, exact_table[i].a) != exact_table[i].result)
            fail_msg("exactReference %s vs %s", exact_table[i].a, exact_table[i].b);
    }
    for (size_t i = 0; i < sizeof(repository_table) / sizeof(repository_table[0]); i++) {
        rw_trust_prm_t a = {.kind = RW_TRUST_PRM_EXACT_REPOSITORY,
                            .value = (char *)repository_table[i].a};
        rw_trust_prm_t b = {.kind = RW_TRUST_PRM_EXACT_REPOSITORY,
                            .value = (char *)repository_table[i].b};
        if (rw_trust_identity_matches(&a, &any, repository_table[i].b) !=
                repository_table[i].result ||
            rw_trust_identity_matches(&b, &any, repository_table[i].a) !=
                repository_table[i].result)
            fail_msg("exactRepository %s vs %s", repository_table[i].a, repository_table[i].b);
    }
    /* exactReference ignores the image entirely, even a missing one */
    rw_trust_prm_t e = {.kind = RW_TRUST_PRM_EXACT_REFERENCE, .value = "busybox:latest"};
    assert_true(rw_trust_identity_matches(&e, NULL, "docker.io/library/busybox:latest"));
    rw_trust_ref_clear(&any);
}

static const struct {
    const char *ref, *prefix;
    bool expected;
} prefix_table[] = {
    {"docker.io/image", "docker.io", true},
    {"docker.io/image", "example.com", false},
    {"example.com:5000/image", "example.com:5000", true},
    {"example.com:50000/image", "example.com:5000", false},
    {"example.com:5000/image", "example.com", false},
    {"example.com/foo", "example.com", true},
    {"example.com/foo/bar", "example.com", true},
    {"example.com/foo/bar:baz", "example.com", true},
    {"example.com/foo/bar" DIG, "example.com", true},
    {"docker.io/ns/image", "docker.io/library", false},
    {"example.com/library", "docker.io/library", false},
    {"docker.io/libraryy/image", "docker.io/library", false},
    {"docker.io/library/busybox", "docker.io/library", true},
    {"example.com/ns/image", "example.com/ns", true},
    {"example.com/ns2/image", "example.com/ns", false},
    {"example.com/n2/image", "example.com/ns", false},
    {"example.com", "example.com/library/busybox", false},
    {"example.com:5000/ns/image", "example.com/ns", false},
    {"example.com/ns/image", "example.com:5000/ns", false},
    {"docker.io/library/busybox", "docker.io/library/busybox", true},
    {"example.com/library/busybox", "docker.io/library/busybox", false},
    {"docker.io/library/busybox2", "docker.io/library/busybox", false},
    {"example.com/ns/image", "example.com/ns/image", true},
    {"example.com/ns/imag2", "example.com/ns/image", false},
    {"example.com/ns/imagee", "example.com/ns/image", false},
    {"example.com:5000/ns/image", "example.com/ns/image", false},
    {"example.com/ns/image", "example.com:5000/ns/image", false},
    {"example.com/ns/image:tag", "example.com/ns/image", true},
    {"example.com/ns/image" DIG, "example.com/ns/image", true},
    {"example.com/ns/image:tag" DIG, "example.com/ns/image", true},
};

static void test_remap_prefix_match(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(prefix_table) / sizeof(prefix_table[0]); i++) {
        assert_true(rw_trust_remap_prefix_valid(prefix_table[i].prefix));
        rw_trust_prm_t prm = {.kind = RW_TRUST_PRM_REMAP_IDENTITY,
                              .value = (char *)prefix_table[i].prefix,
                              .signed_prefix = "docker.io/library/signed-prefix"};
        rw_trust_ref_t ref = {0}, out = {0};
        assert_int_equal(rw_trust_ref_parse_normalized(prefix_table[i].ref, &ref, NULL), 0);
        int r = rw_trust_identity_remap(&prm, &ref, &out);
        bool rewritten = r == 0 && strcmp(out.string, ref.string) != 0;
        if (rewritten != prefix_table[i].expected)
            fail_msg("%s vs prefix %s: rewritten=%d", prefix_table[i].ref, prefix_table[i].prefix,
                     rewritten);
        rw_trust_ref_clear(&ref);
        rw_trust_ref_clear(&out);
    }
}

static const struct {
    const char *prefix, *signed_prefix, *ref, *expected; /* expected NULL: error */
} rewrite_table[] = {
    {"mirror.example", "vendor.example", "mirror.example/ns/image:tag",
     "vendor.example/ns/image:tag"},
    {"mirror.example", "vendor.example", "different.com/ns/image:tag",
     "different.com/ns/image:tag"},
    {"mirror.example/ns", "vendor.example/vendor-ns", "mirror.example/different-ns/image:tag",
     "mirror.example/different-ns/image:tag"},
    {"docker.io", "not-docker-signed.example/ns", "busybox",
     "not-docker-signed.example/ns/library/busybox"},
    {"mirror.example", "vendor.example", "mirror.example/ns/image:tag",
     "vendor.example/ns/image:tag"},
    {"example.com/mirror", "example.com/vendor", "example.com/mirror/image:tag",
     "example.com/vendor/image:tag"},
    {"example.com/ns/mirror", "example.com/ns/vendor", "example.com/ns/mirror:tag",
     "example.com/ns/vendor:tag"},
    {"mirror.example", "vendor.example", "prefixmirror.example/ns/image:tag",
     "prefixmirror.example/ns/image:tag"},
    {"docker.io", "not-docker-signed.example", "busybox",
     "not-docker-signed.example/library/busybox"},
    {"docker.io/library", "not-docker-signed.example/ns", "busybox",
     "not-docker-signed.example/ns/busybox"},
    {"docker.io/library/busybox", "not-docker-signed.example/ns/notbusybox", "busybox",
     "not-docker-signed.example/ns/notbusybox"},
    {"mirror.example", "vendor.example", "mirror.example/image", "vendor.example/image"},
    {"mirror.example", "vendor.example", "mirror.example/image:tag", "vendor.example/image:tag"},
    {"mirror.example", "vendor.example", "mirror.example/image" DIG, "vendor.example/image" DIG},
    {"mirror.example", "vendor.example", "mirror.example/image:tag" DIG,
     "vendor.example/image:tag" DIG},
    {"mirror.example/ns/image", "vendor.example:5000", "mirror.example/ns/image:tag", NULL},
    {"mirror.example/ns/image", "vendor.example:5000", "mirror.example/ns/image" DIG, NULL},
    {"mirror.example/ns/image", "notlocalhost", "mirror.example/ns/image:tag", NULL},
};

static void test_remap_rewrite(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rewrite_table) / sizeof(rewrite_table[0]); i++) {
        rw_trust_prm_t prm = {.kind = RW_TRUST_PRM_REMAP_IDENTITY,
                              .value = (char *)rewrite_table[i].prefix,
                              .signed_prefix = (char *)rewrite_table[i].signed_prefix};
        rw_trust_ref_t ref = {0}, out = {0};
        assert_int_equal(rw_trust_ref_parse_normalized(rewrite_table[i].ref, &ref, NULL), 0);
        int r = rw_trust_identity_remap(&prm, &ref, &out);
        if (!rewrite_table[i].expected) {
            if (r == 0)
                fail_msg("%s: expected an error, got %s", rewrite_table[i].ref, out.string);
        } else {
            if (r != 0)
                fail_msg("%s: unexpected error", rewrite_table[i].ref);
            assert_string_equal(out.string, rewrite_table[i].expected);
        }
        rw_trust_ref_clear(&ref);
        rw_trust_ref_clear(&out);
    }
}

static const struct {
    const char *prefix, *signed_prefix, *image, *sig;
    bool result;
} remap_match_table[] = {
    {"does-not-match.com", "does-not-match.rewritten", "busybox:latest", "busybox:latest", true},
    {"does-not-match.com", "does-not-match.rewritten", "busybox:latest", "notbusybox:latest",
     false},
    {"mirror.example", "public.com", "mirror.example/busybox:1", "public.com/busybox:1", true},
    {"mirror.example", "public.com", "mirror.example/busybox:1", "public.com/busybox:not1", false},
    {"mirror.example", "docker.io/library", "mirror.example/busybox:latest", "busybox:latest",
     true},
    {"mirror.example", "docker.io/library", "mirror.example/alpine:latest", "busybox:latest",
     false},
    {"docker.io/library", "original.com", "copied:latest", "original.com/copied:latest", true},
    {"docker.io/library", "original.com", "copied:latest", "original.com/ns/copied:latest", false},
    {"busybox", "example.com/busybox", "busybox:latest", "example.com/busybox:latest", false},
    {"docker.io/library/busybox", "busybox", "docker.io/library/busybox:latest", "busybox:latest",
     false},
    {"UPPERCASE", "example.com", "example.com/foo:latest", "example.com/foo:latest", true},
    {"example.com", "UPPERCASE", "example.com/foo:latest", "UPPERCASE/foo:latest", false},
};

static void test_remap_matches(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(remap_match_table) / sizeof(remap_match_table[0]); i++) {
        rw_trust_prm_t prm = {.kind = RW_TRUST_PRM_REMAP_IDENTITY,
                              .value = (char *)remap_match_table[i].prefix,
                              .signed_prefix = (char *)remap_match_table[i].signed_prefix};
        int r = match_str(&prm, remap_match_table[i].image, remap_match_table[i].sig);
        if (r != (int)remap_match_table[i].result)
            fail_msg("remap %s->%s: %s vs %s: got %d", remap_match_table[i].prefix,
                     remap_match_table[i].signed_prefix, remap_match_table[i].image,
                     remap_match_table[i].sig, r);
    }
    rw_trust_prm_t prm = {
        .kind = RW_TRUST_PRM_REMAP_IDENTITY, .value = "docker.io", .signed_prefix = "docker.io"};
    assert_false(rw_trust_identity_matches(&prm, NULL, ""));
    /* Without a rewrite, remapIdentity is matchRepoDigestOrExact. */
    rw_trust_prm_t never = {.kind = RW_TRUST_PRM_REMAP_IDENTITY,
                            .value = "never-causes-a-rewrite.example",
                            .signed_prefix = "never-causes-a-rewrite.example"};
    for (size_t i = 0;
         i < sizeof(repo_digest_or_exact_table) / sizeof(repo_digest_or_exact_table[0]); i++)
        check(&never, repo_digest_or_exact_table[i].a, repo_digest_or_exact_table[i].b,
              repo_digest_or_exact_table[i].result);
}

static void test_remap_prefix_validation(void **state)
{
    (void)state;
    static const char *const ok[] = {"example.com",       "example.com:5000",
                                     "docker.io/library", "mirror.example/ns/image",
                                     "localhost:5000/x",  NULL};
    static const char *const bad[] = {
        "",    "UPPER/Case", "example.com/", "example.com//x", "example.com:port", "-bad.com",
        "a b", NULL};
    for (const char *const *p = ok; *p; p++)
        if (!rw_trust_remap_prefix_valid(*p))
            fail_msg("%s should be a valid prefix", *p);
    for (const char *const *p = bad; *p; p++)
        if (rw_trust_remap_prefix_valid(*p))
            fail_msg("%s should be an invalid prefix", *p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_exact),
        cmocka_unit_test(test_match_repository),
        cmocka_unit_test(test_match_repo_digest_or_exact),
        cmocka_unit_test(test_exact_reference_and_repository),
        cmocka_unit_test(test_remap_prefix_match),
        cmocka_unit_test(test_remap_rewrite),
        cmocka_unit_test(test_remap_matches),
        cmocka_unit_test(test_remap_prefix_validation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
