/* The two OCI hooks of the eBPF feature. createRuntime: attach the per-container programs
 * to the container's cgroup before its process starts; poststop: drain events, record the
 * counters, forget the container. Both hand over to runwarden-bpf (libbpf stays there). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "ebpf_helper.h"

/* Hook arguments written by the stage: --config=PATH (the runwarden.json the container was
 * judged with), --tenant=NAME. */
static int parse_args(int argc, char **argv, const char **config, const char **tenant)
{
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--config=", 9) == 0 && argv[i][9] == '/')
            *config = argv[i] + 9;
        else if (strncmp(argv[i], "--tenant=", 9) == 0 && argv[i][9])
            *tenant = argv[i] + 9;
        else
            return -EINVAL;
    }
    return 0;
}

static int run_helper(const char *hook, int argc, char **argv, const rw_hook_state_t *st,
                      bool create)
{
    const char *config = NULL, *tenant = NULL;
    if (parse_args(argc, argv, &config, &tenant) < 0) {
        fprintf(stderr, "runwarden: hook %s: unexpected arguments\n", hook);
        return 2;
    }
    cleanup_config rw_config_t *cfg = NULL;
    rw_ebpf_config_t ec;
    rw_error_t *err = NULL;
    if (rw_ebpf_load_config(config, &cfg, &ec, &err) < 0) {
        /* Without the config we cannot know ebpf.required: refuse, as the config would be
         * refused by the launcher itself. */
        fprintf(stderr, "runwarden: refused: ebpf: cannot read the configuration: %s\n",
                err ? err->msg : "error");
        rw_error_free(err);
        return 1;
    }
    char pid[24];
    snprintf(pid, sizeof(pid), "%d", st->pid);
    char *args[16];
    int n = 0;
    args[n++] = NULL; /* argv[0], set by rw_ebpf_exec_helper */
    args[n++] = (char *)(create ? "attach" : "release");
    args[n++] = (char *)"--id";
    args[n++] = st->id;
    if (create) {
        args[n++] = (char *)"--pid";
        args[n++] = pid;
    }
    if (config) {
        args[n++] = (char *)"--config";
        args[n++] = (char *)config;
    }
    if (tenant && create) {
        args[n++] = (char *)"--tenant";
        args[n++] = (char *)tenant;
    }
    args[n] = NULL;
    int r = rw_ebpf_exec_helper(&ec, args);
    /* Only reached when the helper could not be started. */
    bool required = ec.required;
    rw_config_ebpf_clear(&ec);
    if (!create)
        return 0; /* nothing was attached through a missing helper: nothing to release */
    if (required) {
        fprintf(stderr,
                "runwarden: refused: ebpf: rule ebpf.required: the runwarden-bpf helper cannot "
                "run (%s); install it or set ebpf.required to false\n",
                strerror(-r));
        return 1;
    }
    fprintf(stderr,
            "runwarden: warning: ebpf: not attached: the runwarden-bpf helper cannot "
            "run (%s)\n",
            strerror(-r));
    return 0;
}

int rw_hook_ebpf_create_runtime(int argc, char **argv, const rw_hook_state_t *state)
{
    if (state->pid <= 0) {
        fprintf(stderr, "runwarden: refused: ebpf: the runtime gave no container pid to the "
                        "createRuntime hook\n");
        return 1;
    }
    return run_helper("ebpf-create-runtime", argc, argv, state, true);
}

int rw_hook_ebpf_poststop(int argc, char **argv, const rw_hook_state_t *state)
{
    return run_helper("ebpf-poststop", argc, argv, state, false);
}
