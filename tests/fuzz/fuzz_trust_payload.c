/* Fuzz target: signature blobs as stored (OpenPGP, simple-signing and sigstore-json
 * framing) and the strict simple-signing and sigstore payload parsers, plus base64. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "conf/trust_base64.h"
#include "policy/trust_payload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1 << 20))
        return 0;
    rw_trust_sig_t s;
    char *why = NULL;
    if (rw_trust_sig_decode(data, size, &s, &why) == 0) {
        if (s.format == RW_TRUST_SIG_SIGSTORE && s.payload) {
            rw_trust_payload_t p;
            char *w2 = NULL;
            if (rw_trust_payload_parse(s.payload, s.payload_len, true, &p, &w2) == 0)
                rw_trust_payload_clear(&p);
            free(w2);
        }
        rw_trust_sig_clear(&s);
    }
    free(why);
    for (int sigstore = 0; sigstore < 2; sigstore++) {
        rw_trust_payload_t p;
        why = NULL;
        if (rw_trust_payload_parse(data, size, sigstore, &p, &why) == 0)
            rw_trust_payload_clear(&p);
        free(why);
    }
    uint8_t *d = NULL;
    size_t n = 0;
    if (rw_trust_b64_decode((const char *)data, size, true, &d, &n) == 0) {
        char *e = rw_trust_b64_encode(d, n);
        free(e);
        free(d);
    }
    return 0;
}
