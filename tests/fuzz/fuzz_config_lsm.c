/* Fuzz target: the `lsm` section of runwarden.json (the input is the section's JSON), and
 * the AppArmor and Landlock rules built from every tenant it accepts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/json.h"
#include "conf/config_lsm.h"
#include "profiles/apparmor.h"
#include "profiles/landlock.h"

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
    rw_lsm_config_t *c = NULL;
    if (rw_lsm_config_parse(j, "fuzz.json", &c, &err) >= 0) {
        for (size_t i = 0; i <= c->n_tenants; i++) {
            const rw_lsm_tenant_t *t =
                rw_lsm_config_tenant(c, i < c->n_tenants ? c->tenants[i].name : NULL);
            char *rules = NULL, *net = NULL;
            json_t *limits = NULL;
            if (rw_apparmor_tenant_rules(t, &rules, &net, &limits) >= 0) {
                free(rules);
                free(net);
                json_decref(limits);
            }
            rw_landlock_plan_t p;
            if (rw_landlock_plan(c, t, (int)(size % 8), &p) >= 0)
                rw_landlock_plan_clear(&p);
            (void)rw_lsm_config_required(c, t);
        }
        rw_lsm_config_free(c);
    }
    rw_error_free(err);
    json_decref(j);
    return 0;
}
