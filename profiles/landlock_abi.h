/* The Landlock kernel interface as far as runwarden uses it, spelled out here because the
 * build host's <linux/landlock.h> may predate the kernel it runs on. Shared by the stage
 * (which predicts what will be enforced) and the static launcher (which enforces it). */
#pragma once

#include <errno.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

#define RW_LL_CREATE_RULESET_VERSION (1u << 0)
#define RW_LL_RULE_PATH_BENEATH 1

/* Filesystem rights, with the ABI version that introduced each. */
#define RW_LL_FS_EXECUTE (1ull << 0)
#define RW_LL_FS_WRITE_FILE (1ull << 1)
#define RW_LL_FS_READ_FILE (1ull << 2)
#define RW_LL_FS_READ_DIR (1ull << 3)
#define RW_LL_FS_REMOVE_DIR (1ull << 4)
#define RW_LL_FS_REMOVE_FILE (1ull << 5)
#define RW_LL_FS_MAKE_CHAR (1ull << 6)
#define RW_LL_FS_MAKE_DIR (1ull << 7)
#define RW_LL_FS_MAKE_REG (1ull << 8)
#define RW_LL_FS_MAKE_SOCK (1ull << 9)
#define RW_LL_FS_MAKE_FIFO (1ull << 10)
#define RW_LL_FS_MAKE_BLOCK (1ull << 11)
#define RW_LL_FS_MAKE_SYM (1ull << 12)
#define RW_LL_FS_REFER (1ull << 13)     /* ABI 2 */
#define RW_LL_FS_TRUNCATE (1ull << 14)  /* ABI 3 */
#define RW_LL_FS_IOCTL_DEV (1ull << 15) /* ABI 5 */

#define RW_LL_FS_ABI1 ((1ull << 13) - 1)
/* Rights that mean something on a file (the kernel refuses the others on a non-directory). */
#define RW_LL_FS_FILE_MASK                                                                         \
    (RW_LL_FS_EXECUTE | RW_LL_FS_WRITE_FILE | RW_LL_FS_READ_FILE | RW_LL_FS_TRUNCATE |             \
     RW_LL_FS_IOCTL_DEV)
#define RW_LL_FS_READ_ONLY (RW_LL_FS_EXECUTE | RW_LL_FS_READ_FILE | RW_LL_FS_READ_DIR)

/* Layout of struct landlock_ruleset_attr; the kernel accepts a prefix of it (size says how
 * much), so only the fs field is passed to kernels that know nothing else. */
struct rw_ll_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net; /* ABI 4 */
    uint64_t scoped;             /* ABI 6 */
};

struct rw_ll_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

/* Every filesystem right the given ABI can handle. */
static inline uint64_t rw_ll_fs_handled(int abi)
{
    uint64_t m = 0;
    if (abi >= 1)
        m |= RW_LL_FS_ABI1;
    if (abi >= 2)
        m |= RW_LL_FS_REFER;
    if (abi >= 3)
        m |= RW_LL_FS_TRUNCATE;
    if (abi >= 5)
        m |= RW_LL_FS_IOCTL_DEV;
    return m;
}

/* The running kernel's Landlock ABI: > 0, or -errno (ENOSYS: not built, EOPNOTSUPP: off). */
static inline int rw_ll_abi_version(void)
{
    long v = syscall(SYS_landlock_create_ruleset, (void *)0, 0, RW_LL_CREATE_RULESET_VERSION);
    return v < 0 ? -errno : (int)v;
}
