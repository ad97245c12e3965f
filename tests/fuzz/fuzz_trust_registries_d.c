/* Fuzz target: the registries.d YAML subset, merging and the lookaside lookup, and
 * lookaside URL parsing; also docker reference parsing and its derived identities. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "conf/docker_ref.h"
#include "conf/registries_d.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1 << 20))
        return 0;
    rw_trust_regd_t *c = rw_trust_regd_new();
    rw_error_t *err = NULL;
    if (c && rw_trust_regd_parse(c, (const char *)data, size, "fuzz.yaml", &err) == 0) {
        char *ns[] = {"example.com/ns/app", "example.com/ns", "example.com", "*.com", NULL};
        bool builtin = false;
        const char *url = rw_trust_regd_lookaside(c, "example.com/ns/app:1", ns, &builtin);
        char *dir = NULL;
        if (rw_trust_lookaside_dir(url, &dir) == 0)
            free(dir);
    }
    rw_error_free(err);
    rw_trust_regd_free(c);
    if (size < 2048 && !memchr(data, 0, size)) {
        char *s = strndup((const char *)data, size);
        rw_trust_ref_t r = {0};
        if (s && rw_trust_ref_parse_normalized(s, &r, NULL) == 0) {
            char *id = NULL, **ns = NULL;
            if (rw_trust_ref_tag_name_only(&r) == 0 && rw_trust_ref_identity(&r, &id) == 0)
                free(id);
            if (rw_trust_ref_namespaces(&r, &ns) == 0)
                rw_strv_freep(&ns);
            rw_trust_ref_clear(&r);
        }
        char *dir = NULL;
        if (s && rw_trust_lookaside_dir(s, &dir) == 0)
            free(dir);
        (void)(s && rw_trust_remap_prefix_valid(s));
        free(s);
    }
    return 0;
}
