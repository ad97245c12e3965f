/* Host-wide LSM state under /run/runwarden: lock files, and a record per container that
 * carries what `create` decided to every later `exec` and to the poststop hook. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../common/error.h"
#include "../common/hash.h"

/* sha256(runtime root, NUL, container id) in hex: names a container across engines. */
void rw_lsm_container_key(const char *runtime_root, const char *id,
                          char out[RW_SHA256_HEX_LEN + 1]);

/* Creates dir (0700, owned by us) if needed and takes an exclusive flock on dir/lock.
 * Returns the lock fd (close it to unlock) or -errno. */
int rw_lsm_lock_dir(const char *dir, rw_error_t **err);
/* Opens dir (created 0700 when create) and checks that only we may write to it. */
int rw_lsm_open_private_dir(const char *dir, bool create, rw_error_t **err);

/* Atomic replace of dirfd/name (temporary file + rename), without fsync: this state lives
 * in /run and means nothing after a reboot, and a container start must not wait on a disk. */
int rw_lsm_replace_at(int dirfd, const char *name, const void *buf, size_t len);
/* Boot time (seconds since the epoch, /proc/stat btime), or 0. */
long long rw_lsm_boot_time(void);

/* Per-container records in <state_dir>/containers/<key>.json. */
int rw_lsm_record_write(const char *state_dir, const char *key, const json_t *rec,
                        rw_error_t **err);
/* *ret is NULL (and 0 returned) when the container has no record. */
int rw_lsm_record_read(const char *state_dir, const char *key, json_t **ret, rw_error_t **err);
int rw_lsm_record_remove(const char *state_dir, const char *key);

/* Is a process with this pid and start time (clock ticks, /proc/PID/stat field 22) alive? */
bool rw_lsm_pid_alive(long pid, unsigned long long start_time);
/* Start time of a pid, or 0. */
unsigned long long rw_lsm_pid_start_time(long pid);
