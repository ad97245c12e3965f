/* What goes into a record: the audit config section (strict), identity collection and
 * its JSON (unknown = null, unset login uid = "unset"), podman storage names, engine
 * detection, the full record's fields, the kernel audit message text, and `audit show`
 * filters and time syntax. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <sys/sysmacros.h>

#include "audit/audit_time.h"
#include "audit/container_meta.h"
#include "audit/identity.h"
#include "audit/linux_audit.h"
#include "audit/query.h"
#include "audit/record_build.h"
#include "audit_testlib.h"
#include "common/json.h"
#include "conf/config_audit.h"

static json_t *J(const char *s)
{
    json_error_t e;
    json_t *j = json_loads(s, 0, &e);
    if (!j)
        fprintf(stderr, "bad test JSON: %s\n", e.text);
    return j;
}

static void test_config_defaults_and_strictness(void **state)
{
    (void)state;
    rw_audit_config_t c;
    rw_error_t *err = NULL;
    assert_int_equal(rw_config_audit_parse(NULL, "x", &c, &err), 0);
    assert_string_equal(c.log_path, "/var/log/runwarden/audit.jsonl");
    assert_true(c.required && c.enabled && c.linux_audit && c.lifecycle);
    assert_int_equal(c.seal_every, RW_AUDIT_DEFAULT_SEAL_EVERY);
    rw_config_audit_clear(&c);

    json_t *j = J("{\"log\":\"/tmp/a.jsonl\",\"required\":false,\"sealEvery\":10,"
                  "\"rotateBytes\":1048576,\"linuxAudit\":false,\"sealKey\":\"/tmp/k\"}");
    assert_int_equal(rw_config_audit_parse(j, "x", &c, &err), 0);
    assert_string_equal(c.log_path, "/tmp/a.jsonl");
    assert_false(c.required);
    assert_int_equal(c.seal_every, 10);
    assert_int_equal(c.rotate_bytes, 1048576);
    rw_config_audit_clear(&c);
    json_decref(j);

    const char *bad[] = {"{\"logg\":\"/x\"}",
                         "{\"log\":\"rel/x\"}",
                         "{\"log\":\"/x/\"}",
                         "{\"required\":\"yes\"}",
                         "{\"sealEvery\":-1}",
                         "{\"rotateBytes\":100}",
                         "{\"log\":\"/k\",\"sealKey\":\"/k\"}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        j = J(bad[i]);
        err = NULL;
        assert_true(rw_config_audit_parse(j, "cfg.json", &c, &err) < 0);
        assert_non_null(err);
        assert_non_null(strstr(err->msg, "$.audit"));
        rw_error_free(err);
        rw_config_audit_clear(&c);
        json_decref(j);
    }
}

/* The shipped conf/runwarden.json's audit section parses and matches the defaults. */
static void test_shipped_config(void **state)
{
    (void)state;
    const char *data = getenv("RW_TEST_DATA");
    char path[512];
    snprintf(path, sizeof(path), "%s/../../conf/runwarden.json", data ? data : "tests/data");
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);
    if (!doc)
        skip();
    rw_audit_config_t c;
    rw_error_t *err = NULL;
    assert_int_equal(rw_config_audit_parse(json_object_get(doc, "audit"), path, &c, &err), 0);
    assert_string_equal(c.log_path, RW_AUDIT_DEFAULT_LOG);
    assert_string_equal(c.key_path, RW_AUDIT_DEFAULT_KEY);
    assert_int_equal(c.seal_every, RW_AUDIT_DEFAULT_SEAL_EVERY);
    assert_int_equal(c.rotate_bytes, RW_AUDIT_DEFAULT_ROTATE_BYTES);
    assert_true(c.required);
    rw_config_audit_clear(&c);
    json_decref(doc);
}

static void test_identity(void **state)
{
    (void)state;
    assert_int_equal(rw_identity_parse_auid("4294967295"), RW_ID_UNSET);
    assert_int_equal(rw_identity_parse_auid("4242\n"), 4242);
    assert_int_equal(rw_identity_parse_auid("x"), RW_ID_UNSET);
    char *u = rw_identity_unit_from_cgroup("/system.slice/sshd.service/x");
    assert_string_equal(u, "sshd.service");
    free(u);
    u = rw_identity_unit_from_cgroup("/user.slice/user-0.slice/session-3.scope");
    assert_string_equal(u, "session-3.scope");
    free(u);
    assert_null(rw_identity_unit_from_cgroup("/"));
    char *tty = rw_identity_tty_name(makedev(136, 3));
    assert_string_equal(tty, "/dev/pts/3");
    free(tty);
    assert_null(rw_identity_tty_name(0));

    rw_identity_t *w = NULL;
    rw_error_t *err = NULL;
    assert_int_equal(rw_identity_collect(&w, &err), 0);
    assert_int_equal(w->uid, getuid());
    assert_true(w->n_chain >= 1);
    assert_int_equal(w->chain[0].pid, getppid());
    json_t *j = rw_identity_json(w, true);
    /* every key is present even when its value is unknown */
    const char *keys[] = {
        "uid",       "euid",      "gid",      "groups",       "loginuid",       "login_user",
        "sessionid", "sudo_user", "sudo_uid", "sudo_command", "ssh_connection", "tty",
        "cgroup",    "unit",      "chain"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        assert_non_null(json_object_get(j, keys[i]));
    json_t *auid = json_object_get(j, "loginuid");
    assert_true(json_is_integer(auid) ||
                (json_is_string(auid) && strcmp(json_string_value(auid), "unset") == 0));
    json_decref(j);
    rw_identity_free(w);
}

static void test_podman_storage(void **state)
{
    (void)state;
    tlog_t t;
    tlog_init(&t, 0, 0);
    const char *id = "51bf76f0d3efbebe82c8b46ff8943d61ddcbe4d60c4ea7f70e70f5fe20c6792d";
    const char *img = "e111fb5b02277dcae11446c87225c3ef209732a609b5654332a6025f900e27b4";
    char p[400];
    snprintf(p, sizeof(p), "mkdir -p %s/g/vfs-containers/%s/userdata %s/g/vfs-images", t.dir, id,
             t.dir);
    assert_int_equal(system(p), 0);
    char doc[2000];
    snprintf(doc, sizeof(doc),
             "[{\"id\":\"%s\",\"names\":[\"myctr\"],\"image\":\"%s\",\"metadata\":\"{\\\"image-"
             "name\\\":\\\"localhost/bb:latest\\\",\\\"name\\\":\\\"myctr\\\"}\"}]",
             id, img);
    snprintf(p, sizeof(p), "%s/g/vfs-containers/containers.json", t.dir);
    tlog_write(p, doc, strlen(doc));
    snprintf(doc, sizeof(doc),
             "[{\"id\":\"%s\",\"digest\":\"sha256:61f5\",\"names\":[\"localhost/bb:latest\"]}]",
             img);
    snprintf(p, sizeof(p), "%s/g/vfs-images/images.json", t.dir);
    tlog_write(p, doc, strlen(doc));
    char bundle[300];
    snprintf(bundle, sizeof(bundle), "%s/g/vfs-containers/%s/userdata", t.dir, id);
    rw_audit_container_t c;
    assert_int_equal(rw_audit_container_collect(id, bundle, NULL, NULL, true, &c), 0);
    assert_string_equal(c.name, "myctr");
    assert_string_equal(c.name_source, "podman-storage");
    assert_string_equal(c.image_name, "localhost/bb:latest");
    assert_string_equal(c.image_id, img);
    assert_string_equal(c.image_digest, "sha256:61f5");
    rw_audit_container_clear(&c);
    /* a bundle that merely looks like podman's but belongs to another id */
    assert_int_equal(rw_audit_container_collect("other", bundle, NULL, NULL, true, &c), 0);
    assert_string_equal(c.name, "myctr"); /* non-64-hex ids are not compared */
    rw_audit_container_clear(&c);
    char other[65];
    memset(other, 'a', 64);
    other[64] = '\0';
    assert_int_equal(rw_audit_container_collect(other, bundle, NULL, NULL, true, &c), 0);
    assert_null(c.name);
    rw_audit_container_clear(&c);
    /* containers.json replaced by a symlink: not followed */
    snprintf(p, sizeof(p),
             "cd %s/g/vfs-containers && mv containers.json c2 && ln -s c2 containers.json", t.dir);
    assert_int_equal(system(p), 0);
    assert_int_equal(rw_audit_container_collect(id, bundle, NULL, NULL, true, &c), 0);
    assert_null(c.name);
    rw_audit_container_clear(&c);
    tlog_cleanup(&t);
}

static rw_spec_t *spec_with(const char *annotations)
{
    char doc[2000];
    snprintf(doc, sizeof(doc),
             "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"process\":{\"cwd\":"
             "\"/\",\"args\":[\"/bin/sh\",\"-c\",\"id\"],\"user\":{\"uid\":0,\"gid\":0}},"
             "\"annotations\":%s}",
             annotations);
    rw_spec_t *s = NULL;
    rw_error_t *err = NULL;
    if (rw_spec_parse(doc, strlen(doc), "config.json", &s, &err) < 0)
        fprintf(stderr, "spec: %s\n", err ? err->msg : "?");
    rw_error_free(err);
    return s;
}

static void test_engine_detection(void **state)
{
    (void)state;
    struct {
        const char *annotations;
        const char *engine;
    } cases[] = {
        {"{\"io.container.manager\":\"libpod\",\"io.kubernetes.cri-o.TTY\":\"false\"}", "podman"},
        {"{\"io.kubernetes.cri-o.SandboxID\":\"x\",\"io.kubernetes.container.name\":\"web\"}",
         "cri-o"},
        {"{\"io.kubernetes.cri.container-type\":\"container\",\"io.kubernetes.cri.container-"
         "name\":\"web\",\"io.kubernetes.cri.image-name\":\"docker.io/library/nginx:1\"}",
         "containerd"},
        {"{}", "unknown"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rw_spec_t *s = spec_with(cases[i].annotations);
        assert_non_null(s);
        rw_audit_container_t c;
        assert_int_equal(rw_audit_container_collect("id1", NULL, s, NULL, false, &c), 0);
        assert_string_equal(c.engine, cases[i].engine);
        if (i == 1 || i == 2)
            assert_string_equal(c.name, "web");
        if (i == 2)
            assert_string_equal(c.image_name, "docker.io/library/nginx:1");
        rw_audit_container_clear(&c);
        rw_spec_free(s);
    }
    /* the parent chain: conmon => podman, containerd-shim => containerd */
    rw_identity_proc_t chain[2] = {{.pid = 999999, .comm = "conmon", .loginuid = RW_ID_UNSET},
                                   {.pid = 1, .comm = "systemd", .loginuid = RW_ID_UNSET}};
    rw_identity_t who = {.chain = chain, .n_chain = 2};
    rw_audit_container_t c;
    assert_int_equal(rw_audit_container_collect("id1", NULL, NULL, &who, false, &c), 0);
    assert_string_equal(c.engine, "podman");
    assert_non_null(strstr(c.engine_evidence, "conmon"));
    rw_audit_container_clear(&c);
    chain[0].comm = "containerd-shim";
    assert_int_equal(rw_audit_container_collect("id1", NULL, NULL, &who, false, &c), 0);
    assert_string_equal(c.engine, "containerd");
    rw_audit_container_clear(&c);
    chain[0].comm = "bash";
    assert_int_equal(rw_audit_container_collect("id1", NULL, NULL, &who, false, &c), 0);
    assert_string_equal(c.engine, "direct");
    rw_audit_container_clear(&c);
}

static void test_full_record(void **state)
{
    (void)state;
    rw_spec_t *s = spec_with("{\"io.container.manager\":\"libpod\"}");
    rw_identity_t *w = NULL;
    rw_error_t *err = NULL;
    assert_int_equal(rw_identity_collect(&w, &err), 0);
    rw_audit_container_t c;
    assert_int_equal(rw_audit_container_collect("abc", "/b", s, w, false, &c), 0);
    rw_findings_t f = {0};
    rw_findings_add(&f, RW_SEV_REFUSE, "admission", "admission.privileged", "process.caps",
                    "CAP_SYS_ADMIN", "drop it");
    json_t *facts = J("{\"trust\":{\"image\":\"x\"}}");
    json_t *changes = J("[{\"op\":\"add\",\"path\":\"/linux/seccomp\"}]");
    char *argv[] = {"/usr/bin/crun", "create", "--bundle", "/b", "abc", NULL};
    rw_audit_event_t ev = {.event = "create",
                           .decision = "refused",
                           .mode = "enforce",
                           .container = &c,
                           .bundle = "/b",
                           .spec = s,
                           .findings = &f,
                           .changes = changes,
                           .facts = facts,
                           .config_sha256 = "ab12",
                           .runtime_path = "/usr/bin/crun",
                           .argc = 5,
                           .argv = argv,
                           .who = w};
    size_t len = 0;
    char *body = rw_audit_record_build(&ev, true, &len);
    assert_non_null(body);
    assert_null(memchr(body, '\n', len));
    assert_true(strncmp(body, "{\"event\":\"create\",\"time\":\"", 26) == 0);
    json_t *r = J(body);
    assert_non_null(r);
    const char *keys[] = {"time",        "host",     "decision", "mode",          "container",
                          "engine",      "bundle",   "image",    "config_sha256", "process",
                          "rules",       "changes",  "facts",    "runtime",       "who",
                          "linux_audit", "runwarden"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        assert_non_null(json_object_get(r, keys[i]));
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "engine"), "name")),
                        "podman");
    json_t *rule0 = json_array_get(json_object_get(r, "rules"), 0);
    assert_string_equal(json_string_value(json_object_get(rule0, "rule")), "admission.privileged");
    assert_non_null(json_object_get(json_object_get(r, "facts"), "trust"));
    assert_true(json_is_null(json_object_get(json_object_get(r, "image"), "digest")));
    assert_int_equal(json_array_size(json_object_get(json_object_get(r, "runtime"), "argv")), 5);
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(json_object_get(r, "process"), "args"), 2)),
                        "id");
    json_decref(r);
    free(body);

    /* short form: small, no chain */
    body = rw_audit_record_build(&ev, false, &len);
    r = J(body);
    assert_null(json_object_get(r, "rules"));
    assert_null(json_object_get(json_object_get(r, "who"), "chain"));
    assert_non_null(json_object_get(json_object_get(r, "who"), "loginuid"));
    json_decref(r);
    free(body);

    /* bytes jansson refuses are kept, escaped */
    char bad[] = {'a', (char)0xff, 'b', 0};
    char *argv2[] = {bad, NULL};
    ev.argv = argv2;
    ev.argc = 1;
    body = rw_audit_record_build(&ev, false, &len);
    assert_non_null(strstr(body, "a\\\\xffb"));
    free(body);

    json_decref(facts);
    json_decref(changes);
    rw_findings_free(&f);
    rw_audit_container_clear(&c);
    rw_identity_free(w);
    rw_spec_free(s);
}

static void test_linux_audit_format(void **state)
{
    (void)state;
    rw_audit_container_t c = {.id = "0123abcd",
                              .name = "my ctr",
                              .engine = "podman",
                              .image_name = "localhost/bb:latest"};
    rw_identity_t w = {.uid = 0, .loginuid = 4242, .sessionid = 7, .login_user = NULL};
    rw_audit_linux_msg_t m = {
        .op = "start", .reason = "allowed", .container = &c, .who = &w, .success = true};
    char *s = rw_audit_linux_format(&m, rw_audit_nv_encode);
    assert_non_null(s);
    assert_true(strncmp(s, "virt=runwarden op=start reason=allowed ", 39) == 0);
    assert_non_null(strstr(s, " vm=6D7920637472 ")); /* space -> hex */
    assert_non_null(strstr(s, " uuid=\"0123abcd\" "));
    assert_non_null(strstr(s, " starter-auid=4242 starter-ses=7 starter-uid=0 "));
    assert_non_null(strstr(s, "image=\"localhost/bb:latest\""));
    free(s);
    /* injection attempt through the name */
    c.name = "x op=stop auid=0";
    w.loginuid = RW_ID_UNSET;
    m.op = "refuse";
    m.rule = "admission.privileged";
    s = rw_audit_linux_format(&m, rw_audit_nv_encode);
    assert_null(strstr(s, "op=stop"));
    assert_non_null(strstr(s, "starter-auid=4294967295"));
    assert_non_null(strstr(s, "rule=\"admission.privileged\""));
    free(s);
}

static void test_query(void **state)
{
    (void)state;
    char ts[RW_AUDIT_TIME_LEN];
    assert_int_equal(rw_audit_time_parse("2024-05-01", 0, ts), 0);
    assert_string_equal(ts, "2024-05-01T00:00:00.000000000Z");
    assert_int_equal(rw_audit_time_parse("2024-05-01T10:11:12.5Z", 0, ts), 0);
    assert_string_equal(ts, "2024-05-01T10:11:12.500000000Z");
    assert_int_equal(rw_audit_time_parse("2h", 7200 + 86400, ts), 0);
    assert_string_equal(ts, "1970-01-02T00:00:00.000000000Z");
    assert_int_equal(rw_audit_time_parse("yesterday", 0, ts), -EINVAL);
    assert_int_equal(rw_audit_time_parse("2024-13-01", 0, ts), -EINVAL);

    json_t *rec = J("{\"event\":\"create\",\"time\":\"2024-05-01T10:00:00.000000000Z\","
                    "\"container\":{\"id\":\"abcdef\",\"name\":\"web\"},\"image\":{\"name\":"
                    "\"docker.io/library/nginx:1\",\"id\":\"1234\",\"digest\":\"sha256:99\"},"
                    "\"who\":{\"loginuid\":4242,\"login_user\":null}}");
    rw_audit_query_t q;
    memset(&q, 0, sizeof(q));
    rw_audit_query_prepare(&q);
    assert_true(rw_audit_query_match(&q, rec));
    q.container = "abc";
    assert_true(rw_audit_query_match(&q, rec));
    q.container = "web";
    assert_true(rw_audit_query_match(&q, rec));
    q.container = "bcd";
    assert_false(rw_audit_query_match(&q, rec));
    memset(&q, 0, sizeof(q));
    q.user = "4242";
    rw_audit_query_prepare(&q);
    assert_true(rw_audit_query_match(&q, rec));
    q.user = "0";
    rw_audit_query_prepare(&q);
    assert_false(rw_audit_query_match(&q, rec));
    memset(&q, 0, sizeof(q));
    rw_audit_query_prepare(&q);
    q.image = "nginx";
    assert_true(rw_audit_query_match(&q, rec));
    q.image = "sha256:9";
    assert_true(rw_audit_query_match(&q, rec));
    q.image = "redis";
    assert_false(rw_audit_query_match(&q, rec));
    memset(&q, 0, sizeof(q));
    rw_audit_query_prepare(&q);
    q.event = "exec";
    assert_false(rw_audit_query_match(&q, rec));
    q.event = NULL;
    q.has_since = true;
    assert_int_equal(rw_audit_time_parse("2024-05-01T10:00:01Z", 0, q.since), 0);
    assert_false(rw_audit_query_match(&q, rec));
    q.has_since = false;
    q.has_until = true;
    assert_int_equal(rw_audit_time_parse("2024-05-02", 0, q.until), 0);
    assert_true(rw_audit_query_match(&q, rec));
    assert_int_equal(rw_audit_time_parse("2024-04-30", 0, q.until), 0);
    assert_false(rw_audit_query_match(&q, rec));
    json_decref(rec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_defaults_and_strictness),
        cmocka_unit_test(test_shipped_config),
        cmocka_unit_test(test_identity),
        cmocka_unit_test(test_podman_storage),
        cmocka_unit_test(test_engine_detection),
        cmocka_unit_test(test_full_record),
        cmocka_unit_test(test_linux_audit_format),
        cmocka_unit_test(test_query),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
