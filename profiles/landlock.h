/* Landlock for hosts where neither AppArmor nor SELinux enforce a tenant's file rules: the
 * plan (launcher arguments and an honest report of what the kernel's ABI leaves out) and the
 * edits that put the static launcher in front of a container's program. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "../conf/config_lsm.h"

typedef struct rw_landlock_plan {
    bool needed;    /* the tenant has file rules */
    int abi;        /* the kernel's Landlock ABI; 0 when unavailable */
    int abi_errno;  /* why it is unavailable (ENOSYS, EOPNOTSUPP) */
    char **argv;    /* launcher prefix: DEST --abi N --deny P ... --ro P ... --rw P ... -- */
    json_t *report; /* {abi, handled, rules, notEnforced}: for the audit record and `profile` */
} rw_landlock_plan_t;

/* abi: the host's (rw_ll_abi_version()), or a value to plan for in tests. */
int rw_landlock_plan(const rw_lsm_config_t *c, const rw_lsm_tenant_t *t, int abi,
                     rw_landlock_plan_t *out);
void rw_landlock_plan_clear(rw_landlock_plan_t *p);
/* The host kernel's ABI (> 0) or -errno. */
int rw_landlock_host_abi(void);

/* process.args with the launcher in front (an earlier launcher prefix is replaced, so the
 * edit is idempotent). New reference; NULL on bad input. */
json_t *rw_landlock_wrap_args(const json_t *args, char *const *prefix, const char *destination);
/* The bind mount of the launcher into the container (read-only). */
json_t *rw_landlock_mount(const rw_lsm_config_t *c);
