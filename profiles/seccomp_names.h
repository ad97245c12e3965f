/* The vocabulary of seccomp profiles: actions, comparison operators, architectures, errno
 * names, filter flags and capability names, with the values the kernel and libseccomp use.
 * Pure tables, so the pass-through path never needs libseccomp to understand a profile. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum rw_seccomp_action {
    RW_SCMP_ACT_KILL = 0,
    RW_SCMP_ACT_KILL_PROCESS,
    RW_SCMP_ACT_KILL_THREAD,
    RW_SCMP_ACT_TRAP,
    RW_SCMP_ACT_ERRNO,
    RW_SCMP_ACT_TRACE,
    RW_SCMP_ACT_ALLOW,
    RW_SCMP_ACT_LOG,
    RW_SCMP_ACT_NOTIFY,
    RW_SCMP_ACT_COUNT_,
} rw_seccomp_action_t;

/* Same numbering as libseccomp's enum scmp_compare. */
typedef enum rw_seccomp_op {
    RW_SCMP_CMP_NE = 1,
    RW_SCMP_CMP_LT = 2,
    RW_SCMP_CMP_LE = 3,
    RW_SCMP_CMP_EQ = 4,
    RW_SCMP_CMP_GE = 5,
    RW_SCMP_CMP_GT = 6,
    RW_SCMP_CMP_MASKED_EQ = 7,
} rw_seccomp_op_t;

/* Kernel return values (SECCOMP_RET_*), also libseccomp's SCMP_ACT_* encodings. */
#define RW_SECCOMP_RET_KILL_PROCESS 0x80000000U
#define RW_SECCOMP_RET_KILL_THREAD 0x00000000U
#define RW_SECCOMP_RET_TRAP 0x00030000U
#define RW_SECCOMP_RET_ERRNO 0x00050000U
#define RW_SECCOMP_RET_USER_NOTIF 0x7fc00000U
#define RW_SECCOMP_RET_TRACE 0x7ff00000U
#define RW_SECCOMP_RET_LOG 0x7ffc0000U
#define RW_SECCOMP_RET_ALLOW 0x7fff0000U
#define RW_SECCOMP_RET_ACTION_FULL 0xffff0000U
#define RW_SECCOMP_RET_DATA 0x0000ffffU

/* The kernel caps a filter's errno at MAX_ERRNO. */
#define RW_SECCOMP_MAX_ERRNO 4095
#define RW_SECCOMP_MAX_ARGS 6

/* "SCMP_ACT_ERRNO" -> enum; returns -EINVAL for anything else. */
int rw_seccomp_action_parse(const char *s, rw_seccomp_action_t *out);
const char *rw_seccomp_action_name(rw_seccomp_action_t a);
/* Only ERRNO and TRACE carry an errno (crun refuses errnoRet on anything else). */
bool rw_seccomp_action_takes_errno(rw_seccomp_action_t a);
/* The 32-bit value libseccomp (and so crun) gives the action; errno_ret is masked to 16 bits
 * exactly as SCMP_ACT_ERRNO() does. */
uint32_t rw_seccomp_action_value(rw_seccomp_action_t a, uint32_t errno_ret);

int rw_seccomp_op_parse(const char *s, rw_seccomp_op_t *out);
const char *rw_seccomp_op_name(rw_seccomp_op_t op);
/* Short symbol for explanations: "==", "!=", "&=" ... */
const char *rw_seccomp_op_symbol(rw_seccomp_op_t op);

typedef struct rw_seccomp_arch {
    const char *scmp;       /* "SCMP_ARCH_X86_64" */
    const char *libseccomp; /* "x86_64", what seccomp_arch_resolve_name() takes */
    const char *native;     /* "amd64", libseccomp-golang's name, used by includes.arches */
    uint32_t token;         /* AUDIT_ARCH_* as libseccomp uses it */
} rw_seccomp_arch_t;

/* AUDIT_ARCH_* without __AUDIT_ARCH_LE: s390x, mips, ppc64 (not ppc64le), parisc... */
bool rw_seccomp_arch_big_endian(const rw_seccomp_arch_t *a);
/* By "SCMP_ARCH_X86_64". */
const rw_seccomp_arch_t *rw_seccomp_arch_by_scmp(const char *scmp);
/* As crun resolves an OCI architecture: optional "SCMP_ARCH_" prefix, case-insensitive. */
const rw_seccomp_arch_t *rw_seccomp_arch_by_oci(const char *name);
/* By libseccomp-golang name ("amd64"). */
const rw_seccomp_arch_t *rw_seccomp_arch_by_native(const char *native);
const rw_seccomp_arch_t *rw_seccomp_arch_by_token(uint32_t token);
/* The architecture this binary was built for, as libseccomp's seccomp_arch_native(). */
const rw_seccomp_arch_t *rw_seccomp_arch_host(void);
/* Iteration over the table (NULL past the end). */
const rw_seccomp_arch_t *rw_seccomp_arch_at(size_t i);

/* containers/common's errno table (pkg/seccomp/errno_list.go) with this platform's values.
 * Returns -EINVAL for a name not in the table. */
int rw_seccomp_errno_lookup(const char *name, uint32_t *out);
/* The table's name for a value (first match), or NULL. */
const char *rw_seccomp_errno_name(uint32_t value);

/* Filter flags crun 1.8.1 accepts in linux.seccomp.flags; value is the kernel's
 * SECCOMP_FILTER_FLAG_*. Returns -EINVAL for others. */
int rw_seccomp_flag_parse(const char *s, uint32_t *out);

/* Linux capability names (CAP_CHOWN ... CAP_CHECKPOINT_RESTORE). */
bool rw_seccomp_cap_known(const char *name);
