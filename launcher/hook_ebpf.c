/* The OCI hooks of the eBPF feature. createRuntime (added only where a container must not
 * run unwatched: ebpf.required, an egress allowlist): confirm that the container's cgroup is
 * tracked, binding it here if the kernel did not. poststop: added by older builds only
 * (the kernel now releases a container with its cgroup); it still releases what such a
 * build attached. Both use raw bpf(2) calls on the pinned host part; createRuntime starts
 * runwarden-bpf (libbpf) and waits for it only when that part is not pinned by this build. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../audit/bpf_shared.h"
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

/* The host part must be loaded: `runwarden-bpf attach` does it and the whole attach. */
static int attach_by_helper(rw_bpf_ctx_t *c, const char *config, const char *tenant,
                            const rw_hook_state_t *st)
{
    char pid[24];
    snprintf(pid, sizeof(pid), "%d", st->pid);
    char *args[12];
    int n = 0;
    args[n++] = NULL; /* argv[0], set by rw_ebpf_run_helper */
    args[n++] = (char *)"attach";
    args[n++] = (char *)"--id";
    args[n++] = st->id;
    args[n++] = (char *)"--pid";
    args[n++] = pid;
    if (config) {
        args[n++] = (char *)"--config";
        args[n++] = (char *)config;
    }
    if (tenant) {
        args[n++] = (char *)"--tenant";
        args[n++] = (char *)tenant;
    }
    args[n] = NULL;
    int r = rw_ebpf_run_helper(&c->ec, args);
    if (r >= 0)
        return r; /* it said what happened, on the stderr the runtime logs */
    if (c->ec.required) {
        fprintf(stderr,
                "runwarden: refused: ebpf: rule ebpf.required: the runwarden-bpf helper cannot "
                "run (%s); install it or set ebpf.required to false\n",
                strerror(-r));
        return 1;
    }
    fprintf(stderr,
            "runwarden: warning: ebpf: not attached: the runwarden-bpf helper cannot run (%s)\n",
            strerror(-r));
    return 0;
}

/* Reads the arguments and the configuration into *c; an exit code when it cannot. */
static int load(const char *hook, int argc, char **argv, rw_bpf_ctx_t *c, const char **config,
                const char **tenant)
{
    if (parse_args(argc, argv, config, tenant) < 0) {
        fprintf(stderr, "runwarden: hook %s: unexpected arguments\n", hook);
        return 2;
    }
    rw_error_t *err = NULL;
    if (rw_ebpf_load_config(*config, &c->cfg, &c->ec, &err) < 0) {
        /* Without the config we cannot know ebpf.required: refuse, as the config would be
         * refused by the launcher itself. */
        fprintf(stderr, "runwarden: refused: ebpf: cannot read the configuration: %s\n",
                err ? err->msg : "error");
        rw_error_free(err);
        return 1;
    }
    return 0;
}

static void unload(rw_bpf_ctx_t *c)
{
    rw_config_ebpf_clear(&c->ec);
    rw_config_free(c->cfg);
    c->cfg = NULL;
}

int rw_hook_ebpf_create_runtime(int argc, char **argv, const rw_hook_state_t *state)
{
    if (state->pid <= 0) {
        fprintf(stderr, "runwarden: refused: ebpf: the runtime gave no container pid to the "
                        "createRuntime hook\n");
        return 1;
    }
    rw_bpf_ctx_t c = {NULL, {0}};
    const char *config = NULL, *tenant = NULL;
    int rc = load("ebpf-create-runtime", argc, argv, &c, &config, &tenant);
    if (rc != 0)
        return rc;
    rw_error_t *err = NULL;
    int r = rw_bpf_attach(&c, state->id, state->pid, tenant, rw_bpf_host_check, &err);
    if (r == RW_BPF_NEED_HELPER) {
        rc = attach_by_helper(&c, config, tenant, state);
    } else if (r < 0) {
        fprintf(stderr, "runwarden: refused: %s\n", err ? err->msg : strerror(-r));
        rc = 1;
    } else if (r > 0) {
        fprintf(stderr, "runwarden: warning: %s\n", err ? err->msg : "ebpf: not attached");
    }
    /* the runtime (our parent) left a binding the kernel did not need to make: it is done */
    if (rc == 0)
        rw_bpf_pending_drop(&c, getppid());
    rw_error_free(err);
    unload(&c);
    return rc;
}

int rw_hook_ebpf_poststop(int argc, char **argv, const rw_hook_state_t *state)
{
    rw_bpf_ctx_t c = {NULL, {0}};
    const char *config = NULL, *tenant = NULL;
    int rc = load("ebpf-poststop", argc, argv, &c, &config, &tenant);
    if (rc != 0)
        return rc;
    rw_error_t *err = NULL;
    int r = rw_bpf_release(&c, state->id, &err);
    if (r < 0) {
        fprintf(stderr, "runwarden: error: ebpf: release %s: %s\n", state->id,
                err ? err->msg : strerror(-r));
        rc = 1;
    }
    rw_error_free(err);
    unload(&c);
    return rc;
}
