/* Compilation of an OCI linux.seccomp section to classic BPF with libseccomp, rule by rule
 * as crun 1.8.1 builds it (libcrun_generate_seccomp), optionally with libseccomp's
 * binary-tree optimisation, which changes the program's shape but not its decisions. */
#pragma once

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>

#include "../common/error.h"
#include "seccomp_names.h"
#include "seccomp_types.h"

typedef struct rw_seccomp_compile_opts {
    const rw_seccomp_arch_t *arch; /* NULL: the native architecture, as crun on this host */
    bool fail_unknown;             /* unknown syscall names: error instead of warning */
    int optimize;                  /* 0: libseccomp's default, as crun; 2: binary tree */
} rw_seccomp_compile_opts_t;

typedef struct rw_seccomp_bpf {
    struct sock_filter *insns;
    size_t n;
    char **unknown; /* names libseccomp does not know and crun would skip; NULL-terminated */
    size_t n_unknown;
    int optimize; /* the level libseccomp accepted */
} rw_seccomp_bpf_t;

int rw_seccomp_compile(const rw_seccomp_oci_t *o, const rw_seccomp_compile_opts_t *opts,
                       rw_seccomp_bpf_t *out, rw_error_t **err);
void rw_seccomp_bpf_clear(rw_seccomp_bpf_t *b);
