/* Benchmarks for the LSM work done per container start (built and run by bench_lsm.sh):
 *   bench_lsm apparmor N SRC DIR   host probe + profile generation + warm cache lookup
 *   bench_lsm mcs N DIR            MCS allocation (and release) with N live reservations
 *   bench_lsm exec N LAUNCHER PROG [RULE-ARGS...]
 *                                  fork+exec of PROG directly and through the Landlock
 *                                  launcher, alternating
 * Prints "label median_us=.. p95_us=.. n=.." lines. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/json.h"
#include "conf/config_lsm.h"
#include "profiles/apparmor.h"
#include "profiles/selinux.h"

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *label, double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), cmpd);
    printf("%s median_us=%.1f p95_us=%.1f n=%d\n", label, v[n / 2], v[(n * 95) / 100], n);
}

static int bench_apparmor(int n, const char *src, const char *dir)
{
    char text[2048];
    snprintf(text, sizeof(text),
             "{\"stateDir\":\"%s/state\",\"apparmor\":{\"template\":\"%s/profiles/apparmor/"
             "containers-default.tmpl\",\"cacheDir\":\"%s/cache\"},\"tenants\":{\"default\":{"
             "\"files\":{\"readOnly\":[\"/etc\"],\"deny\":[\"/srv/secret\"]},\"network\":["
             "\"unix\",\"inet\",\"inet6\"]}}}",
             dir, src, dir);
    rw_error_t *err = NULL;
    json_t *j = rw_json_parse(text, strlen(text), "bench", &err);
    rw_lsm_config_t *c = NULL;
    if (!j || rw_lsm_config_parse(j, "bench", &c, &err) < 0) {
        fprintf(stderr, "config: %s\n", err ? err->msg : "?");
        return 1;
    }
    const rw_lsm_tenant_t *t = rw_lsm_config_tenant(c, NULL);
    double *v = calloc((size_t)n, sizeof(double));
    double cold = 0;
    for (int i = -1; i < n; i++) {
        double t0 = now_us();
        rw_apparmor_host_t h;
        rw_apparmor_profile_t p;
        int r = rw_apparmor_host_probe(c, false, &h, &err);
        if (r >= 0)
            r = rw_apparmor_generate(c, t, &h, &p, &err);
        if (r >= 0)
            r = rw_apparmor_cache_ensure(c, &h, &p, false, &err);
        if (r < 0) {
            fprintf(stderr, "apparmor: %s\n", err ? err->msg : "?");
            return 1;
        }
        if (i >= 0 && !p.cache_hit) {
            fprintf(stderr, "apparmor: warm run missed the cache\n");
            return 1;
        }
        double dt = now_us() - t0;
        if (i < 0)
            cold = dt;
        else
            v[i] = dt;
        rw_apparmor_profile_clear(&p);
        rw_apparmor_host_clear(&h);
    }
    printf("apparmor-cold us=%.1f\n", cold);
    report("apparmor-warm", v, n);
    free(v);
    json_decref(j);
    rw_lsm_config_free(c);
    return 0;
}

static int bench_mcs(int n, const char *dir)
{
    char mcs[512], root[512];
    snprintf(mcs, sizeof(mcs), "%s/mcs", dir);
    snprintf(root, sizeof(root), "%s/runc", dir);
    mkdir(root, 0700);
    rw_mcs_pool_t pool = {mcs, 0, 1023};
    double *a = calloc((size_t)n, sizeof(double)), *r = calloc((size_t)n, sizeof(double));
    for (int i = 0; i < n; i++) {
        char id[32], sd[600];
        snprintf(id, sizeof(id), "bench-%d", i);
        snprintf(sd, sizeof(sd), "%s/%s", root, id);
        mkdir(sd, 0700);
        char *level = NULL;
        rw_error_t *err = NULL;
        double t0 = now_us();
        if (rw_mcs_allocate(&pool, root, id, &level, &err) < 0) {
            fprintf(stderr, "mcs: %s\n", err ? err->msg : "?");
            return 1;
        }
        a[i] = now_us() - t0;
        free(level);
    }
    report("mcs-allocate", a, n);
    for (int i = 0; i < n; i++) {
        char id[32];
        snprintf(id, sizeof(id), "bench-%d", i);
        double t0 = now_us();
        if (rw_mcs_release(&pool, root, id, NULL) < 0)
            return 1;
        r[i] = now_us() - t0;
    }
    report("mcs-release", r, n);
    free(a);
    free(r);
    return 0;
}

/* Wall time of fork+exec+wait; *cpu gets the child's user+system time (less sensitive to a
 * loaded machine's scheduling than the wall clock). */
static double run_once(char **argv, double *cpu)
{
    double t0 = now_us();
    pid_t pid = fork();
    if (pid == 0) {
        execv(argv[0], argv);
        _exit(127);
    }
    int st = 0;
    struct rusage ru;
    wait4(pid, &st, 0, &ru);
    *cpu = ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1e6 +
           ru.ru_stime.tv_usec;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "exec: %s exited %d\n", argv[0], WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        exit(1);
    }
    return now_us() - t0;
}

static int bench_exec(int n, char *launcher, char *prog, int nrules, char **rules)
{
    char *direct[] = {prog, NULL};
    char **wrapped = calloc((size_t)nrules + 4, sizeof(char *));
    int k = 0;
    wrapped[k++] = launcher;
    for (int i = 0; i < nrules; i++)
        wrapped[k++] = rules[i];
    wrapped[k++] = "--";
    wrapped[k++] = prog;
    double *d = calloc((size_t)n, sizeof(double)), *w = calloc((size_t)n, sizeof(double));
    double *dc = calloc((size_t)n, sizeof(double)), *wc = calloc((size_t)n, sizeof(double));
    double cpu = 0;
    for (int i = 0; i < 5; i++) {
        run_once(direct, &cpu);
        run_once(wrapped, &cpu);
    }
    for (int i = 0; i < n; i++) {
        d[i] = run_once(direct, &dc[i]);
        w[i] = run_once(wrapped, &wc[i]);
    }
    report("exec-direct", d, n);
    report("exec-landlock", w, n);
    report("cpu-direct", dc, n);
    report("cpu-landlock", wc, n);
    free(d);
    free(w);
    free(dc);
    free(wc);
    free(wrapped);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_lsm apparmor|mcs|exec N ...\n");
        return 2;
    }
    char *end = NULL;
    long nl = strtol(argv[2], &end, 10);
    int n = end && !*end && nl > 0 && nl < 1000000 ? (int)nl : 100;
    if (strcmp(argv[1], "apparmor") == 0 && argc == 5)
        return bench_apparmor(n, argv[3], argv[4]);
    if (strcmp(argv[1], "mcs") == 0 && argc == 4)
        return bench_mcs(n, argv[3]);
    if (strcmp(argv[1], "exec") == 0 && argc >= 5)
        return bench_exec(n, argv[3], argv[4], argc - 5, argv + 5);
    fprintf(stderr, "usage: bench_lsm apparmor|mcs|exec N ...\n");
    return 2;
}
