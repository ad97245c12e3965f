/* rw_audit_json_find_at: maps a hostile file and walks it under a SIGBUS guard, so a file
 * truncated by someone else while we read it means "unusable", never a crash. Only the
 * walker and a memcpy touch the mapping; the only other call under the guard is malloc,
 * which never touches it. */
#include "json_path.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/cleanup.h"

#define RW_AUDIT_JSON_SMALL_FILE 4096

static __thread sigjmp_buf *bus_env;

static void on_sigbus(int sig)
{
    (void)sig;
    siglongjmp(*bus_env, 1);
}

/* Walks map and copies the wanted values out; runs under the guard. */
static int walk_and_copy(const char *map, size_t len, rw_audit_json_want_t *wants, size_t n,
                         char *volatile *ret_copy)
{
    if (rw_audit_json_find(map, len, wants, n, NULL, NULL) < 0)
        return 0;
    size_t total = 0;
    for (size_t k = 0; k < n; k++)
        total += wants[k].len;
    char *copy = malloc(total + 1);
    if (!copy)
        return -ENOMEM;
    *ret_copy = copy; /* before the copying: a SIGBUS now must not leak it */
    size_t at = 0;
    for (size_t k = 0; k < n; k++) {
        memcpy(copy + at, map + wants[k].off, wants[k].len);
        wants[k].off = at;
        at += wants[k].len;
    }
    copy[at] = '\0';
    return 1;
}

int rw_audit_json_find_at(int dirfd, const char *name, size_t cap, rw_audit_json_want_t *wants,
                          size_t n_wants, char **ret_copy)
{
    *ret_copy = NULL;
    /* O_NONBLOCK: a FIFO planted in place of the file cannot block us */
    cleanup_close int fd =
        openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return 0;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        (uintmax_t)st.st_size > cap)
        return 0;
    size_t len = (size_t)st.st_size;
    if (len <= RW_AUDIT_JSON_SMALL_FILE) {
        /* small (crun's status): a read into the stack costs less than a mapping */
        char small[RW_AUDIT_JSON_SMALL_FILE + 1];
        ssize_t got = read(fd, small, sizeof(small));
        if (got <= 0 || (size_t)got > RW_AUDIT_JSON_SMALL_FILE)
            return 0; /* gone, or grew past what fstat said */
        char *volatile c = NULL;
        int r = walk_and_copy(small, (size_t)got, wants, n_wants, &c);
        if (r <= 0) {
            free(c);
            for (size_t k = 0; k < n_wants; k++)
                wants[k].off = wants[k].len = 0;
            return r;
        }
        *ret_copy = c;
        return 1;
    }
    /* no MAP_POPULATE: the walker touches the pages in order and stops early on bad input */
    const char *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED)
        return 0;
    /* SA_NODEFER: jumping out of the handler leaves SIGBUS unblocked without saving masks */
    struct sigaction sa = {.sa_handler = on_sigbus, .sa_flags = SA_NODEFER}, old;
    sigemptyset(&sa.sa_mask);
    sigjmp_buf env;
    char *volatile copy = NULL;
    volatile int r = 0;
    if (sigaction(SIGBUS, &sa, &old) < 0)
        return 0;
    bus_env = &env;
    if (sigsetjmp(env, 0) == 0) {
        r = walk_and_copy(map, len, wants, n_wants, &copy);
    } else {
        r = 0; /* the file shrank while mapped */
    }
    bus_env = NULL;
    sigaction(SIGBUS, &old, NULL);
    /* The mapping stays: munmap's TLB shootdown costs more than all the rest (0.1-0.3 ms
     * on the 2-vCPU test VM) and these callers exec the runtime next, which drops it. */
    if (r <= 0) {
        free(copy);
        for (size_t k = 0; k < n_wants; k++)
            wants[k].off = wants[k].len = 0;
        return r;
    }
    *ret_copy = copy;
    return 1;
}
