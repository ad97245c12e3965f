/* The admission tenant record without a poststop hook: it round-trips, counts only while
 * the runtime's state directory of its container exists and was made after it, is dropped
 * by the exec that finds it stale, and the create-time sweep removes only dead records,
 * rate-limited, bounded, and blind to links and odd names. */
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/json.h"
#include "policy/admission.h"

typedef struct env {
    char top[64];
    char sd[128]; /* the admission state directory */
    char rt[128]; /* a runtime state root */
} env_t;

static int setup(void **state)
{
    env_t *e = calloc(1, sizeof(*e));
    snprintf(e->top, sizeof(e->top), "/tmp/rw-adm-state.XXXXXX");
    if (!e || !mkdtemp(e->top))
        return -1;
    snprintf(e->sd, sizeof(e->sd), "%s/state", e->top);
    snprintf(e->rt, sizeof(e->rt), "%s/rt", e->top);
    if (mkdir(e->sd, 0700) < 0 || mkdir(e->rt, 0700) < 0)
        return -1;
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    env_t *e = *state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", e->top);
    int r = system(cmd);
    free(e);
    return r == 0 ? 0 : -1;
}

static void path_of(char *out, size_t size, const char *dir, const char *name)
{
    int n = snprintf(out, size, "%s/%s", dir, name);
    assert_true(n > 0 && (size_t)n < size);
}

static bool exists(const char *dir, const char *name)
{
    char p[512];
    struct stat st;
    path_of(p, sizeof(p), dir, name);
    return lstat(p, &st) == 0;
}

static void put(const char *dir, const char *name, const char *text)
{
    char p[512];
    path_of(p, sizeof(p), dir, name);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static void age(const char *dir, const char *name, int seconds)
{
    char p[512];
    path_of(p, sizeof(p), dir, name);
    struct timespec t[2] = {{.tv_sec = time(NULL) - seconds}, {.tv_sec = time(NULL) - seconds}};
    assert_int_equal(utimensat(AT_FDCWD, p, t, AT_SYMLINK_NOFOLLOW), 0);
}

/* A record for id as this build writes it, but with a chosen write time (ns). */
static void record(const env_t *e, const char *id, const char *root, long long written_ns)
{
    char name[256], text[512];
    snprintf(name, sizeof(name), "%s.json", id);
    snprintf(text, sizeof(text),
             "{\"tenant\":\"t-%s\",\"level\":\"baseline\",\"runtimeRoot\":\"%s\","
             "\"written\":%lld}",
             id, root, written_ns);
    put(e->sd, name, text);
}

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void container(const env_t *e, const char *id)
{
    char p[512];
    path_of(p, sizeof(p), e->rt, id);
    assert_int_equal(mkdir(p, 0700), 0);
}

static char *read_tenant(const env_t *e, const char *id, const char *root)
{
    char *t = NULL;
    rw_error_t *err = NULL;
    int r = rw_admission_state_read(e->sd, id, root, &t, &err);
    if (r < 0)
        fprintf(stderr, "read %s: %s\n", id, err ? err->msg : "?");
    rw_error_free(err);
    assert_int_equal(r, 0);
    return t;
}

static void test_round_trip(void **state)
{
    env_t *e = *state;
    rw_error_t *err = NULL;
    assert_int_equal(rw_admission_state_write(e->sd, "c1", "ops", RW_ADM_PRIVILEGED, e->rt, &err),
                     0);
    container(e, "c1"); /* the runtime makes its state after runwarden wrote the record */
    cleanup_free char *t = read_tenant(e, "c1", e->rt);
    assert_string_equal(t, "ops");
    /* what the record holds: the tenant, its level, the runtime root, the write time */
    char p[512];
    path_of(p, sizeof(p), e->sd, "c1.json");
    cleanup_json json_t *doc = json_load_file(p, 0, NULL);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "level")), "privileged");
    assert_string_equal(json_string_value(json_object_get(doc, "runtimeRoot")), e->rt);
    long long w = json_integer_value(json_object_get(doc, "written"));
    assert_true(w > now_ns() - 60LL * 1000000000LL && w <= now_ns());
    /* the root is recorded lexically clean */
    char messy[256];
    snprintf(messy, sizeof(messy), "%s/./sub/..//", e->rt);
    assert_int_equal(rw_admission_state_write(e->sd, "c3", "ops", RW_ADM_PRIVILEGED, messy, &err),
                     0);
    path_of(p, sizeof(p), e->sd, "c3.json");
    cleanup_json json_t *doc3 = json_load_file(p, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(doc3, "runtimeRoot")), e->rt);
    /* no runtime root (the caller could not name one): the record counts as older ones did */
    assert_int_equal(rw_admission_state_write(e->sd, "c0", "ops", RW_ADM_PRIVILEGED, NULL, &err),
                     0);
    cleanup_free char *t0 = read_tenant(e, "c0", e->rt);
    assert_string_equal(t0, "ops");
    /* ids that cannot name a file are refused on write, absent on read */
    assert_true(rw_admission_state_write(e->sd, "../x", "ops", RW_ADM_PRIVILEGED, e->rt, &err) < 0);
    rw_error_free(err);
    assert_null(read_tenant(e, "../x", e->rt));
    assert_false(rw_admission_state_id_ok(".hidden"));
    assert_false(rw_admission_state_id_ok("a/b"));
}

static void test_stale_ignored_and_removed(void **state)
{
    env_t *e = *state;
    /* the state directory predates the record: a create that failed because the id was
     * taken wrote it; the container there was judged by someone else */
    container(e, "taken");
    record(e, "taken", e->rt, now_ns() + 2LL * 1000000000LL);
    assert_null(read_tenant(e, "taken", e->rt));
    assert_false(exists(e->sd, "taken.json"));
    /* within the clock slack it counts (file system clocks are coarse) */
    container(e, "fresh");
    record(e, "fresh", e->rt, now_ns() + 5LL * 1000000LL);
    cleanup_free char *t = read_tenant(e, "fresh", e->rt);
    assert_string_equal(t, "t-fresh");
    /* the container is gone, the record old: dropped */
    record(e, "gone", e->rt, now_ns());
    age(e->sd, "gone.json", 120);
    assert_null(read_tenant(e, "gone", e->rt));
    assert_false(exists(e->sd, "gone.json"));
    /* gone, but the record is young (a create in flight): ignored, kept */
    record(e, "young", e->rt, now_ns());
    assert_null(read_tenant(e, "young", e->rt));
    assert_true(exists(e->sd, "young.json"));
    /* the runtime root itself is missing (an unmounted /run): ignored, kept */
    char noroot[256];
    path_of(noroot, sizeof(noroot), e->top, "no-root");
    record(e, "noroot", noroot, now_ns());
    age(e->sd, "noroot.json", 120);
    assert_null(read_tenant(e, "noroot", noroot));
    assert_true(exists(e->sd, "noroot.json"));
    /* something other than a directory at <root>/<id>: not the runtime's, dropped */
    record(e, "afile", e->rt, now_ns());
    put(e->rt, "afile", "x");
    assert_null(read_tenant(e, "afile", e->rt));
    assert_false(exists(e->sd, "afile.json"));
    /* a link at <root>/<id> is not followed: dropped, its target untouched */
    container(e, "target");
    record(e, "alink", e->rt, now_ns() - 1000000000LL);
    char tp[512], lp[512];
    path_of(tp, sizeof(tp), e->rt, "target");
    path_of(lp, sizeof(lp), e->rt, "alink");
    assert_int_equal(symlink(tp, lp), 0);
    assert_null(read_tenant(e, "alink", e->rt));
    assert_false(exists(e->sd, "alink.json"));
    assert_true(exists(e->rt, "target"));
}

static void test_other_root(void **state)
{
    env_t *e = *state;
    rw_error_t *err = NULL;
    assert_int_equal(rw_admission_state_write(e->sd, "c2", "ops", RW_ADM_PRIVILEGED, e->rt, &err),
                     0);
    container(e, "c2");
    /* an exec under another root names another container with the same id */
    char other[256];
    path_of(other, sizeof(other), e->top, "other");
    assert_int_equal(mkdir(other, 0700), 0);
    assert_null(read_tenant(e, "c2", other));
    assert_true(exists(e->sd, "c2.json")); /* still right for its own container */
    char oc[512];
    path_of(oc, sizeof(oc), other, "c2");
    assert_int_equal(mkdir(oc, 0700), 0);
    assert_null(read_tenant(e, "c2", other));
    /* the same root spelt another way (a link to it) is the same container */
    char alias[256];
    path_of(alias, sizeof(alias), e->top, "alias");
    assert_int_equal(symlink(e->rt, alias), 0);
    cleanup_free char *t = read_tenant(e, "c2", alias);
    assert_string_equal(t, "ops");
    /* the caller names no root: not compared */
    cleanup_free char *t2 = read_tenant(e, "c2", NULL);
    assert_string_equal(t2, "ops");
}

static void test_older_and_bad_records(void **state)
{
    env_t *e = *state;
    /* a record of an older build (no root, no time): trusted as before, its hook removes it */
    put(e->sd, "old.json", "{\"tenant\":\"legacy\",\"level\":\"baseline\"}");
    cleanup_free char *t = read_tenant(e, "old", e->rt);
    assert_string_equal(t, "legacy");
    /* unknown keys from a newer build are tolerated */
    container(e, "newer");
    put(e->sd, "newer.json",
        "{\"tenant\":\"n\",\"level\":\"baseline\",\"runtimeRoot\":\"/\",\"written\":0,"
        "\"future\":1}");
    /* (root "/" with id "newer": /newer is no directory here, the root exists, old: dead) */
    age(e->sd, "newer.json", 120);
    assert_null(read_tenant(e, "newer", NULL));
    /* a record that is not clean fails the exec, as an unreadable record always did */
    const char *bad[] = {
        "{\"tenant\":\"x\",\"runtimeRoot\":\"relative/root\",\"written\":1}",
        "{\"tenant\":\"x\",\"runtimeRoot\":\"/a/../b\",\"written\":1}",
        "{\"tenant\":\"x\",\"runtimeRoot\":\"/a\",\"written\":-5}",
        "{\"tenant\":\"x\",\"runtimeRoot\":\"/a\"}",
        "{\"runtimeRoot\":\"/a\",\"written\":1}",
        "not json",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        put(e->sd, "bad.json", bad[i]);
        char *x = NULL;
        rw_error_t *err = NULL;
        assert_true(rw_admission_state_read(e->sd, "bad", e->rt, &x, &err) < 0);
        assert_null(x);
        assert_non_null(err);
        rw_error_free(err);
    }
    /* a link in place of the record is not read */
    char lp[512];
    path_of(lp, sizeof(lp), e->sd, "bad.json");
    assert_int_equal(unlink(lp), 0);
    char target[512];
    path_of(target, sizeof(target), e->sd, "old.json");
    assert_int_equal(symlink(target, lp), 0);
    char *x = NULL;
    rw_error_t *err = NULL;
    assert_true(rw_admission_state_read(e->sd, "bad", e->rt, &x, &err) < 0);
    assert_null(x);
    rw_error_free(err);
    /* no state directory at all: no record */
    char none[256];
    path_of(none, sizeof(none), e->top, "none");
    assert_int_equal(rw_admission_state_read(none, "c", e->rt, &x, NULL), 0);
    assert_null(x);
}

static void test_sweep(void **state)
{
    env_t *e = *state;
    long long t0 = now_ns() - 200LL * 1000000000LL; /* written "long ago" */
    /* dead: gone, old */
    record(e, "dead1", e->rt, t0);
    record(e, "dead2", e->rt, t0);
    /* dead: the directory predates the record */
    container(e, "predates");
    record(e, "predates", e->rt, now_ns() + 10LL * 1000000000LL);
    /* live */
    container(e, "live");
    record(e, "live", e->rt, t0);
    /* gone but young */
    record(e, "young", e->rt, t0);
    /* root missing */
    char noroot[256];
    path_of(noroot, sizeof(noroot), e->top, "no-root");
    record(e, "noroot", noroot, t0);
    /* an older build's record */
    put(e->sd, "legacy.json", "{\"tenant\":\"legacy\",\"level\":\"baseline\"}");
    /* hostile entries: a link to a dead-looking record elsewhere, a fifo, a directory, a
     * hidden name, a name that is no id, a record that is no JSON, a file of another kind */
    char elsewhere[256], ep[512], lp[512];
    path_of(elsewhere, sizeof(elsewhere), e->top, "elsewhere");
    assert_int_equal(mkdir(elsewhere, 0700), 0);
    snprintf(ep, sizeof(ep), "{\"tenant\":\"x\",\"runtimeRoot\":\"%s\",\"written\":1}", e->rt);
    put(elsewhere, "victim.json", ep);
    age(elsewhere, "victim.json", 300);
    path_of(ep, sizeof(ep), elsewhere, "victim.json");
    path_of(lp, sizeof(lp), e->sd, "victim.json");
    assert_int_equal(symlink(ep, lp), 0);
    path_of(lp, sizeof(lp), e->sd, "fifo.json");
    assert_int_equal(mkfifo(lp, 0600), 0);
    path_of(lp, sizeof(lp), e->sd, "dir.json");
    assert_int_equal(mkdir(lp, 0700), 0);
    put(e->sd, ".hidden.json", "{\"tenant\":\"x\",\"runtimeRoot\":\"/nonexistent\",\"written\":1}");
    put(e->sd, "bad name!.json", "{\"tenant\":\"x\",\"runtimeRoot\":\"/tmp\",\"written\":1}");
    put(e->sd, "notes.txt", "hello");
    put(e->sd, "garbage.json", "{{{");
    const char *names[] = {"dead1.json",  "dead2.json",   "predates.json",  "live.json",
                           "noroot.json", "legacy.json",  "victim.json",    "fifo.json",
                           "dir.json",    ".hidden.json", "bad name!.json", "notes.txt",
                           "garbage.json"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        age(e->sd, names[i], 120);

    assert_int_equal(rw_admission_state_sweep(e->sd, NULL, 60, 100), 3);
    assert_false(exists(e->sd, "dead1.json"));
    assert_false(exists(e->sd, "dead2.json"));
    assert_false(exists(e->sd, "predates.json"));
    const char *kept[] = {"live.json",   "young.json",   "noroot.json",    "legacy.json",
                          "victim.json", "fifo.json",    "dir.json",       ".hidden.json",
                          "notes.txt",   "garbage.json", "bad name!.json", ".sweep"};
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
        if (!exists(e->sd, kept[i]))
            fail_msg("%s was removed", kept[i]);
    }
    assert_true(exists(elsewhere, "victim.json"));
    assert_true(exists(e->rt, "predates")); /* the runtime's state is never touched */

    /* rate limit: within the interval, a new dead record stays */
    record(e, "dead3", e->rt, t0);
    age(e->sd, "dead3.json", 120);
    assert_int_equal(rw_admission_state_sweep(e->sd, NULL, 60, 100), 0);
    assert_true(exists(e->sd, "dead3.json"));
    /* once the stamp says it is time again, it goes */
    age(e->sd, ".sweep", 1);
    assert_int_equal(rw_admission_state_sweep(e->sd, NULL, 60, 100), 1);
    assert_false(exists(e->sd, "dead3.json"));
    /* a stamp far in the future (the clock was set back) does not stop sweeping */
    record(e, "dead4", e->rt, t0);
    age(e->sd, "dead4.json", 120);
    age(e->sd, ".sweep", -100000);
    assert_int_equal(rw_admission_state_sweep(e->sd, NULL, 60, 100), 1);

    /* with the sweeping create's root as a hint: live records are kept unread, dead go */
    record(e, "dead5", e->rt, t0);
    age(e->sd, "dead5.json", 120);
    age(e->sd, ".sweep", 1);
    assert_int_equal(rw_admission_state_sweep(e->sd, e->rt, 60, 100), 1);
    assert_false(exists(e->sd, "dead5.json"));
    assert_true(exists(e->sd, "live.json"));

    /* no state directory: nothing to do */
    char none[256];
    path_of(none, sizeof(none), e->top, "none");
    assert_int_equal(rw_admission_state_sweep(none, NULL, 60, 100), 0);
}

static void test_sweep_bounded(void **state)
{
    env_t *e = *state;
    long long t0 = now_ns() - 200LL * 1000000000LL;
    char id[32], name[48];
    for (int i = 0; i < 40; i++) {
        snprintf(id, sizeof(id), "d%02d", i);
        snprintf(name, sizeof(name), "%s.json", id);
        record(e, id, e->rt, t0);
        age(e->sd, name, 120);
    }
    for (int i = 0; i < 10; i++) {
        snprintf(id, sizeof(id), "l%02d", i);
        snprintf(name, sizeof(name), "%s.json", id);
        container(e, id);
        record(e, id, e->rt, t0);
        age(e->sd, name, 120);
    }
    /* one sweep looks at no more than 8 names (., .. and the stamp count too) */
    int r = rw_admission_state_sweep(e->sd, NULL, 60, 8);
    assert_true(r >= 0 && r <= 8);
    int total = r;
    /* cut short, the next sweep is allowed a second later and goes on where it stopped */
    struct stat st;
    char sp[512];
    path_of(sp, sizeof(sp), e->sd, ".sweep");
    assert_int_equal(stat(sp, &st), 0);
    assert_true(st.st_mtime <= time(NULL) + 1);
    for (int round = 0; round < 20 && total < 40; round++) {
        age(e->sd, ".sweep", 1);
        r = rw_admission_state_sweep(e->sd, NULL, 60, 8);
        assert_true(r >= 0 && r <= 8);
        total += r;
    }
    assert_int_equal(total, 40);
    for (int i = 0; i < 10; i++) {
        snprintf(name, sizeof(name), "l%02d.json", i);
        assert_true(exists(e->sd, name));
    }
    /* having reached the end, the next sweep waits the whole interval */
    age(e->sd, ".sweep", 1);
    assert_int_equal(rw_admission_state_sweep(e->sd, NULL, 60, 100), 0);
    assert_int_equal(stat(sp, &st), 0);
    assert_true(st.st_mtime >= time(NULL) + 59);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_ignored_and_removed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_root, setup, teardown),
        cmocka_unit_test_setup_teardown(test_older_and_bad_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sweep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sweep_bounded, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
