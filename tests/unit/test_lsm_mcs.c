/* Host-wide MCS reservations: 1,000 allocations from parallel processes are all distinct;
 * release and reuse work; a pair reserved by a create that crashed before its container
 * existed is reclaimed, while a live or running one never is. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "profiles/selinux.h"

#define PROCS 8
#define PER_PROC 125

static char base[64];

static int setup_each(void **state)
{
    (void)state;
    snprintf(base, sizeof(base), "/tmp/rw-test-mcs.XXXXXX");
    return mkdtemp(base) ? 0 : -1;
}

static int teardown_each(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
    return system(cmd) == 0 ? 0 : -1;
}

static void path(char *out, size_t n, const char *sub)
{
    snprintf(out, n, "%s/%s", base, sub);
}

/* The runtime's state directory: what makes a reservation belong to a live container. */
static void make_state(const char *root, const char *id)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", root, id);
    assert_int_equal(mkdir(p, 0700), 0);
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t count_entries(const char *dir, char prefix)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "ls -1 '%s' | grep -c '^%c' || true", dir, prefix);
    FILE *f = popen(cmd, "r");
    size_t n = 0;
    assert_int_equal(fscanf(f, "%zu", &n), 1);
    pclose(f);
    return n;
}

static void test_parallel_unique(void **state)
{
    (void)state;
    char mcs[128], root[128], out[128];
    path(mcs, sizeof(mcs), "mcs");
    path(root, sizeof(root), "runc");
    path(out, sizeof(out), "levels");
    assert_int_equal(mkdir(root, 0700), 0);
    for (int p = 0; p < PROCS; p++)
        for (int i = 0; i < PER_PROC; i++) {
            char id[32];
            snprintf(id, sizeof(id), "c%d-%d", p, i);
            make_state(root, id);
        }
    rw_mcs_pool_t pool = {mcs, 0, 1023};
    pid_t kids[PROCS];
    for (int p = 0; p < PROCS; p++) {
        kids[p] = fork();
        assert_true(kids[p] >= 0);
        if (kids[p] == 0) {
            char file[160];
            snprintf(file, sizeof(file), "%s.%d", out, p);
            FILE *f = fopen(file, "we");
            if (!f)
                _exit(2);
            for (int i = 0; i < PER_PROC; i++) {
                char id[32];
                snprintf(id, sizeof(id), "c%d-%d", p, i);
                char *level = NULL;
                if (rw_mcs_allocate(&pool, root, id, &level, NULL) < 0)
                    _exit(3);
                fprintf(f, "%s\n", level);
                free(level);
            }
            _exit(fclose(f) == 0 ? 0 : 4);
        }
    }
    for (int p = 0; p < PROCS; p++) {
        int st = 0;
        assert_int_equal(waitpid(kids[p], &st, 0), kids[p]);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
    }
    char **levels = calloc(PROCS * PER_PROC, sizeof(char *));
    size_t n = 0;
    for (int p = 0; p < PROCS; p++) {
        char file[160], line[64];
        snprintf(file, sizeof(file), "%s.%d", out, p);
        FILE *f = fopen(file, "re");
        assert_non_null(f);
        while (fgets(line, sizeof(line), f) && n < PROCS * PER_PROC) {
            line[strcspn(line, "\n")] = '\0';
            unsigned a, b;
            assert_int_equal(rw_selinux_mcs_parse(line, &a, &b), 0);
            assert_false(a == 1022 && b == 1023);
            levels[n++] = strdup(line);
        }
        fclose(f);
    }
    assert_int_equal(n, PROCS * PER_PROC);
    qsort(levels, n, sizeof(char *), cmp);
    for (size_t i = 1; i < n; i++)
        if (strcmp(levels[i - 1], levels[i]) == 0)
            fail_msg("duplicate MCS level %s", levels[i]);
    char pairs[160];
    snprintf(pairs, sizeof(pairs), "%s/pairs", mcs);
    assert_int_equal(count_entries(pairs, 'c'), PROCS * PER_PROC);
    assert_int_equal(count_entries(pairs, 't'), 0); /* no temporary files left */
    /* a live container keeps its pair: asking again gives the same one */
    char *again = NULL, *look = NULL;
    assert_int_equal(rw_mcs_allocate(&pool, root, "c3-7", &again, NULL), 0);
    assert_int_equal(rw_mcs_lookup(&pool, root, "c3-7", &look), 0);
    assert_string_equal(again, look);
    /* and a sweep reclaims nothing that still runs */
    assert_int_equal(rw_mcs_sweep(&pool, NULL), 0);
    assert_int_equal(count_entries(pairs, 'c'), PROCS * PER_PROC);
    free(again);
    free(look);
    for (size_t i = 0; i < n; i++)
        free(levels[i]);
    free(levels);
}

static void test_release_and_reuse(void **state)
{
    (void)state;
    char mcs[128], root[128];
    path(mcs, sizeof(mcs), "mcs");
    path(root, sizeof(root), "crun");
    assert_int_equal(mkdir(root, 0700), 0);
    /* c0..c3: six pairs */
    rw_mcs_pool_t pool = {mcs, 0, 3};
    char *got[6];
    for (int i = 0; i < 6; i++) {
        char id[16];
        snprintf(id, sizeof(id), "s%d", i);
        make_state(root, id);
        assert_int_equal(rw_mcs_allocate(&pool, root, id, &got[i], NULL), 0);
    }
    make_state(root, "late");
    char *level = NULL;
    rw_error_t *err = NULL;
    assert_int_equal(rw_mcs_allocate(&pool, root, "late", &level, &err), -ENOSPC);
    assert_non_null(strstr(err->msg, "every category pair"));
    rw_error_free(err);
    assert_int_equal(rw_mcs_release(&pool, root, "s3", NULL), 0);
    char *none = NULL;
    assert_int_equal(rw_mcs_lookup(&pool, root, "s3", &none), 0);
    assert_null(none);
    assert_int_equal(rw_mcs_allocate(&pool, root, "late", &level, NULL), 0);
    assert_string_equal(level, got[3]);
    /* releasing twice, or what was never reserved, is harmless */
    assert_int_equal(rw_mcs_release(&pool, root, "s3", NULL), 0);
    assert_int_equal(rw_mcs_release(&pool, root, "nobody", NULL), 0);
    assert_int_equal(rw_mcs_allocate(&pool, root, "../x", &none, NULL), -EINVAL);
    free(level);
    for (int i = 0; i < 6; i++)
        free(got[i]);
}

/* A create that reserved a pair and died before the runtime made its state directory. */
static pid_t crash_after_allocation(const rw_mcs_pool_t *pool, const char *root, const char *id,
                                    int *hold_fd)
{
    int to_child[2], from_child[2];
    assert_int_equal(pipe(to_child), 0);
    assert_int_equal(pipe(from_child), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(to_child[1]);
        close(from_child[0]);
        char *level = NULL;
        char c = rw_mcs_allocate(pool, root, id, &level, NULL) == 0 ? 'y' : 'n';
        if (write(from_child[1], &c, 1) != 1)
            _exit(1);
        /* "starting": wait until the parent lets us crash */
        ssize_t n = read(to_child[0], &c, 1);
        (void)n;
        raise(SIGKILL);
        _exit(1);
    }
    close(to_child[0]);
    close(from_child[1]);
    char c = 0;
    assert_int_equal(read(from_child[0], &c, 1), 1);
    assert_int_equal(c, 'y');
    close(from_child[0]);
    *hold_fd = to_child[1];
    return pid;
}

static void reap_killed(pid_t pid, int hold_fd)
{
    close(hold_fd);
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st));
}

static void test_crash_reclaimed(void **state)
{
    (void)state;
    char mcs[128], root[128];
    path(mcs, sizeof(mcs), "mcs");
    path(root, sizeof(root), "runc");
    assert_int_equal(mkdir(root, 0700), 0);
    rw_mcs_pool_t pool = {mcs, 0, 3};
    int hold = -1;
    pid_t pid = crash_after_allocation(&pool, root, "crashed", &hold);
    char *level = NULL;
    assert_int_equal(rw_mcs_lookup(&pool, root, "crashed", &level), 0);
    assert_non_null(level);
    /* still between allocation and start: the process lives, the pair is held */
    assert_int_equal(rw_mcs_sweep(&pool, NULL), 0);
    reap_killed(pid, hold);
    /* gone, and the runtime never made state for it: reclaimed by a sweep */
    assert_int_equal(rw_mcs_sweep(&pool, NULL), 1);
    char *after = NULL;
    assert_int_equal(rw_mcs_lookup(&pool, root, "crashed", &after), 0);
    assert_null(after);
    free(level);

    /* without a sweep: a full pool reclaims the dead reservation and hands its pair out */
    pid = crash_after_allocation(&pool, root, "crashed2", &hold);
    assert_int_equal(rw_mcs_lookup(&pool, root, "crashed2", &level), 0);
    reap_killed(pid, hold);
    char *got[6];
    for (int i = 0; i < 6; i++) {
        char id[16];
        snprintf(id, sizeof(id), "live%d", i);
        make_state(root, id);
        rw_error_t *err = NULL;
        if (rw_mcs_allocate(&pool, root, id, &got[i], &err) < 0)
            fail_msg("allocation %d: %s", i, err ? err->msg : "?");
    }
    bool reused = false;
    for (int i = 0; i < 6; i++) {
        reused |= strcmp(got[i], level) == 0;
        free(got[i]);
    }
    assert_true(reused);
    free(level);

    /* a container whose runtime state exists is never reclaimed, even with its creator gone */
    pool.cat_max = 5;
    make_state(root, "running");
    pid = crash_after_allocation(&pool, root, "running", &hold);
    reap_killed(pid, hold);
    assert_int_equal(rw_mcs_sweep(&pool, NULL), 0);
    assert_int_equal(rw_mcs_lookup(&pool, root, "running", &level), 0);
    assert_non_null(level);
    free(level);
}

static void test_engine_labels(void **state)
{
    (void)state;
    char mcs[128], root[128];
    path(mcs, sizeof(mcs), "mcs");
    path(root, sizeof(root), "runc");
    assert_int_equal(mkdir(root, 0700), 0);
    make_state(root, "a");
    make_state(root, "b");
    rw_mcs_pool_t pool = {mcs, 0, 1023};
    char *holder = NULL;
    assert_int_equal(rw_mcs_reserve(&pool, root, "a", "s0:c5,c6", &holder, NULL), 0);
    /* the same pair from another engine's container: refused, naming the holder */
    assert_int_equal(rw_mcs_reserve(&pool, root, "b", "s0:c5,c6", &holder, NULL), -EEXIST);
    assert_non_null(holder);
    assert_non_null(strstr(holder, "a (runtime root "));
    free(holder);
    holder = NULL;
    /* idempotent for its owner; a new level moves the reservation */
    assert_int_equal(rw_mcs_reserve(&pool, root, "a", "s0:c5,c6", &holder, NULL), 0);
    assert_int_equal(rw_mcs_reserve(&pool, root, "a", "s0:c7,c9", &holder, NULL), 0);
    assert_int_equal(rw_mcs_reserve(&pool, root, "b", "s0:c5,c6", &holder, NULL), 0);
    char *l = NULL;
    assert_int_equal(rw_mcs_lookup(&pool, root, "a", &l), 0);
    assert_string_equal(l, "s0:c7,c9");
    free(l);
    assert_int_equal(rw_mcs_reserve(&pool, root, "a", "s0:c9,c7", &holder, NULL), -EINVAL);
    /* a reservation file we cannot read is never taken over */
    char bad[256];
    snprintf(bad, sizeof(bad), "%s/pairs/c11.c12", mcs);
    FILE *f = fopen(bad, "we");
    fputs("garbage\n", f);
    fclose(f);
    assert_int_equal(rw_mcs_sweep(&pool, NULL), 0);
    assert_int_equal(rw_mcs_reserve(&pool, root, "b", "s0:c11,c12", &holder, NULL), -EEXIST);
    /* another user's hand in the directory: refused */
    chmod(mcs, 0777);
    rw_error_t *err = NULL;
    assert_int_equal(rw_mcs_allocate(&pool, root, "b", &l, &err), -EPERM);
    rw_error_free(err);
    chmod(mcs, 0700);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_parallel_unique, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_release_and_reuse, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_crash_reclaimed, setup_each, teardown_each),
        cmocka_unit_test_setup_teardown(test_engine_labels, setup_each, teardown_each),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
