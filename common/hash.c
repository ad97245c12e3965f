/* FIPS 180-4 SHA-256 and RFC 2104 HMAC. On x86 CPUs with the SHA extensions the block
 * function uses them (sha256rnds2 does 2 rounds, sha256msg1/msg2 the message schedule),
 * several times faster than the portable C; everything else, and every other CPU, uses the
 * portable one. Both are checked against known-answer vectors in tests/unit/test_hash.c. */
#include "hash.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#if (defined(__x86_64__) || defined(__i386__)) && defined(__has_include)
#if __has_include(<sys/platform/x86.h>)
#include <immintrin.h>
#include <sys/platform/x86.h>
#define RW_HAVE_SHA_NI 1
#endif
#endif

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

static void blocks_portable(uint32_t h[8], const uint8_t *p, size_t n)
{
    for (; n > 0; n--, p += 64) {
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
}

#ifdef RW_HAVE_SHA_NI
/* The state lives in two registers as ABEF and CDGH, the order sha256rnds2 wants. */
__attribute__((target("sha,sse4.1,ssse3"))) static void blocks_ni(uint32_t h[8], const uint8_t *p,
                                                                  size_t n)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i tmp = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[0]), 0xB1); /* CDAB */
    __m128i s1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[4]), 0x1B);  /* EFGH */
    __m128i s0 = _mm_alignr_epi8(tmp, s1, 8);                                       /* ABEF */
    s1 = _mm_blend_epi16(s1, tmp, 0xF0);                                            /* CDGH */
    for (; n > 0; n--, p += 64) {
        __m128i abef = s0, cdgh = s1, w[16];
        for (int i = 0; i < 16; i++) {
            if (i < 4) {
                w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), bswap);
            } else {
                /* W[t..t+3] = msg2(msg1(W[t-16..], W[t-12..]) + W[t-7..t-4], W[t-4..t-1]) */
                __m128i m = _mm_sha256msg1_epu32(w[i - 4], w[i - 3]);
                m = _mm_add_epi32(m, _mm_alignr_epi8(w[i - 1], w[i - 2], 4));
                w[i] = _mm_sha256msg2_epu32(m, w[i - 1]);
            }
            __m128i msg = _mm_add_epi32(w[i], _mm_loadu_si128((const __m128i *)&K[4 * i]));
            s1 = _mm_sha256rnds2_epu32(s1, s0, msg);
            s0 = _mm_sha256rnds2_epu32(s0, s1, _mm_shuffle_epi32(msg, 0x0E));
        }
        s0 = _mm_add_epi32(s0, abef);
        s1 = _mm_add_epi32(s1, cdgh);
    }
    tmp = _mm_shuffle_epi32(s0, 0x1B);                                  /* FEBA */
    s1 = _mm_shuffle_epi32(s1, 0xB1);                                   /* DCHG */
    _mm_storeu_si128((__m128i *)&h[0], _mm_blend_epi16(tmp, s1, 0xF0)); /* DCBA */
    _mm_storeu_si128((__m128i *)&h[4], _mm_alignr_epi8(s1, tmp, 8));    /* HGFE */
}

/* glibc's CPU feature table, filled by ld.so at startup: no CPUID instruction here (each
 * one is a VM exit). */
static bool cpu_has_sha(void)
{
    return CPU_FEATURE_ACTIVE(SHA) && CPU_FEATURE_ACTIVE(SSE4_1) && CPU_FEATURE_ACTIVE(SSSE3);
}
#else
static bool cpu_has_sha(void)
{
    return false;
}
#endif

/* -1: not decided yet; 0: portable; 1: SHA extensions. Written once, racing writers agree. */
static int use_ni = -1;

static int decide(void)
{
    int ni = __atomic_load_n(&use_ni, __ATOMIC_RELAXED);
    if (ni < 0) {
        ni = cpu_has_sha();
        __atomic_store_n(&use_ni, ni, __ATOMIC_RELAXED);
    }
    return ni;
}

static void blocks(uint32_t h[8], const uint8_t *p, size_t n)
{
#ifdef RW_HAVE_SHA_NI
    if (decide()) {
        blocks_ni(h, p, n);
        return;
    }
#endif
    blocks_portable(h, p, n);
}

bool rw_sha256_accelerated(void)
{
    return decide() == 1;
}

void rw_sha256_force_portable(bool portable)
{
    __atomic_store_n(&use_ni, portable ? 0 : (int)cpu_has_sha(), __ATOMIC_RELAXED);
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
        blocks(c->h, c->buf, 1);
        c->used = 0;
    }
    if (len >= 64) {
        blocks(c->h, p, len / 64);
        p += len - len % 64;
        len %= 64;
    }
    memcpy(c->buf, p, len);
    c->used = len;
}

void rw_sha256_final(rw_sha256_t *c, uint8_t out[RW_SHA256_LEN])
{
    uint64_t bits = c->total * 8;
    /* 0x80, zeros up to 56 mod 64, then the bit length big-endian: one or two blocks */
    uint8_t tail[128] = {0};
    size_t n = c->used < 56 ? 64 : 128;
    memcpy(tail, c->buf, c->used);
    tail[c->used] = 0x80;
    for (int i = 0; i < 8; i++)
        tail[n - 8 + (size_t)i] = (uint8_t)(bits >> (56 - 8 * i));
    blocks(c->h, tail, n / 64);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(c->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)c->h[i];
    }
    rw_explicit_bzero(tail, sizeof(tail));
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
