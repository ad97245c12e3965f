/* Consuming the pinned ring buffer: each event becomes an audit record (batched), is
 * attributed to its container id through the tracked map (cached, so a container released
 * while its last events are still queued keeps its name), and is optionally printed. The
 * space of the events goes back to the kernel only once their batch is durable. One
 * consumer at a time: callers hold the consumer lock. */
#include <errno.h>
#include <linux/bpf.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/cleanup.h"
#include "bpf_ringbuf.h"
#include "bpf_shared.h"
#include "bpf_sys.h"

#define RW_DRAIN_BATCH 1024
#define RW_ID_CACHE 512

struct rw_bpf_drain {
    rw_bpf_ctx_t *c;
    rw_bpf_ringbuf_t rb;
    int events_fd, tracked_fd;
    rw_bpf_print_fn print;
    void *data;
    char *pending[RW_DRAIN_BATCH + 1]; /* + the extra record of a flush */
    size_t n_pending;
    uint64_t ended[RW_DRAIN_BATCH]; /* end events in the batch: names to forget once written */
    size_t n_ended;
    long read;
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
    if (d->tracked_fd < 0 || rw_bpf_sys_map_lookup(d->tracked_fd, &cgid, &t) < 0)
        return NULL;
    d->cache[slot].cgid = cgid;
    memcpy(d->cache[slot].id, t.id, sizeof(t.id));
    d->cache[slot].id[sizeof(t.id) - 1] = '\0';
    return d->cache[slot].id;
}

/* The binding and the end events name their container themselves: the events queued
 * between them keep that name even once the kernel forgot the cgroup. */
static void remember(rw_bpf_drain_t *d, uint64_t cgid, const char *id)
{
    size_t slot = (size_t)(cgid % RW_ID_CACHE);
    d->cache[slot].cgid = cgid;
    memcpy(d->cache[slot].id, id, RW_BPF_ID_MAX);
    d->cache[slot].id[RW_BPF_ID_MAX - 1] = '\0';
}

static void drop_pending(rw_bpf_drain_t *d)
{
    for (size_t i = 0; i < d->n_pending; i++)
        free(d->pending[i]);
    d->n_pending = 0;
}

int rw_bpf_drain_flush(rw_bpf_drain_t *d, const char *extra, rw_error_t **err)
{
    size_t n = d->n_pending;
    if (extra)
        d->pending[n++] = (char *)extra; /* borrowed: not freed with the events */
    int r = rw_bpf_record_batch(d->c, d->pending, n, err);
    if (r >= 0) {
        rw_bpf_ringbuf_commit(&d->rb, d->rb.pos);
        drop_pending(d);
        /* written: the kernel kept these names (rw_tracked) only for us */
        for (size_t i = 0; i < d->n_ended && d->tracked_fd >= 0; i++)
            rw_bpf_sys_map_delete(d->tracked_fd, &d->ended[i]);
        d->n_ended = 0;
    }
    return r;
}

static int on_event(void *ctx, const void *data, uint32_t size)
{
    rw_bpf_drain_t *d = ctx;
    if (size < sizeof(struct rw_bpf_event))
        return 0; /* not ours; skip rather than stop the drain */
    struct rw_bpf_event e;
    memcpy(&e, data, sizeof(e)); /* records are 8-byte aligned; the copy is for the reader */
    if (e.kind == RW_BPF_EV_BIND || e.kind == RW_BPF_EV_END)
        remember(d, e.cgroup_id, e.kind == RW_BPF_EV_BIND ? e.u.bind.id : e.u.end.id);
    if (e.kind == RW_BPF_EV_END && d->n_ended < RW_DRAIN_BATCH)
        d->ended[d->n_ended++] = e.cgroup_id;
    const char *id = resolve(d, e.cgroup_id);
    char body[RW_BPF_BODY_MAX];
    int n = rw_bpf_event_body(&e, id, body, sizeof(body));
    if (n < 0)
        return n;
    char *rec = strndup(body, (size_t)n);
    if (!rec)
        return -ENOMEM;
    d->pending[d->n_pending++] = rec;
    d->read++;
    if (d->print)
        d->print(&e, id, rec, d->data);
    return 0;
}

int rw_bpf_drain_open(rw_bpf_ctx_t *c, bool whole, rw_bpf_print_fn print, void *data,
                      rw_bpf_drain_t **ret, rw_error_t **err)
{
    rw_bpf_drain_t *d = calloc(1, sizeof(*d));
    if (!d)
        return -ENOMEM;
    d->c = c;
    d->print = print;
    d->data = data;
    d->rb.fd = -1;
    d->tracked_fd = rw_bpf_pinned_map(c, "rw_tracked", NULL);
    d->events_fd = rw_bpf_pinned_map(c, "rw_events", err);
    int r = d->events_fd;
    struct bpf_map_info info;
    if (r >= 0 && (r = rw_bpf_sys_map_info(d->events_fd, &info)) < 0)
        rw_error_setsys(err, -r, "cannot read the event ring buffer's map");
    else if (r >= 0 && info.type != BPF_MAP_TYPE_RINGBUF)
        r = rw_error_set(err, EPROTO, "%s/rw_events is not a ring buffer", c->ec.pin_dir);
    else if (r >= 0 && (r = rw_bpf_ringbuf_open(d->events_fd, info.max_entries, whole, &d->rb)) < 0)
        rw_error_setsys(err, -r, "cannot map the event ring buffer");
    if (r < 0) {
        rw_bpf_drain_free(d);
        return r;
    }
    *ret = d;
    return 0;
}

int rw_bpf_drain_poll(rw_bpf_drain_t *d, int timeout_ms, rw_error_t **err)
{
    if (timeout_ms > 0 && rw_bpf_ringbuf_pending(&d->rb) == 0) {
        /* The kernel wakes a waiter only for a record that lands where the published
         * consumer position is, and reports readable while anything is unpublished:
         * publish first, so the wait neither sleeps through new records nor spins. */
        int r = d->n_pending ? rw_bpf_drain_flush(d, NULL, err) : 0;
        if (r < 0)
            return r;
        struct pollfd p = {.fd = d->events_fd, .events = POLLIN};
        if (poll(&p, 1, timeout_ms) < 0 && errno != EINTR)
            return rw_error_setsys(err, errno, "cannot wait for the event ring buffer");
    }
    long before = d->read;
    for (;;) {
        int r = rw_bpf_ringbuf_read(&d->rb, RW_DRAIN_BATCH - d->n_pending, on_event, d);
        if (r < 0)
            return rw_error_setsys(err, -r, "cannot read the event ring buffer");
        if (d->n_pending < RW_DRAIN_BATCH)
            break;
        if ((r = rw_bpf_drain_flush(d, NULL, err)) < 0)
            return r;
    }
    return (int)(d->read - before);
}

long rw_bpf_drain_count(const rw_bpf_drain_t *d)
{
    return d->read;
}

void rw_bpf_drain_free(rw_bpf_drain_t *d)
{
    if (!d)
        return;
    drop_pending(d);
    rw_bpf_ringbuf_close(&d->rb);
    if (d->events_fd >= 0)
        close(d->events_fd);
    if (d->tracked_fd >= 0)
        close(d->tracked_fd);
    free(d);
}

int rw_bpf_events_positions(rw_bpf_ctx_t *c, uint64_t *producer, uint64_t *consumer)
{
    cleanup_close int fd = rw_bpf_pinned_map(c, "rw_events", NULL);
    return fd < 0 ? fd : rw_bpf_ringbuf_peek(fd, producer, consumer);
}
