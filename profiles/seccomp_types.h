/* Typed forms shared by the seccomp reader, resolver, compiler and cache: the OCI
 * linux.seccomp section and the list of named warnings every step may add to. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seccomp_names.h"

typedef struct rw_seccomp_arg {
    uint32_t index;
    uint64_t value, value_two;
    rw_seccomp_op_t op;
} rw_seccomp_arg_t;

/* One linux.seccomp.syscalls[] entry. */
typedef struct rw_seccomp_rule {
    char **names; /* NULL-terminated */
    size_t n_names;
    rw_seccomp_action_t action;
    bool has_errno_ret;
    uint32_t errno_ret;
    rw_seccomp_arg_t *args;
    size_t n_args;
} rw_seccomp_rule_t;

/* The OCI runtime-spec linux.seccomp section, as a runtime reads it. */
typedef struct rw_seccomp_oci {
    rw_seccomp_action_t default_action;
    bool has_default_errno_ret;
    uint32_t default_errno_ret;
    char **architectures; /* NULL-terminated, as written ("SCMP_ARCH_X86_64") */
    size_t n_architectures;
    bool flags_present; /* crun: absent flags mean SECCOMP_FILTER_FLAG_SPEC_ALLOW */
    char **flags;
    size_t n_flags;
    char *listener_path, *listener_metadata; /* NULL when absent */
    rw_seccomp_rule_t *rules;
    size_t n_rules;
} rw_seccomp_oci_t;

void rw_seccomp_oci_free(rw_seccomp_oci_t *o);
static inline void rw_seccomp_oci_freep(rw_seccomp_oci_t **o)
{
    rw_seccomp_oci_free(*o);
}
#define cleanup_seccomp_oci __attribute__((cleanup(rw_seccomp_oci_freep)))

/* A warning with a stable rule name ("seccomp.min-kernel-ignored"), the JSON path it is about
 * and a one-line explanation. */
typedef struct rw_seccomp_warning {
    char *rule, *path, *msg;
} rw_seccomp_warning_t;

typedef struct rw_seccomp_warnings {
    rw_seccomp_warning_t *items;
    size_t n, cap;
} rw_seccomp_warnings_t;

/* Adds a warning; w may be NULL (warning dropped). Returns 0 or -ENOMEM. */
int rw_seccomp_warn(rw_seccomp_warnings_t *w, const char *rule, const char *path, const char *fmt,
                    ...) __attribute__((format(printf, 4, 5)));
void rw_seccomp_warnings_clear(rw_seccomp_warnings_t *w);
