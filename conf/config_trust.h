/* Typed view of the `trust` section of runwarden.json: whether image trust is checked at
 * container start, where policy.json, registries.d and containers-storage live, what to do
 * with images that cannot be identified, and where verdicts are cached. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "../common/error.h"

#define RW_TRUST_DEFAULT_POLICY "/etc/containers/policy.json"
#define RW_TRUST_DEFAULT_REGISTRIES_D "/etc/containers/registries.d"
#define RW_TRUST_DEFAULT_CACHE_DIR "/var/cache/runwarden/trust"
#define RW_TRUST_DEFAULT_CACHE_TTL 86400

typedef struct rw_trust_config {
    bool enabled;        /* false: the trust stage does nothing */
    char *policy;        /* policy.json */
    char *registries_d;  /* registries.d directory */
    char *storage_conf;  /* storage.conf (driver and graphroot when the bundle has no
                            storage shape) */
    char *graphroot;     /* overrides storage.conf's graphroot; NULL: from storage.conf */
    char *driver;        /* overrides storage.conf's driver; NULL: from storage.conf/probe */
    bool unknown_allow;  /* unknownImage: "allow" (true) or "refuse" (false) */
    char *cache_dir;     /* NULL: caching disabled */
    long cache_ttl;      /* seconds a cached verdict stays valid */
    char *verify_helper; /* NULL: next to the runwarden binary, else libexec */
} rw_trust_config_t;

/* Parses the section; NULL section gives the defaults with enabled = false. */
int rw_trust_config_parse(json_t *section, const char *file, rw_trust_config_t **ret,
                          rw_error_t **err);
void rw_trust_config_free(rw_trust_config_t *c);
static inline void rw_trust_config_freep(rw_trust_config_t **c)
{
    rw_trust_config_free(*c);
}
#define cleanup_trust_config __attribute__((cleanup(rw_trust_config_freep)))
