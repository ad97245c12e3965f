/* The compiled-filter cache: miss then hit (a hit does not load libseccomp), a key that
 * covers every errno, corrupt or misplaced entries rebuilt, read-only use, an unsafe
 * directory refused, and concurrent writers sharing one entry. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "profiles/seccomp_lib.h"
#include "seccomp_testlib.h"

static const char *oci_text(int errno_ret)
{
    static char buf[512];
    snprintf(buf, sizeof(buf),
             "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,\"architectures\":"
             "[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"],\"syscalls\":[{\"names\":"
             "[\"getppid\",\"read\",\"write\",\"exit_group\"],\"action\":\"SCMP_ACT_ALLOW\"},"
             "{\"names\":[\"swapon\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":%d}]}",
             errno_ret);
    return buf;
}

static rw_seccomp_oci_t *oci(int errno_ret)
{
    json_t *j = json_loads(oci_text(errno_ret), 0, NULL);
    rw_seccomp_oci_t *o = st_oci(j);
    json_decref(j);
    return o;
}

static char *make_dir(void)
{
    char tmpl[] = "/tmp/rw-seccomp-cache.XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    char *p = NULL;
    assert_true(asprintf(&p, "%s/cache", d) > 0);
    return p;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

/* dir is <tmp>/cache: removes <tmp> and everything in it, then frees dir. */
static void drop_dir(char *dir)
{
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        chmod(dir, 0700);
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    }
    free(dir);
}

static size_t count_entries(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
            n++;
    closedir(d);
    return n;
}

static size_t count_bpf(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strlen(e->d_name) > 4 && strcmp(e->d_name + strlen(e->d_name) - 4, ".bpf") == 0)
            n++;
    closedir(d);
    return n;
}

static rw_seccomp_cache_result_t get(const char *dir, rw_seccomp_oci_t *o, bool store,
                                     rw_seccomp_filter_t *f)
{
    rw_seccomp_cache_opts_t c = {.dir = dir, .store = store};
    rw_seccomp_compile_opts_t co = {.optimize = 2};
    rw_error_t *err = NULL;
    int r = rw_seccomp_filter_get(o, &co, &c, f, &err);
    if (r < 0)
        fail_msg("filter_get: %s", err ? err->msg : "?");
    return f->cache;
}

static void entry_path(const char *dir, const rw_seccomp_filter_t *f, char *out, size_t len)
{
    snprintf(out, len, "%s/%s.bpf", dir, f->key);
}

/* Runs in a fresh process so that "libseccomp was not loaded" means something. */
static void test_hit_without_libseccomp(void **state)
{
    (void)state;
    char *dir = make_dir();
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        rw_seccomp_oci_t *o = oci(1);
        rw_seccomp_filter_t f = {0};
        _exit(get(dir, o, true, &f) == RW_SECCOMP_CACHE_MISS ? 0 : 1);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    pid = fork();
    if (pid == 0) {
        rw_seccomp_oci_t *o = oci(1);
        rw_seccomp_filter_t f = {0};
        int hit = get(dir, o, true, &f) == RW_SECCOMP_CACHE_HIT;
        _exit(hit && !rw_seccomp_lib_loaded() && f.n > 10 && strcmp(f.libseccomp_version, "") != 0
                  ? 0
                  : 2);
    }
    waitpid(pid, &st, 0);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    drop_dir(dir);
}

static void test_miss_hit_and_errno_in_key(void **state)
{
    (void)state;
    char *dir = make_dir();
    rw_seccomp_oci_t *o1 = oci(1), *o13 = oci(13);
    rw_seccomp_filter_t a = {0}, b = {0}, c = {0};
    assert_int_equal(get(dir, o1, true, &a), RW_SECCOMP_CACHE_MISS);
    assert_int_equal(get(dir, o1, true, &b), RW_SECCOMP_CACHE_HIT);
    assert_string_equal(a.key, b.key);
    assert_string_equal(a.digest, b.digest);
    assert_int_equal(a.n, b.n);
    assert_memory_equal(a.insns, b.insns, a.n * sizeof(*a.insns));
    /* same profile but swapon's errno: another key, another program */
    assert_int_equal(get(dir, o13, true, &c), RW_SECCOMP_CACHE_MISS);
    assert_string_not_equal(a.key, c.key);
    assert_string_not_equal(a.digest, c.digest);
    char r1[96], r13[96];
    assert_int_equal(st_eval(&b, "swapon", NULL, r1, sizeof(r1)), 0);
    assert_int_equal(st_eval(&c, "swapon", NULL, r13, sizeof(r13)), 0);
    assert_string_equal(r1, "ERRNO(1) EPERM");
    assert_string_equal(r13, "ERRNO(13) EACCES");
    assert_int_equal(count_bpf(dir), 2);
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    rw_seccomp_filter_clear(&a);
    rw_seccomp_filter_clear(&b);
    rw_seccomp_filter_clear(&c);
    rw_seccomp_oci_free(o1);
    rw_seccomp_oci_free(o13);
    drop_dir(dir);
}

static void corrupt_and_check(const char *dir, rw_seccomp_oci_t *o, off_t off, bool truncate_it)
{
    rw_seccomp_filter_t a = {0}, b = {0}, c = {0};
    get(dir, o, true, &a);
    char path[512];
    entry_path(dir, &a, path, sizeof(path));
    int fd = open(path, O_RDWR | O_CLOEXEC);
    assert_true(fd >= 0);
    if (truncate_it) {
        assert_int_equal(ftruncate(fd, off), 0);
    } else {
        unsigned char x = 0;
        assert_int_equal(pread(fd, &x, 1, off), 1);
        x ^= 0x40;
        assert_int_equal(pwrite(fd, &x, 1, off), 1);
    }
    close(fd);
    assert_int_equal(get(dir, o, true, &b), RW_SECCOMP_CACHE_REBUILT);
    assert_string_equal(a.digest, b.digest);
    assert_int_equal(get(dir, o, true, &c), RW_SECCOMP_CACHE_HIT);
    rw_seccomp_filter_clear(&a);
    rw_seccomp_filter_clear(&b);
    rw_seccomp_filter_clear(&c);
}

static void test_corrupt_entries_rebuilt(void **state)
{
    (void)state;
    char *dir = make_dir();
    rw_seccomp_oci_t *o = oci(1);
    corrupt_and_check(dir, o, 200, false); /* a flipped bit inside the program */
    corrupt_and_check(dir, o, 3, false);   /* the magic */
    corrupt_and_check(dir, o, 100, true);  /* torn write */
    corrupt_and_check(dir, o, 0, true);    /* empty file */
    /* an entry renamed to another key's name is not accepted for that key */
    rw_seccomp_oci_t *o2 = oci(2);
    rw_seccomp_filter_t a = {0}, b = {0};
    get(dir, o, true, &a);
    get(dir, o2, true, &b);
    char pa[512], pb[512];
    entry_path(dir, &a, pa, sizeof(pa));
    entry_path(dir, &b, pb, sizeof(pb));
    assert_int_equal(rename(pa, pb), 0);
    rw_seccomp_filter_t c = {0};
    assert_int_equal(get(dir, o2, true, &c), RW_SECCOMP_CACHE_REBUILT);
    assert_string_equal(c.digest, b.digest);
    rw_seccomp_filter_clear(&a);
    rw_seccomp_filter_clear(&b);
    rw_seccomp_filter_clear(&c);
    rw_seccomp_oci_free(o);
    rw_seccomp_oci_free(o2);
    drop_dir(dir);
}

static void test_read_only_and_unsafe_dir(void **state)
{
    (void)state;
    char *dir = make_dir();
    rw_seccomp_oci_t *o = oci(1);
    rw_seccomp_filter_t a = {0}, b = {0};
    /* read-only on a missing directory: compiled, nothing created */
    assert_int_equal(get(dir, o, false, &a), RW_SECCOMP_CACHE_OFF);
    assert_true(a.n > 0);
    assert_int_equal(access(dir, F_OK), -1);
    rw_seccomp_filter_clear(&a);
    /* read-only on an existing one: miss, nothing stored */
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(get(dir, o, false, &a), RW_SECCOMP_CACHE_MISS);
    assert_int_equal(count_bpf(dir), 0);
    rw_seccomp_filter_clear(&a);
    /* a directory others may write to is not trusted */
    assert_int_equal(chmod(dir, 0777), 0);
    assert_int_equal(get(dir, o, true, &b), RW_SECCOMP_CACHE_OFF);
    assert_non_null(b.cache_note);
    assert_non_null(strstr(b.cache_note, "writable by others"));
    assert_int_equal(count_bpf(dir), 0);
    rw_seccomp_filter_clear(&b);
    rw_seccomp_oci_free(o);
    drop_dir(dir);
}

static void test_stale_stamp(void **state)
{
    (void)state;
    char *dir = make_dir();
    rw_seccomp_oci_t *o = oci(1);
    rw_seccomp_filter_t a = {0}, b = {0};
    get(dir, o, true, &a);
    /* a stamp naming another file (an upgraded library): not believed */
    char sp[512];
    snprintf(sp, sizeof(sp), "%s/libseccomp.stamp", dir);
    FILE *f = fopen(sp, "we");
    assert_non_null(f);
    fprintf(f, "v1\n9.9.9\n/etc/hostname\n1 2 3 4 5\n");
    fclose(f);
    assert_int_equal(get(dir, o, true, &b), RW_SECCOMP_CACHE_HIT);
    assert_string_equal(a.key, b.key);
    assert_string_not_equal(b.libseccomp_version, "9.9.9");
    rw_seccomp_filter_clear(&a);
    rw_seccomp_filter_clear(&b);
    rw_seccomp_oci_free(o);
    drop_dir(dir);
}

static void test_concurrent_writers(void **state)
{
    (void)state;
    char *dir = make_dir();
    enum { N = 8 };
    pid_t pids[N];
    for (int i = 0; i < N; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            rw_seccomp_oci_t *o = oci(77);
            rw_seccomp_filter_t f = {0};
            rw_seccomp_cache_result_t r = get(dir, o, true, &f);
            /* print the digest so the parent can compare */
            char p[64];
            snprintf(p, sizeof(p), "%s/../digest.%d", dir, i);
            FILE *out = fopen(p, "we");
            if (out) {
                fprintf(out, "%s", f.digest);
                fclose(out);
            }
            _exit(r == RW_SECCOMP_CACHE_MISS || r == RW_SECCOMP_CACHE_HIT ? 0 : 1);
        }
    }
    for (int i = 0; i < N; i++) {
        int st = 0;
        waitpid(pids[i], &st, 0);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    char first[80] = "";
    for (int i = 0; i < N; i++) {
        char p[600], d[80] = "";
        snprintf(p, sizeof(p), "%s/../digest.%d", dir, i);
        FILE *in = fopen(p, "re");
        assert_non_null(in);
        assert_non_null(fgets(d, sizeof(d), in));
        fclose(in);
        if (i == 0)
            snprintf(first, sizeof(first), "%s", d);
        assert_string_equal(first, d);
    }
    assert_int_equal(count_bpf(dir), 1);
    assert_int_equal(count_entries(dir, ".tmp-"), 0);
    rw_seccomp_oci_t *o = oci(77);
    rw_seccomp_filter_t f = {0};
    assert_int_equal(get(dir, o, true, &f), RW_SECCOMP_CACHE_HIT);
    assert_string_equal(f.digest, first);
    rw_seccomp_filter_clear(&f);
    rw_seccomp_oci_free(o);
    drop_dir(dir);
}

/* The cache does not grow without bound: past 1024 entries the oldest go (on a miss). */
static void test_eviction(void **state)
{
    (void)state;
    char *dir = make_dir();
    assert_int_equal(mkdir(dir, 0700), 0);
    for (int i = 0; i < 1100; i++) {
        char p[600];
        snprintf(p, sizeof(p), "%s/%064x.bpf", dir, i);
        FILE *f = fopen(p, "we");
        assert_non_null(f);
        fclose(f);
        struct timespec ts[2] = {{1000 + i, 0}, {1000 + i, 0}};
        assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
    }
    rw_seccomp_oci_t *o = oci(5);
    rw_seccomp_filter_t f = {0};
    assert_int_equal(get(dir, o, true, &f), RW_SECCOMP_CACHE_MISS);
    size_t n = count_bpf(dir);
    assert_true(n <= 1024 && n > 900);
    char p[600];
    snprintf(p, sizeof(p), "%s/%064x.bpf", dir, 0); /* the oldest went */
    assert_int_equal(access(p, F_OK), -1);
    snprintf(p, sizeof(p), "%s/%064x.bpf", dir, 1099); /* the newest stayed */
    assert_int_equal(access(p, F_OK), 0);
    rw_seccomp_filter_t g = {0};
    assert_int_equal(get(dir, o, true, &g), RW_SECCOMP_CACHE_HIT);
    rw_seccomp_filter_clear(&f);
    rw_seccomp_filter_clear(&g);
    rw_seccomp_oci_free(o);
    drop_dir(dir);
}

/* The streamed canonical form (digest, cache key) is byte for byte the built one. */
static void test_canonical_hash_matches(void **state)
{
    (void)state;
    for (int e = 0; e < 3; e++) {
        rw_seccomp_oci_t *o = oci(e == 2 ? 4095 : e);
        assert_non_null(o);
        char *canon = NULL;
        size_t len = 0;
        assert_int_equal(rw_seccomp_oci_canonical(o, &canon, &len), 0);
        uint8_t d[32];
        char want[65], got[65];
        rw_sha256(canon, len, d);
        rw_hex(d, 32, want);
        assert_int_equal(rw_seccomp_oci_digest(o, got), 0);
        assert_string_equal(got, want);
        assert_non_null(strstr(canon, "4:read,"));
        free(canon);
        rw_seccomp_oci_free(o);
    }
}

static void test_base64(void **state)
{
    (void)state;
    char *s = rw_seccomp_base64("", 0);
    assert_string_equal(s, "");
    free(s);
    s = rw_seccomp_base64("f", 1);
    assert_string_equal(s, "Zg==");
    free(s);
    s = rw_seccomp_base64("fo", 2);
    assert_string_equal(s, "Zm8=");
    free(s);
    s = rw_seccomp_base64("foobar", 6);
    assert_string_equal(s, "Zm9vYmFy");
    free(s);
    const unsigned char bin[] = {0xff, 0x00, 0xfe, 0x7f};
    s = rw_seccomp_base64(bin, 4);
    assert_string_equal(s, "/wD+fw==");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_without_libseccomp),
        cmocka_unit_test(test_miss_hit_and_errno_in_key),
        cmocka_unit_test(test_corrupt_entries_rebuilt),
        cmocka_unit_test(test_read_only_and_unsafe_dir),
        cmocka_unit_test(test_stale_stamp),
        cmocka_unit_test(test_concurrent_writers),
        cmocka_unit_test(test_eviction),
        cmocka_unit_test(test_canonical_hash_matches),
        cmocka_unit_test(test_base64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
