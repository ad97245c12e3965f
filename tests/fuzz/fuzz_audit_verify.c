/* Fuzz target: the audit log verifier over arbitrary bytes (as an attacker who can write
 * the log file would present them), with and without a verification key, plus the key
 * state comparison and the summary line. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (4u << 20))
        return 0;
    uint8_t mode = data[0];
    data++;
    size--;
    rw_audit_verifier_t *v = rw_audit_verifier_new();
    if (!v)
        return 0;
    if (mode & 1) {
        uint8_t k0[32];
        memset(k0, 0x5a, sizeof(k0));
        rw_audit_verifier_add_key(v, k0);
    }
    /* optionally split the input in two "files" to exercise the chain across files */
    size_t cut = (mode & 2) && size ? (size_t)(mode >> 2) * size / 64 : size;
    if (cut > size)
        cut = size;
    rw_audit_verifier_feed(v, "a", (const char *)data, cut, cut == size);
    if (cut < size)
        rw_audit_verifier_feed(v, "b", (const char *)data + cut, size - cut, true);
    if (mode & 0x80) {
        rw_audit_key_t st;
        memset(&st, 0, sizeof(st));
        st.epoch = mode & 7;
        memcpy(st.fpr, "0123456789abcdef", 17);
        rw_audit_verifier_check_state(v, &st);
    }
    char *s = rw_audit_verify_summary(rw_audit_verifier_report(v));
    free(s);
    rw_audit_verifier_free(v);
    return 0;
}
