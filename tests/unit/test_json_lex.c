/* common/json_lex: one vector per token rule, valid and invalid (escapes, surrogates, UTF-8,
 * control characters, number grammar, literals, punctuation), with the offset and reason
 * of each refusal; the strict string vectors are also checked against jansson. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/json_lex.h"

enum tok { STR, STR_OPAQUE, NUM, LIT, SCALAR };

typedef struct vec {
    enum tok tok;
    const char *in;
    size_t len;      /* 0: strlen(in) */
    long end;        /* expected end, or -1 for a refusal */
    const char *why; /* on a refusal */
    size_t err_off;  /* on a refusal */
} vec_t;

#define OK(t, s, e)                                                                                \
    {                                                                                              \
        t, s, sizeof(s) - 1, e, NULL, 0                                                            \
    }
#define BAD(t, s, w, o)                                                                            \
    {                                                                                              \
        t, s, sizeof(s) - 1, -1, w, o                                                              \
    }

static const vec_t vectors[] = {
    /* strings: plain, every escape, UTF-8 of each length, past the 16-byte fast path */
    OK(STR, "\"\"", 2),
    OK(STR, "\"abc\" tail", 5),
    OK(STR, "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", 18),
    OK(STR, "\"\\u0041\\u00e9\\u20AC\\uffff\"", 26),
    OK(STR, "\"\\ud83d\\udc33\"", 14),
    OK(STR, "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x90\xb3\xf4\x8f\xbf\xbf\xef\xbf\xbf\x7f\"", 19),
    OK(STR, "\"0123456789abcdef0123456789\\n\xc3\xa9 0123456789abcdef\"", 49),
    BAD(STR, "", "expected a string", 0),
    BAD(STR, "abc", "expected a string", 0),
    BAD(STR, "\"abc", "unterminated string", 4),
    BAD(STR, "\"0123456789abcdef0123", "unterminated string", 21),
    BAD(STR, "\"a\x01\"", "control character in a string", 2),
    BAD(STR, "\"a\x1f\"", "control character in a string", 2),
    BAD(STR, "\"a\tb\"", "control character in a string", 2),
    BAD(STR, "\"a\nb\"", "control character in a string", 2),
    BAD(STR, "\"a\0b\"", "control character in a string", 2),
    BAD(STR, "\"0123456789abcdef\x01\"", "control character in a string", 17),
    BAD(STR, "\"\\x\"", "invalid escape", 1),
    BAD(STR, "\"\\'\"", "invalid escape", 1),
    BAD(STR, "\"\\U0041\"", "invalid escape", 1),
    BAD(STR, "\"\\\0\"", "invalid escape", 1),
    BAD(STR, "\"\\", "unterminated escape", 1),
    BAD(STR, "\"\\u12\"", "short \\u escape", 1),
    BAD(STR, "\"\\u12g4\"", "invalid \\u escape", 1),
    BAD(STR, "\"\\u 123\"", "invalid \\u escape", 1),
    BAD(STR, "\"\\u0000\"", "\\u0000 in a string", 7),
    BAD(STR, "\"\\ud800\"", "unpaired surrogate", 7),
    BAD(STR, "\"\\udbff\\u0041\"", "unpaired surrogate", 7),
    BAD(STR, "\"\\ud800\\ud800\"", "unpaired surrogate", 7),
    BAD(STR, "\"\\ud800\\n\"", "unpaired surrogate", 7),
    BAD(STR, "\"\\udc00\"", "unpaired surrogate", 7),
    BAD(STR, "\"\\udfff\\udc00\"", "unpaired surrogate", 7),
    BAD(STR, "\"\xc0\x80\"", "invalid UTF-8", 1),         /* overlong NUL */
    BAD(STR, "\"\xc1\xbf\"", "invalid UTF-8", 1),         /* overlong 2-byte */
    BAD(STR, "\"\xe0\x80\xaf\"", "invalid UTF-8", 1),     /* overlong 3-byte */
    BAD(STR, "\"\xf0\x80\x80\xaf\"", "invalid UTF-8", 1), /* overlong 4-byte */
    BAD(STR, "\"\xed\xa0\x80\"", "invalid UTF-8", 1),     /* encoded surrogate */
    BAD(STR, "\"\xf4\x90\x80\x80\"", "invalid UTF-8", 1), /* above U+10FFFF */
    BAD(STR, "\"\xf5\x80\x80\x80\"", "invalid UTF-8", 1),
    BAD(STR, "\"\xff\"", "invalid UTF-8", 1),
    BAD(STR, "\"\x80\"", "invalid UTF-8", 1),     /* lone continuation byte */
    BAD(STR, "\"\xc3\x28\"", "invalid UTF-8", 1), /* bad continuation */
    BAD(STR, "\"\xe2\x82\"", "invalid UTF-8", 1), /* truncated sequence */
    BAD(STR, "\"\xe2\x82", "invalid UTF-8", 1),   /* ... at the end of the buffer */
    BAD(STR, "\"0123456789abcdefghij\xff\"", "invalid UTF-8", 21),
    /* opaque strings: bytes >= 0x80 and \u values unchecked, the rest as strict */
    OK(STR_OPAQUE, "\"\xff\xc0\x80\xed\xa0\x80\"", 8),
    OK(STR_OPAQUE, "\"\\u0000\\ud800\\udc00x\"", 21),
    OK(STR_OPAQUE, "\"0123456789abcdef\xff\xfe\xfd\"", 21),
    BAD(STR_OPAQUE, "\"\xff\x01\"", "control character in a string", 2),
    BAD(STR_OPAQUE, "\"\\x\"", "invalid escape", 1),
    BAD(STR_OPAQUE, "\"\\u12\"", "short \\u escape", 1),
    BAD(STR_OPAQUE, "\"\\u12g4\"", "invalid \\u escape", 1),
    BAD(STR_OPAQUE, "\"\xff", "unterminated string", 2),
    /* numbers: the token ends where the grammar does; the caller judges what follows */
    OK(NUM, "0", 1),
    OK(NUM, "-0", 2),
    OK(NUM, "123,", 3),
    OK(NUM, "-1.5e+10", 8),
    OK(NUM, "1E5", 3),
    OK(NUM, "0.0e-0]", 6),
    OK(NUM, "18446744073709551615", 20),
    OK(NUM, "01", 1),  /* leading zero: the number is "0" and the '1' is left over */
    OK(NUM, "-01", 2), /* likewise */
    BAD(NUM, "", "truncated number", 0),
    BAD(NUM, "-", "truncated number", 0),
    BAD(NUM, "-a", "invalid value", 0),
    BAD(NUM, "- 1", "invalid value", 0),
    BAD(NUM, "+1", "invalid value", 0),
    BAD(NUM, ".5", "invalid value", 0),
    BAD(NUM, "1.", "invalid number", 0),
    BAD(NUM, "1.e5", "invalid number", 0),
    BAD(NUM, "1e", "invalid number", 0),
    BAD(NUM, "1e+", "invalid number", 0),
    BAD(NUM, "1E-x", "invalid number", 0),
    /* literals */
    OK(LIT, "true", 4),
    OK(LIT, "false,", 5),
    OK(LIT, "null}", 4),
    OK(LIT, "nullx", 4),
    BAD(LIT, "tru", "invalid value", 0),
    BAD(LIT, "nul", "invalid value", 0),
    BAD(LIT, "True", "invalid value", 0),
    BAD(LIT, "fals", "invalid value", 0),
    BAD(LIT, "", "invalid value", 0),
    /* scalars, dispatched on the first byte */
    OK(SCALAR, "\"s\"", 3),
    OK(SCALAR, "-2", 2),
    OK(SCALAR, "false", 5),
    BAD(SCALAR, "", "truncated document", 0),
    BAD(SCALAR, "x", "invalid value", 0),
    BAD(SCALAR, "'a'", "invalid value", 0),
    BAD(SCALAR, "nul", "invalid value", 0),
    BAD(SCALAR, "\"\\ud800\"", "unpaired surrogate", 7),
};

static int lex(const vec_t *v, size_t *end, rw_json_lex_err_t *err)
{
    bool escaped;
    switch (v->tok) {
    case STR:
        return rw_json_lex_string(v->in, v->len, 0, 0, end, &escaped, err);
    case STR_OPAQUE:
        return rw_json_lex_string(v->in, v->len, 0, RW_JSON_LEX_OPAQUE_TEXT, end, &escaped, err);
    case NUM:
        return rw_json_lex_number(v->in, v->len, 0, end, err);
    case LIT:
        return rw_json_lex_literal(v->in, v->len, 0, end, err);
    case SCALAR:
        return rw_json_lex_scalar(v->in, v->len, 0, 0, end, err);
    default:
        return -ENOSYS;
    }
}

static void test_token_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        const vec_t *v = &vectors[i];
        size_t end = 12345;
        rw_json_lex_err_t err = {0, NULL};
        int r = lex(v, &end, &err);
        if (v->end >= 0) {
            if (r != 0)
                fail_msg("vector %zu refused (%s at %zu)", i, err.why, err.off);
            if (end != (size_t)v->end)
                fail_msg("vector %zu: end %zu, want %ld", i, end, v->end);
        } else {
            if (r != -EINVAL)
                fail_msg("vector %zu accepted (end %zu)", i, end);
            if (!err.why || strcmp(err.why, v->why) != 0)
                fail_msg("vector %zu: reason '%s', want '%s'", i, err.why, v->why);
            if (err.off != v->err_off)
                fail_msg("vector %zu: offset %zu, want %zu", i, err.off, v->err_off);
            if (end != 12345)
                fail_msg("vector %zu: end written on a refusal", i);
        }
    }
}

/* Each strict string vector, alone in an array, is valid exactly when jansson says so (raw
 * NUL aside: jansson's reader may skip it). */
static void test_strings_agree_with_jansson(void **state)
{
    (void)state;
    size_t checked = 0;
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        const vec_t *v = &vectors[i];
        if (v->tok != STR || memchr(v->in, 0, v->len) || !v->len || v->in[0] != '"')
            continue;
        size_t end;
        bool escaped;
        rw_json_lex_err_t err;
        bool ours =
            rw_json_lex_string(v->in, v->len, 0, 0, &end, &escaped, &err) == 0 && end == v->len;
        char doc[128];
        int dl = snprintf(doc, sizeof(doc), "[%.*s]", (int)v->len, v->in);
        assert_true(dl > 0 && (size_t)dl < sizeof(doc));
        json_error_t je;
        json_t *j = json_loadb(doc, (size_t)dl, 0, &je);
        bool theirs = j != NULL;
        if (ours != theirs)
            fail_msg("vector %zu: ours %d, jansson %d (%s)", i, ours, theirs, je.text);
        if (j) {
            /* and the decoded value is what string_equals compares with */
            const char *want = json_string_value(json_array_get(j, 0));
            assert_true(rw_json_lex_string_equals(v->in + 1, v->len - 2, escaped, want));
            json_decref(j);
        }
        checked++;
    }
    assert_true(checked > 30);
}

static void test_whitespace(void **state)
{
    (void)state;
    assert_int_equal(rw_json_lex_ws(" \t\r\nx", 5, 0), 4);
    assert_int_equal(rw_json_lex_ws("   ", 3, 1), 3);
    assert_int_equal(rw_json_lex_ws("x ", 2, 0), 0);
    assert_int_equal(rw_json_lex_ws("\v", 1, 0), 0); /* not JSON whitespace */
    assert_int_equal(rw_json_lex_ws("\f", 1, 0), 0);
    assert_int_equal(rw_json_lex_ws("\xa0", 1, 0), 0);
    assert_int_equal(rw_json_lex_ws("", 0, 0), 0);
}

static void test_member_name(void **state)
{
    (void)state;
    size_t a, b, end;
    bool esc;
    rw_json_lex_err_t err;
    const char *s = " \"a\\u0062\" \t: 1";
    assert_int_equal(rw_json_lex_member_name(s, strlen(s), 0, 0, &a, &b, &esc, &end, &err), 0);
    assert_int_equal(a, 2);
    assert_int_equal(b, 9);
    assert_true(esc);
    assert_int_equal(end, 13);
    assert_true(rw_json_lex_string_equals(s + a, b - a, esc, "ab"));
    s = "\"k\":";
    assert_int_equal(rw_json_lex_member_name(s, strlen(s), 0, 0, &a, &b, &esc, &end, &err), 0);
    assert_false(esc);
    assert_int_equal(end, 4);

    static const struct {
        const char *in, *why;
        size_t off;
    } bad[] = {
        {"", "expected a member name", 0},
        {"  a:1", "expected a member name", 2},
        {"1:1", "expected a member name", 0},
        {"'a':1", "expected a member name", 0},
        {"\"a\" 1", "expected ':'", 4},
        {"\"a\"", "expected ':'", 3},
        {"\"a\x01\":1", "control character in a string", 2},
        {"\"\xff\":1", "invalid UTF-8", 1},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err.why = NULL;
        assert_int_equal(
            rw_json_lex_member_name(bad[i].in, strlen(bad[i].in), 0, 0, &a, &b, &esc, &end, &err),
            -EINVAL);
        assert_string_equal(err.why, bad[i].why);
        assert_int_equal(err.off, bad[i].off);
    }
    /* opaque names take what strict ones refuse */
    assert_int_equal(rw_json_lex_member_name("\"\xff\":1", 6, 0, RW_JSON_LEX_OPAQUE_TEXT, &a, &b,
                                             &esc, &end, &err),
                     0);
}

static void test_after_value(void **state)
{
    (void)state;
    size_t end = 0;
    rw_json_lex_err_t err;
    assert_int_equal(rw_json_lex_after_value(" , x", 4, 0, '}', &end, &err), 1);
    assert_int_equal(end, 2);
    assert_int_equal(rw_json_lex_after_value("\n}", 2, 0, '}', &end, &err), 0);
    assert_int_equal(end, 2);
    assert_int_equal(rw_json_lex_after_value("]", 1, 0, ']', &end, &err), 0);
    assert_int_equal(end, 1);
    assert_int_equal(rw_json_lex_after_value("  ", 2, 0, '}', &end, &err), -EINVAL);
    assert_string_equal(err.why, "unterminated object");
    assert_int_equal(err.off, 2);
    assert_int_equal(rw_json_lex_after_value("", 0, 0, ']', &end, &err), -EINVAL);
    assert_string_equal(err.why, "unterminated array");
    assert_int_equal(rw_json_lex_after_value(" ]", 2, 0, '}', &end, &err), -EINVAL);
    assert_string_equal(err.why, "expected ',' or '}'");
    assert_int_equal(err.off, 1);
    assert_int_equal(rw_json_lex_after_value("}", 1, 0, ']', &end, &err), -EINVAL);
    assert_string_equal(err.why, "expected ',' or ']'");
    assert_int_equal(rw_json_lex_after_value(" :", 2, 0, ']', &end, &err), -EINVAL);
    assert_int_equal(err.off, 1);
}

static void test_string_equals(void **state)
{
    (void)state;
    assert_true(rw_json_lex_string_equals("abc", 3, false, "abc"));
    assert_false(rw_json_lex_string_equals("abc", 3, false, "ab"));
    assert_false(rw_json_lex_string_equals("ab", 2, false, "abc"));
    assert_true(rw_json_lex_string_equals("\\u0061b\\u0063", 13, true, "abc"));
    assert_false(rw_json_lex_string_equals("\\u0061b\\u0063", 13, true, "abcd"));
    assert_false(rw_json_lex_string_equals("\\u0061b\\u0063", 13, true, "ab"));
    assert_true(
        rw_json_lex_string_equals("a\\\"\\\\\\/\\b\\f\\n\\r\\t", 17, true, "a\"\\/\b\f\n\r\t"));
    assert_true(rw_json_lex_string_equals("\\u00e9\\u20ac", 12, true, "\xc3\xa9\xe2\x82\xac"));
    assert_true(rw_json_lex_string_equals("\\ud83d\\udc33", 12, true, "\xf0\x9f\x90\xb3"));
    assert_true(rw_json_lex_string_equals("\xc3\xa9\\n", 4, true, "\xc3\xa9\n"));
    /* what opaque lexing lets through never matches */
    assert_false(rw_json_lex_string_equals("a\\u0000", 7, true, "a"));
    assert_false(rw_json_lex_string_equals("\\ud800", 6, true, "\xed\xa0\x80"));
    assert_false(rw_json_lex_string_equals("\\ud800\\u0041", 12, true,
                                           "\xed\xa0\x80"
                                           "A"));
    assert_false(rw_json_lex_string_equals("\\udc00", 6, true, "\xed\xb0\x80"));
    assert_true(rw_json_lex_string_equals("", 0, true, ""));
}

static void test_small_helpers(void **state)
{
    (void)state;
    char out[4];
    assert_int_equal(rw_json_lex_utf8_put(0x41, out), 1);
    assert_memory_equal(out, "A", 1);
    assert_int_equal(rw_json_lex_utf8_put(0x7ff, out), 2);
    assert_memory_equal(out, "\xdf\xbf", 2);
    assert_int_equal(rw_json_lex_utf8_put(0x20ac, out), 3);
    assert_memory_equal(out, "\xe2\x82\xac", 3);
    assert_int_equal(rw_json_lex_utf8_put(0xffff, out), 3);
    assert_memory_equal(out, "\xef\xbf\xbf", 3);
    assert_int_equal(rw_json_lex_utf8_put(0x1f433, out), 4);
    assert_memory_equal(out, "\xf0\x9f\x90\xb3", 4);
    assert_int_equal(rw_json_lex_utf8_put(0x10ffff, out), 4);
    assert_memory_equal(out, "\xf4\x8f\xbf\xbf", 4);

    const char *digits = "0123456789abcdefABCDEF";
    for (size_t i = 0; digits[i]; i++)
        assert_int_equal(rw_hex_digit(digits[i]), i < 16 ? (int)i : (int)i - 6);
    const char *not_digits = "gG/:@`xX -";
    for (size_t i = 0; not_digits[i]; i++)
        assert_int_equal(rw_hex_digit(not_digits[i]), -1);
    assert_int_equal(rw_hex_digit(0), -1);
    assert_int_equal(rw_hex_digit(0xb0), -1);
    assert_int_equal(rw_hex_digit(0x130), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_vectors), cmocka_unit_test(test_strings_agree_with_jansson),
        cmocka_unit_test(test_whitespace),    cmocka_unit_test(test_member_name),
        cmocka_unit_test(test_after_value),   cmocka_unit_test(test_string_equals),
        cmocka_unit_test(test_small_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
