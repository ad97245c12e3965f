/* Fuzz target: policy.json strict grammar, then scope selection on what parsed, and the
 * `trust` section of runwarden.json. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "conf/config_trust.h"
#include "conf/policy_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1 << 20))
        return 0;
    rw_trust_policy_t *p = NULL;
    rw_error_t *err = NULL;
    if (rw_trust_policy_parse((const char *)data, size, "policy.json", &p, &err) == 0) {
        char *ns[] = {"example.com/ns/app", "example.com/ns", "example.com", "*.com", NULL};
        const char *scope = NULL;
        (void)rw_trust_policy_select(p, "docker", "example.com/ns/app:1", ns, &scope);
        (void)rw_trust_policy_select(p, "atomic", NULL, NULL, &scope);
        rw_trust_policy_free(p);
    }
    rw_error_free(err);
    err = NULL;
    json_error_t je;
    json_t *j = json_loadb((const char *)data, size, 0, &je);
    if (j) {
        rw_trust_config_t *c = NULL;
        if (rw_trust_config_parse(json_is_object(j) ? j : NULL, "fuzz", &c, &err) == 0)
            rw_trust_config_free(c);
        rw_error_free(err);
        json_decref(j);
    }
    return 0;
}
