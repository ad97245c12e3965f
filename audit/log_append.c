/* Appending to the audit log: exclusive lock on PATH.lock, O_APPEND writes of whole lines,
 * fdatasync before returning, torn-tail repair and the chain head read from the tail. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/fileio.h"
#include "audit_time.h"
#include "log.h"
#include "log_line.h"
#include "seal.h"

static size_t slow_chunk;
static unsigned slow_pause_us;

void rw_audit_log_test_slow_writes(size_t chunk, unsigned pause_us)
{
    slow_chunk = chunk;
    slow_pause_us = pause_us;
}

static int write_line_bytes(int fd, const char *buf, size_t len)
{
    if (!slow_chunk)
        return rw_write_all(fd, buf, len);
    for (size_t off = 0; off < len; off += slow_chunk) {
        size_t n = len - off < slow_chunk ? len - off : slow_chunk;
        int r = rw_write_all(fd, buf + off, n);
        if (r < 0)
            return r;
        if (slow_pause_us)
            usleep(slow_pause_us);
    }
    return 0;
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

/* Opens path for appending, creating its directory (0700) on first use. */
static int open_create(const char *path, int flags, rw_error_t **err)
{
    int fd = open(path, flags | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
    if (fd < 0 && errno == ENOENT) {
        cleanup_free char *dir = dir_of(path);
        if (!dir)
            return -ENOMEM;
        int r = rw_mkdir_p(dir, 0700);
        if (r < 0)
            return rw_error_setsys(err, -r, "cannot create the audit directory %s", dir);
        fd = open(path, flags | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
    }
    if (fd < 0) {
        int e = errno;
        if (e == ELOOP)
            return rw_error_set(err, e, "%s is a symbolic link, refusing to use it", path);
        return rw_error_setsys(err, e, "cannot open %s", path);
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return rw_error_set(err, EINVAL, "%s is not a regular file", path);
    }
    return fd;
}

/* pread that loops over short reads. */
static int pread_all(int fd, char *buf, size_t len, uint64_t off)
{
    while (len > 0) {
        ssize_t n = pread(fd, buf, len, (off_t)off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            return -EIO;
        buf += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

/* Position of the last '\n' strictly before 'end', scanning backwards in chunks; -1 when
 * none. Gives up (returns -EFBIG) after max bytes. */
/* Reads backwards in 8 KiB steps: a record is a few KiB, and every fresh stack page costs a
 * fault on each append. */
static int64_t find_newline_before(int fd, uint64_t end, uint64_t max)
{
    char buf[8192];
    uint64_t scanned = 0;
    while (end > 0) {
        size_t n = end > sizeof(buf) ? sizeof(buf) : (size_t)end;
        uint64_t off = end - n;
        int r = pread_all(fd, buf, n, off);
        if (r < 0)
            return r;
        char *nl = memrchr(buf, '\n', n);
        if (nl)
            return (int64_t)(off + (uint64_t)(nl - buf));
        end = off;
        scanned += n;
        if (scanned > max)
            return -EFBIG;
    }
    return -1;
}

int rw_audit_tail_read(int fd, uint64_t size, const char *name, rw_audit_tail_t *out,
                       rw_error_t **err)
{
    memset(out, 0, sizeof(*out));
    out->empty = true;
    if (size == 0)
        return 0;
    char last = 0;
    int r = pread_all(fd, &last, 1, size - 1);
    if (r < 0)
        return rw_error_setsys(err, -r, "%s: cannot read the tail", name);
    int64_t end; /* index of the '\n' that closes the last complete line */
    if (last == '\n')
        end = (int64_t)size - 1;
    else {
        end = find_newline_before(fd, size, UINT64_MAX);
        if (end < -1)
            return rw_error_setsys(err, (int)-end, "%s: cannot read the tail", name);
    }
    out->good_size = (uint64_t)(end + 1);
    if (end < 0)
        return 0; /* only a torn line */
    int64_t start = find_newline_before(fd, (uint64_t)end, RW_AUDIT_MAX_LINE);
    if (start == -EFBIG)
        return rw_error_set(err, EFBIG, "%s: the last line is longer than %u bytes", name,
                            RW_AUDIT_MAX_LINE);
    if (start < -1)
        return rw_error_setsys(err, (int)-start, "%s: cannot read the tail", name);
    size_t len = (size_t)(end - (start + 1));
    cleanup_free char *line = malloc(len + 1);
    if (!line)
        return -ENOMEM;
    if ((r = pread_all(fd, line, len, (uint64_t)(start + 1))) < 0)
        return rw_error_setsys(err, -r, "%s: cannot read the tail", name);
    line[len] = '\0';
    rw_audit_line_t pl;
    if (rw_audit_line_parse(line, len, &pl) < 0)
        return rw_error_set(err, EBADMSG,
                            "%s: the last line is not a runwarden audit record, so the chain "
                            "cannot be continued; check it with `runwarden audit verify`",
                            name);
    out->empty = false;
    out->last_seq = pl.seq;
    rw_sha256(line, len, out->last_hash);
    if (strcmp(pl.event, "seal") == 0) {
        rw_audit_seal_info_t si;
        if (rw_audit_seal_parse_info(line, len, &si) == 0) {
            out->last_is_seal = true;
            out->last_seal_epoch = si.epoch;
            memcpy(out->last_seal_key, si.key, sizeof(out->last_seal_key));
        }
    }
    return 0;
}

static void apply_tail(rw_audit_log_t *l, const rw_audit_tail_t *t)
{
    l->last_seq = t->last_seq;
    memcpy(l->last_hash, t->last_hash, sizeof(l->last_hash));
    l->last_is_seal = t->last_is_seal;
    l->last_seal_epoch = t->last_seal_epoch;
    memcpy(l->last_seal_key, t->last_seal_key, sizeof(l->last_seal_key));
}

/* An empty live file continues the chain of the newest rotated file, if there is one. */
static int head_from_rotated(rw_audit_log_t *l, char **ret_from, rw_error_t **err)
{
    cleanup_strv char **files = NULL;
    int r = rw_audit_log_files(l->opts->path, &files, err);
    if (r < 0)
        return r;
    const char *newest = NULL;
    for (char **f = files; f && *f; f++)
        if (strcmp(*f, l->opts->path) != 0)
            newest = *f;
    if (!newest)
        return 0;
    if (ret_from)
        *ret_from = strdup(newest);
    cleanup_close int fd = open(newest, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return rw_error_setsys(err, errno, "cannot open %s", newest);
    rw_audit_tail_t t;
    if ((r = rw_audit_tail_read(fd, (uint64_t)st.st_size, newest, &t, err)) < 0)
        return r;
    if (t.good_size != (uint64_t)st.st_size)
        return rw_error_set(err, EBADMSG, "%s: rotated file ends in a torn line", newest);
    apply_tail(l, &t);
    return 1;
}

/* The live file was missing or empty although rotated files exist: rotation never leaves
 * it so (it writes a `rotate` record at once), so say in the chain that records may have
 * been removed. */
static int note_missing_live_file(rw_audit_log_t *l, const char *from, rw_error_t **err)
{
    char t[RW_AUDIT_TIME_LEN];
    rw_audit_time_now(t);
    const char *base = strrchr(from, '/') ? strrchr(from, '/') + 1 : from;
    char body[700];
    int n = snprintf(body, sizeof(body),
                     "{\"event\":\"recovery\",\"time\":\"%s\",\"cut_bytes\":null,"
                     "\"reason\":\"the live log file was missing or empty; the chain continues "
                     "from %.300s\"}",
                     t, base);
    if (n < 0 || (size_t)n >= sizeof(body))
        return -ENAMETOOLONG;
    return rw_audit_log_write(l, body, (size_t)n, true, NULL, err);
}

static int repair_torn_tail(rw_audit_log_t *l, uint64_t good_size, rw_error_t **err)
{
    uint64_t cut = l->size - good_size;
    /* Digest what we cut so the recovery record identifies it. */
    rw_sha256_t c;
    rw_sha256_init(&c);
    char buf[65536];
    for (uint64_t off = good_size; off < l->size;) {
        size_t n = l->size - off > sizeof(buf) ? sizeof(buf) : (size_t)(l->size - off);
        int r = pread_all(l->fd, buf, n, off);
        if (r < 0)
            return rw_error_setsys(err, -r, "%s: cannot read the torn tail", l->opts->path);
        rw_sha256_update(&c, buf, n);
        off += n;
    }
    uint8_t d[RW_SHA256_LEN];
    rw_sha256_final(&c, d);
    char hex[RW_SHA256_HEX_LEN + 1];
    rw_hex(d, sizeof(d), hex);
    if (ftruncate(l->fd, (off_t)good_size) < 0 || fdatasync(l->fd) < 0)
        return rw_error_setsys(err, errno, "%s: cannot cut the torn tail", l->opts->path);
    l->size = good_size;
    l->recovered_bytes = cut;
    char t[RW_AUDIT_TIME_LEN];
    rw_audit_time_now(t);
    char body[300];
    int n = snprintf(body, sizeof(body),
                     "{\"event\":\"recovery\",\"time\":\"%s\",\"cut_bytes\":%llu,"
                     "\"cut_sha256\":\"%s\",\"reason\":\"torn last line (crash during a "
                     "write)\"}",
                     t, (unsigned long long)cut, hex);
    return rw_audit_log_write(l, body, (size_t)n, true, NULL, err);
}

int rw_audit_log_open(const rw_audit_log_opts_t *o, rw_audit_log_t **ret, rw_error_t **err)
{
    if (!o->path || o->path[0] != '/')
        return rw_error_set(err, EINVAL, "audit log path must be absolute");
    cleanup_free char *lock_path = NULL;
    if (asprintf(&lock_path, "%s.lock", o->path) < 0)
        return -ENOMEM;
    rw_audit_log_t *l = calloc(1, sizeof(*l));
    if (!l)
        return -ENOMEM;
    l->opts = o;
    l->fd = -1;
    l->lock_fd = open_create(lock_path, O_RDWR | O_CREAT, err);
    if (l->lock_fd < 0) {
        int r = l->lock_fd;
        free(l);
        return r;
    }
    int r;
    while ((r = flock(l->lock_fd, LOCK_EX)) < 0 && errno == EINTR)
        ;
    if (r < 0) {
        r = rw_error_setsys(err, errno, "%s: cannot lock", lock_path);
        rw_audit_log_close(l);
        return r;
    }
    /* Only ever opened under the lock, so a rotation cannot swap the file under us. */
    l->fd = open_create(o->path, O_RDWR | O_APPEND | O_CREAT, err);
    if (l->fd < 0) {
        r = l->fd;
        l->fd = -1;
        rw_audit_log_close(l);
        return r;
    }
    struct stat st;
    if (fstat(l->fd, &st) < 0) {
        r = rw_error_setsys(err, errno, "%s: cannot stat", o->path);
        rw_audit_log_close(l);
        return r;
    }
    l->size = (uint64_t)st.st_size;
    l->dir_unsynced = st.st_size == 0;
    rw_audit_tail_t t;
    if ((r = rw_audit_tail_read(l->fd, l->size, o->path, &t, err)) < 0) {
        rw_audit_log_close(l);
        return r;
    }
    apply_tail(l, &t);
    cleanup_free char *from = NULL;
    if (t.empty && (r = head_from_rotated(l, &from, err)) < 0) {
        rw_audit_log_close(l);
        return r;
    }
    if (t.good_size != l->size && (r = repair_torn_tail(l, t.good_size, err)) < 0) {
        rw_audit_log_close(l);
        return r;
    }
    if (from && l->size == 0 && (r = note_missing_live_file(l, from, err)) < 0) {
        rw_audit_log_close(l);
        return r;
    }
    *ret = l;
    return 0;
}

void rw_audit_log_close(rw_audit_log_t *l)
{
    if (!l)
        return;
    if (l->fd >= 0)
        close(l->fd);
    if (l->lock_fd >= 0)
        close(l->lock_fd); /* releases the flock */
    free(l);
}

int rw_audit_log_write_line(rw_audit_log_t *l, const char *line, size_t len, bool sync,
                            rw_error_t **err)
{
    rw_audit_line_t pl;
    if (len > RW_AUDIT_MAX_LINE)
        return rw_error_set(err, EFBIG, "audit record of %zu bytes exceeds the limit of %u", len,
                            RW_AUDIT_MAX_LINE);
    if (memchr(line, '\n', len) || rw_audit_line_parse(line, len, &pl) < 0 ||
        pl.seq != l->last_seq + 1 || memcmp(pl.prev, l->last_hash, RW_SHA256_LEN) != 0)
        return rw_error_set(err, EINVAL, "internal error: malformed audit line");
    /* One buffer, one write: with O_APPEND concurrent writers could not interleave even
     * without the lock, and a crash leaves at most one torn line. */
    cleanup_free char *buf = malloc(len + 1);
    if (!buf)
        return -ENOMEM;
    memcpy(buf, line, len);
    buf[len] = '\n';
    int r = write_line_bytes(l->fd, buf, len + 1);
    if (r < 0) {
        /* Leave no partial line behind (ENOSPC part-way). */
        if (ftruncate(l->fd, (off_t)l->size) < 0) {
            /* the next open repairs it as a torn tail */
        }
        return rw_error_setsys(err, -r, "cannot write to %s", l->opts->path);
    }
    if (sync && fdatasync(l->fd) < 0) {
        r = rw_error_setsys(err, errno, "cannot flush %s to disk", l->opts->path);
        return r;
    }
    if (sync && l->dir_unsynced) {
        /* a record in a file whose name is not yet durable is not durable either */
        cleanup_free char *dir = dir_of(l->opts->path);
        cleanup_close int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
        if (dfd < 0 || fsync(dfd) < 0)
            return rw_error_setsys(err, errno, "cannot flush the directory of %s", l->opts->path);
        l->dir_unsynced = false;
    }
    l->size += len + 1;
    l->last_seq = pl.seq;
    rw_sha256(line, len, l->last_hash);
    l->last_is_seal = false;
    if (strcmp(pl.event, "seal") == 0) {
        rw_audit_seal_info_t si;
        if (rw_audit_seal_parse_info(line, len, &si) == 0) {
            l->last_is_seal = true;
            l->last_seal_epoch = si.epoch;
            memcpy(l->last_seal_key, si.key, sizeof(l->last_seal_key));
        }
    }
    return 0;
}

int rw_audit_log_write(rw_audit_log_t *l, const char *body, size_t len, bool sync,
                       uint64_t *ret_seq, rw_error_t **err)
{
    if (len < 12 || body[0] != '{' || strncmp(body, "{\"event\":\"", 10) != 0 ||
        body[len - 1] != '}')
        return rw_error_set(err, EINVAL, "internal error: audit body must start with event");
    char prefix[128];
    size_t pl = rw_audit_line_prefix(l->last_seq + 1, l->last_hash, prefix);
    size_t total = pl + len - 1;
    cleanup_free char *line = malloc(total + 1);
    if (!line)
        return -ENOMEM;
    memcpy(line, prefix, pl);
    memcpy(line + pl, body + 1, len - 1);
    line[total] = '\0';
    int r = rw_audit_log_write_line(l, line, total, sync, err);
    if (r >= 0 && ret_seq)
        *ret_seq = l->last_seq;
    return r;
}

int rw_audit_append(const rw_audit_log_opts_t *o, const char *body, bool sync,
                    rw_audit_append_result_t *res, rw_error_t **err)
{
    rw_audit_append_result_t dummy;
    if (!res)
        res = &dummy;
    memset(res, 0, sizeof(*res));
    cleanup_audit_log rw_audit_log_t *l = NULL;
    int r = rw_audit_log_open(o, &l, err);
    if (r < 0)
        return r;
    res->recovered_bytes = l->recovered_bytes;
    /* A crash between writing a seal and evolving the key leaves the key one step behind:
     * catch up before anything else is sealed. */
    if (l->last_is_seal && o->key_path) {
        rw_error_t *se = NULL;
        int sr = rw_audit_seal_catch_up(l, o->key_path, &se);
        if (sr < 0 && sr != -ENOENT) {
            res->seal_error = sr;
            snprintf(res->seal_msg, sizeof(res->seal_msg), "%s", se ? se->msg : "seal failed");
        }
        rw_error_free(se);
    }
    size_t len = strlen(body);
    if (o->rotate_bytes && l->size > 0 && l->size + len + 100 > o->rotate_bytes) {
        rw_error_t *re = NULL;
        if (rw_audit_log_rotate(l, "size", &re) >= 0)
            res->rotated = true;
        else if (!res->seal_error) {
            /* Keep appending to the big file rather than lose the record. */
            res->seal_error = -EIO;
            snprintf(res->seal_msg, sizeof(res->seal_msg), "rotation failed: %s",
                     re ? re->msg : "?");
        }
        rw_error_free(re);
    }
    if ((r = rw_audit_log_write(l, body, len, sync, &res->seq, err)) < 0)
        return r;
    if (o->key_path && o->seal_every && res->seq % o->seal_every == 0) {
        rw_error_t *se = NULL;
        int sr = rw_audit_seal_now(l, o->key_path, "count", &se);
        if (sr >= 0)
            res->sealed = sr > 0;
        else if (sr != -ENOENT && !res->seal_error) {
            res->seal_error = sr;
            snprintf(res->seal_msg, sizeof(res->seal_msg), "%s", se ? se->msg : "seal failed");
        }
        rw_error_free(se);
    }
    return 0;
}
