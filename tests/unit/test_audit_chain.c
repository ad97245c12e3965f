/* The audit log's hash chain: line format, appends, the chain head read back from the
 * tail, concurrent writers from several processes, and verify over an intact log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "audit/log_line.h"
#include "audit_testlib.h"

static void test_line_parse(void **state)
{
    (void)state;
    rw_audit_line_t pl;
    const char *ok = "{\"seq\":12,\"prev\":\"00000000000000000000000000000000000000000000000"
                     "00000000000000000\",\"event\":\"create\",\"x\":1}";
    assert_int_equal(rw_audit_line_parse(ok, strlen(ok), &pl), 0);
    assert_int_equal(pl.seq, 12);
    assert_string_equal(pl.event, "create");
    const char *bad[] = {
        "",
        "{}",
        "{\"seq\":012,\"prev\":"
        "\"0000000000000000000000000000000000000000000000000000000000000000\",\"event\":\"a\"}",
        "{\"seq\":1,\"prev\":\"000000000000000000000000000000000000000000000000000000000000000\","
        "\"event\":\"a\"}",
        "{\"seq\":1,\"prev\":\"000000000000000000000000000000000000000000000000000000000000000A\","
        "\"event\":\"a\"}",
        "{\"seq\":1,\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\","
        "\"event\":\"A\"}",
        "{\"seq\":1,\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\","
        "\"event\":\"a\"",
        "{\"seq\":99999999999999999999999,\"prev\":"
        "\"0000000000000000000000000000000000000000000000000000000000000000\",\"event\":\"a\"}",
        "{\"seq\":1,\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\","
        "\"event\":\"a\"x}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(rw_audit_line_parse(bad[i], strlen(bad[i]), &pl), -EBADMSG);
    uint8_t z[32] = {0};
    char pre[128];
    size_t n = rw_audit_line_prefix(7, z, pre);
    assert_int_equal(n, strlen(pre));
    assert_true(strncmp(pre, "{\"seq\":7,\"prev\":\"0000", 21) == 0);
}

static void test_append_and_chain(void **state)
{
    (void)state;
    tlog_t t;
    tlog_init(&t, 0, 0);
    for (int i = 0; i < 50; i++)
        assert_int_equal(tlog_append(&t, i), 0);
    struct stat st;
    assert_int_equal(stat(t.path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char dir[160];
    snprintf(dir, sizeof(dir), "%s/log", t.dir);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);

    size_t len = 0;
    char *buf = tlog_read(t.path, &len);
    assert_non_null(buf);
    lines_t L;
    lines_split(buf, len, &L);
    assert_int_equal(L.n, 50);
    uint8_t prev[32] = {0};
    for (size_t i = 0; i < L.n; i++) {
        rw_audit_line_t pl;
        assert_int_equal(rw_audit_line_parse(L.l[i], strlen(L.l[i]), &pl), 0);
        assert_int_equal(pl.seq, i + 1);
        assert_memory_equal(pl.prev, prev, 32);
        rw_sha256(L.l[i], strlen(L.l[i]), prev);
    }
    rw_audit_verify_report_t r = verify_buf(buf, len, NULL, NULL);
    assert_int_equal(r.verdict, RW_AUDIT_INTACT);
    assert_int_equal(r.records, 50);
    assert_true(r.genesis);
    assert_int_equal(r.unsealed, 50);

    /* the head as the next writer sees it */
    int fd = open(t.path, O_RDONLY | O_CLOEXEC);
    rw_audit_tail_t tail;
    rw_error_t *err = NULL;
    assert_int_equal(rw_audit_tail_read(fd, len, t.path, &tail, &err), 0);
    close(fd);
    assert_int_equal(tail.last_seq, 50);
    assert_memory_equal(tail.last_hash, prev, 32);
    assert_int_equal(tail.good_size, len);
    lines_free(&L);
    free(buf);
    tlog_cleanup(&t);
}

static void test_body_must_start_with_event(void **state)
{
    (void)state;
    tlog_t t;
    tlog_init(&t, 0, 0);
    rw_error_t *err = NULL;
    assert_true(rw_audit_append(&t.o, "{\"x\":1}", true, NULL, &err) < 0);
    rw_error_free(err);
    err = NULL;
    assert_true(rw_audit_append(&t.o, "{\"event\":\"a\",\n\"x\":1}", true, NULL, &err) < 0);
    rw_error_free(err);
    tlog_cleanup(&t);
}

static void test_parallel_writers(void **state)
{
    (void)state;
    tlog_t t;
    tlog_init(&t, 16, 0);
    uint8_t k0[32];
    tlog_keygen(&t, k0);
    enum { PROCS = 8, EACH = 40 };
    pid_t pids[PROCS];
    for (int p = 0; p < PROCS; p++) {
        pids[p] = fork();
        assert_true(pids[p] >= 0);
        if (pids[p] == 0) {
            for (int i = 0; i < EACH; i++)
                if (tlog_append(&t, p * 1000 + i) < 0)
                    _exit(1);
            _exit(0);
        }
    }
    for (int p = 0; p < PROCS; p++) {
        int st = 0;
        assert_int_equal(waitpid(pids[p], &st, 0), pids[p]);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    size_t len = 0;
    char *buf = tlog_read(t.path, &len);
    rw_audit_verify_report_t r = verify_buf(buf, len, k0, NULL);
    assert_int_equal(r.verdict, RW_AUDIT_INTACT);
    assert_int_equal(r.records, PROCS * EACH);
    /* one seal after every record whose seq is a multiple of 16 */
    assert_true(r.seals >= (PROCS * EACH) / 16);
    assert_int_equal(r.seals, r.seals_verified);
    free(buf);
    tlog_cleanup(&t);
}

static void test_refuses_symlink_log(void **state)
{
    (void)state;
    tlog_t t;
    tlog_init(&t, 0, 0);
    assert_int_equal(tlog_append(&t, 1), 0);
    char target[160], link[160];
    snprintf(target, sizeof(target), "%s/elsewhere", t.dir);
    snprintf(link, sizeof(link), "%s/log/audit2.jsonl", t.dir);
    tlog_write(target, "", 0);
    assert_int_equal(symlink(target, link), 0);
    rw_audit_log_opts_t o = t.o;
    o.path = link;
    rw_error_t *err = NULL;
    assert_true(rw_audit_append(&o, "{\"event\":\"a\"}", true, NULL, &err) < 0);
    assert_non_null(err);
    assert_non_null(strstr(err->msg, "symbolic link"));
    rw_error_free(err);
    tlog_cleanup(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_parse),
        cmocka_unit_test(test_append_and_chain),
        cmocka_unit_test(test_body_must_start_with_event),
        cmocka_unit_test(test_parallel_writers),
        cmocka_unit_test(test_refuses_symlink_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
