/* The native BPF ring buffer consumer (audit/bpf_ringbuf.c) on rings laid out as the
 * kernel lays them out: in memory (the data area twice in a row) and through an fd (a
 * memfd with the consumer page, the producer page and the data area twice), read whole
 * and in windows. Records that wrap around the end, records still being written (BUSY),
 * discarded records, a refusing callback, an impossible header, and the consumer position
 * published only on commit. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit/bpf_ringbuf.h"

#define SIZE 8192u /* two pages: small enough to wrap quickly */

typedef struct fake {
    uint8_t ring[SIZE]; /* the logical data area */
    uint64_t prod;
    /* in memory: what the consumer sees */
    unsigned long cons_pos, prod_pos;
    uint8_t data[2 * SIZE];
    /* through an fd */
    int fd;
    size_t page;
} fake_t;

static void put(fake_t *f, uint64_t pos, const void *src, size_t len)
{
    const uint8_t *s = src;
    for (size_t i = 0; i < len; i++)
        f->ring[(pos + i) % SIZE] = s[i];
}

/* Publishes the ring: both copies of the data area, then the producer position. */
static void publish(fake_t *f)
{
    memcpy(f->data, f->ring, SIZE);
    memcpy(f->data + SIZE, f->ring, SIZE);
    f->prod_pos = (unsigned long)f->prod;
    if (f->fd >= 0) {
        assert_int_equal(pwrite(f->fd, f->ring, SIZE, (off_t)(2 * f->page)), SIZE);
        assert_int_equal(pwrite(f->fd, f->ring, SIZE, (off_t)(2 * f->page + SIZE)), SIZE);
        unsigned long p = (unsigned long)f->prod;
        assert_int_equal(pwrite(f->fd, &p, sizeof(p), (off_t)f->page), sizeof(p));
    }
}

/* Reserves a record of len bytes filled with byte `fill`, with header flags; returns its
 * position. */
static uint64_t produce(fake_t *f, uint32_t len, uint32_t flags, uint8_t fill)
{
    uint64_t at = f->prod;
    uint32_t hdr[2] = {len | flags, 0};
    put(f, at, hdr, sizeof(hdr));
    uint8_t buf[512];
    memset(buf, fill, sizeof(buf));
    put(f, at + 8, buf, len);
    f->prod += (len + 8 + 7) & ~7u;
    publish(f);
    return at;
}

static void set_flags(fake_t *f, uint64_t at, uint32_t len, uint32_t flags)
{
    uint32_t v = len | flags;
    put(f, at, &v, sizeof(v));
    publish(f);
}

typedef struct seen {
    int n;
    uint32_t len[64];
    uint8_t first[64], last[64];
    bool whole[64]; /* every byte equal to the first */
    int refuse_at;  /* refuse the record with this index (-1: none) */
} seen_t;

static int on_record(void *ctx, const void *rec, uint32_t len)
{
    seen_t *s = ctx;
    if (s->n == s->refuse_at)
        return -ENOMEM;
    const uint8_t *b = rec;
    s->len[s->n] = len;
    s->first[s->n] = b[0];
    s->last[s->n] = b[len - 1];
    s->whole[s->n] = true;
    for (uint32_t i = 0; i < len; i++)
        if (b[i] != b[0])
            s->whole[s->n] = false;
    s->n++;
    return 0;
}

static fake_t *fake_new(bool with_fd)
{
    fake_t *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->fd = -1;
    f->page = (size_t)sysconf(_SC_PAGESIZE);
    if (with_fd) {
        f->fd = memfd_create("rw-ringbuf-test", MFD_CLOEXEC);
        assert_true(f->fd >= 0);
        assert_int_equal(ftruncate(f->fd, (off_t)(2 * f->page + 2 * SIZE)), 0);
    }
    return f;
}

static void fake_free(fake_t *f)
{
    if (f->fd >= 0)
        close(f->fd);
    free(f);
}

/* Starts the ring at pos (as if that much had been produced and consumed before). */
static void fake_start_at(fake_t *f, uint64_t pos)
{
    f->prod = pos;
    f->cons_pos = (unsigned long)pos;
    if (f->fd >= 0) {
        unsigned long p = (unsigned long)pos;
        assert_int_equal(pwrite(f->fd, &p, sizeof(p), 0), sizeof(p));
    }
    publish(f);
}

static uint64_t published_consumer(const fake_t *f, const rw_bpf_ringbuf_t *rb)
{
    if (f->fd < 0)
        return f->cons_pos;
    unsigned long p = 0;
    assert_int_equal(pread(f->fd, &p, sizeof(p), 0), sizeof(p));
    assert_int_equal(p, *rb->consumer_pos);
    return p;
}

/* The scenario, on whichever ring mode opened rb. */
static void scenario(fake_t *f, rw_bpf_ringbuf_t *rb)
{
    uint64_t start = f->prod;
    seen_t s;
    memset(&s, 0, sizeof(s));
    s.refuse_at = -1;

    /* nothing there */
    assert_int_equal(rw_bpf_ringbuf_read(rb, 64, on_record, &s), 0);
    assert_int_equal(rw_bpf_ringbuf_pending(rb), 0);

    /* three records, the middle one discarded */
    produce(f, 100, 0, 0xa1);
    produce(f, 40, RW_BPF_RINGBUF_DISCARD, 0xa2);
    produce(f, 13, 0, 0xa3);
    assert_int_equal(rw_bpf_ringbuf_read(rb, 64, on_record, &s), 2);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.len[0], 100);
    assert_int_equal(s.first[0], 0xa1);
    assert_true(s.whole[0]);
    assert_int_equal(s.len[1], 13);
    assert_int_equal(s.first[1], 0xa3);
    /* read is not consumed: the published position moves only on commit */
    assert_int_equal(published_consumer(f, rb), start);
    rw_bpf_ringbuf_commit(rb, rb->pos);
    assert_int_equal(published_consumer(f, rb), f->prod);

    /* a record still being written holds back the ones after it */
    uint64_t busy = produce(f, 64, RW_BPF_RINGBUF_BUSY, 0xb1);
    produce(f, 24, 0, 0xb2);
    assert_int_equal(rw_bpf_ringbuf_read(rb, 64, on_record, &s), 0);
    assert_int_equal(s.n, 2);
    set_flags(f, busy, 64, 0); /* submitted */
    assert_int_equal(rw_bpf_ringbuf_read(rb, 64, on_record, &s), 2);
    assert_int_equal(s.first[2], 0xb1);
    assert_int_equal(s.first[3], 0xb2);

    /* max limits a read; the rest comes next time */
    produce(f, 8, 0, 0xc1);
    produce(f, 8, 0, 0xc2);
    assert_int_equal(rw_bpf_ringbuf_read(rb, 1, on_record, &s), 1);
    assert_int_equal(rw_bpf_ringbuf_read(rb, 64, on_record, &s), 1);
    assert_int_equal(s.first[5], 0xc2);

    /* a refusing callback stops before that record, which is read again */
    produce(f, 16, 0, 0xd1);
    s.refuse_at = s.n;
    assert_int_equal(rw_bpf_ringbuf_read(rb, 64, on_record, &s), -ENOMEM);
    s.refuse_at = -1;
    assert_int_equal(rw_bpf_ringbuf_read(rb, 64, on_record, &s), 1);
    assert_int_equal(s.first[6], 0xd1);
    rw_bpf_ringbuf_commit(rb, rb->pos);

    /* wrap around: records until one straddles the end of the data area */
    bool wrapped = false;
    while (!wrapped) {
        uint64_t at = f->prod;
        uint8_t fill = (uint8_t)(0x10 + s.n % 64);
        produce(f, 300, 0, fill);
        wrapped = (at % SIZE) + 8 + 300 > SIZE;
        int before = s.n;
        assert_int_equal(rw_bpf_ringbuf_read(rb, 64, on_record, &s), 1);
        assert_int_equal(s.len[before], 300);
        assert_int_equal(s.first[before], fill);
        assert_int_equal(s.last[before], fill);
        assert_true(s.whole[before]);
        rw_bpf_ringbuf_commit(rb, rb->pos);
        if (s.n == 60)
            s.n = 7; /* keep the arrays small */
    }
    /* and the positions keep growing past the end of the area */
    assert_true(f->prod / SIZE > start / SIZE);
    assert_int_equal(published_consumer(f, rb), f->prod);

    /* an impossible length: the ring is not what it claims to be */
    uint64_t at = f->prod;
    uint32_t hdr[2] = {SIZE * 2, 0};
    put(f, at, hdr, sizeof(hdr));
    f->prod += 16;
    publish(f);
    assert_int_equal(rw_bpf_ringbuf_read(rb, 64, on_record, &s), -EIO);
}

static void test_in_memory(void **state)
{
    (void)state;
    fake_t *f = fake_new(false);
    fake_start_at(f, 0);
    rw_bpf_ringbuf_t rb;
    rw_bpf_ringbuf_init_mem(&rb, &f->cons_pos, &f->prod_pos, f->data, SIZE);
    scenario(f, &rb);
    rw_bpf_ringbuf_close(&rb);
    fake_free(f);
}

static void test_in_memory_late_start(void **state)
{
    (void)state;
    fake_t *f = fake_new(false);
    fake_start_at(f, 5 * SIZE + SIZE - 64); /* the first record already wraps */
    rw_bpf_ringbuf_t rb;
    rw_bpf_ringbuf_init_mem(&rb, &f->cons_pos, &f->prod_pos, f->data, SIZE);
    scenario(f, &rb);
    rw_bpf_ringbuf_close(&rb);
    fake_free(f);
}

static void test_fd(bool whole, uint64_t start)
{
    fake_t *f = fake_new(true);
    fake_start_at(f, start);
    rw_bpf_ringbuf_t rb;
    assert_int_equal(rw_bpf_ringbuf_open(f->fd, SIZE, whole, &rb), 0);
    assert_int_equal(rb.pos, start);
    uint64_t prod = 1, cons = 1;
    rw_bpf_ringbuf_positions(&rb, &prod, &cons);
    assert_int_equal(prod, start);
    assert_int_equal(cons, start);
    scenario(f, &rb);
    assert_int_equal(rw_bpf_ringbuf_peek(f->fd, &prod, &cons), 0);
    assert_int_equal(prod, f->prod);
    rw_bpf_ringbuf_close(&rb);
    fake_free(f);
}

static void test_fd_window(void **state)
{
    (void)state;
    test_fd(false, 0);
    test_fd(false, 3 * SIZE + SIZE - 16);
}

static void test_fd_whole(void **state)
{
    (void)state;
    test_fd(true, 0);
    test_fd(true, 7 * SIZE + 4096 + 24);
}

static void test_open_refuses_bad_sizes(void **state)
{
    (void)state;
    rw_bpf_ringbuf_t rb;
    assert_int_equal(rw_bpf_ringbuf_open(-1, 3 * 4096, false, &rb), -EINVAL);
    assert_int_equal(rw_bpf_ringbuf_open(-1, 0, false, &rb), -EINVAL);
    assert_int_equal(rw_bpf_ringbuf_open(-1, 1024, false, &rb), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_memory),
        cmocka_unit_test(test_in_memory_late_start),
        cmocka_unit_test(test_fd_window),
        cmocka_unit_test(test_fd_whole),
        cmocka_unit_test(test_open_refuses_bad_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
