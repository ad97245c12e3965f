/* Fuzz target: mounts.conf line syntax (any bytes), and the cleaning of every destination
 * it yields, as the mounts stage does. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/mounts_conf.h"
#include "policy/admission.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > RW_MOUNTS_CONF_MAX_SIZE)
        return 0;
    rw_mounts_conf_t *c = NULL;
    rw_error_t *err = NULL;
    if (rw_mounts_conf_parse((const char *)data, size, "fuzz.conf", &c, &err) >= 0) {
        for (size_t i = 0; i < c->n; i++) {
            /* the split is at the first colon: the host part never holds one */
            if (strchr(c->entries[i].host, ':'))
                abort();
            free(rw_adm_path_clean(NULL, c->entries[i].dest));
        }
        rw_mounts_conf_free(c);
    }
    rw_error_free(err);
    return 0;
}
