/* `audit follow`: the long-running consumer. Holds the follow lock (poststop hooks then
 * leave the draining to it) and the consumer lock, records every event into the audit log
 * in batches made durable at least every RW_FOLLOW_SYNC_MS, and prints the events asked
 * for. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../../common/cleanup.h"
#include "../../common/json.h"
#include "bpf_helper.h"

#define RW_FOLLOW_SYNC_MS 100
#define RW_FOLLOW_LOCK_WAIT_MS 5000

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

typedef struct follow_out {
    const char *container;
    bool json;
    bool quiet; /* stdout is /dev/null (the systemd unit): skip the formatting */
} follow_out_t;

static bool stdout_is_null(void)
{
    struct stat a, b;
    return fstat(STDOUT_FILENO, &a) == 0 && stat("/dev/null", &b) == 0 && S_ISCHR(a.st_mode) &&
           a.st_rdev == b.st_rdev;
}

static bool wanted(const follow_out_t *o, const char *id)
{
    if (!o->container)
        return true;
    if (!id)
        return false;
    size_t n = strlen(o->container);
    return strcmp(id, o->container) == 0 || (n >= 6 && strncmp(id, o->container, n) == 0);
}

static void print_event(const struct rw_bpf_event *e, const char *id, const char *body, void *data)
{
    const follow_out_t *o = data;
    if (o->quiet || !wanted(o, id))
        return;
    if (o->json) {
        puts(body);
    } else {
        char line[512];
        if (rw_bpf_event_line(e, id, line, sizeof(line)) == 0)
            puts(line);
    }
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t host_lost(rw_bpf_ctx_t *c)
{
    cleanup_close int fd = rw_bpf_pinned_map(c, "rw_stats", NULL);
    int ncpu = libbpf_num_possible_cpus();
    if (fd < 0 || ncpu <= 0)
        return 0;
    cleanup_free struct rw_bpf_stats *v = calloc((size_t)ncpu, sizeof(*v));
    uint32_t zero = 0;
    if (!v || bpf_map_lookup_elem(fd, &zero, v) < 0)
        return 0;
    uint64_t lost = 0;
    for (int i = 0; i < ncpu; i++)
        lost += v[i].lost;
    return lost;
}

/* What the kernel could not finish (rw_bpf_stale_collect), every RW_FOLLOW_COLLECT_MS:
 * follow is the consumer, so the names of ended containers go with its own flushes. */
#define RW_FOLLOW_COLLECT_MS 10000

static void collect_stale(rw_bpf_ctx_t *c)
{
    rw_bpf_stale_t s;
    int k = rw_bpf_stale_collect(c, false, &s);
    if (k == 0 || (k > 0 && rw_bpf_record_batch(c, s.bodies, s.n, NULL) >= 0))
        rw_bpf_stale_forget(&s);
    rw_bpf_stale_clear(&s);
}

int rw_bpf_follow(rw_bpf_ctx_t *c, const char *container, bool json, rw_error_t **err)
{
    int r;
    {
        cleanup_close int hl = rw_bpf_lock(c, RW_BPF_LOCK_HOST, true, err);
        if (hl < 0)
            return hl;
        cleanup_json json_t *facts = json_object();
        if ((r = rw_bpf_host_ensure(c, facts, err)) < 0)
            return r;
    }
    cleanup_close int flock_fd = rw_bpf_follow_lock(c, err);
    if (flock_fd == -EWOULDBLOCK)
        return rw_error_set(err, EBUSY,
                            "another `runwarden audit follow` is already draining the events "
                            "(%s in %s)",
                            RW_BPF_LOCK_FOLLOW, c->ec.state_dir);
    if (flock_fd < 0)
        return flock_fd;
    /* A poststop hook holds the consumer lock only while it drains: wait for it. */
    cleanup_close int lock = -1;
    uint64_t deadline = now_ms() + RW_FOLLOW_LOCK_WAIT_MS;
    while ((lock = rw_bpf_lock(c, RW_BPF_LOCK_CONSUMER, false, err)) == -EWOULDBLOCK) {
        if (now_ms() > deadline)
            return rw_error_set(err, EBUSY, "the ring buffer's consumer lock (%s in %s) stays held",
                                RW_BPF_LOCK_CONSUMER, c->ec.state_dir);
        usleep(20000);
    }
    if (lock < 0)
        return lock;

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal; /* no SA_RESTART: the poll must return */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    follow_out_t out = {container, json, stdout_is_null()};
    rw_bpf_drain_t *d = NULL;
    if ((r = rw_bpf_drain_open(c, true, print_event, &out, &d, err)) < 0)
        return r;
    uint64_t lost0 = host_lost(c), last_sync = now_ms(), last_collect = 0;
    long total = 0, since_sync = 0;
    r = 0;
    while (!stop_requested) {
        if (now_ms() - last_collect >= RW_FOLLOW_COLLECT_MS) {
            collect_stale(c);
            last_collect = now_ms();
        }
        int got = rw_bpf_drain_poll(d, RW_FOLLOW_SYNC_MS, err);
        if (got < 0 && got != -EINTR) {
            r = got;
            break;
        }
        if (got > 0) {
            total += got;
            since_sync += got;
        }
        /* durable when idle, and at least every RW_FOLLOW_SYNC_MS under load (a full batch
         * is flushed by the drain itself) */
        if (since_sync && (got <= 0 || now_ms() - last_sync >= RW_FOLLOW_SYNC_MS)) {
            if ((r = rw_bpf_drain_flush(d, NULL, err)) < 0)
                break;
            fflush(stdout);
            since_sync = 0;
            last_sync = now_ms();
        }
    }
    if (r >= 0) {
        /* what arrived until the signal */
        while ((r = rw_bpf_drain_poll(d, 0, err)) > 0)
            total += r;
        if (r >= 0)
            r = rw_bpf_drain_flush(d, NULL, err);
    }
    fflush(stdout);
    rw_bpf_drain_free(d);
    if (r < 0)
        return r;
    fprintf(stderr, "runwarden: audit follow: %ld events recorded, %llu lost while following\n",
            total, (unsigned long long)(host_lost(c) - lost0));
    return 0;
}
