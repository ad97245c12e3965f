/* Test and benchmark driver for the audit log, linked straight against rw_audit so the
 * figures measure the log and not process start-up. Built by the scripts that use it
 * (tests/bench/bench_audit.sh, tests/integration/test_audit_crash.sh):
 *   audit_tool append LOG KEY SEAL_EVERY COUNT [PAD] [SLOW_CHUNK SLOW_US]
 *   audit_tool latency LOG COUNT            median/p99 append latency with fdatasync
 *   audit_tool writers LOG WRITERS COUNT    records/s with WRITERS processes
 *   audit_tool gen LOG MBYTES               a large log, chain intact, no fsync
 *   audit_tool verify FILE [--builtin]      verify throughput in MB/s (libcrypto or our
 *                                           own SHA-256) */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/hash.h"
#include "audit/log.h"
#include "audit/verify.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* A body of roughly the size of a real full record (2-3 KB). */
static char *body_for(long i, size_t pad)
{
    char *b = malloc(pad + 200);
    if (!b)
        exit(2);
    int n =
        snprintf(b, 200, "{\"event\":\"test\",\"pid\":%d,\"i\":%ld,\"pad\":\"", (int)getpid(), i);
    memset(b + n, 'x', pad);
    snprintf(b + n + pad, 200, "\"}");
    return b;
}

static int append_one(rw_audit_log_opts_t *o, long i, size_t pad)
{
    char *b = body_for(i, pad);
    rw_error_t *err = NULL;
    int r = rw_audit_append(o, b, true, NULL, &err);
    if (r < 0)
        fprintf(stderr, "append: %s\n", err ? err->msg : "?");
    rw_error_free(err);
    free(b);
    return r;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    const char *cmd = argv[1];
    rw_audit_log_opts_t o = {.path = argv[2]};
    if (strcmp(cmd, "append") == 0 && argc >= 6) {
        o.key_path = strcmp(argv[3], "-") ? argv[3] : NULL;
        o.seal_every = (unsigned)strtoul(argv[4], NULL, 10);
        long n = strtol(argv[5], NULL, 10);
        size_t pad = argc > 6 ? strtoul(argv[6], NULL, 10) : 2000;
        if (argc > 8)
            rw_audit_log_test_slow_writes(strtoul(argv[7], NULL, 10),
                                          (unsigned)strtoul(argv[8], NULL, 10));
        for (long i = 0; i < n; i++)
            if (append_one(&o, i, pad) < 0)
                return 1;
        return 0;
    }
    if (strcmp(cmd, "latency") == 0 && argc >= 4) {
        long n = strtol(argv[3], NULL, 10);
        double *t = calloc((size_t)n, sizeof(double));
        for (long i = 0; i < n; i++) {
            double a = now();
            if (append_one(&o, i, 2000) < 0)
                return 1;
            t[i] = (now() - a) * 1000.0;
        }
        qsort(t, (size_t)n, sizeof(double), cmp_d);
        printf("append latency (fdatasync, 2 KB record): median %.3f ms, p90 %.3f ms, p99 "
               "%.3f ms over %ld appends\n",
               t[n / 2], t[n * 9 / 10], t[n * 99 / 100], n);
        free(t);
        return 0;
    }
    if (strcmp(cmd, "writers") == 0 && argc >= 5) {
        int w = (int)strtol(argv[3], NULL, 10);
        long n = strtol(argv[4], NULL, 10);
        double a = now();
        for (int p = 0; p < w; p++) {
            pid_t pid = fork();
            if (pid == 0) {
                for (long i = 0; i < n; i++)
                    if (append_one(&o, i, 2000) < 0)
                        _exit(1);
                _exit(0);
            }
        }
        int bad = 0, st;
        while (wait(&st) > 0)
            bad |= !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        double s = now() - a;
        printf("%d writer(s): %.0f records/s (%ld records in %.2f s)\n", w, (double)(w * n) / s,
               w * n, s);
        return bad;
    }
    if (strcmp(cmd, "gen") == 0 && argc >= 4) {
        long mb = strtol(argv[3], NULL, 10);
        rw_audit_log_t *l = NULL;
        rw_error_t *err = NULL;
        if (rw_audit_log_open(&o, &l, &err) < 0) {
            fprintf(stderr, "open: %s\n", err ? err->msg : "?");
            return 1;
        }
        for (long i = 0; l->size < (uint64_t)mb << 20; i++) {
            char *b = body_for(i, 2000);
            if (rw_audit_log_write(l, b, strlen(b), false, NULL, &err) < 0)
                return 1;
            free(b);
        }
        fdatasync(l->fd);
        rw_audit_log_close(l);
        return 0;
    }
    if (strcmp(cmd, "verify") == 0) {
        int fd = open(argv[2], O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
            return 2;
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED)
            return 2;
        /* warm the page cache so the figure is the verifier's, not the disk's */
        volatile unsigned char sum = 0;
        for (off_t i = 0; i < st.st_size; i += 4096)
            sum += ((unsigned char *)p)[i];
        bool fast = !(argc > 3 && strcmp(argv[3], "--builtin") == 0);
        rw_sha256_force_portable(!fast); /* --builtin: the portable C SHA-256 */
        double a = now(), ca = cpu_now();
        rw_audit_verifier_t *v = rw_audit_verifier_new();
        rw_audit_verdict_t vd = rw_audit_verifier_feed(v, argv[2], p, (size_t)st.st_size, true);
        double s = now() - a, cs = cpu_now() - ca;
        double mb = (double)st.st_size / 1048576.0;
        printf("verify (%s SHA-256): %.0f MB/s wall, %.0f MB/s per CPU second (%.1f MB in "
               "%.3f s, %s)\n",
               fast ? "CPU-accelerated" : "portable", mb / s, mb / cs, mb, s,
               vd == RW_AUDIT_INTACT ? "intact" : "NOT intact");
        rw_audit_verifier_free(v);
        return vd == RW_AUDIT_INTACT ? 0 : 1;
    }
    return 2;
}
