/* JSON tokens for the hand-written single-pass scanners: each function checks one token
 * and says where it ends, or why and where it is invalid. Plain string bytes (most of the
 * bytes of the files these scanners read: ids, digests, paths) are skipped 16 at a time. */
#include "json_lex.h"

#include <errno.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "hash.h"

static const char simple_escapes[] = "\"\\/bfnrt", simple_decoded[] = "\"\\/\b\f\n\r\t";

static int fail(rw_json_lex_err_t *err, size_t off, const char *why)
{
    err->off = off;
    err->why = why;
    return -EINVAL;
}

/* Strict strings stop at '"', '\\', control characters and bytes >= 0x80 (checked as
 * UTF-8); opaque ones let bytes >= 0x80 through. */
static inline __attribute__((always_inline)) size_t skip_plain(const unsigned char *s, size_t n,
                                                               size_t i, bool opaque)
{
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
                  space = _mm_set1_epi8(0x20), ctl = _mm_set1_epi8(0x1f);
    while (i + 16 <= n) {
        __m128i v = _mm_loadu_si128((const __m128i *)(s + i));
        __m128i m = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash));
        /* signed "< 0x20" also catches bytes >= 0x80; the unsigned max trick does not */
        m = _mm_or_si128(m, opaque ? _mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl)
                                   : _mm_cmpgt_epi8(space, v));
        int bits = _mm_movemask_epi8(m);
        if (bits)
            return i + (size_t)__builtin_ctz((unsigned)bits);
        i += 16;
    }
#endif
    while (i < n && s[i] >= 0x20 && s[i] != '"' && s[i] != '\\' && (opaque || s[i] < 0x80))
        i++;
    return i;
}

/* One UTF-8 sequence at s[*pi] >= 0x80 (RFC 3629). */
static int utf8_seq(const unsigned char *s, size_t n, size_t *pi, rw_json_lex_err_t *err)
{
    size_t i = *pi, need;
    unsigned char c = s[i], lo = 0x80, hi = 0xBF; /* the range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else {
        return fail(err, i, "invalid UTF-8");
    }
    if (n - i <= need || s[i + 1] < lo || s[i + 1] > hi)
        return fail(err, i, "invalid UTF-8");
    for (size_t k = 2; k <= need; k++)
        if ((s[i + k] & 0xC0) != 0x80)
            return fail(err, i, "invalid UTF-8");
    *pi = i + need + 1;
    return 0;
}

/* Four hex digits; the caller checked that they are there. */
static int hex4(const unsigned char *s, unsigned *cp)
{
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        int h = rw_hex_digit(s[k]);
        if (h < 0)
            return -1;
        v = v << 4 | (unsigned)h;
    }
    *cp = v;
    return 0;
}

static bool is_low_escape(const unsigned char *s, size_t left, unsigned *low)
{
    return left >= 6 && s[0] == '\\' && s[1] == 'u' && hex4(s + 2, low) == 0 && *low >= 0xDC00 &&
           *low <= 0xDFFF;
}

/* At a backslash: one escape. Strict: \u0000 and unpaired surrogates are refused, as
 * jansson does. */
static int escape(const unsigned char *s, size_t n, size_t *pi, bool opaque, rw_json_lex_err_t *err)
{
    size_t i = *pi;
    if (i + 1 >= n)
        return fail(err, i, "unterminated escape");
    unsigned char e = s[i + 1];
    if (e != 'u') {
        if (!e || !strchr(simple_escapes, e))
            return fail(err, i, "invalid escape");
        *pi = i + 2;
        return 0;
    }
    unsigned cp, low;
    if (n - i < 6)
        return fail(err, i, "short \\u escape");
    if (hex4(s + i + 2, &cp) < 0)
        return fail(err, i, "invalid \\u escape");
    i += 6;
    if (!opaque) {
        if (cp == 0)
            return fail(err, i, "\\u0000 in a string");
        if (cp >= 0xDC00 && cp <= 0xDFFF)
            return fail(err, i, "unpaired surrogate");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (!is_low_escape(s + i, n - i, &low))
                return fail(err, i, "unpaired surrogate");
            i += 6;
        }
    }
    *pi = i;
    return 0;
}

/* The token functions below are inlined into the ones that dispatch to them (scalar, member
 * name): the scanners call these once per token, and with a second call level a runc
 * state.json walk took ~8% longer than the scanner code this replaced (now ~5% less). */
#define INLINE static inline __attribute__((always_inline))

INLINE int lex_string(const char *str, size_t n, size_t off, unsigned flags, size_t *end,
                      bool *escaped, rw_json_lex_err_t *err)
{
    const unsigned char *s = (const unsigned char *)str;
    bool opaque = flags & RW_JSON_LEX_OPAQUE_TEXT;
    if (off >= n || s[off] != '"')
        return fail(err, off, "expected a string");
    size_t i = off + 1;
    *escaped = false;
    for (;;) {
        /* two copies, each with its test fixed */
        i = opaque ? skip_plain(s, n, i, true) : skip_plain(s, n, i, false);
        if (i >= n)
            return fail(err, i, "unterminated string");
        unsigned char c = s[i];
        int r;
        if (c == '"') {
            *end = i + 1;
            return 0;
        }
        if (c < 0x20)
            return fail(err, i, "control character in a string");
        if (c == '\\') {
            *escaped = true;
            r = escape(s, n, &i, opaque, err);
        } else {
            r = utf8_seq(s, n, &i, err);
        }
        if (r < 0)
            return r;
    }
}

static size_t digits(const char *s, size_t n, size_t i)
{
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    return i;
}

INLINE int lex_number(const char *s, size_t n, size_t off, size_t *end, rw_json_lex_err_t *err)
{
    size_t i = off;
    if (i < n && s[i] == '-')
        i++;
    if (i >= n)
        return fail(err, off, "truncated number");
    if (s[i] == '0')
        i++;
    else if (s[i] >= '1' && s[i] <= '9')
        i = digits(s, n, i);
    else
        return fail(err, off, "invalid value");
    if (i < n && s[i] == '.') {
        if (++i >= n || s[i] < '0' || s[i] > '9')
            return fail(err, off, "invalid number");
        i = digits(s, n, i);
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= n || s[i] < '0' || s[i] > '9')
            return fail(err, off, "invalid number");
        i = digits(s, n, i);
    }
    *end = i;
    return 0;
}

INLINE int lex_literal(const char *s, size_t n, size_t off, size_t *end, rw_json_lex_err_t *err)
{
    /* constant lengths: each memcmp becomes one load and compare */
    size_t left = off < n ? n - off : 0, l = 0;
    if (left >= 4 && memcmp(s + off, "true", 4) == 0)
        l = 4;
    else if (left >= 4 && memcmp(s + off, "null", 4) == 0)
        l = 4;
    else if (left >= 5 && memcmp(s + off, "false", 5) == 0)
        l = 5;
    else
        return fail(err, off, "invalid value");
    *end = off + l;
    return 0;
}

int rw_json_lex_string(const char *s, size_t n, size_t off, unsigned flags, size_t *end,
                       bool *escaped, rw_json_lex_err_t *err)
{
    return lex_string(s, n, off, flags, end, escaped, err);
}

int rw_json_lex_number(const char *s, size_t n, size_t off, size_t *end, rw_json_lex_err_t *err)
{
    return lex_number(s, n, off, end, err);
}

int rw_json_lex_literal(const char *s, size_t n, size_t off, size_t *end, rw_json_lex_err_t *err)
{
    return lex_literal(s, n, off, end, err);
}

int rw_json_lex_scalar(const char *s, size_t n, size_t off, unsigned flags, size_t *end,
                       rw_json_lex_err_t *err)
{
    bool escaped;
    if (off >= n)
        return fail(err, off, "truncated document");
    switch (s[off]) {
    case '"':
        return lex_string(s, n, off, flags, end, &escaped, err);
    case 't':
    case 'f':
    case 'n':
        return lex_literal(s, n, off, end, err);
    default:
        return lex_number(s, n, off, end, err);
    }
}

int rw_json_lex_member_name(const char *s, size_t n, size_t off, unsigned flags, size_t *name_start,
                            size_t *name_end, bool *escaped, size_t *end, rw_json_lex_err_t *err)
{
    size_t i = rw_json_lex_ws(s, n, off);
    if (i >= n || s[i] != '"')
        return fail(err, i, "expected a member name");
    size_t quote = i;
    int r = lex_string(s, n, quote, flags, &i, escaped, err);
    if (r < 0)
        return r;
    *name_start = quote + 1;
    *name_end = i - 1;
    i = rw_json_lex_ws(s, n, i);
    if (i >= n || s[i] != ':')
        return fail(err, i, "expected ':'");
    *end = i + 1;
    return 0;
}

int rw_json_lex_after_value(const char *s, size_t n, size_t off, char close, size_t *end,
                            rw_json_lex_err_t *err)
{
    bool obj = close == '}';
    size_t i = rw_json_lex_ws(s, n, off);
    if (i >= n)
        return fail(err, i, obj ? "unterminated object" : "unterminated array");
    *end = i + 1;
    if (s[i] == ',')
        return 1;
    if (s[i] == close)
        return 0;
    return fail(err, i, obj ? "expected ',' or '}'" : "expected ',' or ']'");
}

size_t rw_json_lex_utf8_put(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

bool rw_json_lex_string_equals(const char *raw, size_t len, bool escaped, const char *want)
{
    size_t wl = strlen(want);
    if (!escaped)
        return len == wl && memcmp(raw, want, wl) == 0;
    const unsigned char *s = (const unsigned char *)raw;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        char dec[4];
        size_t k = 1;
        if (s[i] != '\\') {
            dec[0] = (char)s[i++];
        } else if (s[i + 1] != 'u') {
            dec[0] = simple_decoded[strchr(simple_escapes, s[i + 1]) - simple_escapes];
            i += 2;
        } else {
            unsigned cp = 0, low;
            (void)hex4(s + i + 2, &cp);
            i += 6;
            if (cp >= 0xD800 && cp <= 0xDBFF && is_low_escape(s + i, len - i, &low)) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                i += 6;
            }
            if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
                return false;
            k = rw_json_lex_utf8_put(cp, dec);
        }
        if (k > wl - o || memcmp(dec, want + o, k) != 0)
            return false;
        o += k;
    }
    return o == wl;
}
