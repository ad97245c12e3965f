/* Token-level JSON lexing shared by the validating single-pass scanners (containers/storage's
 * images.json, a runtime's state.json): whitespace, strings, numbers, literals and the
 * punctuation between values, each checked as strictly as rw_json_parse and jansson are. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where a token goes wrong; why is static text. */
typedef struct rw_json_lex_err {
    size_t off;
    const char *why;
} rw_json_lex_err_t;

/* String flag. Without it a string must be valid UTF-8 (RFC 3629: no overlongs, no encoded
 * surrogates, nothing above U+10FFFF), \u0000 is refused and \u surrogates come in pairs,
 * as jansson requires. With it, bytes >= 0x80 pass unchecked and a \u escape needs only its
 * four hex digits: for the containers/storage scanner, which hands the element it uses to
 * jansson and must not refuse a store over the others (Go writes a NUL as \u0000). */
#define RW_JSON_LEX_OPAQUE_TEXT 1u

/* Every function below takes the buffer s of n bytes and the offset off of a token. On
 * success it returns 0 and sets *end just past the token; on failure it returns -EINVAL
 * and fills *err. Nothing is read at or beyond s + n. */

/* The offset of the first byte at or after off that is not JSON whitespace. Inline: the
 * scanners call it between every two tokens. */
static inline size_t rw_json_lex_ws(const char *s, size_t n, size_t off)
{
    while (off < n) {
        char c = s[off];
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
            break;
        off++;
    }
    return off;
}

/* A string whose opening quote is at off. Its raw contents are [off + 1, *end - 1);
 * *escaped tells whether they hold a backslash escape. */
int rw_json_lex_string(const char *s, size_t n, size_t off, unsigned flags, size_t *end,
                       bool *escaped, rw_json_lex_err_t *err);

/* A number (RFC 8259 grammar: no leading zeros, no '+', digits after '.' and 'e'). */
int rw_json_lex_number(const char *s, size_t n, size_t off, size_t *end, rw_json_lex_err_t *err);

/* true, false or null. */
int rw_json_lex_literal(const char *s, size_t n, size_t off, size_t *end, rw_json_lex_err_t *err);

/* Any value that is not an object or an array, told apart by its first byte. */
int rw_json_lex_scalar(const char *s, size_t n, size_t off, unsigned flags, size_t *end,
                       rw_json_lex_err_t *err);

/* An object member's name and its ':' (whitespace before each skipped). The name's raw
 * contents are [*name_start, *name_end); *end is just past the ':'. */
int rw_json_lex_member_name(const char *s, size_t n, size_t off, unsigned flags, size_t *name_start,
                            size_t *name_end, bool *escaped, size_t *end, rw_json_lex_err_t *err);

/* After a value inside an object (close '}') or an array (close ']'): skips whitespace and
 * takes ',' (returns 1) or close (returns 0); *end is just past it. */
int rw_json_lex_after_value(const char *s, size_t n, size_t off, char close, size_t *end,
                            rw_json_lex_err_t *err);

/* Does the raw contents of a string that rw_json_lex_string accepted (with any flags) equal
 * want once escapes are decoded? A decoded NUL or unpaired surrogate never matches. */
bool rw_json_lex_string_equals(const char *raw, size_t len, bool escaped, const char *want);

/* Writes the UTF-8 encoding of code point cp (at most U+10FFFF, not a surrogate) to out
 * and returns its length, 1 to 4. */
size_t rw_json_lex_utf8_put(uint32_t cp, char out[4]);
