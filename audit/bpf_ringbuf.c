/* Native ring buffer consumer (layout and protocol in bpf_ringbuf.h): acquire loads of the
 * producer position and of each header pair with the kernel's release stores, and the
 * consumer position is published with a release store once the caller is done. */
#include "bpf_ringbuf.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static uint64_t load_acquire_ul(const unsigned long *p)
{
    return (uint64_t)__atomic_load_n(p, __ATOMIC_ACQUIRE);
}

void rw_bpf_ringbuf_init_mem(rw_bpf_ringbuf_t *rb, unsigned long *consumer_pos,
                             const unsigned long *producer_pos, const void *data, uint64_t size)
{
    memset(rb, 0, sizeof(*rb));
    rb->fd = -1;
    rb->consumer_pos = consumer_pos;
    rb->producer_pos = producer_pos;
    rb->data = data;
    rb->mask = size - 1;
    rb->pos = load_acquire_ul(consumer_pos);
}

int rw_bpf_ringbuf_open(int fd, uint64_t size, bool whole, rw_bpf_ringbuf_t *rb)
{
    memset(rb, 0, sizeof(*rb));
    rb->fd = fd;
    rb->page = (size_t)sysconf(_SC_PAGESIZE);
    if (size == 0 || (size & (size - 1)) || size % rb->page || size > (UINT64_C(1) << 32))
        return -EINVAL;
    rb->mask = size - 1;
    rb->window = !whole;
    rb->cons_map = mmap(NULL, rb->page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (rb->cons_map == MAP_FAILED) {
        rb->cons_map = NULL;
        return -errno;
    }
    rb->consumer_pos = rb->cons_map;
    /* whole: the producer page and the doubled data area in one read-only mapping */
    rb->prod_map_len = whole ? rb->page + 2 * (size_t)size : rb->page;
    rb->prod_map = mmap(NULL, rb->prod_map_len, PROT_READ, MAP_SHARED, fd, (off_t)rb->page);
    if (rb->prod_map == MAP_FAILED) {
        int r = -errno;
        rb->prod_map = NULL;
        rw_bpf_ringbuf_close(rb);
        return r;
    }
    rb->producer_pos = rb->prod_map;
    if (whole)
        rb->data = (const uint8_t *)rb->prod_map + rb->page;
    rb->pos = load_acquire_ul(rb->consumer_pos);
    return 0;
}

void rw_bpf_ringbuf_close(rw_bpf_ringbuf_t *rb)
{
    if (rb->data_map)
        munmap(rb->data_map, rb->data_map_len);
    if (rb->prod_map)
        munmap(rb->prod_map, rb->prod_map_len);
    if (rb->cons_map)
        munmap(rb->cons_map, rb->page);
    memset(rb, 0, sizeof(*rb));
    rb->fd = -1;
}

/* Window mode: maps the pages holding positions [rb->pos, end). The data area starts two
 * pages into the map and is mapped twice by the kernel, so a window that runs past the
 * end of the area is still one mapping (its length never exceeds size + page). */
static int map_window(rw_bpf_ringbuf_t *rb, uint64_t end)
{
    uint64_t start = rb->pos & ~(uint64_t)(rb->page - 1);
    size_t len = (size_t)((end - start + rb->page - 1) & ~(uint64_t)(rb->page - 1));
    off_t off = (off_t)(2 * rb->page + (start & rb->mask));
    void *m = mmap(NULL, len, PROT_READ, MAP_SHARED, rb->fd, off);
    if (m == MAP_FAILED)
        return -errno;
    if (rb->data_map)
        munmap(rb->data_map, rb->data_map_len);
    rb->data_map = m;
    rb->data_map_len = len;
    rb->data = m;
    rb->win_start = start;
    rb->win_end = start + len;
    return 0;
}

static const uint8_t *at(const rw_bpf_ringbuf_t *rb, uint64_t pos)
{
    return rb->window ? rb->data + (pos - rb->win_start) : rb->data + (pos & rb->mask);
}

int rw_bpf_ringbuf_read(rw_bpf_ringbuf_t *rb, size_t max, rw_bpf_ringbuf_fn fn, void *ctx)
{
    uint64_t prod = load_acquire_ul(rb->producer_pos);
    if (prod - rb->pos > rb->mask + 1)
        return -EIO; /* the producer cannot be more than a whole ring ahead */
    if (rb->window && prod > rb->pos && (rb->pos < rb->win_start || prod > rb->win_end)) {
        int r = map_window(rb, prod);
        if (r < 0)
            return r;
    }
    int n = 0;
    while (rb->pos < prod && (size_t)n < max) {
        const uint32_t *hdr = (const uint32_t *)(const void *)at(rb, rb->pos);
        uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
        if (len & RW_BPF_RINGBUF_BUSY)
            break; /* reserved, not submitted yet: records after it wait for it */
        uint32_t data_len = len & ~(RW_BPF_RINGBUF_BUSY | RW_BPF_RINGBUF_DISCARD);
        uint64_t total = ((uint64_t)data_len + RW_BPF_RINGBUF_HDR + 7) & ~UINT64_C(7);
        if (total > prod - rb->pos)
            return -EIO;
        if (!(len & RW_BPF_RINGBUF_DISCARD)) {
            int r = fn(ctx, (const uint8_t *)hdr + RW_BPF_RINGBUF_HDR, data_len);
            if (r < 0)
                return r;
            n++;
        }
        rb->pos += total;
    }
    return n;
}

void rw_bpf_ringbuf_commit(rw_bpf_ringbuf_t *rb, uint64_t pos)
{
    __atomic_store_n(rb->consumer_pos, (unsigned long)pos, __ATOMIC_RELEASE);
}

uint64_t rw_bpf_ringbuf_pending(const rw_bpf_ringbuf_t *rb)
{
    return load_acquire_ul(rb->producer_pos) - rb->pos;
}

void rw_bpf_ringbuf_positions(const rw_bpf_ringbuf_t *rb, uint64_t *producer, uint64_t *consumer)
{
    *consumer = load_acquire_ul(rb->consumer_pos);
    *producer = load_acquire_ul(rb->producer_pos);
}

int rw_bpf_ringbuf_peek(int fd, uint64_t *producer, uint64_t *consumer)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    void *m = mmap(NULL, 2 * page, PROT_READ, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED)
        return -errno;
    *consumer = load_acquire_ul(m);
    *producer = load_acquire_ul((const unsigned long *)((const uint8_t *)m + page));
    munmap(m, 2 * page);
    return 0;
}
