/* AppArmor the way the containers ecosystem does it: a profile generated from a shipped
 * template (the intent of containers-default: no mounts, protected /proc and /sys, signal
 * and ptrace only within the profile) plus the tenant's file and network rules, compiled by
 * apparmor_parser into a content-addressed cache, loaded when the kernel enforces AppArmor. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "../common/error.h"
#include "../common/hash.h"
#include "../conf/config_lsm.h"

#define RW_APPARMOR_TEMPLATE_MAX (256u << 10)
#define RW_APPARMOR_BINARY_MAX (16u << 20)

/* What the host offers: the parser, its version, and whether the kernel enforces. */
typedef struct rw_apparmor_host {
    char *parser;    /* absolute path of apparmor_parser; NULL when absent */
    int version;     /* major*100000 + minor*1000 + patch; 0 when unknown */
    char *parser_id; /* version and file identity, part of the cache key */
    bool enabled;    /* /sys/module/apparmor/parameters/enabled says Y and securityfs is up */
    char *kernel;    /* uname release: compiled policy depends on the kernel's features */
    /* `%if exists PATH` in templates; NULL: the host's filesystem */
    bool (*exists)(const char *path);
} rw_apparmor_host_t;

typedef struct rw_apparmor_profile {
    char *name;
    char *text;
    char key[RW_SHA256_HEX_LEN + 1]; /* cache key: text, parser and kernel */
    char *cache_path;                /* <cacheDir>/<key>.bin */
    bool cache_hit;
    json_t *limits; /* tenant rules AppArmor cannot express as written (array of strings) */
} rw_apparmor_profile_t;

/* Variables a template may use. */
typedef struct rw_apparmor_vars {
    const char *name, *network, *tenant_rules;
    int parser_version;
    bool (*exists)(const char *path);
} rw_apparmor_vars_t;

/* Parses "AppArmor parser version 3.0.8" (last word, "-..."/"~..." suffix dropped). */
int rw_apparmor_version_parse(const char *line, int *ret);

/* Renders a template. Lines starting with '%' are directives: `%if parser >= X.Y.Z`,
 * `%if exists /path`, `%if !exists /path`, `%else`, `%endif`, `%#` (comment). Placeholders:
 * {{name}}, {{network}}, {{tenant_rules}}; the rendered text must carry {{network}} and
 * {{tenant_rules}} exactly once and {{name}} at least once, or rules would vanish silently.
 * Errors name file:line. */
int rw_apparmor_template_render(const char *tmpl, size_t len, const char *file,
                                const rw_apparmor_vars_t *vars, char **ret, rw_error_t **err);

/* The tenant's rules as AppArmor lines (file rules, then network families). limits gets a
 * note for each rule AppArmor enforces more strictly than written. */
int rw_apparmor_tenant_rules(const rw_lsm_tenant_t *t, char **ret_rules, char **ret_network,
                             json_t **ret_limits);

/* Finds the parser, reads its version (cached beside the profiles unless dry), and checks
 * whether the kernel enforces AppArmor. A missing parser is not an error (parser NULL). */
int rw_apparmor_host_probe(const rw_lsm_config_t *c, bool dry_run, rw_apparmor_host_t *h,
                           rw_error_t **err);
void rw_apparmor_host_clear(rw_apparmor_host_t *h);
bool rw_apparmor_kernel_enabled(void);

/* Generates the tenant's profile (name, text, cache key). */
int rw_apparmor_generate(const rw_lsm_config_t *c, const rw_lsm_tenant_t *t,
                         const rw_apparmor_host_t *h, rw_apparmor_profile_t *out, rw_error_t **err);
void rw_apparmor_profile_clear(rw_apparmor_profile_t *p);

/* Runs apparmor_parser on text without loading it; writes the binary to out_path when
 * non-NULL. The parser's own message is in the error. */
int rw_apparmor_compile(const rw_apparmor_host_t *h, const char *text, const char *out_path,
                        rw_error_t **err);
/* Makes sure the compiled profile is in the cache (compiling on a miss). dry_run: checks a
 * miss with the parser but writes nothing. Sets p->cache_hit. */
int rw_apparmor_cache_ensure(const rw_lsm_config_t *c, const rw_apparmor_host_t *h,
                             rw_apparmor_profile_t *p, bool dry_run, rw_error_t **err);

/* Kernel side (only when enabled). Loading takes a reference for `owner` (a container key)
 * under a lock; dropping the last reference unloads the profile. */
int rw_apparmor_load(const rw_lsm_config_t *c, const rw_apparmor_profile_t *p, const char *owner,
                     rw_error_t **err);
int rw_apparmor_unref(const rw_lsm_config_t *c, const char *name, const char *owner, bool kernel,
                      rw_error_t **err);
