/* Helpers shared by the seccomp unit tests: test data paths and compiling an inline OCI
 * section into a validated program. Header-only so every test_*.c stays one program. */
#pragma once

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "profiles/seccomp_bpf.h"
#include "profiles/seccomp_cache.h"
#include "profiles/seccomp_oci.h"
#include "profiles/seccomp_systable.h"

static inline char *st_data_path(const char *rel)
{
    const char *base = getenv("RW_TEST_DATA");
    char *p = NULL;
    if (asprintf(&p, "%s/seccomp/%s", base ? base : "tests/data", rel) < 0)
        return NULL;
    return p;
}

static inline json_t *st_load_json(const char *rel)
{
    char *p = st_data_path(rel);
    json_error_t je;
    json_t *j = p ? json_load_file(p, JSON_REJECT_DUPLICATES, &je) : NULL;
    if (!j)
        fprintf(stderr, "cannot load %s: %s (line %d)\n", p ? p : rel, je.text, je.line);
    free(p);
    return j;
}

/* Parses an OCI section given as JSON; aborts the test on error. */
static inline rw_seccomp_oci_t *st_oci(json_t *j)
{
    rw_seccomp_oci_t *o = NULL;
    rw_error_t *err = NULL;
    if (rw_seccomp_oci_parse(j, "vector", "$", &o, NULL, &err) < 0) {
        fprintf(stderr, "OCI parse: %s\n", err ? err->msg : "?");
        rw_error_free(err);
        return NULL;
    }
    return o;
}

/* Runs prog for "name" or "abi:name" (abi x32, x86) with args; describes the result. */
static inline int st_eval(const rw_seccomp_filter_t *f, const char *spec, const uint64_t *args,
                          char *out, size_t len)
{
    const rw_seccomp_arch_t *arch = rw_seccomp_arch_host();
    const char *name = spec;
    const char *colon = strchr(spec, ':');
    if (colon) {
        char abi[16];
        snprintf(abi, sizeof(abi), "%.*s", (int)(colon - spec), spec);
        arch = rw_seccomp_arch_by_native(abi);
        name = colon + 1;
    }
    int nr = 0;
    rw_error_t *err = NULL;
    if (!arch || rw_seccomp_syscall_nr(arch, name, &nr, &err) < 0) {
        fprintf(stderr, "no syscall %s: %s\n", spec, err ? err->msg : "?");
        rw_error_free(err);
        return -1;
    }
    struct seccomp_data d = {.nr = nr, .arch = rw_seccomp_arch_audit(arch)};
    for (int i = 0; i < 6 && args; i++)
        d.args[i] = args[i];
    uint32_t ret = 0;
    rw_seccomp_bpf_run(f->insns, f->n, &d, &ret, NULL);
    rw_seccomp_ret_describe(ret, out, len);
    return 0;
}
