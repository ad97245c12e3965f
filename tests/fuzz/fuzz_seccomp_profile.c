/* Fuzz target: the seccomp profile reader (both dialects), the resolver for a few
 * containers, and the OCI reader on its own output and on the raw input. Whatever the reader
 * accepts must resolve without crashing and survive an OCI write/read round trip. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "profiles/seccomp_oci.h"
#include "profiles/seccomp_profile.h"
#include "profiles/seccomp_resolve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const rw_seccomp_oci_t *o)
{
    json_t *j = rw_seccomp_oci_to_json(o);
    if (!j)
        return;
    rw_seccomp_oci_t *back = NULL;
    if (rw_seccomp_oci_parse(j, "fuzz", "$", &back, NULL, NULL) < 0)
        abort(); /* we wrote something we refuse to read */
    char a[65], b[65];
    if (rw_seccomp_oci_digest(o, a) == 0 && rw_seccomp_oci_digest(back, b) == 0 &&
        strcmp(a, b) != 0)
        abort();
    rw_seccomp_oci_free(back);
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1 << 20))
        return 0;
    static char *admin[] = {"CAP_SYS_ADMIN", "CAP_AUDIT_WRITE", NULL};
    static char *none[] = {NULL};
    for (int d = 0; d < 2; d++) {
        rw_seccomp_profile_t *p = NULL;
        rw_seccomp_warnings_t w = {0};
        rw_error_t *err = NULL;
        if (rw_seccomp_profile_parse((const char *)data, size, "fuzz.json",
                                     d ? RW_SECCOMP_DIALECT_MOBY : RW_SECCOMP_DIALECT_CONTAINERS,
                                     &p, &w, &err) >= 0) {
            rw_seccomp_resolve_opts_t opts[] = {
                {.have_caps = true, .bounding = admin},
                {.have_caps = true, .bounding = none},
                {.have_caps = false,
                 .arch = rw_seccomp_arch_by_native("arm64"),
                 .have_kernel = true,
                 .kernel_major = 4,
                 .kernel_minor = 4},
            };
            for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
                rw_seccomp_oci_t *o = NULL;
                rw_error_t *e2 = NULL;
                if (rw_seccomp_resolve(p, &opts[i], &o, &w, &e2) >= 0 && o)
                    roundtrip(o);
                rw_seccomp_oci_free(o);
                rw_error_free(e2);
            }
        }
        rw_seccomp_profile_free(p);
        rw_seccomp_warnings_clear(&w);
        rw_error_free(err);
    }
    /* the same bytes as an OCI linux.seccomp section */
    json_t *j = rw_json_parse((const char *)data, size, "fuzz", NULL);
    if (j) {
        rw_seccomp_oci_t *o = NULL;
        rw_seccomp_warnings_t w = {0};
        if (rw_seccomp_oci_parse(j, "fuzz", "$", &o, &w, NULL) >= 0)
            roundtrip(o);
        rw_seccomp_oci_free(o);
        rw_seccomp_warnings_clear(&w);
        json_decref(j);
    }
    return 0;
}
