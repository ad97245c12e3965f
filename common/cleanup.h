/* Cleanup attributes and ownership-transfer helpers used by every module.
 * Destructors accept NULL / negative fds so a variable may always be cleaned up. */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void rw_freep(void *p)
{
    free(*(void **)p);
}

static inline void rw_closep(int *fd)
{
    if (*fd >= 0) {
        int saved = errno;
        close(*fd);
        errno = saved;
    }
}

static inline void rw_fclosep(FILE **f)
{
    if (*f)
        fclose(*f);
}

static inline void rw_strv_freep(char ***v)
{
    if (*v) {
        for (char **s = *v; *s; s++)
            free(*s);
        free(*v);
    }
}

#define cleanup_free _cleanup_(rw_freep)
#define cleanup_close _cleanup_(rw_closep)
#define cleanup_fclose _cleanup_(rw_fclosep)
#define cleanup_strv _cleanup_(rw_strv_freep)

/* Hand ownership to the caller and leave the variable empty so its cleanup is a no-op. */
#define TAKE_PTR(p)                                                                                \
    ({                                                                                             \
        __typeof__(p) _taken = (p);                                                                \
        (p) = NULL;                                                                                \
        _taken;                                                                                    \
    })
#define TAKE_FD(fd)                                                                                \
    ({                                                                                             \
        int _taken = (fd);                                                                         \
        (fd) = -1;                                                                                 \
        _taken;                                                                                    \
    })

#define RW_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
