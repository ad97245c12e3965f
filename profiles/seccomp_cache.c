/* Filter cache: <dir>/<key>.bpf entries with a checksummed header, and <dir>/libseccomp.stamp
 * recording which libseccomp file (by inode, size, mtime) had which version, so a hit can
 * name the libseccomp version in its key without loading the library. The directory must
 * belong to us and not be writable by others: a planted filter would be obeyed. */
#include "seccomp_cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/fileio.h"
#include "../common/hash.h"
#include "seccomp_host.h"
#include "seccomp_lib.h"
#include "seccomp_oci.h"

#define STAMP_NAME "libseccomp.stamp"
#define ENTRY_MAGIC "RWSCBPF2"
#define ENTRY_MAX_SIZE (1u << 20)
/* Distinct filters come from distinct profiles and capability sets; a host sees few. Past this
 * many entries the oldest are dropped (on the miss path only: a hit never scans). */
#define CACHE_MAX_ENTRIES 1024

typedef struct entry_header {
    char magic[8];
    uint8_t key[RW_SHA256_LEN];
    uint32_t n_insns;
    uint32_t unknown_len;
    uint32_t optimize;
    uint32_t reserved;
    uint8_t bpf_sha256[RW_SHA256_LEN]; /* of the program alone: the digest audit records name */
    uint8_t sum[RW_SHA256_LEN];        /* over the header (sum zeroed) and the payload */
} entry_header_t;

const char *rw_seccomp_cache_result_name(rw_seccomp_cache_result_t r)
{
    switch (r) {
    case RW_SECCOMP_CACHE_HIT:
        return "hit";
    case RW_SECCOMP_CACHE_MISS:
        return "miss";
    case RW_SECCOMP_CACHE_REBUILT:
        return "rebuilt-corrupt-entry";
    case RW_SECCOMP_CACHE_OFF:
    default:
        return "off";
    }
}

void rw_seccomp_filter_clear(rw_seccomp_filter_t *f)
{
    if (!f)
        return;
    free(f->insns);
    rw_strv_freep(&f->unknown);
    free(f->cache_note);
    memset(f, 0, sizeof(*f));
}

char *rw_seccomp_base64(const void *data, size_t len)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = data;
    size_t out_len = 4 * ((len + 2) / 3);
    char *out = malloc(out_len + 1);
    if (!out)
        return NULL;
    char *o = out;
    size_t i = 0;
    for (; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *o++ = tbl[v >> 18];
        *o++ = tbl[(v >> 12) & 63];
        *o++ = tbl[(v >> 6) & 63];
        *o++ = tbl[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0);
        *o++ = tbl[v >> 18];
        *o++ = tbl[(v >> 12) & 63];
        *o++ = i + 1 < len ? tbl[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    *o = '\0';
    return out;
}

/* The cache directory: created 0700 when storing; refused when someone else could write. */
static int open_cache_dir(const rw_seccomp_cache_opts_t *c, char **note)
{
    int fd = open(c->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && c->store) {
        int r = rw_mkdir_p(c->dir, 0700);
        if (r < 0) {
            if (asprintf(note, "cannot create %s (errno %d)", c->dir, -r) < 0)
                *note = NULL;
            return r;
        }
        fd = open(c->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0) {
        int e = errno;
        if (asprintf(note, "cannot open %s (errno %d)", c->dir, e) < 0)
            *note = NULL;
        return -e;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 022)) {
        close(fd);
        if (asprintf(note, "%s is not owned by uid %u or is writable by others; not used", c->dir,
                     (unsigned)geteuid()) < 0)
            *note = NULL;
        return -EPERM;
    }
    return fd;
}

static int stat_identity(const char *path, char *buf, size_t len)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return -errno;
    snprintf(buf, len, "%llu %llu %lld %lld %ld", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino, (long long)st.st_size, (long long)st.st_mtim.tv_sec,
             (long)st.st_mtim.tv_nsec);
    return 0;
}

/* The libseccomp version from the stamp, when the file it names is still the same file. */
static bool stamp_version(int dirfd, char *version, size_t vlen)
{
    cleanup_free char *buf = NULL;
    size_t len = 0;
    if (rw_file_read_at(dirfd, STAMP_NAME, 8192, &buf, &len, NULL, NULL) < 0)
        return false;
    /* "v1\n<version>\n<path>\n<identity>\n" */
    char *lines[4] = {NULL};
    char *p = buf;
    for (size_t i = 0; i < 4; i++) {
        char *nl = strchr(p, '\n');
        if (!nl)
            return false;
        *nl = '\0';
        lines[i] = p;
        p = nl + 1;
    }
    const char *ver = lines[1], *path = lines[2], *ident = lines[3];
    if (strcmp(lines[0], "v1") != 0 || !*ver || path[0] != '/')
        return false;
    char now[128];
    if (stat_identity(path, now, sizeof(now)) < 0 || strcmp(now, ident) != 0)
        return false;
    snprintf(version, vlen, "%s", ver);
    return true;
}

static int write_atomic(int dirfd, const char *name, const void *buf, size_t len)
{
    char tmp[96];
    unsigned rnd = 0;
    if (getentropy(&rnd, sizeof(rnd)) < 0)
        rnd = (unsigned)getpid();
    snprintf(tmp, sizeof(tmp), ".tmp-%d-%08x", (int)getpid(), rnd);
    cleanup_close int fd =
        openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    int r = rw_write_all(fd, buf, len);
    /* No fsync: a torn entry after a crash fails its checksum and is rebuilt. */
    if (r >= 0 && renameat(dirfd, tmp, dirfd, name) < 0)
        r = -errno;
    if (r < 0)
        unlinkat(dirfd, tmp, 0);
    return r;
}

static void stamp_store(int dirfd, const rw_seccomp_lib_t *lib)
{
    char ident[128];
    if (!lib->path[0] || stat_identity(lib->path, ident, sizeof(ident)) < 0)
        return;
    cleanup_free char *s = NULL;
    int n = asprintf(&s, "v1\n%s\n%s\n%s\n", lib->version, lib->path, ident);
    if (n > 0)
        (void)write_atomic(dirfd, STAMP_NAME, s, (size_t)n);
}

static int compute_key(const rw_seccomp_oci_t *o, const rw_seccomp_compile_opts_t *copts,
                       const char *libver, uint8_t key[RW_SHA256_LEN])
{
    const rw_seccomp_host_t *h = rw_seccomp_host();
    const rw_seccomp_arch_t *arch = copts->arch ? copts->arch : rw_seccomp_arch_host();
    char head[1024];
    int n = snprintf(head, sizeof(head),
                     "runwarden-seccomp-cache/1\nlibseccomp %s\nrelease %s\nversion %s\n"
                     "machine %s\narch %s\noptimize %d\nfailUnknown %d\n",
                     libver, h ? h->release : "?", h ? h->version : "?", h ? h->machine : "?",
                     arch ? arch->scmp : "?", copts->optimize, copts->fail_unknown ? 1 : 0);
    if (n < 0 || (size_t)n >= sizeof(head))
        return -ENAMETOOLONG;
    rw_sha256_t c;
    rw_sha256_init(&c);
    rw_sha256_update(&c, head, (size_t)n);
    rw_seccomp_oci_canonical_hash(o, &c);
    rw_sha256_final(&c, key);
    return 0;
}

static void entry_sum(const entry_header_t *h, const void *payload, size_t plen,
                      uint8_t out[RW_SHA256_LEN])
{
    entry_header_t copy = *h;
    memset(copy.sum, 0, sizeof(copy.sum));
    rw_sha256_t c;
    rw_sha256_init(&c);
    rw_sha256_update(&c, &copy, sizeof(copy));
    rw_sha256_update(&c, payload, plen);
    rw_sha256_final(&c, out);
}

/* 1: valid entry loaded into out; 0: absent; -EBADMSG: present but corrupt. */
static int entry_load(int dirfd, const char *name, const uint8_t key[RW_SHA256_LEN],
                      rw_seccomp_filter_t *out)
{
    cleanup_free char *buf = NULL;
    size_t len = 0;
    rw_error_t *e = NULL;
    int r = rw_file_read_at(dirfd, name, ENTRY_MAX_SIZE, &buf, &len, NULL, &e);
    rw_error_free(e);
    if (r == -ENOENT)
        return 0;
    if (r < 0)
        return -EBADMSG;
    entry_header_t h;
    if (len < sizeof(h))
        return -EBADMSG;
    memcpy(&h, buf, sizeof(h));
    size_t plen = len - sizeof(h);
    if (memcmp(h.magic, ENTRY_MAGIC, 8) != 0 || memcmp(h.key, key, RW_SHA256_LEN) != 0 ||
        h.n_insns == 0 || h.n_insns > BPF_MAXINSNS ||
        (size_t)h.n_insns * sizeof(struct sock_filter) + h.unknown_len != plen)
        return -EBADMSG;
    uint8_t sum[RW_SHA256_LEN];
    entry_sum(&h, buf + sizeof(h), plen, sum);
    if (!rw_memeq_ct(sum, h.sum, sizeof(sum)))
        return -EBADMSG;
    size_t ilen = (size_t)h.n_insns * sizeof(struct sock_filter);
    if (!(out->insns = malloc(ilen)))
        return -ENOMEM;
    memcpy(out->insns, buf + sizeof(h), ilen);
    out->n = h.n_insns;
    out->optimize = (int)h.optimize;
    rw_hex(h.bpf_sha256, sizeof(h.bpf_sha256), out->digest);
    /* Unknown names: NUL-terminated strings back to back. */
    const char *u = buf + sizeof(h) + ilen, *end = u + h.unknown_len;
    size_t count = 0;
    for (const char *q = u; q < end; q += strlen(q) + 1)
        count++;
    if (h.unknown_len && end[-1] != '\0')
        return -EBADMSG;
    if (!(out->unknown = calloc(count + 1, sizeof(char *))))
        return -ENOMEM;
    for (const char *q = u; q < end; q += strlen(q) + 1)
        if (!(out->unknown[out->n_unknown++] = strdup(q)))
            return -ENOMEM;
    return 1;
}

static int entry_store(int dirfd, const char *name, const uint8_t key[RW_SHA256_LEN],
                       const rw_seccomp_bpf_t *b)
{
    size_t ulen = 0;
    for (size_t i = 0; i < b->n_unknown; i++)
        ulen += strlen(b->unknown[i]) + 1;
    size_t ilen = b->n * sizeof(struct sock_filter);
    entry_header_t h;
    memset(&h, 0, sizeof(h));
    memcpy(h.magic, ENTRY_MAGIC, 8);
    memcpy(h.key, key, RW_SHA256_LEN);
    h.n_insns = (uint32_t)b->n;
    h.unknown_len = (uint32_t)ulen;
    h.optimize = (uint32_t)b->optimize;
    rw_sha256(b->insns, ilen, h.bpf_sha256);
    cleanup_free char *buf = malloc(sizeof(h) + ilen + ulen);
    if (!buf)
        return -ENOMEM;
    char *p = buf + sizeof(h);
    memcpy(p, b->insns, ilen);
    p += ilen;
    for (size_t i = 0; i < b->n_unknown; i++) {
        size_t l = strlen(b->unknown[i]) + 1;
        memcpy(p, b->unknown[i], l);
        p += l;
    }
    entry_sum(&h, buf + sizeof(h), ilen + ulen, h.sum);
    memcpy(buf, &h, sizeof(h));
    return write_atomic(dirfd, name, buf, sizeof(h) + ilen + ulen);
}

typedef struct aged {
    char name[80];
    struct timespec mtime;
} aged_t;

static int cmp_aged(const void *a, const void *b)
{
    const aged_t *x = a, *y = b;
    if (x->mtime.tv_sec != y->mtime.tv_sec)
        return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
    return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : x->mtime.tv_nsec > y->mtime.tv_nsec;
}

/* Keeps the directory under CACHE_MAX_ENTRIES entries, oldest first out. Best effort. */
static void evict(int dirfd)
{
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return;
    }
    size_t n = 0, cap = 0;
    aged_t *v = NULL;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        struct stat st;
        if (l != RW_SHA256_HEX_LEN + 4 || strcmp(e->d_name + RW_SHA256_HEX_LEN, ".bpf") != 0 ||
            fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            aged_t *nv = realloc(v, cap * sizeof(*v));
            if (!nv)
                break;
            v = nv;
        }
        /* l was checked above: the name fits, NUL included. */
        memcpy(v[n].name, e->d_name, l + 1);
        v[n].mtime = st.st_mtim;
        n++;
    }
    closedir(d);
    if (n > CACHE_MAX_ENTRIES) {
        qsort(v, n, sizeof(*v), cmp_aged);
        for (size_t i = 0; i < n - CACHE_MAX_ENTRIES * 9 / 10; i++)
            unlinkat(dirfd, v[i].name, 0);
    }
    free(v);
}

static void finish(rw_seccomp_filter_t *out)
{
    uint8_t d[RW_SHA256_LEN];
    rw_sha256(out->insns, out->n * sizeof(struct sock_filter), d);
    rw_hex(d, sizeof(d), out->digest);
}

static int compile_into(const rw_seccomp_oci_t *o, const rw_seccomp_compile_opts_t *copts,
                        rw_seccomp_filter_t *out, rw_seccomp_bpf_t *b, rw_error_t **err)
{
    int r = rw_seccomp_compile(o, copts, b, err);
    if (r < 0)
        return r;
    const rw_seccomp_lib_t *lib = rw_seccomp_lib_get(NULL);
    if (lib)
        snprintf(out->libseccomp_version, sizeof(out->libseccomp_version), "%s", lib->version);
    /* Copy: the cache writer still needs b. */
    size_t ilen = b->n * sizeof(struct sock_filter);
    if (!(out->insns = malloc(ilen)))
        return -ENOMEM;
    memcpy(out->insns, b->insns, ilen);
    out->n = b->n;
    out->optimize = b->optimize;
    if (!(out->unknown = calloc(b->n_unknown + 1, sizeof(char *))))
        return -ENOMEM;
    for (size_t i = 0; i < b->n_unknown; i++)
        if (!(out->unknown[out->n_unknown++] = strdup(b->unknown[i])))
            return -ENOMEM;
    finish(out);
    return 0;
}

int rw_seccomp_filter_get(const rw_seccomp_oci_t *o, const rw_seccomp_compile_opts_t *copts,
                          const rw_seccomp_cache_opts_t *cache, rw_seccomp_filter_t *out,
                          rw_error_t **err)
{
    static const rw_seccomp_compile_opts_t defaults = {0};
    if (!copts)
        copts = &defaults;
    memset(out, 0, sizeof(*out));
    _cleanup_(rw_seccomp_bpf_clear) rw_seccomp_bpf_t b = {0};
    int r;
    if (!cache || !cache->dir) {
        if ((r = compile_into(o, copts, out, &b, err)) < 0)
            rw_seccomp_filter_clear(out);
        return r;
    }

    cleanup_close int dirfd = open_cache_dir(cache, &out->cache_note);
    if (dirfd < 0) {
        if ((r = compile_into(o, copts, out, &b, err)) < 0)
            rw_seccomp_filter_clear(out);
        return r;
    }

    /* libseccomp's version: from the stamp on a hit, from the library itself otherwise. */
    const rw_seccomp_lib_t *lib = NULL;
    if (!stamp_version(dirfd, out->libseccomp_version, sizeof(out->libseccomp_version))) {
        if (!(lib = rw_seccomp_lib_get(err)))
            return -ENOENT;
        snprintf(out->libseccomp_version, sizeof(out->libseccomp_version), "%s", lib->version);
        if (cache->store)
            stamp_store(dirfd, lib);
    }
    uint8_t key[RW_SHA256_LEN];
    if ((r = compute_key(o, copts, out->libseccomp_version, key)) < 0)
        return r;
    rw_hex(key, sizeof(key), out->key);
    char name[RW_SHA256_HEX_LEN + 8];
    snprintf(name, sizeof(name), "%s.bpf", out->key);

    r = entry_load(dirfd, name, key, out);
    if (r == 1) {
        out->cache = RW_SECCOMP_CACHE_HIT;
        return 0;
    }
    if (r == -ENOMEM)
        return r;
    bool corrupt = r == -EBADMSG;
    char saved_version[32], saved_key[sizeof(out->key)];
    memcpy(saved_version, out->libseccomp_version, sizeof(saved_version));
    memcpy(saved_key, out->key, sizeof(saved_key));
    char *note = TAKE_PTR(out->cache_note);
    rw_seccomp_filter_clear(out);
    out->cache_note = note;
    memcpy(out->libseccomp_version, saved_version, sizeof(saved_version));
    memcpy(out->key, saved_key, sizeof(saved_key));
    if (corrupt && cache->store)
        unlinkat(dirfd, name, 0);

    if ((r = compile_into(o, copts, out, &b, err)) < 0) {
        rw_seccomp_filter_clear(out);
        return r;
    }
    if (strcmp(out->libseccomp_version, saved_version) != 0) {
        /* The loader picked another libseccomp than the stamp names: key by the real one. */
        if ((r = compute_key(o, copts, out->libseccomp_version, key)) < 0) {
            rw_seccomp_filter_clear(out);
            return r;
        }
        rw_hex(key, sizeof(key), out->key);
        snprintf(name, sizeof(name), "%s.bpf", out->key);
        if (cache->store && (lib = rw_seccomp_lib_get(NULL)))
            stamp_store(dirfd, lib);
    }
    out->cache = corrupt ? RW_SECCOMP_CACHE_REBUILT : RW_SECCOMP_CACHE_MISS;
    if (cache->store)
        evict(dirfd);
    if (cache->store && (r = entry_store(dirfd, name, key, &b)) < 0) {
        free(out->cache_note);
        if (asprintf(&out->cache_note, "cannot store %s/%s (errno %d)", cache->dir, name, -r) < 0)
            out->cache_note = NULL;
    }
    return 0;
}
