/* The real runtime's state root and per-container state directory, computed once the way
 * the runtime itself computes them, so every feature asks the same question the same way. */
#include "runtime_root.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../audit/runtime_state.h"

char *rw_runtime_root(const rw_invocation_t *inv, const char *runtime_path)
{
    const char *r = inv->root;
    if (!r || !*r)
        return rw_audit_runtime_default_root(runtime_path);
    if (r[0] == '/')
        return strdup(r);
    /* runwarden execs the runtime in place: same working directory, same resolution */
    char cwd[PATH_MAX];
    char *out = NULL;
    if (!getcwd(cwd, sizeof(cwd)) || asprintf(&out, "%s/%s", cwd, r) < 0)
        return NULL;
    return out;
}

char *rw_runtime_state_dir(const rw_invocation_t *inv, const char *runtime_path)
{
    if (!inv->id || !*inv->id)
        return NULL;
    char *root = rw_runtime_root(inv, runtime_path);
    char *out = NULL;
    if (root && asprintf(&out, "%s/%s", root, inv->id) < 0)
        out = NULL;
    free(root);
    return out;
}
