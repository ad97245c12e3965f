/* Base64 (standard alphabet, padded) as Go's encoding/json and encoding/base64 use it for
 * policy.json keyData, sigstore payloads and signature annotations. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes len bytes of in. With skip_newlines, '\r' and '\n' are ignored anywhere (as Go's
 * StdEncoding does); any other character outside the alphabet, or bad padding, is -EINVAL.
 * *ret is malloc'ed (NUL-terminated for convenience; *ret_len excludes the NUL). */
int rw_trust_b64_decode(const char *in, size_t len, bool skip_newlines, uint8_t **ret,
                        size_t *ret_len);
/* Encodes with padding and no line breaks; NULL on allocation failure. Caller frees. */
char *rw_trust_b64_encode(const void *in, size_t len);
