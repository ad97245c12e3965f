/* The `mounts` section of runwarden.json: where mounts.conf comes from, where the
 * per-container copies go, whether they are writable, and the copy limits. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"

#define RW_MOUNTS_DEFAULT_SECRETS_DIR "/run/runwarden/secrets"
#define RW_MOUNTS_DEFAULT_FIPS_FILE "/etc/system-fips"

typedef enum rw_mounts_symlinks {
    RW_SYMLINKS_ROOT_OWNED = 0, /* follow links that stay in the tree, or are owned by root */
    RW_SYMLINKS_BENEATH,        /* follow only links that stay in the tree */
} rw_mounts_symlinks_t;

typedef struct rw_mounts_config {
    bool enabled;
    char *mounts_file; /* NULL: the containers/common search order */
    char *secrets_dir; /* NULL: default (root) or $XDG_RUNTIME_DIR/runwarden/secrets */
    bool allow_write;
    uint64_t max_file_size, max_total_size, max_files;
    rw_mounts_symlinks_t symlinks;
    bool fips;
    char *fips_file; /* the host marker that turns FIPS handling on */
} rw_mounts_config_t;

/* Parses section (NULL: defaults, enabled). */
int rw_mounts_config_parse(json_t *section, const char *what, rw_mounts_config_t **ret,
                           rw_error_t **err);
void rw_mounts_config_free(rw_mounts_config_t *c);
static inline void rw_mounts_config_freep(rw_mounts_config_t **c)
{
    rw_mounts_config_free(*c);
}
#define cleanup_mounts_config __attribute__((cleanup(rw_mounts_config_freep)))
