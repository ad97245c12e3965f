/* The OCI runtime command-line grammar of runc and crun, as podman/conmon, containerd,
 * docker and CRI-O call it. It only locates what runwarden must police (subcommand,
 * bundle, config, process file, id, exec overrides); argv itself is forwarded untouched. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef enum rw_flavor {
    RW_FLAVOR_RUNC = 0, /* Go flag / urfave: -x and --x, =value, no clustering */
    RW_FLAVOR_CRUN,     /* GNU argp: long prefixes, short clusters, optional args */
} rw_flavor_t;

typedef enum rw_cmd {
    RW_CMD_NONE = 0,
    RW_CMD_CREATE,
    RW_CMD_RUN,
    RW_CMD_RESTORE,
    RW_CMD_EXEC,
    RW_CMD_START,
    RW_CMD_STATE,
    RW_CMD_KILL,
    RW_CMD_DELETE,
    RW_CMD_PAUSE,
    RW_CMD_RESUME,
    RW_CMD_UPDATE,
    RW_CMD_PS,
    RW_CMD_LIST,
    RW_CMD_EVENTS,
    RW_CMD_SPEC,
    RW_CMD_CHECKPOINT,
    RW_CMD_FEATURES,
    RW_CMD_MOUNTS,
    RW_CMD_OTHER, /* a word we do not know: passed through, the runtime decides */
} rw_cmd_t;

#define RW_CLI_MAX_LIST 64

typedef struct rw_invocation {
    int argc;
    char **argv; /* borrowed: the process argv */
    rw_flavor_t flavor;
    int cmd_index; /* index of the subcommand in argv, -1 when none */
    rw_cmd_t cmd;
    const char *cmd_name;
    bool version, help;
    /* global flags */
    const char *root, *log_file, *log_format;
    bool systemd_cgroup;
    /* create / run / restore */
    const char *bundle;      /* NULL: current directory */
    const char *config_file; /* crun --config/-f; NULL: <bundle>/config.json */
    const char *id;
    bool detach;
    /* exec */
    const char *process_file;
    const char *exec_user, *exec_apparmor, *exec_label, *exec_cwd;
    const char *exec_caps[RW_CLI_MAX_LIST];
    size_t n_exec_caps;
    bool exec_tty, exec_no_new_privs;
    int exec_args_index; /* first argv index of the inline command, -1 if none */
    /* kill */
    const char *signal;
    bool unknown_flag_seen; /* a flag we do not know was passed through */
    char error[200];        /* set when the arguments cannot be understood safely */
} rw_invocation_t;

/* Parses argv (argv[0] is ignored). Returns 0, or -EINVAL with inv->error set when the
 * argument vector is ambiguous in a way that could hide a bundle or process file. */
int rw_cli_parse(int argc, char **argv, rw_flavor_t flavor, rw_invocation_t *inv);

rw_cmd_t rw_cli_cmd_from_name(const char *name);
const char *rw_cli_cmd_name(rw_cmd_t c);
/* create, run, restore: commands that build a container from config.json. */
bool rw_cli_cmd_builds_container(rw_cmd_t c);
/* Chooses the grammar from the real runtime's basename. */
rw_flavor_t rw_cli_flavor_for(const char *runtime_path);
