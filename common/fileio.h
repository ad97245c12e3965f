/* Safe file I/O: fd-relative opens that refuse links and special files, bounded reads,
 * and atomic replacement that keeps mode and owner. */
#pragma once

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "error.h"

/* Opens a directory without following a final symlink. Returns fd or -errno. */
int rw_dir_open_at(int dirfd, const char *path, rw_error_t **err);

/* Reads a regular file (no symlink at the final component, no FIFO/device) of at most
 * max_size bytes. The buffer is NUL-terminated; *ret_len excludes the NUL. If ret_st is
 * non-NULL it receives the file's stat. */
int rw_file_read_at(int dirfd, const char *name, size_t max_size, char **ret_buf, size_t *ret_len,
                    struct stat *ret_st, rw_error_t **err);

/* How durable a replacement must be. Readers always see the old or the new file whole; the
 * choice is only what survives a power cut. */
typedef enum rw_replace_sync {
    RW_REPLACE_VOLATILE, /* no fsync: runtime state under /run, caches that self-check */
    RW_REPLACE_FILE,     /* fsync the new file before the rename */
    RW_REPLACE_DURABLE,  /* fsync the file, rename, fsync the directory */
} rw_replace_sync_t;

/* Replaces dirfd/name atomically: temp file in the same directory, then rename, synced as
 * `sync` says. mode/uid/gid are applied to the new file (pass the old file's stat to keep
 * them). rw_file_replace_at is RW_REPLACE_DURABLE. */
int rw_file_replace_at_sync(int dirfd, const char *name, const void *buf, size_t len, mode_t mode,
                            uid_t uid, gid_t gid, rw_replace_sync_t sync, rw_error_t **err);
int rw_file_replace_at(int dirfd, const char *name, const void *buf, size_t len, mode_t mode,
                       uid_t uid, gid_t gid, rw_error_t **err);

/* write() the whole buffer, retrying on EINTR and short writes. */
int rw_write_all(int fd, const void *buf, size_t len);

/* Creates each missing component of an absolute path with the given mode (like mkdir -p). */
int rw_mkdir_p(const char *path, mode_t mode);
