/* Crash repair: a torn last line (a writer died mid-record) is reported by verify as a
 * torn tail, and the next append cuts it and writes a `recovery` record saying how many
 * bytes went, after which the log verifies again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <signal.h>
#include <sys/wait.h>

#include "audit_testlib.h"

static void append_raw(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(rw_write_all(fd, s, strlen(s)), 0);
    close(fd);
}

static void test_torn_tail_repaired(void **state)
{
    (void)state;
    tlog_t t;
    tlog_init(&t, 0, 0);
    for (int i = 0; i < 10; i++)
        assert_int_equal(tlog_append(&t, i), 0);
    const char *torn = "{\"seq\":11,\"prev\":\"abcdef0123";
    append_raw(t.path, torn);
    size_t len = 0;
    char *buf = tlog_read(t.path, &len);
    rw_audit_verify_report_t r = verify_buf(buf, len, NULL, NULL);
    assert_int_equal(r.verdict, RW_AUDIT_TORN);
    assert_int_equal(r.line, 11);
    assert_int_equal(r.torn_bytes, strlen(torn));
    free(buf);

    rw_audit_append_result_t res;
    rw_error_t *err = NULL;
    assert_int_equal(rw_audit_append(&t.o, "{\"event\":\"test\"}", true, &res, &err), 0);
    assert_int_equal(res.recovered_bytes, strlen(torn));
    assert_int_equal(res.seq, 12); /* 11 is the recovery record */
    buf = tlog_read(t.path, &len);
    r = verify_buf(buf, len, NULL, NULL);
    assert_int_equal(r.verdict, RW_AUDIT_INTACT);
    assert_int_equal(r.recoveries, 1);
    lines_t L;
    lines_split(buf, len, &L);
    assert_int_equal(L.n, 12);
    assert_non_null(strstr(L.l[10], "\"event\":\"recovery\""));
    char want[40];
    snprintf(want, sizeof(want), "\"cut_bytes\":%zu", strlen(torn));
    assert_non_null(strstr(L.l[10], want));
    lines_free(&L);
    free(buf);
    tlog_cleanup(&t);
}

static void test_only_a_torn_line(void **state)
{
    (void)state;
    tlog_t t;
    tlog_init(&t, 0, 0);
    char dir[160];
    snprintf(dir, sizeof(dir), "%s/log", t.dir);
    mkdir(dir, 0700);
    tlog_write(t.path, "{\"seq\":1,\"pr", 12);
    assert_int_equal(tlog_append(&t, 1), 0);
    size_t len = 0;
    char *buf = tlog_read(t.path, &len);
    rw_audit_verify_report_t r = verify_buf(buf, len, NULL, NULL);
    assert_int_equal(r.verdict, RW_AUDIT_INTACT);
    assert_true(r.genesis);
    assert_int_equal(r.recoveries, 1);
    assert_int_equal(r.records, 2);
    free(buf);
    tlog_cleanup(&t);
}

static void test_slow_writer_killed(void **state)
{
    (void)state;
    /* A writer that dies half-way through a record (the test seam writes in pieces). */
    tlog_t t;
    tlog_init(&t, 0, 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(tlog_append(&t, i), 0);
    pid_t p = fork();
    assert_true(p >= 0);
    if (p == 0) {
        rw_audit_log_test_slow_writes(16, 200000);
        tlog_append(&t, 99);
        _exit(0);
    }
    usleep(300000);
    kill(p, SIGKILL);
    int st;
    waitpid(p, &st, 0);
    size_t len = 0;
    char *buf = tlog_read(t.path, &len);
    rw_audit_verify_report_t r = verify_buf(buf, len, NULL, NULL);
    assert_int_equal(r.verdict, RW_AUDIT_TORN);
    assert_int_equal(r.line, 4);
    free(buf);
    /* the lock died with the writer; the next one repairs */
    assert_int_equal(tlog_append(&t, 4), 0);
    buf = tlog_read(t.path, &len);
    r = verify_buf(buf, len, NULL, NULL);
    assert_int_equal(r.verdict, RW_AUDIT_INTACT);
    assert_int_equal(r.recoveries, 1);
    free(buf);
    tlog_cleanup(&t);
}

static void test_damaged_last_line_stops_appends(void **state)
{
    (void)state;
    tlog_t t;
    tlog_init(&t, 0, 0);
    assert_int_equal(tlog_append(&t, 1), 0);
    append_raw(t.path, "not a record\n");
    rw_error_t *err = NULL;
    assert_true(rw_audit_append(&t.o, "{\"event\":\"x\"}", true, NULL, &err) < 0);
    assert_non_null(err);
    assert_non_null(strstr(err->msg, "verify"));
    rw_error_free(err);
    tlog_cleanup(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_torn_tail_repaired),
        cmocka_unit_test(test_only_a_torn_line),
        cmocka_unit_test(test_slow_writer_killed),
        cmocka_unit_test(test_damaged_last_line_stops_appends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
