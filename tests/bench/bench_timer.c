/* bench_timer: runs several command lines alternately and prints per-command wall-clock
 * statistics, so that "direct" and "wrapped" runs see the same machine conditions.
 *   bench_timer [-n N] [-w WARMUP] :: LABEL CMD [ARG...] :: LABEL CMD [ARG...] ...
 * "{}" in an argument is replaced by the iteration number (unique container ids). The order
 * of the commands is reversed on every other iteration. Output, one line per command:
 *   LABEL median_ms=M p10_ms=A p90_ms=B min_ms=C cpu_median_ms=U n=N failures=F
 * cpu_*: user+system CPU time of the command and the children it waited for (wait4
 * rusage); it moves far less than wall time when the machine is busy.
 * Exit status 1 when any run exited non-zero. Built by tests/bench/bench_launcher.sh. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CMDS 16

typedef struct cmd {
    const char *label;
    char **argv; /* template, NULL-terminated */
    int argc;
    double *ms, *cpu;
    int n, failures;
} cmd_t;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static char *subst(const char *tmpl, int iter)
{
    const char *p = strstr(tmpl, "{}");
    if (!p)
        return strdup(tmpl);
    char *out = NULL;
    if (asprintf(&out, "%.*s%d%s", (int)(p - tmpl), tmpl, iter, p + 2) < 0)
        return NULL;
    return out;
}

/* Runs one command; returns its wall time in ms (and its CPU time in *cpu_ms), or < 0 on
 * fork failure. */
static double run_once(cmd_t *c, int iter, int *status, double *cpu_ms)
{
    char **argv = calloc((size_t)c->argc + 1, sizeof(char *));
    if (!argv)
        return -1;
    for (int i = 0; i < c->argc; i++)
        if (!(argv[i] = subst(c->argv[i], iter)))
            return -1;
    double t0 = now_ms();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    struct rusage ru;
    while (wait4(pid, status, 0, &ru) < 0)
        if (errno != EINTR)
            return -1;
    double t = now_ms() - t0;
    *cpu_ms = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
              (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
    for (int i = 0; i < c->argc; i++)
        free(argv[i]);
    free(argv);
    return t;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(const double *v, int n, double p)
{
    if (n == 0)
        return 0;
    double idx = p * (n - 1);
    int lo = (int)idx;
    int hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (v[hi] - v[lo]) * (idx - lo);
}

int main(int argc, char **argv)
{
    int n = 100, warmup = 3, ncmds = 0;
    cmd_t cmds[MAX_CMDS];
    memset(cmds, 0, sizeof(cmds));
    int i = 1;
    for (; i < argc && strcmp(argv[i], "::") != 0; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            n = (int)strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "-w") == 0 && i + 1 < argc)
            warmup = (int)strtol(argv[++i], NULL, 10);
        else
            goto usage;
    }
    while (i < argc && strcmp(argv[i], "::") == 0) {
        if (ncmds == MAX_CMDS || i + 2 >= argc)
            goto usage;
        cmd_t *c = &cmds[ncmds++];
        c->label = argv[i + 1];
        c->argv = &argv[i + 2];
        for (i += 2; i < argc && strcmp(argv[i], "::") != 0; i++)
            c->argc++;
    }
    if (ncmds == 0 || n <= 0 || warmup < 0)
        goto usage;
    for (int k = 0; k < ncmds; k++)
        if (!(cmds[k].ms = calloc((size_t)n, sizeof(double))) ||
            !(cmds[k].cpu = calloc((size_t)n, sizeof(double))))
            return 1;

    for (int it = -warmup; it < n; it++) {
        for (int j = 0; j < ncmds; j++) {
            cmd_t *c = &cmds[(it & 1) ? ncmds - 1 - j : j];
            int st = 0;
            double cpu = 0;
            double t = run_once(c, it + warmup, &st, &cpu);
            if (t < 0) {
                perror("bench_timer");
                return 1;
            }
            if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                c->failures++;
            if (it >= 0) {
                c->cpu[c->n] = cpu;
                c->ms[c->n++] = t;
            }
        }
    }
    int rc = 0;
    for (int k = 0; k < ncmds; k++) {
        cmd_t *c = &cmds[k];
        qsort(c->ms, (size_t)c->n, sizeof(double), cmp_double);
        qsort(c->cpu, (size_t)c->n, sizeof(double), cmp_double);
        printf("%s median_ms=%.3f p10_ms=%.3f p90_ms=%.3f min_ms=%.3f cpu_median_ms=%.3f n=%d "
               "failures=%d\n",
               c->label, pct(c->ms, c->n, 0.5), pct(c->ms, c->n, 0.1), pct(c->ms, c->n, 0.9),
               c->ms[0], pct(c->cpu, c->n, 0.5), c->n, c->failures);
        if (c->failures)
            rc = 1;
    }
    return rc;
usage:
    fprintf(stderr, "usage: bench_timer [-n N] [-w WARMUP] :: LABEL CMD [ARG...] :: ...\n");
    return 2;
}
