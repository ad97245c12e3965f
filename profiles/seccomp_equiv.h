/* Decision equivalence of two seccomp programs, by running both in the interpreter: on every
 * syscall number of the given ABIs, and, where either program reads an argument, on argument
 * vectors built from the constants the programs compare with (alone, in pairs, all at once).
 * Proves that an optimised filter decides exactly as the one the runtime would have built. */
#pragma once

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rw_seccomp_equiv_abi {
    uint32_t arch; /* seccomp_data.arch */
    int nr_base;   /* first number to try (x32: 0x40000000) */
    int nr_count;  /* how many numbers from nr_base */
} rw_seccomp_equiv_abi_t;

typedef struct rw_seccomp_equiv_result {
    size_t checked; /* seccomp_data values evaluated on both programs */
    bool differ;    /* a difference was found (the first one is below) */
    uint32_t arch;
    int nr;
    uint64_t args[6];
    uint32_t ret_a, ret_b;
} rw_seccomp_equiv_result_t;

/* Both programs must be valid (rw_seccomp_bpf_validate). Returns 0 or -ENOMEM. */
int rw_seccomp_bpf_equiv(const struct sock_filter *a, size_t na, const struct sock_filter *b,
                         size_t nb, const rw_seccomp_equiv_abi_t *abis, size_t n_abis,
                         rw_seccomp_equiv_result_t *res);
/* The ABIs a filter for the host's architecture can see (amd64: x86_64, x32, i386), plus a
 * foreign arch token to check the bad-arch path. Returns how many were written (<= max). */
size_t rw_seccomp_equiv_host_abis(rw_seccomp_equiv_abi_t *out, size_t max);
