/* Fuzz target: the native BPF ring buffer consumer and the event decoding behind it, on a
 * ring the input describes: 8 bytes consumer position, 8 bytes producer position (little
 * endian), then the data area (up to 4096 bytes, zero-padded, mirrored as the kernel maps
 * it). Each record long enough to be an event is formatted as an audit record and as an
 * `audit follow` line. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "audit/bpf_ringbuf.h"
#include "audit/bpf_shared.h"

#define RING 4096u

static int on_record(void *ctx, const void *rec, uint32_t len)
{
    (void)ctx;
    if (len < sizeof(struct rw_bpf_event))
        return 0;
    struct rw_bpf_event e;
    memcpy(&e, rec, sizeof(e));
    char buf[RW_BPF_BODY_MAX];
    (void)rw_bpf_event_body(&e, "fuzz", buf, sizeof(buf));
    (void)rw_bpf_event_body(&e, NULL, buf, 64);
    (void)rw_bpf_event_line(&e, NULL, buf, sizeof(buf));
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 16)
        return 0;
    static uint8_t area[2 * RING];
    unsigned long cons = 0, prod = 0;
    uint64_t c = 0, p = 0;
    for (int i = 7; i >= 0; i--) {
        c = c << 8 | data[i];
        p = p << 8 | data[8 + i];
    }
    cons = (unsigned long)c;
    prod = (unsigned long)p;
    memset(area, 0, sizeof(area));
    size_t n = size - 16 < RING ? size - 16 : RING;
    memcpy(area, data + 16, n);
    memcpy(area + RING, area, RING);
    rw_bpf_ringbuf_t rb;
    rw_bpf_ringbuf_init_mem(&rb, &cons, &prod, area, RING);
    for (int round = 0; round < 4; round++) {
        int r = rw_bpf_ringbuf_read(&rb, 64, on_record, NULL);
        if (r <= 0)
            break;
        rw_bpf_ringbuf_commit(&rb, rb.pos);
    }
    return 0;
}
