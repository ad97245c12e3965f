/* Entries for runwarden's own OCI hooks. The runtime runs a hook with only the
 * environment the entry names, so the entry carries what the hook needs to find the same
 * configuration as the stage that added it (RUNWARDEN_CONFIG, XDG_RUNTIME_DIR). */
#pragma once

#include "../conf/oci_spec.h"
#include "hooks.h"

/* Appends `runwarden hook NAME` to hooks.<kind> unless an identical entry is there. */
int rw_hook_env_append(rw_spec_t *s, const char *kind, const char *name, int timeout,
                       const char *why);

/* The hooks admission and mounts register (hook_cleanup.c). */
int rw_hook_admission_forget(int argc, char **argv, const rw_hook_state_t *state);
int rw_hook_mounts_cleanup(int argc, char **argv, const rw_hook_state_t *state);
