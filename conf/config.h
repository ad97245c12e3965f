/* runwarden's own configuration (/etc/runwarden/runwarden.json): the core keys are parsed
 * strictly here; each feature section is kept as a validated-on-use JSON object whose
 * typed parser lives in conf/config_<section>.c. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../common/error.h"
#include "../common/verdict.h"

#define RW_DEFAULT_CONFIG "/etc/runwarden/runwarden.json"
#define RW_CONFIG_MAX_SIZE (4u << 20)
#define RW_BUNDLE_CONFIG_MAX_DEFAULT (16u << 20)

typedef struct rw_runtime_map {
    char *name; /* shim basename: "runc", "crun" */
    char *path; /* absolute path of the real runtime */
} rw_runtime_map_t;

typedef enum rw_annotation_action {
    RW_ANNOT_REFUSE = 0,
    RW_ANNOT_STRIP,
} rw_annotation_action_t;

typedef struct rw_config {
    char *path; /* where it was read from; "(built-in defaults)" when absent */
    bool from_file;
    rw_mode_t mode;
    rw_runtime_map_t *runtimes;
    size_t n_runtimes;
    char *default_runtime;
    /* bundle safety */
    size_t bundle_max_config_size;
    bool allow_absolute_root;
    char **absolute_root_prefixes; /* NULL or empty: any absolute path */
    rw_annotation_action_t dangerous_annotations;
    bool fail_open; /* policy/trust/audit unreadable: allow instead of refusing */
    /* feature sections (borrowed from doc; NULL when absent) */
    json_t *audit, *seccomp, *trust, *admission, *mounts, *ebpf, *lsm;
    json_t *doc;
} rw_config_t;

/* Loads the config: RUNWARDEN_CONFIG when set (and safely owned), else the default path.
 * A missing default file gives built-in defaults; a missing explicit file is an error. */
int rw_config_load(rw_config_t **ret, rw_error_t **err);
int rw_config_load_file(const char *path, bool must_exist, rw_config_t **ret, rw_error_t **err);
/* Parses a config document from memory ('what' names it in errors). */
int rw_config_parse(const char *buf, size_t len, const char *what, rw_config_t **ret,
                    rw_error_t **err);
void rw_config_free(rw_config_t *c);
static inline void rw_config_freep(rw_config_t **c)
{
    rw_config_free(*c);
}
#define cleanup_config __attribute__((cleanup(rw_config_freep)))

/* The real runtime for a shim name; NULL if not mapped. */
const char *rw_config_runtime_for(const rw_config_t *c, const char *shim_name);
