/* Landlock: the plan (launcher arguments, what each ABI cannot enforce), the args edit, and
 * the static launcher itself, enforcing "read-only etc, no access to srv/secret" on a
 * scratch tree while everything else keeps working. */
#include <elf.h>
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
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/json.h"
#include "conf/config_lsm.h"
#include "profiles/landlock.h"

static char tmp[64], launcher[1100], probe[1100];

static int setup(void **state)
{
    (void)state;
    const char *b = getenv("RW_BUILD_DIR");
    snprintf(launcher, sizeof(launcher), "%s/runwarden-landlock", b ? b : ".");
    snprintf(probe, sizeof(probe), "%s/tests/probes/probe_fs", b ? b : ".");
    snprintf(tmp, sizeof(tmp), "/tmp/rw-test-ll.XXXXXX");
    if (!mkdtemp(tmp))
        return -1;
    char cmd[512];
    snprintf(cmd, sizeof(cmd),
             "cd '%s' && mkdir -p etc/app srv/secret srv/pub data && echo conf > etc/conf && "
             "echo key > srv/secret/key && cp /bin/busybox srv/secret/bb && echo pub > "
             "srv/pub/file && chmod -R a+rX .",
             tmp);
    return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    return system(cmd) == 0 ? 0 : -1;
}

static rw_lsm_config_t *config(const char *tenants)
{
    char text[2048];
    snprintf(text, sizeof(text), "{\"landlock\":{\"launcher\":\"/x/ll\"},\"tenants\":%s}", tenants);
    rw_error_t *err = NULL;
    json_t *j = rw_json_parse(text, strlen(text), "t", &err);
    assert_non_null(j);
    rw_lsm_config_t *c = NULL;
    assert_int_equal(rw_lsm_config_parse(j, "t", &c, &err), 0);
    json_decref(j);
    return c;
}

static bool notes_have(const json_t *report, const char *needle)
{
    json_t *n = json_object_get(report, "notEnforced");
    for (size_t i = 0; i < json_array_size(n); i++)
        if (strstr(json_string_value(json_array_get(n, i)), needle))
            return true;
    return false;
}

static void test_plan(void **state)
{
    (void)state;
    rw_lsm_config_t *c =
        config("{\"default\":{\"files\":{\"readOnly\":[\"/etc\"],\"deny\":[\"/srv/secret\"],"
               "\"readWrite\":[\"/etc/app\"]},\"network\":[\"inet\"]},\"plain\":{}}");
    rw_landlock_plan_t p;
    assert_int_equal(rw_landlock_plan(c, rw_lsm_config_tenant(c, NULL), 3, &p), 0);
    assert_true(p.needed);
    const char *want[] = {"/dev/.runwarden-landlock",
                          "--abi",
                          "3",
                          "--deny",
                          "/srv/secret",
                          "--ro",
                          "/etc",
                          "--rw",
                          "/etc/app",
                          "--",
                          NULL};
    for (size_t i = 0; want[i]; i++) {
        assert_non_null(p.argv[i]);
        assert_string_equal(p.argv[i], want[i]);
    }
    assert_null(p.argv[10]);
    assert_int_equal(json_integer_value(json_object_get(p.report, "abi")), 3);
    assert_int_equal(json_array_size(json_object_get(p.report, "handled")), 15);
    assert_int_equal(json_array_size(json_object_get(p.report, "rules")), 3);
    /* ABI 3 handles truncate but not device ioctls: said, not dropped */
    assert_false(notes_have(p.report, "truncate()"));
    assert_true(notes_have(p.report, "ABI < 5: ioctl()"));
    assert_true(notes_have(p.report, "chmod, chown"));
    assert_true(notes_have(p.report, "network families"));
    assert_true(notes_have(p.report, "/srv (none)"));
    assert_true(notes_have(p.report, "/ (none)"));
    rw_landlock_plan_clear(&p);

    assert_int_equal(rw_landlock_plan(c, rw_lsm_config_tenant(c, NULL), 1, &p), 0);
    assert_int_equal(json_array_size(json_object_get(p.report, "handled")), 13);
    assert_true(notes_have(p.report, "ABI < 2"));
    assert_true(notes_have(p.report, "ABI < 3: truncate()"));
    rw_landlock_plan_clear(&p);

    assert_int_equal(rw_landlock_plan(c, rw_lsm_config_tenant(c, NULL), 7, &p), 0);
    assert_int_equal(json_array_size(json_object_get(p.report, "handled")), 16);
    assert_false(notes_have(p.report, "ABI <"));
    rw_landlock_plan_clear(&p);

    /* no Landlock in the kernel: nothing to run, everything reported */
    assert_int_equal(rw_landlock_plan(c, rw_lsm_config_tenant(c, NULL), -ENOSYS, &p), 0);
    assert_int_equal(p.abi, 0);
    assert_int_equal(p.abi_errno, ENOSYS);
    assert_null(p.argv);
    assert_true(notes_have(p.report, "every file rule"));
    rw_landlock_plan_clear(&p);

    assert_int_equal(rw_landlock_plan(c, rw_lsm_config_tenant(c, "plain"), 7, &p), 0);
    assert_false(p.needed);
    assert_null(p.argv);
    rw_landlock_plan_clear(&p);

    /* read-only rules only: "/" keeps read access (ls / works) */
    rw_lsm_config_t *ro = config("{\"default\":{\"files\":{\"readOnly\":[\"/etc\"]}}}");
    assert_int_equal(rw_landlock_plan(ro, rw_lsm_config_tenant(ro, NULL), 7, &p), 0);
    assert_true(notes_have(p.report, "/ (read-only)"));
    rw_landlock_plan_clear(&p);
    rw_lsm_config_free(ro);
    rw_lsm_config_free(c);
}

static void test_wrap_args(void **state)
{
    (void)state;
    char *prefix[] = {"/dev/.rl", "--abi", "7", "--ro", "/etc", "--", NULL};
    json_t *args = json_pack("[ss]", "sh", "-c");
    json_t *w = rw_landlock_wrap_args(args, prefix, "/dev/.rl");
    char *s = rw_json_dump_compact(w);
    assert_string_equal(s, "[\"/dev/.rl\",\"--abi\",\"7\",\"--ro\",\"/etc\",\"--\",\"sh\",\"-c\"]");
    free(s);
    /* wrapping twice (a restore, an edited spec) replaces the old prefix */
    char *prefix2[] = {"/dev/.rl", "--abi", "7", "--deny", "/x", "--", NULL};
    json_t *w2 = rw_landlock_wrap_args(w, prefix2, "/dev/.rl");
    s = rw_json_dump_compact(w2);
    assert_string_equal(s, "[\"/dev/.rl\",\"--abi\",\"7\",\"--deny\",\"/x\",\"--\",\"sh\",\"-c\"]");
    free(s);
    json_decref(w);
    json_decref(w2);
    json_decref(args);
    json_t *bad = json_pack("[si]", "sh", 1), *empty = json_array(),
           *broken = json_pack("[ss]", "/dev/.rl", "--abi");
    assert_null(rw_landlock_wrap_args(bad, prefix, "/dev/.rl"));
    assert_null(rw_landlock_wrap_args(empty, prefix, "/dev/.rl"));
    assert_null(rw_landlock_wrap_args(broken, prefix, "/dev/.rl"));
    json_decref(bad);
    json_decref(empty);
    json_decref(broken);
    rw_lsm_config_t *c = config("{}");
    json_t *m = rw_landlock_mount(c);
    s = rw_json_dump_compact(m);
    assert_string_equal(s, "{\"destination\":\"/dev/.runwarden-landlock\",\"type\":\"bind\","
                           "\"source\":\"/x/ll\",\"options\":[\"bind\",\"ro\",\"nosuid\","
                           "\"nodev\"]}");
    free(s);
    json_decref(m);
    rw_lsm_config_free(c);
}

/* Runs argv with envp (NULL: this environment), returns the exit status; stdout+stderr
 * in *out. */
static int run_env(char *const argv[], char *const envp[], char **out)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(p[1], 1);
        dup2(p[1], 2);
        close(p[0]);
        if (envp)
            execve(argv[0], argv, envp);
        else
            execv(argv[0], argv);
        _exit(99);
    }
    close(p[1]);
    size_t cap = 1 << 16, len = 0;
    char *buf = calloc(1, cap);
    ssize_t n;
    while ((n = read(p[0], buf + len, cap - 1 - len)) > 0)
        len += (size_t)n;
    close(p[0]);
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    *out = buf;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int run(char *const argv[], char **out)
{
    return run_env(argv, NULL, out);
}

static void expect_line(const char *out, const char *line)
{
    if (!strstr(out, line))
        fail_msg("missing '%s' in:\n%s", line, out);
}

#define P(fmt) (snprintf(bufs[nb], sizeof(bufs[nb]), fmt, tmp), bufs[nb++])

static void test_launcher_enforces(void **state)
{
    (void)state;
    if (rw_landlock_host_abi() <= 0 || access(launcher, X_OK) < 0 || access(probe, X_OK) < 0)
        skip();
    char bufs[24][256];
    size_t nb = 0;
    char abi[8], ren[300];
    snprintf(abi, sizeof(abi), "%d", rw_landlock_host_abi());
    snprintf(ren, sizeof(ren), "rename:%s/data/f:%s/data/g", tmp, tmp);
    char *argv[] = {launcher,
                    "--abi",
                    abi,
                    "--ro",
                    P("%s/etc"),
                    "--deny",
                    P("%s/srv/secret"),
                    "--rw",
                    P("%s/etc/app"),
                    "--deny",
                    P("%s/nothere"),
                    "--",
                    probe,
                    P("write:%s/etc/x"),
                    P("read:%s/srv/secret/key"),
                    P("ls:%s/srv/secret"),
                    P("exec:%s/srv/secret/bb"),
                    P("truncate:%s/etc/conf"),
                    P("mkdir:%s/nothere"),
                    P("cat:%s/etc/conf"),
                    P("write:%s/etc/app/f"),
                    P("write:%s/data/f"),
                    P("read:%s/srv/pub/file"),
                    P("mkdir:%s/data/d"),
                    ren,
                    NULL};
    char *out = NULL;
    int rc = run(argv, &out);
    assert_int_equal(rc, 1); /* probe_fs: some actions failed, as they must */
    char line[400];
#define EXPECT(action, sub, result)                                                                \
    do {                                                                                           \
        snprintf(line, sizeof(line), "%s %s/%s: %s", action, tmp, sub, result);                    \
        expect_line(out, line);                                                                    \
    } while (0)
    EXPECT("write", "etc/x", "errno=13 EACCES");
    EXPECT("read", "srv/secret/key", "errno=13 EACCES");
    EXPECT("ls", "srv/secret", "errno=13 EACCES");
    EXPECT("truncate", "etc/conf", "errno=13 EACCES");
    EXPECT("mkdir", "nothere", "errno=13 EACCES");
    EXPECT("cat", "etc/conf", "ok");
    EXPECT("write", "etc/app/f", "ok");
    EXPECT("write", "data/f", "ok");
    EXPECT("read", "srv/pub/file", "ok");
    EXPECT("mkdir", "data/d", "ok");
    snprintf(line, sizeof(line), "%s: ok", ren + 7);
    expect_line(out, line);
    /* probe_fs reports the exec'ing child's status: 126 is execv failing with EACCES */
    EXPECT("exec", "srv/secret/bb", "exit=126: ok");
    free(out);
}

static void test_launcher_fails_closed(void **state)
{
    (void)state;
    if (access(launcher, X_OK) < 0)
        skip();
    char *out = NULL;
    char *future[] = {launcher, "--abi", "99", "--ro", "/etc", "--", "/bin/true", NULL};
    assert_int_equal(run(future, &out), 126);
    assert_non_null(strstr(out, "refused: the kernel's Landlock ABI"));
    assert_null(strcasestr(out, "permission denied"));
    free(out);
    char *rel[] = {launcher, "--deny", "etc", "--", "/bin/true", NULL};
    assert_int_equal(run(rel, &out), 126);
    assert_non_null(strstr(out, "not absolute"));
    free(out);
    char *unknown[] = {launcher, "--hide", "/etc", "--", "/bin/true", NULL};
    assert_int_equal(run(unknown, &out), 126);
    free(out);
    char *noprog[] = {launcher, "--ro", "/etc", "--", NULL};
    assert_int_equal(run(noprog, &out), 126);
    free(out);
    if (rw_landlock_host_abi() <= 0)
        return;
    char *missing[] = {launcher, "--abi", "1", "--ro", "/etc", "--", "no-such-program-x", NULL};
    assert_int_equal(run(missing, &out), 127);
    assert_non_null(strstr(out, "executable file not found in $PATH"));
    free(out);
    /* the program gets its own argv and environment, untouched */
    char *echo[] = {launcher,       "--abi", "1",   "--ro", "/etc", "--",
                    "/bin/busybox", "echo",  "a b", "--ro", NULL};
    assert_int_equal(run(echo, &out), 0);
    assert_string_equal(out, "a b --ro\n");
    free(out);
}

/* Run as a user who may not search some directory on the way to a rule: the launcher
 * still starts the program (granting nothing it cannot see) instead of failing. */
static void test_launcher_unprivileged(void **state)
{
    (void)state;
    if (rw_landlock_host_abi() <= 0 || access(launcher, X_OK) < 0 || access(probe, X_OK) < 0 ||
        geteuid() != 0)
        skip();
    char cmd[512], priv[256], rule[300], pub[300];
    snprintf(cmd, sizeof(cmd),
             "mkdir -p '%s/priv/sub' '%s/pub' && chmod 0700 '%s/priv' && chmod 0777 '%s/pub'", tmp,
             tmp, tmp, tmp);
    assert_int_equal(system(cmd), 0);
    snprintf(priv, sizeof(priv), "%s/priv/sub", tmp);
    snprintf(rule, sizeof(rule), "read:%s/priv/sub/x", tmp);
    snprintf(pub, sizeof(pub), "write:%s/pub/f", tmp);
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(p[1], 1);
        dup2(p[1], 2);
        if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
            setresuid(65534, 65534, 65534) < 0)
            _exit(98);
        char *argv[] = {launcher, "--abi", "1",   "--deny", priv, "--ro",
                        "/etc",   "--",    probe, rule,     pub,  NULL};
        execv(launcher, argv);
        _exit(99);
    }
    close(p[1]);
    char buf[4096] = {0};
    size_t len = 0;
    ssize_t n;
    while ((n = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0)
        len += (size_t)n;
    close(p[0]);
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    /* probe ran (exit 1: the read under the denied path failed), the public write worked */
    if (WEXITSTATUS(st) != 1)
        fail_msg("exit %d: %s", WEXITSTATUS(st), buf);
    char want[400];
    snprintf(want, sizeof(want), "write %s/pub/f: ok", tmp);
    expect_line(buf, want);
}

/* Rule paths are resolved inside the container as realpath() would (links, "..", a missing
 * tail kept as written); two spellings of one place keep the most restrictive rule. */
static void test_launcher_paths(void **state)
{
    (void)state;
    if (rw_landlock_host_abi() <= 0 || access(launcher, X_OK) < 0 || access(probe, X_OK) < 0)
        skip();
    char bufs[16][300];
    size_t nb = 0;
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "cd '%s' && ln -sfn srv lnk && ln -sfn '%s/etc' abs", tmp, tmp);
    assert_int_equal(system(cmd), 0);
    char *argv[] = {launcher,
                    "--abi",
                    "1",
                    "--verbose",
                    "--deny",
                    P("%s/lnk/secret"),
                    "--rw",
                    P("%s/etc"),
                    "--ro",
                    P("%s/abs/../etc/"),
                    "--deny",
                    P("%s/data/./gone/../gone2"),
                    "--",
                    probe,
                    P("read:%s/srv/secret/key"),
                    P("write:%s/etc/y"),
                    P("read:%s/srv/pub/file"),
                    P("mkdir:%s/data/gone2"),
                    NULL};
    char *out = NULL;
    assert_int_equal(run(argv, &out), 1);
    char line[400];
    snprintf(line, sizeof(line), "read %s/srv/secret/key: errno=13 EACCES", tmp);
    expect_line(out, line);
    snprintf(line, sizeof(line), "write %s/etc/y: errno=13 EACCES", tmp);
    expect_line(out, line);
    snprintf(line, sizeof(line), "read %s/srv/pub/file: ok", tmp);
    expect_line(out, line);
    snprintf(line, sizeof(line), "mkdir %s/data/gone2: errno=13 EACCES", tmp);
    expect_line(out, line);
    snprintf(line, sizeof(line), "runwarden-landlock: rule deny %s/srv/secret\n", tmp);
    expect_line(out, line);
    snprintf(line, sizeof(line), "runwarden-landlock: rule read-only %s/etc\n", tmp);
    expect_line(out, line);
    snprintf(line, sizeof(line), "runwarden-landlock: rule deny %s/data/gone2\n", tmp);
    expect_line(out, line);
    free(out);
}

/* As execvp(): a bare name is looked up in the program's PATH; a script without "#!" runs
 * under /bin/sh; the environment reaches the program untouched. */
static void test_launcher_exec_lookup(void **state)
{
    (void)state;
    if (rw_landlock_host_abi() <= 0 || access(launcher, X_OK) < 0 ||
        access("/bin/busybox", X_OK) < 0 || access("/bin/sh", X_OK) < 0)
        skip();
    char *out = NULL;
    char *bare[] = {launcher,  "--abi", "1",  "--ro",        "/etc", "--",
                    "busybox", "sh",    "-c", "echo \"$V\"", NULL};
    char *env[] = {"PATH=/nonexistent:/bin", "V=kept as is", NULL};
    assert_int_equal(run_env(bare, env, &out), 0);
    assert_string_equal(out, "kept as is\n");
    free(out);
    char *nopath[] = {"V=x", NULL}; /* glibc's default: /bin:/usr/bin */
    assert_int_equal(run_env(bare, nopath, &out), 0);
    assert_string_equal(out, "x\n");
    free(out);

    char script[128];
    snprintf(script, sizeof(script), "%s/data/script", tmp);
    int fd = open(script, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    assert_true(fd >= 0);
    const char body[] = "echo \"script ran: $0 $1\"\n";
    assert_int_equal(write(fd, body, sizeof(body) - 1), (ssize_t)(sizeof(body) - 1));
    close(fd);
    char *sh[] = {launcher, "--abi", "1", "--ro", "/etc", "--", script, "arg1", NULL};
    assert_int_equal(run(sh, &out), 0);
    char want[300];
    snprintf(want, sizeof(want), "script ran: %s arg1\n", script);
    assert_string_equal(out, want);
    free(out);
}

/* The launcher's cost is mostly the pages it maps and touches: on x86-64 and arm64 it is
 * built without libc, static, with a few KiB of code and no initialized data to copy. A
 * build that links libc again (hundreds of KiB, 25-30 page faults before main) fails here. */
static void test_launcher_is_small(void **state)
{
    (void)state;
#if defined(__x86_64__) || defined(__aarch64__)
    if (access(launcher, R_OK) < 0)
        skip();
    int fd = open(launcher, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    Elf64_Ehdr eh;
    assert_int_equal(pread(fd, &eh, sizeof(eh), 0), (ssize_t)sizeof(eh));
    assert_int_equal(memcmp(eh.e_ident, ELFMAG, SELFMAG), 0);
    assert_int_equal(eh.e_type, ET_EXEC); /* static, not a PIE to relocate */
    uint64_t file_bytes = 0, data_bytes = 0;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        assert_int_equal(pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))),
                         (ssize_t)sizeof(ph));
        assert_int_not_equal(ph.p_type, PT_INTERP);
        assert_int_not_equal(ph.p_type, PT_DYNAMIC);
        if (ph.p_type != PT_LOAD)
            continue;
        file_bytes += ph.p_filesz;
        if (ph.p_flags & PF_W)
            data_bytes += ph.p_filesz;
    }
    close(fd);
    if (file_bytes > 32 * 1024 || data_bytes > 0)
        fail_msg("runwarden-landlock maps %llu bytes from its file, %llu of them writable "
                 "data: was it linked with libc?",
                 (unsigned long long)file_bytes, (unsigned long long)data_bytes);
#else
    skip();
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan),
        cmocka_unit_test(test_wrap_args),
        cmocka_unit_test(test_launcher_enforces),
        cmocka_unit_test(test_launcher_fails_closed),
        cmocka_unit_test(test_launcher_unprivileged),
        cmocka_unit_test(test_launcher_paths),
        cmocka_unit_test(test_launcher_exec_lookup),
        cmocka_unit_test(test_launcher_is_small),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
