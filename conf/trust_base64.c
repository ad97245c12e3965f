/* Standard padded base64, written out here so that neither the main binary nor the
 * fuzz targets need libcrypto for it. */
#include "trust_base64.h"

#include <errno.h>
#include <stdlib.h>

#include "../common/cleanup.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int value_of(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int rw_trust_b64_decode(const char *in, size_t len, bool skip_newlines, uint8_t **ret,
                        size_t *ret_len)
{
    cleanup_free uint8_t *out = malloc(len / 4 * 3 + 4);
    if (!out)
        return -ENOMEM;
    size_t o = 0;
    unsigned quad[4];
    size_t q = 0, pad = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (skip_newlines && (c == '\r' || c == '\n'))
            continue;
        if (c == '=') {
            /* Padding only completes the final quantum: "xx==" or "xxx=". */
            if (q < 2)
                return -EINVAL;
            pad++;
            quad[q++] = 0;
            if (q == 4) {
                if (pad > 2)
                    return -EINVAL;
                /* nothing but line breaks may follow */
                for (size_t j = i + 1; j < len; j++)
                    if (!(skip_newlines && (in[j] == '\r' || in[j] == '\n')))
                        return -EINVAL;
                break;
            }
            continue;
        }
        if (pad)
            return -EINVAL;
        int v = value_of(c);
        if (v < 0)
            return -EINVAL;
        quad[q++] = (unsigned)v;
        if (q == 4) {
            out[o++] = (uint8_t)(quad[0] << 2 | quad[1] >> 4);
            out[o++] = (uint8_t)(quad[1] << 4 | quad[2] >> 2);
            out[o++] = (uint8_t)(quad[2] << 6 | quad[3]);
            q = 0;
        }
    }
    if (pad) {
        if (q != 4)
            return -EINVAL;
        out[o++] = (uint8_t)(quad[0] << 2 | quad[1] >> 4);
        if (pad == 1)
            out[o++] = (uint8_t)(quad[1] << 4 | quad[2] >> 2);
    } else if (q != 0) {
        return -EINVAL;
    }
    out[o] = 0;
    *ret_len = o;
    *ret = TAKE_PTR(out);
    return 0;
}

char *rw_trust_b64_encode(const void *in, size_t len)
{
    const uint8_t *p = in;
    char *out = malloc((len + 2) / 3 * 4 + 1);
    if (!out)
        return NULL;
    size_t o = 0, i = 0;
    for (; i + 2 < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = alphabet[v >> 6 & 63];
        out[o++] = alphabet[v & 63];
    }
    if (i < len) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < len ? (unsigned)p[i + 1] << 8 : 0);
        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = i + 1 < len ? alphabet[v >> 6 & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return out;
}
