/* Evaluation of stored images against a policy, on a containers/storage tree built by the
 * test (no registry, no cryptography): which image a bundle runs, which names are
 * evaluated, requirement results and their reasons, damaged metadata, the verdict cache. */
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

#include "common/cleanup.h"
#include "common/fileio.h"
#include "common/hash.h"
#include "conf/config_trust.h"
#include "conf/oci_spec.h"
#include "conf/storage_meta.h"
#include "policy/trust.h"

#define IMG "1111111111111111111111111111111111111111111111111111111111111111"
#define IMG2 "2222222222222222222222222222222222222222222222222222222222222222"
#define CTR "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define CTR2 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define CTR3 "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

static char dir[256];

static void put(const char *rel, const void *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    assert_int_equal(rw_mkdir_p(path, 0700), 0);
    *slash = '/';
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void puts_(const char *rel, const char *s)
{
    put(rel, s, strlen(s));
}

static const char manifest[] = "{\"schemaVersion\":2,\"layers\":[]}";
static const uint8_t sig_simple[] = {0x89, 0x01, 0x02, 0x03}; /* an OpenPGP-looking blob */

static void write_images(const char *sigmeta)
{
    char buf[4096];
    snprintf(buf, sizeof(buf),
             "[{\"id\":\"" IMG
             "\",\"names\":[\"example.com/signed/app:1\",\"localhost/app:latest\"],"
             "\"metadata\":\"%s\",\"big-data-names\":[\"manifest\",\"signatures\"]},"
             "{\"id\":\"" IMG2 "\",\"big-data-names\":[\"manifest\"]}]",
             sigmeta);
    puts_("root/vfs-images/images.json", buf);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/rw-unit-trust.XXXXXX");
    assert_non_null(mkdtemp(dir));
    puts_("root/vfs-containers/containers.json",
          "[{\"id\":\"" CTR "\",\"image\":\"" IMG "\",\"metadata\":\"{\\\"image-name\\\":"
          "\\\"example.com/signed/app:1\\\"}\"},"
          "{\"id\":\"" CTR2 "\",\"image\":\"" IMG "\",\"metadata\":\"{\\\"image-name\\\":"
          "\\\"gone.example/x:1\\\"}\"},"
          "{\"id\":\"" CTR3 "\",\"image\":\"" IMG2 "\"}]");
    write_images("{\\\"signature-sizes\\\":[4]}");
    puts_("root/vfs-images/" IMG "/manifest", manifest);
    put("root/vfs-images/" IMG "/signatures", sig_simple, sizeof(sig_simple));
    puts_("root/vfs-images/" IMG2 "/manifest", manifest);
    char regd[300];
    snprintf(regd, sizeof(regd), "%s/regd", dir);
    assert_int_equal(mkdir(regd, 0700), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static rw_trust_config_t *config(const char *policy_json, bool cache)
{
    char path[300], regd[300], cdir[300];
    snprintf(path, sizeof(path), "%s/policy.json", dir);
    snprintf(regd, sizeof(regd), "%s/regd", dir);
    snprintf(cdir, sizeof(cdir), "%s/cache", dir);
    puts_("policy.json", policy_json);
    json_t *sec = json_pack("{s:s,s:s,s:s,s:s}", "policy", path, "registriesD", regd, "storageConf",
                            "/nonexistent/storage.conf", "cacheDir", cdir);
    if (!cache)
        json_object_set_new(sec, "cacheDir", json_null());
    rw_trust_config_t *c = NULL;
    rw_error_t *err = NULL;
    assert_int_equal(rw_trust_config_parse(sec, "test", &c, &err), 0);
    json_decref(sec);
    return c;
}

/* Identifies the container by bundle path and evaluates; returns the report (NULL when the
 * image is unknown; *ret_err gets an error message when evaluation fails). */
static json_t *run(const rw_trust_config_t *cfg, const char *ctr, char **ret_err)
{
    char bundle[400];
    snprintf(bundle, sizeof(bundle), "%s/root/vfs-containers/%s/userdata", dir, ctr);
    rw_trust_opts_t o = {.cfg = cfg};
    rw_trust_subject_t s;
    rw_error_t *err = NULL;
    json_t *rep = NULL;
    int r = rw_trust_identify_container(&o, bundle, ctr, NULL, &s, &err);
    if (r >= 0 && s.source != RW_TRUST_SRC_UNKNOWN)
        r = rw_trust_evaluate(&o, &s, &rep, &err);
    if (ret_err)
        *ret_err = r < 0 && err ? strdup(err->msg) : NULL;
    rw_error_free(err);
    rw_trust_subject_clear(&s);
    return rep;
}

static const char *verdict(const json_t *rep)
{
    return json_string_value(json_object_get(rep, "verdict"));
}

static const char *reason(const json_t *rep)
{
    return json_string_value(json_object_get(rep, "reason"));
}

#define ACC "[{\"type\":\"insecureAcceptAnything\"}]"
#define REJ "[{\"type\":\"reject\"}]"

static void test_scopes_and_names(void **state)
{
    (void)state;
    rw_trust_config_t *cfg = config("{\"default\":" REJ ",\"transports\":{\"docker\":{"
                                    "\"example.com/signed\":" ACC "}}}",
                                    false);
    /* the container was created from example.com/signed/app:1: only that name counts */
    json_t *rep = run(cfg, CTR, NULL);
    assert_non_null(rep);
    assert_string_equal(verdict(rep), "accepted");
    json_t *evs = json_object_get(rep, "evaluations");
    assert_int_equal(json_array_size(evs), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(evs, 0), "scope")),
                        "example.com/signed");
    assert_string_equal(json_string_value(json_object_get(rep, "cache")), "not needed");
    json_decref(rep);
    /* created from a name the image no longer has: every current name must pass */
    rep = run(cfg, CTR2, NULL);
    assert_string_equal(verdict(rep), "rejected");
    assert_int_equal(json_array_size(json_object_get(rep, "evaluations")), 2);
    assert_non_null(strstr(reason(rep), "localhost/app:latest is rejected by policy"));
    assert_string_equal(json_string_value(json_object_get(json_object_get(rep, "failed"), "name")),
                        "localhost/app:latest");
    char *line = rw_trust_report_summary(rep);
    assert_non_null(strstr(line, "scope default: requirement default[0] (reject)"));
    free(line);
    json_decref(rep);
    /* an image without names: nameless, under the default */
    rep = run(cfg, CTR3, NULL);
    assert_string_equal(verdict(rep), "rejected");
    assert_non_null(strstr(reason(rep), "(without a name)"));
    json_decref(rep);
    rw_trust_config_free(cfg);
}

static void test_signature_requirements(void **state)
{
    (void)state;
    char pol[1024];
    snprintf(pol, sizeof(pol),
             "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":"
             "\"%s/missing.gpg\"}]}",
             dir);
    rw_trust_config_t *cfg = config(pol, false);
    json_t *rep = run(cfg, CTR, NULL);
    assert_string_equal(verdict(rep), "rejected");
    assert_non_null(strstr(reason(rep), "key file"));
    assert_non_null(strstr(reason(rep), "missing.gpg"));
    json_decref(rep);
    rw_trust_config_free(cfg);

    cfg = config("{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"X509Certificates\","
                 "\"keyData\":\"AA==\"}]}",
                 false);
    rep = run(cfg, CTR, NULL);
    assert_non_null(strstr(reason(rep), "Unimplemented \"keyType\" value \"X509Certificates\""));
    json_decref(rep);
    rw_trust_config_free(cfg);

    /* no signature at all (IMG2 has none) */
    cfg = config("{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyData\":"
                 "\"AA==\"}]}",
                 false);
    rep = run(cfg, CTR3, NULL);
    assert_non_null(strstr(reason(rep), "A signature was required, but no signature exists"));
    json_decref(rep);
    rw_trust_config_free(cfg);

    /* sigstore: a simple-signing signature is not considered; fulcio is not supported */
    cfg = config("{\"default\":[{\"type\":\"sigstoreSigned\",\"keyData\":\"AA==\"}]}", false);
    rep = run(cfg, CTR, NULL);
    assert_non_null(strstr(reason(rep), "no signature exists (1 non-sigstore signatures, 0 "
                                        "sigstore non-signature attachments)"));
    json_decref(rep);
    rw_trust_config_free(cfg);
    cfg = config("{\"default\":[{\"type\":\"sigstoreSigned\",\"fulcio\":{\"caData\":\"AA==\","
                 "\"oidcIssuer\":\"https://i\",\"subjectEmail\":\"a@b\"},\"rekorPublicKeyData\":"
                 "\"AA==\"}]}",
                 false);
    rep = run(cfg, CTR, NULL);
    assert_non_null(strstr(reason(rep), "fulcio certificates are not supported"));
    json_decref(rep);
    rw_trust_config_free(cfg);
    cfg = config("{\"default\":[{\"type\":\"signedBaseLayer\",\"baseLayerIdentity\":"
                 "{\"type\":\"matchRepository\"}}]}",
                 false);
    rep = run(cfg, CTR, NULL);
    assert_non_null(strstr(reason(rep), "signedBaseLayer not implemented yet!"));
    json_decref(rep);
    rw_trust_config_free(cfg);
}

static void test_remote_lookaside_note(void **state)
{
    (void)state;
    puts_("regd/remote.yaml", "docker:\n  example.com:\n    lookaside: https://sigs.example/s\n");
    rw_trust_config_t *cfg = config("{\"default\":[{\"type\":\"signedBy\",\"keyType\":"
                                    "\"GPGKeys\",\"keyData\":\"AA==\"}]}",
                                    false);
    /* IMG2 has no stored signatures, and its only lookaside is remote: nameless, so no
     * lookaside; use CTR whose image has a stored one... the remote note shows when there is
     * nothing to consider. Rewrite the metadata so that IMG has none. */
    write_images("");
    json_t *rep = run(cfg, CTR, NULL);
    assert_non_null(strstr(reason(rep), "lookaside https://sigs.example/s was not read"));
    json_decref(rep);
    write_images("{\\\"signature-sizes\\\":[4]}");
    char path[400];
    snprintf(path, sizeof(path), "%s/regd/remote.yaml", dir);
    unlink(path);
    rw_trust_config_free(cfg);
}

static void test_damaged_storage(void **state)
{
    (void)state;
    rw_trust_config_t *cfg = config("{\"default\":[{\"type\":\"signedBy\",\"keyType\":"
                                    "\"GPGKeys\",\"keyData\":\"AA==\"}]}",
                                    false);
    char *err = NULL;
    /* sizes that do not add up to the signatures blob */
    write_images("{\\\"signature-sizes\\\":[3]}");
    json_t *rep = run(cfg, CTR, &err);
    assert_null(rep);
    assert_non_null(err);
    assert_non_null(strstr(err, "does not account for"));
    free(err);
    /* a stored blob that is no signature at all */
    write_images("{\\\"signature-sizes\\\":[4]}");
    put("root/vfs-images/" IMG "/signatures", "JUNK", 4);
    rep = run(cfg, CTR, &err);
    assert_non_null(rep);
    assert_non_null(strstr(reason(rep), "a stored signature cannot be decoded"));
    json_decref(rep);
    put("root/vfs-images/" IMG "/signatures", sig_simple, sizeof(sig_simple));
    /* images.json garbage */
    puts_("root/vfs-images/images.json", "[{\"id\":");
    rep = run(cfg, CTR, &err);
    assert_null(rep);
    assert_non_null(strstr(err, "images.json: damaged"));
    free(err);
    write_images("{\\\"signature-sizes\\\":[4]}");
    /* a corrupt policy */
    rw_trust_config_free(cfg);
    cfg = config("{\"default\":", false);
    rep = run(cfg, CTR, &err);
    assert_null(rep);
    assert_non_null(strstr(err, "policy.json: invalid JSON"));
    free(err);
    rw_trust_config_free(cfg);
}

static void test_cache(void **state)
{
    (void)state;
    /* keyType signedByGPGKeys needs signatures (so the cache is used) but no helper */
    rw_trust_config_t *cfg = config("{\"default\":[{\"type\":\"signedBy\",\"keyType\":"
                                    "\"signedByGPGKeys\",\"keyData\":\"AA==\"}]}",
                                    true);
    json_t *rep = run(cfg, CTR, NULL);
    assert_string_equal(json_string_value(json_object_get(rep, "cache")), "miss");
    json_decref(rep);
    rep = run(cfg, CTR, NULL);
    assert_string_equal(json_string_value(json_object_get(rep, "cache")), "hit");
    assert_string_equal(verdict(rep), "rejected");
    json_decref(rep);
    /* other signature bytes: another key, a miss */
    const uint8_t other[] = {0x89, 0x09, 0x09, 0x09};
    put("root/vfs-images/" IMG "/signatures", other, sizeof(other));
    rep = run(cfg, CTR, NULL);
    assert_string_equal(json_string_value(json_object_get(rep, "cache")), "miss");
    json_decref(rep);
    put("root/vfs-images/" IMG "/signatures", sig_simple, sizeof(sig_simple));
    rw_trust_config_free(cfg);
    /* other policy bytes: a miss */
    cfg = config("{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"signedByGPGKeys\","
                 "\"keyData\":\"AQ==\"}]}",
                 true);
    rep = run(cfg, CTR, NULL);
    assert_string_equal(json_string_value(json_object_get(rep, "cache")), "miss");
    json_decref(rep);
    /* a cache directory others can write is not used */
    char cdir[300];
    snprintf(cdir, sizeof(cdir), "%s/cache", dir);
    chmod(cdir, 0777);
    rep = run(cfg, CTR, NULL);
    assert_string_equal(json_string_value(json_object_get(rep, "cache")), "unusable");
    json_decref(rep);
    chmod(cdir, 0700);
    rw_trust_config_free(cfg);
}

static void test_identification(void **state)
{
    (void)state;
    rw_trust_config_t *cfg = config("{\"default\":" ACC "}", false);
    rw_trust_opts_t o = {.cfg = cfg};
    rw_trust_subject_t s;
    rw_error_t *err = NULL;
    /* not storage-shaped, no annotation */
    assert_int_equal(rw_trust_identify_container(&o, "/tmp/bundle", "x", NULL, &s, &err), 0);
    assert_int_equal(s.source, RW_TRUST_SRC_UNKNOWN);
    assert_non_null(s.why_unknown);
    rw_trust_subject_clear(&s);
    /* storage-shaped but not in containers.json */
    char bundle[400];
    snprintf(bundle, sizeof(bundle), "%s/root/vfs-containers/%s/userdata", dir,
             "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd");
    assert_int_equal(rw_trust_identify_container(&o, bundle, NULL, NULL, &s, &err), 0);
    assert_int_equal(s.source, RW_TRUST_SRC_UNKNOWN);
    rw_trust_subject_clear(&s);
    /* an annotation names it (with a digest) */
    const char *spec_json = "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
                            "\"process\":{\"args\":[\"/bin/true\"],\"cwd\":\"/\"},"
                            "\"annotations\":{\"io.kubernetes.cri.image-name\":"
                            "\"example.com/x@sha256:" IMG "\"}}";
    rw_spec_t *spec = NULL;
    assert_int_equal(rw_spec_parse(spec_json, strlen(spec_json), "config.json", &spec, &err), 0);
    assert_int_equal(rw_trust_identify_container(&o, "/tmp/bundle", "x", spec, &s, &err), 0);
    assert_int_equal(s.source, RW_TRUST_SRC_ANNOTATION);
    assert_string_equal(s.requested, "example.com/x@sha256:" IMG);
    assert_string_equal(s.manifest_digest, "sha256:" IMG);
    json_t *rep = NULL;
    assert_int_equal(rw_trust_evaluate(&o, &s, &rep, &err), 0);
    assert_string_equal(verdict(rep), "accepted");
    json_decref(rep);
    rw_trust_subject_clear(&s);
    rw_spec_free(spec);
    /* the CLI paths: by name (short and full) and by id */
    char root[300];
    snprintf(root, sizeof(root), "%s/root", dir);
    assert_int_equal(rw_trust_identify_ref(&o, root, NULL, "localhost/app", &s, &err), 0);
    assert_int_equal(s.source, RW_TRUST_SRC_STORAGE);
    assert_string_equal(s.image.id, IMG);
    assert_string_equal(s.requested, "localhost/app:latest");
    assert_non_null(s.manifest_digest);
    rw_trust_subject_clear(&s);
    assert_int_equal(rw_trust_identify_ref(&o, root, "vfs", IMG2, &s, &err), 0);
    assert_string_equal(s.image.id, IMG2);
    rw_trust_subject_clear(&s);
    assert_int_equal(rw_trust_identify_ref(&o, root, NULL, "nothere", &s, &err), 0);
    assert_int_equal(s.source, RW_TRUST_SRC_UNKNOWN);
    rw_trust_subject_clear(&s);
    assert_int_equal(rw_trust_identify_store_container(&o, root, NULL, CTR, &s, &err), 0);
    assert_string_equal(s.requested, "example.com/signed/app:1");
    rw_trust_subject_clear(&s);
    rw_trust_config_free(cfg);
}

static void test_runroot_bundle(void **state)
{
    (void)state;
    /* CRI-O: the bundle and volatile-containers.json under the run root, images under the
     * configured graph root. */
    puts_("run/vfs-containers/volatile-containers.json",
          "[{\"id\":\"" CTR "\",\"image\":\"" IMG "\",\"metadata\":\"{\\\"image-name\\\":"
          "\\\"localhost/app:latest\\\"}\"}]");
    rw_trust_config_t *cfg = config("{\"default\":" ACC "}", false);
    char root[300], bundle[400];
    snprintf(root, sizeof(root), "%s/root", dir);
    free(cfg->graphroot);
    cfg->graphroot = strdup(root);
    snprintf(bundle, sizeof(bundle), "%s/run/vfs-containers/%s/userdata", dir, CTR);
    rw_trust_opts_t o = {.cfg = cfg};
    rw_trust_subject_t s;
    rw_error_t *err = NULL;
    assert_int_equal(rw_trust_identify_container(&o, bundle, CTR, NULL, &s, &err), 0);
    assert_int_equal(s.source, RW_TRUST_SRC_STORAGE);
    assert_string_equal(s.graphroot, root);
    assert_string_equal(s.image.id, IMG);
    assert_string_equal(s.requested, "localhost/app:latest");
    assert_non_null(s.manifest_digest);
    rw_trust_subject_clear(&s);
    rw_trust_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scopes_and_names),
        cmocka_unit_test(test_signature_requirements),
        cmocka_unit_test(test_remote_lookaside_note),
        cmocka_unit_test(test_damaged_storage),
        cmocka_unit_test(test_cache),
        cmocka_unit_test(test_identification),
        cmocka_unit_test(test_runroot_bundle),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
