/* SELinux labels from a contexts file, checked against what podman would choose for the
 * same file. The rule, derived from go-selinux (label.InitLabels -> ContainerLabels ->
 * addMcs, and loadLabels for the file format; see shared/research containers-formats 5.2):
 *   - the file is read line by line: trimmed, '#'/';' first means comment, split at the first
 *     '=', key and value trimmed, '"' trimmed from both ends of the value, later keys win,
 *     lines without '=' ignored;
 *   - a container without label options gets process = the `process` context with its level
 *     replaced by s0:cA,cB (A < B < 1024, random, never c1022,c1023, never a pair already
 *     reserved) and mount label = the `file` context with the same level;
 *   - a process context without a level gets no MCS: both labels as written;
 *   - a missing process or file context: no process label, mount label = file (or none);
 *   - label=disable: no process label, mount label = file at s0:c1022,c1023;
 *   - label=level:s0:c1,c2: exactly that level on both. */
#include <errno.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "profiles/selinux.h"

static char data_dir[1024];

static int setup(void **state)
{
    (void)state;
    const char *d = getenv("RW_TEST_DATA");
    snprintf(data_dir, sizeof(data_dir), "%s/lsm", d ? d : "tests/data");
    return 0;
}

static void load(const char *name, rw_selinux_contexts_t *cx)
{
    char path[1200];
    snprintf(path, sizeof(path), "%s/%s", data_dir, name);
    rw_error_t *err = NULL;
    int r = rw_selinux_contexts_load(path, cx, &err);
    if (r < 0)
        fail_msg("%s: %s", path, err ? err->msg : "?");
    assert_non_null(cx->path);
}

static void test_contexts_file(void **state)
{
    (void)state;
    rw_selinux_contexts_t cx;
    load("container_contexts", &cx);
    assert_int_equal(cx.n, 6);
    assert_string_equal(rw_selinux_contexts_get(&cx, "process"),
                        "system_u:system_r:container_t:s0");
    assert_string_equal(rw_selinux_contexts_get(&cx, "ro_file"),
                        "system_u:object_r:container_ro_file_t:s0");
    assert_string_equal(rw_selinux_contexts_get(&cx, "engine_process"),
                        "system_u:system_r:container_engine_t:s0");
    assert_null(rw_selinux_contexts_get(&cx, "sandbox_process"));
    rw_selinux_contexts_clear(&cx);

    load("contexts_edge", &cx);
    /* later key wins; every '"' at both ends goes, as bytes.Trim does */
    assert_string_equal(rw_selinux_contexts_get(&cx, "process"),
                        "system_u:system_r:container_t:s0");
    assert_string_equal(rw_selinux_contexts_get(&cx, "file"),
                        "system_u:object_r:container_file_t:s0");
    assert_string_equal(rw_selinux_contexts_get(&cx, "weird"), "a=b=c");
    assert_string_equal(rw_selinux_contexts_get(&cx, "empty"), "");
    assert_int_equal(cx.skipped_lines, 1);
    assert_int_equal(cx.n, 4);
    rw_selinux_contexts_clear(&cx);

    rw_error_t *err = NULL;
    assert_true(rw_selinux_contexts_load("/nonexistent/contexts", &cx, &err) < 0);
    assert_non_null(strstr(err->msg, "/nonexistent/contexts"));
    rw_error_free(err);
    err = NULL;
    const char nul[] = "process = \"a\0b\"\n";
    assert_true(rw_selinux_contexts_parse(nul, sizeof(nul) - 1, &cx, &err) < 0);
    rw_error_free(err);
    rw_selinux_contexts_clear(&cx);
}

static void test_labels_as_podman(void **state)
{
    (void)state;
    rw_selinux_contexts_t cx;
    load("container_contexts", &cx);
    char *p = NULL, *m = NULL;
    /* InitLabels(["level:s0:c1,c2"]) */
    assert_int_equal(rw_selinux_labels(&cx, "s0:c1,c2", &p, &m), 0);
    assert_string_equal(p, "system_u:system_r:container_t:s0:c1,c2");
    assert_string_equal(m, "system_u:object_r:container_file_t:s0:c1,c2");
    free(p);
    free(m);
    /* InitLabels(["disable"]) -> ("", file at c1022,c1023) */
    assert_int_equal(rw_selinux_privileged_mount_label(&cx, &m), 0);
    assert_string_equal(m, "system_u:object_r:container_file_t:s0:c1022,c1023");
    free(m);
    rw_selinux_contexts_clear(&cx);

    load("contexts_nolevel", &cx);
    assert_int_equal(rw_selinux_labels(&cx, "s0:c1,c2", &p, &m), 0);
    assert_string_equal(p, "system_u:system_r:container_t");
    assert_string_equal(m, "system_u:object_r:container_file_t");
    free(p);
    free(m);
    rw_selinux_contexts_clear(&cx);

    const char only_file[] = "file = \"system_u:object_r:container_file_t:s0\"\n";
    memset(&cx, 0, sizeof(cx));
    assert_int_equal(rw_selinux_contexts_parse(only_file, sizeof(only_file) - 1, &cx, NULL), 0);
    assert_int_equal(rw_selinux_labels(&cx, "s0:c1,c2", &p, &m), 0);
    assert_string_equal(p, "");
    assert_string_equal(m, "system_u:object_r:container_file_t:s0");
    free(p);
    free(m);
    rw_selinux_contexts_clear(&cx);
}

/* Labels with pairs from the reservation look exactly like podman's random ones. */
static void test_random_labels(void **state)
{
    (void)state;
    char dir[] = "/tmp/rw-test-se.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char pool_dir[64], root[64];
    snprintf(pool_dir, sizeof(pool_dir), "%s/mcs", dir);
    snprintf(root, sizeof(root), "%s/root", dir);
    assert_int_equal(mkdir(root, 0700), 0);
    rw_mcs_pool_t pool = {pool_dir, 0, 1023};
    rw_selinux_contexts_t cx;
    load("container_contexts", &cx);
    regex_t re;
    assert_int_equal(
        regcomp(&re, "^system_u:system_r:container_t:s0:c([0-9]+),c([0-9]+)$", REG_EXTENDED), 0);
    for (int i = 0; i < 200; i++) {
        char id[32], sd[128];
        snprintf(id, sizeof(id), "ctr%d", i);
        snprintf(sd, sizeof(sd), "%s/%s", root, id);
        assert_int_equal(mkdir(sd, 0700), 0);
        char *level = NULL, *p = NULL, *m = NULL;
        rw_error_t *err = NULL;
        assert_int_equal(rw_mcs_allocate(&pool, root, id, &level, &err), 0);
        assert_int_equal(rw_selinux_labels(&cx, level, &p, &m), 0);
        regmatch_t g[3];
        assert_int_equal(regexec(&re, p, 3, g, 0), 0);
        long a = strtol(p + g[1].rm_so, NULL, 10), b = strtol(p + g[2].rm_so, NULL, 10);
        assert_true(a < b && b < 1024);
        assert_false(a == 1022 && b == 1023);
        /* the same level on the mount label */
        char want[128];
        snprintf(want, sizeof(want), "system_u:object_r:container_file_t:%s", level);
        assert_string_equal(m, want);
        free(level);
        free(p);
        free(m);
    }
    regfree(&re);
    rw_selinux_contexts_clear(&cx);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_contexts_and_levels(void **state)
{
    (void)state;
    rw_selinux_context_t c;
    assert_int_equal(rw_selinux_context_parse("u:r:t", &c), 0);
    assert_string_equal(c.type, "t");
    assert_null(c.level);
    rw_selinux_context_clear(&c);
    assert_int_equal(rw_selinux_context_parse("u:r:t:s0:c1,c2", &c), 0);
    assert_string_equal(c.user, "u");
    assert_string_equal(c.role, "r");
    assert_string_equal(c.level, "s0:c1,c2");
    rw_selinux_context_clear(&c);
    assert_int_equal(rw_selinux_context_parse("u:r", &c), -EINVAL);
    char *s = NULL;
    assert_int_equal(rw_selinux_with_level("u:r:t:s0", "s0:c3,c4", &s), 0);
    assert_string_equal(s, "u:r:t:s0:c3,c4");
    free(s);

    static const struct {
        const char *level;
        int ok;
        unsigned a, b;
    } v[] = {
        {"s0:c1,c2", 1, 1, 2},    {"s0:c0,c1023", 1, 0, 1023}, {"s0:c2,c1", 0, 0, 0},
        {"s0:c1,c1", 0, 0, 0},    {"s0:c1,c1024", 0, 0, 0},    {"s0", 0, 0, 0},
        {"s0:c1.c2", 0, 0, 0},    {"s1:c1,c2", 0, 0, 0},       {"s0:c01,c2", 0, 0, 0},
        {"s0:c1,c2,c3", 0, 0, 0}, {"s0:c1,c2 ", 0, 0, 0},      {"s0:c,c2", 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        unsigned a = 99, b = 99;
        int r = rw_selinux_mcs_parse(v[i].level, &a, &b);
        if (v[i].ok) {
            assert_int_equal(r, 0);
            assert_int_equal(a, v[i].a);
            assert_int_equal(b, v[i].b);
        } else if (r == 0) {
            fail_msg("accepted %s", v[i].level);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contexts_file),
        cmocka_unit_test(test_labels_as_podman),
        cmocka_unit_test(test_random_labels),
        cmocka_unit_test(test_contexts_and_levels),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
