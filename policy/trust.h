/* Image trust at container start: which image a container runs, and whether
 * containers-policy.json(5) lets it run, evaluated as containers/image does at pull time
 * but at every start. The cryptography runs in runwarden-trust-verify, only when the
 * verdict cache has no answer. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"
#include "../conf/config_trust.h"
#include "../conf/oci_spec.h"
#include "../conf/storage_meta.h"

typedef enum rw_trust_source {
    RW_TRUST_SRC_UNKNOWN = 0,
    RW_TRUST_SRC_STORAGE,    /* containers/storage (podman, CRI-O) */
    RW_TRUST_SRC_ANNOTATION, /* the engine's annotations (containerd CRI, CRI-O) */
} rw_trust_source_t;

/* Annotations that name the image when storage does not. */
#define RW_TRUST_ANNOT_CRI "io.kubernetes.cri.image-name"
#define RW_TRUST_ANNOT_CRIO "io.kubernetes.cri-o.ImageName"

typedef struct rw_trust_subject {
    rw_trust_source_t source;
    char *why_unknown; /* RW_TRUST_SRC_UNKNOWN: why */
    char *graphroot, *driver, *container_id;
    char *requested;        /* the name the container was created from (podman image-name,
                               annotation); NULL when not known */
    const char *annotation; /* which annotation identified the image */
    bool have_image;
    rw_trust_image_rec_t image;
    bool image_from_cache;
    uint8_t *manifest; /* the image's "manifest" big data; NULL when unknown */
    size_t manifest_len;
    char *manifest_digest; /* sha256 of manifest, or the digest an annotation names */
    int image_dirfd;       /* <graphroot>/<driver>-images/<id>, opened once; -1 when closed */
} rw_trust_subject_t;

typedef struct rw_trust_opts {
    const rw_trust_config_t *cfg;
    const char *policy;       /* NULL: cfg->policy */
    const char *registries_d; /* NULL: cfg->registries_d */
    bool no_cache_write;      /* runwarden check: read the cache, never write it */
    bool no_cache;            /* neither read nor write (benchmarks, --no-cache) */
    bool no_index_cache;      /* always rescan images.json (benchmarks, diagnosis) */
} rw_trust_opts_t;

/* The image of a container about to be created: storage first (bundle path shape, else
 * the configured graph root), then annotations, else RW_TRUST_SRC_UNKNOWN. Returns < 0
 * only when storage metadata exists but cannot be read or is damaged. */
int rw_trust_identify_container(const rw_trust_opts_t *o, const char *bundle,
                                const char *container_id, const rw_spec_t *spec,
                                rw_trust_subject_t *out, rw_error_t **err);
/* The image a reference (name or 64-hex id) names in a store (NULLs: from config). */
int rw_trust_identify_ref(const rw_trust_opts_t *o, const char *graphroot, const char *driver,
                          const char *ref, rw_trust_subject_t *out, rw_error_t **err);
/* The image a container of that store runs (--container ID). */
int rw_trust_identify_store_container(const rw_trust_opts_t *o, const char *graphroot,
                                      const char *driver, const char *container_id,
                                      rw_trust_subject_t *out, rw_error_t **err);
void rw_trust_subject_clear(rw_trust_subject_t *s);
json_t *rw_trust_subject_json(const rw_trust_subject_t *s);

/* Evaluates the policy for an identified image. *ret_report (new reference) has
 * "verdict" ("accepted"/"rejected"), "evaluations" (per name: scope, requirements,
 * signatures with reasons), "reason" and "cache". Returns < 0 only when the verdict cannot
 * be reached (policy unreadable or invalid, storage damaged, helper failure). */
int rw_trust_evaluate(const rw_trust_opts_t *o, rw_trust_subject_t *s, json_t **ret_report,
                      rw_error_t **err);
/* One line for a refusal: policy file, scope, failing requirement and why. Caller frees. */
char *rw_trust_report_summary(const json_t *report);
