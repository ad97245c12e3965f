/* Poststop hooks that undo per-container state when the runtime deletes the container:
 * the admission tenant record and the mounts.conf copies. They read the directories from
 * runwarden's configuration, never from their arguments, and act only on the id the
 * runtime reports; they never fail a delete. New containers no longer get admission-forget
 * (their records expire by themselves, policy/admission_state.c); it stays for bundles
 * that older builds gave it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cleanup.h"
#include "../conf/config.h"
#include "../conf/config_admission.h"
#include "../conf/config_mounts.h"
#include "../policy/admission.h"
#include "hook_env.h"
#include "secrets_copy.h"

static void warn(const char *hook, const char *id, const char *msg)
{
    /* The runtime logs a hook's stderr; the id is printable (checked by the callers). */
    fprintf(stderr, "runwarden: hook %s: %s: %s\n", hook, id, msg);
}

int rw_hook_admission_forget(int argc, char **argv, const rw_hook_state_t *state)
{
    (void)argc;
    (void)argv;
    if (!rw_admission_state_id_ok(state->id))
        return 0;
    cleanup_config rw_config_t *cfg = NULL;
    rw_error_t *err = NULL;
    if (rw_config_load(&cfg, &err) < 0) {
        warn("admission-forget", state->id, err ? err->msg : "cannot load the config");
        rw_error_free(err);
        return 0;
    }
    cleanup_admission_config rw_admission_config_t *ac = NULL;
    if (rw_admission_config_parse(cfg->admission, cfg->path, &ac, &err) < 0 || !ac) {
        rw_error_free(err);
        return 0;
    }
    int r = rw_admission_state_remove(ac->state_dir, state->id);
    if (r < 0)
        warn("admission-forget", state->id, strerror(-r));
    return 0;
}

int rw_hook_mounts_cleanup(int argc, char **argv, const rw_hook_state_t *state)
{
    (void)argc;
    (void)argv;
    if (!rw_admission_state_id_ok(state->id))
        return 0;
    cleanup_config rw_config_t *cfg = NULL;
    rw_error_t *err = NULL;
    if (rw_config_load(&cfg, &err) < 0) {
        warn("mounts-cleanup", state->id, err ? err->msg : "cannot load the config");
        rw_error_free(err);
        return 0;
    }
    cleanup_mounts_config rw_mounts_config_t *mc = NULL;
    if (rw_mounts_config_parse(cfg->mounts, cfg->path, &mc, &err) < 0) {
        warn("mounts-cleanup", state->id, err ? err->msg : "invalid mounts section");
        rw_error_free(err);
        return 0;
    }
    cleanup_free char *base = rw_secrets_base_dir(mc);
    if (!base)
        return 0;
    int r = rw_secrets_remove(base, state->id);
    if (r < 0)
        warn("mounts-cleanup", state->id, strerror(-r));
    return 0;
}
