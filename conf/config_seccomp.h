/* Typed view of the `seccomp` section of runwarden.json: which profile a container gets
 * (per tenant: keep the engine's, require one, or always the site's), where the site profile
 * and the compiled-filter cache live, and how the compiled filter reaches crun. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../common/error.h"

#ifndef RW_DATADIR
#define RW_DATADIR "/usr/share/runwarden"
#endif
#define RW_SECCOMP_DEFAULT_PROFILE RW_DATADIR "/seccomp/default.json"
#define RW_SECCOMP_DEFAULT_CACHE_DIR "/var/cache/runwarden/seccomp"

typedef enum rw_seccomp_mode {
    RW_SECCOMP_PASSTHROUGH = 0, /* keep the engine's profile (validated); none stays none */
    RW_SECCOMP_REQUIRE,         /* no profile or an unconfined one gets the site profile */
    RW_SECCOMP_REPLACE,         /* always the site profile */
} rw_seccomp_mode_t;

typedef struct rw_seccomp_tenant_mode {
    char *name;
    rw_seccomp_mode_t mode;
} rw_seccomp_tenant_mode_t;

typedef struct rw_seccomp_config {
    rw_seccomp_mode_t mode; /* site-wide; a tenant entry overrides it */
    rw_seccomp_tenant_mode_t *tenants;
    size_t n_tenants;
    char *profile;      /* absolute path of the site profile */
    bool profile_moby;  /* profileFormat "moby": minKernel honoured, numeric errno only */
    char *cache_dir;    /* NULL: no cache (compile at every start) */
    bool unknown_error; /* unknownSyscall "error": a name libseccomp does not know refuses */
    bool hand_to_crun;  /* give crun the compiled filter (run.oci.seccomp_bpf_data) */
    bool optimize;      /* libseccomp binary-tree optimisation for the filter handed over */
} rw_seccomp_config_t;

/* Parses the section (NULL: defaults). 'file' names the config in errors. */
int rw_seccomp_config_parse(json_t *section, const char *file, rw_seccomp_config_t **ret,
                            rw_error_t **err);
void rw_seccomp_config_free(rw_seccomp_config_t *c);
static inline void rw_seccomp_config_freep(rw_seccomp_config_t **c)
{
    rw_seccomp_config_free(*c);
}
#define cleanup_seccomp_config __attribute__((cleanup(rw_seccomp_config_freep)))

/* The mode for a tenant (NULL: the site-wide mode). */
rw_seccomp_mode_t rw_seccomp_config_mode_for(const rw_seccomp_config_t *c, const char *tenant);
const char *rw_seccomp_mode_name(rw_seccomp_mode_t m);
int rw_seccomp_mode_parse(const char *s, rw_seccomp_mode_t *out);
