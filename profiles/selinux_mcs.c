/* Host-wide MCS pair reservations. podman reserves pairs only inside one process (plus the
 * labels of its own containers), so two engines can hand out the same pair; runwarden keeps
 * one reservation set for every engine that goes through it:
 *   DIR/lock            flock'ed around every change
 *   DIR/pairs/cA.cB     the reservation: owner id, runtime root, pid and its start time
 *   DIR/owners/KEY      the container's pair (KEY = sha256(root, id)), for release
 * /run is a tmpfs: reservations persist across processes and vanish with the containers at
 * reboot. A reservation whose process is gone and whose runtime state directory
 * (<root>/<id>) does not exist belongs to a container that never started or crashed: it is
 * reclaimed (on collision, on a full pool, and by a sweep at most every five minutes). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "../common/fileio.h"
#include "lsm_state.h"
#include "selinux.h"

#define OWNER_MAX 8192
#define RANDOM_TRIES 64
#define SWEEP_INTERVAL 300

typedef struct owner {
    char *id, *root;
    long pid;
    unsigned long long start;
} owner_t;

static void owner_clear(owner_t *o)
{
    free(o->id);
    free(o->root);
    memset(o, 0, sizeof(*o));
}

static bool valid_id(const char *id)
{
    size_t n = strlen(id);
    return n > 0 && n <= 1024 && !strchr(id, '/') && !strchr(id, '\n') && strcmp(id, ".") &&
           strcmp(id, "..");
}

static bool valid_root(const char *root)
{
    return root[0] == '/' && strlen(root) <= 4096 && !strchr(root, '\n');
}

typedef struct pool_fds {
    int lock, dir, pairs, owners;
} pool_fds_t;

static void pool_close(pool_fds_t *f)
{
    int *fds[] = {&f->owners, &f->pairs, &f->dir, &f->lock};
    for (size_t i = 0; i < RW_ARRAY_SIZE(fds); i++)
        if (*fds[i] >= 0) {
            close(*fds[i]);
            *fds[i] = -1;
        }
}

static int pool_open(const rw_mcs_pool_t *p, pool_fds_t *f, rw_error_t **err)
{
    *f = (pool_fds_t){-1, -1, -1, -1};
    int r = rw_lsm_lock_dir(p->dir, err);
    if (r < 0)
        return r;
    f->lock = r;
    if ((r = f->dir = rw_lsm_open_private_dir(p->dir, false, err)) < 0) {
        pool_close(f);
        return r;
    }
    const char *subs[] = {"pairs", "owners"};
    int *slots[] = {&f->pairs, &f->owners};
    for (size_t i = 0; i < 2; i++) {
        if (mkdirat(f->dir, subs[i], 0700) < 0 && errno != EEXIST)
            r = rw_error_setsys(err, errno, "%s/%s: cannot create", p->dir, subs[i]);
        else if ((*slots[i] =
                      openat(f->dir, subs[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
            r = rw_error_setsys(err, errno, "%s/%s: cannot open", p->dir, subs[i]);
        if (r < 0) {
            pool_close(f);
            return r;
        }
    }
    return 0;
}

#define PAIR_NAME_MAX 32

static void pair_name(unsigned a, unsigned b, char out[PAIR_NAME_MAX])
{
    snprintf(out, PAIR_NAME_MAX, "c%u.c%u", a, b);
}

static int read_owner(int pairs, const char *name, owner_t *o)
{
    memset(o, 0, sizeof(*o));
    cleanup_free char *buf = NULL;
    size_t len = 0;
    int r = rw_file_read_at(pairs, name, OWNER_MAX, &buf, &len, NULL, NULL);
    if (r < 0)
        return r;
    for (char *line = buf; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        char *end = NULL;
        if (strncmp(line, "id=", 3) == 0 && !o->id)
            o->id = strdup(line + 3);
        else if (strncmp(line, "root=", 5) == 0 && !o->root)
            o->root = strdup(line + 5);
        else if (strncmp(line, "pid=", 4) == 0)
            o->pid = strtol(line + 4, &end, 10);
        else if (strncmp(line, "start=", 6) == 0)
            o->start = strtoull(line + 6, &end, 10);
        line = nl ? nl + 1 : NULL;
    }
    if (!o->id || !o->root || !valid_id(o->id) || !valid_root(o->root)) {
        owner_clear(o);
        return -EBADMSG;
    }
    return 0;
}

/* Gone for good: the reserving process has exited and the runtime keeps no state. A
 * reservation we cannot read is never reclaimed (only tampering produces one). */
static bool owner_stale(const owner_t *o)
{
    if (rw_lsm_pid_alive(o->pid, o->start))
        return false;
    cleanup_free char *state = NULL;
    if (asprintf(&state, "%s/%s", o->root, o->id) < 0)
        return false;
    struct stat st;
    return lstat(state, &st) < 0 && errno == ENOENT;
}

static void owner_index_drop(int owners, const char *root, const char *id, const char *pair)
{
    char key[RW_SHA256_HEX_LEN + 1];
    rw_lsm_container_key(root, id, key);
    cleanup_free char *buf = NULL;
    size_t len = 0;
    if (rw_file_read_at(owners, key, 64, &buf, &len, NULL, NULL) < 0)
        return;
    if (!pair || strcmp(buf, pair) == 0)
        unlinkat(owners, key, 0);
}

/* Reclaims pairs/name if stale. Returns 1 when reclaimed. */
static int reclaim_if_stale(pool_fds_t *f, const char *name)
{
    owner_t o;
    if (read_owner(f->pairs, name, &o) < 0) {
        /* unreadable: never taken over, unless it predates this boot (a write torn by a
         * power loss on a /run that is not a tmpfs) */
        struct stat st;
        long long boot = rw_lsm_boot_time();
        if (boot > 0 && fstatat(f->pairs, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            st.st_mtim.tv_sec < boot) {
            unlinkat(f->pairs, name, 0);
            return 1;
        }
        return 0;
    }
    bool stale = owner_stale(&o);
    if (stale) {
        owner_index_drop(f->owners, o.root, o.id, name);
        unlinkat(f->pairs, name, 0);
    }
    owner_clear(&o);
    return stale ? 1 : 0;
}

/* Publishes a complete reservation file under name; -EEXIST when taken. */
static int write_pair(pool_fds_t *f, const char *name, const char *root, const char *id)
{
    char tmp[64];
    uint32_t rnd = 0;
    if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
        rnd = (uint32_t)time(NULL);
    snprintf(tmp, sizeof(tmp), "tmp.%d.%08x", (int)getpid(), rnd);
    cleanup_free char *content = NULL;
    long pid = (long)getpid();
    int n = asprintf(&content, "id=%s\nroot=%s\npid=%ld\nstart=%llu\n", id, root, pid,
                     rw_lsm_pid_start_time(pid));
    if (n < 0)
        return -ENOMEM;
    cleanup_close int fd =
        openat(f->pairs, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    int r = rw_write_all(fd, content, (size_t)n);
    /* link() fails on an existing name: the reservation appears whole or not at all */
    if (r >= 0 && linkat(f->pairs, tmp, f->pairs, name, 0) < 0)
        r = -errno;
    unlinkat(f->pairs, tmp, 0);
    return r;
}

static int write_owner_index(pool_fds_t *f, const char *root, const char *id, const char *pair,
                             rw_error_t **err)
{
    char key[RW_SHA256_HEX_LEN + 1];
    rw_lsm_container_key(root, id, key);
    int r = rw_lsm_replace_at(f->owners, key, pair, strlen(pair));
    return r < 0 ? rw_error_setsys(err, -r, "MCS: cannot record the owner of %s", pair) : 0;
}

/* The container's current pair name, verified against the reservation (NULL if none). */
static char *current_pair(pool_fds_t *f, const char *root, const char *id)
{
    char key[RW_SHA256_HEX_LEN + 1];
    rw_lsm_container_key(root, id, key);
    cleanup_free char *pair = NULL;
    size_t len = 0;
    if (rw_file_read_at(f->owners, key, 64, &pair, &len, NULL, NULL) < 0)
        return NULL;
    owner_t o;
    if (read_owner(f->pairs, pair, &o) < 0)
        return NULL;
    bool mine = strcmp(o.id, id) == 0 && strcmp(o.root, root) == 0;
    owner_clear(&o);
    return mine ? TAKE_PTR(pair) : NULL;
}

static int level_of(const char *pair, char **ret)
{
    unsigned a = 0, b = 0;
    if (sscanf(pair, "c%u.c%u", &a, &b) != 2)
        return -EBADMSG;
    return asprintf(ret, "s0:c%u,c%u", a, b) < 0 ? -ENOMEM : 0;
}

static int sweep_locked(pool_fds_t *f)
{
    /* a fresh open, not dup(): the directory offset must start at the beginning */
    int dfd = openat(f->pairs, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return -errno;
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return -errno;
    }
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == 'c')
            n += reclaim_if_stale(f, de->d_name);
        else if (strncmp(de->d_name, "tmp.", 4) == 0) {
            /* a writer that died between writing and linking */
            long pid = strtol(de->d_name + 4, NULL, 10);
            char path[64];
            snprintf(path, sizeof(path), "/proc/%ld", pid);
            if (pid <= 0 || access(path, F_OK) < 0)
                unlinkat(f->pairs, de->d_name, 0);
        }
    }
    closedir(d);
    struct timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
    int tfd = openat(f->dir, "swept", O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (tfd >= 0) {
        futimens(tfd, now);
        close(tfd);
    }
    return n;
}

static void maybe_sweep(pool_fds_t *f)
{
    struct stat st;
    if (fstatat(f->dir, "swept", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        time(NULL) - st.st_mtim.tv_sec < SWEEP_INTERVAL)
        return;
    (void)sweep_locked(f);
}

static bool pair_usable(const rw_mcs_pool_t *p, unsigned a, unsigned b)
{
    return a < b && a >= p->cat_min && b <= p->cat_max && !(a == 1022 && b == 1023);
}

static int claim(const rw_mcs_pool_t *p, pool_fds_t *f, unsigned a, unsigned b, const char *root,
                 const char *id, char **ret_level, rw_error_t **err)
{
    char name[PAIR_NAME_MAX];
    pair_name(a, b, name);
    int r = write_pair(f, name, root, id);
    if (r == -EEXIST && reclaim_if_stale(f, name) == 1)
        r = write_pair(f, name, root, id);
    if (r < 0)
        return r;
    if ((r = write_owner_index(f, root, id, name, err)) < 0) {
        unlinkat(f->pairs, name, 0);
        return r;
    }
    return level_of(name, ret_level);
}

int rw_mcs_allocate(const rw_mcs_pool_t *p, const char *root, const char *id, char **ret_level,
                    rw_error_t **err)
{
    if (!valid_id(id) || !valid_root(root))
        return rw_error_set(err, EINVAL, "MCS: bad container id or runtime root");
    if (p->cat_max > 1023 || p->cat_min + 3 > p->cat_max)
        return rw_error_set(err, EINVAL, "MCS: bad category range");
    pool_fds_t f;
    int r = pool_open(p, &f, err);
    if (r < 0)
        return r;
    cleanup_free char *cur = current_pair(&f, root, id);
    if (cur) {
        r = level_of(cur, ret_level);
        pool_close(&f);
        return r;
    }
    maybe_sweep(&f);
    unsigned span = p->cat_max - p->cat_min + 1;
    for (int i = 0; i < RANDOM_TRIES; i++) {
        uint32_t rnd[2];
        if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
            pool_close(&f);
            return rw_error_setsys(err, errno, "MCS: getrandom");
        }
        unsigned a = p->cat_min + rnd[0] % span, b = p->cat_min + rnd[1] % span;
        if (a > b) {
            unsigned t = a;
            a = b;
            b = t;
        }
        if (!pair_usable(p, a, b))
            continue;
        r = claim(p, &f, a, b, root, id, ret_level, err);
        if (r != -EEXIST) {
            pool_close(&f);
            return r < 0 ? rw_error_setsys(err, -r, "MCS: cannot reserve a pair in %s", p->dir) : 0;
        }
    }
    /* Nearly full: reclaim what is stale, then take the first free pair in order. */
    (void)sweep_locked(&f);
    for (unsigned a = p->cat_min; a <= p->cat_max; a++)
        for (unsigned b = a + 1; b <= p->cat_max; b++) {
            if (!pair_usable(p, a, b))
                continue;
            char name[PAIR_NAME_MAX];
            pair_name(a, b, name);
            if (faccessat(f.pairs, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                continue;
            r = claim(p, &f, a, b, root, id, ret_level, err);
            if (r != -EEXIST) {
                pool_close(&f);
                return r < 0 ? rw_error_setsys(err, -r, "MCS: cannot reserve a pair in %s", p->dir)
                             : 0;
            }
        }
    pool_close(&f);
    return rw_error_set(err, ENOSPC, "MCS: every category pair in c%u..c%u is in use (%s)",
                        p->cat_min, p->cat_max, p->dir);
}

int rw_mcs_reserve(const rw_mcs_pool_t *p, const char *root, const char *id, const char *level,
                   char **ret_holder, rw_error_t **err)
{
    unsigned a = 0, b = 0;
    if (!valid_id(id) || !valid_root(root))
        return rw_error_set(err, EINVAL, "MCS: bad container id or runtime root");
    if (rw_selinux_mcs_parse(level, &a, &b) < 0)
        return rw_error_set(err, EINVAL, "MCS: '%s' is not s0:cA,cB with A < B", level);
    pool_fds_t f;
    int r = pool_open(p, &f, err);
    if (r < 0)
        return r;
    char name[PAIR_NAME_MAX];
    pair_name(a, b, name);
    cleanup_free char *cur = current_pair(&f, root, id);
    if (cur && strcmp(cur, name) == 0) {
        pool_close(&f);
        return 0;
    }
    r = write_pair(&f, name, root, id);
    if (r == -EEXIST && reclaim_if_stale(&f, name) == 1)
        r = write_pair(&f, name, root, id);
    if (r == -EEXIST) {
        owner_t o;
        if (ret_holder && read_owner(f.pairs, name, &o) == 0) {
            if (asprintf(ret_holder, "%s (runtime root %s)", o.id, o.root) < 0)
                *ret_holder = NULL;
            owner_clear(&o);
        }
        pool_close(&f);
        return -EEXIST;
    }
    if (r < 0) {
        pool_close(&f);
        return rw_error_setsys(err, -r, "MCS: cannot reserve %s in %s", level, p->dir);
    }
    /* The container moved to another pair: the old one is free again. */
    if (cur)
        unlinkat(f.pairs, cur, 0);
    r = write_owner_index(&f, root, id, name, err);
    pool_close(&f);
    return r;
}

int rw_mcs_release(const rw_mcs_pool_t *p, const char *root, const char *id, rw_error_t **err)
{
    if (!valid_id(id) || !valid_root(root))
        return rw_error_set(err, EINVAL, "MCS: bad container id or runtime root");
    struct stat st;
    if (stat(p->dir, &st) < 0 && errno == ENOENT)
        return 0;
    pool_fds_t f;
    int r = pool_open(p, &f, err);
    if (r < 0)
        return r;
    cleanup_free char *cur = current_pair(&f, root, id);
    if (cur)
        unlinkat(f.pairs, cur, 0);
    owner_index_drop(f.owners, root, id, NULL);
    pool_close(&f);
    return 0;
}

int rw_mcs_lookup(const rw_mcs_pool_t *p, const char *root, const char *id, char **ret_level)
{
    *ret_level = NULL;
    pool_fds_t f;
    int r = pool_open(p, &f, NULL);
    if (r < 0)
        return r;
    cleanup_free char *cur = current_pair(&f, root, id);
    pool_close(&f);
    return cur ? level_of(cur, ret_level) : 0;
}

int rw_mcs_sweep(const rw_mcs_pool_t *p, rw_error_t **err)
{
    pool_fds_t f;
    int r = pool_open(p, &f, err);
    if (r < 0)
        return r;
    r = sweep_locked(&f);
    pool_close(&f);
    return r;
}
