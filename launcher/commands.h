/* runwarden's own commands (`runwarden check`, `runwarden audit ...`). Each returns the
 * process exit code. */
#pragma once

typedef struct rw_command {
    const char *name;
    const char *summary;
    int (*main)(int argc, char **argv); /* argv[0] is the command name */
} rw_command_t;

extern const rw_command_t rw_commands[];

int rw_cmd_check(int argc, char **argv);
int rw_cmd_audit(int argc, char **argv);
int rw_cmd_seccomp(int argc, char **argv);
int rw_cmd_profile(int argc, char **argv);
int rw_cmd_image(int argc, char **argv);
/* Runtime mode: argv as the engine passed it; shim is the runtime name to wrap. */
int rw_runtime_main(int argc, char **argv, const char *shim);
