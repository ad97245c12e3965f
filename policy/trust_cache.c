/* A content-addressed cache: a key covers every input of the value, so an entry never
 * needs invalidation, only expiry (keys and signatures can expire with time). Old entries
 * are pruned now and then when a new one is written. */
#include "trust_cache.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/fileio.h"
#include "../common/json.h"

#define ENTRY_MAX (8u << 20)

int rw_trust_cache_open(const char *dir, bool create, const char **why)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create) {
        if (rw_mkdir_p(dir, 0700) < 0) {
            *why = "cannot create the cache directory";
            return -EACCES;
        }
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0) {
        *why = errno == ENOENT ? "the cache directory does not exist"
                               : "cannot open the cache directory";
        return -errno;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 022)) {
        close(fd);
        *why = "the cache directory is not owned by runwarden's user or is writable by others";
        return -EPERM;
    }
    return fd;
}

static void name_of(const char *prefix, const uint8_t key[RW_SHA256_LEN], char *out, size_t n)
{
    char hex[RW_SHA256_HEX_LEN + 1];
    rw_hex(key, RW_SHA256_LEN, hex);
    snprintf(out, n, "%s%s", prefix, hex);
}

int rw_trust_cache_get(int dirfd, const char *prefix, const uint8_t key[RW_SHA256_LEN],
                       json_t **ret)
{
    char name[RW_SHA256_HEX_LEN + 16];
    name_of(prefix, key, name, sizeof(name));
    cleanup_free char *buf = NULL;
    size_t len = 0;
    struct stat st;
    rw_error_t *e = NULL;
    int r = rw_file_read_at(dirfd, name, ENTRY_MAX, &buf, &len, &st, &e);
    rw_error_free(e);
    if (r < 0 || st.st_uid != geteuid())
        return 0;
    json_error_t je;
    json_t *o = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!o)
        return 0;
    json_t *until = json_object_get(o, "until"), *value = json_object_get(o, "value");
    if (!json_is_integer(until) || json_integer_value(until) < (json_int_t)time(NULL) || !value) {
        json_decref(o);
        return 0;
    }
    *ret = json_incref(value);
    json_decref(o);
    return 1;
}

/* Removes entries whose mtime is older than max_age; bounded work per call. */
static void prune(int dirfd, long max_age)
{
    int d = dup(dirfd);
    DIR *dir = d >= 0 ? fdopendir(d) : NULL;
    if (!dir) {
        if (d >= 0)
            close(d);
        return;
    }
    /* fdopendir shares the offset with dirfd's duplicate; start from the beginning. */
    rewinddir(dir);
    time_t now = time(NULL);
    struct dirent *de;
    int seen = 0;
    while ((de = readdir(dir)) && seen++ < 20000) {
        if ((de->d_name[0] != 'v' && de->d_name[0] != 'i') || de->d_name[1] != '-')
            continue;
        struct stat st;
        if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            now - st.st_mtime > max_age)
            unlinkat(dirfd, de->d_name, 0);
    }
    closedir(dir);
}

/* Temp file and rename, without fsync: a cache entry lost in a crash is only a miss, and a
 * torn one fails to parse, which is also a miss. A start must not wait for the disk. */
static void write_entry(int dirfd, const char *name, const char *data, size_t len)
{
    char tmp[RW_SHA256_HEX_LEN + 32];
    uint32_t rnd = 0;
    if (getentropy(&rnd, sizeof(rnd)) < 0)
        rnd = (uint32_t)getpid();
    snprintf(tmp, sizeof(tmp), ".%s.%08x", name, rnd);
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    int r = rw_write_all(fd, data, len);
    if (close(fd) < 0)
        r = -1;
    if (r < 0 || renameat(dirfd, tmp, dirfd, name) < 0)
        unlinkat(dirfd, tmp, 0);
}

void rw_trust_cache_put(int dirfd, const char *prefix, const uint8_t key[RW_SHA256_LEN],
                        const json_t *value, long ttl)
{
    char name[RW_SHA256_HEX_LEN + 16];
    name_of(prefix, key, name, sizeof(name));
    json_t *o = json_pack("{s:I,s:O}", "until", (json_int_t)(time(NULL) + ttl), "value", value);
    if (!o)
        return;
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!s)
        return;
    write_entry(dirfd, name, s, strlen(s));
    free(s);
    uint8_t coin = 0;
    if (getentropy(&coin, 1) == 0 && coin < 4) /* about one write in 64 */
        prune(dirfd, ttl > 0 ? 2 * ttl : 86400);
}
