/* Hand-written JSON syntax walker. Strings are skipped with a lookup table (they are most
 * of the bytes: ids, digests, names); only the top-level "id" members are decoded. */
#include "storage_scan.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

typedef struct scanner {
    const unsigned char *s;
    size_t n, i;
    rw_trust_scan_result_t *res;
} scanner_t;

/* 1 for bytes that end a run of plain string bytes: '"', '\\' and control characters. */
static const uint8_t string_stop[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
};

static int fail(scanner_t *sc, const char *why)
{
    sc->res->err_off = sc->i;
    sc->res->why = why;
    return -EINVAL;
}

static void skip_ws(scanner_t *sc)
{
    while (sc->i < sc->n) {
        unsigned char c = sc->s[sc->i];
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
            return;
        sc->i++;
    }
}

static int hexv(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Advances over plain string bytes: 16 at a time where SSE2 is there (every x86-64), then
 * byte by byte. Strings are most of images.json, so this is most of the scan. */
static void skip_plain(scanner_t *sc)
{
    size_t i = sc->i;
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
                  ctl = _mm_set1_epi8(0x1f);
    while (i + 16 <= sc->n) {
        __m128i v = _mm_loadu_si128((const __m128i *)(sc->s + i));
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                                 _mm_cmpeq_epi8(_mm_max_epu8(v, ctl), ctl));
        int bits = _mm_movemask_epi8(m);
        if (bits) {
            i += (size_t)__builtin_ctz((unsigned)bits);
            sc->i = i;
            return;
        }
        i += 16;
    }
#endif
    while (i < sc->n && !string_stop[sc->s[i]])
        i++;
    sc->i = i;
}

/* At the opening quote: skips the string; *start and *end bound its raw contents;
 * *escaped tells whether it had a backslash escape. */
static int scan_string(scanner_t *sc, size_t *start, size_t *end, bool *escaped)
{
    sc->i++;
    *start = sc->i;
    *escaped = false;
    for (;;) {
        skip_plain(sc);
        if (sc->i >= sc->n)
            return fail(sc, "unterminated string");
        unsigned char c = sc->s[sc->i];
        if (c == '"') {
            *end = sc->i;
            sc->i++;
            return 0;
        }
        if (c < 0x20)
            return fail(sc, "control character in a string");
        *escaped = true;
        if (sc->i + 1 >= sc->n)
            return fail(sc, "unterminated escape");
        unsigned char e = sc->s[sc->i + 1];
        if (e == 'u') {
            if (sc->i + 6 > sc->n)
                return fail(sc, "short \\u escape");
            for (int k = 2; k < 6; k++)
                if (hexv(sc->s[sc->i + k]) < 0)
                    return fail(sc, "invalid \\u escape");
            sc->i += 6;
        } else if (strchr("\"\\/bfnrt", e) && e) {
            sc->i += 2;
        } else {
            return fail(sc, "invalid escape");
        }
    }
}

/* Decodes a raw string span with escapes into out (cap bytes). Returns the length, or -1
 * when it does not fit or has an escape we would not compare (NUL, lone surrogate). */
static long decode_span(const unsigned char *s, size_t len, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        if (o + 4 >= cap)
            return -1;
        if (s[i] != '\\') {
            out[o++] = (char)s[i++];
            continue;
        }
        unsigned char e = s[i + 1];
        if (e != 'u') {
            static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
            const char *p = strchr(from, e);
            out[o++] = to[p - from];
            i += 2;
            continue;
        }
        unsigned cp = 0;
        for (int k = 2; k < 6; k++)
            cp = cp << 4 | (unsigned)hexv(s[i + k]);
        i += 6;
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= len && s[i] == '\\' && s[i + 1] == 'u') {
            unsigned lo = 0;
            for (int k = 2; k < 6; k++)
                lo = lo << 4 | (unsigned)hexv(s[i + k]);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i += 6;
            }
        }
        if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
            return -1;
        if (cp < 0x80) {
            out[o++] = (char)cp;
        } else if (cp < 0x800) {
            out[o++] = (char)(0xC0 | cp >> 6);
            out[o++] = (char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out[o++] = (char)(0xE0 | cp >> 12);
            out[o++] = (char)(0x80 | (cp >> 6 & 0x3F));
            out[o++] = (char)(0x80 | (cp & 0x3F));
        } else {
            out[o++] = (char)(0xF0 | cp >> 18);
            out[o++] = (char)(0x80 | (cp >> 12 & 0x3F));
            out[o++] = (char)(0x80 | (cp >> 6 & 0x3F));
            out[o++] = (char)(0x80 | (cp & 0x3F));
        }
    }
    return (long)o;
}

/* Does the raw span equal want once escapes are decoded? */
static bool span_equals(const unsigned char *s, size_t len, bool escaped, const char *want)
{
    size_t wl = strlen(want);
    if (!escaped)
        return len == wl && memcmp(s, want, wl) == 0;
    char buf[1024];
    if (len > sizeof(buf) - 8)
        return false; /* decodes to more than any id we compare with */
    long n = decode_span(s, len, buf, sizeof(buf));
    return n >= 0 && (size_t)n == wl && memcmp(buf, want, wl) == 0;
}

static int scan_number(scanner_t *sc)
{
    size_t i = sc->i;
    const unsigned char *s = sc->s;
    if (i < sc->n && s[i] == '-')
        i++;
    if (i >= sc->n)
        return fail(sc, "truncated number");
    if (s[i] == '0') {
        i++;
    } else if (s[i] >= '1' && s[i] <= '9') {
        while (i < sc->n && s[i] >= '0' && s[i] <= '9')
            i++;
    } else {
        return fail(sc, "invalid value");
    }
    if (i < sc->n && s[i] == '.') {
        i++;
        if (i >= sc->n || s[i] < '0' || s[i] > '9')
            return fail(sc, "invalid number");
        while (i < sc->n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    if (i < sc->n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < sc->n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= sc->n || s[i] < '0' || s[i] > '9')
            return fail(sc, "invalid number");
        while (i < sc->n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    sc->i = i;
    return 0;
}

static int scan_literal(scanner_t *sc, const char *lit)
{
    size_t l = strlen(lit);
    if (sc->n - sc->i < l || memcmp(sc->s + sc->i, lit, l) != 0)
        return fail(sc, "invalid value");
    sc->i += l;
    return 0;
}

static int scan_value(scanner_t *sc, int depth);

static int scan_object(scanner_t *sc, int depth, const char *id_key, const char *id_value,
                       bool *matched)
{
    sc->i++; /* '{' */
    skip_ws(sc);
    if (sc->i < sc->n && sc->s[sc->i] == '}') {
        sc->i++;
        return 0;
    }
    for (;;) {
        skip_ws(sc);
        if (sc->i >= sc->n || sc->s[sc->i] != '"')
            return fail(sc, "expected a member name");
        size_t ks, ke;
        bool kesc;
        int r = scan_string(sc, &ks, &ke, &kesc);
        if (r < 0)
            return r;
        skip_ws(sc);
        if (sc->i >= sc->n || sc->s[sc->i] != ':')
            return fail(sc, "expected ':'");
        sc->i++;
        skip_ws(sc);
        if (id_key && sc->i < sc->n && sc->s[sc->i] == '"' &&
            span_equals(sc->s + ks, ke - ks, kesc, id_key)) {
            size_t vs, ve;
            bool vesc;
            if ((r = scan_string(sc, &vs, &ve, &vesc)) < 0)
                return r;
            if (id_value && span_equals(sc->s + vs, ve - vs, vesc, id_value))
                *matched = true;
        } else if ((r = scan_value(sc, depth + 1)) < 0) {
            return r;
        }
        skip_ws(sc);
        if (sc->i >= sc->n)
            return fail(sc, "unterminated object");
        if (sc->s[sc->i] == ',') {
            sc->i++;
            continue;
        }
        if (sc->s[sc->i] == '}') {
            sc->i++;
            return 0;
        }
        return fail(sc, "expected ',' or '}'");
    }
}

static int scan_array(scanner_t *sc, int depth)
{
    sc->i++;
    skip_ws(sc);
    if (sc->i < sc->n && sc->s[sc->i] == ']') {
        sc->i++;
        return 0;
    }
    for (;;) {
        int r = scan_value(sc, depth + 1);
        if (r < 0)
            return r;
        skip_ws(sc);
        if (sc->i >= sc->n)
            return fail(sc, "unterminated array");
        if (sc->s[sc->i] == ',') {
            sc->i++;
            continue;
        }
        if (sc->s[sc->i] == ']') {
            sc->i++;
            return 0;
        }
        return fail(sc, "expected ',' or ']'");
    }
}

static int scan_value(scanner_t *sc, int depth)
{
    if (depth > RW_TRUST_SCAN_MAX_DEPTH)
        return fail(sc, "nested too deeply");
    skip_ws(sc);
    if (sc->i >= sc->n)
        return fail(sc, "truncated document");
    size_t a, b;
    bool e;
    bool dummy = false;
    switch (sc->s[sc->i]) {
    case '"':
        return scan_string(sc, &a, &b, &e);
    case '{':
        return scan_object(sc, depth, NULL, NULL, &dummy);
    case '[':
        return scan_array(sc, depth);
    case 't':
        return scan_literal(sc, "true");
    case 'f':
        return scan_literal(sc, "false");
    case 'n':
        return scan_literal(sc, "null");
    default:
        return scan_number(sc);
    }
}

static int walk(const char *buf, size_t len, const char *id,
                int (*fn)(const char *obj, size_t len, void *ud), void *ud,
                rw_trust_scan_result_t *res)
{
    memset(res, 0, sizeof(*res));
    scanner_t sc = {(const unsigned char *)buf, len, 0, res};
    int found = 0;
    skip_ws(&sc);
    if (sc.i >= sc.n || sc.s[sc.i] != '[')
        return fail(&sc, "the document is not a JSON array");
    sc.i++;
    skip_ws(&sc);
    bool empty = sc.i < sc.n && sc.s[sc.i] == ']';
    if (empty)
        sc.i++;
    while (!empty) {
        skip_ws(&sc);
        if (sc.i >= sc.n || sc.s[sc.i] != '{')
            return fail(&sc, "an element is not a JSON object");
        size_t start = sc.i;
        bool matched = false;
        int r = scan_object(&sc, 1, "id", id, &matched);
        if (r < 0)
            return r;
        res->n_objects++;
        if (matched) {
            if (found) {
                res->why = "two elements have the same id";
                return -EEXIST;
            }
            found = 1;
            res->off = start;
            res->len = sc.i - start;
        }
        if (fn && (r = fn(buf + start, sc.i - start, ud)) < 0)
            return r;
        skip_ws(&sc);
        if (sc.i >= sc.n)
            return fail(&sc, "unterminated array");
        if (sc.s[sc.i] == ',') {
            sc.i++;
            continue;
        }
        if (sc.s[sc.i] != ']')
            return fail(&sc, "expected ',' or ']'");
        sc.i++;
        break;
    }
    skip_ws(&sc);
    if (sc.i != sc.n)
        return fail(&sc, "unexpected data after the array");
    return found;
}

int rw_trust_scan_find_id(const char *buf, size_t len, const char *id, rw_trust_scan_result_t *res)
{
    return walk(buf, len, id, NULL, NULL, res);
}

int rw_trust_scan_each(const char *buf, size_t len,
                       int (*fn)(const char *obj, size_t len, void *ud), void *ud,
                       rw_trust_scan_result_t *res)
{
    /* Validate everything first so fn never sees part of a damaged file. */
    int r = walk(buf, len, NULL, NULL, NULL, res);
    if (r < 0)
        return r;
    r = walk(buf, len, NULL, fn, ud, res);
    return r < 0 ? r : 0;
}
