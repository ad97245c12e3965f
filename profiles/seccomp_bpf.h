/* A classic-BPF interpreter for seccomp filters: the checks the kernel applies when a filter
 * is loaded (bpf_check_classic + seccomp_check_filter) and the evaluation it performs on a
 * struct seccomp_data, so `runwarden seccomp test` answers what the kernel would do. */
#pragma once

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"

/* Refuses what the kernel refuses at load time: length, opcodes seccomp does not allow,
 * unaligned or out-of-range loads, jumps out of the program, a last instruction that is not
 * RET, scratch memory read before it is written on some path, division by constant zero. */
int rw_seccomp_bpf_validate(const struct sock_filter *prog, size_t n, rw_error_t **err);

/* Runs a validated program. *ret is the filter's return value; *executed (optional) counts
 * the instructions run. */
void rw_seccomp_bpf_run(const struct sock_filter *prog, size_t n, const struct seccomp_data *d,
                        uint32_t *ret, size_t *executed);

/* Same, and *loaded gets one bit per 32-bit word of seccomp_data the run read (bit k/4 for
 * a load at offset k): bits 4..15 are the arguments. */
void rw_seccomp_bpf_run_traced(const struct sock_filter *prog, size_t n,
                               const struct seccomp_data *d, uint32_t *ret, size_t *executed,
                               uint16_t *loaded);

/* libseccomp exports a filter in its target's byte order: for a big-endian target (s390x,
 * mips, ppc64, parisc...) this turns the program into host order in place. */
void rw_seccomp_bpf_to_host(struct sock_filter *prog, size_t n, bool big_endian_target);
/* A big-endian kernel stores each 64-bit field of seccomp_data high word first: prepares d
 * (filled with values) so that word loads see what that kernel's filter would. */
void rw_seccomp_data_for_target(struct seccomp_data *d, bool big_endian_target);

/* "ALLOW", "ERRNO(1) EPERM", "KILL_PROCESS", "TRAP(0)", "TRACE(5)", "LOG", "USER_NOTIF".
 * Values the kernel does not know are reported as it treats them: KILL_PROCESS. */
void rw_seccomp_ret_describe(uint32_t ret, char *buf, size_t len);
/* The kernel's errno for an ERRNO return (data capped at MAX_ERRNO); -1 for other actions. */
int rw_seccomp_ret_errno(uint32_t ret);
