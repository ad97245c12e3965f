/* Registered hooks. Each feature adds its own line. */
#include <stddef.h>

#include "hooks.h"

const rw_hook_t rw_hooks[] = {
    {NULL, NULL},
};
