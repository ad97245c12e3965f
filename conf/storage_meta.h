/* containers/storage metadata as podman and CRI-O leave it on disk: storage.conf (driver,
 * graphroot, runroot), the bundle path shape, containers.json and images.json records,
 * big-data file names and the signature blobs split by the sizes in image metadata.
 * Everything here is untrusted input: bounded, validated, never followed through links. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/error.h"

#define RW_TRUST_STORAGE_DEFAULT_GRAPHROOT "/var/lib/containers/storage"
#define RW_TRUST_STORAGE_DEFAULT_RUNROOT "/run/containers/storage"
#define RW_TRUST_STORAGE_CONF_DEFAULT "/etc/containers/storage.conf"
#define RW_TRUST_STORAGE_JSON_MAX (256u << 20) /* images.json / containers.json */
#define RW_TRUST_MANIFEST_MAX (4u << 20)       /* iolimits.MaxManifestBodySize */
#define RW_TRUST_SIGNATURES_MAX (16u << 20)
#define RW_TRUST_MAX_SIGNATURES 256

typedef struct rw_trust_storage_conf {
    char *driver, *graphroot, *runroot; /* NULL when unset */
} rw_trust_storage_conf_t;

/* Reads [storage] driver/graphroot/runroot from storage.conf (a TOML subset; other tables
 * and keys are skipped). */
int rw_trust_storage_conf_parse(const char *buf, size_t len, const char *file,
                                rw_trust_storage_conf_t *out, rw_error_t **err);
void rw_trust_storage_conf_clear(rw_trust_storage_conf_t *c);

/* "<graphroot>/<driver>-containers/<64 hex id>/userdata" (trailing '/' allowed). Returns 1
 * and the three parts (malloc'ed) when the bundle has that shape, 0 when not. */
int rw_trust_bundle_shape(const char *bundle, char **ret_root, char **ret_driver, char **ret_id);

typedef struct rw_trust_container_rec {
    char id[65];
    char image[65];   /* image id; "" when the container has no image */
    char *image_name; /* podman/CRI-O metadata "image-name"; NULL when absent */
    char *name;       /* first of names, for messages */
} rw_trust_container_rec_t;

typedef struct rw_trust_sigsizes {
    char *digest; /* "sha256:..." */
    size_t *sizes;
    size_t n;
} rw_trust_sigsizes_t;

typedef struct rw_trust_image_rec {
    char id[65];
    char *digest;      /* images.json "digest"; NULL when absent */
    char **names;      /* NULL-terminated, never NULL */
    size_t *sig_sizes; /* metadata signature-sizes (the "signatures" big data) */
    size_t n_sig_sizes;
    rw_trust_sigsizes_t *by_digest; /* metadata signatures-sizes */
    size_t n_by_digest;
    char **big_data; /* big-data-names, NULL-terminated, never NULL */
} rw_trust_image_rec_t;

/* Finds container id in containers.json bytes. 1 found, 0 absent, < 0 damaged (err). */
int rw_trust_containers_find(const char *buf, size_t len, const char *file, const char *id,
                             rw_trust_container_rec_t *out, rw_error_t **err);
void rw_trust_container_rec_clear(rw_trust_container_rec_t *c);

/* Finds image id in images.json bytes. 1 found, 0 absent, < 0 damaged (err). */
int rw_trust_images_find(const char *buf, size_t len, const char *file, const char *id,
                         rw_trust_image_rec_t *out, rw_error_t **err);
/* Finds the image that carries a name (exact string match on images.json names). */
int rw_trust_images_find_name(const char *buf, size_t len, const char *file, const char *name,
                              rw_trust_image_rec_t *out, rw_error_t **err);
/* The image record from one images.json element (or from runwarden's cache of it). */
int rw_trust_image_rec_parse(json_t *o, const char *file, rw_trust_image_rec_t *out,
                             rw_error_t **err);
json_t *rw_trust_image_rec_to_json(const rw_trust_image_rec_t *r);
void rw_trust_image_rec_clear(rw_trust_image_rec_t *r);
bool rw_trust_image_rec_has_big_data(const rw_trust_image_rec_t *r, const char *key);
/* Sizes of the signatures stored for a manifest digest (NULL digest: the "signatures"
 * key). Returns false when the metadata lists none. */
bool rw_trust_image_rec_sig_sizes(const rw_trust_image_rec_t *r, const char *digest,
                                  const size_t **ret_sizes, size_t *ret_n);

/* File name of a big-data item inside <driver>-images/<id>/ (makeBigDataBaseName): the key
 * itself when it is only [.0-9a-z], else "=" + base64(key). Caller frees. */
char *rw_trust_bigdata_filename(const char *key);

/* Splits a signatures blob by sizes. Returns the number of signatures and their offsets
 * (malloc'ed), or -EINVAL when the blob is shorter or longer than the sizes say. */
int rw_trust_split_signatures(size_t blob_len, const size_t *sizes, size_t n, size_t **ret_offsets,
                              const char **why);
