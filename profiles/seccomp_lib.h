/* libseccomp, loaded with dlopen() only when a filter must really be compiled (a cache miss,
 * or the seccomp commands), so the runwarden binary does not link it and a cache hit or a
 * pass-through call never pays for loading it. */
#pragma once

#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../common/error.h"

#define RW_SECCOMP_LIBNAME "libseccomp.so.2"

typedef struct rw_seccomp_lib {
    void *handle;
    char version[32]; /* "2.5.4" */
    char path[4096];  /* the file the loader picked */
    __typeof__(seccomp_init) *init;
    __typeof__(seccomp_release) *release;
    __typeof__(seccomp_arch_add) *arch_add;
    __typeof__(seccomp_arch_remove) *arch_remove;
    __typeof__(seccomp_arch_exist) *arch_exist;
    __typeof__(seccomp_attr_set) *attr_set;
    __typeof__(seccomp_syscall_resolve_name) *resolve_name;
    __typeof__(seccomp_syscall_resolve_name_arch) *resolve_name_arch;
    __typeof__(seccomp_syscall_resolve_num_arch) *resolve_num_arch;
    __typeof__(seccomp_rule_add_array) *rule_add_array;
    __typeof__(seccomp_export_bpf) *export_bpf;
    __typeof__(seccomp_version) *get_version;
} rw_seccomp_lib_t;

/* Loads libseccomp once per process (RW_SECCOMP_LIBNAME through the normal loader search; no
 * environment override, since the caller's environment must not choose code we run).
 * Returns NULL with err set when it cannot be loaded. */
const rw_seccomp_lib_t *rw_seccomp_lib_get(rw_error_t **err);
/* True once rw_seccomp_lib_get() has loaded the library in this process. */
bool rw_seccomp_lib_loaded(void);
