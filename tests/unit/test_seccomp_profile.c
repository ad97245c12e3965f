/* The strict profile reader: each bad profile in tests/data/seccomp/bad is refused with
 * file, JSON path and reason (expect.tsv); errno and minKernel grammars; strictness about
 * keys; and the containers default profile reads without a warning. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "profiles/seccomp_profile.h"
#include "seccomp_testlib.h"

static void test_bad_profiles(void **state)
{
    (void)state;
    char *tsv = st_data_path("bad/expect.tsv");
    FILE *f = fopen(tsv, "re");
    assert_non_null(f);
    char line[1024];
    int n = 0;
    while (fgets(line, sizeof(line), f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        line[strcspn(line, "\n")] = '\0';
        char *file = line, *path = strchr(file, '\t');
        assert_non_null(path);
        *path++ = '\0';
        char *reason = strchr(path, '\t');
        assert_non_null(reason);
        *reason++ = '\0';
        char *rel = NULL;
        assert_true(asprintf(&rel, "bad/%s", file) > 0);
        char *full = st_data_path(rel);
        free(rel);
        rw_seccomp_profile_t *p = NULL;
        rw_error_t *err = NULL;
        int r = rw_seccomp_profile_load(full, RW_SECCOMP_DIALECT_CONTAINERS, &p, NULL, &err);
        if (r >= 0 || !err)
            fail_msg("%s: accepted", file);
        if (!strstr(err->msg, full) || !strstr(err->msg, path) || !strstr(err->msg, reason))
            fail_msg("%s: message lacks file/path/reason: %s", file, err->msg);
        rw_error_free(err);
        free(full);
        n++;
    }
    fclose(f);
    free(tsv);
    assert_int_equal(n, 6);
}

static int parse(const char *txt, rw_seccomp_dialect_t d, rw_seccomp_warnings_t *w,
                 rw_error_t **err)
{
    rw_seccomp_profile_t *p = NULL;
    int r = rw_seccomp_profile_parse(txt, strlen(txt), "p.json", d, &p, w, err);
    rw_seccomp_profile_free(p);
    return r;
}

static void expect_error(const char *txt, const char *msg)
{
    rw_error_t *err = NULL;
    if (parse(txt, RW_SECCOMP_DIALECT_CONTAINERS, NULL, &err) >= 0)
        fail_msg("accepted: %s", txt);
    if (!strstr(err->msg, msg))
        fail_msg("expected '%s' in '%s'", msg, err->msg);
    rw_error_free(err);
}

static void test_strictness(void **state)
{
    (void)state;
    expect_error("[]", "$: a seccomp profile must be a JSON object");
    expect_error("{\"defaultaction\":\"SCMP_ACT_ERRNO\"}",
                 "$.defaultaction: unknown key (keys are case-sensitive here; write "
                 "'defaultAction')");
    expect_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"bogus\":1}", "$.bogus: unknown key");
    expect_error("{\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]}",
                 "$.defaultAction: required");
    expect_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"]}]}",
                 "$.syscalls[0].action: required");
    expect_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"\"],"
                 "\"action\":\"SCMP_ACT_ALLOW\"}]}",
                 "$.syscalls[0].names[0]: must not be empty");
    expect_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[null]}",
                 "$.syscalls[0]: must be an object");
    expect_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],"
                 "\"action\":\"SCMP_ACT_ALLOW\",\"errno\":\"EPERM\"}]}",
                 "crun refuses errno values");
    expect_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],"
                 "\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":-1,\"op\":"
                 "\"SCMP_CMP_EQ\"}]}]}",
                 "$.syscalls[0].args[0].value: -1 is negative");
    expect_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],"
                 "\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":1,\"op\":"
                 "\"SCMP_CMP_IN\"}]}]}",
                 "$.syscalls[0].args[0].op: unknown operator 'SCMP_CMP_IN'");
    expect_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],"
                 "\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"op\":\"SCMP_CMP_EQ\"},"
                 "{\"index\":1,\"op\":\"SCMP_CMP_EQ\"},{\"index\":2,\"op\":\"SCMP_CMP_EQ\"},"
                 "{\"index\":3,\"op\":\"SCMP_CMP_EQ\"},{\"index\":4,\"op\":\"SCMP_CMP_EQ\"},"
                 "{\"index\":5,\"op\":\"SCMP_CMP_EQ\"},{\"index\":0,\"op\":\"SCMP_CMP_EQ\"}]}]}",
                 "7 conditions; crun reads only the first 6");
    expect_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":5000}",
                 "$.defaultErrnoRet: errno 5000 is above 4095");
    expect_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"flags\":[\"SECCOMP_FILTER_FLAG_X\"]}",
                 "$.flags[0]: unknown flag");
    expect_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_NATIVE\"]}",
                 "$.architectures[0]: SCMP_ARCH_NATIVE");
    expect_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"archMap\":[{\"architecture\":"
                 "\"SCMP_ARCH_X86_64\",\"subArchitectures\":[\"SCMP_ARCH_Q\"]}]}",
                 "$.archMap[0].subArchitectures[0]: unknown architecture");
    expect_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"listenerPath\":\"x.sock\"}",
                 "$.listenerPath: 'x.sock' must be an absolute path");
    expect_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],"
                 "\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"minKernel\":\"0.0\"}}]}",
                 "not a kernel version");
    /* Go's decoder accepts null wherever a value is optional; so do we. */
    rw_error_t *err = NULL;
    assert_int_equal(parse("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":null,"
                           "\"architectures\":null,\"syscalls\":[{\"names\":[\"read\"],"
                           "\"action\":\"SCMP_ACT_ALLOW\",\"args\":null,\"includes\":null,"
                           "\"comment\":null}]}",
                           RW_SECCOMP_DIALECT_CONTAINERS, NULL, &err),
                     0);
}

static void test_errno_and_kernel_grammar(void **state)
{
    (void)state;
    uint32_t v = 0;
    assert_int_equal(rw_seccomp_errno_parse("EPERM", &v), 0);
    assert_int_equal(v, EPERM);
    assert_int_equal(rw_seccomp_errno_parse("ENOSYS", &v), 0);
    assert_int_equal(v, ENOSYS);
    assert_int_equal(rw_seccomp_errno_parse("13", &v), 0);
    assert_int_equal(v, 13);
    assert_int_equal(rw_seccomp_errno_parse("013", &v), 0);
    assert_int_equal(v, 13);
    assert_int_equal(rw_seccomp_errno_parse("4294967295", &v), 0);
    assert_int_equal(v, 4294967295u);
    assert_int_equal(rw_seccomp_errno_parse("4294967296", &v), -EINVAL);
    assert_int_equal(rw_seccomp_errno_parse("+1", &v), -EINVAL);
    assert_int_equal(rw_seccomp_errno_parse("0x10", &v), -EINVAL);
    assert_int_equal(rw_seccomp_errno_parse("eperm", &v), -EINVAL);
    assert_int_equal(rw_seccomp_errno_parse("EOWNERDEAD", &v), 0);
    assert_int_equal(v, EOWNERDEAD);
    unsigned a = 0, b = 0;
    assert_int_equal(rw_seccomp_min_kernel_parse("4.8", &a, &b), 0);
    assert_int_equal(a, 4);
    assert_int_equal(b, 8);
    assert_int_equal(rw_seccomp_min_kernel_parse("255.255", &a, &b), 0);
    assert_int_equal(rw_seccomp_min_kernel_parse("256.1", &a, &b), -EINVAL);
    assert_int_equal(rw_seccomp_min_kernel_parse("0.0", &a, &b), -EINVAL);
    assert_int_equal(rw_seccomp_min_kernel_parse("0.1", &a, &b), 0);
    assert_int_equal(rw_seccomp_min_kernel_parse("4", &a, &b), -EINVAL);
    assert_int_equal(rw_seccomp_min_kernel_parse("4.8.1", &a, &b), -EINVAL);
    assert_int_equal(rw_seccomp_min_kernel_parse("4.x", &a, &b), -EINVAL);
    assert_int_equal(rw_seccomp_min_kernel_parse(".8", &a, &b), -EINVAL);
}

static void test_upstream_defaults_read_clean(void **state)
{
    (void)state;
    const char *files[] = {"/usr/share/containers/seccomp.json", NULL};
    for (const char **f = files; *f; f++) {
        if (access(*f, R_OK) != 0)
            continue;
        rw_seccomp_profile_t *p = NULL;
        rw_seccomp_warnings_t w = {0};
        rw_error_t *err = NULL;
        assert_int_equal(rw_seccomp_profile_load(*f, RW_SECCOMP_DIALECT_CONTAINERS, &p, &w, &err),
                         0);
        assert_int_equal(w.n, 0);
        assert_true(p->n_blocks > 20);
        assert_true(p->has_default_errno);
        assert_int_equal(p->default_errno, ENOSYS);
        rw_seccomp_profile_free(p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_profiles),
        cmocka_unit_test(test_strictness),
        cmocka_unit_test(test_errno_and_kernel_grammar),
        cmocka_unit_test(test_upstream_defaults_read_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
