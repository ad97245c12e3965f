/* Fuzz target: the runtime argv grammar. Input is NUL-separated words; the first byte picks
 * the flavor. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "launcher/cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    rw_flavor_t fl = (data[0] & 1) ? RW_FLAVOR_CRUN : RW_FLAVOR_RUNC;
    char *copy = malloc(size);
    if (!copy)
        return 0;
    memcpy(copy, data + 1, size - 1);
    copy[size - 1] = '\0';
    char *argv[130] = {"runc"};
    int argc = 1;
    for (size_t i = 0; i < size - 1 && argc < 128;) {
        argv[argc++] = copy + i;
        i += strlen(copy + i) + 1;
    }
    argv[argc] = NULL;
    rw_invocation_t inv;
    rw_cli_parse(argc, argv, fl, &inv);
    free(copy);
    return 0;
}
