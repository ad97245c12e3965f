/* runwarden entry point. Called as `runc`/`crun` (a shim link) it is the runtime wrapper;
 * called as `runwarden` it offers its own commands, or wraps the default runtime. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "../conf/config.h"
#include "commands.h"
#include "hooks.h"
#include "report.h"

const rw_command_t rw_commands[] = {
    {"check", "run the whole pipeline on a bundle without writing or executing", rw_cmd_check},
    {"audit", "the sealed audit trail: init, seal, verify, show, rotate, note", rw_cmd_audit},
    {"hook", "entry point of the OCI hooks runwarden adds (called by the runtime)", rw_cmd_hook},
    {"seccomp", "compile, explain and test seccomp profiles", rw_cmd_seccomp},
    {"profile", "a tenant's AppArmor profile, SELinux labels, Landlock rules", rw_cmd_profile},
    {"image", "image trust: runwarden image verify REF | --container ID", rw_cmd_image},
    {NULL, NULL, NULL},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: runwarden COMMAND [ARGS...]\n"
               "       runwarden [RUNTIME-GLOBAL-OPTIONS] RUNTIME-COMMAND ...  (wraps the "
               "default runtime)\n"
               "       runc|crun ...   (through the shim links: wraps that runtime)\n\n"
               "commands:\n");
    for (const rw_command_t *c = rw_commands; c->name; c++)
        fprintf(f, "  %-10s %s\n", c->name, c->summary);
    fprintf(f, "  %-10s %s\n", "version", "print runwarden's version");
    fprintf(f, "\nSee runwarden(8).\n");
}

static int default_runtime_main(int argc, char **argv)
{
    cleanup_config rw_config_t *cfg = NULL;
    rw_error_t *err = NULL;
    if (rw_config_load(&cfg, &err) < 0) {
        fprintf(stderr, "runwarden: error: %s\n", err ? err->msg : "cannot load config");
        rw_error_free(err);
        return 1;
    }
    char shim[80];
    snprintf(shim, sizeof(shim), "%s", cfg->default_runtime);
    return rw_runtime_main(argc, argv, shim);
}

int main(int argc, char **argv)
{
    const char *base = argc > 0 && argv[0] ? strrchr(argv[0], '/') : NULL;
    base = base ? base + 1 : (argc > 0 && argv[0] ? argv[0] : "runwarden");

    if (strcmp(base, "runwarden") != 0)
        return rw_runtime_main(argc, argv, base);

    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "version") == 0) {
        printf("runwarden version %s\n", RW_VERSION);
        return 0;
    }
    for (const rw_command_t *c = rw_commands; c->name; c++)
        if (strcmp(c->name, cmd) == 0)
            return c->main(argc - 1, argv + 1);
    return default_runtime_main(argc, argv);
}
