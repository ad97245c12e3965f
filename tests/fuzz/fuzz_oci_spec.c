/* Fuzz target: config.json / process.json validation and the recorded mutators. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "conf/oci_spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1 << 20))
        return 0;
    for (int process_only = 0; process_only < 2; process_only++) {
        rw_spec_t *s = NULL;
        rw_error_t *err = NULL;
        int r = process_only ? rw_spec_parse_process((const char *)data, size, "p.json", &s, &err)
                             : rw_spec_parse((const char *)data, size, "c.json", &s, &err);
        rw_error_free(err);
        if (r < 0)
            continue;
        const char *k1[] = {"annotations", "x", NULL};
        rw_spec_set(s, k1, json_string("y"), "fuzz");
        const char *k2[] = {"mounts", NULL};
        rw_spec_append(s, k2, json_pack("{s:s}", "destination", "/x"), "fuzz");
        const char *k3[] = {"linux", "seccomp", NULL};
        rw_spec_remove(s, k3, "fuzz");
        free(rw_spec_serialize(s, NULL));
        json_decref(rw_spec_changes_json(s, 64));
        rw_spec_free(s);
    }
    return 0;
}
