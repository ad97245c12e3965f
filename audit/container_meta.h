/* What container a record is about: its name, the engine that asked for it and its image,
 * from the spec's annotations (for exec, the runtime's state), podman's storage metadata and
 * the process chain. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../conf/identity.h"
#include "../conf/oci_spec.h"

#define RW_AUDIT_STORAGE_MAX (8u << 20) /* containers.json / images.json read cap */

typedef struct rw_audit_container {
    char *id;
    char *name;
    const char *name_source; /* "podman-storage", "annotation:<key>", "conmon", or NULL */
    char *engine;            /* podman, cri-o, containerd, docker, direct, unknown */
    char *engine_evidence;   /* what the guess rests on */
    char *image_name, *image_id, *image_digest;
    const char *image_source;
    char *pod_name, *pod_namespace;
    char *bundle; /* exec: the bundle found through the runtime's state, or NULL */
} rw_audit_container_t;

/* Best effort: never fails except for memory; unknown fields stay NULL. spec may be NULL
 * (exec, lifecycle); who may be NULL. */
int rw_audit_container_collect(const char *id, const char *bundle, const rw_spec_t *spec,
                               const rw_identity_t *who, bool podman_storage,
                               rw_audit_container_t *out);
/* The same for an exec, which names only the container: the bundle and annotations come
 * from the real runtime's state under root (its --root; NULL: the runtime's default), and
 * image.source says so ("runtime-state+annotation", "runtime-state+podman-storage", or
 * "runtime-state+bundle-annotation" when only the bundle's config.json had them). */
int rw_audit_container_collect_exec(const char *id, const char *root, const char *runtime_path,
                                    const rw_identity_t *who, bool podman_storage,
                                    rw_audit_container_t *out);
void rw_audit_container_clear(rw_audit_container_t *c);
json_t *rw_audit_container_json(const rw_audit_container_t *c);
json_t *rw_audit_image_json(const rw_audit_container_t *c);

/* The parts, exposed for tests. */
void rw_audit_engine_detect(const rw_spec_t *spec, const rw_identity_t *who,
                            rw_audit_container_t *out);
/* podman: <graphroot>/<driver>-containers/<id>/userdata is the bundle; containers.json
 * beside it names the container and its image. Returns 1 when found, 0 when not, <0 on
 * memory errors. */
int rw_audit_podman_storage_lookup(const char *bundle, const char *id, size_t cap,
                                   rw_audit_container_t *out);
