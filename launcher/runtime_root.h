/* Where the real runtime keeps its per-container state for this invocation: the state
 * root (runc /run/runc, crun /run/crun, rootless under $XDG_RUNTIME_DIR, or --root) and
 * <root>/<id> in it. Features that keep per-container state of their own (admission
 * records, mounts.conf copies) use it to tell whether a container still exists. */
#pragma once

#include "cli.h"

/* The state root the runtime will use: its --root, made absolute against the working
 * directory as the runtime resolves it, else the runtime's default for runtime_path
 * (rw_audit_runtime_default_root). Caller frees; NULL on ENOMEM or an unusable cwd. */
char *rw_runtime_root(const rw_invocation_t *inv, const char *runtime_path);

/* <root>/<id> for inv's container id; NULL when there is no id or on ENOMEM. */
char *rw_runtime_state_dir(const rw_invocation_t *inv, const char *runtime_path);
