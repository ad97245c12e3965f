/* OCI hooks that runwarden adds to a container run `runwarden hook NAME`: the runtime feeds
 * the container state JSON on stdin. Each feature registers its hooks in hook_table.c. */
#pragma once

#include <jansson.h>

#include "../common/error.h"

/* Separates the hooks of one merged entry: `runwarden hook A ARGS... + B ARGS...`
 * (stage_hooks.c builds them; every part runs in the one process, state read once). */
#define RW_HOOK_SEPARATOR "+"

typedef struct rw_hook_state {
    char *id, *bundle, *status;
    int pid;             /* 0 when absent (poststop) */
    json_t *annotations; /* borrowed from doc */
    json_t *doc;
} rw_hook_state_t;

typedef struct rw_hook {
    const char *name;
    /* argv[0] is the hook name; state is parsed from stdin. Returns an exit code. */
    int (*run)(int argc, char **argv, const rw_hook_state_t *state);
} rw_hook_t;

extern const rw_hook_t rw_hooks[];

/* Reads and validates the OCI state from fd (bounded, strict types). */
int rw_hook_state_read(int fd, rw_hook_state_t *out, rw_error_t **err);
void rw_hook_state_clear(rw_hook_state_t *s);
/* Absolute path of the running runwarden binary, for hook entries (caller frees). */
char *rw_hook_self_path(void);
/* Builds an OCI hook object {"path": self, "args": ["runwarden","hook",name,...]}. */
json_t *rw_hook_entry(const char *name, const char *const *extra_args, int timeout);

int rw_cmd_hook(int argc, char **argv);
