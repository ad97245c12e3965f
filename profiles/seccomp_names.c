/* Name tables for seccomp profiles. Values come from <errno.h> and the kernel ABI so that
 * an errno name means on this platform what golang.org/x/sys/unix means on it. */
#include "seccomp_names.h"

#include "../conf/config_admission.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "../common/cleanup.h"

static const char *const action_names[RW_SCMP_ACT_COUNT_] = {
    [RW_SCMP_ACT_KILL] = "SCMP_ACT_KILL",
    [RW_SCMP_ACT_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
    [RW_SCMP_ACT_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
    [RW_SCMP_ACT_TRAP] = "SCMP_ACT_TRAP",
    [RW_SCMP_ACT_ERRNO] = "SCMP_ACT_ERRNO",
    [RW_SCMP_ACT_TRACE] = "SCMP_ACT_TRACE",
    [RW_SCMP_ACT_ALLOW] = "SCMP_ACT_ALLOW",
    [RW_SCMP_ACT_LOG] = "SCMP_ACT_LOG",
    [RW_SCMP_ACT_NOTIFY] = "SCMP_ACT_NOTIFY",
};

int rw_seccomp_action_parse(const char *s, rw_seccomp_action_t *out)
{
    for (int i = 0; i < RW_SCMP_ACT_COUNT_; i++)
        if (strcmp(action_names[i], s) == 0) {
            *out = (rw_seccomp_action_t)i;
            return 0;
        }
    return -EINVAL;
}

const char *rw_seccomp_action_name(rw_seccomp_action_t a)
{
    return (unsigned)a < RW_SCMP_ACT_COUNT_ ? action_names[a] : "SCMP_ACT_?";
}

bool rw_seccomp_action_takes_errno(rw_seccomp_action_t a)
{
    return a == RW_SCMP_ACT_ERRNO || a == RW_SCMP_ACT_TRACE;
}

uint32_t rw_seccomp_action_value(rw_seccomp_action_t a, uint32_t errno_ret)
{
    switch (a) {
    case RW_SCMP_ACT_KILL:
    case RW_SCMP_ACT_KILL_THREAD:
        return RW_SECCOMP_RET_KILL_THREAD;
    case RW_SCMP_ACT_KILL_PROCESS:
        return RW_SECCOMP_RET_KILL_PROCESS;
    case RW_SCMP_ACT_TRAP:
        return RW_SECCOMP_RET_TRAP;
    case RW_SCMP_ACT_ERRNO:
        return RW_SECCOMP_RET_ERRNO | (errno_ret & RW_SECCOMP_RET_DATA);
    case RW_SCMP_ACT_TRACE:
        return RW_SECCOMP_RET_TRACE | (errno_ret & RW_SECCOMP_RET_DATA);
    case RW_SCMP_ACT_ALLOW:
        return RW_SECCOMP_RET_ALLOW;
    case RW_SCMP_ACT_LOG:
        return RW_SECCOMP_RET_LOG;
    case RW_SCMP_ACT_NOTIFY:
        return RW_SECCOMP_RET_USER_NOTIF;
    case RW_SCMP_ACT_COUNT_:
    default:
        return RW_SECCOMP_RET_KILL_PROCESS;
    }
}

static const struct {
    const char *name, *symbol;
} op_names[] = {
    [RW_SCMP_CMP_NE] = {"SCMP_CMP_NE", "!="},
    [RW_SCMP_CMP_LT] = {"SCMP_CMP_LT", "<"},
    [RW_SCMP_CMP_LE] = {"SCMP_CMP_LE", "<="},
    [RW_SCMP_CMP_EQ] = {"SCMP_CMP_EQ", "=="},
    [RW_SCMP_CMP_GE] = {"SCMP_CMP_GE", ">="},
    [RW_SCMP_CMP_GT] = {"SCMP_CMP_GT", ">"},
    [RW_SCMP_CMP_MASKED_EQ] = {"SCMP_CMP_MASKED_EQ", "&="},
};

int rw_seccomp_op_parse(const char *s, rw_seccomp_op_t *out)
{
    for (size_t i = RW_SCMP_CMP_NE; i < RW_ARRAY_SIZE(op_names); i++)
        if (strcmp(op_names[i].name, s) == 0) {
            *out = (rw_seccomp_op_t)i;
            return 0;
        }
    return -EINVAL;
}

const char *rw_seccomp_op_name(rw_seccomp_op_t op)
{
    return op >= RW_SCMP_CMP_NE && op <= RW_SCMP_CMP_MASKED_EQ ? op_names[op].name : "SCMP_CMP_?";
}

const char *rw_seccomp_op_symbol(rw_seccomp_op_t op)
{
    return op >= RW_SCMP_CMP_NE && op <= RW_SCMP_CMP_MASKED_EQ ? op_names[op].symbol : "?";
}

/* AUDIT_ARCH_* = EM_* | 64BIT (0x80000000) | LE (0x40000000) [| MIPS N32 0x20000000].
 * x32 is libseccomp's own token: EM_X86_64 | LE without the 64-bit flag. */
static const rw_seccomp_arch_t arches[] = {
    {"SCMP_ARCH_X86", "x86", "x86", 0x40000003U},
    {"SCMP_ARCH_X86_64", "x86_64", "amd64", 0xC000003EU},
    {"SCMP_ARCH_X32", "x32", "x32", 0x4000003EU},
    {"SCMP_ARCH_ARM", "arm", "arm", 0x40000028U},
    {"SCMP_ARCH_AARCH64", "aarch64", "arm64", 0xC00000B7U},
    {"SCMP_ARCH_MIPS", "mips", "mips", 0x00000008U},
    {"SCMP_ARCH_MIPS64", "mips64", "mips64", 0x80000008U},
    {"SCMP_ARCH_MIPS64N32", "mips64n32", "mips64n32", 0xA0000008U},
    {"SCMP_ARCH_MIPSEL", "mipsel", "mipsel", 0x40000008U},
    {"SCMP_ARCH_MIPSEL64", "mipsel64", "mipsel64", 0xC0000008U},
    {"SCMP_ARCH_MIPSEL64N32", "mipsel64n32", "mipsel64n32", 0xE0000008U},
    {"SCMP_ARCH_PPC", "ppc", "ppc", 0x00000014U},
    {"SCMP_ARCH_PPC64", "ppc64", "ppc64", 0x80000015U},
    {"SCMP_ARCH_PPC64LE", "ppc64le", "ppc64le", 0xC0000015U},
    {"SCMP_ARCH_S390", "s390", "s390", 0x00000016U},
    {"SCMP_ARCH_S390X", "s390x", "s390x", 0x80000016U},
    {"SCMP_ARCH_PARISC", "parisc", "parisc", 0x0000000FU},
    {"SCMP_ARCH_PARISC64", "parisc64", "parisc64", 0x8000000FU},
    {"SCMP_ARCH_RISCV64", "riscv64", "riscv64", 0xC00000F3U},
};

bool rw_seccomp_arch_big_endian(const rw_seccomp_arch_t *a)
{
    return !(a->token & 0x40000000U);
}

const rw_seccomp_arch_t *rw_seccomp_arch_by_scmp(const char *scmp)
{
    for (size_t i = 0; i < RW_ARRAY_SIZE(arches); i++)
        if (strcmp(arches[i].scmp, scmp) == 0)
            return &arches[i];
    return NULL;
}

const rw_seccomp_arch_t *rw_seccomp_arch_by_oci(const char *name)
{
    if (strncmp(name, "SCMP_ARCH_", 10) == 0)
        name += 10;
    /* crun copies at most 31 bytes before lowercasing; longer names cannot match. */
    if (strlen(name) > 31)
        return NULL;
    for (size_t i = 0; i < RW_ARRAY_SIZE(arches); i++)
        if (strcasecmp(arches[i].libseccomp, name) == 0)
            return &arches[i];
    return NULL;
}

const rw_seccomp_arch_t *rw_seccomp_arch_by_native(const char *native)
{
    for (size_t i = 0; i < RW_ARRAY_SIZE(arches); i++)
        if (strcmp(arches[i].native, native) == 0)
            return &arches[i];
    return NULL;
}

const rw_seccomp_arch_t *rw_seccomp_arch_by_token(uint32_t token)
{
    for (size_t i = 0; i < RW_ARRAY_SIZE(arches); i++)
        if (arches[i].token == token)
            return &arches[i];
    return NULL;
}

const rw_seccomp_arch_t *rw_seccomp_arch_at(size_t i)
{
    return i < RW_ARRAY_SIZE(arches) ? &arches[i] : NULL;
}

const rw_seccomp_arch_t *rw_seccomp_arch_host(void)
{
    /* Mirrors libseccomp's compile-time choice in arch.c. */
#if defined(__x86_64__) && defined(__ILP32__)
    return rw_seccomp_arch_by_scmp("SCMP_ARCH_X32");
#elif defined(__x86_64__)
    return rw_seccomp_arch_by_scmp("SCMP_ARCH_X86_64");
#elif defined(__i386__)
    return rw_seccomp_arch_by_scmp("SCMP_ARCH_X86");
#elif defined(__aarch64__)
    return rw_seccomp_arch_by_scmp("SCMP_ARCH_AARCH64");
#elif defined(__arm__)
    return rw_seccomp_arch_by_scmp("SCMP_ARCH_ARM");
#elif defined(__s390x__)
    return rw_seccomp_arch_by_scmp("SCMP_ARCH_S390X");
#elif defined(__s390__)
    return rw_seccomp_arch_by_scmp("SCMP_ARCH_S390");
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return rw_seccomp_arch_by_scmp("SCMP_ARCH_PPC64LE");
#elif defined(__powerpc64__)
    return rw_seccomp_arch_by_scmp("SCMP_ARCH_PPC64");
#elif defined(__powerpc__)
    return rw_seccomp_arch_by_scmp("SCMP_ARCH_PPC");
#elif defined(__riscv) && __riscv_xlen == 64
    return rw_seccomp_arch_by_scmp("SCMP_ARCH_RISCV64");
#elif defined(__mips__) && defined(_ABIN32)
    return rw_seccomp_arch_by_scmp(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
                                       ? "SCMP_ARCH_MIPSEL64N32"
                                       : "SCMP_ARCH_MIPS64N32");
#elif defined(__mips__) && defined(_ABI64)
    return rw_seccomp_arch_by_scmp(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? "SCMP_ARCH_MIPSEL64"
                                                                             : "SCMP_ARCH_MIPS64");
#elif defined(__mips__)
    return rw_seccomp_arch_by_scmp(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? "SCMP_ARCH_MIPSEL"
                                                                             : "SCMP_ARCH_MIPS");
#elif defined(__hppa64__)
    return rw_seccomp_arch_by_scmp("SCMP_ARCH_PARISC64");
#elif defined(__hppa__)
    return rw_seccomp_arch_by_scmp("SCMP_ARCH_PARISC");
#else
    return NULL;
#endif
}

#define E(n)                                                                                       \
    {                                                                                              \
#n, n                                                                                      \
    }
static const struct {
    const char *name;
    uint32_t value;
} errno_table[] = {
    E(EPERM),           E(ENOENT),          E(ESRCH),           E(EIO),
    E(ENXIO),           E(E2BIG),           E(ENOEXEC),         E(EBADF),
    E(ECHILD),          E(EDEADLK),         E(ENOMEM),          E(EACCES),
    E(EFAULT),          E(ENOTBLK),         E(EBUSY),           E(EEXIST),
    E(EXDEV),           E(ENODEV),          E(ENOTDIR),         E(EISDIR),
    E(EINVAL),          E(ENFILE),          E(EMFILE),          E(ENOTTY),
    E(ETXTBSY),         E(EFBIG),           E(ENOSPC),          E(ESPIPE),
    E(EROFS),           E(EMLINK),          E(EPIPE),           E(EDOM),
    E(ERANGE),          E(EAGAIN),          E(EINPROGRESS),     E(EALREADY),
    E(ENOTSOCK),        E(EDESTADDRREQ),    E(EMSGSIZE),        E(EPROTOTYPE),
    E(ENOPROTOOPT),     E(EPROTONOSUPPORT), E(ESOCKTNOSUPPORT), E(EOPNOTSUPP),
    E(EPFNOSUPPORT),    E(EAFNOSUPPORT),    E(EADDRINUSE),      E(EADDRNOTAVAIL),
    E(ENETDOWN),        E(ENETUNREACH),     E(ENETRESET),       E(ECONNABORTED),
    E(ECONNRESET),      E(ENOBUFS),         E(EISCONN),         E(ENOTCONN),
    E(ESHUTDOWN),       E(ETOOMANYREFS),    E(ETIMEDOUT),       E(ECONNREFUSED),
    E(ELOOP),           E(ENAMETOOLONG),    E(EHOSTDOWN),       E(EHOSTUNREACH),
    E(ENOTEMPTY),       E(EUSERS),          E(EDQUOT),          E(ESTALE),
    E(EREMOTE),         E(ENOLCK),          E(ENOSYS),          E(EILSEQ),
    E(ENOMEDIUM),       E(EMEDIUMTYPE),     E(EOVERFLOW),       E(ECANCELED),
    E(EIDRM),           E(ENOMSG),          E(ENOTSUP),         E(EBADMSG),
    E(ENOTRECOVERABLE), E(EOWNERDEAD),
};
#undef E

int rw_seccomp_errno_lookup(const char *name, uint32_t *out)
{
    for (size_t i = 0; i < RW_ARRAY_SIZE(errno_table); i++)
        if (strcmp(errno_table[i].name, name) == 0) {
            *out = errno_table[i].value;
            return 0;
        }
    return -EINVAL;
}

const char *rw_seccomp_errno_name(uint32_t value)
{
    for (size_t i = 0; i < RW_ARRAY_SIZE(errno_table); i++)
        if (errno_table[i].value == value)
            return errno_table[i].name;
    return NULL;
}

int rw_seccomp_flag_parse(const char *s, uint32_t *out)
{
    static const struct {
        const char *name;
        uint32_t value;
    } flags[] = {
        {"SECCOMP_FILTER_FLAG_TSYNC", 1U << 0},
        {"SECCOMP_FILTER_FLAG_LOG", 1U << 1},
        {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", 1U << 2},
        {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 1U << 5},
    };
    for (size_t i = 0; i < RW_ARRAY_SIZE(flags); i++)
        if (strcmp(flags[i].name, s) == 0) {
            *out = flags[i].value;
            return 0;
        }
    return -EINVAL;
}

bool rw_seccomp_cap_known(const char *name)
{
    /* One capability table for the project (conf/config_admission.c); seccomp.json names
     * must be spelled exactly, as podman compares them. */
    int n = rw_adm_cap_number(name);
    return n >= 0 && strcmp(rw_adm_cap_name(n), name) == 0;
}
