/* Private state directories, their locks, and the per-container record that lets `exec`
 * and poststop find what `create` set up for a container (whatever engine called). */
#include "lsm_state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/fileio.h"
#include "../common/json.h"

#define RECORD_MAX (256u << 10)

void rw_lsm_container_key(const char *runtime_root, const char *id, char out[RW_SHA256_HEX_LEN + 1])
{
    rw_sha256_t c;
    uint8_t d[RW_SHA256_LEN];
    rw_sha256_init(&c);
    rw_sha256_update(&c, runtime_root, strlen(runtime_root) + 1);
    rw_sha256_update(&c, id, strlen(id));
    rw_sha256_final(&c, d);
    rw_hex(d, sizeof(d), out);
}

int rw_lsm_open_private_dir(const char *dir, bool create, rw_error_t **err)
{
    if (create) {
        int r = rw_mkdir_p(dir, 0700);
        if (r < 0)
            return rw_error_setsys(err, -r, "%s: cannot create", dir);
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return rw_error_setsys(err, errno, "%s: cannot open", dir);
    struct stat st;
    /* Reservations and records decide what a container may do: only we may change them. */
    if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 022)) {
        close(fd);
        return rw_error_set(err, EPERM,
                            "%s: must be owned by uid %u and not writable by group or others", dir,
                            (unsigned)geteuid());
    }
    return fd;
}

int rw_lsm_lock_dir(const char *dir, rw_error_t **err)
{
    cleanup_close int dfd = rw_lsm_open_private_dir(dir, true, err);
    if (dfd < 0)
        return dfd;
    int fd = openat(dfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return rw_error_setsys(err, errno, "%s/lock: cannot open", dir);
    while (flock(fd, LOCK_EX) < 0) {
        if (errno != EINTR) {
            int e = errno;
            close(fd);
            return rw_error_setsys(err, e, "%s/lock: cannot lock", dir);
        }
    }
    return fd;
}

int rw_lsm_replace_at(int dirfd, const char *name, const void *buf, size_t len)
{
    char tmp[256];
    uint32_t rnd = 0;
    if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
        rnd = (uint32_t)time(NULL);
    int n = snprintf(tmp, sizeof(tmp), ".%s.%d.%08x.tmp", name, (int)getpid(), rnd);
    if (n < 0 || (size_t)n >= sizeof(tmp))
        return -ENAMETOOLONG;
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    int r = rw_write_all(fd, buf, len);
    if (close(fd) < 0 && r >= 0)
        r = -errno;
    if (r >= 0 && renameat(dirfd, tmp, dirfd, name) < 0)
        r = -errno;
    if (r < 0)
        unlinkat(dirfd, tmp, 0);
    return r;
}

long long rw_lsm_boot_time(void)
{
    cleanup_free char *buf = NULL;
    size_t len = 0;
    if (rw_file_read_at(AT_FDCWD, "/proc/stat", 1u << 20, &buf, &len, NULL, NULL) < 0)
        return 0;
    const char *p = strstr(buf, "\nbtime ");
    return p ? strtoll(p + 7, NULL, 10) : 0;
}

static int record_dir(const char *state_dir, bool create, rw_error_t **err)
{
    cleanup_free char *d = NULL;
    if (asprintf(&d, "%s/containers", state_dir) < 0)
        return -ENOMEM;
    return rw_lsm_open_private_dir(d, create, err);
}

int rw_lsm_record_write(const char *state_dir, const char *key, const json_t *rec, rw_error_t **err)
{
    cleanup_close int dfd = record_dir(state_dir, true, err);
    if (dfd < 0)
        return dfd;
    cleanup_free char *text = rw_json_dump(rec);
    if (!text)
        return -ENOMEM;
    char name[RW_SHA256_HEX_LEN + 8];
    snprintf(name, sizeof(name), "%s.json", key);
    int r = rw_lsm_replace_at(dfd, name, text, strlen(text));
    return r < 0 ? rw_error_setsys(err, -r, "%s/containers/%s: cannot write", state_dir, name) : 0;
}

int rw_lsm_record_read(const char *state_dir, const char *key, json_t **ret, rw_error_t **err)
{
    *ret = NULL;
    rw_error_t *e = NULL;
    cleanup_close int dfd = record_dir(state_dir, false, &e);
    if (dfd == -ENOENT) {
        rw_error_free(e);
        return 0;
    }
    if (dfd < 0) {
        if (err && !*err)
            *err = e;
        else
            rw_error_free(e);
        return dfd;
    }
    char name[RW_SHA256_HEX_LEN + 8];
    snprintf(name, sizeof(name), "%s.json", key);
    cleanup_free char *buf = NULL;
    size_t len = 0;
    int r = rw_file_read_at(dfd, name, RECORD_MAX, &buf, &len, NULL, &e);
    if (r == -ENOENT) {
        rw_error_free(e);
        return 0;
    }
    if (r < 0) {
        rw_error_set(err, -r, "LSM record of the container: %s", e ? e->msg : "unreadable");
        rw_error_free(e);
        return r;
    }
    json_t *j = rw_json_parse(buf, len, name, err);
    if (!j || !json_is_object(j)) {
        if (j)
            json_decref(j);
        return rw_error_set(err, EINVAL, "%s/containers/%s: not a JSON object", state_dir, name);
    }
    *ret = j;
    return 0;
}

int rw_lsm_record_remove(const char *state_dir, const char *key)
{
    cleanup_close int dfd = record_dir(state_dir, false, NULL);
    if (dfd < 0)
        return dfd == -ENOENT ? 0 : dfd;
    char name[RW_SHA256_HEX_LEN + 8];
    snprintf(name, sizeof(name), "%s.json", key);
    if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
        return -errno;
    return 0;
}

unsigned long long rw_lsm_pid_start_time(long pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    /* comm may hold spaces and parentheses: fields restart after the last ')' */
    char *p = strrchr(buf, ')');
    if (!p)
        return 0;
    p++;
    /* field 3 (state) is the first after ')'; start time is field 22 */
    for (int field = 3; field < 22 && p; field++) {
        p = strchr(p + 1, ' ');
    }
    if (!p)
        return 0;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(p + 1, &end, 10);
    return errno || end == p + 1 ? 0 : v;
}

bool rw_lsm_pid_alive(long pid, unsigned long long start_time)
{
    if (pid <= 0)
        return false;
    unsigned long long now = rw_lsm_pid_start_time(pid);
    return now != 0 && now == start_time;
}
