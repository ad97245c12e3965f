/* Rotation: by size and on demand, the old file sealed and renamed PATH.<last seq>, the
 * new file's first record continuing the chain; verify across files; a missing middle
 * file is a chain break; only the newest file verifies as "starts mid-way". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "audit_testlib.h"
#include "common/cleanup.h"

static rw_audit_verify_report_t verify_files(char **files, const uint8_t *k0)
{
    rw_audit_verifier_t *v = rw_audit_verifier_new();
    if (k0)
        rw_audit_verifier_add_key(v, k0);
    size_t n = 0;
    while (files[n])
        n++;
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        char *b = tlog_read(files[i], &len);
        assert_non_null(b);
        rw_audit_verifier_feed(v, files[i], b, len, i + 1 == n);
        free(b);
    }
    rw_audit_verify_report_t r = *rw_audit_verifier_report(v);
    rw_audit_verifier_free(v);
    return r;
}

static void test_rotate_by_size(void **state)
{
    (void)state;
    tlog_t t;
    tlog_init(&t, 0, 65536);
    uint8_t k0[32];
    tlog_keygen(&t, k0);
    /* ~1 KB records: several rotations */
    char body[1200];
    for (int i = 0; i < 300; i++) {
        int n = snprintf(body, sizeof(body), "{\"event\":\"test\",\"i\":%d,\"pad\":\"", i);
        memset(body + n, 'x', 1000);
        snprintf(body + n + 1000, sizeof(body) - (size_t)n - 1000, "\"}");
        rw_error_t *err = NULL;
        assert_int_equal(rw_audit_append(&t.o, body, false, NULL, &err), 0);
    }
    cleanup_strv char **files = NULL;
    rw_error_t *err = NULL;
    assert_int_equal(rw_audit_log_files(t.path, &files, &err), 0);
    size_t n = 0;
    while (files[n])
        n++;
    assert_true(n >= 4);
    assert_string_equal(files[n - 1], t.path);
    for (size_t i = 0; i + 1 < n; i++) {
        struct stat st;
        assert_int_equal(stat(files[i], &st), 0);
        assert_true(st.st_size <= 65536 + 2048);
        /* every rotated file ends with a seal */
        size_t len = 0;
        char *b = tlog_read(files[i], &len);
        lines_t L;
        lines_split(b, len, &L);
        assert_non_null(strstr(L.l[L.n - 1], "\"event\":\"seal\""));
        assert_non_null(strstr(L.l[L.n - 1], "\"reason\":\"rotate\""));
        lines_free(&L);
        free(b);
    }
    rw_audit_verify_report_t r = verify_files(files, k0);
    assert_int_equal(r.verdict, RW_AUDIT_INTACT);
    assert_int_equal(r.files, n);
    assert_true(r.genesis);
    assert_int_equal(r.seals, r.seals_verified);
    assert_true(r.seals >= n - 1);

    /* the newest file alone: intact, but the chain starts mid-way */
    char *last[2] = {files[n - 1], NULL};
    r = verify_files(last, k0);
    assert_int_equal(r.verdict, RW_AUDIT_INTACT);
    assert_false(r.genesis);

    /* a rotated file removed from the middle: the chain breaks at the next file */
    char **gap = calloc(n + 1, sizeof(char *));
    size_t g = 0;
    for (size_t i = 0; i < n; i++)
        if (i != 1)
            gap[g++] = files[i];
    r = verify_files(gap, k0);
    assert_int_equal(r.verdict, RW_AUDIT_TAMPERED);
    assert_int_equal(r.problem, RW_AUDIT_P_DELETED);
    assert_string_equal(r.file, files[2]);
    assert_int_equal(r.line, 1);
    free(gap);
    tlog_cleanup(&t);
}

static void test_rotate_command_and_empty_live_file(void **state)
{
    (void)state;
    tlog_t t;
    tlog_init(&t, 0, 0);
    for (int i = 0; i < 5; i++)
        assert_int_equal(tlog_append(&t, i), 0);
    rw_audit_log_t *l = NULL;
    rw_error_t *err = NULL;
    assert_int_equal(rw_audit_log_open(&t.o, &l, &err), 0);
    assert_int_equal(rw_audit_log_rotate(l, "command", &err), 0);
    assert_int_equal(l->last_seq, 6); /* no key: no seal, just the rotate record */
    rw_audit_log_close(l);
    char rotated[200];
    snprintf(rotated, sizeof(rotated), "%s.000000000005", t.path);
    struct stat st;
    assert_int_equal(stat(rotated, &st), 0);
    /* the live file vanishes: the chain continues from the rotated file, and a recovery
     * record says the live file was missing */
    unlink(t.path);
    assert_int_equal(tlog_append(&t, 6), 0);
    size_t len = 0;
    char *b = tlog_read(t.path, &len);
    assert_non_null(strstr(b, "\"seq\":6,"));
    assert_non_null(strstr(b, "live log file was missing"));
    free(b);
    cleanup_strv char **files = NULL;
    assert_int_equal(rw_audit_log_files(t.path, &files, &err), 0);
    rw_audit_verify_report_t r = verify_files(files, NULL);
    assert_int_equal(r.verdict, RW_AUDIT_INTACT);
    assert_int_equal(r.last_seq, 7);
    assert_int_equal(r.recoveries, 1);
    tlog_cleanup(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rotate_by_size),
        cmocka_unit_test(test_rotate_command_and_empty_live_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
