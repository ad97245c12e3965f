/* The runtime argv grammar, replayed over vectors taken from what conmon/podman, containerd
 * (go-runc), docker, CRI-O, runtime-tools and crun's own tests actually send. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "launcher/cli.h"

#define MAXARGS 32

typedef struct vector {
    const char *name;
    rw_flavor_t flavor;
    const char *argv[MAXARGS];
    int ok;               /* 1: parses, 0: refused as ambiguous */
    rw_cmd_t cmd;
    const char *bundle;   /* expected bundle (NULL: cwd) */
    const char *config;   /* crun -f */
    const char *id;
    const char *process;  /* exec --process */
    const char *root, *log, *log_format;
    int exec_args;        /* expected index of inline exec args, -1 none */
    int version;
} vector_t;

#define R RW_FLAVOR_RUNC
#define C RW_FLAVOR_CRUN

static const vector_t vectors[] = {
    /* conmon (podman, CRI-O) */
    {"conmon create", R, {"runc", "--systemd-cgroup", "create", "--bundle", "/b", "--pid-file", "/p", "--no-pivot", "ctr1"}, 1, RW_CMD_CREATE, "/b", NULL, "ctr1", NULL, NULL, NULL, NULL, -1, 0},
    {"conmon create console", C, {"crun", "create", "--bundle", "/b", "--pid-file", "/p", "--console-socket", "/s", "ctr1"}, 1, RW_CMD_CREATE, "/b", NULL, "ctr1", NULL, NULL, NULL, NULL, -1, 0},
    {"podman json log", C, {"crun", "--log-format=json", "--log", "/r/oci-log", "create", "--bundle", "/b", "--pid-file", "/p", "id2"}, 1, RW_CMD_CREATE, "/b", NULL, "id2", NULL, NULL, "/r/oci-log", "json", -1, 0},
    {"conmon exec", C, {"crun", "exec", "--pid-file", "/p", "--process", "/x/proc.json", "--detach", "id3"}, 1, RW_CMD_EXEC, NULL, NULL, "id3", "/x/proc.json", NULL, NULL, NULL, -1, 0},
    {"conmon 2.1.6 exec tty", C, {"crun", "exec", "--pid-file", "/p", "--process", "/x/p.json", "--detach", "--tty", "id4"}, 1, RW_CMD_EXEC, NULL, NULL, "id4", "/x/p.json", NULL, NULL, NULL, -1, 0},
    {"conmon exec runc tty", R, {"runc", "exec", "--pid-file", "/p", "--process", "/x/p.json", "--detach", "--tty", "id4"}, 1, RW_CMD_EXEC, NULL, NULL, "id4", "/x/p.json", NULL, NULL, NULL, -1, 0},
    {"conmon restore", R, {"runc", "restore", "--bundle", "/b", "--pid-file", "/p", "--detach", "--image-path", "/i", "--work-path", "/b", "id5"}, 1, RW_CMD_RESTORE, "/b", NULL, "id5", NULL, NULL, NULL, NULL, -1, 0},
    {"conmon preserve-fds", C, {"crun", "create", "--bundle", "/b", "--pid-file", "/p", "--preserve-fds", "2", "id6"}, 1, RW_CMD_CREATE, "/b", NULL, "id6", NULL, NULL, NULL, NULL, -1, 0},
    {"conmon no-new-keyring", R, {"runc", "create", "--bundle", "/b", "--pid-file", "/p", "--no-new-keyring", "id7"}, 1, RW_CMD_CREATE, "/b", NULL, "id7", NULL, NULL, NULL, NULL, -1, 0},
    {"CRI-O root create", R, {"runc", "--root=/run/runc", "create", "--bundle", "/b", "--pid-file", "/p", "id8"}, 1, RW_CMD_CREATE, "/b", NULL, "id8", NULL, "/run/runc", NULL, NULL, -1, 0},
    {"CRI-O exec", R, {"runc", "--root", "/run/runc", "exec", "--process", "/tmp/p", "id9"}, 1, RW_CMD_EXEC, NULL, NULL, "id9", "/tmp/p", "/run/runc", NULL, NULL, -1, 0},
    {"CRI-O kill name", R, {"runc", "--root", "/run/runc", "kill", "id9", "KILL"}, 1, RW_CMD_KILL, NULL, NULL, "id9", NULL, "/run/runc", NULL, NULL, -1, 0},
    /* podman direct calls */
    {"podman start", C, {"crun", "start", "id"}, 1, RW_CMD_START, NULL, NULL, "id", NULL, NULL, NULL, NULL, -1, 0},
    {"podman kill all", C, {"crun", "kill", "--all", "id", "15"}, 1, RW_CMD_KILL, NULL, NULL, "id", NULL, NULL, NULL, NULL, -1, 0},
    {"podman delete force", C, {"crun", "delete", "--force", "id"}, 1, RW_CMD_DELETE, NULL, NULL, "id", NULL, NULL, NULL, NULL, -1, 0},
    {"podman pause", R, {"runc", "pause", "id"}, 1, RW_CMD_PAUSE, NULL, NULL, "id", NULL, NULL, NULL, NULL, -1, 0},
    {"podman resume", R, {"runc", "resume", "id"}, 1, RW_CMD_RESUME, NULL, NULL, "id", NULL, NULL, NULL, NULL, -1, 0},
    {"podman update file", C, {"crun", "update", "--resources=/tmp/r.json", "id"}, 1, RW_CMD_UPDATE, NULL, NULL, "id", NULL, NULL, NULL, NULL, -1, 0},
    {"podman version", C, {"crun", "--version"}, 1, RW_CMD_NONE, NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, 1},
    {"podman state", R, {"runc", "state", "id"}, 1, RW_CMD_STATE, NULL, NULL, "id", NULL, NULL, NULL, NULL, -1, 0},
    /* containerd shim (go-runc) */
    {"go-runc create", R, {"runc", "--root", "/run/containerd/runc/default", "--log", "/b/log.json", "--log-format", "json", "create", "--bundle", "/b", "--pid-file", "/b/init.pid", "c1"}, 1, RW_CMD_CREATE, "/b", NULL, "c1", NULL, "/run/containerd/runc/default", "/b/log.json", "json", -1, 0},
    {"go-runc create console", R, {"runc", "--root", "/r", "--log", "/b/log.json", "--log-format", "json", "create", "--bundle", "/b", "--pid-file", "/b/init.pid", "--console-socket", "/tmp/pty.sock", "c1"}, 1, RW_CMD_CREATE, "/b", NULL, "c1", NULL, "/r", "/b/log.json", "json", -1, 0},
    {"go-runc exec", R, {"runc", "--root", "/r", "--log", "/b/log.json", "--log-format", "json", "exec", "--process", "/run/user/runc-process123", "--detach", "--pid-file", "/b/e.pid", "c1"}, 1, RW_CMD_EXEC, NULL, NULL, "c1", "/run/user/runc-process123", "/r", "/b/log.json", "json", -1, 0},
    {"go-runc restore single dash", R, {"runc", "--root", "/r", "restore", "--image-path", "/i", "-no-subreaper", "--bundle", "/b", "--detach", "c2"}, 1, RW_CMD_RESTORE, "/b", NULL, "c2", NULL, "/r", NULL, NULL, -1, 0},
    {"go-runc update stdin", R, {"runc", "--root", "/r", "update", "--resources=-", "c1"}, 1, RW_CMD_UPDATE, NULL, NULL, "c1", NULL, "/r", NULL, NULL, -1, 0},
    {"go-runc ps json", R, {"runc", "--root", "/r", "ps", "--format", "json", "c1"}, 1, RW_CMD_PS, NULL, NULL, "c1", NULL, "/r", NULL, NULL, -1, 0},
    {"go-runc events", R, {"runc", "--root", "/r", "events", "--interval=5s", "c1"}, 1, RW_CMD_EVENTS, NULL, NULL, "c1", NULL, "/r", NULL, NULL, -1, 0},
    {"go-runc list", R, {"runc", "--root", "/r", "list", "--format=json"}, 1, RW_CMD_LIST, NULL, NULL, NULL, NULL, "/r", NULL, NULL, -1, 0},
    {"go-runc features", R, {"runc", "features"}, 1, RW_CMD_FEATURES, NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, 0},
    {"go-runc rootless=false", R, {"runc", "--root", "/r", "--rootless=false", "create", "--bundle", "/b", "c3"}, 1, RW_CMD_CREATE, "/b", NULL, "c3", NULL, "/r", NULL, NULL, -1, 0},
    /* runc's own spellings */
    {"runc single-dash bundle", R, {"runc", "create", "-bundle", "/b", "c4"}, 1, RW_CMD_CREATE, "/b", NULL, "c4", NULL, NULL, NULL, NULL, -1, 0},
    {"runc -b=", R, {"runc", "create", "-b=/b", "c4"}, 1, RW_CMD_CREATE, "/b", NULL, "c4", NULL, NULL, NULL, NULL, -1, 0},
    {"runc --bundle=", R, {"runc", "run", "--bundle=/b", "-d", "c5"}, 1, RW_CMD_RUN, "/b", NULL, "c5", NULL, NULL, NULL, NULL, -1, 0},
    {"runc flag after id (urfave reorders)", R, {"runc", "create", "c6", "--bundle", "/late"}, 1, RW_CMD_CREATE, "/late", NULL, "c6", NULL, NULL, NULL, NULL, -1, 0},
    {"runc last bundle wins", R, {"runc", "create", "--bundle", "/a", "--bundle", "/z", "c7"}, 1, RW_CMD_CREATE, "/z", NULL, "c7", NULL, NULL, NULL, NULL, -1, 0},
    {"runc -debug global", R, {"runc", "-debug", "-root", "/r", "run", "c8"}, 1, RW_CMD_RUN, NULL, NULL, "c8", NULL, "/r", NULL, NULL, -1, 0},
    {"runc exec inline", R, {"runc", "exec", "-t", "c9", "sh", "-c", "id"}, 1, RW_CMD_EXEC, NULL, NULL, "c9", NULL, NULL, NULL, NULL, 4, 0},
    {"runc exec inline flags after id belong to the command", R, {"runc", "exec", "c9", "ls", "--bundle", "/x"}, 1, RW_CMD_EXEC, NULL, NULL, "c9", NULL, NULL, NULL, NULL, 3, 0},
    {"runc exec caps", R, {"runc", "exec", "--cap", "CAP_SYS_ADMIN", "-c", "CAP_NET_RAW", "--user", "0:0", "c9", "sh"}, 1, RW_CMD_EXEC, NULL, NULL, "c9", NULL, NULL, NULL, NULL, 9, 0},
    {"runc -v", R, {"runc", "-v"}, 1, RW_CMD_NONE, NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, 1},
    {"runc version subcommand-less", R, {"runc", "--version"}, 1, RW_CMD_NONE, NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, 1},
    {"runc unknown global passes", R, {"runc", "--invalidflag", "create", "--bundle", "/b", "c10"}, 1, RW_CMD_CREATE, "/b", NULL, "c10", NULL, NULL, NULL, NULL, -1, 0},
    {"runc unknown create flag refused", R, {"runc", "create", "--bogus", "--bundle", "/b", "c11"}, 0, RW_CMD_CREATE, NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, 0},
    {"runc -- ends flags", R, {"runc", "create", "--bundle", "/b", "--", "c12"}, 1, RW_CMD_CREATE, "/b", NULL, "c12", NULL, NULL, NULL, NULL, -1, 0},
    {"runtime-tools create", R, {"runc", "create", "--pid-file", "/p", "--bundle", "/b", "rt1"}, 1, RW_CMD_CREATE, "/b", NULL, "rt1", NULL, NULL, NULL, NULL, -1, 0},
    {"runtime-tools kill default signal", R, {"runc", "kill", "rt1"}, 1, RW_CMD_KILL, NULL, NULL, "rt1", NULL, NULL, NULL, NULL, -1, 0},
    /* crun's own spellings (argp) */
    {"crun tests --config", C, {"crun", "--cgroup-manager", "cgroupfs", "--root", "/t/root", "run", "--config", "config.json", "t1"}, 1, RW_CMD_RUN, NULL, "config.json", "t1", NULL, "/t/root", NULL, NULL, -1, 0},
    {"crun -f short", C, {"crun", "run", "-f", "/x/c.json", "t2"}, 1, RW_CMD_RUN, NULL, "/x/c.json", "t2", NULL, NULL, NULL, NULL, -1, 0},
    {"crun -bDIR attached", C, {"crun", "create", "-b/b", "t3"}, 1, RW_CMD_CREATE, "/b", NULL, "t3", NULL, NULL, NULL, NULL, -1, 0},
    {"crun cluster -db", C, {"crun", "run", "-db", "/b", "t4"}, 1, RW_CMD_RUN, "/b", NULL, "t4", NULL, NULL, NULL, NULL, -1, 0},
    {"crun -b=x is '=x'", C, {"crun", "create", "-b=x", "t5"}, 1, RW_CMD_CREATE, "=x", NULL, "t5", NULL, NULL, NULL, NULL, -1, 0},
    {"crun long prefix --bund", C, {"crun", "create", "--bund", "/b", "t6"}, 1, RW_CMD_CREATE, "/b", NULL, "t6", NULL, NULL, NULL, NULL, -1, 0},
    {"crun ambiguous global --roo (root, rootless)", C, {"crun", "--roo", "/r", "state", "t6"}, 0, RW_CMD_NONE, NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, 0},
    {"crun global prefix --log-f", C, {"crun", "--log-f", "json", "--lo", "/l", "state", "t6"}, 0, RW_CMD_NONE, NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, 0},
    {"crun global prefix --log-fo", C, {"crun", "--log-fo", "json", "--root", "/r", "state", "t6"}, 1, RW_CMD_STATE, NULL, NULL, "t6", NULL, "/r", NULL, "json", -1, 0},
    {"crun ambiguous prefix refused", C, {"crun", "create", "--p", "x", "t7"}, 0, RW_CMD_CREATE, NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, 0},
    {"crun exec --tty optional arg", C, {"crun", "exec", "--tty", "t8", "sh"}, 1, RW_CMD_EXEC, NULL, NULL, "t8", NULL, NULL, NULL, NULL, 4, 0},
    {"crun exec --tty=false", C, {"crun", "exec", "--tty=false", "t8", "sh"}, 1, RW_CMD_EXEC, NULL, NULL, "t8", NULL, NULL, NULL, NULL, 4, 0},
    {"crun exec -p cluster", C, {"crun", "exec", "-dp", "/p.json", "t9"}, 1, RW_CMD_EXEC, NULL, NULL, "t9", "/p.json", NULL, NULL, NULL, -1, 0},
    {"crun unknown short in cluster refused", C, {"crun", "create", "-zb", "/b", "t10"}, 0, RW_CMD_CREATE, NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, 0},
    {"crun -V", C, {"crun", "-V"}, 1, RW_CMD_NONE, NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, 1},
    {"crun delete regex", C, {"crun", "delete", "-r", "-f", "t.*"}, 1, RW_CMD_DELETE, NULL, NULL, "t.*", NULL, NULL, NULL, NULL, -1, 0},
    {"crun log file: prefix", C, {"crun", "--log", "file:/l", "--log-format", "json", "run", "t11"}, 1, RW_CMD_RUN, NULL, NULL, "t11", NULL, NULL, "file:/l", "json", -1, 0},
    /* docker wrapper script + plain runwarden */
    {"docker features", R, {"runc", "features"}, 1, RW_CMD_FEATURES, NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, 0},
    {"runwarden run default", C, {"runwarden", "run", "-b", "/b", "x1"}, 1, RW_CMD_RUN, "/b", NULL, "x1", NULL, NULL, NULL, NULL, -1, 0},
    /* hostile or odd */
    {"unknown word hides create", R, {"runc", "--newflag", "value", "create", "--bundle", "/b", "x"}, 0, RW_CMD_OTHER, NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, 0},
    {"missing value", R, {"runc", "create", "--bundle"}, 0, RW_CMD_CREATE, NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, 0},
    {"empty bundle is cwd", R, {"runc", "create", "--bundle=", "x"}, 1, RW_CMD_CREATE, NULL, NULL, "x", NULL, NULL, NULL, NULL, -1, 0},
    {"no command", R, {"runc"}, 1, RW_CMD_NONE, NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, 0},
    {"spec passes", R, {"runc", "spec", "--rootless"}, 1, RW_CMD_SPEC, NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, 0},
};

static int argc_of(const vector_t *v)
{
    int n = 0;
    while (n < MAXARGS && v->argv[n])
        n++;
    return n;
}

static void check_str(const char *vec, const char *what, const char *want, const char *got)
{
    if ((want == NULL) != (got == NULL) || (want && strcmp(want, got) != 0))
        fail_msg("%s: %s: want '%s', got '%s'", vec, what, want ? want : "(null)",
                 got ? got : "(null)");
}

static void test_vectors(void **state)
{
    (void)state;
    assert_true(sizeof(vectors) / sizeof(vectors[0]) >= 40);
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        const vector_t *v = &vectors[i];
        rw_invocation_t inv;
        int argc = argc_of(v);
        int r = rw_cli_parse(argc, (char **)v->argv, v->flavor, &inv);
        if (!v->ok) {
            if (r >= 0)
                fail_msg("%s: expected a refusal, parsed as %s", v->name, rw_cli_cmd_name(inv.cmd));
            assert_true(inv.error[0] != '\0');
            continue;
        }
        if (r < 0)
            fail_msg("%s: unexpected error: %s", v->name, inv.error);
        if (inv.cmd != v->cmd)
            fail_msg("%s: cmd want %s got %s", v->name, rw_cli_cmd_name(v->cmd),
                     rw_cli_cmd_name(inv.cmd));
        check_str(v->name, "bundle", v->bundle, inv.bundle);
        check_str(v->name, "config", v->config, inv.config_file);
        check_str(v->name, "id", v->id, inv.id);
        check_str(v->name, "process", v->process, inv.process_file);
        check_str(v->name, "root", v->root, inv.root);
        check_str(v->name, "log", v->log, inv.log_file);
        check_str(v->name, "log-format", v->log_format, inv.log_format);
        if (inv.exec_args_index != v->exec_args)
            fail_msg("%s: exec args index want %d got %d", v->name, v->exec_args,
                     inv.exec_args_index);
        if (inv.version != (v->version != 0))
            fail_msg("%s: version flag", v->name);
        /* argv is forwarded untouched: parsing must not reorder or edit it. */
        for (int k = 0; k < argc; k++)
            assert_ptr_equal(inv.argv[k], v->argv[k]);
    }
}

static void test_exec_overrides(void **state)
{
    (void)state;
    const char *argv[] = {"runc", "exec", "--cap", "CAP_SYS_ADMIN", "--apparmor", "unconfined",
                          "--process-label", "system_u:system_r:spc_t:s0", "-u", "0", "c", "sh",
                          NULL};
    rw_invocation_t inv;
    assert_int_equal(rw_cli_parse(12, (char **)argv, RW_FLAVOR_RUNC, &inv), 0);
    assert_int_equal(inv.n_exec_caps, 1);
    assert_string_equal(inv.exec_caps[0], "CAP_SYS_ADMIN");
    assert_string_equal(inv.exec_apparmor, "unconfined");
    assert_string_equal(inv.exec_label, "system_u:system_r:spc_t:s0");
    assert_string_equal(inv.exec_user, "0");
    assert_string_equal(inv.id, "c");
}

static void test_flavor(void **state)
{
    (void)state;
    assert_int_equal(rw_cli_flavor_for("/usr/bin/crun"), RW_FLAVOR_CRUN);
    assert_int_equal(rw_cli_flavor_for("/usr/bin/runc"), RW_FLAVOR_RUNC);
    assert_int_equal(rw_cli_flavor_for("/opt/krun"), RW_FLAVOR_CRUN);
    assert_true(rw_cli_cmd_builds_container(RW_CMD_RESTORE));
    assert_false(rw_cli_cmd_builds_container(RW_CMD_EXEC));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_exec_overrides),
        cmocka_unit_test(test_flavor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
