/* Tampering with a sealed log, each case detected at the right line: a flipped byte, a
 * deleted record, two swapped records, an inserted forged record, a mid-line truncation,
 * a record rewritten with the chain recomputed and re-sealed with a forged key (or with a
 * key stolen later), seals cut off the end, a wrong verification key. Also pins down the
 * documented limit: the unsealed tail is protected by the chain only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/random.h>

#include <cmocka.h>

#include "audit/log_line.h"
#include "audit_testlib.h"

typedef struct fixture {
    tlog_t t;
    uint8_t k0[32];
    char *buf;
    size_t len;
    lines_t L;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    tlog_init(&f->t, 5, 0);
    tlog_keygen(&f->t, f->k0);
    for (int i = 0; i < 30; i++)
        if (tlog_append(&f->t, i) < 0)
            return -1;
    f->buf = tlog_read(f->t.path, &f->len);
    lines_split(f->buf, f->len, &f->L);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    lines_free(&f->L);
    free(f->buf);
    tlog_cleanup(&f->t);
    free(f);
    return 0;
}

static bool is_seal(const char *l)
{
    return strstr(l, "\"event\":\"seal\"") != NULL;
}

/* 1-based index of the n-th record line (not a seal) at or after line `from`. */
static size_t record_line(const fixture_t *f, size_t from)
{
    for (size_t i = from - 1; i < f->L.n; i++)
        if (!is_seal(f->L.l[i]))
            return i + 1;
    fail();
    return 0;
}

static rw_audit_verify_report_t check(fixture_t *f, char **l, size_t n, bool with_key)
{
    size_t len = 0;
    char *b = lines_join(l, n, &len);
    rw_audit_verify_report_t r = verify_buf(b, len, with_key ? f->k0 : NULL, NULL);
    free(b);
    return r;
}

static char **copy_lines(const fixture_t *f)
{
    char **l = calloc(f->L.n + 2, sizeof(char *));
    for (size_t i = 0; i < f->L.n; i++)
        l[i] = strdup(f->L.l[i]);
    return l;
}

static void free_lines(char **l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

static void test_intact(void **state)
{
    fixture_t *f = *state;
    rw_audit_verify_report_t r = verify_buf(f->buf, f->len, f->k0, NULL);
    assert_int_equal(r.verdict, RW_AUDIT_INTACT);
    assert_true(r.seals >= 5);
    assert_int_equal(r.seals, r.seals_verified);
    rw_audit_key_t st;
    rw_error_t *err = NULL;
    assert_int_equal(rw_audit_key_load(f->t.key, &st, &err), 0);
    r = verify_buf(f->buf, f->len, f->k0, &st);
    assert_int_equal(r.verdict, RW_AUDIT_INTACT);
    assert_true(r.state_checked);
}

static void test_flipped_byte(void **state)
{
    fixture_t *f = *state;
    size_t k = record_line(f, 13);
    for (int with_key = 0; with_key < 2; with_key++) {
        char **l = copy_lines(f);
        char *pad = strstr(l[k - 1], "\"pad\":\"");
        assert_non_null(pad);
        pad[8] ^= 0x01; /* '0' -> '1' */
        rw_audit_verify_report_t r = check(f, l, f->L.n, with_key);
        assert_int_equal(r.verdict, RW_AUDIT_TAMPERED);
        assert_int_equal(r.problem, RW_AUDIT_P_MODIFIED);
        assert_int_equal(r.line, k);
        free_lines(l, f->L.n);
    }
    /* a flip inside the seq number of a record */
    char **l = copy_lines(f);
    l[k - 1][7] = l[k - 1][7] == '9' ? '8' : '9';
    rw_audit_verify_report_t r = check(f, l, f->L.n, true);
    assert_int_equal(r.problem, RW_AUDIT_P_MODIFIED);
    assert_int_equal(r.line, k);
    free_lines(l, f->L.n);
    /* a flip inside the prev hash of a record */
    l = copy_lines(f);
    char *p = strstr(l[k - 1], "\"prev\":\"") + 8;
    p[5] = p[5] == 'a' ? 'b' : 'a';
    r = check(f, l, f->L.n, true);
    assert_int_equal(r.problem, RW_AUDIT_P_MODIFIED);
    assert_int_equal(r.line, k);
    free_lines(l, f->L.n);
}

static void test_deleted_record(void **state)
{
    fixture_t *f = *state;
    size_t k = record_line(f, 13);
    char **l = copy_lines(f);
    char *gone = l[k - 1];
    memmove(&l[k - 1], &l[k], (f->L.n - k) * sizeof(char *));
    rw_audit_verify_report_t r = check(f, l, f->L.n - 1, false);
    assert_int_equal(r.problem, RW_AUDIT_P_DELETED);
    assert_int_equal(r.line, k);
    char want[64];
    snprintf(want, sizeof(want), "seq %zu..%zu", k, k);
    assert_non_null(strstr(r.msg, want));
    l[f->L.n - 1] = gone;
    free_lines(l, f->L.n);
}

static void test_swapped_records(void **state)
{
    fixture_t *f = *state;
    size_t k = record_line(f, 12);
    if (is_seal(f->L.l[k]))
        k = record_line(f, k + 2);
    char **l = copy_lines(f);
    char *tmp = l[k - 1];
    l[k - 1] = l[k];
    l[k] = tmp;
    rw_audit_verify_report_t r = check(f, l, f->L.n, true);
    assert_int_equal(r.problem, RW_AUDIT_P_REORDERED);
    assert_int_equal(r.line, k);
    free_lines(l, f->L.n);
}

static void test_inserted_forged_record(void **state)
{
    fixture_t *f = *state;
    size_t k = record_line(f, 12); /* forged line goes after line k */
    /* a careful forger: next seq and a correct prev link */
    uint8_t h[32];
    rw_sha256(f->L.l[k - 1], strlen(f->L.l[k - 1]), h);
    rw_audit_line_t pl;
    assert_int_equal(rw_audit_line_parse(f->L.l[k - 1], strlen(f->L.l[k - 1]), &pl), 0);
    char pre[128];
    rw_audit_line_prefix(pl.seq + 1, h, pre);
    char forged[400];
    snprintf(forged, sizeof(forged), "%s\"event\":\"create\",\"who\":{\"loginuid\":0}}", pre);
    char **l = calloc(f->L.n + 2, sizeof(char *));
    size_t n = 0;
    for (size_t i = 0; i < f->L.n; i++) {
        l[n++] = strdup(f->L.l[i]);
        if (i + 1 == k)
            l[n++] = strdup(forged);
    }
    rw_audit_verify_report_t r = check(f, l, n, false);
    assert_int_equal(r.problem, RW_AUDIT_P_INSERTED);
    assert_int_equal(r.line, k + 1);
    /* a careless one: garbage */
    free(l[k]);
    l[k] = strdup("{\"event\":\"create\"}");
    r = check(f, l, n, false);
    assert_int_equal(r.problem, RW_AUDIT_P_INSERTED);
    assert_int_equal(r.line, k + 1);
    free_lines(l, n);
}

static void test_mid_line_truncation(void **state)
{
    fixture_t *f = *state;
    /* cut in the middle of line 17 */
    size_t off = 0;
    for (size_t i = 0; i < 16; i++)
        off += strlen(f->L.l[i]) + 1;
    size_t cut = off + strlen(f->L.l[16]) / 2;
    rw_audit_verify_report_t r = verify_buf(f->buf, cut, f->k0, NULL);
    assert_int_equal(r.verdict, RW_AUDIT_TORN);
    assert_int_equal(r.problem, RW_AUDIT_P_TRUNCATED);
    assert_int_equal(r.line, 17);
    assert_int_equal(r.torn_bytes, strlen(f->L.l[16]) / 2);
}

/* Rewrites line k's body, recomputes every later prev, and re-MACs each seal with
 * key_for(epoch). */
static void rewrite_and_reseal(char **l, size_t n, size_t k, const uint8_t *forged_key,
                               const uint8_t *stolen_k0, uint64_t stolen_epoch)
{
    char *n12 = strstr(l[k - 1], "\"n\":");
    assert_non_null(n12);
    n12[4] = n12[4] == '9' ? '8' : '9';
    for (size_t i = k; i < n; i++) {
        uint8_t h[32];
        rw_sha256(l[i - 1], strlen(l[i - 1]), h);
        char hex[65];
        rw_hex(h, 32, hex);
        memcpy(strstr(l[i], "\"prev\":\"") + 8, hex, 64);
        if (!is_seal(l[i]))
            continue;
        uint8_t mac[32];
        size_t off = rw_audit_line_mac_offset(l[i], strlen(l[i]), mac);
        assert_true(off > 0);
        uint8_t key[32];
        if (forged_key)
            memcpy(key, forged_key, 32);
        else
            rw_audit_key_derive(stolen_k0, stolen_epoch, key);
        rw_audit_seal_mac(key, l[i], off, mac);
        char mhex[65];
        rw_hex(mac, 32, mhex);
        memcpy(l[i] + off + 8, mhex, 64);
    }
}

static size_t first_seal_after(const fixture_t *f, size_t k)
{
    for (size_t i = k; i < f->L.n; i++)
        if (is_seal(f->L.l[i]))
            return i + 1;
    fail();
    return 0;
}

static void test_rewritten_and_resealed_with_forged_key(void **state)
{
    fixture_t *f = *state;
    size_t k = record_line(f, 8);
    uint8_t forged[32];
    assert_int_equal(getrandom(forged, 32, 0), 32);
    char **l = copy_lines(f);
    rewrite_and_reseal(l, f->L.n, k, forged, NULL, 0);
    /* the chain alone cannot see it: the forger recomputed it */
    rw_audit_verify_report_t r = check(f, l, f->L.n, false);
    assert_int_equal(r.verdict, RW_AUDIT_INTACT);
    /* the seals can */
    r = check(f, l, f->L.n, true);
    assert_int_equal(r.problem, RW_AUDIT_P_BAD_SEAL);
    assert_int_equal(r.line, first_seal_after(f, k));
    free_lines(l, f->L.n);
}

static void test_resealed_with_key_stolen_later(void **state)
{
    fixture_t *f = *state;
    /* root gets in now: the host holds only the current key */
    rw_audit_key_t st;
    rw_error_t *err = NULL;
    assert_int_equal(rw_audit_key_load(f->t.key, &st, &err), 0);
    assert_true(st.epoch >= 5);
    size_t k = record_line(f, 8);
    char **l = copy_lines(f);
    rewrite_and_reseal(l, f->L.n, k, st.key, NULL, 0);
    rw_audit_verify_report_t r = check(f, l, f->L.n, true);
    assert_int_equal(r.problem, RW_AUDIT_P_BAD_SEAL);
    assert_int_equal(r.line, first_seal_after(f, k));
    /* and evolving the stolen key forward does not help either */
    rewrite_and_reseal(l, f->L.n, k, NULL, st.key, 3);
    r = check(f, l, f->L.n, true);
    assert_int_equal(r.problem, RW_AUDIT_P_BAD_SEAL);
    free_lines(l, f->L.n);
}

static void test_sealed_end_cut_off(void **state)
{
    fixture_t *f = *state;
    /* keep everything up to and including the 3rd seal: a clean cut at a line boundary */
    size_t seals = 0, keep = 0;
    for (size_t i = 0; i < f->L.n; i++)
        if (is_seal(f->L.l[i]) && ++seals == 3) {
            keep = i + 1;
            break;
        }
    assert_true(keep > 0);
    char **l = copy_lines(f);
    size_t len = 0;
    char *b = lines_join(l, keep, &len);
    rw_audit_verify_report_t r = verify_buf(b, len, f->k0, NULL);
    assert_int_equal(r.verdict, RW_AUDIT_INTACT); /* the file alone cannot tell */
    rw_audit_key_t st;
    rw_error_t *err = NULL;
    assert_int_equal(rw_audit_key_load(f->t.key, &st, &err), 0);
    r = verify_buf(b, len, f->k0, &st); /* the host key state can */
    assert_int_equal(r.verdict, RW_AUDIT_TAMPERED);
    assert_int_equal(r.problem, RW_AUDIT_P_TRUNCATED);
    assert_int_equal(r.line, keep);
    r = verify_buf(b, len, NULL, &st); /* even without the verification key */
    assert_int_equal(r.problem, RW_AUDIT_P_TRUNCATED);
    free(b);
    free_lines(l, f->L.n);
}

static void test_wrong_key_and_bad_mac(void **state)
{
    fixture_t *f = *state;
    uint8_t other[32];
    memset(other, 7, sizeof(other));
    rw_audit_verify_report_t r = verify_buf(f->buf, f->len, other, NULL);
    assert_int_equal(r.problem, RW_AUDIT_P_BAD_SEAL);
    assert_int_equal(r.line, first_seal_after(f, 1));
    assert_non_null(strstr(r.msg, "not among the given verification keys"));

    size_t s = first_seal_after(f, 10);
    char **l = copy_lines(f);
    char *m = strstr(l[s - 1], "\"mac\":\"") + 7;
    m[3] = m[3] == 'a' ? 'b' : 'a';
    r = check(f, l, f->L.n, true);
    assert_int_equal(r.problem, RW_AUDIT_P_BAD_SEAL);
    assert_int_equal(r.line, s);
    free_lines(l, f->L.n);
}

static void test_unsealed_tail_is_chain_only(void **state)
{
    fixture_t *f = *state;
    /* two more records after the last seal (seq 38, 39: the next seal comes after 40);
     * then rewrite the very last one */
    for (int i = 0; i < 2; i++)
        assert_int_equal(tlog_append(&f->t, 100 + i), 0);
    size_t len = 0;
    char *buf = tlog_read(f->t.path, &len);
    lines_t L;
    lines_split(buf, len, &L);
    rw_audit_verify_report_t r = verify_buf(buf, len, f->k0, NULL);
    assert_int_equal(r.verdict, RW_AUDIT_INTACT);
    assert_true(r.unsealed >= 2);
    char *last = L.l[L.n - 1];
    char *n = strstr(last, "\"n\":");
    n[4] = n[4] == '9' ? '8' : '9';
    size_t l2 = 0;
    char *b2 = lines_join(L.l, L.n, &l2);
    r = verify_buf(b2, l2, f->k0, NULL);
    /* Documented limit: no later line or seal vouches for the last line yet. */
    assert_int_equal(r.verdict, RW_AUDIT_INTACT);
    assert_true(r.unsealed >= 2);
    free(b2);
    lines_free(&L);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_intact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flipped_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deleted_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_swapped_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inserted_forged_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mid_line_truncation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rewritten_and_resealed_with_forged_key, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_resealed_with_key_stolen_later, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sealed_end_cut_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_key_and_bad_mac, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsealed_tail_is_chain_only, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
