/* bench_seccomp: the numbers behind tests/bench/bench_seccomp.sh.
 *   bench_seccomp compile PROFILE CACHEDIR N
 *       resolve + compile the profile for podman's default capabilities: the first compile
 *       in the process (dlopen included), N compiles without cache; leaves a warm cache.
 *   bench_seccomp hits PROFILE CACHEDIR N
 *       N cache hits in this (fresh) process, which never loads libseccomp: wall and CPU.
 *   bench_seccomp quality PROFILE
 *       mean BPF instructions executed per syscall over each ABI's syscall table (all
 *       arguments 0): binary tree vs libseccomp's default program (what crun builds).
 *   bench_seccomp start N -- CMD_A... -- CMD_B...
 *       runs A and B alternately N times each ("{}" in an argument becomes the iteration);
 *       wall-clock median and mean CPU (user+sys of the child tree) per command.
 * Output lines are "LABEL key=value ..." for the script to pick up. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "profiles/seccomp_bpf.h"
#include "profiles/seccomp_cache.h"
#include "profiles/seccomp_lib.h"
#include "profiles/seccomp_profile.h"
#include "profiles/seccomp_resolve.h"
#include "profiles/seccomp_systable.h"

static char *podman_caps[] = {
    "CAP_AUDIT_WRITE", "CAP_CHOWN",   "CAP_DAC_OVERRIDE",     "CAP_FOWNER",     "CAP_FSETID",
    "CAP_KILL",        "CAP_MKNOD",   "CAP_NET_BIND_SERVICE", "CAP_NET_RAW",    "CAP_SETFCAP",
    "CAP_SETGID",      "CAP_SETPCAP", "CAP_SETUID",           "CAP_SYS_CHROOT", NULL};

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double pct(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_d);
    int i = (int)(p * (n - 1) + 0.5);
    return v[i];
}

static rw_seccomp_oci_t *resolve(const char *profile)
{
    rw_seccomp_profile_t *p = NULL;
    rw_seccomp_oci_t *o = NULL;
    rw_error_t *err = NULL;
    rw_seccomp_resolve_opts_t ro = {.have_caps = true, .bounding = podman_caps};
    if (rw_seccomp_profile_load(profile, RW_SECCOMP_DIALECT_CONTAINERS, &p, NULL, &err) < 0 ||
        rw_seccomp_resolve(p, &ro, &o, NULL, &err) < 0 || !o) {
        fprintf(stderr, "bench_seccomp: %s\n", err ? err->msg : "profile disables seccomp");
        exit(2);
    }
    rw_seccomp_profile_free(p);
    return o;
}

static int cmd_compile(const char *profile, const char *cache_dir, int n)
{
    double t0 = now_us();
    rw_seccomp_oci_t *o = resolve(profile);
    double t_resolve = now_us() - t0;
    rw_seccomp_compile_opts_t co = {.optimize = 2};
    rw_seccomp_filter_t f = {0};
    rw_error_t *err = NULL;
    t0 = now_us();
    if (rw_seccomp_filter_get(o, &co, NULL, &f, &err) < 0) {
        fprintf(stderr, "bench_seccomp: %s\n", err ? err->msg : "?");
        return 2;
    }
    double cold = now_us() - t0;
    printf("cold-first ms=%.3f resolve_ms=%.3f instructions=%zu\n", cold / 1e3, t_resolve / 1e3,
           f.n);
    rw_seccomp_filter_clear(&f);
    double *v = calloc((size_t)n, sizeof(double));
    for (int i = 0; i < n; i++) {
        t0 = now_us();
        rw_seccomp_filter_get(o, &co, NULL, &f, NULL);
        v[i] = now_us() - t0;
        rw_seccomp_filter_clear(&f);
    }
    printf("miss median_ms=%.3f p90_ms=%.3f\n", median(v, n) / 1e3, pct(v, n, 0.9) / 1e3);
    /* unoptimised, for reference */
    rw_seccomp_compile_opts_t plain = {.optimize = 0};
    for (int i = 0; i < n; i++) {
        t0 = now_us();
        rw_seccomp_filter_get(o, &plain, NULL, &f, NULL);
        v[i] = now_us() - t0;
        rw_seccomp_filter_clear(&f);
    }
    printf("miss-unoptimised median_ms=%.3f\n", median(v, n) / 1e3);
    /* warm the cache for `bench_seccomp hits` (run in a fresh process by the script) */
    rw_seccomp_cache_opts_t cache = {.dir = cache_dir, .store = true};
    rw_seccomp_filter_get(o, &co, &cache, &f, NULL);
    rw_seccomp_filter_clear(&f);
    free(v);
    rw_seccomp_oci_free(o);
    return 0;
}

static double cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Cache hits in a process that has never loaded libseccomp: wall and CPU medians. */
static int cmd_hits(const char *profile, const char *cache_dir, int n)
{
    rw_seccomp_oci_t *o = resolve(profile);
    rw_seccomp_compile_opts_t co = {.optimize = 2};
    rw_seccomp_cache_opts_t cache = {.dir = cache_dir, .store = true};
    rw_seccomp_filter_t f = {0};
    double *w = calloc((size_t)n, sizeof(double)), *c = calloc((size_t)n, sizeof(double));
    double *r = calloc((size_t)n, sizeof(double)), *rc = calloc((size_t)n, sizeof(double));
    int hits = 0;
    for (int i = 0; i < n; i++) {
        double t0 = now_us(), c0 = cpu_us();
        rw_seccomp_filter_get(o, &co, &cache, &f, NULL);
        c[i] = cpu_us() - c0;
        w[i] = now_us() - t0;
        hits += f.cache == RW_SECCOMP_CACHE_HIT;
        rw_seccomp_filter_clear(&f);
    }
    /* what the stage also does per start in require/replace mode: read + resolve the site
     * profile */
    for (int i = 0; i < n; i++) {
        double t0 = now_us(), c0 = cpu_us();
        rw_seccomp_oci_t *x = resolve(profile);
        rc[i] = cpu_us() - c0;
        r[i] = now_us() - t0;
        rw_seccomp_oci_free(x);
    }
    printf("hit median_us=%.1f p90_us=%.1f cpu_median_us=%.1f hits=%d/%d libseccomp_loaded=%d\n",
           median(w, n), pct(w, n, 0.9), median(c, n), hits, n, rw_seccomp_lib_loaded() ? 1 : 0);
    printf("resolve median_us=%.1f cpu_median_us=%.1f\n", median(r, n), median(rc, n));
    rw_seccomp_oci_free(o);
    free(w);
    free(c);
    free(r);
    free(rc);
    return hits == n && !rw_seccomp_lib_loaded() ? 0 : 1;
}

static double mean_insns(const rw_seccomp_filter_t *f, const rw_seccomp_arch_t *abi, size_t *count)
{
    rw_seccomp_sysent_t *t = NULL;
    size_t n = 0;
    if (rw_seccomp_systable(abi, &t, &n, NULL) < 0)
        return -1;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        struct seccomp_data d = {.nr = t[i].nr, .arch = rw_seccomp_arch_audit(abi)};
        uint32_t ret = 0;
        size_t ex = 0;
        rw_seccomp_bpf_run(f->insns, f->n, &d, &ret, &ex);
        sum += (double)ex;
    }
    rw_seccomp_systable_free(t, n);
    *count = n;
    return n ? sum / (double)n : 0;
}

static int cmd_quality(const char *profile)
{
    rw_seccomp_oci_t *o = resolve(profile);
    rw_seccomp_filter_t tree = {0}, plain = {0};
    rw_seccomp_compile_opts_t ct = {.optimize = 2}, cp = {.optimize = 0};
    if (rw_seccomp_filter_get(o, &ct, NULL, &tree, NULL) < 0 ||
        rw_seccomp_filter_get(o, &cp, NULL, &plain, NULL) < 0)
        return 2;
    printf("programs tree_insns=%zu plain_insns=%zu optimize=%d\n", tree.n, plain.n, tree.optimize);
    const char *abis[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_X86", NULL};
    for (const char **a = abis; *a; a++) {
        const rw_seccomp_arch_t *abi = rw_seccomp_arch_by_scmp(*a);
        size_t n = 0;
        double mt = mean_insns(&tree, abi, &n), mp = mean_insns(&plain, abi, &n);
        printf("quality-%s syscalls=%zu tree=%.2f plain=%.2f ratio=%.3f\n", abi->libseccomp, n, mt,
               mp, mp > 0 ? mt / mp : 0);
    }
    rw_seccomp_filter_clear(&tree);
    rw_seccomp_filter_clear(&plain);
    rw_seccomp_oci_free(o);
    return 0;
}

static double tv_s(struct timeval t)
{
    return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

/* Runs argv with "{}" replaced by i; returns wall ms, adds child CPU ms. */
static double run_once(char **tmpl, int i, double *cpu_ms, int *failed)
{
    char *argv[64];
    char bufs[64][256];
    int k = 0;
    for (; tmpl[k] && k < 63; k++) {
        const char *p = strstr(tmpl[k], "{}");
        if (p) {
            snprintf(bufs[k], sizeof(bufs[k]), "%.*s%d%s", (int)(p - tmpl[k]), tmpl[k], i, p + 2);
            argv[k] = bufs[k];
        } else
            argv[k] = tmpl[k];
    }
    argv[k] = NULL;
    struct rusage before, after;
    getrusage(RUSAGE_CHILDREN, &before);
    double t0 = now_us();
    pid_t pid = fork();
    if (pid == 0) {
        freopen("/dev/null", "r", stdin);
        freopen("/dev/null", "w", stdout);
        execv(argv[0], argv);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    double wall = (now_us() - t0) / 1e3;
    getrusage(RUSAGE_CHILDREN, &after);
    *cpu_ms += (tv_s(after.ru_utime) - tv_s(before.ru_utime) + tv_s(after.ru_stime) -
                tv_s(before.ru_stime)) *
               1e3;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        (*failed)++;
    return wall;
}

/* A positive count, or def. */
static int count_arg(const char *s, int def)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);
    return end && !*end && v > 0 && v < 1000000 ? (int)v : def;
}

static int cmd_start(int argc, char **argv)
{
    int n = count_arg(argv[2], 20);
    char **a = NULL, **b = NULL;
    for (int i = 3; i < argc; i++)
        if (strcmp(argv[i], "--") == 0) {
            argv[i] = NULL;
            if (!a)
                a = &argv[i + 1];
            else if (!b)
                b = &argv[i + 1];
        }
    if (!a || !b)
        return 2;
    double *wa = calloc((size_t)n, sizeof(double)), *wb = calloc((size_t)n, sizeof(double));
    double ca = 0, cb = 0;
    int fa = 0, fb = 0;
    for (int w = 0; w < 2; w++) { /* warm-up: page cache, runwarden's filter cache */
        double x = 0;
        int f = 0;
        run_once(a, 100000 + w, &x, &f);
        run_once(b, 200000 + w, &x, &f);
    }
    for (int i = 0; i < n; i++) {
        if (i % 2) {
            wa[i] = run_once(a, i, &ca, &fa);
            wb[i] = run_once(b, i, &cb, &fb);
        } else {
            wb[i] = run_once(b, i, &cb, &fb);
            wa[i] = run_once(a, i, &ca, &fa);
        }
    }
    printf("start-A median_ms=%.2f cpu_ms=%.2f failures=%d\n", median(wa, n), ca / n, fa);
    printf("start-B median_ms=%.2f cpu_ms=%.2f failures=%d\n", median(wb, n), cb / n, fb);
    return fa || fb ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc >= 5 && strcmp(argv[1], "compile") == 0)
        return cmd_compile(argv[2], argv[3], count_arg(argv[4], 100));
    if (argc >= 5 && strcmp(argv[1], "hits") == 0)
        return cmd_hits(argv[2], argv[3], count_arg(argv[4], 100));
    if (argc == 3 && strcmp(argv[1], "quality") == 0)
        return cmd_quality(argv[2]);
    if (argc >= 5 && strcmp(argv[1], "start") == 0)
        return cmd_start(argc, argv);
    fprintf(stderr,
            "usage: bench_seccomp compile|hits PROFILE CACHEDIR N | quality PROFILE | start N "
            "-- CMD... -- CMD...\n");
    return 2;
}
