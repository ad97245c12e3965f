/* Typed view of the `lsm` section of runwarden.json: which LSMs must confine a container,
 * where AppArmor templates, SELinux contexts and MCS reservations live, and the per-tenant
 * rules (keyed by the tenant name the admission stage chose; "default" for the rest). */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../common/error.h"

/* Bits of `required`: which confinement must actually be enforced for a start to go on. */
enum {
    RW_LSM_REQ_APPARMOR = 1u << 0,
    RW_LSM_REQ_SELINUX = 1u << 1,
    RW_LSM_REQ_LANDLOCK = 1u << 2,
    RW_LSM_REQ_ANY = 1u << 3, /* `true`: at least one LSM confines the container and the
                                 tenant's file rules are enforced by one of them */
};

typedef enum rw_lsm_landlock_use {
    RW_LANDLOCK_FALLBACK = 0, /* only when AppArmor does not enforce the tenant's file rules */
    RW_LANDLOCK_ALWAYS,
    RW_LANDLOCK_NEVER,
} rw_lsm_landlock_use_t;

#define RW_LSM_TENANT_DEFAULT "default"
#define RW_LSM_MAX_RULES 256
#define RW_LSM_MAX_PATH 1024

typedef struct rw_lsm_tenant {
    char *name;
    char *level;               /* privileged|baseline|restricted; NULL: ask the admission stage */
    int allow_unconfined;      /* -1: decided by the level (only privileged may) */
    int allow_label_disable;   /* -1: decided by the level */
    int allow_custom_apparmor; /* -1: no */
    unsigned required;         /* RW_LSM_REQ_* */
    bool required_set;         /* false: the section-wide value applies */
    /* absolute, normalised paths; never NULL (empty lists) */
    char **deny, **read_only, **read_write;
    char **network; /* AppArmor network families allowed; NULL: every family */
} rw_lsm_tenant_t;

typedef struct rw_lsm_config {
    bool configured; /* false: no `lsm` section, the LSM stage stays out of the way */
    unsigned required;
    char *state_dir; /* per-container records (exec hand-off, profile references) */
    struct {
        bool enabled;
        char *template_path, *parser, *cache_dir, *prefix;
    } apparmor;
    struct {
        bool enabled;
        char *contexts; /* NULL: containers' contexts file, else libselinux lxc_contexts */
        char *mcs_dir;
        unsigned cat_min, cat_max; /* inclusive category range */
    } selinux;
    struct {
        rw_lsm_landlock_use_t use;
        char *launcher;    /* host path of the static runwarden-landlock */
        char *destination; /* where it is bind-mounted inside the container */
    } landlock;
    rw_lsm_tenant_t *tenants;
    size_t n_tenants;
} rw_lsm_config_t;

/* Parses the section (NULL: not configured, built-in defaults). 'file' names it in errors. */
int rw_lsm_config_parse(json_t *section, const char *file, rw_lsm_config_t **ret, rw_error_t **err);
void rw_lsm_config_free(rw_lsm_config_t *c);
static inline void rw_lsm_config_freep(rw_lsm_config_t **c)
{
    rw_lsm_config_free(*c);
}
#define cleanup_lsm_config __attribute__((cleanup(rw_lsm_config_freep)))

/* The rules for a tenant: its own entry, else "default", else a built-in empty one. */
const rw_lsm_tenant_t *rw_lsm_config_tenant(const rw_lsm_config_t *c, const char *tenant);
/* `required` as it applies to that tenant. */
unsigned rw_lsm_config_required(const rw_lsm_config_t *c, const rw_lsm_tenant_t *t);

/* Normalises an absolute path for a file rule (collapses '//', refuses '.', '..' and
 * characters that AppArmor globbing would interpret). Caller frees. */
int rw_lsm_path_normalize(const char *in, char **ret);
/* Is the name an AppArmor network family (unix, inet, inet6, netlink, ...)? */
bool rw_lsm_network_family_valid(const char *name);
