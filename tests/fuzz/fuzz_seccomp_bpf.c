/* Fuzz target: the seccomp BPF validator and interpreter (`runwarden seccomp test --bpf`
 * reads such programs from files). A program the validator accepts must run to a RET within
 * its length on any seccomp_data. */
#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "profiles/seccomp_bpf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* first 64 bytes: the seccomp_data; the rest: the program */
    if (size < sizeof(struct seccomp_data) + sizeof(struct sock_filter) ||
        size > sizeof(struct seccomp_data) + BPF_MAXINSNS * sizeof(struct sock_filter))
        return 0;
    struct seccomp_data d;
    memcpy(&d, data, sizeof(d));
    size_t n = (size - sizeof(d)) / sizeof(struct sock_filter);
    struct sock_filter *p = malloc(n * sizeof(*p));
    if (!p)
        return 0;
    memcpy(p, data + sizeof(d), n * sizeof(*p));
    if (rw_seccomp_bpf_validate(p, n, NULL) == 0) {
        uint32_t ret = 0;
        size_t executed = 0;
        uint16_t loaded = 0;
        rw_seccomp_bpf_run_traced(p, n, &d, &ret, &executed, &loaded);
        if (executed == 0 || executed > n)
            abort();
        char buf[96];
        rw_seccomp_ret_describe(ret, buf, sizeof(buf));
    }
    free(p);
    return 0;
}
