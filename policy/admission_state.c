/* Which tenant each running container belongs to, so that an exec is judged by the
 * container's level: STATE_DIR/ID.json, written atomically at create. A record counts only
 * while the runtime's state directory of that container exists and is younger than it;
 * stale ones are removed lazily. A missing record is not an error (containers from before
 * runwarden). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/fileio.h"
#include "../common/json.h"
#include "admission.h"

#define STATE_MAX 4096
#define NS_PER_S 1000000000LL
/* The runtime creates <root>/<id> after runwarden wrote the record (it execs the runtime
 * afterwards); file system clocks tick coarser than clock_gettime, so allow this much. */
#define CLOCK_SLACK_NS (20 * 1000000LL)
/* A record whose container has no state directory yet may belong to a create in flight. */
#define GRACE_S 60
/* After a sweep cut short by its bound, the next may start this much later. */
#define BACKLOG_S 1
/* Holds the next allowed sweep time (mtime) and the readdir cursor (content). A leading
 * dot: never taken for a record (ids cannot start with one). */
#define SWEEP_STAMP ".sweep"

bool rw_admission_state_id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > 200 || strcmp(id, ".") == 0 || strcmp(id, "..") == 0 || id[0] == '.')
        return false;
    for (const char *c = id; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '-' || *c == '_' || *c == '.' || *c == '+'))
            return false;
    return true;
}

static int open_dir(const char *dir, bool create, rw_error_t **err)
{
    if (create) {
        /* Parents only searchable (other features' state lives beside it, and a container's
         * root may have to reach its mounts through /run/runwarden); the records private. */
        char *slash = strrchr(dir, '/');
        int r = 0;
        if (slash && slash != dir) {
            char *parent = strndup(dir, (size_t)(slash - dir));
            r = parent ? rw_mkdir_p(parent, 0711) : -ENOMEM;
            free(parent);
        }
        if (r >= 0 && mkdir(dir, 0700) < 0 && errno != EEXIST)
            r = -errno;
        if (r < 0)
            return rw_error_setsys(err, -r, "%s: cannot create", dir);
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return create ? rw_error_setsys(err, errno, "%s: cannot open", dir) : -errno;
    return fd;
}

static int64_t ts_ns(int64_t sec, int64_t nsec)
{
    return sec * NS_PER_S + nsec;
}

/* A state root as the record may name it: absolute, no "." or ".." component. */
static bool root_ok(const char *root)
{
    size_t n = strlen(root);
    if (n == 0 || n >= PATH_MAX - 256 || root[0] != '/')
        return false;
    for (const char *c = root; (c = strchr(c, '/')); c++) {
        const char *e = c + 1;
        if ((e[0] == '.' && (e[1] == '/' || e[1] == '\0')) ||
            (e[0] == '.' && e[1] == '.' && (e[2] == '/' || e[2] == '\0')))
            return false;
    }
    return true;
}

int rw_admission_state_write(const char *state_dir, const char *id, const char *tenant,
                             rw_adm_level_t level, const char *runtime_root, rw_error_t **err)
{
    if (!rw_admission_state_id_ok(id))
        return rw_error_set(err, EINVAL, "container id '%.64s' cannot name a state file", id);
    cleanup_close int dfd = open_dir(state_dir, true, err);
    if (dfd < 0)
        return dfd;
    /* The root as the record will be compared: lexically clean ("--root /run/../run/crun"
     * names /run/crun). */
    cleanup_free char *root = runtime_root ? rw_adm_path_clean(NULL, runtime_root) : NULL;
    if (runtime_root && !root)
        return -ENOMEM;
    if (root && !root_ok(root))
        return rw_error_set(err, EINVAL, "runtime root '%.64s...' cannot be recorded", root);
    json_t *o = json_pack("{s:s,s:s}", "tenant", tenant, "level", rw_adm_level_name(level));
    if (o && root) {
        /* The coarse clock is the one file system timestamps come from: the runtime's
         * state directory, made after this, can never look older than the record. */
        struct timespec now;
        clock_gettime(CLOCK_REALTIME_COARSE, &now);
        if (json_object_set_new(o, "runtimeRoot", json_string(root)) < 0 ||
            json_object_set_new(o, "written", json_integer(ts_ns(now.tv_sec, now.tv_nsec))) < 0) {
            json_decref(o);
            o = NULL;
        }
    }
    cleanup_free char *text = o ? rw_json_dump_compact(o) : NULL;
    if (o)
        json_decref(o);
    if (!text)
        return -ENOMEM;
    char name[256];
    snprintf(name, sizeof(name), "%s.json", id);
    /* No fsync: this lives under /run and means nothing after a reboot, when the container
     * is gone too; readers see the old or the new file whole either way. */
    return rw_file_replace_at_sync(dfd, name, text, strlen(text), 0600, 0, 0, RW_REPLACE_VOLATILE,
                                   err);
}

/* ---- one record: parse and judge ------------------------------------------------------ */

typedef struct record {
    json_t *doc;
    const char *tenant;
    const char *root; /* NULL: a record of an older build, never judged */
    int64_t written_ns;
} record_t;

/* Parses a record. Keys other than ours are tolerated: a newer build may add some, and a
 * record it wrote must not make this build refuse every exec. 0, or -EINVAL with err. */
static int record_parse(const char *buf, size_t len, const char *name, record_t *rec,
                        rw_error_t **err)
{
    memset(rec, 0, sizeof(*rec));
    if (!(rec->doc = rw_json_parse(buf, len, name, err)))
        return -EINVAL;
    int r = rw_json_get_string(rec->doc, "tenant", true, &rec->tenant, name, "$", err);
    const char *root = NULL;
    long long w = 0;
    if (r >= 0)
        r = rw_json_get_string(rec->doc, "runtimeRoot", false, &root, name, "$", err);
    if (r >= 0 && root &&
        (r = rw_json_get_int(rec->doc, "written", 0, INT64_MAX, &w, name, "$", err)) == 0)
        r = rw_error_set(err, EINVAL, "%s: a record with runtimeRoot needs written", name);
    if (r >= 0 && root && !root_ok(root))
        r = rw_error_set(err, EINVAL, "%s: runtimeRoot is not a clean absolute path", name);
    if (r < 0) {
        json_decref(rec->doc);
        rec->doc = NULL;
        return r;
    }
    rec->root = root;
    rec->written_ns = w;
    return 0;
}

typedef enum verdict {
    REC_LIVE,    /* the container it was written for */
    REC_DEAD,    /* certainly not: remove it */
    REC_UNKNOWN, /* cannot tell now: ignore it, keep it */
} verdict_t;

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Whether <root>/<id> is the container rec was written for. mtime: the record file's, to
 * give a create in flight its grace. */
static verdict_t record_judge(const record_t *rec, const char *id, time_t mtime, time_t now)
{
    if (!rec->root)
        return REC_LIVE; /* an older build's record: its poststop hook removes it */
    char path[PATH_MAX];
    int n = snprintf(path, sizeof(path), "%s/%s", rec->root, id);
    if (n < 0 || (size_t)n >= sizeof(path))
        return REC_UNKNOWN;
    struct statx sx;
    /* The root is the runtime's (links along it are followed, as the runtime follows
     * them); the id component must be the directory itself. */
    if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_BTIME | STATX_CTIME, &sx) ==
        0) {
        if (!S_ISDIR(sx.stx_mode))
            return REC_DEAD;
        /* Birth time where the file system keeps one; else the change time, which is never
         * earlier than the birth, so the fallback can only keep a record, never drop a
         * good one. */
        const struct statx_timestamp *t =
            (sx.stx_mask & STATX_BTIME) ? &sx.stx_btime : &sx.stx_ctime;
        int64_t made = ts_ns(t->tv_sec, t->tv_nsec);
        if (made + CLOCK_SLACK_NS >= rec->written_ns)
            return REC_LIVE;
        /* whole-second file system timestamps: compare whole seconds */
        if (t->tv_nsec == 0 && t->tv_sec >= rec->written_ns / NS_PER_S)
            return REC_LIVE;
        return REC_DEAD;
    }
    if (errno != ENOENT)
        return REC_UNKNOWN;
    /* Gone, or not there yet: only a record past its grace, under a root that is there
     * (an unmounted /run must not look like "every container is gone"), is dead. */
    if (now < mtime || now - mtime < GRACE_S || !is_dir(rec->root))
        return REC_UNKNOWN;
    return REC_DEAD;
}

/* Unlinks dirfd/name if it is still the file st describes (a create may have written a
 * fresh record since it was read). */
static bool remove_if_same(int dirfd, const char *name, const struct stat *st)
{
    struct stat now;
    if (fstatat(dirfd, name, &now, AT_SYMLINK_NOFOLLOW) < 0 || now.st_dev != st->st_dev ||
        now.st_ino != st->st_ino)
        return false;
    return unlinkat(dirfd, name, 0) == 0;
}

/* Whether <a>/<id> and <b>/<id> are one directory (two spellings of one root). */
static bool same_state_dir(const char *a, const char *b, const char *id)
{
    char pa[PATH_MAX], pb[PATH_MAX];
    struct stat sa, sb;
    int na = snprintf(pa, sizeof(pa), "%s/%s", a, id),
        nb = snprintf(pb, sizeof(pb), "%s/%s", b, id);
    if (na < 0 || nb < 0 || (size_t)na >= sizeof(pa) || (size_t)nb >= sizeof(pb))
        return false;
    return lstat(pa, &sa) == 0 && lstat(pb, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

int rw_admission_state_read(const char *state_dir, const char *id, const char *runtime_root,
                            char **ret_tenant, rw_error_t **err)
{
    *ret_tenant = NULL;
    if (!rw_admission_state_id_ok(id))
        return 0;
    cleanup_close int dfd = open_dir(state_dir, false, err);
    if (dfd == -ENOENT)
        return 0;
    if (dfd < 0)
        return rw_error_setsys(err, -dfd, "%s: cannot open", state_dir);
    char name[256];
    snprintf(name, sizeof(name), "%s.json", id);
    cleanup_free char *buf = NULL;
    size_t len = 0;
    struct stat st;
    rw_error_t *e = NULL;
    int r = rw_file_read_at(dfd, name, STATE_MAX, &buf, &len, &st, &e);
    if (r == -ENOENT) {
        rw_error_free(e);
        return 0;
    }
    if (r < 0) {
        rw_error_set(err, -r, "%s/%s: %s", state_dir, name, e ? e->msg : "cannot read");
        rw_error_free(e);
        return r;
    }
    record_t rec;
    if ((r = record_parse(buf, len, name, &rec, err)) < 0)
        return r;
    cleanup_json json_t *doc = rec.doc;
    switch (record_judge(&rec, id, st.st_mtime, time(NULL))) {
    case REC_LIVE:
        break;
    case REC_DEAD:
        (void)remove_if_same(dfd, name, &st);
        return 0;
    case REC_UNKNOWN:
        return 0;
    default:
        return 0;
    }
    if (rec.root && runtime_root && strcmp(rec.root, runtime_root) != 0 &&
        !same_state_dir(rec.root, runtime_root, id))
        return 0; /* the same id under another runtime root: another container */
    *ret_tenant = strdup(rec.tenant);
    return *ret_tenant ? 0 : -ENOMEM;
}

int rw_admission_state_remove(const char *state_dir, const char *id)
{
    if (!rw_admission_state_id_ok(id))
        return -EINVAL;
    cleanup_close int dfd = open_dir(state_dir, false, NULL);
    if (dfd < 0)
        return dfd == -ENOENT ? 0 : dfd;
    char name[256];
    snprintf(name, sizeof(name), "%s.json", id);
    if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
        return -errno;
    return 0;
}

/* ---- the sweep ------------------------------------------------------------------------ */

/* The id of a record file name ("ID.json"), into out; false for any other name. */
static bool record_name_id(const char *name, char *out, size_t size)
{
    size_t n = strlen(name);
    if (n <= 5 || n - 5 >= size || strcmp(name + n - 5, ".json") != 0)
        return false;
    memcpy(out, name, n - 5);
    out[n - 5] = '\0';
    return rw_admission_state_id_ok(out);
}

/* A directory at <root>/<id> (the final component not followed). */
static bool state_dir_exists(const char *root, const char *id)
{
    char path[PATH_MAX];
    struct stat st;
    int n = snprintf(path, sizeof(path), "%s/%s", root, id);
    return n > 0 && (size_t)n < sizeof(path) && lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The record dfd/name into buf (NUL-terminated) in one read: the sweep's inner loop, where
 * each syscall counts. Anything but a small regular file, read whole, is not a record. */
static bool read_record_at(int dfd, const char *name, char *buf, size_t size, size_t *ret_len,
                           struct stat *st)
{
    cleanup_close int fd =
        openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, st) < 0 || !S_ISREG(st->st_mode) || st->st_size <= 0 ||
        (size_t)st->st_size >= size)
        return false;
    ssize_t n = read(fd, buf, (size_t)st->st_size);
    if (n != st->st_size)
        return false;
    buf[n] = '\0';
    *ret_len = (size_t)n;
    return true;
}

/* One directory entry: true when it was a dead record and is gone. hint_root: the state
 * root of the create that sweeps (NULL: none). */
static bool sweep_one(int dfd, const struct dirent *de, const char *hint_root, time_t now)
{
    char id[256];
    if (de->d_name[0] == '.' || (de->d_type != DT_REG && de->d_type != DT_UNKNOWN) ||
        !record_name_id(de->d_name, id, sizeof(id)))
        return false;
    /* Most records belong to live containers under the same root as this create: one
     * lstat keeps them without reading them (keeping is always safe). */
    if (hint_root && state_dir_exists(hint_root, id))
        return false;
    char buf[STATE_MAX + 1];
    size_t len = 0;
    struct stat st;
    if (!read_record_at(dfd, de->d_name, buf, sizeof(buf), &len, &st) || now < st.st_mtime ||
        now - st.st_mtime < GRACE_S)
        return false;
    record_t rec;
    if (record_parse(buf, len, de->d_name, &rec, NULL) < 0)
        return false; /* not ours to judge: the exec that meets it reports it */
    cleanup_json json_t *doc = rec.doc;
    return record_judge(&rec, id, st.st_mtime, now) == REC_DEAD &&
           remove_if_same(dfd, de->d_name, &st);
}

/* The stamp, opened (created when missing) without following a link. */
static int stamp_open(int dfd)
{
    int fd = openat(dfd, SWEEP_STAMP, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
    if (fd < 0 && errno == ELOOP && unlinkat(dfd, SWEEP_STAMP, 0) == 0)
        fd = openat(dfd, SWEEP_STAMP, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -EINVAL;
    }
    return fd;
}

static long stamp_cursor(int fd)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    char *end = NULL;
    errno = 0;
    long v = strtol(buf, &end, 10);
    return errno || end == buf || *end != '\n' || v < 0 ? 0 : v;
}

static void stamp_time(int fd, time_t next)
{
    struct timespec t[2] = {{.tv_sec = next}, {.tv_sec = next}};
    (void)futimens(fd, t);
}

static void stamp_set(int fd, time_t next, long cursor)
{
    /* Fixed width: the new cursor covers the old whole, no truncation needed. A stamp
     * that could not be written only means the next sweep starts over. */
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%020ld\n", cursor);
    if (n > 0 && pwrite(fd, buf, (size_t)n, 0) != n)
        cursor = 0;
    stamp_time(fd, next);
}

int rw_admission_state_sweep(const char *state_dir, const char *hint_root, unsigned interval_s,
                             unsigned max_entries)
{
    time_t now = time(NULL);
    /* The common case costs one lstat: not yet time. A stamp far in the future (the clock
     * was set back) does not stop sweeping for good. */
    char stamp[PATH_MAX];
    int n = snprintf(stamp, sizeof(stamp), "%s/%s", state_dir, SWEEP_STAMP);
    struct stat st;
    if (n < 0 || (size_t)n >= sizeof(stamp))
        return -ENAMETOOLONG;
    if (lstat(stamp, &st) == 0 && S_ISREG(st.st_mode) && now < st.st_mtime &&
        st.st_mtime - now <= (time_t)interval_s + 1)
        return 0;
    int dfd = open_dir(state_dir, false, NULL);
    if (dfd < 0)
        return dfd == -ENOENT ? 0 : dfd;
    cleanup_close int sfd = stamp_open(dfd);
    if (sfd < 0) {
        close(dfd);
        return sfd;
    }
    long cursor = stamp_cursor(sfd);
    /* Claim this round first: creates running at the same moment skip it. */
    stamp_time(sfd, now + (time_t)interval_s);
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return -ENOMEM;
    }
    if (cursor > 0)
        seekdir(d, cursor);
    unsigned seen = 0, removed = 0;
    bool end = false;
    while (seen < max_entries) {
        struct dirent *de = readdir(d);
        if (!de) {
            end = true; /* the end, or a cursor the directory no longer knows: restart */
            break;
        }
        seen++;
        if (sweep_one(dirfd(d), de, hint_root, now))
            removed++;
    }
    long next_cursor = end ? 0 : telldir(d);
    stamp_set(sfd, now + (time_t)(end || interval_s < BACKLOG_S ? interval_s : BACKLOG_S),
              next_cursor < 0 ? 0 : next_cursor);
    closedir(d);
    return (int)removed;
}
