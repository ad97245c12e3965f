/* Consuming the pinned ring buffer: each event becomes an audit record (batched), is
 * attributed to its container id through the tracked map (cached, so a container released
 * while its last events are still queued keeps its name), and is optionally printed. One
 * consumer at a time: callers hold the "consumer" lock. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../../common/cleanup.h"
#include "bpf_helper.h"

#define RW_DRAIN_BATCH 1024
#define RW_ID_CACHE 512

struct rw_bpf_drain {
    rw_bpf_ctx_t *c;
    struct ring_buffer *rb;
    int events_fd, tracked_fd;
    rw_bpf_print_fn print;
    void *data;
    char *pending[RW_DRAIN_BATCH];
    size_t n_pending;
    long recorded;
    rw_error_t *cb_err;
    struct {
        uint64_t cgid;
        char id[RW_BPF_ID_MAX];
    } cache[RW_ID_CACHE];
};

static const char *resolve(rw_bpf_drain_t *d, uint64_t cgid)
{
    size_t slot = (size_t)(cgid % RW_ID_CACHE);
    if (d->cache[slot].cgid == cgid && cgid)
        return d->cache[slot].id;
    struct rw_bpf_tracked t;
    if (d->tracked_fd < 0 || bpf_map_lookup_elem(d->tracked_fd, &cgid, &t) < 0)
        return NULL;
    d->cache[slot].cgid = cgid;
    memcpy(d->cache[slot].id, t.id, sizeof(t.id));
    d->cache[slot].id[sizeof(t.id) - 1] = '\0';
    return d->cache[slot].id;
}

int rw_bpf_drain_flush(rw_bpf_drain_t *d, rw_error_t **err)
{
    int r = rw_bpf_record_batch(d->c, d->pending, d->n_pending, err);
    for (size_t i = 0; i < d->n_pending; i++)
        free(d->pending[i]);
    d->n_pending = 0;
    return r;
}

static int on_event(void *ctx, void *data, size_t size)
{
    rw_bpf_drain_t *d = ctx;
    if (size < sizeof(struct rw_bpf_event))
        return 0; /* not ours; skip rather than stop the drain */
    const struct rw_bpf_event *e = data;
    const char *id = resolve(d, e->cgroup_id);
    char body[RW_BPF_BODY_MAX];
    int n = rw_bpf_event_body(e, id, body, sizeof(body));
    if (n < 0)
        return n;
    char *rec = strndup(body, (size_t)n);
    if (!rec)
        return -ENOMEM;
    d->pending[d->n_pending++] = rec;
    d->recorded++;
    if (d->print)
        d->print(e, id, rec, d->data);
    if (d->n_pending == RW_DRAIN_BATCH) {
        int r = rw_bpf_drain_flush(d, &d->cb_err);
        if (r < 0)
            return r;
    }
    return 0;
}

int rw_bpf_drain_open(rw_bpf_ctx_t *c, rw_bpf_print_fn print, void *data, rw_bpf_drain_t **ret,
                      rw_error_t **err)
{
    rw_bpf_drain_t *d = calloc(1, sizeof(*d));
    if (!d)
        return -ENOMEM;
    d->c = c;
    d->print = print;
    d->data = data;
    d->events_fd = -1;
    d->tracked_fd = rw_bpf_pinned_map(c, "rw_tracked", NULL);
    d->events_fd = rw_bpf_pinned_map(c, "rw_events", err);
    if (d->events_fd < 0) {
        int r = d->events_fd;
        rw_bpf_drain_free(d);
        return r;
    }
    d->rb = ring_buffer__new(d->events_fd, on_event, d, NULL);
    if (!d->rb) {
        int r = rw_error_setsys(err, errno, "cannot map the event ring buffer");
        rw_bpf_drain_free(d);
        return r;
    }
    *ret = d;
    return 0;
}

int rw_bpf_drain_poll(rw_bpf_drain_t *d, int timeout_ms, rw_error_t **err)
{
    long before = d->recorded;
    int r = timeout_ms > 0 ? ring_buffer__poll(d->rb, timeout_ms) : ring_buffer__consume(d->rb);
    if (d->cb_err) {
        rw_error_free(err ? *err : NULL);
        if (err)
            *err = d->cb_err;
        else
            rw_error_free(d->cb_err);
        d->cb_err = NULL;
        return r < 0 ? r : -EIO;
    }
    if (r < 0 && r != -EINTR)
        return rw_error_setsys(err, -r, "cannot read the event ring buffer");
    return (int)(d->recorded - before);
}

int rw_bpf_drain_epoll_fd(rw_bpf_drain_t *d)
{
    return ring_buffer__epoll_fd(d->rb);
}

void rw_bpf_drain_free(rw_bpf_drain_t *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_pending; i++)
        free(d->pending[i]);
    ring_buffer__free(d->rb);
    if (d->events_fd >= 0)
        close(d->events_fd);
    if (d->tracked_fd >= 0)
        close(d->tracked_fd);
    rw_error_free(d->cb_err);
    free(d);
}

int rw_bpf_ringbuf_positions(rw_bpf_ctx_t *c, uint64_t *producer, uint64_t *consumer)
{
    cleanup_close int fd = rw_bpf_pinned_map(c, "rw_events", NULL);
    if (fd < 0)
        return fd;
    long page = sysconf(_SC_PAGESIZE);
    /* page 0: consumer position, page 1: producer position (read-only mapping of both) */
    void *m = mmap(NULL, (size_t)page * 2, PROT_READ, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED)
        return -errno;
    *consumer = __atomic_load_n((const unsigned long *)m, __ATOMIC_ACQUIRE);
    *producer = __atomic_load_n((const unsigned long *)((char *)m + page), __ATOMIC_ACQUIRE);
    munmap(m, (size_t)page * 2);
    return 0;
}
