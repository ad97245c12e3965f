/* Benchmarks for the LSM work done per container start (built and run by bench_lsm.sh):
 *   bench_lsm apparmor N SRC DIR   host probe + profile generation + warm cache lookup
 *   bench_lsm mcs N DIR            MCS allocation (and release) with N live reservations
 *   bench_lsm runs N :: LABEL CMD [ARG...] :: LABEL CMD [ARG...] ...
 *                                  vfork+exec+wait of each command in turn (the order
 *                                  reversed every other round; "{}" in an argument becomes
 *                                  the round number), stdin and stdout on /dev/null
 * Prints "label median_us=.. p95_us=.. n=.." lines; for runs, "LABEL median_us=..
 * cpu_median_us=.. added_us=.. cpu_added_us=.. over_prev_us=.. cpu_over_prev_us=.. n=..",
 * where added is the median of the differences to the first command's run of the same round
 * and over_prev to the previous command's (paired: slow drifts of the machine cancel). */
#include <errno.h>
#include <fcntl.h>
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

typedef struct bench_cmd {
    const char *label;
    char **argv; /* template: "{}" is replaced by the round number */
    int argc;
    double *wall, *cpu;
} bench_cmd_t;

static char *subst(const char *tmpl, int round)
{
    const char *p = strstr(tmpl, "{}");
    char *out = NULL;
    if (!p)
        return strdup(tmpl);
    if (asprintf(&out, "%.*s%d%s", (int)(p - tmpl), tmpl, round, p + 2) < 0)
        return NULL;
    return out;
}

/* Wall time of vfork+exec+wait in us; *cpu gets the child's user+system time (with the
 * children it waited for), which a loaded machine's scheduling moves less than wall time. */
static double run_once(const bench_cmd_t *c, int round, int null_fd, double *cpu)
{
    char **argv = calloc((size_t)c->argc + 1, sizeof(char *));
    if (!argv)
        exit(1);
    for (int i = 0; i < c->argc; i++)
        if (!(argv[i] = subst(c->argv[i], round)))
            exit(1);
    double t0 = now_us();
    pid_t pid = vfork();
    if (pid == 0) {
        dup2(null_fd, 0);
        dup2(null_fd, 1);
        execv(argv[0], argv);
        _exit(127);
    }
    int st = 0;
    struct rusage ru;
    while (pid > 0 && wait4(pid, &st, 0, &ru) < 0)
        if (errno != EINTR)
            pid = -1;
    double t = now_us() - t0;
    if (pid < 0) {
        perror("bench_lsm runs");
        exit(1);
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "%s: %s exited %d\n", c->label, argv[0],
                WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
        exit(1);
    }
    *cpu = ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1e6 +
           ru.ru_stime.tv_usec;
    for (int i = 0; i < c->argc; i++)
        free(argv[i]);
    free(argv);
    return t;
}

/* Sorts a copy: the runs stay in round order for the paired differences. */
static double median_of(const double *v, int n, double *tmp)
{
    memcpy(tmp, v, (size_t)n * sizeof(double));
    qsort(tmp, (size_t)n, sizeof(double), cmpd);
    return tmp[n / 2];
}

static double paired(const double *a, const double *b, int n, double *tmp)
{
    double *d = calloc((size_t)n, sizeof(double));
    if (!d)
        exit(1);
    for (int i = 0; i < n; i++)
        d[i] = a[i] - b[i];
    double m = median_of(d, n, tmp);
    free(d);
    return m;
}

static int bench_runs(int n, int argc, char **argv)
{
    enum { MAX_CMDS = 8, WARMUP = 3 };
    bench_cmd_t cmd[MAX_CMDS];
    int k = 0;
    memset(cmd, 0, sizeof(cmd));
    for (int i = 0; i < argc;) {
        if (strcmp(argv[i], "::") != 0 || i + 2 >= argc || k == MAX_CMDS) {
            fprintf(stderr, "usage: bench_lsm runs N :: LABEL CMD [ARG...] ...\n");
            return 2;
        }
        bench_cmd_t *c = &cmd[k++];
        c->label = argv[i + 1];
        c->argv = &argv[i + 2];
        for (i += 2; i < argc && strcmp(argv[i], "::") != 0; i++)
            c->argc++;
        c->wall = calloc((size_t)n, sizeof(double));
        c->cpu = calloc((size_t)n, sizeof(double));
        if (!c->wall || !c->cpu)
            return 1;
    }
    int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (k == 0 || null_fd < 0)
        return 2;
    double cpu = 0;
    for (int r = -WARMUP; r < n; r++)
        for (int m = 0; m < k; m++) {
            bench_cmd_t *c = &cmd[(r & 1) ? k - 1 - m : m];
            double t = run_once(c, r + WARMUP, null_fd, &cpu);
            if (r >= 0) {
                c->wall[r] = t;
                c->cpu[r] = cpu;
            }
        }
    double *tmp = calloc((size_t)n, sizeof(double));
    if (!tmp)
        return 1;
    for (int j = 0; j < k; j++) {
        double aw = 0, ac = 0, pw = 0, pc = 0;
        if (j > 0) {
            aw = paired(cmd[j].wall, cmd[0].wall, n, tmp);
            ac = paired(cmd[j].cpu, cmd[0].cpu, n, tmp);
            pw = paired(cmd[j].wall, cmd[j - 1].wall, n, tmp);
            pc = paired(cmd[j].cpu, cmd[j - 1].cpu, n, tmp);
        }
        printf("%s added_us=%.1f cpu_added_us=%.1f over_prev_us=%.1f cpu_over_prev_us=%.1f ",
               cmd[j].label, aw, ac, pw, pc);
        printf("median_us=%.1f ", median_of(cmd[j].wall, n, tmp));
        printf("cpu_median_us=%.1f n=%d\n", median_of(cmd[j].cpu, n, tmp), n);
    }
    for (int j = 0; j < k; j++) {
        free(cmd[j].wall);
        free(cmd[j].cpu);
    }
    free(tmp);
    close(null_fd);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_lsm apparmor|mcs|runs N ...\n");
        return 2;
    }
    char *end = NULL;
    long nl = strtol(argv[2], &end, 10);
    int n = end && !*end && nl > 0 && nl < 1000000 ? (int)nl : 100;
    if (strcmp(argv[1], "apparmor") == 0 && argc == 5)
        return bench_apparmor(n, argv[3], argv[4]);
    if (strcmp(argv[1], "mcs") == 0 && argc == 4)
        return bench_mcs(n, argv[3]);
    if (strcmp(argv[1], "runs") == 0)
        return bench_runs(n, argc - 3, argv + 3);
    fprintf(stderr, "usage: bench_lsm apparmor|mcs|runs N ...\n");
    return 2;
}
