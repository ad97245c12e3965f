/* Consuming a BPF ring buffer map (BPF_MAP_TYPE_RINGBUF) without libbpf. The map's fd is
 * mmap'ed as the kernel lays it out: the consumer position on the page at offset 0
 * (read-write), the producer position on the next page, then the data area, which the
 * kernel maps twice in a row so a record that wraps around the end reads as one piece.
 * Each record has an 8-byte header: its length with a BUSY bit (reserved, not submitted
 * yet) and a DISCARD bit, then the data, padded to 8 bytes. Reading and committing are
 * separate steps, so a consumer publishes its position only once what it read is safe. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RW_BPF_RINGBUF_BUSY (1u << 31)
#define RW_BPF_RINGBUF_DISCARD (1u << 30)
#define RW_BPF_RINGBUF_HDR 8u

typedef struct rw_bpf_ringbuf {
    unsigned long *consumer_pos;       /* published by us */
    const unsigned long *producer_pos; /* advanced by the kernel at reserve time */
    /* Whole mode: the data area twice in a row (ring offset = pos & mask). Window mode:
     * only the pages covering [win_start, win_end) of the positions, mapped on demand: a
     * short-lived consumer with a few records to read should not map a 4 MiB area. */
    const uint8_t *data;
    uint64_t mask; /* data size - 1 */
    uint64_t pos;  /* next record to read; equals *consumer_pos after a commit */
    bool window;
    uint64_t win_start, win_end;
    /* mappings of a real map fd (none for an in-memory ring) */
    int fd;
    size_t page;
    void *cons_map, *prod_map, *data_map;
    size_t prod_map_len, data_map_len;
} rw_bpf_ringbuf_t;

/* Maps the ring buffer map fd of data size `size` (its max_entries: a power of two and a
 * multiple of the page size). whole: map the data area at once (a long-running consumer);
 * else windows of it as needed. fd stays the caller's. */
int rw_bpf_ringbuf_open(int fd, uint64_t size, bool whole, rw_bpf_ringbuf_t *rb);
/* A ring in memory laid out like the kernel's: data holds 2 * size bytes, the second half
 * a copy of the first (tests, fuzzing). */
void rw_bpf_ringbuf_init_mem(rw_bpf_ringbuf_t *rb, unsigned long *consumer_pos,
                             const unsigned long *producer_pos, const void *data, uint64_t size);
void rw_bpf_ringbuf_close(rw_bpf_ringbuf_t *rb);

/* Called with each submitted record (discarded ones are skipped). A negative return stops
 * the read before that record, which is then read again next time. */
typedef int (*rw_bpf_ringbuf_fn)(void *ctx, const void *rec, uint32_t len);
/* Reads up to max records from rb->pos, stopping at the producer position or at a record
 * still being written. Returns how many were passed to fn, fn's negative return, or -EIO
 * when a header is impossible (the ring is not what it claims to be); rb->pos stays after
 * the last record fn accepted either way. */
int rw_bpf_ringbuf_read(rw_bpf_ringbuf_t *rb, size_t max, rw_bpf_ringbuf_fn fn, void *ctx);
/* Publishes pos (<= rb->pos, >= the published one) as the consumer position: the kernel
 * may reuse the space before it. */
void rw_bpf_ringbuf_commit(rw_bpf_ringbuf_t *rb, uint64_t pos);
/* Bytes between the read position and the producer position. */
uint64_t rw_bpf_ringbuf_pending(const rw_bpf_ringbuf_t *rb);
/* The published consumer and the producer positions. */
void rw_bpf_ringbuf_positions(const rw_bpf_ringbuf_t *rb, uint64_t *producer, uint64_t *consumer);
/* The same, of a ring buffer map fd, through a read-only mapping of its two position
 * pages (for watching a consumer that runs in another process). */
int rw_bpf_ringbuf_peek(int fd, uint64_t *producer, uint64_t *consumer);
