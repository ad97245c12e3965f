/* Fuzz target: runwarden.json strict parser. */
#include <stddef.h>
#include <stdint.h>

#include "conf/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1 << 20))
        return 0;
    rw_config_t *c = NULL;
    rw_error_t *err = NULL;
    if (rw_config_parse((const char *)data, size, "fuzz.json", &c, &err) >= 0)
        rw_config_free(c);
    rw_error_free(err);
    return 0;
}
