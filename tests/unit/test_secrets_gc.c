/* rw_secrets_gc removes the mounts.conf copies of containers that are gone (their recorded
 * runtime state directory missing under an existing runtime root) and old staging trees,
 * and keeps everything else: live, young, foreign, owner-less, runtime root missing. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "launcher/secrets_copy.h"

static char top[64];

static void put(const char *dir, const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

/* a copy named id under base, marker naming marker_id, owner text (NULL: none), age */
static void copy(const char *id, const char *marker_id, const char *owner, int age_s)
{
    char d[256];
    snprintf(d, sizeof(d), "%s/base/%s", top, id);
    assert_int_equal(mkdir(d, 0700), 0);
    put(d, "secret", "x");
    put(d, RW_SECRETS_MARKER, marker_id);
    if (owner)
        put(d, RW_SECRETS_OWNER, owner);
    struct timespec t[2] = {{.tv_sec = time(NULL) - age_s}, {.tv_sec = time(NULL) - age_s}};
    assert_int_equal(utimensat(AT_FDCWD, d, t, 0), 0);
}

static bool exists(const char *id)
{
    char d[256];
    struct stat st;
    snprintf(d, sizeof(d), "%s/base/%s", top, id);
    return stat(d, &st) == 0;
}

static void test_gc(void **state)
{
    (void)state;
    snprintf(top, sizeof(top), "/tmp/rw-secrets-gc.XXXXXX");
    assert_non_null(mkdtemp(top));
    char p[256], owner[256];
    snprintf(p, sizeof(p), "%s/base", top);
    assert_int_equal(mkdir(p, 0711), 0);
    snprintf(p, sizeof(p), "%s/runroot", top);
    assert_int_equal(mkdir(p, 0700), 0);
    snprintf(p, sizeof(p), "%s/runroot/live", top);
    assert_int_equal(mkdir(p, 0700), 0);

    snprintf(owner, sizeof(owner), "%s/runroot/gone", top);
    copy("gone", "gone", owner, 600);
    snprintf(owner, sizeof(owner), "%s/runroot/live", top);
    copy("live", "live", owner, 600);
    snprintf(owner, sizeof(owner), "%s/runroot/young", top);
    copy("young", "young", owner, 0);
    copy("ownerless", "ownerless", NULL, 600);
    snprintf(owner, sizeof(owner), "%s/no-such-root/rootless", top);
    copy("rootless", "rootless", owner, 600);
    snprintf(owner, sizeof(owner), "%s/runroot/foreign", top);
    copy("foreign", "someone-else", owner, 600);
    snprintf(owner, sizeof(owner), "%s/runroot/../runroot/dotdot", top);
    copy("dotdot", "dotdot", owner, 600);
    copy(".x.tmp-0001", "x", NULL, 600);
    copy(".y.tmp-0002", "y", NULL, 0);

    snprintf(p, sizeof(p), "%s/base", top);
    assert_int_equal(rw_secrets_gc(p, 60, 16), 2);
    assert_false(exists("gone"));
    assert_false(exists(".x.tmp-0001"));
    assert_true(exists("live"));
    assert_true(exists("young"));
    assert_true(exists("ownerless"));
    assert_true(exists("rootless"));
    assert_true(exists("foreign"));
    assert_true(exists("dotdot"));
    assert_true(exists(".y.tmp-0002"));
    /* a second pass finds nothing more; the cap is honoured */
    assert_int_equal(rw_secrets_gc(p, 60, 16), 0);
    assert_int_equal(rw_secrets_gc("/nonexistent/rw-base", 60, 16), 0);

    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_gc)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
