/* The exec record's image: the json_path walker (strict validity, agreement with jansson,
 * duplicate members on a wanted path), the runc state.json / crun status parsers, hand-made
 * runc and crun state directories, valid and hostile (links, FIFOs, huge files, bad JSON,
 * ids that climb out, forged ids, relative bundles), and what the exec record then says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/container_meta.h"
#include "audit/json_path.h"
#include "audit/record_build.h"
#include "audit/runtime_state.h"
#include "common/cleanup.h"

#define IMG "docker.io/library/busybox:1.36"

static char tmp[64];

static int setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof(tmp), "/tmp/rw-rtstate-unit.XXXXXX");
    return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    return system(cmd) == 0 ? 0 : -1;
}

/* Writes tmp/rel (creating parent directories). */
static void put(const char *rel, const char *text)
{
    char p[512], cmd[600];
    snprintf(p, sizeof(p), "%s/%s", tmp, rel);
    snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", p);
    assert_int_equal(system(cmd), 0);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
}

__attribute__((format(printf, 1, 2))) static void sh(const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    assert_int_equal(system(cmd), 0);
}

static char *path_of(const char *rel)
{
    char *p = NULL;
    assert_true(asprintf(&p, "%s/%s", tmp, rel) > 0);
    return p;
}

/* A runc 1.1 state.json as runc writes it, trimmed (labels: annotations, then bundle). */
/* noinline: GCC 12 mistakes the returned buffer for the local that held it */
__attribute__((noinline)) static char *runc_state(const char *id, const char *labels)
{
    char *doc = NULL;
    int n = asprintf(&doc,
                     "{\"id\":\"%s\",\"init_process_pid\":4242,\"init_process_start\":1149139,"
                     "\"created\":\"2026-11-28T12:17:59.9Z\",\"config\":{\"no_pivot_root\":false,"
                     "\"rootfs\":\"/b/rootfs\",\"rlimits\":[{\"type\":7,\"hard\":"
                     "18446744073709551615,\"soft\":1024}],\"labels\":%s,"
                     "\"version\":\"1.0.2-dev\"},\"rootless\":false,\"cgroup_paths\":{\"pids\":"
                     "\"/sys/fs/cgroup/pids/x\"},\"namespace_paths\":{\"NEWNS\":\"/proc/4242/ns/"
                     "mnt\"},\"external_descriptors\":[\"/dev/null\",\"pipe:[1]\"]}",
                     id, labels);
    assert_true(n > 0);
    return doc;
}

static void test_walker_finds(void **state)
{
    (void)state;
    static const char *const p_a[] = {"a", NULL}, *const p_bc[] = {"b", "c", NULL},
                             *const p_x[] = {"x", NULL}, *const p_esc[] = {"config", NULL};
    const char *doc = " {\"a\": [1, {\"c\": 2}], \"b\": {\"z\": null, \"c\": \"v\\u00e9\"}, "
                      "\"\\u0063onfig\": {}, \"q\": {\"a\": 1, \"a\": 2}} \n";
    rw_audit_json_want_t w[] = {{.path = p_a}, {.path = p_bc}, {.path = p_x}, {.path = p_esc}};
    assert_int_equal(rw_audit_json_find(doc, strlen(doc), w, 4, NULL, NULL), 0);
    assert_int_equal(w[0].len, strlen("[1, {\"c\": 2}]"));
    assert_memory_equal(doc + w[0].off, "[1, {\"c\": 2}]", w[0].len);
    assert_memory_equal(doc + w[1].off, "\"v\\u00e9\"", w[1].len);
    assert_int_equal(w[2].len, 0);                /* absent */
    assert_memory_equal(doc + w[3].off, "{}", 2); /* an escaped name is decoded to match */

    /* a duplicate on a wanted path is refused; inside skipped values it cannot matter */
    const char *dup[] = {"{\"a\":1,\"a\":2}", "{\"b\":{\"c\":1},\"b\":{}}",
                         "{\"b\":{\"c\":1,\"c\":2}}"};
    for (size_t i = 0; i < sizeof(dup) / sizeof(dup[0]); i++) {
        const char *why = NULL;
        assert_int_equal(rw_audit_json_find(dup[i], strlen(dup[i]), w, 2, &why, NULL), -EINVAL);
        assert_non_null(strstr(why, "twice"));
        assert_int_equal(w[0].len + w[1].len, 0);
    }
}

static void test_walker_refuses(void **state)
{
    (void)state;
    static const char *const p_a[] = {"a", NULL};
    const char *bad[] = {
        "",
        "{",
        "{\"a\"}",
        "{\"a\":}",
        "{\"a\":1,}",
        "{\"a\":1} x",
        "{\"a\":1}{}",
        "\xef\xbb\xbf{}",                   /* BOM */
        "{\"a\":01}",                       /* leading zero */
        "{\"a\":1.}",                       /* no digits after the point */
        "{\"a\":-}",                        /* bare minus */
        "{\"a\":1e}",                       /* no exponent digits */
        "{\"a\":+1}",                       /* plus sign */
        "{\"a\":tru}",                      /* truncated literal */
        "{\"a\":\"\x01\"}",                 /* control character */
        "{\"a\":\"\\x\"}",                  /* unknown escape */
        "{\"a\":\"\\u12g4\"}",              /* bad hex */
        "{\"a\":\"\\u0000\"}",              /* NUL */
        "{\"a\":\"\\ud800\"}",              /* lone high surrogate */
        "{\"a\":\"\\udc00\"}",              /* lone low surrogate */
        "{\"a\":\"\\ud800\\u0041\"}",       /* high surrogate and no low one */
        "{\"a\":\"\xc0\x80\"}",             /* overlong */
        "{\"a\":\"\xed\xa0\x80\"}",         /* UTF-8 surrogate */
        "{\"a\":\"\xf4\x90\x80\x80\"}",     /* above U+10FFFF */
        "{\"a\":\"\xe2\x82\"}",             /* truncated sequence */
        "{\"a\":\"abcdefghijklmnop\xff\"}", /* past the 16-byte fast path */
        "{'a':1}",
        "{\"a\":1 \"b\":2}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rw_audit_json_want_t w[] = {{.path = p_a}};
        const char *why = NULL;
        if (rw_audit_json_find(bad[i], strlen(bad[i]), w, 1, &why, NULL) != -EINVAL)
            fail_msg("accepted: %s", bad[i]);
        assert_non_null(why);
        json_error_t je;
        /* jansson agrees on each */
        json_t *j = json_loadb(bad[i], strlen(bad[i]), JSON_REJECT_DUPLICATES, &je);
        if (j)
            fail_msg("jansson accepts %s", bad[i]);
    }
    /* valid JSON, but every file we read is an object */
    const char *not_object[] = {"[]", "\"s\"", "1", "null"};
    for (size_t i = 0; i < sizeof(not_object) / sizeof(not_object[0]); i++) {
        rw_audit_json_want_t w[] = {{.path = p_a}};
        assert_int_equal(rw_audit_json_find(not_object[i], strlen(not_object[i]), w, 1, NULL, NULL),
                         -EINVAL);
    }
    /* nesting is bounded */
    char deep[600] = "{\"a\":";
    size_t n = strlen(deep);
    for (int i = 0; i < 200; i++)
        deep[n++] = '[';
    for (int i = 0; i < 200; i++)
        deep[n++] = ']';
    deep[n++] = '}';
    rw_audit_json_want_t w[] = {{.path = p_a}};
    const char *why = NULL;
    assert_int_equal(rw_audit_json_find(deep, n, w, 1, &why, NULL), -EINVAL);
    assert_string_equal(why, "nested too deeply");
    /* a NUL byte anywhere, even outside strings */
    assert_int_equal(rw_audit_json_find("{\"a\":1}\0", 8, w, 1, NULL, NULL), -EINVAL);
    /* and valid documents the fast paths must not trip on */
    const char *good[] = {"{\"a\":\"\xf0\x9f\x90\xb3 and \xe2\x82\xac and \xc3\xa9 0123456789\"}",
                          "{\"a\":\"\\ud83d\\udc33\\/\\b\\f\\n\\r\\t\\\"\\\\\"}",
                          "{\"a\":-0.5e+10,\"b\":[true,false,null,{},[]],\"c\":0}", "\t{ } \r\n"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        if (rw_audit_json_find(good[i], strlen(good[i]), w, 1, &why, NULL) != 0)
            fail_msg("refused (%s): %s", why, good[i]);
}

/* Random byte mutations of a runc-like state: the walker accepts exactly what jansson
 * accepts, except what jansson alone refuses by design (duplicates off the wanted paths,
 * integers beyond 64 bits). Deterministic seed. */
static void test_walker_agrees_with_jansson(void **state)
{
    (void)state;
    static const char *const p_id[] = {"id", NULL}, *const p_l[] = {"config", "labels", NULL};
    char *base = runc_state("c\\u00e9", "[\"k=v\\u20ac\",\"bundle=/b\"]");
    /* jansson refuses runc's unlimited rlimits (2^64-1): the walker must take them */
    rw_audit_json_want_t w[] = {{.path = p_id}, {.path = p_l}};
    assert_int_equal(rw_audit_json_find(base, strlen(base), w, 2, NULL, NULL), 0);
    size_t len = strlen(base);
    json_error_t je;
    assert_null(json_loadb(base, len, JSON_REJECT_DUPLICATES, &je));
    /* for the comparison, a number both take */
    const char *big = strstr(base, "18446744073709551615");
    assert_non_null(big);
    size_t at = (size_t)(big - base);
    memcpy(base + at + 17, "   ", 3);
    json_t *j = json_loadb(base, len, JSON_REJECT_DUPLICATES, &je);
    assert_non_null(j);
    json_decref(j);
    const char alphabet[] = "{}[]\":,\\u0123456789.eE+-tfnl \x80\xc3\xed\xf4\xff\x01";
    unsigned seed = 12345;
    char *m = malloc(len + 1);
    size_t agree = 0;
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(m, base, len + 1);
        int flips = 1 + (int)(rand_r(&seed) % 3);
        for (int f = 0; f < flips; f++)
            m[rand_r(&seed) % len] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
        rw_audit_json_want_t w2[] = {{.path = p_id}, {.path = p_l}};
        bool ours = rw_audit_json_find(m, len, w2, 2, NULL, NULL) == 0;
        j = json_loadb(m, len, JSON_REJECT_DUPLICATES, &je);
        bool theirs = j != NULL;
        if (j)
            json_decref(j);
        if (ours == theirs) {
            agree++;
            continue;
        }
        if (ours && (strstr(je.text, "duplicate") || strstr(je.text, "too big") ||
                     strstr(je.text, "overflow")))
            continue;
        fail_msg("walker %s, jansson %s (%s): %.*s", ours ? "accepts" : "refuses",
                 theirs ? "accepts" : "refuses", theirs ? "" : je.text, (int)len, m);
    }
    assert_true(agree > 19000);
    free(m);
    free(base);
}

static void test_runc_state_parse(void **state)
{
    (void)state;
    rw_audit_runtime_state_t st = {0};
    char *s = runc_state("c1", "[\"io.kubernetes.cri.image-name=" IMG "\",\"a=b=c\",\"noequals\","
                               "\"=empty\",\"bundle=/wrong\",\"bundle=/run/b\"]");
    assert_int_equal(rw_audit_runc_state_parse(s, strlen(s), "c1", &st), 1);
    assert_string_equal(st.bundle, "/run/b"); /* runc: the last "bundle" wins */
    assert_string_equal(st.from, "runc state.json");
    assert_string_equal(
        json_string_value(json_object_get(st.annotations, "io.kubernetes.cri.image-name")), IMG);
    assert_string_equal(json_string_value(json_object_get(st.annotations, "a")), "b=c");
    assert_int_equal(json_object_size(st.annotations), 2);
    rw_audit_runtime_state_clear(&st);
    /* the state of another container */
    assert_int_equal(rw_audit_runc_state_parse(s, strlen(s), "c2", &st), 0);
    assert_int_equal(rw_audit_runc_state_parse(s, strlen(s), NULL, &st), 0);
    free(s);
    /* only the bundle: annotations unknown, to be read from the bundle */
    s = runc_state("c1", "[\"bundle=/run/b\"]");
    assert_int_equal(rw_audit_runc_state_parse(s, strlen(s), "c1", &st), 1);
    assert_null(st.annotations);
    rw_audit_runtime_state_clear(&st);
    free(s);
    const char *labels_bad[] = {
        "[\"x=y\"]",                /* no bundle */
        "[\"bundle=run/b\"]",       /* relative */
        "[\"bundle=/run/../etc\"]", /* climbs */
        "[\"bundle=/run/b/\"]",     /* trailing slash: O_NOFOLLOW would follow */
        "[\"bundle=/run/./b\"]",    /* not a cleaned path */
        "[\"bundle=\"]",            /* empty */
        "[\"bundle=/b\",3]",        /* runc could not read it */
        "{\"bundle\":\"/b\"}",      /* not an array */
        "\"bundle=/b\"",            /* not an array */
    };
    for (size_t i = 0; i < sizeof(labels_bad) / sizeof(labels_bad[0]); i++) {
        s = runc_state("c1", labels_bad[i]);
        if (rw_audit_runc_state_parse(s, strlen(s), "c1", &st) != 0)
            fail_msg("accepted labels %s", labels_bad[i]);
        assert_null(st.bundle);
        free(s);
    }
    const char *docs_bad[] = {
        "{\"id\":\"c1\",\"config\":{\"labels\":[\"bundle=/b\"]},\"id\":\"c1\"}",
        "{\"id\":\"c1\",\"config\":{\"labels\":[\"bundle=/b\"]}",
        "{\"id\":1,\"config\":{\"labels\":[\"bundle=/b\"]}}",
        "{\"config\":{\"labels\":[\"bundle=/b\"]}}",
        "{\"id\":\"c1\",\"config\":{\"labels\":[\"bundle=/b\"],\"labels\":[\"bundle=/c\"]}}",
        "{\"id\":\"c1\",\"config\":{\"labels\":[\"k=v\",\"k=v\\u0000\",\"bundle=/b\"]}}",
    };
    for (size_t i = 0; i < sizeof(docs_bad) / sizeof(docs_bad[0]); i++)
        if (rw_audit_runc_state_parse(docs_bad[i], strlen(docs_bad[i]), "c1", &st) != 0)
            fail_msg("accepted %s", docs_bad[i]);
    /* an annotation key repeated in the labels: the last wins, as in runc */
    const char *rep = "{\"id\":\"c1\",\"config\":{\"labels\":[\"k=1\",\"k=2\",\"bundle=/b\"]}}";
    assert_int_equal(rw_audit_runc_state_parse(rep, strlen(rep), "c1", &st), 1);
    assert_string_equal(json_string_value(json_object_get(st.annotations, "k")), "2");
    rw_audit_runtime_state_clear(&st);
}

static void test_crun_and_config_parse(void **state)
{
    (void)state;
    rw_audit_runtime_state_t st = {0};
    const char *ok = "{\n    \"pid\": 3301,\n    \"process-start-time\": 1149139,\n    "
                     "\"cgroup-path\": \"/ct1\",\n    \"rootfs\": \"rootfs\",\n    "
                     "\"bundle\": \"/tmp/exec-look/b\",\n    \"owner\": \"root\",\n    "
                     "\"external_descriptors\": \"[\\\"/dev/null\\\"]\"\n}\n";
    assert_int_equal(rw_audit_crun_status_parse(ok, strlen(ok), &st), 1);
    assert_string_equal(st.bundle, "/tmp/exec-look/b");
    rw_audit_runtime_state_clear(&st);
    const char *bad[] = {"{\"bundle\":\"b\"}", "{\"bundle\":[\"/b\"]}", "{\"pid\":1}",
                         "{\"bundle\":\"/b\",\"bundle\":\"/c\"}", "{\"bundle\":\"/b\""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(rw_audit_crun_status_parse(bad[i], strlen(bad[i]), &st), 0);

    json_t *a = NULL;
    const char *c1 = "{\"ociVersion\":\"1.0.2\",\"annotations\":{\"k\":\"v\"},\"process\":{}}";
    assert_int_equal(rw_audit_config_annotations_parse(c1, strlen(c1), &a), 1);
    assert_string_equal(json_string_value(json_object_get(a, "k")), "v");
    json_decref(a);
    assert_int_equal(rw_audit_config_annotations_parse("{}", 2, &a), 1);
    assert_int_equal(json_object_size(a), 0);
    json_decref(a);
    const char *c3 = "{\"annotations\":[]}", *c4 = "{\"annotations\":{\"k\":1,\"k\":2}}";
    assert_int_equal(rw_audit_config_annotations_parse(c3, strlen(c3), &a), 0);
    assert_null(a);
    assert_int_equal(rw_audit_config_annotations_parse(c4, strlen(c4), &a), 0);
    assert_int_equal(rw_audit_config_annotations_parse("[{}]", 4, &a), 0);
}

static void test_names_and_default_root(void **state)
{
    (void)state;
    assert_true(rw_audit_runtime_id_ok("c1"));
    assert_true(rw_audit_runtime_id_ok("a..b"));
    assert_true(rw_audit_runtime_id_ok("51bf76f0d3ef-x_y.z+1"));
    const char *bad_ids[] = {"", ".", "..", "../x", "a/b", "/abs", "x/"};
    for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++)
        assert_false(rw_audit_runtime_id_ok(bad_ids[i]));
    assert_false(rw_audit_runtime_id_ok(NULL));
    char longid[300];
    memset(longid, 'a', sizeof(longid) - 1);
    longid[sizeof(longid) - 1] = '\0';
    assert_false(rw_audit_runtime_id_ok(longid));

    assert_true(rw_audit_bundle_path_ok("/"));
    assert_true(rw_audit_bundle_path_ok("/var/lib/x/userdata"));
    assert_true(rw_audit_bundle_path_ok("/a/..b/.c"));
    const char *bad_b[] = {"", "rel", "./b", "/a/../b", "/a/..", "/a/.", "/a/./b", "/a/"};
    for (size_t i = 0; i < sizeof(bad_b) / sizeof(bad_b[0]); i++)
        if (rw_audit_bundle_path_ok(bad_b[i]))
            fail_msg("bundle accepted: %s", bad_b[i]);

    /* as root outside a user namespace (how this suite runs): runc ignores XDG, crun not */
    if (geteuid() == 0) {
        char *old = getenv("XDG_RUNTIME_DIR") ? strdup(getenv("XDG_RUNTIME_DIR")) : NULL;
        setenv("XDG_RUNTIME_DIR", "/run/user/0", 1);
        char *r = rw_audit_runtime_default_root("/usr/bin/crun");
        assert_string_equal(r, "/run/user/0/crun");
        free(r);
        r = rw_audit_runtime_default_root("/usr/sbin/runc");
        assert_string_equal(r, "/run/runc");
        free(r);
        unsetenv("XDG_RUNTIME_DIR");
        r = rw_audit_runtime_default_root("crun");
        assert_string_equal(r, "/run/crun");
        free(r);
        r = rw_audit_runtime_default_root(NULL);
        assert_string_equal(r, "/run/runc");
        free(r);
        if (old)
            setenv("XDG_RUNTIME_DIR", old, 1);
        free(old);
    }
}

/* A bundle whose config.json carries the CRI image annotation. */
static void make_bundle(const char *rel, const char *image)
{
    char text[400];
    snprintf(text, sizeof(text),
             "{\"ociVersion\":\"1.0.2\",\"annotations\":{\"io.kubernetes.cri.image-name\":"
             "\"%s\",\"io.kubernetes.cri.container-name\":\"web\"}}",
             image);
    char p[300];
    snprintf(p, sizeof(p), "%s/config.json", rel);
    put(p, text);
}

static void put_runc_state(const char *root, const char *id, const char *labels)
{
    char rel[300];
    snprintf(rel, sizeof(rel), "%s/%s/state.json", root, id);
    char *s = runc_state(id, labels);
    put(rel, s);
    free(s);
}

static void put_crun_status(const char *root, const char *id, const char *bundle_rel)
{
    char rel[300], text[600];
    snprintf(rel, sizeof(rel), "%s/%s/status", root, id);
    snprintf(text, sizeof(text), "{\"pid\":1,\"bundle\":\"%s/%s\",\"owner\":\"root\"}", tmp,
             bundle_rel);
    put(rel, text);
}

static const char *image_of(const rw_audit_runtime_state_t *st)
{
    json_t *v =
        st->annotations ? json_object_get(st->annotations, "io.kubernetes.cri.image-name") : NULL;
    return json_string_value(v);
}

static void test_state_dirs(void **state)
{
    (void)state;
    cleanup_free char *rroot = path_of("runc"), *croot = path_of("crun");
    rw_audit_runtime_state_t st;
    char labels[600];

    /* runc: bundle and annotations from state.json alone */
    make_bundle("b1", "example.com/from-bundle:1");
    snprintf(labels, sizeof(labels), "[\"io.kubernetes.cri.image-name=" IMG "\",\"bundle=%s/b1\"]",
             tmp);
    put_runc_state("runc", "r1", labels);
    assert_int_equal(rw_audit_runtime_state_read(rroot, "/usr/bin/runc", "r1", &st), 1);
    assert_string_equal(image_of(&st), IMG); /* the runtime's copy, not the editable bundle */
    assert_string_equal(st.from, "runc state.json");
    rw_audit_runtime_state_clear(&st);
    /* the runtime named crun still finds runc's state (a shim name can mislead) */
    assert_int_equal(rw_audit_runtime_state_read(rroot, "/usr/bin/crun", "r1", &st), 1);
    rw_audit_runtime_state_clear(&st);

    /* runc without annotation labels: the bundle's config.json */
    snprintf(labels, sizeof(labels), "[\"bundle=%s/b1\"]", tmp);
    put_runc_state("runc", "r2", labels);
    assert_int_equal(rw_audit_runtime_state_read(rroot, "runc", "r2", &st), 1);
    assert_string_equal(image_of(&st), "example.com/from-bundle:1");
    assert_string_equal(st.from, "bundle config.json");
    rw_audit_runtime_state_clear(&st);

    /* crun: status for the bundle, crun's own copy of config.json for the annotations */
    put_crun_status("crun", "c1", "b1");
    make_bundle("crun/c1", IMG);
    assert_int_equal(rw_audit_runtime_state_read(croot, "/usr/bin/crun", "c1", &st), 1);
    assert_string_equal(image_of(&st), IMG);
    assert_string_equal(st.from, "crun config.json");
    cleanup_free char *b1 = path_of("b1");
    assert_string_equal(st.bundle, b1);
    rw_audit_runtime_state_clear(&st);
    /* crun without its copy: the bundle */
    put_crun_status("crun", "c2", "b1");
    assert_int_equal(rw_audit_runtime_state_read(croot, "crun", "c2", &st), 1);
    assert_string_equal(image_of(&st), "example.com/from-bundle:1");
    rw_audit_runtime_state_clear(&st);

    /* nothing there */
    assert_int_equal(rw_audit_runtime_state_read(croot, "crun", "nope", &st), 0);
    assert_int_equal(rw_audit_runtime_state_read("/nonexistent/root", "crun", "c1", &st), 0);
    assert_null(st.bundle);
    assert_null(st.annotations);
}

static void test_state_dirs_hostile(void **state)
{
    (void)state;
    cleanup_free char *rroot = path_of("h"), *croot = path_of("hc");
    rw_audit_runtime_state_t st;
    char labels[600];
    make_bundle("hb", IMG);
    snprintf(labels, sizeof(labels), "[\"io.kubernetes.cri.image-name=" IMG "\",\"bundle=%s/hb\"]",
             tmp);
    put_runc_state("h", "good", labels);
    assert_int_equal(rw_audit_runtime_state_read(rroot, "runc", "good", &st), 1);
    rw_audit_runtime_state_clear(&st);

    /* ids that climb out of the root never name a path: states planted above the root,
     * one claiming that very id (runc) and one of crun's, which carries no id at all */
    char *planted = runc_state("../escape", labels);
    put("escape/state.json", planted);
    free(planted);
    assert_int_equal(rw_audit_runtime_state_read(rroot, "runc", "../escape", &st), 0);
    put_crun_status(".", "cescape", "hb");
    assert_int_equal(rw_audit_runtime_state_read(croot, "crun", "../cescape", &st), 0);
    sh("mkdir -p %s/h/sub", tmp);
    cleanup_free char *sub = path_of("h/sub");
    assert_int_equal(rw_audit_runtime_state_read(sub, "runc", "..", &st), 0);
    assert_int_equal(rw_audit_runtime_state_read(rroot, "runc", "/good", &st), 0);
    assert_int_equal(rw_audit_runtime_state_read(rroot, "runc", "", &st), 0);
    assert_int_equal(rw_audit_runtime_state_read(rroot, "runc", NULL, &st), 0);

    /* the id's directory is a link: not followed */
    sh("ln -s good %s/h/link", tmp);
    assert_int_equal(rw_audit_runtime_state_read(rroot, "runc", "link", &st), 0);
    /* state.json is a link to a good state */
    sh("mkdir -p %s/h/l2 && ln -s ../good/state.json %s/h/l2/state.json", tmp, tmp);
    assert_int_equal(rw_audit_runtime_state_read(rroot, "runc", "l2", &st), 0);
    /* a FIFO in place of state.json: no hang */
    sh("mkdir -p %s/h/fifo && mkfifo %s/h/fifo/state.json", tmp, tmp);
    assert_int_equal(rw_audit_runtime_state_read(rroot, "runc", "fifo", &st), 0);
    /* a directory in place of state.json */
    sh("mkdir -p %s/h/dir/state.json", tmp);
    assert_int_equal(rw_audit_runtime_state_read(rroot, "runc", "dir", &st), 0);
    /* huge: over the cap, not read (sparse, so the test stays cheap) */
    sh("mkdir -p %s/h/huge && truncate -s 5M %s/h/huge/state.json", tmp, tmp);
    assert_int_equal(rw_audit_runtime_state_read(rroot, "runc", "huge", &st), 0);
    /* bad JSON, and a good state that names another container */
    put("h/bad/state.json", "{\"id\":\"bad\",\"config\":{\"labels\":[\"bundle=/b\"]}");
    assert_int_equal(rw_audit_runtime_state_read(rroot, "runc", "bad", &st), 0);
    sh("mkdir -p %s/h/copy && cp %s/h/good/state.json %s/h/copy/", tmp, tmp, tmp);
    assert_int_equal(rw_audit_runtime_state_read(rroot, "runc", "copy", &st), 0);

    /* crun: a bundle that is a link, a config.json that is a link: bundle known, image not */
    sh("ln -s hb %s/hblink", tmp);
    put_crun_status("hc", "blink", "hblink");
    assert_int_equal(rw_audit_runtime_state_read(croot, "crun", "blink", &st), 1);
    assert_null(st.annotations);
    rw_audit_runtime_state_clear(&st);
    sh("mkdir -p %s/hb2 && ln -s ../hb/config.json %s/hb2/config.json", tmp, tmp);
    put_crun_status("hc", "clink", "hb2");
    assert_int_equal(rw_audit_runtime_state_read(croot, "crun", "clink", &st), 1);
    assert_null(st.annotations);
    rw_audit_runtime_state_clear(&st);
    /* crun's copy is invalid JSON: unusable, so the bundle is the next source, and the
     * record will say the image came from the bundle */
    put_crun_status("hc", "badcopy", "hb");
    put("hc/badcopy/config.json", "{\"annotations\":");
    assert_int_equal(rw_audit_runtime_state_read(croot, "crun", "badcopy", &st), 1);
    assert_string_equal(st.from, "bundle config.json");
    rw_audit_runtime_state_clear(&st);
    /* crun's state names no id, so only O_NOFOLLOW keeps a linked id directory out */
    put_crun_status("hc", "valid", "hb");
    assert_int_equal(rw_audit_runtime_state_read(croot, "crun", "valid", &st), 1);
    rw_audit_runtime_state_clear(&st);
    sh("ln -s valid %s/hc/idlink", tmp);
    assert_int_equal(rw_audit_runtime_state_read(croot, "crun", "idlink", &st), 0);
    /* a relative bundle in status */
    put("hc/rel/status", "{\"bundle\":\"hb\"}");
    assert_int_equal(rw_audit_runtime_state_read(croot, "crun", "rel", &st), 0);
    /* the root itself may be a link (it is the caller's own argument, like /var/run) */
    sh("ln -s h %s/hlink", tmp);
    cleanup_free char *hlink = path_of("hlink");
    assert_int_equal(rw_audit_runtime_state_read(hlink, "runc", "good", &st), 1);
    rw_audit_runtime_state_clear(&st);
}

static void test_exec_record(void **state)
{
    (void)state;
    cleanup_free char *root = path_of("x");
    char labels[600];
    make_bundle("xb", IMG);
    snprintf(labels, sizeof(labels),
             "[\"io.kubernetes.cri.image-name=" IMG "\",\"io.kubernetes.cri.container-name=web\","
             "\"io.kubernetes.cri.container-type=container\",\"bundle=%s/xb\"]",
             tmp);
    put_runc_state("x", "e1", labels);
    rw_audit_container_t c;
    assert_int_equal(rw_audit_container_collect_exec("e1", root, "runc", NULL, true, &c), 0);
    assert_string_equal(c.image_name, IMG);
    assert_string_equal(c.image_source, "runtime-state+annotation");
    assert_string_equal(c.name, "web");
    assert_string_equal(c.engine, "containerd"); /* the CRI annotations tell */
    cleanup_free char *xb = path_of("xb");
    assert_string_equal(c.bundle, xb);
    /* the record names the bundle and the image with its source */
    rw_audit_event_t ev = {.event = "exec", .decision = "allowed", .container = &c};
    char *body = rw_audit_record_build(&ev, true, NULL);
    json_error_t je;
    json_t *rec = json_loads(body, 0, &je);
    assert_non_null(rec);
    assert_string_equal(json_string_value(json_object_get(rec, "bundle")), xb);
    json_t *img = json_object_get(rec, "image");
    assert_string_equal(json_string_value(json_object_get(img, "name")), IMG);
    assert_string_equal(json_string_value(json_object_get(img, "source")),
                        "runtime-state+annotation");
    json_decref(rec);
    free(body);
    rw_audit_container_clear(&c);

    /* from the bundle only: the source says the annotations could have been edited */
    snprintf(labels, sizeof(labels), "[\"bundle=%s/xb\"]", tmp);
    put_runc_state("x", "e2", labels);
    assert_int_equal(rw_audit_container_collect_exec("e2", root, "runc", NULL, true, &c), 0);
    assert_string_equal(c.image_source, "runtime-state+bundle-annotation");
    rw_audit_container_clear(&c);

    /* podman: the bundle is .../<driver>-containers/<id>/userdata; storage names the image */
    const char *id = "51bf76f0d3efbebe82c8b46ff8943d61ddcbe4d60c4ea7f70e70f5fe20c6792d";
    const char *imgid = "e111fb5b02277dcae11446c87225c3ef209732a609b5654332a6025f900e27b4";
    char rel[300], doc[1000];
    snprintf(rel, sizeof(rel), "g/vfs-containers/%s/userdata/config.json", id);
    put(rel, "{\"annotations\":{\"io.container.manager\":\"libpod\"}}");
    snprintf(doc, sizeof(doc),
             "[{\"id\":\"%s\",\"names\":[\"myctr\"],\"image\":\"%s\",\"metadata\":\"{\\\"image-"
             "name\\\":\\\"localhost/bb:latest\\\"}\"}]",
             id, imgid);
    put("g/vfs-containers/containers.json", doc);
    snprintf(labels, sizeof(labels),
             "[\"io.container.manager=libpod\",\"bundle=%s/g/vfs-containers/%s/userdata\"]", tmp,
             id);
    put_runc_state("x", id, labels);
    assert_int_equal(rw_audit_container_collect_exec(id, root, "runc", NULL, true, &c), 0);
    assert_string_equal(c.image_name, "localhost/bb:latest");
    assert_string_equal(c.image_id, imgid);
    assert_string_equal(c.image_source, "runtime-state+podman-storage");
    assert_string_equal(c.name, "myctr");
    assert_string_equal(c.engine, "podman");
    rw_audit_container_clear(&c);
    /* podman storage lookups off: the annotations alone (none name the image here) */
    assert_int_equal(rw_audit_container_collect_exec(id, root, "runc", NULL, false, &c), 0);
    assert_null(c.image_name);
    assert_null(c.image_source);
    assert_non_null(c.bundle);
    rw_audit_container_clear(&c);

    /* unknown: no state, no bundle, the id still recorded, the exec never refused */
    assert_int_equal(rw_audit_container_collect_exec("gone", root, "runc", NULL, true, &c), 0);
    assert_string_equal(c.id, "gone");
    assert_null(c.image_name);
    assert_null(c.image_source);
    assert_null(c.bundle);
    rw_audit_container_clear(&c);
}

/* A file truncated and rewritten while it is mapped and walked: each read is either whole
 * and right, or "unusable"; never a SIGBUS. */
static volatile int churn_stop;
static const char *churn_path;
static char *churn_doc;
static size_t churn_len;

static void *churn(void *arg)
{
    (void)arg;
    int fd = open(churn_path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    while (!churn_stop) {
        if (ftruncate(fd, 0) < 0 || pwrite(fd, churn_doc, churn_len, 0) != (ssize_t)churn_len)
            break;
        usleep(1000); /* whole for a while, so that some reads see it whole */
    }
    close(fd);
    return NULL;
}

static void test_file_shrinks_while_mapped(void **state)
{
    (void)state;
    static const char *const p_id[] = {"id", NULL}, *const p_l[] = {"config", "labels", NULL};
    churn_len = 1u << 20;
    churn_doc = malloc(churn_len);
    int head = snprintf(churn_doc, churn_len, "{\"pad\":\"");
    const char tail[] = "\",\"id\":\"x\",\"config\":{\"labels\":[\"bundle=/b\"]}}";
    memset(churn_doc + head, 'a', churn_len - (size_t)head - (sizeof(tail) - 1));
    memcpy(churn_doc + churn_len - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
    put("churn.json", "");
    cleanup_free char *p = path_of("churn.json");
    int fd = open(p, O_WRONLY | O_CLOEXEC);
    assert_int_equal(write(fd, churn_doc, churn_len), (ssize_t)churn_len);
    close(fd);
    churn_path = p;
    churn_stop = 0;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, churn, NULL), 0);
    int whole = 0, unusable = 0;
    for (int i = 0; i < 300; i++) {
        rw_audit_json_want_t w[] = {{.path = p_id}, {.path = p_l}};
        char *copy = NULL;
        int r = rw_audit_json_find_at(AT_FDCWD, p, 4u << 20, w, 2, &copy);
        if (r == 1) {
            assert_memory_equal(copy + w[0].off, "\"x\"", 3);
            assert_memory_equal(copy + w[1].off, "[\"bundle=/b\"]", w[1].len);
            whole++;
        } else {
            assert_int_equal(r, 0);
            assert_null(copy);
            unusable++;
        }
        free(copy);
    }
    churn_stop = 1;
    pthread_join(t, NULL);
    free(churn_doc);
    print_message("whole %d, unusable %d\n", whole, unusable);
    assert_int_equal(whole + unusable, 300);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_walker_finds),
        cmocka_unit_test(test_walker_refuses),
        cmocka_unit_test(test_walker_agrees_with_jansson),
        cmocka_unit_test(test_runc_state_parse),
        cmocka_unit_test(test_crun_and_config_parse),
        cmocka_unit_test(test_names_and_default_root),
        cmocka_unit_test(test_state_dirs),
        cmocka_unit_test(test_state_dirs_hostile),
        cmocka_unit_test(test_exec_record),
        cmocka_unit_test(test_file_shrinks_while_mapped),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
