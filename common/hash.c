/* FIPS 180-4 SHA-256 and RFC 2104 HMAC. Checked against known-answer vectors in
 * tests/unit/test_hash.c. */
#include "hash.h"

#include <errno.h>
#include <string.h>

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void compress(uint32_t h[8], const uint8_t *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t S1 = ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = hh + S1 + ch + K[i] + w[i];
        uint32_t S0 = ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22);
        uint32_t mj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t2 = S0 + mj;
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
}

void rw_sha256_init(rw_sha256_t *c)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(c->h, iv, sizeof(iv));
    c->total = 0;
    c->used = 0;
}

void rw_sha256_update(rw_sha256_t *c, const void *data, size_t len)
{
    const uint8_t *p = data;
    c->total += len;
    if (c->used) {
        size_t take = 64 - c->used < len ? 64 - c->used : len;
        memcpy(c->buf + c->used, p, take);
        c->used += take;
        p += take;
        len -= take;
        if (c->used < 64)
            return;
        compress(c->h, c->buf);
        c->used = 0;
    }
    while (len >= 64) {
        compress(c->h, p);
        p += 64;
        len -= 64;
    }
    memcpy(c->buf, p, len);
    c->used = len;
}

void rw_sha256_final(rw_sha256_t *c, uint8_t out[RW_SHA256_LEN])
{
    uint64_t bits = c->total * 8;
    uint8_t pad = 0x80;
    rw_sha256_update(c, &pad, 1);
    uint8_t zero = 0;
    while (c->used != 56)
        rw_sha256_update(c, &zero, 1);
    uint8_t lenbuf[8];
    for (int i = 0; i < 8; i++)
        lenbuf[i] = (uint8_t)(bits >> (56 - 8 * i));
    rw_sha256_update(c, lenbuf, 8);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(c->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)c->h[i];
    }
    rw_explicit_bzero(c, sizeof(*c));
}

void rw_sha256(const void *data, size_t len, uint8_t out[RW_SHA256_LEN])
{
    rw_sha256_t c;
    rw_sha256_init(&c);
    rw_sha256_update(&c, data, len);
    rw_sha256_final(&c, out);
}

void rw_hmac_sha256(const uint8_t *key, size_t key_len, const void *data, size_t len,
                    uint8_t out[RW_SHA256_LEN])
{
    uint8_t k[64] = {0};
    if (key_len > 64)
        rw_sha256(key, key_len, k);
    else
        memcpy(k, key, key_len);
    uint8_t ipad[64], opad[64];
    for (int i = 0; i < 64; i++) {
        ipad[i] = k[i] ^ 0x36;
        opad[i] = k[i] ^ 0x5c;
    }
    uint8_t inner[RW_SHA256_LEN];
    rw_sha256_t c;
    rw_sha256_init(&c);
    rw_sha256_update(&c, ipad, 64);
    rw_sha256_update(&c, data, len);
    rw_sha256_final(&c, inner);
    rw_sha256_init(&c);
    rw_sha256_update(&c, opad, 64);
    rw_sha256_update(&c, inner, sizeof(inner));
    rw_sha256_final(&c, out);
    rw_explicit_bzero(k, sizeof(k));
    rw_explicit_bzero(ipad, sizeof(ipad));
    rw_explicit_bzero(opad, sizeof(opad));
}

void rw_hex(const uint8_t *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = '\0';
}

int rw_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int rw_unhex(const char *in, uint8_t *out, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        int hi = rw_hex_digit((unsigned char)in[2 * i]);
        int lo = hi < 0 ? -1 : rw_hex_digit((unsigned char)in[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -EINVAL;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return in[2 * len] == '\0' ? 0 : -EINVAL;
}

int rw_memeq_ct(const void *a, const void *b, size_t len)
{
    const volatile uint8_t *x = a, *y = b;
    uint8_t d = 0;
    for (size_t i = 0; i < len; i++)
        d |= x[i] ^ y[i];
    return d == 0;
}

void rw_explicit_bzero(void *p, size_t len)
{
    explicit_bzero(p, len);
}
