/* Forward-secure seals: the key state on the host, its one-way evolution, and the seal
 * lines written into the chain (see seal.h for the construction). */
#include "seal.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/fileio.h"
#include "../common/json.h"
#include "audit_time.h"
#include "log_line.h"

static const char evolve_tag[] = "runwarden-audit-evolve-v1";
static const char fpr_tag[] = "runwarden-audit-fpr-v1";

void rw_audit_key_evolve(uint8_t key[RW_SHA256_LEN])
{
    rw_sha256_t c;
    rw_sha256_init(&c);
    rw_sha256_update(&c, evolve_tag, sizeof(evolve_tag) - 1);
    rw_sha256_update(&c, key, RW_SHA256_LEN);
    rw_sha256_final(&c, key);
    rw_explicit_bzero(&c, sizeof(c));
}

void rw_audit_key_fpr(const uint8_t k0[RW_SHA256_LEN], char out[RW_AUDIT_FPR_LEN + 1])
{
    rw_sha256_t c;
    uint8_t d[RW_SHA256_LEN];
    rw_sha256_init(&c);
    rw_sha256_update(&c, fpr_tag, sizeof(fpr_tag) - 1);
    rw_sha256_update(&c, k0, RW_SHA256_LEN);
    rw_sha256_final(&c, d);
    rw_hex(d, RW_AUDIT_FPR_LEN / 2, out);
}

void rw_audit_key_derive(const uint8_t k0[RW_SHA256_LEN], uint64_t epoch,
                         uint8_t out[RW_SHA256_LEN])
{
    memcpy(out, k0, RW_SHA256_LEN);
    for (uint64_t i = 0; i < epoch; i++)
        rw_audit_key_evolve(out);
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

int rw_audit_key_load(const char *path, rw_audit_key_t *k, rw_error_t **err)
{
    cleanup_free char *buf = NULL;
    size_t len = 0;
    struct stat st;
    rw_error_t *e = NULL;
    int r = rw_file_read_at(AT_FDCWD, path, 4096, &buf, &len, &st, &e);
    if (r == -ENOENT) {
        rw_error_free(e);
        return -ENOENT;
    }
    if (r < 0) {
        r = rw_error_set(err, -r, "sealing key %s: %s", path, e ? e->msg : "unreadable");
        rw_error_free(e);
        return r;
    }
    if (st.st_mode & 077)
        return rw_error_set(err, EPERM,
                            "sealing key %s is accessible to group or others (mode %03o); "
                            "it must be mode 0600",
                            path, (unsigned)(st.st_mode & 0777));
    cleanup_json json_t *j = rw_json_parse(buf, len, path, err);
    rw_explicit_bzero(buf, len);
    if (!j)
        return -EINVAL;
    static const char *const keys[] = {"version", "epoch", "key", "fpr", "log", NULL};
    if ((r = rw_json_check_keys(j, keys, path, "$", err)) < 0)
        return r;
    long long ver = 0, ep = 0;
    const char *hex = NULL, *fpr = NULL, *log = NULL;
    if ((r = rw_json_get_int(j, "version", 1, 1, &ver, path, "$", err)) < 0 ||
        (r = rw_json_get_int(j, "epoch", 0, INT64_MAX, &ep, path, "$", err)) < 0 ||
        (r = rw_json_get_string(j, "key", true, &hex, path, "$", err)) < 0 ||
        (r = rw_json_get_string(j, "fpr", true, &fpr, path, "$", err)) < 0 ||
        (r = rw_json_get_string(j, "log", false, &log, path, "$", err)) < 0)
        return r;
    if (log && (log[0] != '/' || strlen(log) >= sizeof(k->log)))
        return rw_error_set(err, EINVAL, "sealing key %s: $.log: must be an absolute path", path);
    snprintf(k->log, sizeof(k->log), "%s", log ? log : "");
    if (strlen(hex) != RW_SHA256_HEX_LEN || rw_unhex(hex, k->key, RW_SHA256_LEN) < 0 ||
        strlen(fpr) != RW_AUDIT_FPR_LEN)
        return rw_error_set(err, EINVAL, "sealing key %s: malformed key or fingerprint", path);
    k->epoch = (uint64_t)ep;
    memcpy(k->fpr, fpr, RW_AUDIT_FPR_LEN + 1);
    /* scrub jansson's copy of the hex key */
    json_t *hk = json_object_get(j, "key");
    if (hk)
        rw_explicit_bzero((char *)json_string_value(hk), RW_SHA256_HEX_LEN);
    return 0;
}

/* Overwrites a file's current content with zeros and flushes it, so an old key does not
 * linger in blocks the file system is about to free. */
static void scrub_fd(int fd)
{
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size > 65536)
        return;
    char zero[4096] = {0};
    for (off_t off = 0; off < st.st_size; off += (off_t)sizeof(zero)) {
        size_t n =
            st.st_size - off < (off_t)sizeof(zero) ? (size_t)(st.st_size - off) : sizeof(zero);
        if (pwrite(fd, zero, n, off) != (ssize_t)n)
            return;
    }
    (void)fdatasync(fd);
}

/* Atomic replacement through a fixed temporary name (.<name>.new): a crash can leave at
 * most that one file behind, holding the next key, and it is scrubbed before reuse. (A
 * random temporary name could strand old keys for good, defeating forward security.) */
static int replace_key_file(int dfd, const char *base, const char *buf, size_t len,
                            rw_error_t **err)
{
    char tmp[300];
    int n = snprintf(tmp, sizeof(tmp), ".%s.new", base);
    if (n < 0 || (size_t)n >= sizeof(tmp))
        return rw_error_set(err, ENAMETOOLONG, "sealing key name too long");
    cleanup_close int fd = openat(dfd, tmp, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return rw_error_setsys(err, errno, "sealing key: cannot create %s", tmp);
    scrub_fd(fd);
    if (ftruncate(fd, 0) < 0 || fchmod(fd, 0600) < 0 || rw_write_all(fd, buf, len) < 0 ||
        fsync(fd) < 0)
        return rw_error_setsys(err, errno, "sealing key: cannot write %s", tmp);
    if (renameat(dfd, tmp, dfd, base) < 0)
        return rw_error_setsys(err, errno, "sealing key: cannot replace %s", base);
    (void)fsync(dfd);
    return 0;
}

int rw_audit_key_store(const char *path, const rw_audit_key_t *k, rw_error_t **err)
{
    cleanup_free char *dir = dir_of(path);
    if (!dir)
        return -ENOMEM;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    int r = rw_mkdir_p(dir, 0700);
    if (r < 0)
        return rw_error_setsys(err, -r, "cannot create %s", dir);
    cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return rw_error_setsys(err, errno, "cannot open %s", dir);
    /* Keep the old inode to overwrite its blocks once the new key is in place. */
    cleanup_close int old = openat(dfd, base, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    char hex[RW_SHA256_HEX_LEN + 1];
    rw_hex(k->key, RW_SHA256_LEN, hex);
    cleanup_free char *log = NULL;
    if (k->log[0]) {
        json_t *ls = json_string(k->log);
        log = ls ? json_dumps(ls, JSON_ENCODE_ANY) : NULL;
        if (ls)
            json_decref(ls);
        if (!log)
            return rw_error_set(err, EINVAL, "sealing key %s: unusable log path", path);
    }
    char buf[256 + 2 * RW_AUDIT_KEY_LOG_MAX];
    int n = snprintf(buf, sizeof(buf),
                     "{\n  \"version\": 1,\n  \"epoch\": %llu,\n  \"key\": \"%s\",\n"
                     "  \"fpr\": \"%s\"%s%s\n}\n",
                     (unsigned long long)k->epoch, hex, k->fpr, log ? ",\n  \"log\": " : "",
                     log ? log : "");
    rw_explicit_bzero(hex, sizeof(hex));
    if (n < 0 || (size_t)n >= sizeof(buf)) {
        rw_explicit_bzero(buf, sizeof(buf));
        return rw_error_set(err, ENAMETOOLONG, "sealing key %s: log path too long", path);
    }
    r = replace_key_file(dfd, base, buf, (size_t)n, err);
    rw_explicit_bzero(buf, sizeof(buf));
    if (r < 0)
        return r;
    scrub_fd(old); /* the previous key's inode, now unlinked */
    return 0;
}

int rw_audit_key_create(const char *path, bool force, uint8_t k0[RW_SHA256_LEN],
                        rw_audit_key_t *state, rw_error_t **err)
{
    struct stat st;
    if (!force && lstat(path, &st) == 0)
        return rw_error_set(err, EEXIST,
                            "a sealing key already exists at %s; `runwarden audit init --force` "
                            "replaces it (earlier seals still verify with the old verification "
                            "key)",
                            path);
    if (getrandom(k0, RW_SHA256_LEN, 0) != RW_SHA256_LEN)
        return rw_error_setsys(err, errno, "cannot draw a random key");
    memset(state, 0, sizeof(*state));
    state->epoch = 0;
    memcpy(state->key, k0, RW_SHA256_LEN);
    rw_audit_key_fpr(k0, state->fpr);
    return rw_audit_key_store(path, state, err);
}

int rw_audit_verify_key_read(const char *file, uint8_t k0[RW_SHA256_LEN], rw_error_t **err)
{
    cleanup_free char *buf = NULL;
    size_t len = 0;
    int r;
    if (strcmp(file, "-") == 0) {
        buf = calloc(1, 4097);
        if (!buf)
            return -ENOMEM;
        ssize_t n;
        while (len < 4096 && (n = read(STDIN_FILENO, buf + len, 4096 - len)) > 0)
            len += (size_t)n;
    } else {
        rw_error_t *e = NULL;
        r = rw_file_read_at(AT_FDCWD, file, 4096, &buf, &len, NULL, &e);
        if (r < 0) {
            r = rw_error_set(err, -r, "verification key %s: %s", file, e ? e->msg : "?");
            rw_error_free(e);
            return r;
        }
    }
    /* first line that is not a comment: optional prefix, 64 hex digits */
    for (char *line = buf; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        while (*line == ' ' || *line == '\t')
            line++;
        if (*line != '#' && *line != '\0' && *line != '\r') {
            if (strncmp(line, "runwarden-audit-key:", 20) == 0)
                line += 20;
            size_t l = strcspn(line, " \t\r");
            if (l == RW_SHA256_HEX_LEN && rw_unhex(line, k0, RW_SHA256_LEN) == 0) {
                rw_explicit_bzero(buf, len);
                return 0;
            }
            break;
        }
        line = nl ? nl + 1 : NULL;
    }
    rw_explicit_bzero(buf, len);
    return rw_error_set(err, EINVAL, "verification key %s: expected 64 hex digits", file);
}

void rw_audit_seal_mac(const uint8_t key[RW_SHA256_LEN], const char *line, size_t prefix_len,
                       uint8_t out[RW_SHA256_LEN])
{
    rw_hmac_sha256(key, RW_SHA256_LEN, line, prefix_len, out);
}

int rw_audit_seal_parse_info(const char *line, size_t len, rw_audit_seal_info_t *out)
{
    json_error_t je;
    cleanup_json json_t *j = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
    if (!j || !json_is_object(j))
        return -EBADMSG;
    json_t *ep = json_object_get(j, "epoch");
    json_t *key = json_object_get(j, "key");
    if (!json_is_integer(ep) || json_integer_value(ep) < 0 || !json_is_string(key) ||
        strlen(json_string_value(key)) != RW_AUDIT_FPR_LEN)
        return -EBADMSG;
    out->epoch = (uint64_t)json_integer_value(ep);
    memcpy(out->key, json_string_value(key), RW_AUDIT_FPR_LEN + 1);
    return 0;
}

static int evolve_and_store(const char *key_path, rw_audit_key_t *k, rw_error_t **err)
{
    rw_audit_key_evolve(k->key);
    k->epoch++;
    int r = rw_audit_key_store(key_path, k, err);
    rw_explicit_bzero(k->key, sizeof(k->key));
    return r;
}

int rw_audit_seal_catch_up(rw_audit_log_t *l, const char *key_path, rw_error_t **err)
{
    if (!l->last_is_seal)
        return 0;
    rw_audit_key_t k;
    int r = rw_audit_key_load(key_path, &k, err);
    if (r < 0)
        return r;
    if (strcmp(k.fpr, l->last_seal_key) != 0) {
        rw_explicit_bzero(&k, sizeof(k));
        return 0; /* the log's last seal belongs to an earlier key */
    }
    if (l->last_seal_epoch == k.epoch)
        return evolve_and_store(key_path, &k, err);
    uint64_t epoch = k.epoch;
    rw_explicit_bzero(&k, sizeof(k));
    if (l->last_seal_epoch > epoch)
        return rw_error_set(err, ESTALE,
                            "sealing key %s is at epoch %llu but the log is sealed up to epoch "
                            "%llu (was the key restored from a backup?)",
                            key_path, (unsigned long long)epoch,
                            (unsigned long long)l->last_seal_epoch);
    return 0;
}

int rw_audit_seal_now(rw_audit_log_t *l, const char *key_path, const char *reason, rw_error_t **err)
{
    rw_audit_key_t k;
    int r = rw_audit_key_load(key_path, &k, err);
    if (r < 0)
        return r;
    if (l->last_is_seal) {
        rw_explicit_bzero(&k, sizeof(k));
        r = rw_audit_seal_catch_up(l, key_path, err);
        return r < 0 ? r : 0;
    }
    if (l->last_seq == 0) {
        rw_explicit_bzero(&k, sizeof(k));
        return 0;
    }
    if (k.log[0] && strcmp(k.log, l->opts->path) != 0) {
        rw_explicit_bzero(&k.key, sizeof(k.key));
        return rw_error_set(err, EXDEV,
                            "sealing key %s seals the log %s, not %s: give each audit log its "
                            "own audit.sealKey",
                            key_path, k.log, l->opts->path);
    }
    if (!k.log[0] && strlen(l->opts->path) < sizeof(k.log))
        snprintf(k.log, sizeof(k.log), "%s", l->opts->path); /* bound from this seal on */
    char prefix[128];
    size_t pl = rw_audit_line_prefix(l->last_seq + 1, l->last_hash, prefix);
    char t[RW_AUDIT_TIME_LEN];
    rw_audit_time_now(t);
    char line[512];
    int n = snprintf(line, sizeof(line),
                     "%s\"event\":\"seal\",\"time\":\"%s\",\"epoch\":%llu,\"key\":\"%s\","
                     "\"reason\":\"%s\"",
                     prefix, t, (unsigned long long)k.epoch, k.fpr, reason);
    if (n < 0 || (size_t)n + RW_AUDIT_MAC_SUFFIX_LEN + 1 > sizeof(line)) {
        rw_explicit_bzero(&k, sizeof(k));
        return rw_error_set(err, EINVAL, "internal error: seal line too long");
    }
    (void)pl;
    uint8_t mac[RW_SHA256_LEN];
    rw_audit_seal_mac(k.key, line, (size_t)n, mac);
    char mhex[RW_SHA256_HEX_LEN + 1];
    rw_hex(mac, sizeof(mac), mhex);
    int m = snprintf(line + n, sizeof(line) - (size_t)n, ",\"mac\":\"%s\"}", mhex);
    r = rw_audit_log_write_line(l, line, (size_t)n + (size_t)m, true, err);
    if (r < 0) {
        rw_explicit_bzero(&k, sizeof(k));
        return r;
    }
    /* The seal is durable; only now may the key move on (a crash in between is caught up
     * by the next append, which sees the log ending in this seal). */
    if ((r = evolve_and_store(key_path, &k, err)) < 0)
        return r;
    return 1;
}
