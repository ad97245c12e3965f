/* SHA-256 with the x86 SHA-NI instructions (4 rounds per sha256rnds2 pair, message schedule
 * by sha256msg1/msg2), chosen at run time from glibc's CPU table; everything else falls back to
 * common/hash.c. Padding and byte order are FIPS 180-4's. */
#include "seccomp_sha256.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#include <sys/platform/x86.h>
#define HAVE_SHA_NI 1
#endif

#ifdef HAVE_SHA_NI
static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

__attribute__((target("sha,sse4.1,ssse3"))) static void blocks_ni(uint32_t h[8], const uint8_t *p,
                                                                  size_t n)
{
    const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i tmp = _mm_loadu_si128((const __m128i *)&h[0]);
    __m128i s1 = _mm_loadu_si128((const __m128i *)&h[4]);
    tmp = _mm_shuffle_epi32(tmp, 0xB1);       /* CDAB */
    s1 = _mm_shuffle_epi32(s1, 0x1B);         /* EFGH */
    __m128i s0 = _mm_alignr_epi8(tmp, s1, 8); /* ABEF */
    s1 = _mm_blend_epi16(s1, tmp, 0xF0);      /* CDGH */
    for (; n > 0; n--, p += 64) {
        __m128i abef = s0, cdgh = s1, w[16];
        for (int i = 0; i < 16; i++) {
            if (i < 4) {
                w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), mask);
            } else {
                /* W[t..t+3] = msg2(msg1(W[t-16..], W[t-12..]) + W[t-7..t-4], W[t-4..t-1]) */
                __m128i m = _mm_sha256msg1_epu32(w[i - 4], w[i - 3]);
                m = _mm_add_epi32(m, _mm_alignr_epi8(w[i - 1], w[i - 2], 4));
                w[i] = _mm_sha256msg2_epu32(m, w[i - 1]);
            }
            __m128i msg = _mm_add_epi32(w[i], _mm_loadu_si128((const __m128i *)&K[4 * i]));
            s1 = _mm_sha256rnds2_epu32(s1, s0, msg);
            msg = _mm_shuffle_epi32(msg, 0x0E);
            s0 = _mm_sha256rnds2_epu32(s0, s1, msg);
        }
        s0 = _mm_add_epi32(s0, abef);
        s1 = _mm_add_epi32(s1, cdgh);
    }
    tmp = _mm_shuffle_epi32(s0, 0x1B);   /* FEBA */
    s1 = _mm_shuffle_epi32(s1, 0xB1);    /* DCHG */
    s0 = _mm_blend_epi16(tmp, s1, 0xF0); /* DCBA */
    s1 = _mm_alignr_epi8(s1, tmp, 8);    /* ABEF -> HGFE */
    _mm_storeu_si128((__m128i *)&h[0], s0);
    _mm_storeu_si128((__m128i *)&h[4], s1);
}

/* glibc's CPU feature table, filled at startup: no CPUID here (each one is a VM exit). */
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

bool rw_seccomp_sha256_accelerated(void)
{
    return cpu_has_sha();
}

void rw_seccomp_sha256_init(rw_seccomp_sha256_t *c)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memset(c, 0, sizeof(*c));
    c->ni = cpu_has_sha();
    if (!c->ni)
        rw_sha256_init(&c->portable);
    memcpy(c->h, iv, sizeof(iv));
}

void rw_seccomp_sha256_update(rw_seccomp_sha256_t *c, const void *data, size_t len)
{
    if (!c->ni) {
        rw_sha256_update(&c->portable, data, len);
        return;
    }
#ifdef HAVE_SHA_NI
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
        blocks_ni(c->h, c->buf, 1);
        c->used = 0;
    }
    if (len >= 64) {
        blocks_ni(c->h, p, len / 64);
        p += len - len % 64;
        len %= 64;
    }
    memcpy(c->buf, p, len);
    c->used = len;
#endif
}

void rw_seccomp_sha256_final(rw_seccomp_sha256_t *c, uint8_t out[RW_SHA256_LEN])
{
    if (!c->ni) {
        rw_sha256_final(&c->portable, out);
        return;
    }
#ifdef HAVE_SHA_NI
    uint64_t bits = c->total * 8;
    uint8_t pad[72] = {0x80};
    size_t padlen = (c->used < 56 ? 56 : 120) - c->used;
    uint8_t len_be[8];
    for (int i = 0; i < 8; i++)
        len_be[i] = (uint8_t)(bits >> (56 - 8 * i));
    uint64_t total = c->total;
    rw_seccomp_sha256_update(c, pad, padlen);
    rw_seccomp_sha256_update(c, len_be, 8);
    c->total = total;
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(c->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)c->h[i];
    }
#endif
}

void rw_seccomp_sha256(const void *data, size_t len, uint8_t out[RW_SHA256_LEN])
{
    rw_seccomp_sha256_t c;
    rw_seccomp_sha256_init(&c);
    rw_seccomp_sha256_update(&c, data, len);
    rw_seccomp_sha256_final(&c, out);
}
