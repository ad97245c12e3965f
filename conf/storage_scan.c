/* Hand-written JSON syntax walker over common/json_lex tokens; only the top-level "id"
 * members are decoded. */
#include "storage_scan.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "../common/json_lex.h"

typedef struct scanner {
    const char *s;
    size_t n, i;
    rw_trust_scan_result_t *res;
} scanner_t;

/* Strings are lexed opaquely (see RW_JSON_LEX_OPAQUE_TEXT): the element used is parsed by
 * jansson afterwards, and the others must not make a store unreadable. */
#define TEXT RW_JSON_LEX_OPAQUE_TEXT

static int fail(scanner_t *sc, const char *why)
{
    sc->res->err_off = sc->i;
    sc->res->why = why;
    return -EINVAL;
}

static int lex_failed(scanner_t *sc, const rw_json_lex_err_t *e)
{
    sc->i = e->off;
    return fail(sc, e->why);
}

static void skip_ws(scanner_t *sc)
{
    sc->i = rw_json_lex_ws(sc->s, sc->n, sc->i);
}

/* Does the raw span equal want once escapes are decoded? A long escaped span decodes to
 * more than any id we compare with. */
static bool span_equals(const char *s, size_t len, bool escaped, const char *want)
{
    return (!escaped || len <= 1016) && rw_json_lex_string_equals(s, len, escaped, want);
}

static int scan_value(scanner_t *sc, int depth);

static int scan_object(scanner_t *sc, int depth, const char *id_key, const char *id_value,
                       bool *matched)
{
    rw_json_lex_err_t e;
    sc->i++; /* '{' */
    skip_ws(sc);
    if (sc->i < sc->n && sc->s[sc->i] == '}') {
        sc->i++;
        return 0;
    }
    for (;;) {
        size_t ks, ke;
        bool kesc;
        int r = rw_json_lex_member_name(sc->s, sc->n, sc->i, TEXT, &ks, &ke, &kesc, &sc->i, &e);
        if (r < 0)
            return lex_failed(sc, &e);
        skip_ws(sc);
        if (id_key && sc->i < sc->n && sc->s[sc->i] == '"' &&
            span_equals(sc->s + ks, ke - ks, kesc, id_key)) {
            size_t vs = sc->i + 1;
            bool vesc;
            if (rw_json_lex_string(sc->s, sc->n, sc->i, TEXT, &sc->i, &vesc, &e) < 0)
                return lex_failed(sc, &e);
            if (id_value && span_equals(sc->s + vs, sc->i - 1 - vs, vesc, id_value))
                *matched = true;
        } else if ((r = scan_value(sc, depth + 1)) < 0) {
            return r;
        }
        if ((r = rw_json_lex_after_value(sc->s, sc->n, sc->i, '}', &sc->i, &e)) < 0)
            return lex_failed(sc, &e);
        if (r == 0)
            return 0;
    }
}

static int scan_array(scanner_t *sc, int depth)
{
    rw_json_lex_err_t e;
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
        if ((r = rw_json_lex_after_value(sc->s, sc->n, sc->i, ']', &sc->i, &e)) < 0)
            return lex_failed(sc, &e);
        if (r == 0)
            return 0;
    }
}

static int scan_value(scanner_t *sc, int depth)
{
    rw_json_lex_err_t e;
    bool dummy = false;
    if (depth > RW_TRUST_SCAN_MAX_DEPTH)
        return fail(sc, "nested too deeply");
    skip_ws(sc);
    if (sc->i >= sc->n)
        return fail(sc, "truncated document");
    switch (sc->s[sc->i]) {
    case '{':
        return scan_object(sc, depth, NULL, NULL, &dummy);
    case '[':
        return scan_array(sc, depth);
    default:
        if (rw_json_lex_scalar(sc->s, sc->n, sc->i, TEXT, &sc->i, &e) < 0)
            return lex_failed(sc, &e);
        return 0;
    }
}

static int walk(const char *buf, size_t len, const char *id,
                int (*fn)(const char *obj, size_t len, void *ud), void *ud,
                rw_trust_scan_result_t *res)
{
    memset(res, 0, sizeof(*res));
    scanner_t sc = {buf, len, 0, res};
    rw_json_lex_err_t e;
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
        if ((r = rw_json_lex_after_value(sc.s, sc.n, sc.i, ']', &sc.i, &e)) < 0)
            return lex_failed(&sc, &e);
        if (r == 0)
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
