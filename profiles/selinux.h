/* SELinux labels as podman and containers/storage choose them (go-selinux): process and
 * file contexts from the containers contexts file, the same random MCS pair on both, and a
 * host-wide reservation of pairs so that containers of different engines never share one. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "../common/error.h"

#define RW_SELINUX_CONTAINERS_CONTEXTS "/usr/share/containers/selinux/contexts"
#define RW_SELINUX_CONTEXTS_MAX (64u << 10)
#define RW_SELINUX_MAX_KEYS 64

typedef struct rw_selinux_contexts {
    char *path; /* the file read; NULL when none was found */
    size_t n;
    char *keys[RW_SELINUX_MAX_KEYS], *values[RW_SELINUX_MAX_KEYS];
    size_t skipped_lines; /* lines go-selinux ignores too (no '=') */
} rw_selinux_contexts_t;

/* Parses a contexts file the way go-selinux loadLabels does: blank lines and lines whose
 * first non-blank character is '#' or ';' are comments, `key = "value"` otherwise (split at
 * the first '=', both sides trimmed, quotes trimmed from the value), a later key wins,
 * lines without '=' are skipped. Only size, NUL bytes and too many keys are errors. */
int rw_selinux_contexts_parse(const char *buf, size_t len, rw_selinux_contexts_t *out,
                              rw_error_t **err);
/* configured, else the containers contexts file, else lxc_contexts of the policy named in
 * /etc/selinux/config. No file at all is not an error (out->path NULL, no labels). */
int rw_selinux_contexts_load(const char *configured, rw_selinux_contexts_t *out, rw_error_t **err);
void rw_selinux_contexts_clear(rw_selinux_contexts_t *c);
const char *rw_selinux_contexts_get(const rw_selinux_contexts_t *c, const char *key);

/* user:role:type[:level] (the level may itself hold ':'). */
typedef struct rw_selinux_context {
    char *user, *role, *type, *level; /* level NULL when absent */
} rw_selinux_context_t;
int rw_selinux_context_parse(const char *label, rw_selinux_context_t *out);
void rw_selinux_context_clear(rw_selinux_context_t *c);
/* label with its level replaced (added when absent). Caller frees. */
int rw_selinux_with_level(const char *label, const char *level, char **ret);

/* "s0:cA,cB" with A < B: the categories, or -EINVAL. */
int rw_selinux_mcs_parse(const char *level, unsigned *a, unsigned *b);

/* The labels podman gives a container for a level (ContainerLabels/addMcs): process and
 * file contexts with the level replaced when the process context has one. When either
 * context is missing the process label is "" (unconfined by labels) as in go-selinux. */
int rw_selinux_labels(const rw_selinux_contexts_t *c, const char *level, char **ret_process,
                      char **ret_mount);
/* label=disable: no process label, the file context at s0:c1022,c1023. */
int rw_selinux_privileged_mount_label(const rw_selinux_contexts_t *c, char **ret);

/* selinuxfs mounted and /sys/fs/selinux/enforce readable. */
bool rw_selinux_host_enabled(void);

/* Host-wide MCS reservations in dir (pairs/ and owners/, under dir/lock). A reservation
 * names its container (runtime root + id) and the process that made it; it is reclaimed once
 * that process is gone and the runtime has no state for the container. */
typedef struct rw_mcs_pool {
    const char *dir;
    unsigned cat_min, cat_max; /* inclusive; c1022,c1023 is never handed out */
} rw_mcs_pool_t;

/* Allocates (or returns the container's existing) pair. *ret_level is "s0:cA,cB". */
int rw_mcs_allocate(const rw_mcs_pool_t *p, const char *root, const char *id, char **ret_level,
                    rw_error_t **err);
/* Reserves a level chosen by the engine. -EEXIST when another live container holds it; then
 * *ret_holder names it. */
int rw_mcs_reserve(const rw_mcs_pool_t *p, const char *root, const char *id, const char *level,
                   char **ret_holder, rw_error_t **err);
/* Releases the container's pair, if any. */
int rw_mcs_release(const rw_mcs_pool_t *p, const char *root, const char *id, rw_error_t **err);
/* The container's current level (NULL when none). */
int rw_mcs_lookup(const rw_mcs_pool_t *p, const char *root, const char *id, char **ret_level);
/* Reclaims every stale reservation; returns how many. */
int rw_mcs_sweep(const rw_mcs_pool_t *p, rw_error_t **err);
