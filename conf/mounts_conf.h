/* mounts.conf (containers-mounts.conf(5)) read exactly as containers/common reads it: the
 * first existing file of [user override (rootless only), /etc, /usr/share] wins with no
 * merging, or only the configured file; a line counts when, trimmed, it starts with '/',
 * and its untrimmed text is split at the first ':' into HOST[:CONTAINER]. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "../common/error.h"

#define RW_MOUNTS_CONF_OVERRIDE "/etc/containers/mounts.conf"
#define RW_MOUNTS_CONF_DEFAULT "/usr/share/containers/mounts.conf"
#define RW_MOUNTS_CONF_USER_REL ".config/containers/mounts.conf" /* under $HOME */
#define RW_MOUNTS_CONF_MAX_SIZE (1u << 20)
/* Go's bufio.Scanner gives up on a line of 64 KiB or more; later lines are never seen. */
#define RW_MOUNTS_CONF_MAX_LINE (64u * 1024u)

typedef struct rw_mounts_entry {
    char *host; /* as written (untrimmed) */
    char *dest; /* as written; equal to host when the line has no ':' */
    unsigned line;
} rw_mounts_entry_t;

typedef struct rw_mounts_conf {
    char *file;
    rw_mounts_entry_t *entries;
    size_t n;
    unsigned skipped; /* lines that were not mounts (comments, blanks, relative) */
    bool truncated;   /* a line was too long: parsing stopped there, as in Go */
} rw_mounts_conf_t;

/* The file containers/common would use. 'only' (containers.conf default_mounts_file, or
 * runwarden's mounts.mountsFile) replaces the list; user_file is consulted first when
 * rootless. *ret is NULL when none of the candidates exists. */
int rw_mounts_conf_pick(const char *only, bool rootless, const char *user_file,
                        const char *etc_file, const char *share_file, char **ret);
/* The user override path for a home directory (caller frees); NULL on bad input. */
char *rw_mounts_conf_user_path(const char *home);

int rw_mounts_conf_parse(const char *buf, size_t len, const char *file, rw_mounts_conf_t **ret,
                         rw_error_t **err);
/* Reads and parses a file (bounded, no symlink at the last component refused: the
 * containers tools follow it, and so do we, but it must be a regular file). */
int rw_mounts_conf_load(const char *path, rw_mounts_conf_t **ret, rw_error_t **err);
void rw_mounts_conf_free(rw_mounts_conf_t *c);
static inline void rw_mounts_conf_freep(rw_mounts_conf_t **c)
{
    rw_mounts_conf_free(*c);
}
#define cleanup_mounts_conf __attribute__((cleanup(rw_mounts_conf_freep)))
