/* The bundle and annotations of a running container, from the real runtime's own state:
 * an exec names only the container id, yet its record should name the image the create
 * record named. runc keeps <root>/<id>/state.json, crun <root>/<id>/status and a copy of
 * config.json. Every file is untrusted; any doubt means "unknown", never an error. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define RW_AUDIT_STATE_MAX (4u << 20) /* state.json / status / config.json read cap */

typedef struct rw_audit_runtime_state {
    char *bundle;        /* absolute, or NULL */
    json_t *annotations; /* object (values as the file has them), or NULL when unknown */
    const char *from;    /* the file the annotations came from, for the record */
} rw_audit_runtime_state_t;

/* The runtime's files, parsed. Each returns 1 when the file gave what it should (a bundle;
 * for config.json an annotations object), 0 when the file is unusable (invalid JSON, wrong
 * types, another container, a relative bundle), -ENOMEM. */
/* runc state.json: "id" must equal id; config.labels holds "bundle=<path>" and, since
 * runc copies them there, the annotations as "key=value" (read as runc reads them: split at
 * the first '=', the last "bundle" wins). */
int rw_audit_runc_state_parse(const char *buf, size_t len, const char *id,
                              rw_audit_runtime_state_t *out);
/* crun status: "bundle". */
int rw_audit_crun_status_parse(const char *buf, size_t len, rw_audit_runtime_state_t *out);
/* config.json (the bundle's or crun's copy): its "annotations" object (empty when none). */
int rw_audit_config_annotations_parse(const char *buf, size_t len, json_t **ret);

/* A container id that may name a directory entry: not empty, not "." or "..", no '/',
 * at most NAME_MAX bytes. */
bool rw_audit_runtime_id_ok(const char *id);
/* A bundle path as runtimes record it: absolute, no ".." component, shorter than PATH_MAX. */
bool rw_audit_bundle_path_ok(const char *path);
/* The state directory the runtime uses without --root: runc /run/runc or, rootless,
 * $XDG_RUNTIME_DIR/runc; crun $XDG_RUNTIME_DIR/crun whenever that is set, else /run/crun.
 * runtime_path's basename says which (NULL: runc). Caller frees; NULL on ENOMEM. */
char *rw_audit_runtime_default_root(const char *runtime_path);

/* Reads container id's state under root (NULL: the default). Returns 1 when a bundle was
 * found (annotations may still be NULL), 0 when nothing usable was, -ENOMEM. */
int rw_audit_runtime_state_read(const char *root, const char *runtime_path, const char *id,
                                rw_audit_runtime_state_t *out);
void rw_audit_runtime_state_clear(rw_audit_runtime_state_t *st);
