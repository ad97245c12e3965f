/* Compilation as crun builds the filter (tests/data/seccomp/compile_vectors.json: OCI section,
 * syscalls with arguments, expected decision from the interpreter), and the binary-tree
 * program deciding exactly as libseccomp's default one for the default profile. */
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

#include "profiles/seccomp_compile.h"
#include "profiles/seccomp_equiv.h"
#include "profiles/seccomp_profile.h"
#include "profiles/seccomp_resolve.h"
#include "seccomp_testlib.h"

static int compile_json(json_t *j, bool fail_unknown, int optimize, rw_seccomp_filter_t *f,
                        rw_error_t **err)
{
    rw_seccomp_oci_t *o = st_oci(j);
    if (!o)
        return -EINVAL;
    rw_seccomp_compile_opts_t co = {.fail_unknown = fail_unknown, .optimize = optimize};
    int r = rw_seccomp_filter_get(o, &co, NULL, f, err);
    if (r >= 0)
        r = rw_seccomp_bpf_validate(f->insns, f->n, err);
    rw_seccomp_oci_free(o);
    return r;
}

static int run_vector(json_t *v, int optimize)
{
    const char *name = json_string_value(json_object_get(v, "name"));
    const char *error = json_string_value(json_object_get(v, "error"));
    bool fail_unknown = json_is_true(json_object_get(v, "fail_unknown"));
    rw_seccomp_filter_t f = {0};
    rw_error_t *err = NULL;
    int failed = 0;
    int r = compile_json(json_object_get(v, "oci"), fail_unknown, optimize, &f, &err);
    if (error) {
        if (r >= 0 || !err || !strstr(err->msg, error)) {
            fprintf(stderr, "[%s] expected error '%s', got %s\n", name, error,
                    err ? err->msg : "success");
            failed = 1;
        }
        goto out;
    }
    if (r < 0) {
        fprintf(stderr, "[%s] compile failed: %s\n", name, err ? err->msg : "?");
        failed = 1;
        goto out;
    }
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(v, "cases"), i, c)
    {
        const char *sys = json_string_value(json_array_get(c, 0));
        uint64_t args[6] = {0};
        size_t k;
        json_t *a;
        json_array_foreach(json_array_get(c, 1), k, a) args[k] = (uint64_t)json_integer_value(a);
        const char *want = json_string_value(json_array_get(c, 2));
        char got[96];
        if (st_eval(&f, sys, args, got, sizeof(got)) < 0 || strcmp(got, want) != 0) {
            fprintf(stderr, "[%s] opt %d: %s(%llu,%llu,%llu): expected %s, got %s\n", name,
                    optimize, sys, (unsigned long long)args[0], (unsigned long long)args[1],
                    (unsigned long long)args[2], want, got);
            failed = 1;
        }
    }
    json_t *unknown = json_object_get(v, "unknown");
    if (json_array_size(unknown) != f.n_unknown) {
        fprintf(stderr, "[%s] expected %zu unknown names, got %zu\n", name,
                json_array_size(unknown), f.n_unknown);
        failed = 1;
    }
    json_t *same = json_object_get(v, "same_as");
    if (same) {
        rw_seccomp_filter_t g = {0};
        if (compile_json(same, false, optimize, &g, &err) < 0 || g.n != f.n ||
            memcmp(g.insns, f.insns, f.n * sizeof(*f.insns)) != 0) {
            fprintf(stderr, "[%s] program differs from the one without the rule\n", name);
            failed = 1;
        }
        rw_seccomp_filter_clear(&g);
    }
out:
    rw_seccomp_filter_clear(&f);
    rw_error_free(err);
    return failed;
}

static void test_vectors(void **state)
{
    (void)state;
    json_t *all = st_load_json("compile_vectors.json");
    assert_non_null(all);
    size_t i, failures = 0;
    json_t *v;
    for (int opt = 0; opt <= 2; opt += 2)
        json_array_foreach(all, i, v) failures += (size_t)run_vector(v, opt);
    printf("%zu compile vectors x 2 optimisation levels, %zu failed\n", json_array_size(all),
           failures);
    assert_int_equal(failures, 0);
    json_decref(all);
}

static rw_seccomp_oci_t *resolve_default(char *const *caps)
{
    const char *data = getenv("RW_TEST_DATA");
    char *path = NULL;
    assert_true(
        asprintf(&path, "%s/../../profiles/seccomp/default.json", data ? data : "tests/data") > 0);
    rw_seccomp_profile_t *p = NULL;
    rw_seccomp_oci_t *o = NULL;
    rw_error_t *err = NULL;
    rw_seccomp_resolve_opts_t opts = {.have_caps = caps != NULL, .bounding = caps};
    if (rw_seccomp_profile_load(path, RW_SECCOMP_DIALECT_CONTAINERS, &p, NULL, &err) < 0 ||
        rw_seccomp_resolve(p, &opts, &o, NULL, &err) < 0)
        fprintf(stderr, "%s\n", err ? err->msg : "?");
    rw_error_free(err);
    rw_seccomp_profile_free(p);
    free(path);
    return o;
}

/* Binary tree (optimize 2) against libseccomp's default shape (what crun builds). */
static void test_optimised_equivalent(void **state)
{
    (void)state;
    char *podman[] = {
        "CAP_AUDIT_WRITE", "CAP_CHOWN",   "CAP_DAC_OVERRIDE",     "CAP_FOWNER",     "CAP_FSETID",
        "CAP_KILL",        "CAP_MKNOD",   "CAP_NET_BIND_SERVICE", "CAP_NET_RAW",    "CAP_SETFCAP",
        "CAP_SETGID",      "CAP_SETPCAP", "CAP_SETUID",           "CAP_SYS_CHROOT", NULL};
    char *admin[] = {"CAP_SYS_ADMIN", "CAP_SYS_PTRACE", "CAP_AUDIT_WRITE", NULL};
    char *none[] = {NULL};
    char **sets[] = {podman, admin, none, NULL /* no capabilities object */};
    rw_seccomp_equiv_abi_t abis[8];
    size_t nabi = rw_seccomp_equiv_host_abis(abis, 8);
    for (size_t s = 0; s < 4; s++) {
        rw_seccomp_oci_t *o = resolve_default(sets[s]);
        assert_non_null(o);
        rw_seccomp_filter_t a = {0}, b = {0};
        rw_error_t *err = NULL;
        rw_seccomp_compile_opts_t plain = {.optimize = 0}, tree = {.optimize = 2};
        assert_int_equal(rw_seccomp_filter_get(o, &plain, NULL, &a, &err), 0);
        assert_int_equal(rw_seccomp_filter_get(o, &tree, NULL, &b, &err), 0);
        assert_int_equal(rw_seccomp_bpf_validate(a.insns, a.n, NULL), 0);
        assert_int_equal(rw_seccomp_bpf_validate(b.insns, b.n, NULL), 0);
        assert_int_equal(b.optimize, 2);
        rw_seccomp_equiv_result_t res;
        assert_int_equal(rw_seccomp_bpf_equiv(a.insns, a.n, b.insns, b.n, abis, nabi, &res), 0);
        if (res.differ)
            fprintf(stderr, "differ at arch %08x nr %d: %08x vs %08x\n", res.arch, res.nr,
                    res.ret_a, res.ret_b);
        assert_false(res.differ);
        assert_true(res.checked > 3000);
        rw_seccomp_filter_clear(&a);
        rw_seccomp_filter_clear(&b);
        rw_seccomp_oci_free(o);
    }
}

/* The equivalence check itself finds a difference: different caps give different programs. */
static void test_equiv_detects_difference(void **state)
{
    (void)state;
    char *admin[] = {"CAP_SYS_ADMIN", NULL};
    char *none[] = {NULL};
    rw_seccomp_oci_t *oa = resolve_default(admin), *ob = resolve_default(none);
    rw_seccomp_filter_t a = {0}, b = {0};
    rw_seccomp_compile_opts_t tree = {.optimize = 2};
    assert_int_equal(rw_seccomp_filter_get(oa, &tree, NULL, &a, NULL), 0);
    assert_int_equal(rw_seccomp_filter_get(ob, &tree, NULL, &b, NULL), 0);
    rw_seccomp_equiv_abi_t abis[8];
    size_t nabi = rw_seccomp_equiv_host_abis(abis, 8);
    rw_seccomp_equiv_result_t res;
    assert_int_equal(rw_seccomp_bpf_equiv(a.insns, a.n, b.insns, b.n, abis, nabi, &res), 0);
    assert_true(res.differ);
    /* also an argument-only difference: personality(9) allowed in one, not the other */
    json_t *j1 = json_loads("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":"
                            "[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":"
                            "0,\"value\":8,\"op\":\"SCMP_CMP_EQ\"}]}]}",
                            0, NULL);
    json_t *j2 = json_loads("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":"
                            "[\"personality\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":"
                            "0,\"value\":8,\"op\":\"SCMP_CMP_LE\"}]}]}",
                            0, NULL);
    rw_seccomp_filter_t c = {0}, d = {0};
    assert_int_equal(compile_json(j1, false, 2, &c, NULL), 0);
    assert_int_equal(compile_json(j2, false, 2, &d, NULL), 0);
    assert_int_equal(rw_seccomp_bpf_equiv(c.insns, c.n, d.insns, d.n, abis, nabi, &res), 0);
    assert_true(res.differ);
    assert_int_equal(res.nr, 135);
    json_decref(j1);
    json_decref(j2);
    rw_seccomp_filter_clear(&a);
    rw_seccomp_filter_clear(&b);
    rw_seccomp_filter_clear(&c);
    rw_seccomp_filter_clear(&d);
    rw_seccomp_oci_free(oa);
    rw_seccomp_oci_free(ob);
}

/* An OCI section crun would refuse is refused before anything is compiled. */
static void test_oci_refusals(void **state)
{
    (void)state;
    static const struct {
        const char *json, *msg;
    } cases[] = {
        {"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultErrnoRet\":1}", "defaultErrnoRet is set"},
        {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":"
         "\"SCMP_ACT_ALLOW\",\"errnoRet\":1}]}",
         "errnoRet is set for SCMP_ACT_ALLOW"},
        {"{\"defaultAction\":\"SCMP_ACT_NOPE\"}", "unknown action"},
        {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_Z80\"]}",
         "unknown architecture"},
        {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"flags\":[\"SECCOMP_FILTER_FLAG_NEW_LISTENER\"]}",
         "unknown flag"},
        {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":"
         "\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":6,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
         "argument index 6"},
        {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":70000}", "above 4095"},
        {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"listenerPath\":\"relative.sock\"}",
         "absolute path"},
        {"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"action\":\"SCMP_ACT_ALLOW\"}]}",
         ".names: required"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *j = json_loads(cases[i].json, 0, NULL);
        assert_non_null(j);
        rw_seccomp_oci_t *o = NULL;
        rw_error_t *err = NULL;
        assert_true(rw_seccomp_oci_parse(j, "config.json", "$.linux.seccomp", &o, NULL, &err) < 0);
        assert_non_null(err);
        if (!strstr(err->msg, cases[i].msg) || !strstr(err->msg, "config.json: $.linux.seccomp"))
            fail_msg("case %zu: %s", i, err->msg);
        rw_error_free(err);
        json_decref(j);
    }
    /* unknown keys are the runtime's business: a named warning */
    json_t *j = json_loads("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"x-extra\":1}", 0, NULL);
    rw_seccomp_warnings_t w = {0};
    rw_seccomp_oci_t *o = NULL;
    assert_int_equal(rw_seccomp_oci_parse(j, "config.json", "$.linux.seccomp", &o, &w, NULL), 0);
    assert_int_equal(w.n, 1);
    assert_string_equal(w.items[0].rule, "seccomp.unknown-key");
    assert_false(o->flags_present);
    assert_int_equal(rw_seccomp_oci_load_flags(o), 4); /* crun's SPEC_ALLOW default */
    rw_seccomp_oci_free(o);
    rw_seccomp_warnings_clear(&w);
    json_decref(j);
    j = json_loads("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"flags\":[]}", 0, NULL);
    assert_int_equal(rw_seccomp_oci_parse(j, "c", "$", &o, NULL, NULL), 0);
    assert_int_equal(rw_seccomp_oci_load_flags(o), 0);
    rw_seccomp_oci_free(o);
    json_decref(j);
}

/* The JSON written back is what podman writes, and canonical forms tell errnos apart. */
static void test_oci_roundtrip_and_canonical(void **state)
{
    (void)state;
    const char *txt = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
                      "\"architectures\":[\"SCMP_ARCH_X86_64\"],\"syscalls\":[{\"names\":[\"a\","
                      "\"b\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,\"args\":[{\"index\":"
                      "1,\"value\":2,\"valueTwo\":3,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}";
    json_t *j = json_loads(txt, 0, NULL);
    rw_seccomp_oci_t *o = st_oci(j);
    assert_non_null(o);
    json_t *back = rw_seccomp_oci_to_json(o);
    char *s = json_dumps(back, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(s, txt);
    char d1[65], d2[65];
    assert_int_equal(rw_seccomp_oci_digest(o, d1), 0);
    o->rules[0].errno_ret = 38;
    assert_int_equal(rw_seccomp_oci_digest(o, d2), 0);
    assert_string_not_equal(d1, d2);
    /* names ["a","b"] and ["ab"] must not collide */
    rw_seccomp_oci_t *dup = rw_seccomp_oci_dup(o);
    free(dup->rules[0].names[0]);
    free(dup->rules[0].names[1]);
    dup->rules[0].names[0] = strdup("ab");
    dup->rules[0].names[1] = NULL;
    dup->rules[0].n_names = 1;
    char d3[65];
    assert_int_equal(rw_seccomp_oci_digest(dup, d3), 0);
    assert_string_not_equal(d2, d3);
    free(s);
    json_decref(back);
    json_decref(j);
    rw_seccomp_oci_free(o);
    rw_seccomp_oci_free(dup);
}

/* --arch: a filter for another machine (seccomp_init() there starts with its own arch). */
static void test_foreign_arch(void **state)
{
    (void)state;
    json_t *j = json_loads("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
                           "\"syscalls\":[{\"names\":[\"swapon\"],\"action\":\"SCMP_ACT_ERRNO\","
                           "\"errnoRet\":1},{\"names\":[\"getppid\"],\"action\":"
                           "\"SCMP_ACT_ALLOW\"}]}",
                           0, NULL);
    rw_seccomp_oci_t *o = st_oci(j);
    const rw_seccomp_arch_t *arm64 = rw_seccomp_arch_by_native("arm64");
    rw_seccomp_compile_opts_t co = {.arch = arm64, .optimize = 2};
    rw_seccomp_filter_t f = {0};
    assert_int_equal(rw_seccomp_filter_get(o, &co, NULL, &f, NULL), 0);
    assert_int_equal(rw_seccomp_bpf_validate(f.insns, f.n, NULL), 0);
    int nr = 0;
    assert_int_equal(rw_seccomp_syscall_nr(arm64, "swapon", &nr, NULL), 0);
    assert_int_equal(nr, 224);
    struct seccomp_data d = {.nr = nr, .arch = arm64->token};
    uint32_t ret = 0;
    rw_seccomp_bpf_run(f.insns, f.n, &d, &ret, NULL);
    assert_int_equal(ret, RW_SECCOMP_RET_ERRNO | 1);
    /* an x86_64 syscall hits the bad-arch action of the arm64 filter */
    d.arch = rw_seccomp_arch_host()->token;
    rw_seccomp_bpf_run(f.insns, f.n, &d, &ret, NULL);
    assert_int_equal(ret, 0);
    rw_seccomp_filter_clear(&f);
    /* cross-endian output of libseccomp 2.5 is unreliable: refused, not miscompiled */
    rw_error_t *err = NULL;
    co.arch = rw_seccomp_arch_by_native("s390x");
    assert_true(rw_seccomp_filter_get(o, &co, NULL, &f, &err) < 0);
    assert_non_null(strstr(err->msg, "cannot compile for SCMP_ARCH_S390X"));
    rw_error_free(err);
    rw_seccomp_oci_free(o);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_optimised_equivalent),
        cmocka_unit_test(test_equiv_detects_difference),
        cmocka_unit_test(test_oci_refusals),
        cmocka_unit_test(test_oci_roundtrip_and_canonical),
        cmocka_unit_test(test_foreign_arch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
