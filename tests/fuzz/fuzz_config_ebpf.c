/* Fuzz target: the `ebpf` section of runwarden.json (the input is the section's JSON):
 * CIDRs, port ranges, protocols, tenants, and the rule rendering used in records. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/json.h"
#include "conf/config_ebpf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1 << 20))
        return 0;
    rw_error_t *err = NULL;
    json_t *j = rw_json_parse((const char *)data, size, "fuzz.json", &err);
    rw_error_free(err);
    err = NULL;
    if (!j)
        return 0;
    rw_ebpf_config_t c;
    if (rw_config_ebpf_parse(j, "fuzz.json", &c, &err) >= 0) {
        for (size_t i = 0; i <= c.n_tenants; i++) {
            const rw_ebpf_policy_t *p =
                rw_config_ebpf_policy(&c, i < c.n_tenants ? c.tenants[i].name : NULL);
            for (size_t k = 0; k < p->n_egress; k++) {
                char buf[128];
                (void)rw_config_ebpf_rule_format(&p->egress[k], buf, sizeof(buf));
            }
        }
    }
    rw_config_ebpf_clear(&c);
    rw_error_free(err);
    json_decref(j);
    return 0;
}
