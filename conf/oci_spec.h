/* Typed, validated view of an OCI runtime spec (config.json) or an exec process.json, with
 * mutators that record every change so stages can explain what they did. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"

typedef struct rw_spec_caps {
    char **bounding, **effective, **inheritable, **permitted, **ambient; /* NULL if absent */
} rw_spec_caps_t;

typedef struct rw_spec_rlimit {
    char *type; /* "RLIMIT_NOFILE" */
    uint64_t hard, soft;
} rw_spec_rlimit_t;

typedef struct rw_spec_process {
    bool present;
    bool terminal;
    char **args, **env;
    char *cwd;
    int64_t uid, gid; /* -1 when absent */
    int64_t *additional_gids;
    size_t n_additional_gids;
    char *username;
    rw_spec_caps_t caps;
    bool caps_present;
    bool no_new_privileges;
    char *apparmor_profile, *selinux_label;
    rw_spec_rlimit_t *rlimits;
    size_t n_rlimits;
} rw_spec_process_t;

typedef struct rw_spec_mount {
    char *destination, *source, *type;
    char **options;
} rw_spec_mount_t;

typedef struct rw_spec_namespace {
    char *type, *path; /* path NULL when a new namespace is created */
} rw_spec_namespace_t;

/* linux.devices[] */
typedef struct rw_spec_device {
    char *path, *type;
    int64_t major, minor; /* -1 when absent */
} rw_spec_device_t;

/* linux.resources.devices[] (device cgroup rules); major/minor -1 = wildcard */
typedef struct rw_spec_device_rule {
    bool allow;
    char *type, *access; /* NULL when absent (type absent = "a") */
    int64_t major, minor;
} rw_spec_device_rule_t;

/* linux.uidMappings[] / gidMappings[] */
typedef struct rw_spec_idmap {
    uint32_t container_id, host_id, size;
} rw_spec_idmap_t;

/* hooks.<stage>[] flattened, in document order */
typedef struct rw_spec_hook {
    char *stage; /* "prestart", "createRuntime", ... "poststop" */
    char *path;
    char **args;
} rw_spec_hook_t;

typedef struct rw_spec_kv {
    char *key, *value;
} rw_spec_kv_t;

typedef struct rw_spec_change {
    char *op;                    /* "add", "replace", "remove" */
    char *path;                  /* JSON pointer, e.g. /annotations/run.oci.seccomp_bpf_data */
    char *old_value, *new_value; /* compact JSON, NULL when absent */
    char *why;
} rw_spec_change_t;

typedef struct rw_spec {
    char *file; /* for messages */
    json_t *doc;
    bool is_process_only; /* an exec process.json */
    /* typed view, rebuilt after each change */
    char *oci_version;
    char *root_path;
    bool root_readonly;
    char *hostname;
    rw_spec_process_t process;
    rw_spec_mount_t *mounts;
    size_t n_mounts;
    rw_spec_namespace_t *namespaces;
    size_t n_namespaces;
    bool has_linux, has_seccomp;
    char *mount_label;
    char **masked_paths, **readonly_paths;
    /* typed by oci_spec_ext.c */
    rw_spec_kv_t *annotations, *sysctls;
    size_t n_annotations, n_sysctls;
    rw_spec_hook_t *hooks;
    size_t n_hooks;
    rw_spec_device_t *devices;
    size_t n_devices;
    rw_spec_device_rule_t *device_rules;
    size_t n_device_rules;
    rw_spec_idmap_t *uid_mappings, *gid_mappings;
    size_t n_uid_mappings, n_gid_mappings;
    bool has_memory_limit, has_pids_limit;
    int64_t memory_limit, pids_limit; /* linux.resources.{memory,pids}.limit */
    char *seccomp_default_action;     /* NULL when there is no linux.seccomp */
    size_t n_seccomp_rules;
    rw_spec_change_t *changes;
    size_t n_changes;
} rw_spec_t;

/* Parses and validates a whole config.json. */
int rw_spec_parse(const char *buf, size_t len, const char *file, rw_spec_t **ret, rw_error_t **err);
/* Parses and validates an exec process.json (a bare OCI "process" object). */
int rw_spec_parse_process(const char *buf, size_t len, const char *file, rw_spec_t **ret,
                          rw_error_t **err);
void rw_spec_free(rw_spec_t *s);
static inline void rw_spec_freep(rw_spec_t **s)
{
    rw_spec_free(*s);
}
#define cleanup_spec __attribute__((cleanup(rw_spec_freep)))

/* Validates one OCI process object into out (used for config.json and process.json). */
int rw_spec_process_parse(json_t *proc, const char *file, const char *path, rw_spec_process_t *out,
                          rw_error_t **err);
void rw_spec_process_clear(rw_spec_process_t *p);
/* oci_spec_ext.c: the typed fields beyond the core ones (called by the view builder). */
int rw_spec_rlimits_parse(json_t *rl, const char *file, const char *path, rw_spec_process_t *out,
                          rw_error_t **err);
void rw_spec_rlimits_clear(rw_spec_process_t *p);
int rw_spec_ext_parse(rw_spec_t *s, rw_error_t **err);
void rw_spec_ext_clear(rw_spec_t *s);

/* Read access to raw sub-objects for stages that translate them wholesale (seccomp). The
 * result is borrowed and must not be modified; use the mutators below. */
json_t *rw_spec_get(const rw_spec_t *s, const char *const *keys);
/* Annotation value or NULL. */
const char *rw_spec_annotation(const rw_spec_t *s, const char *key);

/* Mutators. keys is a NULL-terminated list of object keys from the document root (the
 * process object root for a process.json). Intermediate objects are created. value is
 * stolen. 'why' is recorded with the change. */
int rw_spec_set(rw_spec_t *s, const char *const *keys, json_t *value, const char *why);
int rw_spec_remove(rw_spec_t *s, const char *const *keys, const char *why);
/* Appends to an array at keys (created when absent). */
int rw_spec_append(rw_spec_t *s, const char *const *keys, json_t *value, const char *why);

/* Serialises the current document (caller frees). */
char *rw_spec_serialize(const rw_spec_t *s, size_t *ret_len);
/* Renders the change list as JSON (new reference). A value whose compact JSON is longer
 * than max_inline bytes is rendered as {"sha256": hex, "bytes": n} instead (audit records
 * stay small; `runwarden check` shows everything with SIZE_MAX). */
json_t *rw_spec_changes_json(const rw_spec_t *s, size_t max_inline);
