/* Handing over to the real runtime: same pid, fds, environment and cwd. */
#pragma once

#include <stdbool.h>

#include "../common/error.h"

/* Refuses a runtime path that is runwarden itself (same inode as /proc/self/exe). */
int rw_exec_check_not_self(const char *runtime_path, rw_error_t **err);
/* execve(runtime_path, argv with argv[0] = runtime_path, environ). Returns only on error. */
int rw_exec_runtime(const char *runtime_path, int argc, char **argv, rw_error_t **err);
/* For --version: runs the runtime as a child, then returns its exit status. */
int rw_exec_runtime_wait(const char *runtime_path, int argc, char **argv, rw_error_t **err);
