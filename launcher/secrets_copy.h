/* Per-container copies of mounts.conf content: staged in a private temporary tree under
 * the secrets directory, then renamed into place as SECRETS_DIR/ID in one step. Sources
 * are walked fd-relative; links inside a source tree are followed only when they stay in
 * the tree, or (policy "root-owned") when root made them and root owns what they reach. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../common/error.h"
#include "../conf/config_mounts.h"

#define RW_SECRETS_MARKER ".runwarden-secrets"
/* Beside the marker: the runtime's state directory of the container (<root>/<id>), so a
 * copy whose container never came to be, or is gone, can be told from a live one. */
#define RW_SECRETS_OWNER ".runwarden-runtime-state"

typedef struct rw_secrets_copy {
    bool dry_run; /* walk and count only; nothing is created */
    uint64_t max_file_size, max_total_size, max_files;
    rw_mounts_symlinks_t symlinks;
    uid_t uid; /* owner of the copies: what container root maps to */
    gid_t gid;
    const char *selinux_label; /* NULL: no labelling */
    const char *runtime_state; /* <runtime root>/<id>, recorded for rw_secrets_gc; may be NULL */
    /* state */
    char *base_dir, *id;
    int base_fd, tmp_fd;
    char tmp_name[96];
    uint64_t files, bytes;
    char **added; /* dest_rel of every add, for rw_secrets_has */
    size_t n_added;
} rw_secrets_copy_t;

/* Prepares a copy for container id under base_dir (created 0711 when missing). */
int rw_secrets_begin(rw_secrets_copy_t *c, const char *base_dir, const char *id, rw_error_t **err);
/* Copies host path src (a file or a directory; a link at src itself is followed, as
 * containers/common does) to dest_rel inside the copy. files (a JSON array, may be NULL)
 * receives the relative names of the files copied, never their content. */
int rw_secrets_add(rw_secrets_copy_t *c, const char *src, const char *dest_rel, json_t *files,
                   rw_error_t **err);
/* Creates an empty file dest_rel (FIPS: run/secrets/system-fips) unless it exists. */
int rw_secrets_add_empty(rw_secrets_copy_t *c, const char *dest_rel, rw_error_t **err);
/* True when dest_rel exists in the copy (or, dry, was added). */
bool rw_secrets_has(rw_secrets_copy_t *c, const char *dest_rel);
/* Moves the copy into place as base_dir/id, replacing a stale one. */
int rw_secrets_commit(rw_secrets_copy_t *c, rw_error_t **err);
/* Drops the staging tree (after a failure) and frees the state; safe after commit. */
void rw_secrets_end(rw_secrets_copy_t *c);

/* The hook side: removes base_dir/id if it carries runwarden's marker for that id. */
int rw_secrets_remove(const char *base_dir, const char *id);
/* The secrets directory for this configuration and caller (caller frees). */
char *rw_secrets_base_dir(const rw_mounts_config_t *mc);
/* Rootless as containers/common sees it: not euid 0, or inside podman's user namespace. */
bool rw_secrets_rootless(void);
/* Removes copies left behind by containers that are gone without a poststop hook (a create
 * that failed after runwarden ran, a crash): those whose recorded runtime state directory
 * is missing while its parent, the runtime root, exists; and staging trees. Only entries
 * older than min_age_s, at most max_remove of them. Returns how many were removed. */
int rw_secrets_gc(const char *base_dir, unsigned min_age_s, unsigned max_remove);
/* Removes parent/name and everything below it (no links followed, one file system). */
int rw_secrets_rm_named(int parent, const char *name);
/* Removes everything below an open directory (no links followed, one file system). */
int rw_secrets_rm_tree_at(int dirfd, int depth);
