/* Runtime argv grammar. The rule that keeps this safe: for the commands that build or
 * enter a container, whatever bundle, config or process file the real runtime would use,
 * runwarden must find the same one, or refuse. Elsewhere argv is only observed. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../common/cleanup.h"

typedef enum opt_arg { ARG_NONE = 0, ARG_REQUIRED, ARG_OPTIONAL } opt_arg_t;

typedef enum opt_id {
    O_IGNORED = 0,
    O_VERSION,
    O_HELP,
    O_ROOT,
    O_LOG,
    O_LOG_FORMAT,
    O_SYSTEMD_CGROUP,
    O_BUNDLE,
    O_CONFIG,
    O_DETACH,
    O_PROCESS,
    O_USER,
    O_CAP,
    O_APPARMOR,
    O_LABEL,
    O_CWD,
    O_TTY,
    O_NNP,
} opt_id_t;

typedef struct opt {
    const char *name; /* long name */
    char short_name;  /* 0 when none */
    opt_arg_t arg;
    opt_id_t id;
    unsigned flavors; /* bit per rw_flavor_t; 0 = both */
} opt_t;

#define F_RUNC (1u << RW_FLAVOR_RUNC)
#define F_CRUN (1u << RW_FLAVOR_CRUN)

static const opt_t global_opts[] = {
    {"debug", 0, ARG_NONE, O_IGNORED, 0},
    {"log", 0, ARG_REQUIRED, O_LOG, 0},
    {"log-format", 0, ARG_REQUIRED, O_LOG_FORMAT, 0},
    {"log-level", 0, ARG_REQUIRED, O_IGNORED, F_CRUN},
    {"root", 0, ARG_REQUIRED, O_ROOT, 0},
    {"criu", 0, ARG_REQUIRED, O_IGNORED, F_RUNC},
    {"systemd-cgroup", 0, ARG_NONE, O_SYSTEMD_CGROUP, 0},
    {"cgroup-manager", 0, ARG_REQUIRED, O_IGNORED, F_CRUN},
    {"rootless", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"version", 'v', ARG_NONE, O_VERSION, 0},
    {"version", 'V', ARG_NONE, O_VERSION, F_CRUN},
    {"help", 'h', ARG_NONE, O_HELP, F_RUNC},
    {"help", '?', ARG_NONE, O_HELP, F_CRUN},
    {"usage", 0, ARG_NONE, O_HELP, F_CRUN},
    {NULL, 0, 0, 0, 0},
};

#define CREATE_COMMON                                                                              \
    {"bundle", 'b', ARG_REQUIRED, O_BUNDLE, 0}, {"config", 'f', ARG_REQUIRED, O_CONFIG, F_CRUN},   \
        {"console-socket", 0, ARG_REQUIRED, O_IGNORED, 0},                                         \
        {"pid-file", 0, ARG_REQUIRED, O_IGNORED, 0},                                               \
        {"preserve-fds", 0, ARG_REQUIRED, O_IGNORED, 0},                                           \
        {"pidfd-socket", 0, ARG_REQUIRED, O_IGNORED, 0},                                           \
        {"no-pivot", 0, ARG_NONE, O_IGNORED, 0}, {"no-new-keyring", 0, ARG_NONE, O_IGNORED, 0},    \
        {"help", 'h', ARG_NONE, O_HELP, F_RUNC}, {"help", '?', ARG_NONE, O_HELP, F_CRUN},          \
        {"usage", 0, ARG_NONE, O_HELP, F_CRUN}

static const opt_t create_opts[] = {
    CREATE_COMMON,
    {NULL, 0, 0, 0, 0},
};

static const opt_t run_opts[] = {
    CREATE_COMMON,
    {"detach", 'd', ARG_NONE, O_DETACH, 0},
    {"keep", 0, ARG_NONE, O_IGNORED, 0},
    {"no-subreaper", 0, ARG_NONE, O_IGNORED, 0},
    {NULL, 0, 0, 0, 0},
};

static const opt_t restore_opts[] = {
    {"bundle", 'b', ARG_REQUIRED, O_BUNDLE, 0},
    {"image-path", 0, ARG_REQUIRED, O_IGNORED, F_RUNC},
    {"image-path", 'i', ARG_REQUIRED, O_IGNORED, F_CRUN},
    {"work-path", 0, ARG_REQUIRED, O_IGNORED, F_RUNC},
    {"work-path", 'w', ARG_REQUIRED, O_IGNORED, F_CRUN},
    {"parent-path", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"console-socket", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"pid-file", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"manage-cgroups-mode", 0, ARG_REQUIRED, O_IGNORED, F_RUNC},
    {"manage-cgroups-mode", 'm', ARG_REQUIRED, O_IGNORED, F_CRUN},
    {"empty-ns", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"lsm-profile", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"lsm-mount-context", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"tcp-established", 0, ARG_NONE, O_IGNORED, F_RUNC},
    {"tcp-established", 't', ARG_NONE, O_IGNORED, F_CRUN},
    {"ext-unix-sk", 0, ARG_NONE, O_IGNORED, F_RUNC},
    {"ext-unix-sk", 'e', ARG_NONE, O_IGNORED, F_CRUN},
    {"shell-job", 0, ARG_NONE, O_IGNORED, F_RUNC},
    {"shell-job", 'j', ARG_NONE, O_IGNORED, F_CRUN},
    {"file-locks", 0, ARG_NONE, O_IGNORED, F_RUNC},
    {"file-locks", 'l', ARG_NONE, O_IGNORED, F_CRUN},
    {"detach", 'd', ARG_NONE, O_DETACH, 0},
    {"no-subreaper", 0, ARG_NONE, O_IGNORED, 0},
    {"no-pivot", 0, ARG_NONE, O_IGNORED, 0},
    {"auto-dedup", 0, ARG_NONE, O_IGNORED, 0},
    {"lazy-pages", 0, ARG_NONE, O_IGNORED, 0},
    {"tcp-close", 0, ARG_NONE, O_IGNORED, 0},
    {"help", 'h', ARG_NONE, O_HELP, F_RUNC},
    {"help", '?', ARG_NONE, O_HELP, F_CRUN},
    {"usage", 0, ARG_NONE, O_HELP, F_CRUN},
    {NULL, 0, 0, 0, 0},
};

static const opt_t exec_opts[] = {
    {"console-socket", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"pidfd-socket", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"cwd", 0, ARG_REQUIRED, O_CWD, 0},
    {"env", 'e', ARG_REQUIRED, O_IGNORED, 0},
    {"tty", 't', ARG_NONE, O_TTY, F_RUNC},
    {"tty", 't', ARG_OPTIONAL, O_TTY, F_CRUN},
    {"user", 'u', ARG_REQUIRED, O_USER, 0},
    {"additional-gids", 'g', ARG_REQUIRED, O_IGNORED, 0},
    {"process", 'p', ARG_REQUIRED, O_PROCESS, 0},
    {"detach", 'd', ARG_NONE, O_DETACH, 0},
    {"pid-file", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"process-label", 0, ARG_REQUIRED, O_LABEL, 0},
    {"apparmor", 0, ARG_REQUIRED, O_APPARMOR, 0},
    {"no-new-privs", 0, ARG_NONE, O_NNP, 0},
    {"cap", 'c', ARG_REQUIRED, O_CAP, 0},
    {"preserve-fds", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"cgroup", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"ignore-paused", 0, ARG_NONE, O_IGNORED, 0},
    {"help", 'h', ARG_NONE, O_HELP, F_RUNC},
    {"help", '?', ARG_NONE, O_HELP, F_CRUN},
    {"usage", 0, ARG_NONE, O_HELP, F_CRUN},
    {NULL, 0, 0, 0, 0},
};

/* Commands we only observe: flags are skipped, the first positional is the id. */
static const opt_t generic_opts[] = {
    {"all", 'a', ARG_NONE, O_IGNORED, 0},
    {"force", 'f', ARG_NONE, O_IGNORED, 0},
    {"regex", 'r', ARG_NONE, O_IGNORED, F_CRUN},
    {"format", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"quiet", 'q', ARG_NONE, O_IGNORED, 0},
    {"stats", 0, ARG_NONE, O_IGNORED, 0},
    {"interval", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"help", 'h', ARG_NONE, O_HELP, F_RUNC},
    {NULL, 0, 0, 0, 0},
};

static const opt_t update_opts[] = {
    {"resources", 'r', ARG_REQUIRED, O_IGNORED, 0},
    {"blkio-weight", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"cpu-period", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"cpu-quota", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"cpu-share", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"cpu-rt-period", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"cpu-rt-runtime", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"cpu-idle", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"cpuset-cpus", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"cpuset-mems", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"kernel-memory", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"kernel-memory-tcp", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"memory", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"memory-reservation", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"memory-swap", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"pids-limit", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"l3-cache-schema", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"mem-bw-schema", 0, ARG_REQUIRED, O_IGNORED, 0},
    {"help", 'h', ARG_NONE, O_HELP, F_RUNC},
    {NULL, 0, 0, 0, 0},
};

static const struct {
    const char *name;
    rw_cmd_t cmd;
} commands[] = {
    {"create", RW_CMD_CREATE},   {"run", RW_CMD_RUN},
    {"restore", RW_CMD_RESTORE}, {"exec", RW_CMD_EXEC},
    {"start", RW_CMD_START},     {"state", RW_CMD_STATE},
    {"kill", RW_CMD_KILL},       {"delete", RW_CMD_DELETE},
    {"pause", RW_CMD_PAUSE},     {"resume", RW_CMD_RESUME},
    {"update", RW_CMD_UPDATE},   {"ps", RW_CMD_PS},
    {"list", RW_CMD_LIST},       {"events", RW_CMD_EVENTS},
    {"spec", RW_CMD_SPEC},       {"checkpoint", RW_CMD_CHECKPOINT},
    {"features", RW_CMD_FEATURES}, {"mounts", RW_CMD_MOUNTS},
};

rw_cmd_t rw_cli_cmd_from_name(const char *name)
{
    for (size_t i = 0; i < RW_ARRAY_SIZE(commands); i++)
        if (strcmp(commands[i].name, name) == 0)
            return commands[i].cmd;
    return RW_CMD_OTHER;
}

const char *rw_cli_cmd_name(rw_cmd_t c)
{
    for (size_t i = 0; i < RW_ARRAY_SIZE(commands); i++)
        if (commands[i].cmd == c)
            return commands[i].name;
    return c == RW_CMD_NONE ? "" : "other";
}

bool rw_cli_cmd_builds_container(rw_cmd_t c)
{
    return c == RW_CMD_CREATE || c == RW_CMD_RUN || c == RW_CMD_RESTORE;
}

rw_flavor_t rw_cli_flavor_for(const char *runtime_path)
{
    const char *base = strrchr(runtime_path, '/');
    base = base ? base + 1 : runtime_path;
    if (strcmp(base, "crun") == 0 || strncmp(base, "crun-", 5) == 0 || strcmp(base, "krun") == 0)
        return RW_FLAVOR_CRUN;
    return RW_FLAVOR_RUNC;
}

static bool for_flavor(const opt_t *o, rw_flavor_t fl)
{
    return o->flavors == 0 || (o->flavors & (1u << fl));
}

/* Long-name lookup. Go's flag package matches exactly (short aliases are names too);
 * argp also takes an unambiguous prefix. *ambiguous is set when a prefix fits several. */
static const opt_t *find_long(const opt_t *table, rw_flavor_t fl, const char *name, size_t len,
                              bool *ambiguous)
{
    *ambiguous = false;
    for (const opt_t *o = table; o->name; o++) {
        if (!for_flavor(o, fl))
            continue;
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
            return o;
        if (fl == RW_FLAVOR_RUNC && o->short_name && len == 1 && name[0] == o->short_name)
            return o;
    }
    if (fl != RW_FLAVOR_CRUN || len == 0)
        return NULL;
    const opt_t *hit = NULL;
    for (const opt_t *o = table; o->name; o++) {
        if (!for_flavor(o, fl) || strncmp(o->name, name, len) != 0)
            continue;
        if (hit && strcmp(hit->name, o->name) != 0) {
            *ambiguous = true;
            return NULL;
        }
        hit = o;
    }
    return hit;
}

static const opt_t *find_short(const opt_t *table, rw_flavor_t fl, char c)
{
    for (const opt_t *o = table; o->name; o++)
        if (for_flavor(o, fl) && o->short_name == c)
            return o;
    return NULL;
}

static int fail(rw_invocation_t *inv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(rw_invocation_t *inv, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(inv->error, sizeof(inv->error), fmt, ap);
    va_end(ap);
    return -EINVAL;
}

static void apply(rw_invocation_t *inv, const opt_t *o, const char *val)
{
    switch (o->id) {
    case O_VERSION:
        inv->version = true;
        break;
    case O_HELP:
        inv->help = true;
        break;
    case O_ROOT:
        inv->root = val;
        break;
    case O_LOG:
        inv->log_file = val;
        break;
    case O_LOG_FORMAT:
        inv->log_format = val;
        break;
    case O_SYSTEMD_CGROUP:
        inv->systemd_cgroup = !val || strcmp(val, "false") != 0;
        break;
    case O_BUNDLE:
        inv->bundle = (val && *val) ? val : NULL;
        break;
    case O_CONFIG:
        inv->config_file = val;
        break;
    case O_DETACH:
        inv->detach = !val || strcmp(val, "false") != 0;
        break;
    case O_PROCESS:
        inv->process_file = val;
        break;
    case O_USER:
        inv->exec_user = val;
        break;
    case O_CAP:
        if (inv->n_exec_caps < RW_CLI_MAX_LIST)
            inv->exec_caps[inv->n_exec_caps++] = val;
        break;
    case O_APPARMOR:
        inv->exec_apparmor = val;
        break;
    case O_LABEL:
        inv->exec_label = val;
        break;
    case O_CWD:
        inv->exec_cwd = val;
        break;
    case O_TTY:
        inv->exec_tty = !val || strcmp(val, "false") != 0;
        break;
    case O_NNP:
        inv->exec_no_new_privs = !val || strcmp(val, "false") != 0;
        break;
    case O_IGNORED:
    default:
        break;
    }
}

/* Parses the option at argv[*i]. Returns 1 when it was an option (and *i advanced past
 * it and its value), 0 when argv[*i] is a positional, -EINVAL on a fatal ambiguity.
 * strict: unknown options are refused instead of passed through. */
static int parse_one(rw_invocation_t *inv, const opt_t *table, int argc, char **argv, int *i,
                     bool strict)
{
    const char *a = argv[*i];
    rw_flavor_t fl = inv->flavor;
    if (a[0] != '-' || a[1] == '\0')
        return 0;
    bool dashdash = a[1] == '-';
    if (fl == RW_FLAVOR_CRUN && !dashdash) {
        /* argp short options, possibly clustered: -db/path, -tVALUE. */
        for (const char *c = a + 1; *c; c++) {
            const opt_t *o = find_short(table, fl, *c);
            if (!o) {
                if (strict || c[1] != '\0')
                    return fail(inv, "unknown short option in '%s'", a);
                inv->unknown_flag_seen = true;
                break;
            }
            if (o->arg == ARG_NONE) {
                apply(inv, o, NULL);
                continue;
            }
            if (c[1] != '\0') {
                apply(inv, o, c + 1);
                break;
            }
            if (o->arg == ARG_OPTIONAL) {
                apply(inv, o, NULL);
                break;
            }
            if (*i + 1 >= argc)
                return fail(inv, "option '%s' needs a value", a);
            apply(inv, o, argv[++*i]);
            break;
        }
        (*i)++;
        return 1;
    }
    /* Long options (and Go's single-dash long options). */
    const char *name = a + (dashdash ? 2 : 1);
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    bool ambiguous = false;
    const opt_t *o = find_long(table, fl, name, len, &ambiguous);
    if (!o) {
        if (ambiguous)
            return fail(inv, "ambiguous option '%s'", a);
        if (strict)
            return fail(inv, "unknown option '%s'", a);
        inv->unknown_flag_seen = true;
        (*i)++;
        return 1;
    }
    if (eq) {
        if (o->arg == ARG_NONE && fl == RW_FLAVOR_CRUN)
            return fail(inv, "option '%s' takes no value", a);
        apply(inv, o, eq + 1);
    } else if (o->arg == ARG_REQUIRED) {
        if (*i + 1 >= argc)
            return fail(inv, "option '%s' needs a value", a);
        apply(inv, o, argv[++*i]);
    } else {
        apply(inv, o, NULL);
    }
    (*i)++;
    return 1;
}

static const opt_t *table_for(rw_cmd_t c)
{
    switch (c) {
    case RW_CMD_CREATE:
        return create_opts;
    case RW_CMD_RUN:
        return run_opts;
    case RW_CMD_RESTORE:
        return restore_opts;
    case RW_CMD_EXEC:
        return exec_opts;
    case RW_CMD_UPDATE:
        return update_opts;
    default:
        return generic_opts;
    }
}

int rw_cli_parse(int argc, char **argv, rw_flavor_t flavor, rw_invocation_t *inv)
{
    memset(inv, 0, sizeof(*inv));
    inv->argc = argc;
    inv->argv = argv;
    inv->flavor = flavor;
    inv->cmd_index = -1;
    inv->exec_args_index = -1;

    int i = 1, r;
    while (i < argc) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        r = parse_one(inv, global_opts, argc, argv, &i, false);
        if (r < 0)
            return r;
        if (r == 0)
            break;
    }
    if (i >= argc) {
        inv->cmd = RW_CMD_NONE;
        return 0;
    }
    inv->cmd_index = i;
    inv->cmd_name = argv[i];
    inv->cmd = rw_cli_cmd_from_name(argv[i]);
    i++;

    if (inv->cmd == RW_CMD_OTHER) {
        /* An unknown word may be the value of a global flag we do not know; if a
         * container-building command follows, we cannot be sure what the runtime runs. */
        for (int j = i; j < argc; j++) {
            rw_cmd_t c = rw_cli_cmd_from_name(argv[j]);
            if (rw_cli_cmd_builds_container(c) || c == RW_CMD_EXEC)
                return fail(inv, "cannot tell the subcommand: '%s' comes before a container "
                                 "command",
                            inv->cmd_name);
        }
        return 0;
    }

    const opt_t *table = table_for(inv->cmd);
    bool strict = rw_cli_cmd_builds_container(inv->cmd) || inv->cmd == RW_CMD_EXEC;
    /* exec: options end at the container id, the rest is the command to run (runc sets
     * SkipArgReorder, argp stops in order). Elsewhere urfave reorders flags found after
     * positionals, so we look at every word up to "--". */
    bool stop_at_positional = inv->cmd == RW_CMD_EXEC;
    int npos = 0;
    while (i < argc) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            for (; i < argc; i++) {
                if (npos == 0)
                    inv->id = argv[i];
                else if (inv->cmd == RW_CMD_EXEC && inv->exec_args_index < 0)
                    inv->exec_args_index = i;
                else if (inv->cmd == RW_CMD_KILL && npos == 1)
                    inv->signal = argv[i];
                npos++;
            }
            break;
        }
        r = parse_one(inv, table, argc, argv, &i, strict);
        if (r < 0)
            return r;
        if (r == 1)
            continue;
        if (npos == 0)
            inv->id = argv[i];
        else if (inv->cmd == RW_CMD_KILL && npos == 1)
            inv->signal = argv[i];
        npos++;
        i++;
        if (stop_at_positional) {
            if (i < argc) {
                if (strcmp(argv[i], "--") == 0)
                    i++;
                if (i < argc)
                    inv->exec_args_index = i;
            }
            break;
        }
    }
    return 0;
}
