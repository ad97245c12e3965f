/* Conversion of seccomp profiles to OCI linux.seccomp, one vector per rule of podman's
 * setupSeccomp (tests/data/seccomp/resolve_vectors.json: profile, container, expected OCI,
 * expected error or named warnings), plus the shipped default profile against the
 * containers one. */
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

#include "common/json.h"
#include "profiles/seccomp_oci.h"
#include "profiles/seccomp_profile.h"
#include "profiles/seccomp_resolve.h"
#include "seccomp_testlib.h"

static int run_vector(json_t *v)
{
    const char *name = json_string_value(json_object_get(v, "name"));
    json_t *profile = json_object_get(v, "profile");
    const char *format = json_string_value(json_object_get(v, "format"));
    const char *arch = json_string_value(json_object_get(v, "arch"));
    const char *kernel = json_string_value(json_object_get(v, "kernel"));
    json_t *caps = json_object_get(v, "caps");
    json_t *expect = json_object_get(v, "expect");
    const char *error = json_string_value(json_object_get(v, "error"));
    json_t *warnings = json_object_get(v, "warnings");

    char *text = json_dumps(profile, JSON_COMPACT);
    rw_seccomp_dialect_t d = RW_SECCOMP_DIALECT_CONTAINERS;
    if (format)
        assert_int_equal(rw_seccomp_dialect_parse(format, &d), 0);
    rw_seccomp_profile_t *p = NULL;
    rw_seccomp_oci_t *o = NULL;
    rw_seccomp_warnings_t w = {0};
    rw_error_t *err = NULL;
    int r = rw_seccomp_profile_parse(text, strlen(text), "inline.json", d, &p, &w, &err);
    char *bounding[64] = {0};
    size_t nb = 0;
    json_t *c;
    size_t i;
    json_array_foreach(caps, i, c) bounding[nb++] = (char *)json_string_value(c);
    rw_seccomp_resolve_opts_t opts = {
        .arch = arch ? rw_seccomp_arch_by_native(arch) : NULL,
        .have_caps = !json_is_null(caps),
        .bounding = bounding,
    };
    if (kernel) {
        assert_int_equal(
            rw_seccomp_min_kernel_parse(kernel, &opts.kernel_major, &opts.kernel_minor), 0);
        opts.have_kernel = true;
    }
    if (r >= 0)
        r = rw_seccomp_resolve(p, &opts, &o, &w, &err);

    int failed = 0;
    if (error) {
        if (r >= 0 || !err || !strstr(err->msg, error) || !strstr(err->msg, "inline.json: ")) {
            fprintf(stderr, "[%s] expected error containing '%s', got %s\n", name, error,
                    err ? err->msg : "success");
            failed = 1;
        }
    } else if (r < 0) {
        fprintf(stderr, "[%s] unexpected error: %s\n", name, err ? err->msg : "?");
        failed = 1;
    } else if (json_is_null(expect)) {
        if (o) {
            fprintf(stderr, "[%s] expected seccomp disabled\n", name);
            failed = 1;
        }
    } else {
        json_t *got = o ? rw_seccomp_oci_to_json(o) : NULL;
        if (!got || !json_equal(got, expect)) {
            char *g = got ? json_dumps(got, JSON_COMPACT) : NULL;
            char *e = json_dumps(expect, JSON_COMPACT);
            fprintf(stderr, "[%s]\n  expected %s\n  got      %s\n", name, e, g ? g : "(null)");
            free(g);
            free(e);
            failed = 1;
        }
        json_decref(got);
    }
    /* The named warnings are exactly the expected ones. */
    size_t nw = json_array_size(warnings);
    if (!error) {
        bool seen[16] = {false};
        for (size_t k = 0; k < w.n; k++) {
            bool found = false;
            json_t *x;
            size_t j;
            json_array_foreach(warnings, j,
                               x) if (strcmp(json_string_value(x), w.items[k].rule) == 0)
            {
                found = true;
                if (j < 16)
                    seen[j] = true;
            }
            if (!found) {
                fprintf(stderr, "[%s] unexpected warning %s: %s\n", name, w.items[k].rule,
                        w.items[k].msg);
                failed = 1;
            }
        }
        for (size_t j = 0; j < nw && j < 16; j++)
            if (!seen[j]) {
                fprintf(stderr, "[%s] missing warning %s\n", name,
                        json_string_value(json_array_get(warnings, j)));
                failed = 1;
            }
    }
    free(text);
    rw_seccomp_profile_free(p);
    rw_seccomp_oci_free(o);
    rw_seccomp_warnings_clear(&w);
    rw_error_free(err);
    return failed;
}

static void test_vectors(void **state)
{
    (void)state;
    json_t *all = st_load_json("resolve_vectors.json");
    assert_non_null(all);
    size_t i, failures = 0;
    json_t *v;
    json_array_foreach(all, i, v) failures += (size_t)run_vector(v);
    printf("%zu resolve vectors, %zu failed\n", json_array_size(all), failures);
    assert_true(json_array_size(all) >= 30);
    assert_int_equal(failures, 0);
    json_decref(all);
}

static json_t *resolve_file(const char *path, char *const *caps)
{
    rw_seccomp_profile_t *p = NULL;
    rw_seccomp_oci_t *o = NULL;
    rw_error_t *err = NULL;
    rw_seccomp_resolve_opts_t opts = {.have_caps = true, .bounding = caps};
    if (rw_seccomp_profile_load(path, RW_SECCOMP_DIALECT_CONTAINERS, &p, NULL, &err) < 0 ||
        rw_seccomp_resolve(p, &opts, &o, NULL, &err) < 0 || !o) {
        fprintf(stderr, "%s: %s\n", path, err ? err->msg : "disabled");
        rw_error_free(err);
        rw_seccomp_profile_free(p);
        return NULL;
    }
    json_t *j = rw_seccomp_oci_to_json(o);
    rw_seccomp_profile_free(p);
    rw_seccomp_oci_free(o);
    return j;
}

/* The profile runwarden ships resolves exactly as the containers default does, for the
 * podman default capability set and for a few changes of it. */
static void test_shipped_default_matches_containers(void **state)
{
    (void)state;
    const char *upstream = "/usr/share/containers/seccomp.json";
    if (access(upstream, R_OK) != 0)
        skip();
    const char *data = getenv("RW_TEST_DATA");
    char *shipped = NULL;
    assert_true(asprintf(&shipped, "%s/../../profiles/seccomp/default.json",
                         data ? data : "tests/data") > 0);
    char *sets[][20] = {
        {"CAP_AUDIT_WRITE", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
         "CAP_MKNOD", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_SETFCAP", "CAP_SETGID",
         "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT", NULL},
        {"CAP_SYS_ADMIN", "CAP_SYS_PTRACE", "CAP_BPF", "CAP_PERFMON", NULL},
        {NULL},
    };
    for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
        json_t *a = resolve_file(upstream, sets[i]);
        json_t *b = resolve_file(shipped, sets[i]);
        assert_non_null(a);
        assert_non_null(b);
        assert_true(json_equal(a, b));
        json_decref(a);
        json_decref(b);
    }
    free(shipped);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_shipped_default_matches_containers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
