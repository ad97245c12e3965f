/* A hand-written JSON syntax walker that validates a whole document and returns the byte
 * ranges of a few members named by path; the caller parses only those ranges. Plain string
 * bytes (most of a runtime's state file) are skipped 16 at a time. */
#include "json_path.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

typedef struct walker {
    const unsigned char *s;
    size_t n, i;
    rw_audit_json_want_t *wants;
    const char *why;
} walker_t;

static int fail(walker_t *w, const char *why)
{
    w->why = why;
    return -EINVAL;
}

static void skip_ws(walker_t *w)
{
    while (w->i < w->n) {
        unsigned char c = w->s[w->i];
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
            return;
        w->i++;
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

/* Stops at '"', '\\', control characters and any byte >= 0x80 (checked as UTF-8). */
static bool plain_byte(unsigned char c)
{
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

static void skip_plain(walker_t *w)
{
    size_t i = w->i;
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
                  space = _mm_set1_epi8(0x20);
    while (i + 16 <= w->n) {
        __m128i v = _mm_loadu_si128((const __m128i *)(w->s + i));
        /* signed compare: bytes >= 0x80 are negative, so "< 0x20" catches them too */
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                                 _mm_cmpgt_epi8(space, v));
        int bits = _mm_movemask_epi8(m);
        if (bits) {
            w->i = i + (size_t)__builtin_ctz((unsigned)bits);
            return;
        }
        i += 16;
    }
#endif
    while (i < w->n && plain_byte(w->s[i]))
        i++;
    w->i = i;
}

/* One UTF-8 sequence at w->i (RFC 3629: no overlongs, no surrogates, at most U+10FFFF). */
static int utf8_seq(walker_t *w)
{
    const unsigned char *s = w->s + w->i;
    size_t left = w->n - w->i;
    unsigned char c = s[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF; /* range of the second byte */
    if (c >= 0xC2 && c <= 0xDF)
        need = 1;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return fail(w, "invalid UTF-8");
    if (left <= need || s[1] < lo || s[1] > hi)
        return fail(w, "invalid UTF-8");
    for (size_t k = 2; k <= need; k++)
        if ((s[k] & 0xC0) != 0x80)
            return fail(w, "invalid UTF-8");
    w->i += need + 1;
    return 0;
}

static int u_escape(const unsigned char *s, size_t left, unsigned *cp)
{
    if (left < 6 || s[0] != '\\' || s[1] != 'u')
        return -1;
    unsigned v = 0;
    for (int k = 2; k < 6; k++) {
        int h = hexv(s[k]);
        if (h < 0)
            return -1;
        v = v << 4 | (unsigned)h;
    }
    *cp = v;
    return 0;
}

/* At a backslash: one escape. \u0000 and unpaired surrogates are refused, as jansson does. */
static int escape(walker_t *w)
{
    if (w->i + 1 >= w->n)
        return fail(w, "unterminated escape");
    unsigned char e = w->s[w->i + 1];
    if (e != 'u') {
        if (!e || !strchr("\"\\/bfnrt", e))
            return fail(w, "invalid escape");
        w->i += 2;
        return 0;
    }
    unsigned cp;
    if (u_escape(w->s + w->i, w->n - w->i, &cp) < 0)
        return fail(w, "invalid \\u escape");
    w->i += 6;
    if (cp == 0)
        return fail(w, "\\u0000 in a string");
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return fail(w, "unpaired surrogate");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        unsigned low;
        if (u_escape(w->s + w->i, w->n - w->i, &low) < 0 || low < 0xDC00 || low > 0xDFFF)
            return fail(w, "unpaired surrogate");
        w->i += 6;
    }
    return 0;
}

/* At the opening quote: skips the string; [*start, *end) is its raw contents. */
static int string_span(walker_t *w, size_t *start, size_t *end, bool *escaped)
{
    w->i++;
    *start = w->i;
    *escaped = false;
    for (;;) {
        skip_plain(w);
        if (w->i >= w->n)
            return fail(w, "unterminated string");
        unsigned char c = w->s[w->i];
        int r;
        if (c == '"') {
            *end = w->i++;
            return 0;
        }
        if (c < 0x20)
            return fail(w, "control character in a string");
        if (c == '\\') {
            *escaped = true;
            r = escape(w);
        } else
            r = utf8_seq(w);
        if (r < 0)
            return r;
    }
}

/* Does an already validated raw member name equal name once escapes are decoded? Names we
 * look for are short ASCII words, so a long name never matches. */
static bool name_equals(const unsigned char *s, size_t len, bool escaped, const char *name)
{
    size_t nl = strlen(name);
    if (!escaped)
        return len == nl && memcmp(s, name, nl) == 0;
    size_t o = 0;
    for (size_t i = 0; i < len; o++) {
        unsigned char c = s[i];
        if (c == '\\') {
            unsigned char e = s[i + 1];
            if (e == 'u') {
                unsigned cp = 0;
                (void)u_escape(s + i, len - i, &cp);
                if (cp >= 0x80)
                    return false; /* names we look for are ASCII */
                c = (unsigned char)cp;
                i += 6;
            } else {
                static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
                c = (unsigned char)to[strchr(from, e) - from];
                i += 2;
            }
        } else
            i++;
        if (o >= nl || c != (unsigned char)name[o])
            return false;
    }
    return o == nl;
}

static int number(walker_t *w)
{
    const unsigned char *s = w->s;
    size_t i = w->i, n = w->n;
    if (i < n && s[i] == '-')
        i++;
    if (i >= n)
        return fail(w, "truncated number");
    if (s[i] == '0')
        i++;
    else if (s[i] >= '1' && s[i] <= '9')
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    else
        return fail(w, "invalid value");
    if (i < n && s[i] == '.') {
        if (++i >= n || s[i] < '0' || s[i] > '9')
            return fail(w, "invalid number");
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= n || s[i] < '0' || s[i] > '9')
            return fail(w, "invalid number");
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    w->i = i;
    return 0;
}

static int literal(walker_t *w, const char *lit)
{
    size_t l = strlen(lit);
    if (w->n - w->i < l || memcmp(w->s + w->i, lit, l) != 0)
        return fail(w, "invalid value");
    w->i += l;
    return 0;
}

static int value(walker_t *w, int depth, size_t level, uint32_t alive);

/* At a member name (after '{' or ','): the name, then ':'. */
static int member_name(walker_t *w)
{
    skip_ws(w);
    if (w->i >= w->n || w->s[w->i] != '"')
        return fail(w, "expected a member name");
    size_t a, b;
    bool e;
    int r = string_span(w, &a, &b, &e);
    if (r < 0)
        return r;
    skip_ws(w);
    if (w->i >= w->n || w->s[w->i] != ':')
        return fail(w, "expected ':'");
    w->i++;
    return 0;
}

static int scalar(walker_t *w)
{
    size_t a, b;
    bool e;
    switch (w->s[w->i]) {
    case '"':
        return string_span(w, &a, &b, &e);
    case 't':
        return literal(w, "true");
    case 'f':
        return literal(w, "false");
    case 'n':
        return literal(w, "null");
    default:
        return number(w);
    }
}

/* Validates a value that holds nothing we look for (most of a state file) without
 * recursion: the open containers are a bit stack, 1 for an object, 0 for an array. */
static int skip_value(walker_t *w, int depth)
{
    uint64_t kinds[RW_AUDIT_JSON_PATH_MAX_DEPTH / 64 + 1] = {0};
    int top = 0;
    for (;;) {
        if (depth + top > RW_AUDIT_JSON_PATH_MAX_DEPTH)
            return fail(w, "nested too deeply");
        skip_ws(w);
        if (w->i >= w->n)
            return fail(w, "truncated document");
        unsigned char c = w->s[w->i];
        int r;
        if (c == '{' || c == '[') {
            bool obj = c == '{';
            if (obj)
                kinds[top / 64] |= 1ull << (top % 64);
            else
                kinds[top / 64] &= ~(1ull << (top % 64));
            top++;
            w->i++;
            skip_ws(w);
            if (w->i < w->n && w->s[w->i] == (obj ? '}' : ']')) {
                w->i++;
                top--;
            } else {
                if (obj && (r = member_name(w)) < 0)
                    return r;
                continue;
            }
        } else if ((r = scalar(w)) < 0) {
            return r;
        }
        /* after a value: close what ends here, or move to the next element */
        for (;;) {
            if (top == 0)
                return 0;
            bool obj = kinds[(top - 1) / 64] >> ((top - 1) % 64) & 1;
            skip_ws(w);
            if (w->i >= w->n)
                return fail(w, obj ? "unterminated object" : "unterminated array");
            c = w->s[w->i];
            if (c == ',') {
                w->i++;
                if (obj && (r = member_name(w)) < 0)
                    return r;
                break;
            }
            if (c != (obj ? '}' : ']'))
                return fail(w, obj ? "expected ',' or '}'" : "expected ',' or ']'");
            w->i++;
            top--;
        }
    }
}

/* alive: the wants whose path matched every enclosing member so far (level names deep). */
static int object(walker_t *w, int depth, size_t level, uint32_t alive)
{
    uint32_t seen = 0;
    w->i++; /* '{' */
    skip_ws(w);
    if (w->i < w->n && w->s[w->i] == '}') {
        w->i++;
        return 0;
    }
    for (;;) {
        skip_ws(w);
        if (w->i >= w->n || w->s[w->i] != '"')
            return fail(w, "expected a member name");
        size_t ks, ke;
        bool kesc;
        int r = string_span(w, &ks, &ke, &kesc);
        if (r < 0)
            return r;
        skip_ws(w);
        if (w->i >= w->n || w->s[w->i] != ':')
            return fail(w, "expected ':'");
        w->i++;
        skip_ws(w);
        uint32_t match = 0, last = 0;
        for (uint32_t m = alive; m; m &= m - 1) {
            unsigned k = (unsigned)__builtin_ctz(m);
            if (name_equals(w->s + ks, ke - ks, kesc, w->wants[k].path[level])) {
                match |= 1u << k;
                if (!w->wants[k].path[level + 1])
                    last |= 1u << k;
            }
        }
        if (match & seen)
            return fail(w, "a member on a wanted path appears twice");
        seen |= match;
        size_t start = w->i;
        if ((r = value(w, depth + 1, level + 1, match & ~last)) < 0)
            return r;
        for (uint32_t m = last; m; m &= m - 1) {
            unsigned k = (unsigned)__builtin_ctz(m);
            w->wants[k].off = start;
            w->wants[k].len = w->i - start;
        }
        skip_ws(w);
        if (w->i >= w->n)
            return fail(w, "unterminated object");
        if (w->s[w->i] == ',') {
            w->i++;
            continue;
        }
        if (w->s[w->i] == '}') {
            w->i++;
            return 0;
        }
        return fail(w, "expected ',' or '}'");
    }
}

static int value(walker_t *w, int depth, size_t level, uint32_t alive)
{
    if (!alive)
        return skip_value(w, depth);
    if (depth > RW_AUDIT_JSON_PATH_MAX_DEPTH)
        return fail(w, "nested too deeply");
    skip_ws(w);
    if (w->i >= w->n)
        return fail(w, "truncated document");
    switch (w->s[w->i]) {
    case '{':
        return object(w, depth, level, alive);
    case '[':
        return skip_value(w, depth); /* wanted paths name object members only */
    default:
        return scalar(w);
    }
}

int rw_audit_json_find(const char *buf, size_t len, rw_audit_json_want_t *wants, size_t n_wants,
                       const char **why, size_t *err_off)
{
    walker_t w = {(const unsigned char *)buf, len, 0, wants, NULL};
    uint32_t all = 0;
    if (n_wants > RW_AUDIT_JSON_PATH_MAX_WANTS)
        return -EINVAL;
    for (size_t k = 0; k < n_wants; k++) {
        if (!wants[k].path || !wants[k].path[0])
            return -EINVAL;
        wants[k].off = wants[k].len = 0;
        all |= 1u << k;
    }
    int r;
    skip_ws(&w);
    if (w.i >= w.n || w.s[w.i] != '{')
        r = fail(&w, "the document is not a JSON object");
    else if ((r = object(&w, 1, 0, all)) >= 0) {
        skip_ws(&w);
        if (w.i != w.n)
            r = fail(&w, "unexpected data after the object");
    }
    if (r < 0) {
        for (size_t k = 0; k < n_wants; k++)
            wants[k].off = wants[k].len = 0;
        if (why)
            *why = w.why;
        if (err_off)
            *err_off = w.i;
    }
    return r;
}
