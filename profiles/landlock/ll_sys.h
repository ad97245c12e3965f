/* The little runtime the Landlock launcher needs instead of libc: raw system calls that
 * return -errno, the process entry point, and the string helpers it uses. Without libc the
 * launcher maps a few pages and faults in two or three of them, which is most of what an
 * extra exec costs (see runwarden-landlock.c). Built that way on x86-64 and arm64
 * (RW_LL_NOLIBC, set by profiles/CMakeLists.txt); elsewhere libc's syscall() stands in. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <errno.h>
#include <sys/syscall.h>

#ifdef RW_LL_NOLIBC

#if defined(__x86_64__)
static inline long ll_sys(long n, long a, long b, long c, long d, long e)
{
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory");
    return ret;
}

#define LL_STAT_MODE_OFFSET 24 /* st_mode in the kernel's struct stat */

/* The kernel leaves argc, argv[], NULL, envp[], NULL, auxv at the stack pointer. */
#define LL_ENTRY                                                                                   \
    __asm__(".text\n.global _start\n.type _start,@function\n_start:\n"                             \
            "xor %ebp, %ebp\nmov %rsp, %rdi\nand $-16, %rsp\ncall ll_start\nhlt\n")
#elif defined(__aarch64__)
static inline long ll_sys(long n, long a, long b, long c, long d, long e)
{
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    __asm__ volatile("svc 0"
                     : "+r"(x0)
                     : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4)
                     : "memory", "cc");
    return x0;
}

#define LL_STAT_MODE_OFFSET 16 /* the generic struct stat */

#define LL_ENTRY                                                                                   \
    __asm__(".text\n.global _start\n.type _start,%function\n_start:\n"                             \
            "mov x29, #0\nmov x30, #0\nmov x0, sp\nbl ll_start\nbrk #0\n")
#else
#error "RW_LL_NOLIBC: no system call stub for this architecture (build without it)"
#endif

#else /* with libc */

#include <sys/stat.h>
#include <unistd.h>

static inline long ll_sys(long n, long a, long b, long c, long d, long e)
{
    long r = syscall(n, a, b, c, d, e);
    return r < 0 ? -errno : r;
}
#endif

#define ll_sys0(n) ll_sys((n), 0, 0, 0, 0, 0)
#define ll_sys1(n, a) ll_sys((n), (long)(a), 0, 0, 0, 0)
#define ll_sys2(n, a, b) ll_sys((n), (long)(a), (long)(b), 0, 0, 0)
#define ll_sys3(n, a, b, c) ll_sys((n), (long)(a), (long)(b), (long)(c), 0, 0)
#define ll_sys4(n, a, b, c, d) ll_sys((n), (long)(a), (long)(b), (long)(c), (long)(d), 0)
#define ll_sys5(n, a, b, c, d, e) ll_sys((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e))

static inline size_t ll_strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static inline bool ll_streq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

/* a begins with the n bytes of b */
static inline bool ll_prefix(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

/* Forward or backward as the overlap needs (it does when a symlink target is spliced in). */
static inline void ll_move(char *dst, const char *src, size_t n)
{
    if (dst < src)
        for (size_t i = 0; i < n; i++)
            dst[i] = src[i];
    else
        for (size_t i = n; i > 0; i--)
            dst[i - 1] = src[i - 1];
}
