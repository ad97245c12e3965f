/* Fuzz target: common/json_lex. A small validator built from the lexer's tokens alone is
 * checked against jansson on the whole input: they must agree, except what jansson alone
 * refuses (numbers beyond its range), nesting past the validator's bound, and raw NUL bytes
 * (which jansson's reader sometimes skips). Each token is also checked on its own: offsets
 * inside the input, strict strings accepted opaquely too, and the decoded string jansson
 * gives equal to the raw one under rw_json_lex_string_equals. */
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_lex.h"

#define MAX_DEPTH 64

static bool too_deep;

static void check_err(const rw_json_lex_err_t *e, size_t n)
{
    if (!e->why || e->off > n)
        abort();
}

/* A value at *i, as the scanners walk one; recursion is bounded by MAX_DEPTH. */
static int doc_value(const char *s, size_t n, size_t *i, int depth)
{
    rw_json_lex_err_t e;
    if (depth > MAX_DEPTH) {
        too_deep = true;
        return -E2BIG;
    }
    *i = rw_json_lex_ws(s, n, *i);
    if (*i >= n)
        return -EINVAL;
    char open = s[*i], close = open == '{' ? '}' : ']';
    if (open != '{' && open != '[') {
        size_t end;
        if (rw_json_lex_scalar(s, n, *i, 0, &end, &e) < 0) {
            check_err(&e, n);
            return -EINVAL;
        }
        if (end <= *i || end > n)
            abort();
        *i = end;
        return 0;
    }
    *i = rw_json_lex_ws(s, n, *i + 1);
    if (*i < n && s[*i] == close) {
        (*i)++;
        return 0;
    }
    for (;;) {
        int r;
        if (open == '{') {
            size_t a, b;
            bool esc;
            if (rw_json_lex_member_name(s, n, *i, 0, &a, &b, &esc, i, &e) < 0) {
                check_err(&e, n);
                return -EINVAL;
            }
            if (a > b || b >= *i || *i > n)
                abort();
        }
        if ((r = doc_value(s, n, i, depth + 1)) < 0)
            return r;
        if ((r = rw_json_lex_after_value(s, n, *i, close, i, &e)) < 0) {
            check_err(&e, n);
            return -EINVAL;
        }
        if (r == 0)
            return 0;
    }
}

/* The input as one string token: strict and opaque lexing, and the decoded comparison. */
static void string_token(const char *s, size_t n)
{
    size_t end = 0, oend = 0;
    bool esc, oesc;
    rw_json_lex_err_t e, oe;
    int strict = rw_json_lex_string(s, n, 0, 0, &end, &esc, &e);
    int opaque = rw_json_lex_string(s, n, 0, RW_JSON_LEX_OPAQUE_TEXT, &oend, &oesc, &oe);
    if (strict < 0)
        check_err(&e, n);
    if (opaque < 0)
        check_err(&oe, n);
    if (strict == 0) {
        if (opaque != 0 || oend != end || oesc != esc || end < 2 || end > n)
            abort(); /* opaque lexing takes all that strict lexing takes */
        json_error_t je;
        json_t *j = json_loadb(s, end, JSON_DECODE_ANY, &je);
        if (!j) {
            if (!memchr(s, 0, end))
                abort(); /* a string jansson refuses */
            return;
        }
        if (!json_is_string(j) ||
            (json_string_length(j) == strlen(json_string_value(j)) &&
             !rw_json_lex_string_equals(s + 1, end - 2, esc, json_string_value(j))))
            abort(); /* decoded differently */
        json_decref(j);
    } else if (opaque == 0 && strcmp(e.why, "invalid UTF-8") != 0 &&
               strcmp(e.why, "\\u0000 in a string") != 0 &&
               strcmp(e.why, "unpaired surrogate") != 0) {
        abort(); /* opaque lexing skips only the text checks */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1 << 20))
        return 0;
    const char *s = (const char *)data;
    string_token(s, size);

    too_deep = false;
    size_t i = 0;
    int r = doc_value(s, size, &i, 0);
    bool ours = r == 0 && rw_json_lex_ws(s, size, i) == size;
    json_error_t je;
    json_t *j = json_loadb(s, size, JSON_DECODE_ANY, &je);
    bool theirs = j != NULL;
    if (j)
        json_decref(j);
    if (ours && !theirs && !strstr(je.text, "too big") && !strstr(je.text, "overflow"))
        abort(); /* the lexer took what jansson calls invalid */
    if (!ours && theirs && !too_deep && !memchr(s, 0, size))
        abort(); /* the lexer refused valid JSON */
    return 0;
}
