/* Registered hooks. Each feature adds its own line. */
#include <stddef.h>

#include "hooks.h"
#include "ebpf_helper.h"
#include "hook_env.h"
#include "stage_lsm.h"

const rw_hook_t rw_hooks[] = {
    {"ebpf-create-runtime", rw_hook_ebpf_create_runtime},
    {"ebpf-poststop", rw_hook_ebpf_poststop},
    {"admission-forget", rw_hook_admission_forget},
    {"mounts-cleanup", rw_hook_mounts_cleanup},
    {"lsm-poststop", rw_hook_lsm_poststop},
    {NULL, NULL},
};
