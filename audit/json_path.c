/* A hand-written JSON syntax walker over common/json_lex tokens (strict: UTF-8, escapes,
 * surrogate pairs) that validates a whole document and returns the byte ranges of a few
 * members named by path; the caller parses only those ranges. */
#include "json_path.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../common/json_lex.h"

typedef struct walker {
    const char *s;
    size_t n, i;
    rw_audit_json_want_t *wants;
    const char *why;
} walker_t;

static int fail(walker_t *w, const char *why)
{
    w->why = why;
    return -EINVAL;
}

static int lex_failed(walker_t *w, const rw_json_lex_err_t *e)
{
    w->i = e->off;
    return fail(w, e->why);
}

static void skip_ws(walker_t *w)
{
    w->i = rw_json_lex_ws(w->s, w->n, w->i);
}

static int value(walker_t *w, int depth, size_t level, uint32_t alive);

/* At a member name (after '{' or ','): the name, then ':'. */
static int member_name(walker_t *w)
{
    size_t a, b;
    bool e;
    rw_json_lex_err_t le;
    if (rw_json_lex_member_name(w->s, w->n, w->i, 0, &a, &b, &e, &w->i, &le) < 0)
        return lex_failed(w, &le);
    return 0;
}

static int scalar(walker_t *w)
{
    rw_json_lex_err_t le;
    if (rw_json_lex_scalar(w->s, w->n, w->i, 0, &w->i, &le) < 0)
        return lex_failed(w, &le);
    return 0;
}

/* After a value in an object or array: 1 at ',', 0 at the closing bracket. */
static int after_value(walker_t *w, bool obj)
{
    rw_json_lex_err_t le;
    int r = rw_json_lex_after_value(w->s, w->n, w->i, obj ? '}' : ']', &w->i, &le);
    return r < 0 ? lex_failed(w, &le) : r;
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
            if ((r = after_value(w, obj)) < 0)
                return r;
            if (r) {
                if (obj && (r = member_name(w)) < 0)
                    return r;
                break;
            }
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
        size_t ks, ke;
        bool kesc;
        rw_json_lex_err_t le;
        int r = rw_json_lex_member_name(w->s, w->n, w->i, 0, &ks, &ke, &kesc, &w->i, &le);
        if (r < 0)
            return lex_failed(w, &le);
        skip_ws(w);
        uint32_t match = 0, last = 0;
        for (uint32_t m = alive; m; m &= m - 1) {
            unsigned k = (unsigned)__builtin_ctz(m);
            if (rw_json_lex_string_equals(w->s + ks, ke - ks, kesc, w->wants[k].path[level])) {
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
        if ((r = after_value(w, true)) <= 0)
            return r;
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
    walker_t w = {buf, len, 0, wants, NULL};
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
